using System.Text.Json;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>MOS object 1, the pool's own record: pool properties and the MOS objects of the pool-wide logs.</summary>
public sealed class PoolConfig
{
    public int Version { get; set; } = 1;
    public Dictionary<string, string> Props { get; set; } = new();
    public ulong SpaceMapObj { get; set; }
    public ulong HistoryObj { get; set; }
    public ulong ErrorLogObj { get; set; }
    /// <summary>The scan state object (<see cref="ScanPhys"/>); 0 until the first scrub or resilver.</summary>
    public ulong ScanObj { get; set; }
    public long Creation { get; set; }
    /// <summary>Completed removals of data vdevs, oldest first (their indirect mappings are read in this order at import).</summary>
    public List<RemovalRecord> Removals { get; set; } = new();

    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this);
    public static PoolConfig Deserialize(ReadOnlySpan<byte> b) =>
        JsonSerializer.Deserialize<PoolConfig>(b) ?? throw new IllumosException(ErrorKind.InvalidData, "PoolConfigCorrupt", "The pool configuration object is empty.", null);
}

/// <summary>A removed data vdev (ZFS's spa_removing_phys and vdev_indirect_config): its mapping object and the figures zpool status reports.</summary>
public sealed record RemovalRecord(int Vdev, ulong MappingObj, long SourceAsize, long Copied, long StartTime, long EndTime);

/// <summary>One zpool history record, stored as a JSON line in the history object.</summary>
public sealed record HistoryRecord(long Time, string Command, bool Internal, ulong Txg, string? User, string? Host);
