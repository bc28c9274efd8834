using System.Globalization;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Zpl;

namespace Illumos.Engine.Storage.Embedded;

public sealed partial class EmbeddedStorage
{
    private static string Num(long v) => Math.Max(0, v).ToString(CultureInfo.InvariantCulture);
    private static string Num(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private static Dataset Head(Pool p, string name)
    {
        NameRules.CheckDatasetName(name);
        return p.Dsl.TryHead(name) ?? throw DatasetNotFound(name);
    }

    private static Dataset Snap(Pool p, string name)
    {
        var (fs, s) = NameRules.SplitSnapshot(name);
        var head = p.Dsl.TryHead(fs) ?? throw DatasetNotFound(fs);
        return head.Snapshots.FirstOrDefault(x => x.Name == s) ?? throw IllumosException.NotFound("SnapshotNotFound", $"There is no snapshot '{name}'.", name);
    }

    private static Dataset Any(Pool p, string name) =>
        name.Contains('@') ? Snap(p, name)
        : name.Contains('#') ? Bookmark(p, name)
        : Head(p, name);

    private static Dataset Bookmark(Pool p, string name)
    {
        var (fs, b) = NameRules.SplitBookmark(name);
        var head = p.Dsl.TryHead(fs) ?? throw DatasetNotFound(fs);
        return head.Bookmarks.FirstOrDefault(x => x.Name == b) ?? throw IllumosException.NotFound("BookmarkNotFound", $"There is no bookmark '{name}'.", name);
    }

    /// <summary>All read-only statistics and effective native properties of a dataset, as zfs get -p prints them.</summary>
    private static Dictionary<string, (string Value, ZPropertySource Source, string? From)> Stats(Pool p, Dataset ds)
    {
        var d = new Dictionary<string, (string, ZPropertySource, string?)>();
        void Ro(string k, string v) => d[k] = (v, ZPropertySource.None, null);
        var dsl = p.Dsl;
        Ro("name", ds.FullName);
        Ro("type", ds.Kind switch { DatasetKind.FileSystem => "filesystem", DatasetKind.Volume => "volume", DatasetKind.Snapshot => "snapshot", _ => "bookmark" });
        Ro("creation", Num(ds.Creation));
        Ro("guid", Num(ds.Guid));
        Ro("createtxg", Num(ds.CreateTxg));
        if (ds.Kind == DatasetKind.Bookmark) return d;
        Ro("referenced", Num(ds.Referenced));
        Ro("logicalreferenced", Num(ds.LogicalReferenced));
        Ro("refcompressratio", Ratio(ds.LogicalReferenced, ds.Compressed));
        Ro("written", Num(ds.Written));
        Ro("objsetid", Num(ds.Id));
        if (ds.IsHead)
        {
            ulong used = UsedOf(p, ds);
            ulong children = used - (ulong)Math.Max(0, ds.UsedHead + ds.UsedSnap) - RefreservationUsed(p, ds);
            Ro("used", Num(used));
            Ro("usedbydataset", Num(ds.UsedHead));
            Ro("usedbysnapshots", Num(ds.UsedSnap));
            Ro("usedbychildren", Num(children));
            Ro("usedbyrefreservation", Num(RefreservationUsed(p, ds)));
            Ro("available", Num(Available(p, ds)));
            long logical = LogicalUsed(p, ds), comp = CompressedUsed(p, ds);
            Ro("logicalused", Num(logical));
            Ro("compressratio", Ratio(logical, comp));
            Ro("origin", ds.OriginId != 0 && dsl.ById(ds.OriginId) is { } o ? o.FullName : "-");
            Ro("receive_resume_token", ResumeTokenOf(p, ds) ?? "-");
            Ro("mounted", "no");
        }
        else
        {
            Ro("used", Num(dsl.UniqueBytes(ds)));
            Ro("compressratio", Ratio(ds.LogicalReferenced, ds.Compressed));
            Ro("clones", string.Join(',', dsl.ClonesOf(ds).Select(c => c.Name)));
            Ro("userrefs", Num(ds.Holds.Count));
            Ro("defer_destroy", "off");
        }
        var head = ds.IsHead ? ds : ds.Head!;
        foreach (var (name, def) in PropertyTable.Native)
        {
            var target = head.Kind == DatasetKind.FileSystem ? PropTarget.FileSystem : PropTarget.Volume;
            if ((def.Target & target) == 0) continue;
            d[name] = PropertyTable.Resolve(ds, name, dsl.ParentOf);
        }
        foreach (var k in ds.Local.Keys.Concat(ds.Received.Keys).Where(PropertyTable.IsUserProperty)) d[k] = PropertyTable.Resolve(ds, k, dsl.ParentOf);
        for (var a = dsl.ParentOf(head); a is not null; a = dsl.ParentOf(a))
            foreach (var k in a.Local.Keys.Where(PropertyTable.IsUserProperty)) if (!d.ContainsKey(k)) d[k] = PropertyTable.Resolve(ds, k, dsl.ParentOf);
        return d;
    }

    private static string Ratio(long logical, long physical) =>
        (physical <= 0 ? 1.0 : Math.Max(1.0, (double)logical / physical)).ToString("0.00", CultureInfo.InvariantCulture);

    private static long LogicalUsed(Pool p, Dataset h) => h.LogicalReferenced + p.Dsl.ChildrenOf(h).Sum(c => LogicalUsed(p, c));
    private static long CompressedUsed(Pool p, Dataset h) => h.Compressed + p.Dsl.ChildrenOf(h).Sum(c => CompressedUsed(p, c));

    private static ulong Available(Pool p, Dataset h)
    {
        long avail = Math.Max(0, p.DataFree - p.Slop);
        for (var d = h; d is not null; d = p.Dsl.ParentOf(d))
        {
            if (ParseLimit(p.Dsl.Props.Get(d, "quota")) is { } q) avail = Math.Min(avail, Math.Max(0, q - (long)UsedOf(p, d)));
        }
        if (ParseLimit(p.Dsl.Props.Get(h, "refquota")) is { } rq) avail = Math.Min(avail, Math.Max(0, rq - h.Referenced));
        return (ulong)avail;
    }

    private static ulong? Limit(Dictionary<string, (string Value, ZPropertySource, string?)> s, string k) =>
        s.TryGetValue(k, out var v) && ParseLimit(v.Value) is { } l ? (ulong)l : null;

    private static ZDataset ToZDataset(Pool p, Dataset h)
    {
        var s = Stats(p, h);
        ulong U(string k) => s.TryGetValue(k, out var v) && ulong.TryParse(v.Value, out var x) ? x : 0;
        string? S(string k) => s.TryGetValue(k, out var v) ? v.Value : null;
        return new ZDataset
        {
            Name = h.Name, Type = h.Kind == DatasetKind.Volume ? ZDatasetType.Volume : ZDatasetType.FileSystem,
            Used = U("used"), Available = U("available"), Referenced = U("referenced"), LogicalUsed = U("logicalused"),
            UsedBySnapshots = U("usedbysnapshots"), UsedByDataset = U("usedbydataset"), UsedByChildren = U("usedbychildren"),
            UsedByRefReservation = U("usedbyrefreservation"), Written = U("written"),
            CompressRatio = double.Parse(S("compressratio")!, CultureInfo.InvariantCulture),
            MountPoint = S("mountpoint"), Compression = S("compression"), Checksum = S("checksum"),
            RecordSize = h.Kind == DatasetKind.FileSystem ? U("recordsize") : null, Copies = int.Parse(S("copies")!, CultureInfo.InvariantCulture),
            Quota = Limit(s, "quota"), RefQuota = Limit(s, "refquota"), Reservation = Limit(s, "reservation"), RefReservation = Limit(s, "refreservation"),
            ReadOnly = S("readonly") == "on", VolumeSize = h.Kind == DatasetKind.Volume ? U("volsize") : null,
            VolumeBlockSize = h.Kind == DatasetKind.Volume ? U("volblocksize") : null,
            Origin = S("origin") is "-" or null ? null : S("origin"), Creation = DateTimeOffset.FromUnixTimeSeconds(h.Creation),
            Guid = h.Guid, CreateTxg = h.CreateTxg,
            Properties = s.ToDictionary(kv => kv.Key, kv => kv.Value.Value),
        };
    }

    public IReadOnlyList<ZDataset> GetDatasets(string? root, int? depth, ZDatasetType types, CancellationToken ct) => Locked(() =>
    {
        var result = new List<ZDataset>();
        IEnumerable<Pool> pools = root is null ? _pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal) : [PoolOf(root)];
        foreach (var p in pools)
        {
            Dataset? top = root is null ? p.Dsl.TryHead(p.Name) : Head(p, root);
            if (top is null) continue;
            int baseDepth = top.Name.Count(c => c == '/');
            foreach (var h in p.Dsl.Heads.Where(h => h == top || h.Name.StartsWith(top.Name + "/", StringComparison.Ordinal)).OrderBy(h => h.Name, StringComparer.Ordinal))
            {
                if (h.IsHidden) continue;
                int dep = h.Name.Count(c => c == '/') - baseDepth;
                if (depth is { } d && dep > d) continue;
                if ((types & ZDatasetType.FileSystem) != 0 && h.Kind == DatasetKind.FileSystem || (types & ZDatasetType.Volume) != 0 && h.Kind == DatasetKind.Volume)
                    result.Add(ToZDataset(p, h));
            }
        }
        return (IReadOnlyList<ZDataset>)result;
    });

