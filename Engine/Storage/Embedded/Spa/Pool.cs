using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Illumos.Engine.Storage.Embedded.Arc;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Vdev;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>
/// The SPA: one imported pool. Owns the vdev tree, allocation, the zio pipeline, the MOS and the
/// DSL, and commits transaction groups: dataset object sets bottom-up, synctasks, DSL records,
/// space map and history appends, the MOS, a flush; then even labels (when the config changed),
/// the uberblock in every label's ring, odd labels, each step flushed.
/// </summary>
public sealed partial class Pool : IDisposable
{
    public const long DirtyMax = 64L << 20;
    private const int SpaceRecordSize = 24;
    private readonly List<HistoryRecord> _history = new();
    private bool _labelsDirty;
    private bool _configDirty;

    private Pool(string name, ulong guid, List<TopVdev> tops, List<LeafDevice> cache, List<LeafDevice> spares, long arcBytes)
    {
        Name = name;
        Guid = guid;
        Tops = tops;
        CacheDevices = cache;
        Spares = spares;
        Space = new SpaceManager(tops);
        Arc = new AdaptiveCache(arcBytes);
        Zio = new ZioPipeline(Space, Arc);
        Mos = ObjectSet.Create(Zio, new MosOwner(Space), ObjectSetType.Meta);
        Dsl = new DslPool(this);
        Zil = new Zil.IntentLog(tops.Where(t => t.Class == ZVdevClass.Log).SelectMany(t => t.Leaves).ToList());
        L2 = new L2Arc(cache);
        Zio.L2 = L2;
        Arc.Evicted = L2.Feed;
    }

    public string Name { get; private set; }
    public ulong Guid { get; }
    public List<TopVdev> Tops { get; }
    public List<LeafDevice> CacheDevices { get; }
    public List<LeafDevice> Spares { get; }
    public SpaceManager Space { get; }
    public AdaptiveCache Arc { get; }
    public L2Arc L2 { get; }
    public Zil.IntentLog Zil { get; private set; }
    public ZioPipeline Zio { get; }
    public ObjectSet Mos { get; private set; }
    public DslPool Dsl { get; }
    public PoolConfig Config { get; private set; } = new();
    public ulong LastTxg { get; private set; }
    public BlockPointer LastMosRoot { get; private set; }
    public Scrub? Scrub { get; set; }
    /// <summary>Milliseconds the scan worker sleeps per block (tests that need to catch a scan in progress).</summary>
    internal int ScanThrottleForTests { get; set; }
    public int Ashift => Tops.Count > 0 ? Tops[0].Ashift : 12;
    public IEnumerable<LeafDevice> AllLeaves => Tops.SelectMany(t => t.Leaves).Concat(SpareActivations.Select(a => a.Original)).Concat(CacheDevices).Concat(Spares).Distinct();
    public string? AltRoot { get; set; }

    public long Size => Space.Size;
    public long Allocated => Space.Allocated;
    /// <summary>The normal class's free space before slop: what datasets can still fill (special vdevs hold metadata).</summary>
    public long DataFree => Space.DataSize - Space.DataAllocated;
    /// <summary>Space ZFS holds back (1/32 of the normal class) so that frees and admin work never run out.</summary>
    public long Slop => Math.Max(Space.DataSize / 32, 1L << 20);

    public ZHealth Health
    {
        get
        {
            var normal = Tops.Where(t => t.Class == ZVdevClass.Normal).ToList();
            if (normal.Any(t => t.State == ZHealth.FAULTED)) return ZHealth.FAULTED;
            if (SpareActivations.Count > 0) return ZHealth.DEGRADED; // a spare stands in for a failed device
            return Tops.Any(t => t.State != ZHealth.ONLINE) ? ZHealth.DEGRADED : ZHealth.ONLINE;
        }
    }

    // ---------------- creation ----------------

    public sealed record TopSpec(string Type, ZVdevClass Class, IReadOnlyList<string> Paths);

