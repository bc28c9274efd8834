using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded;

public sealed partial class EmbeddedStorage
{
    private static ZPoolVdev LeafNode(LeafDevice l, ZVdevClass cls, int depth) => new()
    {
        Name = l.Path, Type = "file", Path = l.Path, Class = cls, Depth = depth, Guid = l.Guid, State = l.State,
        ReadErrors = l.ReadErrors, WriteErrors = l.WriteErrors, ChecksumErrors = l.ChecksumErrors,
        Note = l.Resilvering && l.Usable ? "(resilvering)" : l.Note,
    };

    /// <summary>A member of a vdev: the device, or the spare-N group of a failed device and the spare serving for it.</summary>
    private static ZPoolVdev SlotNode(Pool p, TopVdev t, int index, int depth)
    {
        var l = t.Leaves[index];
        if (p.SpareActivations.FirstOrDefault(a => a.Spare == l) is not { } a) return LeafNode(l, t.Class, depth);
        return new ZPoolVdev
        {
            Name = "spare-" + index, Type = "spare", Class = t.Class, Depth = depth, Guid = a.Original.Guid ^ a.Spare.Guid,
            State = a.Spare.Usable ? ZHealth.DEGRADED : ZHealth.UNAVAIL,
            Children = new[] { LeafNode(a.Original, t.Class, depth + 1), LeafNode(a.Spare, t.Class, depth + 1) },
        };
    }

    private static ZPoolVdev Tree(Pool p)
    {
        var children = p.Tops.Where(t => !t.IsHole).Select(t => t.Type != "file"
            ? new ZPoolVdev
            {
                Name = t.Type + "-" + t.Id, Type = t.Type, Class = t.Class, Depth = 1, Guid = t.Guid,
                State = t.State == ZHealth.ONLINE && p.SpareActivations.Any(a => a.TopId == t.Id) ? ZHealth.DEGRADED : t.State,
                Children = Enumerable.Range(0, t.Leaves.Count).Select(i => SlotNode(p, t, i, 2)).ToList(),
            }
            : LeafNode(t.Leaves[0], t.Class, 1) with { Guid = t.Guid })
            .Concat(p.CacheDevices.Select(l => LeafNode(l, ZVdevClass.Cache, 1)))
            .Concat(p.Spares.Select(l => LeafNode(l, ZVdevClass.Spare, 1) with
            {
                State = p.SpareInUse(l) ? ZHealth.INUSE : l.Usable ? ZHealth.AVAIL : l.State,
                Note = p.SpareInUse(l) ? "currently in use" : l.Usable ? null : l.Note,
            })).ToList();
        return new ZPoolVdev { Name = p.Name, Type = "root", State = p.Health, Guid = p.Guid, Children = children };
    }

