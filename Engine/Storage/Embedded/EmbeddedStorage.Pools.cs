using System.Globalization;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Vdev;
using Illumos.Engine.Storage.Embedded.Zpl;

namespace Illumos.Engine.Storage.Embedded;

public sealed partial class EmbeddedStorage
{
    private static readonly string[] PoolReadOnlyProps = ["size", "allocated", "free", "capacity", "fragmentation", "health", "guid", "dedupratio", "freeing", "leaked", "expandsize", "checkpoint", "name", "load_guid"];
    private static readonly Dictionary<string, (string Default, string[]? Values)> PoolSettable = new()
    {
        ["comment"] = ("", null), ["autoexpand"] = ("off", ["on", "off"]), ["autoreplace"] = ("off", ["on", "off"]),
        ["autotrim"] = ("off", ["on", "off"]), ["failmode"] = ("wait", ["wait", "continue", "panic"]), ["bootfs"] = ("", null),
        ["cachefile"] = ("", null), ["listsnapshots"] = ("off", ["on", "off"]), ["delegation"] = ("on", ["on", "off"]),
        ["multihost"] = ("off", ["on", "off"]), ["ashift"] = ("12", null), ["altroot"] = ("", null), ["readonly"] = ("off", ["on", "off"]),
    };

    public IReadOnlyList<ZPool> GetPools(CancellationToken ct) => Locked(() => (IReadOnlyList<ZPool>)_pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(ToZPool).ToList());

    private static ZPool ToZPool(Pool p)
    {
        long size = p.Size, alloc = p.Allocated;
        return new ZPool
        {
            Name = p.Name, Guid = p.Guid, Health = p.Health, Size = (ulong)size, Allocated = (ulong)alloc, Free = (ulong)(size - alloc),
            Capacity = size == 0 ? 0 : (int)(alloc * 100 / size), Fragmentation = Fragmentation(p), AltRoot = p.AltRoot,
            ExpandSize = p.ExpandSize is > 0 and var e ? (ulong)e : null,
        };
    }

    private static int Fragmentation(Pool p)
    {
        var normal = Enumerable.Range(0, p.Tops.Count).Where(i => p.Tops[i].Class == ZVdevClass.Normal && !p.Tops[i].IsHole).ToList();
        long free = normal.Sum(i => p.Space.Allocators[i].FreeBytes);
        return free == 0 ? 0 : (int)(normal.Sum(i => (long)p.Space.Allocators[i].Fragmentation() * p.Space.Allocators[i].FreeBytes) / free);
    }

