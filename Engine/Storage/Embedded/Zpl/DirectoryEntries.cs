using System.Buffers.Binary;
using System.Text;
using Illumos.Engine.Storage.Embedded.Dmu;

namespace Illumos.Engine.Storage.Embedded.Zpl;

/// <summary>
/// Directory contents: name → (object, type), as an extendible hash table in the directory object's
/// 16 KiB blocks (our own small relative of ZFS's fat ZAP). A lookup reads two blocks (header and
/// one leaf), an insert or a remove rewrites one leaf (two when it splits, plus the header), so
/// filling a directory is linear, not quadratic.
/// <para>On-disk layout (all little-endian):</para>
/// <list type="bullet">
/// <item>Block 0, the header: u64 magic <c>0x5a41504449523031</c> ("ZAPDIR01"), u32 global depth D
/// (0..<see cref="MaxDepth"/>), u32 reserved, u64 entry count, u64 number of blocks in use; at byte
/// 64 the pointer table: 2^D u32 leaf block numbers. Bucket i holds the names whose hash's top D bits
/// are i.</item>
/// <item>Leaf blocks (1..): u32 magic <c>0x4641454c</c> ("LEAF"), u16 local depth d (the leaf is
/// pointed to by the 2^(D−d) table slots sharing its top d hash bits), u16 entry count, u32 bytes
/// used (header included), u32 overflow block (0 = none; a chain is used only when a leaf at the
/// maximum depth fills), then packed entries: u32 hash, u64 object, u8 type, u16 name length, UTF-8
/// name.</item>
/// </list>
/// The hash is FNV-1a (64-bit) of the UTF-8 name with a final mix, top 32 bits. A full leaf splits
/// by the next hash bit (doubling the table first when its depth equals D); leaves are never merged
/// (as in the ZAP), a removed entry just frees its bytes. Directories written by the earlier format
/// (one packed list of the same entry records without the hash) are read as such and converted on
/// their first change.
/// </summary>
public static class DirectoryEntries
{
    public const int MaxDepth = 11;
    private const ulong HeaderMagic = 0x5a41504449523031;
    private const uint LeafMagic = 0x4641454c;
    private const int TableOffset = 64;
    private const int LeafHeader = 16;
    private const int EntryFixed = 4 + 8 + 1 + 2;

    // ---------------- public operations ----------------

    public static bool TryLookup(DmuObject dir, string name, out (ulong Obj, ObjectType Type) entry)
    {
        entry = default;
        if (IsLegacy(dir)) return ReadLegacy(dir).TryGetValue(name, out entry);
        var header = dir.ReadBlock(0);
        if (header is null) return false;
        if (Locate(dir, header, name) is not var (_, leaf, pos)) return false;
        entry = (BinaryPrimitives.ReadUInt64LittleEndian(leaf.AsSpan(pos + 4)), (ObjectType)leaf[pos + 12]);
        return true;
    }

