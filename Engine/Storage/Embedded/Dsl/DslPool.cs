using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dsl;

/// <summary>
/// The datasets of a pool: the hierarchy of heads, their snapshots and bookmarks, and the DSL
/// operations (create, snapshot, clone, rollback, rename, destroy) with ZFS's space rules.
/// </summary>
public sealed class DslPool
{
    private readonly Dictionary<ulong, Dataset> _byId = new();
    private readonly Dictionary<string, Dataset> _heads = new(StringComparer.Ordinal);
    private readonly List<Dataset> _deleted = new();
    private readonly Dictionary<ulong, ObjectSet> _snapshotViews = new();
    // What the next commit has to visit: records to rewrite, heads whose object set has changes.
    private readonly HashSet<Dataset> _dirtyRecords = new();
    private readonly HashSet<Dataset> _dirtyHeads = new();

    public DslPool(Spa.Pool spa)
    {
        Spa = spa;
        Props = new PropertyTable(this);
    }

    public Spa.Pool Spa { get; }
    public PropertyTable Props { get; }
    public IEnumerable<Dataset> Heads => _heads.Values;

    /// <summary>Whether a commit has work here; visits only what changed, not every dataset.</summary>
    public bool IsDirty => _deleted.Count > 0 || _dirtyRecords.Count > 0 || _dirtyHeads.Any(d => d.Os?.IsDirty ?? false);
    public long DirtyBytes => _dirtyHeads.Sum(d => d.Os?.DirtyBytes ?? 0);

    /// <summary>Called by <see cref="Dataset.Dirty"/>: the record is rewritten at the next commit.</summary>
    internal void NoteDirtyRecord(Dataset d, bool dirty)
    {
        if (dirty) _dirtyRecords.Add(d);
        else _dirtyRecords.Remove(d);
    }

    private ObjectSet Track(Dataset head, ObjectSet os)
    {
        os.Dirtied = () => _dirtyHeads.Add(head);
        if (os.IsDirty) _dirtyHeads.Add(head);
        return os;
    }

    public Dataset? TryHead(string name) => _heads.GetValueOrDefault(name);
    public Dataset? ParentOf(Dataset head)
    {
        int i = head.Name.LastIndexOf('/');
        return i < 0 ? null : _heads.GetValueOrDefault(head.Name[..i]);
    }
    /// <summary>Direct children of a head (kept in an index so listing many datasets stays linear).</summary>
    public IEnumerable<Dataset> ChildrenOf(Dataset head) => _children.TryGetValue(head.Id, out var c) ? c : Enumerable.Empty<Dataset>();

    private readonly Dictionary<ulong, List<Dataset>> _children = new();

    private void AddHead(Dataset ds)
    {
        _heads[ds.Name] = ds;
        if (ParentOf(ds) is { } p) (_children.TryGetValue(p.Id, out var l) ? l : _children[p.Id] = new()).Add(ds);
    }

    private void RemoveHead(Dataset ds)
    {
        if (ParentOf(ds) is { } p && _children.TryGetValue(p.Id, out var l)) l.Remove(ds);
        _heads.Remove(ds.Name);
        _children.Remove(ds.Id);
    }
    public Dataset? ById(ulong id) => _byId.GetValueOrDefault(id);
    public IEnumerable<Dataset> ClonesOf(Dataset snap) => _heads.Values.Where(h => h.OriginId == snap.Id);

    // ---------------- load / sync ----------------

    public void Load()
    {
        foreach (var id in Spa.Mos.ObjectIds().ToList())
        {
            var o = Spa.Mos.Get(id);
            if (o.Dn.Type != ObjectType.DslDataset) continue;
            var ds = Dataset.Deserialize(global::Illumos.Engine.Storage.Embedded.Spa.Pool.ReadObject(o));
            ds.Id = id;
            ds.Dsl = this;
            ds.Deadlist = Deadlist.Load(Spa.Mos, ds.DeadlistObj);
            _byId[id] = ds;
        }
        foreach (var ds in _byId.Values)
        {
            if (!ds.IsHead)
            {
                ds.Head = _byId[ds.HeadId];
                (ds.Kind == DatasetKind.Snapshot ? ds.Head.Snapshots : ds.Head.Bookmarks).Add(ds);
            }
        }
        foreach (var h in _byId.Values.Where(d => d.IsHead).OrderBy(d => d.Name.Length)) AddHead(h);
        foreach (var h in _heads.Values) { h.Snapshots.Sort((a, b) => a.CreateTxg.CompareTo(b.CreateTxg)); h.Bookmarks.Sort((a, b) => a.CreateTxg.CompareTo(b.CreateTxg)); }
    }

