using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Spa;

namespace Illumos.Engine.Storage.Embedded;

public sealed partial class EmbeddedStorage
{
    private static ZSnapshot ToZSnapshot(Pool p, Dataset s)
    {
        var st = Stats(p, s);
        return new ZSnapshot
        {
            Name = s.FullName, Used = p.Dsl.UniqueBytes(s), Referenced = (ulong)Math.Max(0, s.Referenced), LogicalReferenced = (ulong)Math.Max(0, s.LogicalReferenced),
            Written = (ulong)Math.Max(0, s.Written), Creation = DateTimeOffset.FromUnixTimeSeconds(s.Creation), Guid = s.Guid, CreateTxg = s.CreateTxg,
            UserReferences = s.Holds.Count, Clones = p.Dsl.ClonesOf(s).Select(c => c.Name).ToList(),
            Properties = st.ToDictionary(kv => kv.Key, kv => kv.Value.Value),
        };
    }

    public IReadOnlyList<ZSnapshot> CreateSnapshots(IReadOnlyList<string> snapshots, bool recursive, IReadOnlyDictionary<string, string>? properties, CancellationToken ct) => Locked(() =>
    {
        if (snapshots.Count == 0) throw IllumosException.Invalid("SnapshotNoneGiven", "Name at least one snapshot.", null);
        var pool = PoolOf(snapshots[0]);
        var work = new List<(Dataset Head, string Snap)>();
        foreach (var n in snapshots)
        {
            if (PoolOf(n) != pool) throw IllumosException.Invalid("SnapshotCrossPool", "Snapshots taken together must be in one pool.", n);
            var (fs, snap) = NameRules.SplitSnapshot(n);
            var h = Head(pool, fs);
            var heads = recursive ? pool.Dsl.Heads.Where(x => x == h || x.Name.StartsWith(h.Name + "/", StringComparison.Ordinal)).ToList() : [h];
            foreach (var x in heads)
            {
                if (x.Snapshots.Any(s => s.Name == snap)) throw IllumosException.Exists("SnapshotExists", $"The snapshot '{x.Name}@{snap}' already exists.", x.Name + "@" + snap);
                if ((x.Name + "@" + snap).Length > NameRules.MaxNameLength) throw IllumosException.Invalid("DatasetNameTooLong", $"'{x.Name}@{snap}' is longer than 255 characters.", x.Name);
                if (work.Any(w => w.Head == x && w.Snap == snap)) throw IllumosException.Invalid("SnapshotDuplicate", $"'{x.Name}@{snap}' is named twice.", x.Name);
                work.Add((x, snap));
            }
        }
        var props = new Dictionary<string, string>();
        foreach (var (k, v) in properties ?? new Dictionary<string, string>())
        {
            if (!PropertyTable.IsUserProperty(k)) throw IllumosException.Invalid("PropertyNotApplicable", $"Only user properties can be set on snapshots; '{k}' cannot.", k);
            props[k] = v;
        }
        var made = new List<Dataset>();
        pool.LogHistory("zfs snapshot " + (recursive ? "-r " : "") + string.Join(' ', snapshots));
        // One txg: the heads' pending blocks are written, then every snapshot is taken atomically in syncing context.
        pool.Sync(txg => { foreach (var (h, s) in work) made.Add(pool.Dsl.Snapshot(h, s, txg, props)); });
        return (IReadOnlyList<ZSnapshot>)made.Select(s => ToZSnapshot(pool, s)).ToList();
    });

    public IReadOnlyList<ZSnapshot> GetSnapshots(string? dataset, bool recursive, CancellationToken ct) => Locked(() =>
    {
        var result = new List<ZSnapshot>();
        IEnumerable<Pool> pools = dataset is null ? _pools.Values.OrderBy(p => p.Name, StringComparer.Ordinal) : [PoolOf(dataset)];
        foreach (var p in pools)
        {
            IEnumerable<Dataset> heads;
            if (dataset is null) heads = p.Dsl.Heads;
            else
            {
                if (dataset.Contains('@')) { result.Add(ToZSnapshot(p, Snap(p, dataset))); continue; }
                var h = Head(p, dataset);
                heads = recursive ? p.Dsl.Heads.Where(x => x == h || x.Name.StartsWith(h.Name + "/", StringComparison.Ordinal)) : [h];
            }
            foreach (var h in heads.OrderBy(x => x.Name, StringComparer.Ordinal))
                foreach (var s in h.Snapshots) result.Add(ToZSnapshot(p, s));
        }
        return (IReadOnlyList<ZSnapshot>)result;
    });

    public void RenameSnapshot(string snapshot, string newSnapshot, bool recursive, CancellationToken ct) => Locked(() => RenameSnapshotLocked(PoolOf(snapshot), snapshot, newSnapshot, recursive));

