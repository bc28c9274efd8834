using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Vdev;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>
/// Device removal of a top-level data vdev (ZFS's vdev_removal.c, done synchronously). Every
/// allocated extent of the vdev is copied with the ordinary allocator onto the other data vdevs;
/// the runs copied form the vdev's indirect mapping, which one txg commits to the MOS together
/// with the vdev's new identity (indirect-N). Until that txg's uberblock is on disk nothing refers
/// to the copies (they sit in space the space map still calls free), so a crash leaves the pool as
/// it was before the removal; after it the removal is complete and the device is released.
/// Bookkeeping: the space map keeps logging frees of the old addresses (ZFS's obsolete space map),
/// the copies are never logged, and import derives them from what is still live in the old
/// address space, translated through the mapping.
/// </summary>
public sealed partial class Pool
{
    /// <summary>The longest run one mapping entry covers (a run is also split when no vdev has that much contiguous space).</summary>
    private const long MaxRemovalRun = 16L << 20;
    private const int CopyBuffer = 1 << 20;
    /// <summary>The vdevs removed, as the labels describe them before removal (written in the indirect vdev's label node).</summary>
    private readonly Dictionary<int, VdevConfigNode> _evacuatedNodes = new();
    /// <summary>Tops opened from an indirect node's former description at import, used only if the MOS has no record of the removal.</summary>
    private readonly Dictionary<int, TopVdev> _evacuatedTops = new();
    /// <summary>The vdev being evacuated, whose devices stay open until the removal is committed.</summary>
    private TopVdev? _evacuating;

    /// <summary>Test hook: called at the steps of a removal ("copied", "committed") and of a commit ("even-labels").</summary>
    internal Action<string>? StepForTests { get; set; }

    /// <summary>The bytes a removal of <paramref name="top"/> would copy; throws the refusal zpool remove gives when it cannot be removed.</summary>
    public long CheckRemovable(TopVdev top)
    {
        string what = top.Type == "file" ? top.Leaves[0].Path : top.Name;
        if (top.Class != ZVdevClass.Normal || top.IsHole) throw new ArgumentException("not a data vdev", nameof(top));
        var data = Tops.Where(t => t.Class == ZVdevClass.Normal && !t.IsHole).ToList();
        if (data.Count == 1)
            throw IllumosException.Refused("RemoveLastDataVdev", $"Cannot remove '{what}': it is the only top-level data vdev of pool '{Name}'.", what);
        if (data.FirstOrDefault(t => t.Parity > 0) is { } raidz)
            throw IllumosException.Refused("RemoveRaidzInPool", $"Cannot remove '{what}': invalid config; all top-level vdevs must have the same sector size and not be raidz ({raidz.Name} is raidz).", what);
        if (data.FirstOrDefault(t => t.Ashift != top.Ashift) is { } other)
            throw IllumosException.Refused("RemoveAshiftMismatch", $"Cannot remove '{what}': invalid config; all top-level vdevs must have the same sector size and not be raidz ({other.Name} has ashift {other.Ashift}, '{what}' {top.Ashift}).", what);
        if (Scrub is { IsActive: true } scan)
            throw new IllumosException(ErrorKind.ResourceBusy, "RemoveScanInProgress", $"Cannot remove '{what}': a {(scan.Function == ZScanFunction.Resilver ? "resilver" : "scrub")} of '{Name}' is in progress; wait for it or stop it.", what);
        if (SpareActivations.Any(a => a.TopId == top.Id) || top.Leaves.Any(l => l.Resilvering))
            throw new IllumosException(ErrorKind.ResourceBusy, "RemoveVdevResilvering", $"Cannot remove '{what}': a spare or replacement in it is being resilvered or still serves; detach it first.", what);
        if (top.State == ZHealth.FAULTED)
            throw new IllumosException(ErrorKind.ResourceUnavailable, "RemoveVdevFaulted", $"Cannot remove '{what}': it cannot be read, so its data cannot be copied.", what);
        long needed = Space.Allocators[top.Id].AllocatedBytes;
        long freeElsewhere = data.Where(t => t != top).Sum(t => Space.Allocators[t.Id].FreeBytes);
        long remainingSize = Size - top.Asize;
        long slop = Math.Max(remainingSize / 32, 1L << 20);
        if (needed > freeElsewhere - slop)
            throw new IllumosException(ErrorKind.QuotaExceeded, "RemoveOutOfSpace",
                $"Cannot remove '{what}': out of space; it holds {Illumos.Engine.Size.Format((ulong)needed)}B and the other vdevs have {Illumos.Engine.Size.Format((ulong)Math.Max(0, freeElsewhere - slop))}B free.", what);
        return needed;
    }

