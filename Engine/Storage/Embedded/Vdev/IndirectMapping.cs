using System.Buffers.Binary;

namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>One run of a removed vdev's address space and where its bytes were copied (one vdev, contiguous).</summary>
public readonly record struct IndirectEntry(long Source, long Length, uint DestVdev, long DestOffset);

/// <summary>
/// The indirect mapping of a removed vdev (ZFS's vdev_indirect_mapping): sorted, non-overlapping
/// runs of its old address space, each copied to one place on another top-level vdev. Offsets
/// inside a run map linearly, so a block pointer that names the old vdev is resolved without
/// being rewritten. Stored in a MOS object as 24-byte records (source offset, length, destination
/// vdev, destination offset); <see cref="MemoryBytes"/> is what zpool status reports.
/// </summary>
public sealed class IndirectMapping
{
    public const int EntrySize = 24;
    private readonly List<IndirectEntry> _entries = new();

    public IReadOnlyList<IndirectEntry> Entries => _entries;
    public long MemoryBytes => (long)_entries.Count * EntrySize;
    /// <summary>Bytes of the old address space that are mapped.</summary>
    public long MappedBytes => _entries.Sum(e => e.Length);

    /// <summary>Appends a run; runs arrive in source order (the copy walks the allocated extents upward).</summary>
    public void Add(IndirectEntry e)
    {
        if (e.Length <= 0 || e.Length > uint.MaxValue) throw new ArgumentOutOfRangeException(nameof(e), "a mapping run is 1 byte to 4 GiB");
        if (_entries.Count > 0 && _entries[^1].Source + _entries[^1].Length > e.Source)
            throw new ArgumentException("mapping runs must be added in source order without overlap", nameof(e));
        _entries.Add(e);
    }

    /// <summary>The destination pieces of <paramref name="length"/> bytes at <paramref name="offset"/> of the old address space, in order.</summary>
    public List<(uint Vdev, long Offset, long Length)> Translate(long offset, long length)
    {
        var pieces = new List<(uint, long, long)>(1);
        int i = FindRun(offset);
        long pos = offset, end = offset + length;
        while (pos < end)
        {
            if (i < 0 || i >= _entries.Count || _entries[i].Source > pos || _entries[i].Source + _entries[i].Length <= pos)
                throw new IllumosException(ErrorKind.InvalidData, "IndirectUnmapped", $"Offset {pos:x} of a removed vdev has no mapping (the block was not live when the vdev was removed).", pos);
            var e = _entries[i];
            long n = Math.Min(end, e.Source + e.Length) - pos;
            pieces.Add((e.DestVdev, e.DestOffset + (pos - e.Source), n));
            pos += n;
            i++;
        }
        return pieces;
    }

    /// <summary>Index of the last run starting at or before <paramref name="offset"/>, or -1.</summary>
    private int FindRun(long offset)
    {
        int lo = 0, hi = _entries.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_entries[mid].Source <= offset) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found;
    }

    public byte[] Serialize()
    {
        var b = new byte[_entries.Count * EntrySize];
        for (int i = 0; i < _entries.Count; i++)
        {
            var s = b.AsSpan(i * EntrySize);
            var e = _entries[i];
            BinaryPrimitives.WriteInt64LittleEndian(s, e.Source);
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], (uint)e.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(s[12..], e.DestVdev);
            BinaryPrimitives.WriteInt64LittleEndian(s[16..], e.DestOffset);
        }
        return b;
    }

    public static IndirectMapping Deserialize(ReadOnlySpan<byte> b)
    {
        if (b.Length % EntrySize != 0) throw new IllumosException(ErrorKind.InvalidData, "IndirectMappingCorrupt", "An indirect mapping object has a partial record.", null);
        var m = new IndirectMapping();
        for (int i = 0; i < b.Length; i += EntrySize)
            m.Add(new IndirectEntry(BinaryPrimitives.ReadInt64LittleEndian(b[i..]), BinaryPrimitives.ReadUInt32LittleEndian(b[(i + 8)..]),
                BinaryPrimitives.ReadUInt32LittleEndian(b[(i + 12)..]), BinaryPrimitives.ReadInt64LittleEndian(b[(i + 16)..])));
        return m;
    }
}
