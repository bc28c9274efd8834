using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded.Zio;

/// <summary>One record of a space map log: a range allocated or freed in a txg.</summary>
public readonly record struct SpaceRecord(bool Alloc, uint Vdev, long Offset, long Length);

/// <summary>
/// Allocation across top-level vdevs. Allocations and frees of dataset blocks are logged (the
/// space map, appended to the MOS each txg); the MOS's own blocks are not logged but claimed by
/// reachability at import, which makes the space map converge in one sync pass. Frees take effect
/// only after the txg that frees them has committed, so a crash never finds a live block reused.
/// </summary>
public sealed class SpaceManager
{
    private readonly List<(uint Vdev, long Offset, long Length)> _deferred = new();
    private readonly List<SpaceRecord> _log = new();
    private int _rotor;

    public SpaceManager(IReadOnlyList<TopVdev> tops)
    {
        Tops = tops;
        Allocators = tops.Select(t => new RangeAllocator(t.Asize, t.Ashift)).ToList();
    }

    public IReadOnlyList<TopVdev> Tops { get; }
    public List<RangeAllocator> Allocators { get; }

    /// <summary>zpool add: a new top-level vdev (already appended to the tops list) becomes allocatable.</summary>
    public void AddTop(TopVdev top) => Allocators.Add(new RangeAllocator(top.Asize, top.Ashift));

    /// <summary>The pool's size as zpool list reports it: normal and special vdevs (log devices are not counted).</summary>
    public long Size => SizeOf(ZVdevClass.Normal) + SizeOf(ZVdevClass.Special);
    /// <summary>An indirect vdev's allocator tracks its old address space; those bytes are counted where they were copied to.</summary>
    public long Allocated => AllocatedIn(ZVdevClass.Normal) + AllocatedIn(ZVdevClass.Special);
    /// <summary>What datasets can fill: the normal class only (ZFS's dspace), metadata on special vdevs aside.</summary>
    public long DataSize => SizeOf(ZVdevClass.Normal);
    public long DataAllocated => AllocatedIn(ZVdevClass.Normal);

    // Plain loops: ClassFor asks for every block written.
    public long SizeOf(ZVdevClass cls)
    {
        long sum = 0;
        for (int i = 0; i < Tops.Count; i++) if (Tops[i].Class == cls && !Tops[i].IsHole) sum += Tops[i].Asize;
        return sum;
    }

    public long AllocatedIn(ZVdevClass cls)
    {
        long sum = 0;
        for (int i = 0; i < Tops.Count; i++) if (Tops[i].Class == cls && !Tops[i].IsHole) sum += Allocators[i].AllocatedBytes;
        return sum;
    }

    /// <summary>
    /// The allocation class of a block, as ZFS chooses it: with a special vdev, metadata (dnodes,
    /// indirect blocks, directories, the objset) goes there, and so do blocks of file and volume
    /// data no larger than the dataset's special_small_blocks while the special class is under 75%
    /// full (the rest is kept for metadata). Everything else, and everything without a special vdev,
    /// goes to the normal class.
    /// </summary>
    public ZVdevClass ClassFor(in WriteProps p, int psize)
    {
        long special = SizeOf(ZVdevClass.Special);
        if (special == 0) return ZVdevClass.Normal;
        if (!p.UserData || p.Level > 0) return ZVdevClass.Special;
        return psize <= p.SpecialSmallBlocks && AllocatedIn(ZVdevClass.Special) < special * 3 / 4 ? ZVdevClass.Special : ZVdevClass.Normal;
    }
    /// <summary>Bytes freed in the open txg, not yet reusable.</summary>
    public long DeferredBytes => _deferred.Sum(d => d.Length);

    public IReadOnlyList<SpaceRecord> PendingLog => _log;
    public void ClearLog() => _log.Clear();

    /// <summary>Allocates <paramref name="copies"/> DVAs for a block of physical size <paramref name="psize"/>, on different vdevs when there are several.</summary>
    public Dva[] Allocate(int psize, int copies, bool logged, ZVdevClass cls = ZVdevClass.Normal)
    {
        // A full special class spills into the normal one, as in ZFS.
        if (cls == ZVdevClass.Special)
        {
            try { return AllocateIn(psize, copies, logged, cls); }
            catch (IllumosException e) when (e.ErrorId == "PoolOutOfSpace") { return AllocateIn(psize, copies, logged, ZVdevClass.Normal); }
        }
        return AllocateIn(psize, copies, logged, cls);
    }