    /// <summary>Writes the object sets of the heads that changed (in id order, so layouts are reproducible).</summary>
    public void SyncDatasets(ulong txg)
    {
        var heads = _dirtyHeads.OrderBy(h => h.Id).ToList();
        _dirtyHeads.Clear();
        foreach (var h in heads)
        {
            if (h.Os is { IsDirty: true } os && _byId.ContainsKey(h.Id))
            {
                h.Root = os.Sync(txg);
                h.Dirty = true;
                h.DirtyEstimate = 0;
            }
        }
    }

    public void SaveRecords(ulong txg)
    {
        foreach (var d in _deleted)
        {
            d.Deadlist.Destroy(Spa.Mos);
            if (Spa.Mos.TryGet(d.Id) is { } o) Spa.Mos.Free(o);
        }
        _deleted.Clear();
        var records = _dirtyRecords.Where(d => _byId.ContainsKey(d.Id)).OrderBy(d => d.Id).ToList();
        _dirtyRecords.Clear();
        foreach (var d in records)
        {
            if (d.Deadlist.IsDirty)
            {
                d.Deadlist.Save(Spa.Mos);
                d.DeadlistObj = d.Deadlist.ObjectId;
                d.Dirty = true;
            }
            if (!d.Dirty) continue;
            global::Illumos.Engine.Storage.Embedded.Spa.Pool.WriteObject(Spa.Mos.Get(d.Id), d.Serialize());
            d.Dirty = false;
        }
    }

    private Dataset NewRecord(DatasetKind kind, string name)
    {
        var o = Spa.Mos.Allocate(ObjectType.DslDataset, 4096);
        var ds = new Dataset
        {
            Id = o.Id, Kind = kind, Name = name, Dsl = this, Guid = global::Illumos.Engine.Storage.Embedded.Spa.Pool.NewGuid(),
            CreateTxg = Spa.LastTxg + 1, Creation = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Dirty = true,
        };
        _byId[ds.Id] = ds;
        return ds;
    }

    // ---------------- object sets ----------------

    /// <summary>The object set of a head (writable) or a snapshot (read-only view).</summary>
    public ObjectSet OpenObjectSet(Dataset ds)
    {
        if (ds.IsHead)
        {
            if (ds.Os is null)
            {
                var root = ds.Root;
                ds.Os = Track(ds, ObjectSet.Open(Spa.Zio, ds, root, readOnly: false));
            }
            return ds.Os;
        }
        if (!_snapshotViews.TryGetValue(ds.Id, out var view))
        {
            if (_snapshotViews.Count > 64) _snapshotViews.Clear();
            view = ObjectSet.Open(Spa.Zio, ReadOnlyOwner.Instance, ds.Root, readOnly: true);
            _snapshotViews[ds.Id] = view;
        }
        return view;
    }

    // ---------------- create ----------------

    public Dataset CreateHead(string name, DatasetKind kind, IReadOnlyDictionary<string, string> props, Action<ObjectSet, Dataset> populate)
    {
        var ds = NewRecord(kind, name);
        foreach (var (k, v) in props) ds.Local[k] = v;
        AddHead(ds);
        ds.Os = Track(ds, ObjectSet.Create(Spa.Zio, ds, kind == DatasetKind.Volume ? ObjectSetType.ZVOL : ObjectSetType.ZFS));
        populate(ds.Os, ds);
        return ds;
    }

    public Dataset Clone(Dataset snap, string name, IReadOnlyDictionary<string, string> props)
    {
        var head = snap.Head!;
        var ds = NewRecord(head.Kind, name);
        foreach (var (k, v) in props) ds.Local[k] = v;
        if (head.Kind == DatasetKind.Volume && head.Local.TryGetValue("volsize", out var vs)) ds.Local.TryAdd("volsize", vs);
        if (head.Kind == DatasetKind.Volume && head.Local.TryGetValue("volblocksize", out var vb)) ds.Local.TryAdd("volblocksize", vb);
        ds.RootBp = snap.RootBp;
        ds.PrevSnapTxg = snap.CreateTxg;
        ds.OriginId = snap.Id;
        ds.OriginTxg = snap.CreateTxg;
        ds.Referenced = snap.Referenced;
        ds.LogicalReferenced = snap.LogicalReferenced;
        ds.Compressed = snap.Compressed;
        AddHead(ds);
        return ds;
    }

    // ---------------- snapshots ----------------

