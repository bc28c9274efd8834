using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded;

public sealed partial class EmbeddedStorage
{
    private static ZPoolVdev LeafNode(LeafDevice l, ZVdevClass cls, int depth) => new()
    {
        Name = l.Path, Type = "file", Path = l.Path, Class = cls, Depth = depth, Guid = l.Guid,
        State = cls == ZVdevClass.Spare ? ZHealth.AVAIL : l.State,
        ReadErrors = l.ReadErrors, WriteErrors = l.WriteErrors, ChecksumErrors = l.ChecksumErrors,
        Note = l.State == ZHealth.FAULTED ? "too many errors" : null,
    };

    private static ZPoolVdev Tree(Pool p)
    {
        int mirrors = 0;
        var children = p.Tops.Select(t => t.IsMirror
            ? new ZPoolVdev
            {
                Name = "mirror-" + mirrors++, Type = "mirror", Class = t.Class, Depth = 1, Guid = t.Guid, State = t.State,
                Children = t.Leaves.Select(l => LeafNode(l, t.Class, 2)).ToList(),
            }
            : LeafNode(t.Leaves[0], t.Class, 1) with { Guid = t.Guid })
            .Concat(p.CacheDevices.Select(l => LeafNode(l, ZVdevClass.Cache, 1)))
            .Concat(p.Spares.Select(l => LeafNode(l, ZVdevClass.Spare, 1))).ToList();
        return new ZPoolVdev { Name = p.Name, Type = "root", State = p.Health, Guid = p.Guid, Children = children };
    }

    public ZPoolStatus GetStatus(string pool, bool includeErrorList, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var tree = Tree(p);
        bool errors = tree.Flatten().Any(v => v.ReadErrors + v.WriteErrors + v.ChecksumErrors > 0);
        return new ZPoolStatus
        {
            PoolName = p.Name, State = p.Health, Config = tree, ErrorCount = p.Zio.ChecksumErrorsUnrecovered,
            Status = errors ? "One or more devices has experienced an unrecoverable error. An attempt was made to correct the error. Applications are unaffected." : null,
            Action = errors ? "Determine if the device needs to be replaced, and clear the errors using 'zpool clear' or replace the device with 'zpool replace'." : null,
            ErrorsText = p.Zio.ChecksumErrorsUnrecovered == 0 ? "No known data errors" : $"{p.Zio.ChecksumErrorsUnrecovered} data errors",
        };
    });

    public IReadOnlyList<ZPoolIOStat> GetIOStats(string pool, bool perDevice, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var list = new List<ZPoolIOStat>
        {
            new()
            {
                PoolName = p.Name, Device = p.Name, Allocated = (ulong)p.Allocated, Free = (ulong)(p.Size - p.Allocated),
                ReadOperations = (ulong)p.Tops.Sum(t => (long)t.ReadOps), WriteOperations = (ulong)p.Tops.Sum(t => (long)t.WriteOps),
                ReadBytes = (ulong)p.Tops.Sum(t => (long)t.ReadBytes), WriteBytes = (ulong)p.Tops.Sum(t => (long)t.WriteBytes),
                CacheHits = p.Arc.Hits, CacheMisses = p.Arc.Misses,
            },
        };
        if (!perDevice) return (IReadOnlyList<ZPoolIOStat>)list;
        int mirrors = 0;
        for (int i = 0; i < p.Tops.Count; i++)
        {
            var t = p.Tops[i];
            var a = p.Space.Allocators[i];
            list.Add(new ZPoolIOStat
            {
                PoolName = p.Name, Device = t.IsMirror ? "mirror-" + mirrors++ : t.Leaves[0].Path, Class = t.Class, Depth = 1,
                Allocated = (ulong)a.AllocatedBytes, Free = (ulong)a.FreeBytes,
                ReadOperations = t.ReadOps, WriteOperations = t.WriteOps, ReadBytes = t.ReadBytes, WriteBytes = t.WriteBytes,
            });
            if (t.IsMirror)
                foreach (var l in t.Leaves) list.Add(Leaf(p, l, t.Class, 2));
        }
        foreach (var l in p.CacheDevices) list.Add(Leaf(p, l, ZVdevClass.Cache, 1));
        return (IReadOnlyList<ZPoolIOStat>)list;
    });

    private static ZPoolIOStat Leaf(Pool p, LeafDevice l, ZVdevClass cls, int depth) => new()
    {
        PoolName = p.Name, Device = l.Path, Class = cls, Depth = depth,
        ReadOperations = l.ReadOps, WriteOperations = l.WriteOps, ReadBytes = l.ReadBytes, WriteBytes = l.WriteBytes,
    };

    public void StartScrub(string pool, CancellationToken ct) => throw NotYet("scrub");
    public void StopScrub(string pool, CancellationToken ct) => throw NotYet("scrub");
    public void PauseScrub(string pool, CancellationToken ct) => throw NotYet("scrub");
    public void OnlineDevice(string pool, string device, bool expand, CancellationToken ct) => throw NotYet("onlining devices");
    public void OfflineDevice(string pool, string device, bool temporary, CancellationToken ct) => throw NotYet("offlining devices");
    public void ReplaceDevice(string pool, string oldDevice, string? newDevice, bool force, CancellationToken ct) => throw NotYet("replacing devices and resilver");

    public void ClearErrors(string pool, string? device, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var leaves = p.AllLeaves.Where(l => device is null || l.Path == Path.GetFullPath(device) || l.Path == device).ToList();
        if (device is not null && leaves.Count == 0) throw IllumosException.NotFound("DeviceNotInPool", $"'{device}' is not a device of pool '{p.Name}'.", device);
        foreach (var l in leaves) l.ReadErrors = l.WriteErrors = l.ChecksumErrors = 0;
        if (device is null) p.Zio.ChecksumErrorsUnrecovered = 0;
    });
}