    private Dva[] AllocateIn(int psize, int copies, bool logged, ZVdevClass cls)
    {
        var candidates = Enumerable.Range(0, Tops.Count).Where(i => Allocatable(i, cls)).ToList();
        if (candidates.Count == 0 && cls != ZVdevClass.Normal) return AllocateIn(psize, copies, logged, ZVdevClass.Normal);
        if (candidates.Count == 0) throw NoSpace();
        var result = new Dva[copies];
        int start = _rotor++ % candidates.Count;
        // Prefer the vdev with the most free space for the first copy; spread the rest.
        var order = candidates.OrderByDescending(i => Allocators[i].FreeBytes).ThenBy(i => (i - start + Tops.Count) % Tops.Count).ToList();
        for (int c = 0; c < copies; c++)
        {
            int idx = order[c % order.Count];
            var a = Allocators[idx];
            long asize = Tops[idx].AsizeOf(psize);
            long off = a.Allocate(asize);
            if (off < 0)
            {
                // Try any other vdev before giving up.
                idx = order.FirstOrDefault(i => Allocators[i].FreeBytes >= Tops[i].AsizeOf(psize), -1);
                if (idx >= 0) asize = Tops[idx].AsizeOf(psize);
                off = idx < 0 ? -1 : Allocators[idx].Allocate(asize);
                if (off < 0)
                {
                    for (int k = 0; k < c; k++) Allocators[(int)result[k].Vdev].Free((long)result[k].Offset, result[k].Asize);
                    throw NoSpace();
                }
            }
            result[c] = new Dva((uint)idx, (ulong)off, (uint)asize);
            if (logged) _log.Add(new SpaceRecord(true, (uint)idx, off, asize));
        }
        return result;
    }

    public void Free(in BlockPointer bp, bool logged)
    {
        for (int i = 0; i < bp.Copies; i++)
        {
            var d = bp.GetDva(i);
            _deferred.Add((d.Vdev, (long)d.Offset, d.Asize));
            if (logged) _log.Add(new SpaceRecord(false, d.Vdev, (long)d.Offset, d.Asize));
        }
    }

    /// <summary>After the uberblock of the freeing txg is on disk: the freed ranges become allocatable.</summary>
    public void ReleaseDeferred()
    {
        foreach (var (v, off, len) in _deferred) FreeRange(v, off, len);
        _deferred.Clear();
    }

    /// <summary>
    /// Frees a range; on an indirect vdev the old address (whose frees the space map logs, so the
    /// obsolete part of the mapping is known after import) and the copy it maps to, which is never logged.
    /// </summary>
    private void FreeRange(uint vdev, long offset, long length)
    {
        Allocators[(int)vdev].Free(offset, length);
        if (Tops[(int)vdev] is IndirectVdev iv)
            foreach (var (v, off, len) in iv.Mapping.Translate(offset, length)) FreeRange(v, off, len);
    }

    /// <summary>Marks the copies of what is live on an indirect vdev's old address space allocated (import, after the space map and the MOS claims).</summary>
    public void ClaimIndirect(IndirectVdev iv)
    {
        foreach (var (off, len) in Allocators[iv.Id].AllocatedExtents())
            foreach (var (v, doff, dlen) in iv.Mapping.Translate(off, len)) Allocators[(int)v].Claim(doff, dlen);
    }

    /// <summary>A vdev being evacuated: nothing new is allocated on it.</summary>
    public int Evacuating { get; set; } = -1;

    /// <summary>Whether new blocks of class <paramref name="cls"/> may go to top-level vdev <paramref name="i"/>.</summary>
    private bool Allocatable(int i, ZVdevClass cls) =>
        Tops[i].Class == cls && !Tops[i].IsHole && i != Evacuating && Tops[i].State != ZHealth.FAULTED;

    /// <summary>
    /// Space for a removal's copy: up to <paramref name="length"/> contiguous bytes on one data vdev
    /// (the one with the most free space that fits), fewer when no vdev has a run that long; unlogged
    /// (import derives it from the mapping). Null when not even a sector is free.
    /// </summary>
    public (uint Vdev, long Offset, long Length)? AllocateRun(long length, int sector)
    {
        var order = Enumerable.Range(0, Tops.Count).Where(i => Allocatable(i, ZVdevClass.Normal))
            .OrderByDescending(i => Allocators[i].FreeBytes).ToList();
        for (long want = length; want >= sector; want = Math.Max(sector, want / 2 / sector * sector))
        {
            foreach (int i in order)
            {
                long off = Allocators[i].Allocate(want);
                if (off >= 0) return ((uint)i, off, want);
            }
            if (want == sector) break;
        }
        return null;
    }

    public void Replay(SpaceRecord r)
    {
        if (r.Vdev >= Allocators.Count) throw new IllumosException(ErrorKind.InvalidData, "SpaceMapBadVdev", $"The space map names vdev {r.Vdev}, which the pool does not have.", r.Vdev);
        if (r.Alloc) Allocators[(int)r.Vdev].Claim(r.Offset, r.Length);
        else Allocators[(int)r.Vdev].Free(r.Offset, r.Length);
    }

    public static IllumosException NoSpace() =>
        new(ErrorKind.QuotaExceeded, "PoolOutOfSpace", "The pool is out of space.", null);
}
