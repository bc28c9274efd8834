namespace Illumos.Engine.Storage.Embedded.Zio;

/// <summary>
/// Free space of one top-level vdev as a tree of free extents (ZFS's range tree), allocated
/// first-fit from a moving cursor so sequential writes land sequentially.
/// </summary>
public sealed class RangeAllocator
{
    private readonly SortedDictionary<long, long> _free = new(); // start -> length
    private long _cursor;

    public RangeAllocator(long size, int ashift)
    {
        Size = size;
        Ashift = ashift;
        if (size > 0) _free[0] = size;
        FreeBytes = size;
    }

    public long Size { get; }
    public int Ashift { get; }
    public long FreeBytes { get; private set; }
    public long AllocatedBytes => Size - FreeBytes;
    public int FreeExtents => _free.Count;

    public long RoundUp(long size) => (size + (1L << Ashift) - 1) >> Ashift << Ashift;

    /// <summary>Allocates <paramref name="size"/> bytes (already rounded), or returns -1 when no extent fits.</summary>
    public long Allocate(long size)
    {
        long found = -1;
        foreach (var (start, len) in _free)
        {
            if (start + len <= _cursor || len < size) continue;
            long s = Math.Max(start, _cursor);
            if (start + len - s >= size) { found = s; break; }
        }
        if (found < 0)
        {
            foreach (var (start, len) in _free)
                if (len >= size) { found = start; break; }
        }
        if (found < 0) return -1;
        Claim(found, size);
        _cursor = found + size;
        return found;
    }

    /// <summary>Marks a range allocated (import replay, MOS reachability).</summary>
    public void Claim(long offset, long size)
    {
        long key = -1;
        foreach (var (start, len) in _free)
        {
            if (start > offset) break;
            if (start + len >= offset + size) { key = start; break; }
        }
        if (key < 0) throw new IllumosException(ErrorKind.InvalidData, "SpaceMapConflict", $"Range {offset:x}+{size:x} is not free.", offset);
        long klen = _free[key];
        _free.Remove(key);
        if (offset > key) _free[key] = offset - key;
        long end = offset + size, kend = key + klen;
        if (kend > end) _free[end] = kend - end;
        FreeBytes -= size;
    }

    public bool IsFree(long offset, long size)
    {
        foreach (var (start, len) in _free)
        {
            if (start > offset) return false;
            if (start + len >= offset + size) return true;
        }
        return false;
    }

    public void Free(long offset, long size)
    {
        long end = offset + size;
        long? prevKey = null;
        foreach (var (start, len) in _free)
        {
            if (start >= offset) break;
            prevKey = start;
        }
        if (prevKey is { } pk && pk + _free[pk] > offset)
            throw new IllumosException(ErrorKind.InvalidData, "DoubleFree", $"Range {offset:x}+{size:x} is freed twice.", offset);
        if (_free.TryGetValue(end, out long nextLen)) { _free.Remove(end); end += nextLen; }
        else if (_free.Keys.FirstOrDefault(k => k > offset && k < end, -1) >= 0)
            throw new IllumosException(ErrorKind.InvalidData, "DoubleFree", $"Range {offset:x}+{size:x} is freed twice.", offset);
        if (prevKey is { } p && p + _free[p] == offset) _free[p] = end - p;
        else _free[offset] = end - offset;
        FreeBytes += size;
    }

    /// <summary>Allocated extents (the complement of the free tree), for condensing the space map.</summary>
    public IEnumerable<(long Offset, long Length)> AllocatedExtents()
    {
        long pos = 0;
        foreach (var (start, len) in _free)
        {
            if (start > pos) yield return (pos, start - pos);
            pos = start + len;
        }
        if (pos < Size) yield return (pos, Size - pos);
    }

    /// <summary>zpool's fragmentation: how much free space sits in small extents (0-100).</summary>
    public int Fragmentation()
    {
        if (FreeBytes == 0) return 0;
        double weighted = 0;
        foreach (var (_, len) in _free)
        {
            // Extents of 16 MiB and more count as unfragmented; smaller ones proportionally worse.
            double f = len >= 16 << 20 ? 0 : 1.0 - Math.Log2(Math.Max(len, 512) / 512.0) / 15.0;
            weighted += f * len;
        }
        return (int)Math.Round(100 * weighted / FreeBytes);
    }
}