    public static Pool Create(string name, IReadOnlyList<TopSpec> tops, IReadOnlyList<string> cache, IReadOnlyList<string> spares,
        int ashift, IReadOnlyDictionary<string, string> poolProps, long arcBytes)
    {
        var opened = new List<LeafDevice>();
        try
        {
            var topVdevs = new List<TopVdev>();
            foreach (var t in tops)
            {
                var leaves = t.Paths.Select(p => new LeafDevice(p, NewGuid())).ToList();
                opened.AddRange(leaves);
                // A single-device top-level vdev is the leaf itself (same guid), as in ZFS.
                topVdevs.Add(TopVdev.Create(topVdevs.Count, t.Type == "file" ? leaves[0].Guid : NewGuid(), t.Type, t.Class, ashift, leaves, ParityOf(t.Type)));
            }
            var cacheLeaves = cache.Select(p => new LeafDevice(p, NewGuid())).ToList();
            var spareLeaves = spares.Select(p => new LeafDevice(p, NewGuid())).ToList();
            opened.AddRange(cacheLeaves);
            opened.AddRange(spareLeaves);
            var pool = new Pool(name, NewGuid(), topVdevs, cacheLeaves, spareLeaves, arcBytes);
            pool.Config = new PoolConfig { Creation = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Props = new(poolProps) };
            var cfgObj = pool.Mos.Allocate(ObjectType.PoolConfig, 16 * 1024);
            var smObj = pool.Mos.Allocate(ObjectType.SpaceMap, 128 * 1024);
            var histObj = pool.Mos.Allocate(ObjectType.History, 128 * 1024);
            pool.Config.SpaceMapObj = smObj.Id;
            pool.Config.HistoryObj = histObj.Id;
            pool._configDirty = true;
            pool._labelsDirty = true;
            return pool;
        }
        catch
        {
            foreach (var l in opened) l.Dispose();
            throw;
        }
    }

    private static int ParityOf(string type) => type.StartsWith("raidz", StringComparison.Ordinal) ? type[^1] - '0' : 0;