    private Dataset CreateHeadChecked(Pool p, string name, DatasetKind kind, IReadOnlyDictionary<string, string>? properties, bool createParents, Action<ObjectSet, Dataset> populate, Dictionary<string, string>? extra = null)
    {
        NameRules.CheckDatasetName(name);
        if (p.Dsl.TryHead(name) is not null) throw IllumosException.Exists("DatasetExists", $"The dataset '{name}' already exists.", name);
        if (!name.Contains('/')) throw IllumosException.Exists("DatasetExists", $"'{name}' is the pool's root dataset, which exists.", name);
        var props = new Dictionary<string, string>();
        foreach (var (k, v) in properties ?? new Dictionary<string, string>()) props[k] = PropertyTable.Validate(k, v, kind, creating: true);
        if (extra is not null) foreach (var (k, v) in extra) props[k] = v;
        var parentName = name[..name.LastIndexOf('/')];
        var missing = new List<string>();
        for (var n = parentName; p.Dsl.TryHead(n) is null; n = n[..n.LastIndexOf('/')])
        {
            missing.Insert(0, n);
            if (!n.Contains('/')) break;
        }
        if (missing.Count > 0 && !createParents) throw IllumosException.NotFound("ParentNotFound", $"The parent '{parentName}' does not exist; create it first or use -Parents.", name);
        foreach (var m in missing)
        {
            var parent = p.Dsl.TryHead(m[..m.LastIndexOf('/')]);
            if (parent?.Kind == DatasetKind.Volume) throw IllumosException.Invalid("ParentIsVolume", $"'{m}' would be inside a volume; volumes cannot have children.", name);
            p.Dsl.CreateHead(m, DatasetKind.FileSystem, new Dictionary<string, string>(), (os, _) => ZplFiles.InitFileSystem(os));
        }
        if (p.Dsl.TryHead(parentName)?.Kind == DatasetKind.Volume) throw IllumosException.Invalid("ParentIsVolume", "Volumes cannot have children.", name);
        return p.Dsl.CreateHead(name, kind, props, populate);
    }