    /// <summary>Synctask body: takes the snapshot in syncing context of <paramref name="txg"/>, after the head's blocks of that txg are written. O(1).</summary>
    public Dataset Snapshot(Dataset head, string shortName, ulong txg, IReadOnlyDictionary<string, string>? props)
    {
        var snap = NewRecord(DatasetKind.Snapshot, shortName);
        snap.HeadId = head.Id;
        snap.Head = head;
        snap.CreateTxg = txg;
        snap.RootBp = head.RootBp;
        snap.PrevSnapTxg = head.PrevSnapTxg;
        snap.Referenced = head.Referenced;
        snap.LogicalReferenced = head.LogicalReferenced;
        snap.Compressed = head.Compressed;
        snap.Written = head.Written;
        if (props is not null) foreach (var (k, v) in props) snap.Local[k] = v;
        // The head's deadlist passes to the snapshot; the head starts a fresh one.
        snap.Deadlist = head.Deadlist;
        snap.DeadlistObj = head.DeadlistObj;
        head.Deadlist = new Deadlist();
        head.DeadlistObj = 0;
        head.PrevSnapTxg = txg;
        head.Written = 0;
        head.Dirty = true;
        head.Snapshots.Add(snap);
        return snap;
    }

    /// <summary>Space a snapshot alone holds: blocks born after its previous snapshot that the next one killed.</summary>
    public ulong UniqueBytes(Dataset snap)
    {
        var head = snap.Head!;
        int i = head.Snapshots.IndexOf(snap);
        var next = i + 1 < head.Snapshots.Count ? head.Snapshots[i + 1] : head;
        return next.Deadlist.SpaceBornAfter(snap.PrevSnapTxg);
    }

    public void DestroySnapshot(Dataset snap)
    {
        var head = snap.Head!;
        int i = head.Snapshots.IndexOf(snap);
        var next = i + 1 < head.Snapshots.Count ? head.Snapshots[i + 1] : head;
        var keep = new List<BlockPointer>();
        foreach (var e in next.Deadlist.Entries)
        {
            if (e.Birth > snap.PrevSnapTxg)
            {
                Spa.Space.Free(e, logged: true);
                if (e.Birth > head.OriginTxg) head.UsedSnap -= (long)e.Asize;
            }
            else keep.Add(e);
        }
        keep.AddRange(snap.Deadlist.Entries);
        next.Deadlist.Entries.Clear();
        next.Deadlist.Entries.AddRange(keep);
        next.Deadlist.Rewrite = true;
        next.PrevSnapTxg = snap.PrevSnapTxg;
        next.Dirty = true;
        head.Dirty = true;
        head.Snapshots.RemoveAt(i);
        foreach (var b in head.Bookmarks) { }
        _snapshotViews.Remove(snap.Id);
        Remove(snap);
    }

    private void Remove(Dataset d)
    {
        _byId.Remove(d.Id);
        if (d.IsHead) RemoveHead(d);
        _deleted.Add(d);
    }

    public void DestroyBookmark(Dataset bm)
    {
        bm.Head!.Bookmarks.Remove(bm);
        Remove(bm);
    }

    /// <summary>Destroys a head with no snapshots: frees every block it alone references (born after its origin).</summary>
    public void DestroyHead(Dataset head)
    {
        if (head.Snapshots.Count > 0) throw new InvalidOperationException("snapshots first");
        foreach (var bp in ObjectSet.Traverse(Spa.Zio, head.Root, head.PrevSnapTxg)) Spa.Space.Free(bp, logged: true);
        foreach (var e in head.Deadlist.Entries.Where(e => e.Birth > head.PrevSnapTxg)) Spa.Space.Free(e, logged: true);
        foreach (var b in head.Bookmarks.ToList()) DestroyBookmark(b);
        head.Os = null;
        Remove(head);
    }

    /// <summary>Returns the head to its latest snapshot: blocks born since are freed, the dead ones live again.</summary>
    public void Rollback(Dataset head, Dataset snap)
    {
        foreach (var bp in ObjectSet.Traverse(Spa.Zio, head.Root, snap.CreateTxg)) Spa.Space.Free(bp, logged: true);
        long back = 0;
        foreach (var e in head.Deadlist.Entries) if (e.Birth > head.OriginTxg) back += (long)e.Asize;
        head.UsedSnap -= back;
        head.Deadlist.Entries.Clear();
        head.Deadlist.Rewrite = true;
        head.RootBp = snap.RootBp;
        head.Referenced = snap.Referenced;
        head.LogicalReferenced = snap.LogicalReferenced;
        head.Compressed = snap.Compressed;
        // Live blocks born after the origin: what the snapshot references minus what only older snapshots/origin hold.
        head.UsedHead = snap.Referenced - (long)OriginShared(head, snap);
        head.Written = 0;
        head.Os = null;
        head.Dirty = true;
    }

