using System.Text.Json;
using System.Text.Json.Serialization;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dsl;

public enum DatasetKind { FileSystem, Volume, Snapshot, Bookmark }

/// <summary>
/// A DSL dataset: a head (filesystem or volume), a snapshot or a bookmark, persisted as one MOS object
/// (JSON). Heads own an object set and apply ZFS's kill rule: a block born after the latest snapshot
/// is freed at once, an older one goes on the deadlist (the snapshots still reference it).
/// Space counters follow ZFS's used breakdown: <see cref="UsedHead"/> (live blocks born after the
/// origin) and <see cref="UsedSnap"/> (dead blocks snapshots still hold).
/// </summary>
public sealed class Dataset : IBlockOwner
{
    [JsonIgnore] public DslPool? Dsl { get; set; }
    [JsonIgnore] public ObjectSet? Os { get; set; }
    [JsonIgnore] public Deadlist Deadlist { get; set; } = new();
    /// <summary>The record must be rewritten at the next commit (the pool keeps a set of such datasets).</summary>
    [JsonIgnore]
    public bool Dirty
    {
        get => _dirty;
        set
        {
            _dirty = value;
            Dsl?.NoteDirtyRecord(this, value);
        }
    }
    private bool _dirty;
    [JsonIgnore] public Dataset? Head { get; set; }
    [JsonIgnore] public List<Dataset> Snapshots { get; } = new();
    [JsonIgnore] public List<Dataset> Bookmarks { get; } = new();
    [JsonIgnore] public long DirtyEstimate { get; set; }

    public ulong Id { get; set; }
    public DatasetKind Kind { get; set; }
    /// <summary>Heads: the full name; snapshots and bookmarks: the part after '@' or '#'.</summary>
    public string Name { get; set; } = "";
    public ulong HeadId { get; set; }
    public ulong Guid { get; set; }
    public ulong CreateTxg { get; set; }
    public long Creation { get; set; }
    public string RootBp { get; set; } = "";
    public ulong PrevSnapTxg { get; set; }
    public ulong OriginId { get; set; }
    public ulong OriginTxg { get; set; }
    public ulong DeadlistObj { get; set; }
    public Dictionary<string, string> Local { get; set; } = new();
    public Dictionary<string, string> Received { get; set; } = new();
    /// <summary>Mount-option values for this import only (zfs mount -o): never written, so export or closing the host forgets them.</summary>
    [JsonIgnore] public Dictionary<string, string> Temporary { get; } = new();
    public long UsedHead { get; set; }
    public long UsedSnap { get; set; }
    public long Referenced { get; set; }
    public long LogicalReferenced { get; set; }
    public long Compressed { get; set; }
    public long Written { get; set; }
    public Dictionary<string, long> Holds { get; set; } = new();
    /// <summary>Set while this head is being received into (a new dataset, or the hidden %recv clone of an incremental).</summary>
    public ReceiveState? Receiving { get; set; }
    /// <summary>Sends reading this snapshot now (it cannot be destroyed meanwhile).</summary>
    [JsonIgnore] public int ActiveSends { get; set; }

    [JsonIgnore] public bool IsHead => Kind is DatasetKind.FileSystem or DatasetKind.Volume;
    /// <summary>Internal heads (%recv clones, receives that cannot be resumed) that listings do not show.</summary>
    [JsonIgnore] public bool IsHidden => Name.Contains('%') || Receiving is { Resumable: false };
    [JsonIgnore] public string FullName => IsHead ? Name : Head!.Name + (Kind == DatasetKind.Snapshot ? "@" : "#") + Name;

    [JsonIgnore]
    public BlockPointer Root
    {
        get => RootBp.Length == 0 ? default : BlockPointer.Read(Convert.FromBase64String(RootBp));
        set
        {
            var b = new byte[BlockPointer.Size];
            value.Write(b);
            RootBp = Convert.ToBase64String(b);
        }
    }

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
    public static Dataset Deserialize(ReadOnlySpan<byte> b) =>
        JsonSerializer.Deserialize<Dataset>(b, Json) ?? throw new IllumosException(ErrorKind.InvalidData, "DatasetRecordCorrupt", "A dataset record is empty.", null);

    // ---- IBlockOwner: the birth and kill rules ----

    public void Born(in BlockPointer bp)
    {
        long a = (long)bp.Asize;
        Referenced += a;
        LogicalReferenced += bp.LSize;
        Compressed += bp.PSize;
        UsedHead += a;
        Written += a;
        Dirty = true;
    }

    public void Kill(in BlockPointer bp)
    {
        long a = (long)bp.Asize;
        Referenced -= a;
        LogicalReferenced -= bp.LSize;
        Compressed -= bp.PSize;
        if (bp.Birth > PrevSnapTxg)
        {
            Dsl!.Spa.Space.Free(bp, logged: true);
            UsedHead -= a;
            Written -= a;
        }
        else
        {
            Deadlist.Entries.Add(bp);
            if (bp.Birth > OriginTxg)
            {
                UsedHead -= a;
                UsedSnap += a;
            }
        }
        Dirty = true;
    }

    public WriteProps PropsFor(BlockType type, byte level)
    {
        var p = Dsl!.Props.WriteProps(this);
        if (type == BlockType.Data) return p with { Type = type, Level = level, Logged = true };
        // Metadata: compressed, one extra copy (redundant_metadata=all).
        return p with { Type = type, Level = level, Logged = true, Compression = Compression.CompressionKind.Lz4, Copies = Math.Min(3, p.Copies + 1) };
    }
}

/// <summary>
/// The persisted state of a receive in progress (ZFS keeps the same in the dataset's ZAP): what the
/// stream is, where it has got to (for resume tokens), and what to do when its END arrives.
/// </summary>
public sealed class ReceiveState
{
    public ulong ToGuid { get; set; }
    public ulong FromGuid { get; set; }
    public string ToName { get; set; } = "";
    /// <summary>The short name the new snapshot gets.</summary>
    public string SnapshotName { get; set; } = "";
    /// <summary>The dataset the received snapshot lands on (the %recv clone swaps into it).</summary>
    public string TargetName { get; set; } = "";
    public long CreationTime { get; set; }
    public bool Resumable { get; set; }
    public bool Compressed { get; set; }
    public bool LargeBlocks { get; set; }
    public ulong Object { get; set; }
    public ulong Offset { get; set; }
    public ulong Bytes { get; set; }
}