    private static void RenameSnapshotLocked(Pool p, string snapshot, string newSnapshot, bool recursive)
    {
        var s = Snap(p, snapshot);
        string newShort = newSnapshot.StartsWith('@') ? newSnapshot[1..] : NameRules.SplitSnapshot(newSnapshot).Snap;
        if (!newSnapshot.StartsWith('@') && NameRules.SplitSnapshot(newSnapshot).Dataset != s.Head!.Name)
            throw IllumosException.Invalid("SnapshotRenameAcross", "A snapshot can only be renamed within its dataset.", newSnapshot);
        NameRules.SplitSnapshot(s.Head!.Name + "@" + newShort);
        var targets = new List<Dataset> { s };
        if (recursive)
            targets.AddRange(p.Dsl.Heads.Where(h => h.Name.StartsWith(s.Head.Name + "/", StringComparison.Ordinal)).SelectMany(h => h.Snapshots.Where(x => x.Name == s.Name)));
        foreach (var t in targets)
            if (t.Head!.Snapshots.Any(x => x.Name == newShort)) throw IllumosException.Exists("SnapshotExists", $"The snapshot '{t.Head.Name}@{newShort}' already exists.", newShort);
        foreach (var t in targets) { t.Name = newShort; t.Dirty = true; }
        p.LogHistory($"zfs rename {snapshot} {newSnapshot}");
        p.Sync();
    }