    /// <summary>Bytes of <paramref name="snap"/>'s tree born at or before the head's origin (charged to the origin).</summary>
    private ulong OriginShared(Dataset head, Dataset snap)
    {
        if (head.OriginTxg == 0) return 0;
        ulong s = 0;
        foreach (var bp in ObjectSet.Traverse(Spa.Zio, snap.Root)) if (bp.Birth <= head.OriginTxg) s += bp.Asize;
        return s;
    }

    public Dataset Bookmark(Dataset snapOrBm, string shortName)
    {
        var head = snapOrBm.Head!;
        var bm = NewRecord(DatasetKind.Bookmark, shortName);
        bm.HeadId = head.Id;
        bm.Head = head;
        bm.Guid = snapOrBm.Guid;
        bm.CreateTxg = snapOrBm.CreateTxg;
        bm.Creation = snapOrBm.Creation;
        head.Bookmarks.Add(bm);
        return bm;
    }

    // ---------------- rename ----------------

    public void RenameHead(Dataset head, string newName)
    {
        string old = head.Name;
        var moved = _heads.Values.Where(h => h.Name == old || h.Name.StartsWith(old + "/", StringComparison.Ordinal)).OrderBy(h => h.Name.Length).ToList();
        foreach (var h in moved.AsEnumerable().Reverse()) RemoveHead(h);
        foreach (var h in moved)
        {
            h.Name = newName + h.Name[old.Length..];
            AddHead(h);
            h.Dirty = true;
        }
    }

    public void RenamePool(string oldName, string newName)
    {
        if (_heads.TryGetValue(oldName, out var root)) RenameHead(root, newName);
    }

    /// <summary>
    /// zfs promote: the origin snapshot and every earlier snapshot of the origin's dataset move to the
    /// clone, which takes over the origin's own origin; the old dataset becomes a clone of the moved
    /// origin snapshot. Space is recomputed for both from their trees and deadlists.
    /// </summary>
    public void Promote(Dataset clone)
    {
        var origin = ById(clone.OriginId)!;
        var old = origin.Head!;
        int k = old.Snapshots.IndexOf(origin);
        var moved = old.Snapshots.Take(k + 1).ToList();
        var movedBookmarks = old.Bookmarks.Where(b => b.CreateTxg <= origin.CreateTxg).ToList();
        ulong oldOriginId = old.OriginId, oldOriginTxg = old.OriginTxg;
        old.Snapshots.RemoveRange(0, k + 1);
        foreach (var s in moved) { s.Head = clone; s.HeadId = clone.Id; s.Dirty = true; }
        foreach (var b in movedBookmarks) { old.Bookmarks.Remove(b); b.Head = clone; b.HeadId = clone.Id; b.Dirty = true; clone.Bookmarks.Add(b); }
        clone.Snapshots.InsertRange(0, moved);
        clone.OriginId = oldOriginId;
        clone.OriginTxg = oldOriginTxg;
        old.OriginId = origin.Id;
        old.OriginTxg = origin.CreateTxg;
        RecomputeSpace(clone);
        RecomputeSpace(old);
        clone.Dirty = old.Dirty = true;
    }

    /// <summary>Used-by-dataset from the live tree (blocks born after the origin), used-by-snapshots from the deadlists.</summary>
    private void RecomputeSpace(Dataset head)
    {
        long live = 0;
        foreach (var bp in ObjectSet.Traverse(Spa.Zio, head.Root, head.OriginTxg)) live += (long)bp.Asize;
        head.UsedHead = live;
        long dead = 0;
        foreach (var dl in head.Snapshots.Select(s => s.Deadlist).Append(head.Deadlist))
            dead += (long)dl.SpaceBornAfter(head.OriginTxg);
        head.UsedSnap = dead;
    }

    /// <summary>
    /// The end of an incremental receive (ZFS's clone swap): the head, unchanged since the clone's
    /// origin, takes the clone's tree. Blocks the clone freed from the origin's tree go onto the head's
    /// deadlist (the origin snapshot still holds them) and blocks the clone wrote become the head's;
    /// the clone record goes without freeing anything.
    /// </summary>
    public void SwapReceived(Dataset head, Dataset clone)
    {
        head.RootBp = clone.RootBp;
        head.Referenced = clone.Referenced;
        head.LogicalReferenced = clone.LogicalReferenced;
        head.Compressed = clone.Compressed;
        head.UsedHead += clone.UsedHead;
        foreach (var e in clone.Deadlist.Entries)
        {
            head.Deadlist.Entries.Add(e);
            if (e.Birth > head.OriginTxg)
            {
                head.UsedHead -= (long)e.Asize;
                head.UsedSnap += (long)e.Asize;
            }
        }
        head.Written = clone.Written;
        head.Os = null;
        head.Dirty = true;
        clone.Os = null;
        Remove(clone);
    }

    public void MarkDirty(Dataset d) => d.Dirty = true;
}