    /// <summary>Checks a create request completely before anything is written; returns the resolved plan.</summary>
    private (List<Pool.TopSpec> Tops, List<string> Cache, List<string> Spares, int Ashift, Dictionary<string, string> PoolProps, Dictionary<string, string> FsProps) Check(PoolCreateRequest r, bool creatingFiles)
    {
        NameRules.CheckPoolName(r.Name);
        if (_pools.ContainsKey(r.Name)) throw IllumosException.Exists("PoolExists", $"A pool named '{r.Name}' already exists.", r.Name);
        var tops = new List<Pool.TopSpec>();
        var cache = new List<string>();
        var spares = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string Resolve(string d) => ResolveNewDevice(d, r.Force, r.CreateFileDevicesOfSize, seen);
        foreach (var g in r.Vdevs.Groups)
        {
            switch (g.Class)
            {
                case ZVdevClass.Dedup: throw DedupClassNotImplemented(r.Vdevs);
                case ZVdevClass.Cache: cache.Add(Resolve(g.Devices[0])); continue;
                case ZVdevClass.Spare: spares.Add(Resolve(g.Devices[0])); continue;
            }
            tops.Add(new Pool.TopSpec(g.Kind == VdevKind.Disk ? "file" : g.KindText, g.Class, g.Devices.Select(Resolve).ToList()));
        }
        if (!tops.Any(t => t.Class == ZVdevClass.Normal)) throw IllumosException.Invalid("VdevNoData", "A pool needs at least one data vdev (not only log, cache or spare).", r.Vdevs.ToString());
        if (!r.Force)
        {
            var kinds = tops.Where(t => t.Class == ZVdevClass.Normal).Select(t => t.Type == "file" ? "disk" : t.Type + "-" + t.Paths.Count).Distinct().ToList();
            if (kinds.Count > 1) throw IllumosException.Invalid("VdevMismatchedReplication", $"Mismatched replication level ({string.Join(", ", kinds)}); use -Force to create the pool anyway.", r.Vdevs.ToString());
        }
        var poolProps = new Dictionary<string, string>();
        int ashift = 12;
        foreach (var (k, v) in r.PoolProperties)
        {
            if (k == "ashift")
            {
                if (!int.TryParse(v, out ashift) || ashift is < 9 or > 16) throw IllumosException.Invalid("PoolPropertyBadValue", $"ashift must be 9 to 16; '{v}' was given.", v);
                continue;
            }
            poolProps[k] = CheckPoolProp(k, v, creating: true);
        }
        var fsProps = new Dictionary<string, string>();
        foreach (var (k, v) in r.FileSystemProperties) fsProps[k] = PropertyTable.Validate(k, v, DatasetKind.FileSystem, creating: true);
        if (r.MountPoint is { } mp) fsProps["mountpoint"] = PropertyTable.Validate("mountpoint", mp, DatasetKind.FileSystem, true);
        return (tops, cache, spares, ashift, poolProps, fsProps);
    }

    /// <summary>
    /// Checks a device for a new vdev: absolute path, named once, not in an imported pool, not in an
    /// exported pool unless forced, at least 64 MiB (or to be created at a given size).
    /// </summary>
    private string ResolveNewDevice(string d, bool force, ulong? createSize, HashSet<string> seen)
    {
        var full = Path.GetFullPath(d);
        if (!seen.Add(full)) throw IllumosException.Invalid("VdevDuplicateDevice", $"The device '{full}' is named more than once.", d);
        if (_pools.Values.SelectMany(p => p.AllLeaves).Any(l => l.Path == full))
            throw new IllumosException(ErrorKind.ResourceBusy, "DeviceInUse", $"'{full}' is part of an imported pool.", d);
        if (!File.Exists(full))
        {
            if (createSize is { } sz)
            {
                if ((long)sz < LeafDevice.MinimumSize) throw IllumosException.Invalid("DeviceTooSmall", $"File devices must be at least 64 MiB; {Size.Format(sz)} was asked for.", d);
                return full;
            }
            throw IllumosException.NotFound("DeviceNotFound", $"The device '{full}' does not exist.", d);
        }
        long len = new FileInfo(full).Length;
        if (len < LeafDevice.MinimumSize) throw IllumosException.Invalid("DeviceTooSmall", $"'{full}' is {Size.Format((ulong)len)}; a device must be at least 64 MiB.", d);
        var label = TryReadLabel(full);
        if (label is not null && label.State != LabelPoolState.Destroyed && (label.State == LabelPoolState.Active || !force))
            throw new IllumosException(ErrorKind.ResourceBusy, "DeviceInUse",
                $"'{full}' is part of {(label.State == LabelPoolState.Active ? "active" : "exported")} pool '{label.PoolName}'{(label.State == LabelPoolState.Exported ? "; use -Force to reuse it" : "")}.", d);
        return full;
    }

    private static string CheckPoolProp(string k, string v, bool creating)
    {
        if (PoolReadOnlyProps.Contains(k)) throw new IllumosException(ErrorKind.InvalidOperation, "PoolPropertyReadOnly", $"The pool property '{k}' is read-only.", k);
        if (!PoolSettable.TryGetValue(k, out var def))
        {
            if (k.Contains(':')) return v;
            throw IllumosException.Invalid("PoolPropertyUnknown", $"'{k}' is not a pool property.", k);
        }
        if (k == "ashift" && !creating) throw new IllumosException(ErrorKind.InvalidOperation, "PoolPropertyCreateOnly", "ashift can only be set when the pool is created.", k);
        if (def.Values is { } vals && !vals.Contains(v)) throw IllumosException.Invalid("PoolPropertyBadValue", $"'{v}' is not valid for {k}; use {string.Join(", ", vals)}.", v);
        if (k == "comment" && (v.Length > 32 || v.Any(char.IsControl))) throw IllumosException.Invalid("PoolPropertyBadValue", "A pool comment is up to 32 printable characters.", v);
        return v;
    }