    public void Rollback(string snapshot, bool destroyNewer, bool destroyClones, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(snapshot);
        RollbackLocked(p, Snap(p, snapshot), destroyNewer, destroyClones);
    });

    private static void RollbackLocked(Pool p, Dataset s, bool destroyNewer, bool destroyClones)
    {
        string snapshot = s.FullName;
        var head = s.Head!;
        int i = head.Snapshots.IndexOf(s);
        var newer = head.Snapshots.Skip(i + 1).Reverse().ToList();
        if (newer.Count > 0 && !destroyNewer && !destroyClones)
            throw IllumosException.Refused("RollbackNewerSnapshots", $"'{snapshot}' is not the most recent snapshot; more recent ones exist ({string.Join(", ", newer.Select(n => n.FullName))}). Use -DestroyNewer to destroy them.", snapshot);
        foreach (var n in newer)
        {
            var clones = p.Dsl.ClonesOf(n).ToList();
            if (clones.Count > 0 && !destroyClones)
                throw IllumosException.Refused("RollbackNewerClones", $"'{n.FullName}' has clones ({string.Join(", ", clones.Select(c => c.Name))}); use -DestroyClones to destroy them.", n.FullName);
            if (n.Holds.Count > 0) throw new IllumosException(ErrorKind.ResourceBusy, "SnapshotHeld", $"'{n.FullName}' is held; release it first.", n.FullName);
            if (n.ActiveSends > 0) throw new IllumosException(ErrorKind.ResourceBusy, "SnapshotBusy", $"'{n.FullName}' is being sent.", n.FullName);
        }
        p.Sync();
        foreach (var n in newer)
        {
            foreach (var c in p.Dsl.ClonesOf(n).ToList()) DestroyTree(p, c);
            p.Dsl.DestroySnapshot(n);
        }
        p.Dsl.Rollback(head, s);
        p.LogHistory("zfs rollback " + (destroyNewer ? "-r " : "") + (destroyClones ? "-R " : "") + snapshot);
        p.Sync();
    }

    /// <summary>Destroys a head with its children, snapshots and their clones (the -R closure), committed state only.</summary>
    internal static void DestroyTree(Pool p, Dataset h)
    {
        foreach (var c in p.Dsl.ChildrenOf(h).ToList()) DestroyTree(p, c);
        foreach (var s in h.Snapshots.AsEnumerable().Reverse().ToList())
        {
            foreach (var c in p.Dsl.ClonesOf(s).ToList()) DestroyTree(p, c);
            p.Dsl.DestroySnapshot(s);
        }
        p.Dsl.DestroyHead(h);
    }

    private List<Dataset> HoldTargets(Pool p, string snapshot, bool recursive)
    {
        var s = Snap(p, snapshot);
        var list = new List<Dataset> { s };
        if (recursive)
            list.AddRange(p.Dsl.Heads.Where(h => h.Name.StartsWith(s.Head!.Name + "/", StringComparison.Ordinal)).SelectMany(h => h.Snapshots.Where(x => x.Name == s.Name)));
        return list;
    }

    public void Hold(string snapshot, string tag, bool recursive, CancellationToken ct) => Locked(() =>
    {
        if (string.IsNullOrEmpty(tag) || tag.Length > 255) throw IllumosException.Invalid("HoldTagInvalid", "A hold tag is 1 to 255 characters.", tag);
        var p = PoolOf(snapshot);
        var targets = HoldTargets(p, snapshot, recursive);
        foreach (var t in targets)
            if (t.Holds.ContainsKey(tag)) throw IllumosException.Exists("HoldExists", $"'{t.FullName}' already has a hold named '{tag}'.", tag);
        foreach (var t in targets) { t.Holds[tag] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(); t.Dirty = true; }
        p.LogHistory($"zfs hold {(recursive ? "-r " : "")}{tag} {snapshot}");
        p.Sync();
    });

    public void Release(string snapshot, string tag, bool recursive, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(snapshot);
        var targets = HoldTargets(p, snapshot, recursive);
        foreach (var t in targets)
            if (!t.Holds.ContainsKey(tag)) throw IllumosException.NotFound("HoldNotFound", $"'{t.FullName}' has no hold named '{tag}'.", tag);
        foreach (var t in targets) { t.Holds.Remove(tag); t.Dirty = true; }
        p.LogHistory($"zfs release {(recursive ? "-r " : "")}{tag} {snapshot}");
        p.Sync();
    });

    public IReadOnlyList<ZSnapshotHold> GetHolds(string snapshot, bool recursive, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(snapshot);
        return (IReadOnlyList<ZSnapshotHold>)HoldTargets(p, snapshot, recursive)
            .SelectMany(t => t.Holds.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new ZSnapshotHold { SnapshotName = t.FullName, Tag = h.Key, Timestamp = DateTimeOffset.FromUnixTimeSeconds(h.Value) })).ToList();
    });

    public ZBookmark CreateBookmark(string source, string bookmark, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(source);
        var src = source.Contains('@') ? Snap(p, source) : source.Contains('#') ? Bookmark(p, source)
            : throw IllumosException.Invalid("BookmarkSourceInvalid", "A bookmark is made from a snapshot (fs@snap) or another bookmark (fs#bm).", source);
        var (fs, bm) = NameRules.SplitBookmark(bookmark);
        if (fs != src.Head!.Name) throw IllumosException.Invalid("BookmarkOtherDataset", "A bookmark must be in the same dataset as its source.", bookmark);
        if (src.Head.Bookmarks.Any(b => b.Name == bm)) throw IllumosException.Exists("BookmarkExists", $"The bookmark '{bookmark}' already exists.", bookmark);
        var b = p.Dsl.Bookmark(src, bm);
        p.LogHistory($"zfs bookmark {source} {bookmark}");
        p.Sync();
        return new ZBookmark { Name = b.FullName, Creation = DateTimeOffset.FromUnixTimeSeconds(b.Creation), Guid = b.Guid, CreateTxg = b.CreateTxg };
    });

    public IReadOnlyList<ZBookmark> GetBookmarks(string? dataset, bool recursive, CancellationToken ct) => Locked(() =>
    {
        var result = new List<ZBookmark>();
        IEnumerable<Pool> pools = dataset is null ? _pools.Values : [PoolOf(dataset)];
        foreach (var p in pools)
        {
            IEnumerable<Dataset> heads = dataset is null ? p.Dsl.Heads
                : recursive ? p.Dsl.Heads.Where(h => h.Name == dataset || h.Name.StartsWith(dataset + "/", StringComparison.Ordinal)) : [Head(p, dataset)];
            foreach (var h in heads.OrderBy(x => x.Name, StringComparer.Ordinal))
                foreach (var b in h.Bookmarks) result.Add(new ZBookmark { Name = b.FullName, Creation = DateTimeOffset.FromUnixTimeSeconds(b.Creation), Guid = b.Guid, CreateTxg = b.CreateTxg });
        }
        return (IReadOnlyList<ZBookmark>)result;
    });

    // ---- volumes ----

    private (Pool, Dataset, Dmu.DmuObject) Volume(string volume, bool write)
    {
        var p = PoolOf(volume);
        var (ds, isSnap) = ResolveForFiles(p, volume);
        var head = isSnap ? ds.Head! : ds;
        if (head.Kind != DatasetKind.Volume) throw IllumosException.Invalid("DatasetNotVolume", $"'{volume}' is not a volume.", volume);
        if (write && (isSnap || p.Dsl.Props.Get(head, "readonly") == "on"))
            throw new IllumosException(ErrorKind.PermissionDenied, isSnap ? "SnapshotReadOnly" : "DatasetReadOnly", $"'{volume}' is read-only.", volume);
        return (p, head, p.Dsl.OpenObjectSet(ds).Get(1));
    }

    public int ReadVolume(string volume, long offset, Span<byte> buffer, CancellationToken ct)
    {
        var tmp = new byte[buffer.Length];
        int n = Locked(() =>
        {
            var (_, _, data) = Volume(volume, false);
            if (offset < 0 || offset > data.Length) throw IllumosException.Invalid("VolumeOffsetInvalid", $"Offset {offset} lies outside the volume ({data.Length} bytes).", offset);
            return data.Read(offset, tmp);
        });
        tmp.AsSpan(0, n).CopyTo(buffer);
        return n;
    }

    public void WriteVolume(string volume, long offset, ReadOnlySpan<byte> data, CancellationToken ct)
    {
        var copy = data.ToArray();
        Locked(() =>
        {
            var (p, head, obj) = Volume(volume, true);
            if (offset < 0 || offset + copy.Length > obj.Length)
                throw IllumosException.Invalid("VolumeRangeInvalid", $"Bytes {offset}..{offset + copy.Length} lie outside the volume ({obj.Length} bytes).", offset);
            ReserveSpace(p, head, copy.Length);
            long len = obj.Length;
            obj.Write(offset, copy);
            obj.Dn.Length = len;
            if (p.DirtyBytes > Pool.DirtyMax) p.Sync();
            p.Sync();
        });
    }
}
