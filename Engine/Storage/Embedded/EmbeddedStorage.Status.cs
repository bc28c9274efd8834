using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Dmu;
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
        var children = p.Tops.Select(t => t.Type != "file"
            ? new ZPoolVdev
            {
                Name = t.Type + "-" + t.Id, Type = t.Type, Class = t.Class, Depth = 1, Guid = t.Guid, State = t.State,
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
            PoolName = p.Name, State = p.Health, Config = tree, ErrorCount = p.Zio.ChecksumErrorsUnrecovered + (ulong)(p.Scrub?.Errors ?? 0),
            Scan = ScanOf(p), Errors = includeErrorList ? ErrorList(p) : Array.Empty<ZPoolError>(),
            Status = errors ? "One or more devices has experienced an unrecoverable error. An attempt was made to correct the error. Applications are unaffected." : null,
            Action = errors ? "Determine if the device needs to be replaced, and clear the errors using 'zpool clear' or replace the device with 'zpool replace'." : null,
            ErrorsText = p.Zio.ChecksumErrorsUnrecovered + (ulong)(p.Scrub?.Errors ?? 0) is var n && n == 0 ? "No known data errors" : $"{n} data errors, use '-v' for a list",
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
        for (int i = 0; i < p.Tops.Count; i++)
        {
            var t = p.Tops[i];
            var a = p.Space.Allocators[i];
            list.Add(new ZPoolIOStat
            {
                PoolName = p.Name, Device = t.Type != "file" ? t.Type + "-" + i : t.Leaves[0].Path, Class = t.Class, Depth = 1,
                Allocated = (ulong)a.AllocatedBytes, Free = (ulong)a.FreeBytes,
                // A plain disk is its own leaf: its counters include label, uberblock and intent-log I/O.
                ReadOperations = t.Type == "file" ? t.Leaves[0].ReadOps : t.ReadOps, WriteOperations = t.Type == "file" ? t.Leaves[0].WriteOps : t.WriteOps,
                ReadBytes = t.Type == "file" ? t.Leaves[0].ReadBytes : t.ReadBytes, WriteBytes = t.Type == "file" ? t.Leaves[0].WriteBytes : t.WriteBytes,
            });
            if (t.Type != "file")
                foreach (var l in t.Leaves) list.Add(Leaf(p, l, t.Class, 2));
        }
        foreach (var l in p.CacheDevices) list.Add(Leaf(p, l, ZVdevClass.Cache, 1));
        return (IReadOnlyList<ZPoolIOStat>)list;
    });

    private static ZPoolIOStat Leaf(Pool p, LeafDevice l, ZVdevClass cls, int depth) => new()
    {
        PoolName = p.Name, Device = l.Path, Class = cls, Depth = depth,
        ReadOperations = l.ReadOps, WriteOperations = l.WriteOps, ReadBytes = l.ReadBytes, WriteBytes = l.WriteBytes,
        CacheHits = l.CacheHits, CacheMisses = l.CacheMisses,
    };

    public void StartScrub(string pool, CancellationToken ct) => Locked(() => BeginScan(PoolOf(pool), ZScanFunction.Scrub));

    /// <summary>Starts a scrub or resilver walk of the pool's committed state on a worker thread.</summary>
    private static Scrub BeginScan(Pool p, ZScanFunction function)
    {
        if (p.Scrub is { State: ZScanState.Paused } paused && function == ZScanFunction.Scrub) { paused.Resume(); p.LogHistory("zpool scrub " + p.Name); return paused; }
        if (p.Scrub is { State: ZScanState.Scanning or ZScanState.Paused } running && function == ZScanFunction.Resilver) running.Cancel();
        if (p.Scrub is { State: ZScanState.Scanning })
            throw new IllumosException(ErrorKind.ResourceBusy, "ScrubInProgress", $"A scrub of '{p.Name}' is already running.", p.Name);
        p.Sync();
        var roots = new List<(Zio.BlockPointer, ulong, string)> { (p.LastMosRoot, 0, "<metadata>") };
        foreach (var h in p.Dsl.Heads.OrderBy(h => h.CreateTxg))
        {
            foreach (var s in h.Snapshots) roots.Add((s.Root, s.PrevSnapTxg, s.FullName));
            roots.Add((h.Root, h.PrevSnapTxg, h.Name));
        }
        var scrub = new Scrub(p, roots, p.Allocated) { Function = function };
        p.Scrub = scrub;
        p.LogHistory(function == ZScanFunction.Scrub ? "zpool scrub " + p.Name : "resilver " + p.Name, isInternal: function != ZScanFunction.Scrub);
        p.Sync();
        scrub.Start();
        return scrub;
    }

    /// <summary>Waits for a running scrub to finish (tests, -Wait).</summary>
    public void WaitForScrub(string pool) => (Locked(() => PoolOf(pool).Scrub))?.Wait();

    public void StopScrub(string pool, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        if (p.Scrub is not { State: ZScanState.Scanning or ZScanState.Paused } s)
            throw IllumosException.Refused("NoActiveScrub", $"There is no scrub running on '{p.Name}'.", p.Name);
        s.Cancel();
        p.LogHistory("zpool scrub -s " + p.Name);
        p.Sync();
    });

    public void PauseScrub(string pool, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        if (p.Scrub is not { State: ZScanState.Scanning } s)
            throw IllumosException.Refused("NoActiveScrub", $"There is no running scrub to pause on '{p.Name}'.", p.Name);
        s.Pause();
        p.LogHistory("zpool scrub -p " + p.Name);
        p.Sync();
    });

    private static ZScanInfo ScanOf(Pool p)
    {
        if (p.Scrub is not { } s) return new ZScanInfo();
        var elapsed = ((s.EndTime ?? s.PauseTime ?? DateTimeOffset.Now) - s.StartTime).TotalSeconds;
        double? rate = elapsed > 0 ? s.Examined / elapsed : null;
        double pct = s.ToExamine == 0 ? 100 : Math.Min(100, 100.0 * s.Examined / s.ToExamine);
        return new ZScanInfo
        {
            Function = s.Function, State = s.State, StartTime = s.StartTime, EndTime = s.EndTime, PauseTime = s.PauseTime,
            ToExamine = (ulong)s.ToExamine, Examined = (ulong)s.Examined, Issued = (ulong)s.Examined, Repaired = (ulong)s.Repaired,
            Errors = (ulong)s.Errors, Rate = rate, PercentDone = s.State == ZScanState.Finished ? 100 : pct,
            TimeRemaining = s.State == ZScanState.Scanning && rate is > 0 ? TimeSpan.FromSeconds(Math.Max(0, s.ToExamine - s.Examined) / rate.Value) : null,
        };
    }

    private static IReadOnlyList<ZPoolError> ErrorList(Pool p)
    {
        if (p.Scrub is not { } s) return Array.Empty<ZPoolError>();
        List<DataError> errors;
        lock (s.DataErrors) errors = s.DataErrors.Distinct().ToList();
        return errors.Select(e =>
        {
            string? path = e.Metadata || e.Dataset == "<metadata>" ? null : PathOf(p, e.Dataset, e.Object);
            return new ZPoolError
            {
                Location = path is null ? $"{e.Dataset}:<0x{e.Object:x}>" : e.Dataset + ":" + path,
                DatasetName = e.Dataset == "<metadata>" ? null : e.Dataset, Path = path, ObjectId = e.Object,
            };
        }).ToList();
    }

    /// <summary>The ZPL path of an object, found by walking parent pointers and directory entries; null when unknown.</summary>
    private static string? PathOf(Pool p, string dataset, ulong obj)
    {
        try
        {
            var (ds, _) = ResolveForFiles(p, dataset);
            var os = p.Dsl.OpenObjectSet(ds);
            var parts = new List<string>();
            var cur = os.Get(obj);
            for (int guard = 0; guard < 256 && cur.Dn.Parent != cur.Id; guard++)
            {
                var parent = os.Get(cur.Dn.Parent);
                var name = Zpl.DirectoryEntries.NameOf(parent, cur.Id);
                if (name is null) return null;
                parts.Insert(0, name);
                cur = parent;
            }
            return "/" + string.Join('/', parts);
        }
        catch (IllumosException) { return null; }
    }


    public void ClearErrors(string pool, string? device, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var leaves = p.AllLeaves.Where(l => device is null || l.Path == Path.GetFullPath(device) || l.Path == device).ToList();
        if (device is not null && leaves.Count == 0) throw IllumosException.NotFound("DeviceNotInPool", $"'{device}' is not a device of pool '{p.Name}'.", device);
        foreach (var l in leaves) l.ReadErrors = l.WriteErrors = l.ChecksumErrors = 0;
        if (device is null) p.Zio.ChecksumErrorsUnrecovered = 0;
    });
}