    public ZDataset CreateFileSystem(string name, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var ds = CreateHeadChecked(p, name, DatasetKind.FileSystem, properties, createParents, (os, _) => ZplFiles.InitFileSystem(os));
        p.LogHistory("zfs create " + (createParents ? "-p " : "") + name);
        p.Sync();
        return ToZDataset(p, ds);
    });

    public ZDataset CreateVolume(string name, ulong size, bool sparse, ulong? blockSize, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        int vbs = (int)(blockSize ?? 16384);
        var vbsText = PropertyTable.Validate("volblocksize", vbs.ToString(CultureInfo.InvariantCulture), DatasetKind.Volume, true);
        vbs = int.Parse(vbsText, CultureInfo.InvariantCulture);
        if (size == 0 || size % (ulong)vbs != 0) throw IllumosException.Invalid("VolumeSizeInvalid", $"The volume size must be a non-zero multiple of the block size ({vbs}).", size);
        var extra = new Dictionary<string, string> { ["volsize"] = Num(size), ["volblocksize"] = vbsText };
        if (!sparse && !(properties?.ContainsKey("refreservation") ?? false)) extra["refreservation"] = Num(size);
        var ds = CreateHeadChecked(p, name, DatasetKind.Volume, properties, createParents, (os, _) =>
        {
            var data = os.Allocate(ObjectType.ZvolData, vbs);
            data.Dn.Length = (long)size;
        }, extra);
        p.LogHistory("zfs create -V " + size + " " + name);
        p.Sync();
        return ToZDataset(p, ds);
    });

    public ZDataset Clone(string snapshot, string name, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(snapshot);
        var snap = Snap(p, snapshot);
        if (PoolOf(name) != p) throw IllumosException.Invalid("CloneCrossPool", "A clone must be in the same pool as its origin.", name);
        NameRules.CheckDatasetName(name);
        if (p.Dsl.TryHead(name) is not null) throw IllumosException.Exists("DatasetExists", $"The dataset '{name}' already exists.", name);
        var props = new Dictionary<string, string>();
        foreach (var (k, v) in properties ?? new Dictionary<string, string>()) props[k] = PropertyTable.Validate(k, v, snap.Head!.Kind, true);
        var parentName = name.Contains('/') ? name[..name.LastIndexOf('/')] : null;
        if (parentName is null) throw IllumosException.Exists("DatasetExists", "A clone cannot replace the pool's root dataset.", name);
        if (p.Dsl.TryHead(parentName) is null)
        {
            if (!createParents) throw IllumosException.NotFound("ParentNotFound", $"The parent '{parentName}' does not exist; create it first or use -Parents.", name);
            CreateHeadChecked(p, parentName, DatasetKind.FileSystem, null, true, (os, _) => ZplFiles.InitFileSystem(os));
        }
        p.Sync();
        var ds = p.Dsl.Clone(snap, name, props);
        p.LogHistory($"zfs clone {snapshot} {name}");
        p.Sync();
        return ToZDataset(p, ds);
    });

    public void Promote(string clone, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(clone);
        var c = Head(p, clone);
        if (c.OriginId == 0 || p.Dsl.ById(c.OriginId) is not { } origin)
            throw IllumosException.Refused("NotAClone", $"'{clone}' is not a clone; only clones can be promoted.", clone);
        var old = origin.Head!;
        var moving = old.Snapshots.Take(old.Snapshots.IndexOf(origin) + 1).ToList();
        var clash = moving.Where(s => c.Snapshots.Any(x => x.Name == s.Name)).Select(s => s.Name).ToList();
        if (clash.Count > 0)
            throw IllumosException.Exists("PromoteSnapshotConflict", $"'{clone}' already has snapshots named like those that would move: {string.Join(", ", clash.Select(n => "@" + n))}; rename them first.", clone);
        var bmClash = old.Bookmarks.Where(b => b.CreateTxg <= origin.CreateTxg && c.Bookmarks.Any(x => x.Name == b.Name)).ToList();
        if (bmClash.Count > 0)
            throw IllumosException.Exists("PromoteBookmarkConflict", $"'{clone}' already has bookmarks named like those that would move: {string.Join(", ", bmClash.Select(b => "#" + b.Name))}.", clone);
        p.Sync();
        p.Dsl.Promote(c);
        p.LogHistory("zfs promote " + clone);
        p.Sync();
    });

    public void Rename(string name, string newName, bool createParents, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        if (name.Contains('@')) { RenameSnapshotLocked(p, name, newName, false); return; }
        var h = Head(p, name);
        NameRules.CheckDatasetName(newName);
        if (PoolOf(newName) != p) throw IllumosException.Invalid("RenameCrossPool", "Datasets cannot be renamed into another pool.", newName);
        if (!name.Contains('/')) throw IllumosException.Refused("RenamePoolRoot", "The pool's root dataset cannot be renamed; rename the pool by export and import.", name);
        if (p.Dsl.TryHead(newName) is not null) throw IllumosException.Exists("DatasetExists", $"The dataset '{newName}' already exists.", newName);
        if (newName.StartsWith(name + "/", StringComparison.Ordinal)) throw IllumosException.Invalid("RenameIntoSelf", $"'{name}' cannot become its own descendant.", newName);
        var parent = newName[..newName.LastIndexOf('/')];
        if (p.Dsl.TryHead(parent) is null)
        {
            if (!createParents) throw IllumosException.NotFound("ParentNotFound", $"The parent '{parent}' does not exist; create it first or use -Parents.", newName);
            CreateHeadChecked(p, parent, DatasetKind.FileSystem, null, true, (os, _) => ZplFiles.InitFileSystem(os));
        }
        p.Dsl.RenameHead(h, newName);
        p.LogHistory($"zfs rename {name} {newName}");
        p.Sync();
    });

    public IReadOnlyList<string> Destroy(string name, bool recursive, bool recursiveDependents, bool dryRun, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var target = Any(p, name);
        var order = new List<Dataset>();
        var visiting = new HashSet<Dataset>();
        void AddHead(Dataset h)
        {
            if (!visiting.Add(h)) return;
            foreach (var c in p.Dsl.ChildrenOf(h).OrderBy(c => c.Name, StringComparer.Ordinal).ToList())
            {
                if (!recursive && !recursiveDependents) throw IllumosException.Refused("DatasetHasChildren", $"'{h.Name}' has children (such as '{c.Name}'); use -Recurse to destroy them too.", h.Name);
                AddHead(c);
            }
            foreach (var s in h.Snapshots.AsEnumerable().Reverse().ToList())
            {
                if (!recursive && !recursiveDependents) throw IllumosException.Refused("DatasetHasSnapshots", $"'{h.Name}' has snapshots (such as '{s.FullName}'); use -Recurse to destroy them too.", h.Name);
                AddSnap(s);
            }
            foreach (var b in h.Bookmarks) order.Add(b);
            order.Add(h);
        }
        void AddSnap(Dataset s)
        {
            foreach (var c in p.Dsl.ClonesOf(s).ToList())
            {
                if (!recursiveDependents) throw IllumosException.Refused("SnapshotHasClones", $"'{s.FullName}' has dependent clones (such as '{c.Name}'); use -RecurseDependents to destroy them too.", s.FullName);
                AddHead(c);
            }
            if (s.Holds.Count > 0) throw new IllumosException(ErrorKind.ResourceBusy, "SnapshotHeld", $"'{s.FullName}' is held ({string.Join(", ", s.Holds.Keys)}); release the holds first.", s.FullName);
            if (s.ActiveSends > 0) throw new IllumosException(ErrorKind.ResourceBusy, "SnapshotBusy", $"'{s.FullName}' is being sent; destroy it when the send has finished.", s.FullName);
            if (!order.Contains(s)) order.Add(s);
        }
        switch (target.Kind)
        {
            case DatasetKind.Bookmark: order.Add(target); break;
            case DatasetKind.Snapshot:
                AddSnap(target);
                if (recursive)
                    foreach (var d in p.Dsl.Heads.Where(h => h.Name.StartsWith(target.Head!.Name + "/", StringComparison.Ordinal)).ToList())
                        if (d.Snapshots.FirstOrDefault(s => s.Name == target.Name) is { } s2) AddSnap(s2);
                break;
            default:
                if (!target.Name.Contains('/')) throw IllumosException.Refused("DestroyPoolRoot", "The pool's root dataset cannot be destroyed; destroy the pool instead.", name);
                AddHead(target);
                break;
        }
        var names = order.Select(d => d.FullName).Distinct().ToList();
        if (dryRun) return (IReadOnlyList<string>)names;
        p.Sync();
        foreach (var d in order.Distinct())
        {
            switch (d.Kind)
            {
                case DatasetKind.Bookmark: p.Dsl.DestroyBookmark(d); break;
                case DatasetKind.Snapshot: p.Dsl.DestroySnapshot(d); break;
                default: p.Dsl.DestroyHead(d); break;
            }
        }
        p.LogHistory("zfs destroy " + (recursive ? "-r " : "") + (recursiveDependents ? "-R " : "") + name);
        p.Sync();
        return (IReadOnlyList<string>)names;
    });

    public IReadOnlyList<ZProperty> GetProperties(string name, IReadOnlyList<string>? properties, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var ds = Any(p, name);
        var s = Stats(p, ds);
        var names = properties is { Count: > 0 } ? properties : s.Keys.Order(StringComparer.Ordinal).ToList();
        var list = new List<ZProperty>();
        foreach (var n in names)
        {
            if (s.TryGetValue(n, out var v)) list.Add(new ZProperty { Name = ds.FullName, Property = n, Value = v.Value, Source = v.Source, InheritedFrom = v.From });
            else if (PropertyTable.IsUserProperty(n)) list.Add(new ZProperty { Name = ds.FullName, Property = n, Value = "-", Source = ZPropertySource.None });
            else if (!PropertyTable.Native.ContainsKey(n) && !PropertyTable.ReadOnlyNames.Contains(n))
                throw IllumosException.Invalid("PropertyUnknown", $"'{n}' is not a dataset property.", n);
        }
        return (IReadOnlyList<ZProperty>)list;
    });

    public void SetProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var ds = Any(p, name);
        if (ds.Kind == DatasetKind.Bookmark) throw IllumosException.Invalid("PropertyNotApplicable", "Bookmarks have no settable properties.", name);
        var kind = ds.Kind;
        var values = new Dictionary<string, string>();
        foreach (var (k, v) in properties)
        {
            if (kind == DatasetKind.Snapshot && !PropertyTable.IsUserProperty(k))
                throw IllumosException.Invalid("PropertyNotApplicable", $"Only user properties can be set on snapshots; '{k}' cannot.", k);
            values[k] = PropertyTable.Validate(k, v, kind, creating: false);
        }
        if (values.TryGetValue("volsize", out var vs))
        {
            var vbs = long.Parse(p.Dsl.Props.Get(ds, "volblocksize"), CultureInfo.InvariantCulture);
            if (long.Parse(vs, CultureInfo.InvariantCulture) % vbs != 0) throw IllumosException.Invalid("VolumeSizeInvalid", $"volsize must be a multiple of volblocksize ({vbs}).", vs);
        }
        foreach (var (k, v) in values)
        {
            ds.Local[k] = v;
            DropTemporary(ds, k);
        }
        if (values.TryGetValue("volsize", out vs))
        {
            var data = p.Dsl.OpenObjectSet(ds).Get(1);
            long nv = long.Parse(vs, CultureInfo.InvariantCulture);
            if (nv < data.Length) data.Truncate(nv); else { data.Dn.Length = nv; data.MarkDirty(); }
        }
        ds.Dirty = true;
        p.LogHistory("zfs set " + string.Join(' ', values.Select(kv => kv.Key + "=" + kv.Value)) + " " + name);
        p.Sync();
    });

    public void InheritProperty(string name, string property, bool recursive, bool revertToReceived, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var ds = Any(p, name);
        if (PropertyTable.ReadOnlyNames.Contains(property)) throw new IllumosException(ErrorKind.InvalidOperation, "PropertyReadOnly", $"'{property}' is read-only.", property);
        if (!PropertyTable.IsUserProperty(property))
        {
            if (!PropertyTable.Native.TryGetValue(property, out var def)) throw IllumosException.Invalid("PropertyUnknown", $"'{property}' is not a dataset property.", property);
            if (property is "volsize" or "volblocksize") throw IllumosException.Invalid("PropertyNotInheritable", $"'{property}' cannot be inherited.", property);
        }
        var targets = new List<Dataset> { ds };
        if (recursive && ds.IsHead) targets.AddRange(p.Dsl.Heads.Where(h => h.Name.StartsWith(ds.Name + "/", StringComparison.Ordinal)));
        foreach (var t in targets)
        {
            t.Local.Remove(property);
            DropTemporary(t, property);
            if (!revertToReceived) t.Received.Remove(property);
            t.Dirty = true;
        }
        p.LogHistory($"zfs inherit {(recursive ? "-r " : "")}{property} {name}");
        p.Sync();
    });
}
