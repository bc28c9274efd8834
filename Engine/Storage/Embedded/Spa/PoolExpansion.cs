using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>
/// Vdev expansion (zpool online -e, autoexpand). A device file that grows does not grow the pool by
/// itself: the pool keeps using the size its labels recorded, and the difference is the pool's
/// expandsize. Expanding a top-level vdev makes its devices use their whole files (their end labels
/// move to the new end at the next commit), rebuilds the vdev over them and grows its allocator into
/// the new range; the labels then record the new sizes, so the growth outlives export and import.
/// </summary>
public sealed partial class Pool
{
    public bool AutoExpand => Config.Props.GetValueOrDefault("autoexpand") == "on";

    /// <summary>
    /// The allocatable size a top-level vdev would have over its devices' current file sizes: a mirror
    /// grows to its smallest member, raidz to its smallest member times its width (the rule the vdev
    /// constructors apply to the sizes in use). A vdev with a device out of service does not grow.
    /// </summary>
    public long ExpandedAsize(TopVdev top)
    {
        long inUse = Space.Allocators[top.Id].Size;
        if (top.IsHole || top.Leaves.Count == 0 || top.Leaves.Any(l => !l.Usable)) return inUse;
        long smallest = top.Leaves.Min(l => l.PhysicalDataSize);
        long asize = top.Parity > 0 ? (smallest >> top.Ashift) * top.Leaves.Count << top.Ashift : smallest >> top.Ashift << top.Ashift;
        return Math.Max(asize, inUse);
    }

    /// <summary>Bytes the data vdevs would gain by expansion (zpool's EXPANDSZ).</summary>
    public long ExpandSize => Tops.Where(t => t.Class == ZVdevClass.Normal).Sum(t => ExpandedAsize(t) - Space.Allocators[t.Id].Size);

    /// <summary>Grows one top-level vdev into its devices' new space; false when there is nothing to gain.</summary>
    public bool Expand(TopVdev top)
    {
        var allocator = Space.Allocators[top.Id];
        long before = allocator.Size, target = ExpandedAsize(top);
        if (target <= before) return false;
        foreach (var leaf in top.Leaves) leaf.UseSize(leaf.PhysicalSize);
        var grown = TopVdev.Create(top.Id, top.Guid, top.Type, top.Class, top.Ashift, top.Leaves, top.Parity);
        if (grown.Asize != target)
            throw new InvalidOperationException($"Expansion of {top.Name}: the vdev gives {grown.Asize} bytes, {target} were expected.");
        (grown.ReadOps, grown.WriteOps, grown.ReadBytes, grown.WriteBytes) = (top.ReadOps, top.WriteOps, top.ReadBytes, top.WriteBytes);
        Tops[top.Id] = grown;
        allocator.Grow(grown.Asize);
        _labelsDirty = true;
        LogHistory($"vdev expand: {top.Name} grew from {before} to {grown.Asize} bytes", isInternal: true);
        return true;
    }

    /// <summary>Expands every top-level vdev that can grow (autoexpand at import, or when it is turned on).</summary>
    public bool ExpandAll()
    {
        bool any = false;
        foreach (var t in Tops.ToList()) any |= Expand(t);
        return any;
    }
}
