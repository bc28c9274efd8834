namespace Illumos.Engine.Storage.Embedded.Zio;

/// <summary>
/// Free space of one top-level vdev as a sorted set of free extents (ZFS's range tree), allocated
/// first-fit from a moving cursor so sequential writes land sequentially. The extents are two
/// parallel sorted arrays (starts, lengths) searched by bisection: finding the extent at or before
/// an offset is O(log n), and inserting or removing one moves a contiguous run of longs, so a txg's
/// allocations and frees do not grow with how fragmented the vdev has become.
/// </summary>
public sealed class RangeAllocator
{
    private readonly List<long> _starts = new();
    private readonly List<long> _lens = new();
    private long _cursor;

    public RangeAllocator(long size, int ashift)
    {
        Size = size;
        Ashift = ashift;
        if (size > 0) { _starts.Add(0); _lens.Add(size); }
        FreeBytes = size;
    }

    public long Size { get; private set; }
    public int Ashift { get; }
    public long FreeBytes { get; private set; }
    public long AllocatedBytes => Size - FreeBytes;
    public int FreeExtents => _starts.Count;

    public long RoundUp(long size) => (size + (1L << Ashift) - 1) >> Ashift << Ashift;

    /// <summary>Index of the last extent starting at or before <paramref name="offset"/>, or -1.</summary>
    private int Floor(long offset)
    {
        int i = _starts.BinarySearch(offset);
        return i >= 0 ? i : ~i - 1;
    }

    /// <summary>Allocates <paramref name="size"/> bytes (already rounded), or returns -1 when no extent fits.</summary>
    public long Allocate(long size)
    {
        long found = -1;
        int first = Math.Max(0, Floor(_cursor));
        for (int i = first; i < _starts.Count; i++)
        {
            long start = _starts[i], len = _lens[i];
            if (start + len <= _cursor || len < size) continue;
            long s = Math.Max(start, _cursor);
            if (start + len - s >= size) { found = s; break; }
        }
        if (found < 0)
        {
            for (int i = 0; i < _starts.Count; i++)
                if (_lens[i] >= size) { found = _starts[i]; break; }
        }
        if (found < 0) return -1;
        Claim(found, size);
        _cursor = found + size;
        return found;
    }

    /// <summary>Marks a range allocated (import replay, MOS reachability).</summary>
    public void Claim(long offset, long size)
    {
        int i = Floor(offset);
        if (i < 0 || _starts[i] + _lens[i] < offset + size)
            throw new IllumosException(ErrorKind.InvalidData, "SpaceMapConflict", $"Range {offset:x}+{size:x} is not free.", offset);
        long key = _starts[i], kend = key + _lens[i], end = offset + size;
        if (offset > key)
        {
            _lens[i] = offset - key;
            if (kend > end) { _starts.Insert(i + 1, end); _lens.Insert(i + 1, kend - end); }
        }
        else if (kend > end) { _starts[i] = end; _lens[i] = kend - end; }
        else { _starts.RemoveAt(i); _lens.RemoveAt(i); }
        FreeBytes -= size;
    }

    public bool IsFree(long offset, long size)
    {
        int i = Floor(offset);
        return i >= 0 && _starts[i] + _lens[i] >= offset + size;
    }

    public void Free(long offset, long size)
    {
        long end = offset + size;
        int prev = Floor(offset);
        if (prev >= 0 && (_starts[prev] == offset || _starts[prev] + _lens[prev] > offset))
            throw new IllumosException(ErrorKind.InvalidData, "DoubleFree", $"Range {offset:x}+{size:x} is freed twice.", offset);
        int next = prev + 1;
        if (next < _starts.Count && _starts[next] < end)
            throw new IllumosException(ErrorKind.InvalidData, "DoubleFree", $"Range {offset:x}+{size:x} is freed twice.", offset);
        bool joinPrev = prev >= 0 && _starts[prev] + _lens[prev] == offset;
        bool joinNext = next < _starts.Count && _starts[next] == end;
        if (joinPrev && joinNext)
        {
            _lens[prev] = _starts[next] + _lens[next] - _starts[prev];
            _starts.RemoveAt(next);
            _lens.RemoveAt(next);
        }
        else if (joinPrev) _lens[prev] = end - _starts[prev];
        else if (joinNext) { _starts[next] = offset; _lens[next] += size; }
        else { _starts.Insert(next, offset); _lens.Insert(next, size); }
        FreeBytes += size;
    }

    /// <summary>Allocated extents (the complement of the free tree), for condensing the space map.</summary>
    public IEnumerable<(long Offset, long Length)> AllocatedExtents()
    {
        long pos = 0;
        for (int i = 0; i < _starts.Count; i++)
        {
            long start = _starts[i], len = _lens[i];
            if (start > pos) yield return (pos, start - pos);
            pos = start + len;
        }
        if (pos < Size) yield return (pos, Size - pos);
    }

    /// <summary>Vdev expansion: the address space grows to <paramref name="newSize"/> and the new range is free.</summary>
    public void Grow(long newSize)
    {
        if (newSize < Size) throw new ArgumentOutOfRangeException(nameof(newSize), "An allocator only grows.");
        if (newSize == Size) return;
        long old = Size;
        Size = newSize;
        Free(old, newSize - old);
    }

    /// <summary>zpool's fragmentation: how much free space sits in small extents (0-100).</summary>
    public int Fragmentation()
    {
        if (FreeBytes == 0) return 0;
        double weighted = 0;
        foreach (var len in _lens)
        {
            // Extents of 16 MiB and more count as unfragmented; smaller ones proportionally worse.
            double f = len >= 16 << 20 ? 0 : 1.0 - Math.Log2(Math.Max(len, 512) / 512.0) / 15.0;
            weighted += f * len;
        }
        return (int)Math.Round(100 * weighted / FreeBytes);
    }
}
