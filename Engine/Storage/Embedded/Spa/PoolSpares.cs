using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>A hot spare serving in the place of a failed device: the spare-N group of zpool status.</summary>
public sealed record SpareActivation(int TopId, LeafDevice Original, LeafDevice Spare);

/// <summary>
/// Hot spares. When a device of a redundant data vdev is faulted, degraded for too many errors or
/// missing, an available spare takes its place in the vdev (the spare-N group: the failed device
/// and the spare, INUSE) and is resilvered — what zed's spare agent does. Replacing the failed
/// device returns the spare to the available list once the new device is resilvered; detaching the
/// failed device makes the spare a permanent member; detaching the spare puts the failed device back.
/// </summary>
public sealed partial class Pool
{
    public List<SpareActivation> SpareActivations { get; } = new();

    public bool SpareInUse(LeafDevice l) => SpareActivations.Any(a => a.Spare == l);

    /// <summary>The activation a device takes part in, as the failed device or as the spare.</summary>
    public SpareActivation? ActivationOf(LeafDevice l) => SpareActivations.FirstOrDefault(a => a.Spare == l || a.Original == l);

    private static bool Redundant(TopVdev t) => t.Parity > 0 || t.Leaves.Count > 1;

    /// <summary>Bytes a device needs to take a place in <paramref name="top"/>.</summary>
    public static long NeededSize(TopVdev top) => top.Parity > 0 ? top.Asize / top.Leaves.Count : top.Asize;

    /// <summary>Whether some failed device could be given a spare now (cheap; checked after every operation).</summary>
    public bool NeedsSpare => Spares.Count > SpareActivations.Count && Tops.Any(t => t.Class == ZVdevClass.Normal && Redundant(t) &&
        t.Leaves.Any(NeedsSpareFor));

    private bool NeedsSpareFor(LeafDevice l) => l.State is ZHealth.FAULTED or ZHealth.DEGRADED or ZHealth.UNAVAIL && !l.SpareDeclined && !SpareInUse(l);

    /// <summary>Puts a top-level vdev's leaves in a new vdev object (readers holding the old one finish undisturbed).</summary>
    public void ReplaceTopLeaves(int id, IReadOnlyList<LeafDevice> leaves)
    {
        var t = Tops[id];
        Tops[id] = TopVdev.Create(t.Id, t.Guid, t.Type, t.Class, t.Ashift, leaves, t.Parity);
        _labelsDirty = true;
    }

    /// <summary>Gives each failed device of a redundant data vdev an available spare, then resilvers; false when nothing changed.</summary>
    public bool ActivateSpares()
    {
        if (!NeedsSpare) return false;
        var activated = new List<SpareActivation>();
        foreach (var top in Tops.ToList())
        {
            if (top.Class != ZVdevClass.Normal || !Redundant(top)) continue;
            foreach (var leaf in Tops[top.Id].Leaves.ToList())
            {
                if (!NeedsSpareFor(leaf)) continue;
                var spare = Spares.FirstOrDefault(s => !SpareInUse(s) && s.Usable && s.DataSize >= NeededSize(top));
                if (spare is null) break;
                ReplaceTopLeaves(top.Id, Tops[top.Id].Leaves.Select(l => l == leaf ? spare : l).ToList());
                var a = new SpareActivation(top.Id, leaf, spare);
                SpareActivations.Add(a);
                activated.Add(a);
                spare.Resilvering = true;
                LogHistory($"spare {spare.Path} activated for {leaf.Path} ({leaf.State.ToString().ToLowerInvariant()})", isInternal: true);
            }
        }
        if (activated.Count == 0) return false;
        BeginScan(ZScanFunction.Resilver);
        return true;
    }

    /// <summary>The spare goes back to the available list; its place is taken by <paramref name="replacement"/> (the failed device or a new one).</summary>
    public void ReturnSpare(SpareActivation a, LeafDevice replacement)
    {
        var top = Tops[a.TopId];
        if (top.Leaves.Contains(a.Spare)) ReplaceTopLeaves(a.TopId, top.Leaves.Select(l => l == a.Spare ? replacement : l).ToList());
        a.Spare.Resilvering = false;
        a.Spare.ClearErrors();
        SpareActivations.Remove(a);
        _labelsDirty = true;
    }

    /// <summary>zpool detach of the failed device: the spare stays where it is, as an ordinary member.</summary>
    public void KeepSpare(SpareActivation a)
    {
        SpareActivations.Remove(a);
        Spares.Remove(a.Spare);
        _labelsDirty = true;
    }
}