    public ZPoolStatus GetStatus(string pool, bool includeErrorList, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var tree = Tree(p);
        var (status, action) = Explain(p, tree);
        return new ZPoolStatus
        {
            PoolName = p.Name, State = p.Health, Config = tree, ErrorCount = DataErrorCount(p),
            Scan = ScanOf(p), Removal = RemovalOf(p), Errors = includeErrorList ? ErrorList(p) : Array.Empty<ZPoolError>(),
            Status = status, Action = action,
            ErrorsText = DataErrorCount(p) is var n && n == 0 ? "No known data errors" : $"{n} data errors, use '-v' for a list",
        };
    });

    private static ZRemovalInfo? RemovalOf(Pool p) => p.LastRemoval is not { } last ? null : new ZRemovalInfo
    {
        Vdev = last.Last.Vdev, Copied = (ulong)last.Last.Copied,
        StartTime = DateTimeOffset.FromUnixTimeSeconds(last.Last.StartTime), EndTime = DateTimeOffset.FromUnixTimeSeconds(last.Last.EndTime),
        MappingMemory = (ulong)last.MappingMemory,
    };

    /// <summary>The status and action lines of zpool status: the most serious condition first.</summary>
    private static (string? Status, string? Action) Explain(Pool p, ZPoolVdev tree)
    {
        var leaves = tree.Flatten().Where(v => v.Type == "file" && v.Class != ZVdevClass.Spare).ToList();
        const string replicas = " Sufficient replicas exist for the pool to continue functioning in a degraded state.";
        if (leaves.Any(v => v.State == ZHealth.UNAVAIL))
            return ("One or more devices could not be opened." + replicas, "Attach the missing device and online it using 'zpool online', or replace it with 'zpool replace'.");
        if (leaves.Any(v => v.State == ZHealth.FAULTED))
            return ("One or more devices are faulted in response to persistent errors." + replicas, "Replace the faulted device, or use 'zpool clear' to mark the device repaired.");
        if (leaves.Any(v => v.State == ZHealth.DEGRADED))
            return ("One or more devices are degraded in response to too many checksum errors; they remain in use." + replicas, "Replace the degraded device, or use 'zpool clear' to mark the device repaired.");
        if (p.Scrub is { Function: ZScanFunction.Resilver, IsActive: true })
            return ("One or more devices is currently being resilvered. The pool will continue to function, possibly in a degraded state.", "Wait for the resilver to complete.");
        if (leaves.Any(v => v.State == ZHealth.OFFLINE))
            return ("One or more devices has been taken offline by the administrator." + replicas, "Online the device using 'zpool online' or replace the device with 'zpool replace'.");
        if (leaves.Any(v => v.ReadErrors + v.WriteErrors + v.ChecksumErrors > 0))
            return ("One or more devices has experienced an unrecoverable error. An attempt was made to correct the error. Applications are unaffected.",
                "Determine if the device needs to be replaced, and clear the errors using 'zpool clear' or replace the device with 'zpool replace'.");
        return (null, null);
    }

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
            if (t.IsHole) continue;
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

    private static Scrub BeginScan(Pool p, ZScanFunction function) => p.BeginScan(function);

    /// <summary>Waits for a running scrub to finish (tests, -Wait).</summary>
    public void WaitForScrub(string pool)
    {
        Locked(() => PoolOf(pool).Scrub)?.Wait();
        // The outcome is committed at once (the timer would do it within seconds).
        Locked(() => { if (_pools.TryGetValue(pool, out var p)) p.Sync(); });
    }

    public void StopScrub(string pool, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var s = ActiveScrub(p, "cancel", ZScanState.Scanning, ZScanState.Paused);
        s.Cancel();
        p.LogHistory("zpool scrub -s " + p.Name);
        p.Sync();
    });

    public void PauseScrub(string pool, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var s = ActiveScrub(p, "pause", ZScanState.Scanning);
        s.Pause();
        p.LogHistory("zpool scrub -p " + p.Name);
        p.Sync();
    });

    /// <summary>The scrub a stop or pause applies to; a resilver is neither stopped nor paused (zpool refuses it too).</summary>
    private static Scrub ActiveScrub(Pool p, string verb, params ZScanState[] states)
    {
        if (p.Scrub is { Function: ZScanFunction.Resilver, IsActive: true })
            throw new IllumosException(ErrorKind.ResourceBusy, "ResilverInProgress", $"Cannot {verb} scrubbing '{p.Name}': it is resilvering.", p.Name);
        if (p.Scrub is not { } s || !states.Contains(s.State))
            throw IllumosException.Refused("NoActiveScrub", $"There is no {(verb == "pause" ? "running " : "")}scrub to {verb} on '{p.Name}'.", p.Name);
        return s;
    }

    private static ZScanInfo ScanOf(Pool p)
    {
        if (p.Scrub is not { } s) return new ZScanInfo();
        // Rate and time left are per pass (since this process started or resumed the scan), as zpool status reports them.
        var elapsed = ((s.EndTime ?? s.PauseTime ?? DateTimeOffset.Now) - (s.State == ZScanState.Finished ? s.StartTime : s.PassStart)).TotalSeconds;
        double? rate = elapsed > 0 ? (s.State == ZScanState.Finished ? s.Examined : s.Examined - s.PassExamined) / elapsed : null;
        double pct = s.ToExamine == 0 ? 100 : Math.Min(100, 100.0 * s.Examined / s.ToExamine);
        return new ZScanInfo
        {
            Function = s.Function, State = s.State, StartTime = s.StartTime, EndTime = s.EndTime, PauseTime = s.PauseTime,
            ToExamine = (ulong)s.ToExamine, Examined = (ulong)s.Examined, Issued = (ulong)s.Issued, Repaired = (ulong)s.Repaired,
            Errors = (ulong)s.Errors, Rate = rate, PercentDone = s.State == ZScanState.Finished ? 100 : pct,
            TimeRemaining = s.State == ZScanState.Scanning && rate is > 0 ? TimeSpan.FromSeconds(Math.Max(0, s.ToExamine - s.Examined) / rate.Value) : null,
        };
    }

    /// <summary>Unrecoverable blocks known now: those met by reads since import, and the scrub's, or at least the logged ones after an import.</summary>
    private static ulong DataErrorCount(Pool p) =>
        Math.Max(p.Zio.ChecksumErrorsUnrecovered + (ulong)(p.Scrub?.Errors ?? 0), (ulong)p.ReadErrors.Count);

    private static IReadOnlyList<ZPoolError> ErrorList(Pool p)
    {
        var errors = p.ReadErrors.ToList();
        if (p.Scrub is { } s) lock (s.DataErrors) errors.AddRange(s.DataErrors);
        errors = errors.Distinct().ToList();
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
        // A faulted device was out of service and missed writes: zpool clear brings it back and resilvers it.
        bool wasFaulted = leaves.Any(l => l.Faulted);
        foreach (var l in leaves)
        {
            if (l.Faulted) l.Resilvering = true;
            l.ClearErrors();
        }
        // A cleared device a spare stood in for takes its place back and is resilvered; the spare is available again.
        foreach (var a in p.SpareActivations.Where(a => leaves.Contains(a.Original) && a.Original.Usable).ToList())
        {
            p.ReturnSpare(a, a.Original);
            a.Original.Resilvering = true;
            wasFaulted = true;
        }
        if (device is null) p.Zio.ChecksumErrorsUnrecovered = 0;
        // Not logged in the history (zpool clear is not); the labels drop the fault with the next txg.
        if (wasFaulted) BeginScan(p, ZScanFunction.Resilver);
    });
}
