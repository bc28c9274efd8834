using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded;

/// <summary>zpool add, attach, detach, online, offline and replace. Every change rewrites the labels of the pool's devices.</summary>
public sealed partial class EmbeddedStorage
{
    private static (TopVdev? Top, LeafDevice Leaf) FindLeaf(Pool p, string device)
    {
        var full = Path.GetFullPath(device);
        foreach (var t in p.Tops)
            foreach (var l in t.Leaves)
                if (l.Path == full || l.Path == device) return (t, l);
        foreach (var a in p.SpareActivations)
            if (a.Original.Path == full || a.Original.Path == device) return (p.Tops[a.TopId], a.Original);
        foreach (var l in p.CacheDevices.Concat(p.Spares))
            if (l.Path == full || l.Path == device) return (null, l);
        throw IllumosException.NotFound("DeviceNotInPool", $"'{device}' is not a device of pool '{p.Name}'.", device);
    }

    public void AddVdevs(string pool, VdevSpec vdevs, bool force, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var plan = new List<(VdevGroup Group, List<string> Paths)>();
        foreach (var g in vdevs.Groups)
        {
            if (g.Class is ZVdevClass.Dedup) throw DedupClassNotImplemented(vdevs);
            plan.Add((g, g.Devices.Select(d => ResolveNewDevice(d, force, null, seen)).ToList()));
        }
        if (!force)
        {
            var existing = p.Tops.Where(t => t.Class == ZVdevClass.Normal).Select(t => t.Type == "file" ? "disk" : t.Type + "-" + t.Leaves.Count).Distinct().ToList();
            foreach (var (g, paths) in plan.Where(x => x.Group.Class == ZVdevClass.Normal))
            {
                var kind = g.Kind == VdevKind.Disk ? "disk" : g.KindText + "-" + paths.Count;
                if (!existing.Contains(kind))
                    throw IllumosException.Invalid("VdevMismatchedReplication", $"Mismatched replication level: the pool uses {string.Join(", ", existing)}, the new vdev is {kind}; use -Force to add it anyway.", vdevs.ToString());
            }
        }
        var opened = new List<LeafDevice>();
        try
        {
            foreach (var (g, paths) in plan)
            {
                var leaves = paths.Select(x => new LeafDevice(x, Pool.NewGuid())).ToList();
                opened.AddRange(leaves);
                switch (g.Class)
                {
                    case ZVdevClass.Cache:
                        p.CacheDevices.AddRange(leaves);
                        foreach (var l in leaves) p.L2.Add(l);
                        break;
                    case ZVdevClass.Spare: p.Spares.AddRange(leaves); break;
                    default:
                        var type = g.Kind == VdevKind.Disk ? "file" : g.KindText;
                        var top = TopVdev.Create(p.Tops.Count, type == "file" ? leaves[0].Guid : Pool.NewGuid(), type, g.Class, p.Ashift, leaves, g.Parity);
                        p.Tops.Add(top);
                        p.Space.AddTop(top);
                        break;
                }
            }
        }
        catch
        {
            foreach (var l in opened) l.Dispose();
            throw;
        }
        p.MarkLabelsDirty();
        p.LogHistory("zpool add " + p.Name + " " + vdevs);
        p.Sync();
        SaveCache();
    });

    public void AttachDevice(string pool, string existingDevice, string newDevice, bool force, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var (top, leaf) = FindLeaf(p, existingDevice);
        if (top is null || top.Type is not ("file" or "mirror"))
            throw IllumosException.Refused("AttachNotMirror", $"'{existingDevice}' is not a disk or mirror member; devices can only be attached to those.", existingDevice);
        var path = ResolveNewDevice(newDevice, force, null, new HashSet<string>(StringComparer.Ordinal));
        var added = new LeafDevice(path, Pool.NewGuid());
        if (added.DataSize < top.Asize)
        {
            added.Dispose();
            throw IllumosException.Invalid("DeviceTooSmall", $"'{path}' is smaller than '{existingDevice}'.", newDevice);
        }
        added.Resilvering = true;
        var mirror = new MirrorVdev(top.Id, top.Type == "file" ? Pool.NewGuid() : top.Guid, "mirror", top.Class, top.Ashift, [.. top.Leaves, added]);
        p.Tops[top.Id] = mirror;
        p.MarkLabelsDirty();
        p.LogHistory($"zpool attach {p.Name} {existingDevice} {newDevice}");
        p.Sync();
        SaveCache();
        BeginScan(p, ZScanFunction.Resilver);
    });

    public void DetachDevice(string pool, string device, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var (top, leaf) = FindLeaf(p, device);
        if (p.ActivationOf(leaf) is { } a)
        {
            // In a spare-N group: detaching the failed device makes the spare a permanent member;
            // detaching the spare returns it to the spares and puts the failed device back.
            if (leaf == a.Original) p.KeepSpare(a);
            else
            {
                p.ReturnSpare(a, a.Original);
                a.Original.SpareDeclined = true;
            }
            p.LogHistory($"zpool detach {p.Name} {device}");
            p.Sync();
            if (leaf == a.Original) ClearLabels(leaf);
            SaveCache();
            return;
        }
        if (top is null || top.Type != "mirror")
            throw IllumosException.Refused("DetachNotMirror", $"'{device}' is not part of a mirror; only mirror members can be detached.", device);
        var rest = top.Leaves.Where(l => l != leaf).ToList();
        if (!rest.Any(l => l.State == ZHealth.ONLINE))
            throw IllumosException.Refused("DetachLastReplica", $"'{device}' holds the only valid copy of the data; it cannot be detached.", device);
        p.Tops[top.Id] = rest.Count == 1
            ? new MirrorVdev(top.Id, rest[0].Guid, "file", top.Class, top.Ashift, rest)
            : new MirrorVdev(top.Id, top.Guid, "mirror", top.Class, top.Ashift, rest);
        p.MarkLabelsDirty();
        p.LogHistory($"zpool detach {p.Name} {device}");
        p.Sync();
        ClearLabels(leaf);
        SaveCache();
    });

    /// <summary>A device that leaves a pool keeps no label claiming it (zpool labelclear).</summary>
    private static void ClearLabels(LeafDevice leaf)
    {
        if (leaf.State == ZHealth.UNAVAIL) { leaf.Dispose(); return; } // gone: nothing to clear
        Label.Clear(leaf);
        leaf.Dispose();
    }

    public void OfflineDevice(string pool, string device, bool temporary, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var (top, leaf) = FindLeaf(p, device);
        if (top is null) throw IllumosException.Refused("OfflineAux", "Cache and spare devices are not taken offline; remove them instead.", device);
        bool wasOffline = leaf.Offline, wasTemporary = leaf.OfflineTemporary;
        leaf.Offline = true;
        // zpool offline -t is not persistent: the labels do not record it, and the next import brings the device back.
        leaf.OfflineTemporary = temporary;
        if (top.State == ZHealth.FAULTED)
        {
            leaf.Offline = wasOffline;
            leaf.OfflineTemporary = wasTemporary;
            throw IllumosException.Refused("OfflineNoReplicas", $"Taking '{device}' offline would leave vdev {top.Type}-{top.Id} without valid replicas.", device);
        }
        p.LogHistory($"zpool offline {(temporary ? "-t " : "")}{p.Name} {device}");
        p.Sync();
    });

    public void OnlineDevice(string pool, string device, bool expand, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var (top, leaf) = FindLeaf(p, device);
        if (expand && top is null) throw IllumosException.Refused("ExpandAux", $"'{device}' is a cache or spare device; only devices of data and log vdevs are expanded.", device);
        if (expand && leaf.State == ZHealth.UNAVAIL) throw new IllumosException(ErrorKind.ResourceUnavailable, "DeviceUnavailable", $"'{device}' cannot be opened; it cannot be expanded.", device);
        bool wasOffline = leaf.Offline;
        leaf.Offline = false;
        leaf.OfflineTemporary = false;
        // -e, or autoexpand=on when a device comes online: the vdev grows into its devices' new space.
        bool grew = (expand || (wasOffline && p.AutoExpand)) && p.Expand(p.Tops[top!.Id]);
        if (!wasOffline && !grew) return;
        p.LogHistory($"zpool online {(expand ? "-e " : "")}{p.Name} {device}");
        p.MarkLabelsDirty();
        p.Sync();
        SaveCache();
        // Blocks written while it was away are missing on it: resilver.
        if (wasOffline)
        {
            leaf.Resilvering = true;
            BeginScan(p, ZScanFunction.Resilver);
        }
    });

    /// <summary>
    /// zpool replace. Disks and mirrors: the new device is attached beside the old one, resilvered from
    /// it, and the old one detached (so a non-redundant disk is never left without its data). RAID-Z,
    /// or a device swapped in place under the same path: the new device takes the old one's place and
    /// the resilver rebuilds it from the other copies or parity.
    /// </summary>
    public void ReplaceDevice(string pool, string oldDevice, string? newDevice, bool force, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var (top, leaf) = FindLeaf(p, oldDevice);
        if (top is null) throw IllumosException.Refused("ReplaceAux", "Cache and spare devices are replaced by removing and adding them.", oldDevice);
        if (p.ActivationOf(leaf) is { } spared)
        {
            if (leaf != spared.Original)
                throw IllumosException.Refused("ReplaceSpare", $"'{oldDevice}' is a hot spare in use; detach it to return it to the spares, or replace the failed device '{spared.Original.Path}'.", oldDevice);
            ReplaceSpared(p, spared, newDevice, force);
            return;
        }
        bool inPlace = newDevice is null || Path.GetFullPath(newDevice) == leaf.Path;
        bool redundant = top.Type.StartsWith("raidz", StringComparison.Ordinal) || top.Leaves.Count > 1;
        if (inPlace && !redundant)
            throw IllumosException.Refused("ReplaceNoRedundancy", $"'{oldDevice}' has no redundancy; it can only be replaced by a different device, which is copied from it.", oldDevice);
        LeafDevice replacement;
        if (inPlace)
        {
            leaf.Dispose();
            replacement = new LeafDevice(leaf.Path, Pool.NewGuid());
        }
        else
        {
            var path = ResolveNewDevice(newDevice!, force, null, new HashSet<string>(StringComparer.Ordinal));
            replacement = new LeafDevice(path, Pool.NewGuid());
            if (replacement.DataSize < leaf.DataSize)
            {
                replacement.Dispose();
                throw IllumosException.Invalid("DeviceTooSmall", $"'{path}' is smaller than '{oldDevice}'.", newDevice);
            }
        }
        replacement.Resilvering = true;
        bool viaMirror = !inPlace && top.Type is "file" or "mirror";
        if (viaMirror) p.Tops[top.Id] = new MirrorVdev(top.Id, top.Type == "file" ? Pool.NewGuid() : top.Guid, "mirror", top.Class, top.Ashift, [.. top.Leaves, replacement]);
        else
        {
            if (!inPlace) leaf.Dispose();
            top.ReplaceLeaf(leaf, replacement);
        }
        p.MarkLabelsDirty();
        CommitAndResilver(p, $"zpool replace {p.Name} {oldDevice} {newDevice ?? oldDevice}", replacement, oldDevice, $"'{oldDevice}' was kept");
        if (viaMirror)
        {
            var now = p.Tops[top.Id];
            var rest = now.Leaves.Where(l => l != leaf).ToList();
            p.Tops[top.Id] = rest.Count == 1
                ? new MirrorVdev(top.Id, rest[0].Guid, "file", top.Class, top.Ashift, rest)
                : new MirrorVdev(top.Id, now.Guid, "mirror", top.Class, top.Ashift, rest);
            p.MarkLabelsDirty();
            p.Sync();
            ClearLabels(leaf);
            SaveCache();
        }
    });

    /// <summary>Commits a replace and resilvers the new device, waiting; throws when the resilver did not complete cleanly.</summary>
    private void CommitAndResilver(Pool p, string history, LeafDevice replacement, string oldDevice, string kept)
    {
        p.LogHistory(history);
        p.Sync();
        SaveCache();
        var scan = BeginScan(p, ZScanFunction.Resilver);
        scan.Wait();
        if (scan.State != ZScanState.Finished || scan.Errors > 0)
            throw new IllumosException(ErrorKind.DeviceError, "ResilverIncomplete", $"The resilver of '{replacement.Path}' did not complete cleanly ({scan.Errors} errors); {kept}.", oldDevice);
    }

    /// <summary>
    /// zpool replace of a failed device a hot spare stands in for: the new device (or a blank one at
    /// the same path) is resilvered — beside the spare in a mirror, in the spare's place in RAID-Z —
    /// then takes the failed device's place, and the spare returns to the available spares.
    /// </summary>
    private void ReplaceSpared(Pool p, SpareActivation a, string? newDevice, bool force)
    {
        var top = p.Tops[a.TopId];
        bool inPlace = newDevice is null || Path.GetFullPath(newDevice) == a.Original.Path;
        LeafDevice replacement;
        if (inPlace)
        {
            a.Original.Dispose();
            replacement = new LeafDevice(a.Original.Path, Pool.NewGuid());
        }
        else replacement = new LeafDevice(ResolveNewDevice(newDevice!, force, null, new HashSet<string>(StringComparer.Ordinal)), Pool.NewGuid());
        if (replacement.DataSize < Pool.NeededSize(top))
        {
            replacement.Dispose();
            throw IllumosException.Invalid("DeviceTooSmall", $"'{replacement.Path}' is too small to replace '{a.Original.Path}'.", newDevice);
        }
        replacement.Resilvering = true;
        bool mirror = top.Parity == 0;
        p.ReplaceTopLeaves(top.Id, mirror ? [.. top.Leaves, replacement] : top.Leaves.Select(l => l == a.Spare ? replacement : l).ToList());
        CommitAndResilver(p, $"zpool replace {p.Name} {a.Original.Path} {replacement.Path}", replacement, a.Original.Path, $"the spare '{a.Spare.Path}' stays in use");
        if (mirror) p.ReplaceTopLeaves(top.Id, p.Tops[top.Id].Leaves.Where(l => l != replacement).ToList());
        p.ReturnSpare(a, replacement);
        p.Sync();
        if (!inPlace) ClearLabels(a.Original);
        SaveCache();
    }
}