    public ZPoolVdev PlanPool(PoolCreateRequest request, CancellationToken ct) => Locked(() =>
    {
        var plan = Check(request, creatingFiles: true);
        int i = 0;
        return new ZPoolVdev
        {
            Name = request.Name, Type = "root", State = ZHealth.ONLINE,
            Children = plan.Tops.Select(t => t.Type != "file"
                ? new ZPoolVdev { Name = t.Type + "-" + i++, Type = t.Type, Class = t.Class, Depth = 1, State = ZHealth.ONLINE, Children = t.Paths.Select(p => new ZPoolVdev { Name = p, Type = "file", Path = p, Depth = 2, Class = t.Class, State = ZHealth.ONLINE }).ToList() }
                : new ZPoolVdev { Name = t.Paths[0], Type = "file", Path = t.Paths[0], Class = t.Class, Depth = 1, State = ZHealth.ONLINE, Children = Array.Empty<ZPoolVdev>() })
                .Concat(plan.Cache.Select(p => new ZPoolVdev { Name = p, Type = "file", Path = p, Class = ZVdevClass.Cache, Depth = 1, State = ZHealth.ONLINE }))
                .Concat(plan.Spares.Select(p => new ZPoolVdev { Name = p, Type = "file", Path = p, Class = ZVdevClass.Spare, Depth = 1, State = ZHealth.AVAIL })).ToList(),
        };
    });

    public ZPool CreatePool(PoolCreateRequest request, IEngineSink sink, CancellationToken ct) => Locked(() =>
    {
        var plan = Check(request, creatingFiles: true);
        var created = new List<string>();
        Pool? pool = null;
        try
        {
            foreach (var path in plan.Tops.SelectMany(t => t.Paths).Concat(plan.Cache).Concat(plan.Spares))
            {
                if (File.Exists(path)) continue;
                using (var fs = new FileStream(path, FileMode.CreateNew)) fs.SetLength((long)request.CreateFileDevicesOfSize!.Value);
                created.Add(path);
                sink.Verbose($"Created file device {path} of {Size.Format(request.CreateFileDevicesOfSize!.Value)}.");
            }
            pool = Pool.Create(request.Name, plan.Tops, plan.Cache, plan.Spares, plan.Ashift, plan.PoolProps, ArcBytes);
            pool.AltRoot = request.AltRoot;
            pool.Dsl.CreateHead(request.Name, DatasetKind.FileSystem, plan.FsProps, (os, _) => ZplFiles.InitFileSystem(os));
            pool.LogHistory("zpool create " + request.Name + " " + request.Vdevs);
            pool.Sync();
            _pools[pool.Name] = pool;
            SaveCache();
            return ToZPool(pool);
        }
        catch
        {
            pool?.Dispose();
            _pools.Remove(request.Name);
            foreach (var c in created) File.Delete(c);
            throw;
        }
    });