    /// <summary>The leaf (block number and contents) and offset of a name's entry, walking the leaf's overflow chain.</summary>
    private static (long Blk, byte[] Leaf, int Pos)? Locate(DmuObject dir, byte[] header, string name)
    {
        uint h = Hash(name);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (long blk = LeafFor(header, h); blk != 0;)
        {
            var leaf = dir.ReadBlock(blk) ?? throw Corrupt(dir);
            if (Find(leaf, h, nameBytes) is { } pos) return (blk, leaf, pos);
            blk = BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(12));
        }
        return null;
    }

    /// <summary>Number of entries (from the header: one block).</summary>
    public static long Count(DmuObject dir)
    {
        if (IsLegacy(dir)) return ReadLegacy(dir).Count;
        var header = dir.ReadBlock(0);
        return header is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
    }

    /// <summary>Adds or replaces an entry.</summary>
    public static void Set(DmuObject dir, string name, ulong obj, ObjectType type)
    {
        ConvertLegacy(dir);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        uint h = Hash(name);
        Remove(dir, name);
        var header = Writable(dir, 0) ?? NewHeader(dir);
        int need = EntryFixed + nameBytes.Length;
        while (true)
        {
            long blk = LeafFor(header, h);
            // Walk the chain (only leaves at the maximum depth have one) to a leaf with room.
            long last = blk;
            for (long b = blk; b != 0; b = BinaryPrimitives.ReadUInt32LittleEndian(dir.ReadBlock(b)!.AsSpan(12)))
            {
                var leaf = dir.ReadBlock(b)!;
                if (BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(8)) + need <= dir.BlockSize)
                {
                    var w = Writable(dir, b)!;
                    Append(w, h, obj, type, nameBytes);
                    dir.WriteBlock(b, w);
                    AddCount(header, 1);
                    dir.WriteBlock(0, header);
                    return;
                }
                last = b;
            }
            var first = dir.ReadBlock(blk)!;
            int local = BinaryPrimitives.ReadUInt16LittleEndian(first.AsSpan(4));
            int global = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
            if (local < global) Split(dir, header, blk, local);
            else if (global < MaxDepth) { Double(header); }
            else
            {
                // The table cannot grow: chain an overflow leaf.
                long nb = NewBlock(dir, header);
                dir.WriteBlock(nb, NewLeaf(dir.BlockSize, local));
                var w = Writable(dir, last)!;
                BinaryPrimitives.WriteUInt32LittleEndian(w.AsSpan(12), (uint)nb);
                dir.WriteBlock(last, w);
            }
        }
    }

    /// <summary>Removes an entry; false when there is none of that name.</summary>
    public static bool Remove(DmuObject dir, string name)
    {
        ConvertLegacy(dir);
        var header = dir.ReadBlock(0);
        if (header is null) return false;
        if (Locate(dir, header, name) is not var (blk, leaf, pos)) return false;
        var w = (byte[])leaf.Clone();
        int len = EntryFixed + BinaryPrimitives.ReadUInt16LittleEndian(w.AsSpan(pos + 13));
        int used = (int)BinaryPrimitives.ReadUInt32LittleEndian(w.AsSpan(8));
        w.AsSpan(pos + len, used - pos - len).CopyTo(w.AsSpan(pos));
        w.AsSpan(used - len, len).Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(w.AsSpan(8), (uint)(used - len));
        BinaryPrimitives.WriteUInt16LittleEndian(w.AsSpan(6), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(w.AsSpan(6)) - 1));
        dir.WriteBlock(blk, w);
        var hw = (byte[])header.Clone();
        AddCount(hw, -1);
        dir.WriteBlock(0, hw);
        return true;
    }

    /// <summary>Every entry, in ordinal name order (listing; reads every leaf).</summary>
    public static SortedDictionary<string, (ulong Obj, ObjectType Type)> Read(DmuObject dir)
    {
        if (IsLegacy(dir)) return ReadLegacy(dir);
        var result = new SortedDictionary<string, (ulong, ObjectType)>(StringComparer.Ordinal);
        var header = dir.ReadBlock(0);
        if (header is null) return result;
        int global = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        var seen = new HashSet<long>();
        for (int i = 0; i < 1 << global; i++)
        {
            for (long blk = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(TableOffset + 4 * i)); blk != 0 && seen.Add(blk);)
            {
                var leaf = dir.ReadBlock(blk) ?? throw Corrupt(dir);
                foreach (var (pos, len) in Entries(leaf))
                    result[Encoding.UTF8.GetString(leaf, pos + EntryFixed, len)] =
                        (BinaryPrimitives.ReadUInt64LittleEndian(leaf.AsSpan(pos + 4)), (ObjectType)leaf[pos + 12]);
                blk = BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(12));
            }
        }
        return result;
    }

    /// <summary>The name under which <paramref name="obj"/> is listed (reverse lookup: reads every leaf).</summary>
    public static string? NameOf(DmuObject dir, ulong obj) => Read(dir).FirstOrDefault(kv => kv.Value.Obj == obj).Key;

    // ---------------- hashing and leaves ----------------

    private static uint Hash(string name)
    {
        ulong h = 0xcbf29ce484222325;
        Span<byte> buf = name.Length <= 128 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(name.Length)];
        int n = Encoding.UTF8.GetBytes(name, buf);
        foreach (var b in buf[..n]) { h ^= b; h *= 0x100000001b3; }
        h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33; h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33;
        return (uint)(h >> 32);
    }

    private static long LeafFor(byte[] header, uint h)
    {
        int global = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        int slot = global == 0 ? 0 : (int)(h >> (32 - global));
        return BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(TableOffset + 4 * slot));
    }

    private static IEnumerable<(int Pos, int NameLen)> Entries(byte[] leaf)
    {
        int used = (int)BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(8));
        for (int p = LeafHeader; p + EntryFixed <= used;)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(leaf.AsSpan(p + 13));
            yield return (p, len);
            p += EntryFixed + len;
        }
    }

    private static int? Find(byte[] leaf, uint h, byte[] name)
    {
        foreach (var (pos, len) in Entries(leaf))
            if (BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(pos)) == h && leaf.AsSpan(pos + EntryFixed, len).SequenceEqual(name)) return pos;
        return null;
    }

    private static void Append(byte[] leaf, uint h, ulong obj, ObjectType type, ReadOnlySpan<byte> name)
    {
        int used = (int)BinaryPrimitives.ReadUInt32LittleEndian(leaf.AsSpan(8));
        var e = leaf.AsSpan(used);
        BinaryPrimitives.WriteUInt32LittleEndian(e, h);
        BinaryPrimitives.WriteUInt64LittleEndian(e[4..], obj);
        e[12] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(e[13..], (ushort)name.Length);
        name.CopyTo(e[EntryFixed..]);
        BinaryPrimitives.WriteUInt32LittleEndian(leaf.AsSpan(8), (uint)(used + EntryFixed + name.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(leaf.AsSpan(6), (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(leaf.AsSpan(6)) + 1));
    }

    private static byte[] NewLeaf(int blockSize, int localDepth)
    {
        var leaf = new byte[blockSize];
        BinaryPrimitives.WriteUInt32LittleEndian(leaf, LeafMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(leaf.AsSpan(4), (ushort)localDepth);
        BinaryPrimitives.WriteUInt32LittleEndian(leaf.AsSpan(8), LeafHeader);
        return leaf;
    }

    /// <summary>Splits a leaf of local depth <paramref name="local"/> by the next hash bit into itself and a new leaf; repoints the table slots of the upper half.</summary>
    private static void Split(DmuObject dir, byte[] header, long blk, int local)
    {
        int global = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        var old = dir.ReadBlock(blk)!;
        var low = NewLeaf(dir.BlockSize, local + 1);
        var high = NewLeaf(dir.BlockSize, local + 1);
        int bit = 31 - local;
        foreach (var (pos, len) in Entries(old))
        {
            uint h = BinaryPrimitives.ReadUInt32LittleEndian(old.AsSpan(pos));
            Append(((h >> bit) & 1) == 0 ? low : high, h, BinaryPrimitives.ReadUInt64LittleEndian(old.AsSpan(pos + 4)), (ObjectType)old[pos + 12], old.AsSpan(pos + EntryFixed, len));
        }
        long nb = NewBlock(dir, header);
        dir.WriteBlock(blk, low);
        dir.WriteBlock(nb, high);
        // The leaf's slots are a run of 2^(global - local) sharing its top 'local' bits; the upper half now points to the new leaf.
        int run = 1 << (global - local);
        int first = -1;
        for (int i = 0; i < 1 << global; i++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(TableOffset + 4 * i)) == blk) { first = i; break; }
        for (int i = first + run / 2; i < first + run; i++) BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(TableOffset + 4 * i), (uint)nb);
        dir.WriteBlock(0, header);
    }

    /// <summary>Doubles the pointer table: slot i becomes slots 2i and 2i+1.</summary>
    private static void Double(byte[] header)
    {
        int global = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8));
        for (int i = (1 << global) - 1; i >= 0; i--)
        {
            uint p = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(TableOffset + 4 * i));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(TableOffset + 8 * i), p);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(TableOffset + 8 * i + 4), p);
        }
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), global + 1);
    }

    private static long NewBlock(DmuObject dir, byte[] header)
    {
        long nb = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(24));
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), nb + 1);
        dir.Dn.Length = Math.Max(dir.Dn.Length, (nb + 1) * dir.BlockSize);
        return nb;
    }

    private static void AddCount(byte[] header, long delta) =>
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16)) + delta);

    /// <summary>A private copy of a block to modify (blocks read are shared with the ARC).</summary>
    private static byte[]? Writable(DmuObject dir, long blk) => dir.ReadBlock(blk) is { } b ? (byte[])b.Clone() : null;

    private static byte[] NewHeader(DmuObject dir)
    {
        if (dir.BlockSize < TableOffset + 4 * (1 << MaxDepth))
            throw new InvalidOperationException($"directory blocks of {dir.BlockSize} bytes cannot hold the hash table");
        var header = new byte[dir.BlockSize];
        BinaryPrimitives.WriteUInt64LittleEndian(header, HeaderMagic);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), 1);
        dir.Dn.Length = dir.BlockSize;
        long leaf = NewBlock(dir, header);
        dir.WriteBlock(leaf, NewLeaf(dir.BlockSize, 0));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(TableOffset), (uint)leaf);
        dir.WriteBlock(0, header);
        return (byte[])header.Clone();
    }

    private static IllumosException Corrupt(DmuObject dir) =>
        new(ErrorKind.InvalidData, "ZplDirectoryCorrupt", $"Directory object {dir.Id} has a missing hash leaf.", dir.Id);

    // ---------------- the earlier format ----------------

    private static bool IsLegacy(DmuObject dir) =>
        dir.Length > 0 && dir.ReadBlock(0) is { } b && BinaryPrimitives.ReadUInt64LittleEndian(b) != HeaderMagic;

    private static SortedDictionary<string, (ulong Obj, ObjectType Type)> ReadLegacy(DmuObject dir)
    {
        var result = new SortedDictionary<string, (ulong, ObjectType)>(StringComparer.Ordinal);
        var raw = new byte[dir.Length];
        dir.Read(0, raw);
        int p = 0;
        while (p + 11 <= raw.Length)
        {
            ulong obj = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(p));
            var type = (ObjectType)raw[p + 8];
            int len = BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(p + 9));
            result[Encoding.UTF8.GetString(raw, p + 11, len)] = (obj, type);
            p += 11 + len;
        }
        return result;
    }

    /// <summary>Rewrites a directory of the earlier format as a hash table.</summary>
    private static void ConvertLegacy(DmuObject dir)
    {
        if (!IsLegacy(dir)) return;
        var entries = ReadLegacy(dir);
        dir.Truncate(0);
        foreach (var (name, (obj, type)) in entries) Set(dir, name, obj, type);
    }
}