    public static ulong NewGuid()
    {
        Span<byte> b = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b) | 1;
    }

    // ---------------- labels ----------------

    public VdevConfigNode BuildTree() => new()
    {
        Type = "root", Guid = Guid,
        Children = Tops.Select(TopNode).Concat(CacheDevices.Select(l => LeafNode(l) with { Class = ZVdevClass.Cache }))
          .Concat(Spares.Select(l => LeafNode(l) with { Class = ZVdevClass.Spare })).ToList(),
    };

    private VdevConfigNode TopNode(TopVdev t) => t switch
    {
        IndirectVdev => IndirectNode(t),
        _ when t.Type == "file" => LeafNode(t.Leaves[0]) with { Guid = t.Guid, Id = t.Id, Class = t.Class, Asize = t.Asize, Ashift = t.Ashift },
        _ => new VdevConfigNode
        {
            Type = t.Type, Guid = t.Guid, Id = t.Id, Class = t.Class, Asize = t.Asize, Ashift = t.Ashift, Parity = t.Parity,
            Children = t.Leaves.Select(l => SpareActivations.FirstOrDefault(a => a.Spare == l) is { } a
                ? new VdevConfigNode { Type = "spare", Guid = a.Original.Guid ^ a.Spare.Guid, Children = [LeafNode(a.Original), LeafNode(a.Spare)] }
                : LeafNode(l)).ToList(),
        },
    };

    private static VdevConfigNode LeafNode(LeafDevice l) => new()
    {
        Type = "file", Guid = l.Guid, Path = l.Path, Size = l.FileSize,
        Offline = l.Offline && !l.OfflineTemporary, Faulted = l.Faulted, Degraded = l.Degraded,
    };

    /// <summary>The leaf states the labels must record; when it changes, the next txg rewrites the labels.</summary>
    private string PersistentLeafStates() => string.Join(',', AllLeaves.Select(l => $"{l.Guid}:{(l.Offline && !l.OfflineTemporary ? 1 : 0)}{(l.Faulted ? 1 : 0)}{(l.Degraded ? 1 : 0)}"));
    private string _writtenLeafStates = "";
    private readonly List<LeafDevice> _staleLeaves = new();

    private LabelConfig LabelFor(LeafDevice leaf, ulong topGuid, LabelPoolState state, VdevConfigNode tree) => new()
    {
        PoolName = Name, PoolGuid = Guid, State = state, Txg = LastTxg + 1, Guid = leaf.Guid, TopGuid = topGuid,
        HostName = Environment.MachineName, Comment = Config.Props.GetValueOrDefault("comment"), VdevTree = tree,
    };

    private IEnumerable<(LeafDevice Leaf, ulong TopGuid)> LabelledLeaves() =>
        Tops.SelectMany(t => t.Leaves.Select(l => (l, t.Guid))).Concat(CacheDevices.Select(l => (l, l.Guid))).Concat(Spares.Where(l => !SpareInUse(l)).Select(l => (l, l.Guid)))
            .Where(x => x.Item1.Usable);

    private void WriteLabels(int[] which, LabelPoolState state)
    {
        var tree = BuildTree();
        foreach (var (leaf, top) in LabelledLeaves())
        {
            var cfg = LabelFor(leaf, top, state, tree);
            foreach (var l in which) Label.WriteConfig(leaf, cfg, l);
        }
        FlushAll(LabelledLeaves().Select(x => x.Leaf));
    }

    public void MarkLabelsDirty() => _labelsDirty = true;
    public void MarkConfigDirty() => _configDirty = true;

    // ---------------- txg commit ----------------

    public bool IsDirty => Dsl.IsDirty || _history.Count > 0 || _configDirty || _errorLogDirty || _labelsDirty || Space.PendingLog.Count > 0 || Mos.IsDirty || Scrub is { Dirty: true }
        || PersistentLeafStates() != _writtenLeafStates;

    public long DirtyBytes => Dsl.DirtyBytes;

    /// <summary>Commits the open txg; <paramref name="syncTask"/> runs in syncing context after the datasets are written (snapshots).</summary>
    public void Sync(Action<ulong>? syncTask = null)
    {
        if (!IsDirty && syncTask is null) return;
        ulong txg = LastTxg + 1;
        if (ZfsProbes.TxgSynced.Enabled) ZfsProbes.TxgSynced.FireWith(Name, (long)txg, DirtyBytes);
        Dsl.SyncDatasets(txg);
        syncTask?.Invoke(txg);
        Dsl.SaveRecords(txg);
        AppendSpaceLog();
        AppendHistory(txg);
        SaveScan();
        SaveErrorLog();
        if (_configDirty)
        {
            WriteObject(Mos.Get(1), Config.Serialize());
            _configDirty = false;
        }
        var mosRoot = Mos.Sync(txg);
        LastMosRoot = mosRoot;
        Zio.FlushWrites();
        FlushAll(Tops.SelectMany(t => t.Leaves));
        var leafStates = PersistentLeafStates();
        bool labels = _labelsDirty || leafStates != _writtenLeafStates;
        if (labels) { WriteLabels([0, 2], LabelPoolState.Active); StepForTests?.Invoke("even-labels"); }
        var ub = new Uberblock(txg, GuidSum(), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), mosRoot);
        var ubLeaves = Tops.SelectMany(t => t.Leaves).Where(l => l.Usable).ToList();
        foreach (var leaf in ubLeaves)
            for (int l = 0; l < 4; l++) Label.WriteUberblock(leaf, ub, l);
        FlushAll(ubLeaves);
        if (labels) { WriteLabels([1, 3], LabelPoolState.Active); _labelsDirty = false; _writtenLeafStates = leafStates; }
        // While a scrub runs, freed blocks stay allocated so nothing it will read is overwritten.
        if (Scrub is not { IsActive: true }) Space.ReleaseDeferred();
        if (Scrub is { Function: ZScanFunction.Resilver, State: ZScanState.Finished })
            foreach (var l in Tops.SelectMany(t => t.Leaves)) l.Resilvering = false;
        LastTxg = txg;
        Zil.Reset();
    }

    /// <summary>Starts a scrub or resilver walk of the pool's committed state on a worker thread.</summary>
    public Scrub BeginScan(ZScanFunction function)
    {
        if (Scrub is { State: ZScanState.Paused } paused && function == ZScanFunction.Scrub && paused.Function == ZScanFunction.Scrub)
        {
            paused.Resume();
            LogHistory("zpool scrub " + Name);
            Sync();
            return paused;
        }
        // A resilver covers the top-level vdevs with a device being rebuilt (all of them when none is marked),
        // and those of a resilver it interrupts.
        List<int>? tops = null;
        if (function == ZScanFunction.Resilver)
        {
            tops = Enumerable.Range(0, Tops.Count).Where(i => Tops[i].Leaves.Any(l => l.Resilvering)).ToList();
            if (tops.Count == 0) tops = null;
            else if (Scrub is { IsActive: true, Function: ZScanFunction.Resilver } previous)
                tops = previous.ResilverTops is { } p ? tops.Union(p).ToList() : null;
        }
        // A resilver takes precedence: a scrub (or an older resilver) in progress stops and the resilver starts over.
        if (Scrub is { IsActive: true } running && function == ZScanFunction.Resilver) running.Cancel();
        if (Scrub is { IsActive: true } active)
            throw new IllumosException(ErrorKind.ResourceBusy, active.Function == ZScanFunction.Resilver ? "ResilverInProgress" : "ScrubInProgress",
                $"A {(active.Function == ZScanFunction.Resilver ? "resilver" : "scrub")} of '{Name}' is already {(active.State == ZScanState.Paused ? "paused" : "running")}.", Name);
        Sync();
        var scrub = Spa.Scrub.Begin(this, function, tops);
        Scrub = scrub;
        LogHistory(function == ZScanFunction.Scrub ? "zpool scrub " + Name : "resilver " + Name, isInternal: function != ZScanFunction.Scrub);
        Sync();
        scrub.Start();
        return scrub;
    }

    // ---- the persistent error log (spa_errlog): blocks ordinary reads could not recover ----

    private readonly List<DataError> _readErrors = new();
    private bool _errorLogDirty;

    /// <summary>Data errors found by reads outside a scrub (a scrub that completes re-judges every block and replaces them).</summary>
    public IReadOnlyList<DataError> ReadErrors { get { lock (_readErrors) return _readErrors.ToList(); } }

    public void RecordReadError(DataError e)
    {
        lock (_readErrors)
        {
            if (_readErrors.Contains(e) || _readErrors.Count >= ScanPhys.MaxRecordedErrors) return;
            _readErrors.Add(e);
            _errorLogDirty = true;
        }
    }

    /// <summary>A completed scrub found every bad block itself: the read errors it did not see again are gone.</summary>
    public void ForgetReadErrors()
    {
        lock (_readErrors)
        {
            if (_readErrors.Count == 0) return;
            _readErrors.Clear();
            _errorLogDirty = true;
        }
    }

    private void SaveErrorLog()
    {
        if (!_errorLogDirty) return;
        if (Config.ErrorLogObj == 0)
        {
            Config.ErrorLogObj = Mos.Allocate(ObjectType.ErrorLog, 4096).Id;
            _configDirty = true;
        }
        byte[] json;
        lock (_readErrors) json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(_readErrors);
        WriteObject(Mos.Get(Config.ErrorLogObj), json);
        _errorLogDirty = false;
    }

    private void LoadErrorLog()
    {
        if (Config.ErrorLogObj == 0 || Mos.TryGet(Config.ErrorLogObj) is not { } o) return;
        try { _readErrors.AddRange(System.Text.Json.JsonSerializer.Deserialize<List<DataError>>(ReadObject(o)) ?? []); }
        catch (System.Text.Json.JsonException) { /* a damaged log lists nothing; the next scrub finds the errors again */ }
    }

    /// <summary>The scan's position and figures go into the txg being committed (dsl_scan_sync).</summary>
    private void SaveScan()
    {
        if (Scrub is not { Dirty: true } scan) return;
        if (Config.ScanObj == 0)
        {
            Config.ScanObj = Mos.Allocate(ObjectType.ScanState, 16 * 1024).Id;
            _configDirty = true;
        }
        WriteObject(Mos.Get(Config.ScanObj), scan.Snapshot().Serialize());
    }

    /// <summary>After import: the scan the MOS recorded; an unfinished one continues from its bookmark.</summary>
    private void LoadScan()
    {
        if (Config.ScanObj == 0 || Mos.TryGet(Config.ScanObj) is not { } o) return;
        if (ScanPhys.Deserialize(ReadObject(o)) is not { } phys) return;
        Scrub = Spa.Scrub.FromPhys(this, phys);
        if (Scrub.IsActive) LogHistory($"{(phys.Function == ZScanFunction.Resilver ? "resilver" : "scrub")} resumed at txg {LastTxg}", isInternal: true);
    }

    /// <summary>Cache flushes of several devices are issued together, as ZFS does, not one after another.</summary>
    private static void FlushAll(IEnumerable<LeafDevice> leaves)
    {
        var list = leaves.Where(l => l.Usable).ToList();
        if (list.Count == 1) list[0].Flush();
        else Parallel.ForEach(list, l => l.Flush());
    }

    private ulong GuidSum()
    {
        ulong s = Guid;
        foreach (var t in Tops) foreach (var l in t.Leaves) s += l.Guid;
        return s;
    }

    public static void WriteObject(DmuObject o, byte[] content)
    {
        if (o.Length > content.Length) o.Truncate(content.Length);
        o.Write(0, content);
    }

    public static byte[] ReadObject(DmuObject o)
    {
        var b = new byte[o.Length];
        o.Read(0, b);
        return b;
    }

    private void AppendSpaceLog()
    {
        var log = Space.PendingLog;
        if (log.Count == 0) return;
        var raw = new byte[log.Count * SpaceRecordSize];
        for (int i = 0; i < log.Count; i++)
        {
            var r = log[i];
            var s = raw.AsSpan(i * SpaceRecordSize);
            BinaryPrimitives.WriteUInt32LittleEndian(s, r.Vdev | (r.Alloc ? 0x8000_0000u : 0));
            BinaryPrimitives.WriteInt64LittleEndian(s[8..], r.Offset);
            BinaryPrimitives.WriteInt64LittleEndian(s[16..], r.Length);
        }
        var sm = Mos.Get(Config.SpaceMapObj);
        sm.Write(sm.Length, raw);
        Space.ClearLog();
    }

    public void LogHistory(string command, bool isInternal = false) =>
        _history.Add(new HistoryRecord(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), command, isInternal, 0, Environment.UserName, Environment.MachineName));

    private void AppendHistory(ulong txg)
    {
        if (_history.Count == 0) return;
        var sb = new StringBuilder();
        foreach (var h in _history) sb.Append(JsonSerializer.Serialize(h with { Txg = txg })).Append('\n');
        _history.Clear();
        var o = Mos.Get(Config.HistoryObj);
        o.Write(o.Length, Encoding.UTF8.GetBytes(sb.ToString()));
    }

    public IReadOnlyList<HistoryRecord> ReadHistory()
    {
        var text = Encoding.UTF8.GetString(ReadObject(Mos.Get(Config.HistoryObj)));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonSerializer.Deserialize<HistoryRecord>(l)!).ToList();
    }

    // ---------------- import ----------------

    /// <summary>Opens a pool from its leaf devices (paths found by label guid), at the newest valid uberblock.</summary>
    public static Pool Open(LabelConfig config, IReadOnlyDictionary<ulong, string> pathsByGuid, string? newName, long arcBytes)
    {
        var opened = new List<LeafDevice>();
        try
        {
            var byGuid = new Dictionary<ulong, LeafDevice>();
            var activations = new List<SpareActivation>();
            LeafDevice OpenLeaf(VdevConfigNode n)
            {
                // A spare in use appears twice in the tree (in its spare-N group and among the spares): one device.
                if (byGuid.TryGetValue(n.Guid, out var known)) return known;
                // A device that is gone, or whose label no longer names it (a blank replacement), is UNAVAIL.
                var path = pathsByGuid.GetValueOrDefault(n.Guid);
                LeafDevice leaf;
                if (path is null) leaf = LeafDevice.Missing(n.Path ?? "", n.Guid, n.Size);
                else
                {
                    try { leaf = new LeafDevice(path, n.Guid); }
                    catch (IllumosException) { leaf = LeafDevice.Missing(path, n.Guid, n.Size); }
                    // A file that grew since: the pool keeps using the recorded size (labels stay where they are) until expanded.
                    if (n.Size >= LeafDevice.MinimumSize && n.Size < leaf.FileSize) leaf.UseSize(n.Size);
                }
                // States the labels recorded outlive the import; error counters start from zero.
                leaf.Offline = n.Offline;
                leaf.Faulted = n.Faulted;
                leaf.Degraded = n.Degraded;
                opened.Add(leaf);
                return byGuid[n.Guid] = leaf;
            }
            // A spare-N group: the spare serves in the failed device's place.
            LeafDevice OpenSlot(VdevConfigNode n, int topId)
            {
                if (n.Type != "spare") return OpenLeaf(n);
                var original = OpenLeaf(n.Children[0]);
                var spare = OpenLeaf(n.Children[1]);
                activations.Add(new SpareActivation(topId, original, spare));
                return spare;
            }
            var tops = new List<TopVdev>();
            var cache = new List<LeafDevice>();
            var spares = new List<LeafDevice>();
            var evacuated = new Dictionary<int, TopVdev>();
            foreach (var n in config.VdevTree.Children)
            {
                if (n.Class == ZVdevClass.Cache) { cache.Add(OpenLeaf(n)); continue; }
                if (n.Class == ZVdevClass.Spare) { spares.Add(OpenLeaf(n)); continue; }
                if (n.Type == "indirect") { tops.Add(evacuated[n.Id] = OpenEvacuated(n, OpenLeaf)); continue; }
                var leaves = n.Type == "file" ? [OpenLeaf(n)] : n.Children.Select(c => OpenSlot(c, n.Id)).ToList();
                tops.Add(TopVdev.Create(n.Id, n.Guid, n.Type, n.Class, n.Ashift, leaves, n.Parity));
            }
            var faulted = tops.Where(t => !t.IsHole && !evacuated.ContainsKey(t.Id) && (t.State == ZHealth.FAULTED || t.Asize <= 0)).ToList();
            if (faulted.Count > 0)
                throw new IllumosException(ErrorKind.ResourceUnavailable, "PoolInsufficientReplicas",
                    $"Pool '{config.PoolName}' cannot be opened: {string.Join(", ", faulted.Select(t => t.Type + "-" + t.Id))} has too many missing devices ({string.Join(", ", faulted.SelectMany(t => t.Leaves).Where(l => l.State == ZHealth.UNAVAIL).Select(l => l.Path))}).", config.PoolName);
            var pool = new Pool(newName ?? config.PoolName, config.PoolGuid, tops, cache, spares, arcBytes);
            pool.SpareActivations.AddRange(activations);
            foreach (var (id, top) in evacuated) pool._evacuatedTops[id] = top;
            pool.Load();
            // A removal that committed before the process could release its devices is finished now.
            foreach (var l in pool.SettleEvacuated()) { Label.Clear(l); l.Dispose(); }
            pool.ReplayIntentLog();
            if (newName is not null && newName != config.PoolName) pool.Dsl.RenamePool(config.PoolName, newName);
            pool._labelsDirty = true;
            pool.LoadScan();
            pool.LoadErrorLog();
            if (pool.Scrub is { IsActive: true, Function: ZScanFunction.Resilver })
                foreach (var a in pool.SpareActivations) a.Spare.Resilvering = true;
            pool.Scrub?.Start();
            // A device that missed txgs (offline with -t, or absent at the last import) is brought up to date.
            if (pool._staleLeaves.Count > 0 && pool.Scrub is not { IsActive: true, Function: ZScanFunction.Resilver })
            {
                pool.LogHistory($"resilver needed: {string.Join(", ", pool._staleLeaves.Select(l => l.Path))} missed txgs", isInternal: true);
                foreach (var l in pool._staleLeaves) l.Resilvering = true;
                pool.BeginScan(ZScanFunction.Resilver);
            }
            // A device missing at import is replaced by an available spare, as zed does.
            pool.ActivateSpares();
            if (pool.AutoExpand) pool.ExpandAll();
            return pool;
        }
        catch
        {
            foreach (var l in opened) l.Dispose();
            throw;
        }
    }

    private void Load()
    {
        var ubs = Tops.SelectMany(t => t.Leaves).Where(l => l.State != ZHealth.UNAVAIL).SelectMany(Label.ReadUberblocks).OrderByDescending(u => u.Txg).ToList();
        if (ubs.Count == 0) throw new IllumosException(ErrorKind.InvalidData, "PoolNoUberblock", $"No valid uberblock was found on the devices of pool '{Name}'.", Name);
        Exception? last = null;
        foreach (var ub in ubs.DistinctBy(u => u.Txg))
        {
            try
            {
                Arc.Clear();
                Mos = ObjectSet.Open(Zio, new MosOwner(Space), ub.RootBp, readOnly: false);
                LastMosRoot = ub.RootBp;
                Config = PoolConfig.Deserialize(ReadObject(Mos.Get(1)));
                LastTxg = ub.Txg;
                AttachRemovals();
                ReplaySpaceMap();
                foreach (var bp in ObjectSet.Traverse(Zio, ub.RootBp))
                    for (int i = 0; i < bp.Copies; i++) { var d = bp.GetDva(i); Space.Allocators[(int)d.Vdev].Claim((long)d.Offset, d.Asize); }
                ClaimRemovedCopies();
                Dsl.Load();
                _staleLeaves.Clear();
                foreach (var leaf in Tops.SelectMany(t => t.Leaves).Where(l => l.Usable))
                    if (Label.ReadUberblocks(leaf).Select(u => u.Txg).DefaultIfEmpty(0UL).Max() < ub.Txg) _staleLeaves.Add(leaf);
                return;
            }
            catch (IllumosException e) when (e.Kind is ErrorKind.ReadError or ErrorKind.InvalidData)
            {
                // A damaged newest txg: fall back to the previous uberblock (rewind), as zpool import -F does.
                last = e;
                for (int i = 0; i < Space.Allocators.Count; i++) Space.Allocators[i] = new RangeAllocator(Tops[i].Asize, Tops[i].Ashift);
            }
        }
        throw new IllumosException(ErrorKind.InvalidData, "PoolCorrupt", $"Pool '{Name}' cannot be opened: no uberblock leads to a readable MOS ({last?.Message}).", Name, last);
    }

    /// <summary>Applies logged synchronous writes newer than the committed txg (a crash lost their txg), then commits them.</summary>
    private void ReplayIntentLog()
    {
        int applied = 0;
        foreach (var r in Zil.ReadChain().Where(r => r.Txg > LastTxg))
        {
            if (Dsl.ById(r.Dataset) is not { IsHead: true } ds) continue;
            var obj = Dsl.OpenObjectSet(ds).TryGet(r.Object);
            if (obj is null) continue;
            obj.Write(r.Offset, r.Data);
            applied++;
        }
        if (applied > 0)
        {
            LogHistory($"zil replay: {applied} record(s)", isInternal: true);
            Sync();
        }
    }

    /// <summary>Drops everything not committed and closes the devices, as a crash would (tests).</summary>
    internal void CrashForTests()
    {
        Scrub?.Interrupt();
        _evacuating?.Dispose();
        foreach (var t in Tops) t.Dispose();
        foreach (var l in CacheDevices) l.Dispose();
        foreach (var l in Spares) l.Dispose();
        foreach (var a in SpareActivations) a.Original.Dispose();
    }

    private void ReplaySpaceMap()
    {
        var raw = ReadObject(Mos.Get(Config.SpaceMapObj));
        for (int i = 0; i + SpaceRecordSize <= raw.Length; i += SpaceRecordSize)
        {
            uint w = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(i));
            Space.Replay(new SpaceRecord((w & 0x8000_0000u) != 0, w & 0x7fff_ffffu,
                BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i + 8)), BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(i + 16))));
        }
    }

    /// <summary>
    /// zpool remove of a log vdev: once the open txg has committed nothing lives on it (the ZIL's
    /// records are obsolete), so it becomes a hole and the intent log continues on the other log
    /// devices, or in the pool's txgs when there are none.
    /// </summary>
    public void RemoveLogVdev(TopVdev top)
    {
        if (top.Class != ZVdevClass.Log || top.IsHole) throw new ArgumentException("not a log vdev", nameof(top));
        Sync();
        Tops[top.Id] = new HoleVdev(top.Id, top.Guid, top.Ashift);
        Space.Allocators[top.Id] = new RangeAllocator(0, top.Ashift);
        Zil = Zil.On(Tops.Where(t => t.Class == ZVdevClass.Log).SelectMany(t => t.Leaves).ToList());
        _labelsDirty = true;
    }

    /// <summary>Export or destroy: commit, then record the state in every label.</summary>
    public void Close(LabelPoolState state)
    {
        // A running scan stops where it is; its bookmark is committed and it continues after import.
        Scrub?.Interrupt();
        Sync();
        WriteLabels([0, 1, 2, 3], state);
    }

    public void Rename(string newName) => Name = newName;

    public void Dispose()
    {
        Scrub?.Interrupt();
        _evacuating?.Dispose();
        foreach (var t in Tops) t.Dispose();
        foreach (var l in CacheDevices) l.Dispose();
        foreach (var l in Spares) l.Dispose();
        foreach (var a in SpareActivations) a.Original.Dispose();
    }
}