    public void DestroyPool(string pool, bool force, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        p.Close(LabelPoolState.Destroyed);
        p.Dispose();
        _pools.Remove(p.Name);
        SaveCache();
    });

    public void ExportPool(string pool, bool force, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        p.LogHistory("zpool export " + p.Name);
        p.Close(LabelPoolState.Exported);
        p.Dispose();
        _pools.Remove(p.Name);
        SaveCache();
    });

    private List<(LabelConfig Config, Dictionary<ulong, string> Paths)> Scan(IReadOnlyList<string> dirs)
    {
        var found = new Dictionary<ulong, (LabelConfig Config, Dictionary<ulong, string> Paths)>();
        var imported = _pools.Values.Select(p => p.Guid).ToHashSet();
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir)) throw IllumosException.NotFound("SearchDirectoryNotFound", $"The directory '{dir}' does not exist.", dir);
            foreach (var file in Directory.EnumerateFiles(Path.GetFullPath(dir)))
            {
                var c = TryReadLabel(file);
                if (c is null || c.State == LabelPoolState.Destroyed || imported.Contains(c.PoolGuid)) continue;
                if (!found.TryGetValue(c.PoolGuid, out var f)) found[c.PoolGuid] = f = (c, new());
                else if (c.Txg > f.Config.Txg) found[c.PoolGuid] = f = (c, f.Paths);
                f.Paths[c.Guid] = file;
            }
        }
        return found.Values.ToList();
    }

    private static IEnumerable<ulong> LeafGuids(VdevConfigNode n) =>
        n.Type is "hole" or "indirect" ? [] : n.Children.Count == 0 && n.Type != "root" ? [n.Guid] : n.Children.SelectMany(LeafGuids);

    public IReadOnlyList<ZImportablePool> FindImportablePools(IReadOnlyList<string> searchDirectories, CancellationToken ct) => Locked(() =>
        (IReadOnlyList<ZImportablePool>)Scan(searchDirectories).Select(f =>
        {
            bool complete = LeafGuids(f.Config.VdevTree).All(f.Paths.ContainsKey);
            bool importable = f.Config.VdevTree.Children.Where(t => t.Class is ZVdevClass.Normal or ZVdevClass.Log && t.Type is not ("hole" or "indirect")).All(t =>
            {
                var leaves = t.Children.Count == 0 ? [t.Guid] : t.Children.Select(c => c.Guid).ToList();
                int gone = leaves.Count(g => !f.Paths.ContainsKey(g));
                return gone == 0 || (t.Type == "mirror" && gone < leaves.Count) || (t.Type.StartsWith("raidz", StringComparison.Ordinal) && gone <= t.Parity);
            });
            return new ZImportablePool
            {
                Name = f.Config.PoolName, Guid = f.Config.PoolGuid, Comment = f.Config.Comment,
                State = complete ? ZHealth.ONLINE : importable ? ZHealth.DEGRADED : ZHealth.UNAVAIL,
                Status = complete ? null : "One or more devices are missing from the system.",
                Action = complete ? "The pool can be imported using its name or numeric identifier."
                    : importable ? "The pool can be imported despite missing devices; redundancy is reduced until they are replaced."
                    : "The pool cannot be imported. Attach the missing devices and try again.",
                Devices = f.Paths.Values.Order(StringComparer.Ordinal).ToList(),
            };
        }).ToList());

    public ZPool ImportPool(string nameOrGuid, string? newName, IReadOnlyList<string> searchDirectories, bool force, IReadOnlyDictionary<string, string>? properties, CancellationToken ct) => Locked(() =>
    {
        var matches = Scan(searchDirectories).Where(f => f.Config.PoolName == nameOrGuid || f.Config.PoolGuid.ToString(CultureInfo.InvariantCulture) == nameOrGuid).ToList();
        if (matches.Count == 0) throw IllumosException.NotFound("PoolNotImportable", $"No importable pool named '{nameOrGuid}' was found.", nameOrGuid);
        if (matches.Count > 1) throw IllumosException.Invalid("PoolNameAmbiguous", $"Several importable pools are named '{nameOrGuid}'; import by guid.", nameOrGuid);
        var (config, paths) = matches[0];
        var name = newName ?? config.PoolName;
        NameRules.CheckPoolName(name);
        if (_pools.ContainsKey(name)) throw IllumosException.Exists("PoolExists", $"A pool named '{name}' is already imported; import under a new name.", name);
        var pool = Pool.Open(config, paths, name, ArcBytes);
        try
        {
            if (properties is not null) foreach (var (k, v) in properties) pool.Config.Props[k] = CheckPoolProp(k, v, false);
            if (pool.AutoExpand) pool.ExpandAll(); // zpool import -o autoexpand=on
            pool.MarkConfigDirty();
            pool.LogHistory("zpool import " + config.PoolName + (newName is null ? "" : " " + newName));
            pool.Sync();
        }
        catch
        {
            pool.Dispose();
            throw;
        }
        _pools[pool.Name] = pool;
        SaveCache();
        return ToZPool(pool);
    });

    public IReadOnlyList<ZProperty> GetPoolProperties(string pool, IReadOnlyList<string>? properties, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var z = ToZPool(p);
        var values = new Dictionary<string, (string, ZPropertySource)>
        {
            ["name"] = (p.Name, ZPropertySource.None),
            ["size"] = (z.Size.ToString(CultureInfo.InvariantCulture), ZPropertySource.None),
            ["allocated"] = (z.Allocated.ToString(CultureInfo.InvariantCulture), ZPropertySource.None),
            ["free"] = (z.Free.ToString(CultureInfo.InvariantCulture), ZPropertySource.None),
            ["capacity"] = (z.Capacity.ToString(CultureInfo.InvariantCulture), ZPropertySource.None),
            ["fragmentation"] = (z.Fragmentation?.ToString(CultureInfo.InvariantCulture) ?? "-", ZPropertySource.None),
            ["health"] = (z.Health.ToString(), ZPropertySource.None),
            ["guid"] = (p.Guid.ToString(CultureInfo.InvariantCulture), ZPropertySource.None),
            ["dedupratio"] = ("1.00", ZPropertySource.None),
            ["freeing"] = ("0", ZPropertySource.None),
            ["leaked"] = ("0", ZPropertySource.None),
            ["expandsize"] = (z.ExpandSize?.ToString(CultureInfo.InvariantCulture) ?? "-", ZPropertySource.None),
            ["checkpoint"] = ("-", ZPropertySource.None),
            ["ashift"] = (p.Ashift.ToString(CultureInfo.InvariantCulture), ZPropertySource.Local),
        };
        foreach (var (k, def) in PoolSettable)
        {
            if (k == "ashift") continue;
            if (k == "altroot") { values[k] = (p.AltRoot ?? "-", p.AltRoot is null ? ZPropertySource.Default : ZPropertySource.Local); continue; }
            values[k] = p.Config.Props.TryGetValue(k, out var v) ? (v, ZPropertySource.Local) : (def.Default == "" ? "-" : def.Default, ZPropertySource.Default);
        }
        foreach (var (k, v) in p.Config.Props) if (k.Contains(':')) values[k] = (v, ZPropertySource.Local);
        var names = properties is { Count: > 0 } ? properties : values.Keys.Order(StringComparer.Ordinal).ToList();
        return (IReadOnlyList<ZProperty>)names.Select(n => values.TryGetValue(n, out var x)
            ? new ZProperty { Name = p.Name, Property = n, Value = x.Item1, Source = x.Item2 }
            : n.Contains(':') ? new ZProperty { Name = p.Name, Property = n, Value = "-", Source = ZPropertySource.None }
            : throw IllumosException.Invalid("PoolPropertyUnknown", $"'{n}' is not a pool property.", n)).ToList();
    });

    public void SetPoolProperties(string pool, IReadOnlyDictionary<string, string> properties, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var checkedProps = properties.ToDictionary(kv => kv.Key, kv => CheckPoolProp(kv.Key, kv.Value, false));
        foreach (var (k, v) in checkedProps)
        {
            if (k == "altroot") p.AltRoot = v;
            else p.Config.Props[k] = v;
        }
        p.MarkConfigDirty();
        if (checkedProps.ContainsKey("comment")) p.MarkLabelsDirty();
        // Turning autoexpand on grows the vdevs whose devices already have more space, as ZFS does.
        if (checkedProps.GetValueOrDefault("autoexpand") == "on") p.ExpandAll();
        p.LogHistory("zpool set " + string.Join(' ', checkedProps.Select(kv => kv.Key + "=" + kv.Value)) + " " + p.Name);
        p.Sync();
    });

    /// <summary>A dedup vdev holds deduplication tables, and this engine does not deduplicate: the class would stay empty.</summary>
    private static IllumosException DedupClassNotImplemented(VdevSpec vdevs) =>
        new(ErrorKind.NotImplemented, "VdevClassNotImplemented", "The embedded engine does not implement deduplication, so a dedup vdev would hold nothing; use special for metadata.", vdevs.ToString());

    private static IllumosException NotYet(string what) =>
        new(ErrorKind.NotImplemented, "StorageNotImplemented", $"The embedded storage engine does not implement {what} yet.", what);

    /// <summary>
    /// zpool remove: a cache or spare device, a whole log vdev (named by its device, or as mirror-N
    /// for a log mirror), or a top-level data vdev (a device or mirror-N), whose data is evacuated
    /// onto the other data vdevs before this returns (see <see cref="Pool.RemoveDataVdev"/>).
    /// </summary>
    public void RemoveDevice(string pool, string device, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        var full = Path.GetFullPath(device);
        bool Named(LeafDevice l) => l.Path == full || l.Path == device;
        var leaf = p.CacheDevices.Concat(p.Spares).FirstOrDefault(Named);
        if (leaf is null)
        {
            var top = p.Tops.FirstOrDefault(t => !t.IsHole && (t.Name == device || t.Type == "file" && Named(t.Leaves[0])));
            if (top is null)
            {
                if (p.Tops.FirstOrDefault(t => t.Leaves.Any(Named)) is not { } member)
                    throw IllumosException.NotFound("DeviceNotInPool", $"'{device}' is not a device of pool '{p.Name}'.", device);
                throw IllumosException.Refused(member.Class == ZVdevClass.Log ? "RemoveLogMember" : "RemoveMirrorMember",
                    $"'{device}' is one side of {(member.Class == ZVdevClass.Log ? "log " : "")}vdev {member.Name}: detach it, or remove {member.Name} as a whole.", device);
            }
            if (top.Class == ZVdevClass.Log) RemoveLogVdev(p, top, device);
            else if (top.Class != ZVdevClass.Normal) throw NotYet($"removing {top.Class.ToString().ToLowerInvariant()} vdevs");
            else
            {
                foreach (var l in p.RemoveDataVdev(top, $"zpool remove {p.Name} {device}")) ClearLabels(l);
                SaveCache();
            }
            return;
        }
        if (p.SpareInUse(leaf))
            throw new IllumosException(ErrorKind.ResourceBusy, "SpareInUse", $"'{device}' is a hot spare in use; detach it (or the device it stands in for) first.", device);
        p.L2.Remove(leaf);
        p.CacheDevices.Remove(leaf);
        p.Spares.Remove(leaf);
        p.MarkLabelsDirty();
        p.LogHistory($"zpool remove {p.Name} {device}");
        p.Sync();
        ClearLabels(leaf);
        SaveCache();
    });

    private void RemoveLogVdev(Pool p, TopVdev top, string device)
    {
        var leaves = top.Leaves.ToList();
        p.RemoveLogVdev(top);
        p.LogHistory($"zpool remove {p.Name} {device}");
        p.Sync();
        foreach (var l in leaves) ClearLabels(l);
        SaveCache();
    }

    public IReadOnlyList<ZPoolHistoryEntry> GetHistory(string pool, bool includeInternal, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(pool);
        return (IReadOnlyList<ZPoolHistoryEntry>)p.ReadHistory().Where(h => includeInternal || !h.Internal).Select(h => new ZPoolHistoryEntry
        {
            PoolName = p.Name, Time = DateTimeOffset.FromUnixTimeMilliseconds(h.Time), Command = h.Command, Internal = h.Internal,
            Txg = includeInternal ? h.Txg : null, User = h.User, HostName = h.Host,
        }).ToList();
    });
}