    /// <summary>
    /// Evacuates <paramref name="top"/> and commits its removal; returns its devices, which the
    /// caller releases (their labels cleared). <paramref name="progress"/> gets (copied, total) bytes.
    /// </summary>
    public IReadOnlyList<LeafDevice> RemoveDataVdev(TopVdev top, string historyCommand, Action<long, long>? progress = null)
    {
        CheckRemovable(top);
        Sync(); // the open txg commits first: its frees are released and the allocated extents are final
        var start = DateTimeOffset.UtcNow;
        var extents = Space.Allocators[top.Id].AllocatedExtents().ToList();
        long total = extents.Sum(e => e.Length), copied = 0;
        var mapping = new IndirectMapping();
        var taken = new List<(uint Vdev, long Offset, long Length)>();
        Space.Evacuating = top.Id;
        _evacuating = top;
        try
        {
            var buffer = new byte[CopyBuffer];
            foreach (var (offset, length) in extents)
            {
                for (long pos = offset, end = offset + length; pos < end;)
                {
                    var run = Space.AllocateRun(Math.Min(MaxRemovalRun, end - pos), top.Sector) ?? throw SpaceManager.NoSpace();
                    taken.Add(run);
                    for (long done = 0; done < run.Length;)
                    {
                        int n = (int)Math.Min(CopyBuffer, run.Length - done);
                        var chunk = buffer.AsSpan(0, n);
                        if (!top.TryReadSpan(pos + done, chunk))
                            throw new IllumosException(ErrorKind.DeviceError, "RemoveReadFailed", $"Reading {top.Name} at {pos + done:x} failed on every device; the removal is abandoned.", top.Name);
                        Tops[(int)run.Vdev].Write(run.Offset + done, chunk);
                        done += n;
                    }
                    mapping.Add(new IndirectEntry(pos, run.Length, run.Vdev, run.Offset));
                    pos += run.Length;
                    copied += run.Length;
                    progress?.Invoke(copied, total);
                }
            }
            StepForTests?.Invoke("copied");
        }
        catch
        {
            // Nothing refers to the copies: their space is free again and the vdev stays as it was.
            foreach (var (v, off, len) in taken) Space.Allocators[(int)v].Free(off, len);
            Space.Evacuating = -1;
            _evacuating = null;
            throw;
        }
        _evacuatedNodes[top.Id] = TopNode(top);
        Tops[top.Id] = new IndirectVdev(top.Id, top.Guid, top.Ashift, mapping, Tops);
        Space.Evacuating = -1;
        var mappingObj = Mos.Allocate(ObjectType.IndirectMapping, 128 * 1024);
        WriteObject(mappingObj, mapping.Serialize());
        // Import reads the config and every mapping before it can resolve any old address, so they
        // are all rewritten now, onto vdevs that are present.
        foreach (var r in Config.Removals) WriteObject(Mos.Get(r.MappingObj), ReadObject(Mos.Get(r.MappingObj)));
        Config.Removals.Add(new RemovalRecord(top.Id, mappingObj.Id, Space.Allocators[top.Id].Size, copied, start.ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        _configDirty = true;
        _labelsDirty = true;
        LogHistory(historyCommand);
        Sync();
        StepForTests?.Invoke("committed");
        _evacuating = null;
        return top.Leaves;
    }

    /// <summary>The label node of an indirect vdev: no devices, and what it was (for a crash before its removal committed).</summary>
    private VdevConfigNode IndirectNode(TopVdev t) => new()
    {
        Type = t.Type, Guid = t.Guid, Id = t.Id, Class = t.Class, Ashift = t.Ashift, Evacuated = _evacuatedNodes.GetValueOrDefault(t.Id),
    };

    /// <summary>Import: an indirect node becomes its former vdev until the MOS says whether the removal committed.</summary>
    private static TopVdev OpenEvacuated(VdevConfigNode n, Func<VdevConfigNode, LeafDevice> openLeaf)
    {
        var was = n.Evacuated ?? throw new IllumosException(ErrorKind.InvalidData, "IndirectVdevUndescribed", $"The label describes indirect vdev {n.Id} without the vdev it replaced.", n.Id);
        var leaves = was.Type == "file" ? [openLeaf(was)] : was.Children.Select(openLeaf).ToList();
        return TopVdev.Create(n.Id, n.Guid, was.Type, ZVdevClass.Normal, was.Ashift, leaves, was.Parity);
    }

    /// <summary>
    /// Import, once the MOS config of the txg being loaded is read: each removal it records makes
    /// its vdev indirect (with its mapping and an allocator for its old address space); a vdev the
    /// labels call indirect but this txg does not is still the vdev it was.
    /// </summary>
    private void AttachRemovals()
    {
        foreach (var (id, was) in _evacuatedTops)
        {
            Tops[id] = was;
            Space.Allocators[id] = new RangeAllocator(was.Asize, was.Ashift);
        }
        foreach (var r in Config.Removals)
        {
            var prior = Tops[r.Vdev];
            if (_evacuatedTops.TryGetValue(r.Vdev, out var was)) _evacuatedNodes[r.Vdev] = TopNode(was);
            var mapping = IndirectMapping.Deserialize(ReadObject(Mos.Get(r.MappingObj)));
            Tops[r.Vdev] = new IndirectVdev(r.Vdev, prior.Guid, prior.Ashift, mapping, Tops);
            Space.Allocators[r.Vdev] = new RangeAllocator(r.SourceAsize, prior.Ashift);
        }
    }

    /// <summary>After the space map and the MOS claims: the copies of what is live on removed vdevs, in removal order (a later removal may hold an earlier one's copies).</summary>
    private void ClaimRemovedCopies()
    {
        foreach (var r in Config.Removals) Space.ClaimIndirect((IndirectVdev)Tops[r.Vdev]);
    }

    /// <summary>
    /// After import: the devices of vdevs whose removal committed (their labels may still name the
    /// pool if the process died before releasing them). A vdev whose removal did not commit must be whole.
    /// </summary>
    private List<LeafDevice> SettleEvacuated()
    {
        var release = new List<LeafDevice>();
        foreach (var (id, was) in _evacuatedTops)
        {
            if (Tops[id] is IndirectVdev) { release.AddRange(was.Leaves.Where(l => l.State != ZHealth.UNAVAIL && Label.ReadBestConfig(l)?.PoolGuid == Guid)); foreach (var l in was.Leaves) if (!release.Contains(l)) l.Dispose(); }
            else if (was.State == ZHealth.FAULTED || was.Asize <= 0)
                throw new IllumosException(ErrorKind.ResourceUnavailable, "PoolInsufficientReplicas",
                    $"Pool '{Name}' cannot be opened: {was.Name}, whose removal did not complete, has too many missing devices.", Name);
        }
        _evacuatedTops.Clear();
        return release;
    }

    /// <summary>The removal zpool status reports: the last one, with the memory of every mapping.</summary>
    public (RemovalRecord Last, long MappingMemory)? LastRemoval =>
        Config.Removals.Count == 0 ? null
        : (Config.Removals[^1], Tops.OfType<IndirectVdev>().Sum(t => t.Mapping.MemoryBytes));
}
