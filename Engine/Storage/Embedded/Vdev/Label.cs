using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>The pool state a label records (ZFS's pool_state_t).</summary>
public enum LabelPoolState { Active = 0, Exported = 1, Destroyed = 2 }

/// <summary>A vdev tree node as labels and the cache file describe it.</summary>
public sealed record VdevConfigNode
{
    public required string Type { get; init; } // root, disk(file), mirror, raidz
    public ulong Guid { get; init; }
    public string? Path { get; init; }
    public int Id { get; init; }
    public ZVdevClass Class { get; init; }
    public int Parity { get; init; }
    public long Asize { get; init; }
    /// <summary>Leaves: the device size when the label was written (to stand in for a missing device).</summary>
    public long Size { get; init; }
    public int Ashift { get; init; }
    /// <summary>Leaves: taken offline (not with -t), faulted or degraded for too many errors — states that outlive an import.</summary>
    public bool Offline { get; init; }
    public bool Faulted { get; init; }
    public bool Degraded { get; init; }
    public List<VdevConfigNode> Children { get; init; } = new();
    /// <summary>
    /// An indirect vdev: the vdev it was before its removal. Labels are written before the txg that
    /// completes a removal; a crash in between imports that txg's predecessor, which still needs the device.
    /// </summary>
    public VdevConfigNode? Evacuated { get; init; }
}

/// <summary>What a label holds: pool identity, state, the label's own vdev guid and the full vdev tree.</summary>
public sealed record LabelConfig
{
    public int Version { get; init; } = 1;
    public required string PoolName { get; init; }
    public ulong PoolGuid { get; init; }
    public LabelPoolState State { get; init; }
    public ulong Txg { get; init; }
    public ulong Guid { get; init; }
    public ulong TopGuid { get; init; }
    public string? HostName { get; init; }
    public string? Comment { get; init; }
    public required VdevConfigNode VdevTree { get; init; }
}

/// <summary>
/// Reads and writes the four labels of a leaf. Layout of a 256 KiB label: 8 KiB pad, then at 8 KiB a
/// config region of 120 KiB (magic "ILLUMOSL", length, UTF-8 JSON, embedded checksum trailer), then
/// at 128 KiB the uberblock ring.
/// </summary>
public static class Label
{
    public const int ConfigOffset = 8 * 1024;
    public const int ConfigSize = 120 * 1024;
    private const ulong ConfigMagic = 0x4c534f4d554c4c49UL; // "ILLUMOSL"
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void WriteConfig(LeafDevice leaf, LabelConfig config, int label)
    {
        var region = new byte[ConfigSize];
        var json = JsonSerializer.SerializeToUtf8Bytes(config, Json);
        if (json.Length > ConfigSize - 64) throw new IllumosException(ErrorKind.LimitsExceeded, "LabelConfigTooLarge", "The pool configuration does not fit in a device label.", config.PoolName);
        BinaryPrimitives.WriteUInt64LittleEndian(region, ConfigMagic);
        BinaryPrimitives.WriteInt32LittleEndian(region.AsSpan(8), json.Length);
        json.CopyTo(region.AsSpan(16));
        long off = LeafDevice.LabelOffset(label, leaf.AlignedSize) + ConfigOffset;
        EmbeddedChecksum.Seal(region, off);
        leaf.WriteRaw(off, region);
    }

    public static LabelConfig? ReadConfig(LeafDevice leaf, int label)
    {
        if (leaf.AlignedSize < LeafDevice.MinimumSize) return null;
        long off = LeafDevice.LabelOffset(label, leaf.AlignedSize) + ConfigOffset;
        var region = new byte[ConfigSize];
        leaf.ReadRaw(off, region);
        if (BinaryPrimitives.ReadUInt64LittleEndian(region) != ConfigMagic || !EmbeddedChecksum.Verify(region, off)) return null;
        int len = BinaryPrimitives.ReadInt32LittleEndian(region.AsSpan(8));
        if (len <= 0 || len > ConfigSize - 64) return null;
        try { return JsonSerializer.Deserialize<LabelConfig>(region.AsSpan(16, len), Json); }
        catch (JsonException) { return null; }
    }

    /// <summary>The newest config among the four labels that verifies, or null.</summary>
    public static LabelConfig? ReadBestConfig(LeafDevice leaf)
    {
        LabelConfig? best = null;
        for (int l = 0; l < 4; l++)
        {
            var c = ReadConfig(leaf, l);
            if (c is not null && (best is null || c.Txg > best.Txg)) best = c;
        }
        return best;
    }

    public static void WriteUberblock(LeafDevice leaf, Uberblock ub, int label)
    {
        long off = LeafDevice.LabelOffset(label, leaf.AlignedSize) + Uberblock.RingOffset + (long)Uberblock.SlotOf(ub.Txg) * Uberblock.SlotSize;
        leaf.WriteRaw(off, ub.Encode(off));
    }

    /// <summary>Every valid uberblock in every label ring of this leaf.</summary>
    public static IEnumerable<Uberblock> ReadUberblocks(LeafDevice leaf)
    {
        if (leaf.AlignedSize < LeafDevice.MinimumSize) yield break;
        var ring = new byte[Uberblock.RingSlots * Uberblock.SlotSize];
        for (int l = 0; l < 4; l++)
        {
            long baseOff = LeafDevice.LabelOffset(l, leaf.AlignedSize) + Uberblock.RingOffset;
            leaf.ReadRaw(baseOff, ring);
            for (int s = 0; s < Uberblock.RingSlots; s++)
            {
                var ub = Uberblock.Decode(ring.AsSpan(s * Uberblock.SlotSize, Uberblock.SlotSize), baseOff + (long)s * Uberblock.SlotSize);
                if (ub is { } u && Uberblock.SlotOf(u.Txg) == s) yield return u;
            }
        }
    }

    /// <summary>Zeroes the four labels, so the device no longer names a pool and can make a new one.</summary>
    public static void Clear(LeafDevice leaf)
    {
        var zero = new byte[LeafDevice.LabelSize];
        for (int l = 0; l < 4; l++) leaf.WriteRaw(LeafDevice.LabelOffset(l, leaf.AlignedSize), zero);
        leaf.Flush();
    }

    public static string Describe(LabelConfig c) => Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(c, Json));
}
