using Illumos.Engine.Sessions;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Vdev;
using Illumos.Engine.Storage.Embedded.Zpl;

namespace Illumos.Engine.Storage.Embedded;

/// <summary>
/// The embedded host's storage facility: ZFS semantics over this engine's own on-disk format.
/// One lock serialises all work; every state-changing call commits its txg before it returns, and a
/// timer commits dirty data left by open write streams every few seconds.
/// </summary>
public sealed partial class EmbeddedStorage : IStorage, IZplHost, IDisposable
{
    public const long DefaultArcBytes = 256L << 20;
    private readonly object _gate = new();
    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly string _cachePath;
    private readonly Timer _timer;
    private bool _disposed;

    public EmbeddedStorage(EmbeddedHost host) : this(host.PathOf("etc", "zfs"), ArcFromEnvironment()) { }

    /// <summary>Storage whose pool cache lives in <paramref name="zfsDirectory"/> (etc/zfs of a host).</summary>
    public EmbeddedStorage(string zfsDirectory, long arcBytes) : this(zfsDirectory, arcBytes, backgroundCommits: true) { }

    /// <summary>Without background commits every txg is an explicit one (the crash harness's worker relies on it).</summary>
    internal EmbeddedStorage(string zfsDirectory, long arcBytes, bool backgroundCommits)
    {
        Directory.CreateDirectory(zfsDirectory);
        _cachePath = Path.Combine(zfsDirectory, "zpool.cache");
        ArcBytes = arcBytes;
        Files = new ZplFiles(this);
        foreach (var e in PoolCache.Load(_cachePath).Pools)
        {
            // The newest label wins: a device that was offline or absent carries an older configuration.
            var config = e.Devices.Select(TryReadLabel).Where(c => c is not null && c.PoolGuid == e.Guid).MaxBy(c => c!.Txg);
            if (config is null) continue; // devices gone: the pool is not listed (zpool would show it UNAVAIL)
            var paths = new Dictionary<ulong, string>();
            foreach (var d in e.Devices) if (TryReadLabel(d) is { } c && c.PoolGuid == e.Guid) paths[c.Guid] = d;
            try
            {
                var pool = Pool.Open(config, paths, e.Name, arcBytes);
                _pools[pool.Name] = pool;
            }
            catch (IllumosException) { /* too many devices missing: not imported (zpool shows it UNAVAIL) */ }
        }
        var period = backgroundCommits ? TimeSpan.FromSeconds(5) : Timeout.InfiniteTimeSpan;
        _timer = new Timer(_ => TimerSync(), null, period, period);
    }

    public long ArcBytes { get; }
    public IZFiles Files { get; }

    private static long ArcFromEnvironment() =>
        Size.TryParse(Environment.GetEnvironmentVariable("ILLUMOS_ARC_MAX"), out var b) && b >= 16 << 20 ? (long)b : DefaultArcBytes;

    private void TimerSync()
    {
        if (!Monitor.TryEnter(_gate)) return;
        try
        {
            if (_disposed) return;
            ActivateSpares();
            foreach (var p in _pools.Values) if (p.IsDirty) p.Sync();
        }
        catch (IllumosException) { /* surfaced again by the next explicit commit */ }
        finally { Monitor.Exit(_gate); }
    }

    internal static LabelConfig? TryReadLabel(string path)
    {
        try
        {
            if (!File.Exists(path) || new FileInfo(path).Length < LeafDevice.MinimumSize) return null;
            using var leaf = new LeafDevice(path, 0);
            return Label.ReadBestConfig(leaf);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IllumosException) { return null; }
    }

    private void SaveCache()
    {
        var cache = new PoolCache();
        foreach (var p in _pools.Values)
            cache.Pools.Add(new PoolCache.Entry(p.Name, p.Guid, p.AllLeaves.Select(l => l.Path).ToList()));
        cache.Save(_cachePath);
    }

    private Pool PoolOf(string name)
    {
        var poolName = name.Split('/', '@', '#')[0];
        return _pools.TryGetValue(poolName, out var p) ? p
            : throw IllumosException.NotFound("PoolNotFound", $"There is no pool named '{poolName}'.", poolName);
    }

    private T Locked<T>(Func<T> f)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ActivateSpares();
            var result = f();
            ActivateSpares();
            return result;
        }
    }

    /// <summary>zed's part: a device that failed since the last call gets a hot spare (under the lock, between operations).</summary>
    private void ActivateSpares()
    {
        foreach (var p in _pools.Values)
        {
            if (!p.NeedsSpare) continue;
            try
            {
                if (p.ActivateSpares()) SaveCache();
            }
            catch (IllumosException) { /* tried again after the next operation */ }
        }
    }

    private void Locked(Action f) => Locked(() => { f(); return 0; });

    // ---- IZplHost ----

    public T Run<T>(string dataset, bool write, Func<ZplContext, T> work) => Locked(() =>
    {
        var pool = PoolOf(dataset);
        var (ds, isSnap) = ResolveForFiles(pool, dataset);
        var head = isSnap ? ds.Head! : ds;
        if (head.Kind != DatasetKind.FileSystem) throw IllumosException.Invalid("DatasetNotFileSystem", $"'{dataset}' is a volume; files live in filesystems.", dataset);
        if (head.Receiving is not null) throw new IllumosException(ErrorKind.ResourceBusy, "DatasetReceiving", $"'{dataset}' is being received (or holds a partial receive); its files are not available until the receive completes.", dataset);
        bool ro = isSnap || pool.Dsl.Props.Get(head, "readonly") == "on";
        if (write && ro)
            throw new IllumosException(ErrorKind.PermissionDenied, isSnap ? "SnapshotReadOnly" : "DatasetReadOnly",
                isSnap ? $"'{dataset}' is a snapshot; snapshots are read-only." : $"'{dataset}' is read-only (readonly=on).", dataset);
        var ctx = new ZplContext
        {
            Os = pool.Dsl.OpenObjectSet(ds), Dataset = head, Name = dataset, ReadOnly = ro, IsSnapshot = isSnap,
            ReserveSpace = n => ReserveSpace(pool, head, n),
            LogWrite = (obj, off, data) =>
            {
                // sync=always: the write is on stable storage before it returns — in the ZIL on a log
                // device when the pool has one, else by committing the txg.
                if (!(pool.Zil.Enabled && pool.Zil.Append(pool.LastTxg + 1, head.Id, obj, off, data))) pool.Sync();
            },
            Prop = p => pool.Dsl.Props.Get(head, p),
            ReportUnrecoverable = obj => pool.RecordReadError(new DataError(dataset, obj, Metadata: false)),
        };
        var result = work(ctx);
        if (write && pool.DirtyBytes > Pool.DirtyMax) pool.Sync();
        return result;
    });

    public void Commit(string dataset) => Locked(() => PoolOf(dataset).Sync());

    private static (Dataset Ds, bool IsSnapshot) ResolveForFiles(Pool pool, string name)
    {
        if (name.Contains('@'))
        {
            var (fs, snap) = NameRules.SplitSnapshot(name);
            var head = pool.Dsl.TryHead(fs) ?? throw DatasetNotFound(fs);
            var s = head.Snapshots.FirstOrDefault(x => x.Name == snap) ?? throw IllumosException.NotFound("SnapshotNotFound", $"There is no snapshot '{name}'.", name);
            return (s, true);
        }
        NameRules.CheckDatasetName(name);
        return (pool.Dsl.TryHead(name) ?? throw DatasetNotFound(name), false);
    }

    internal static IllumosException DatasetNotFound(string name) =>
        IllumosException.NotFound("DatasetNotFound", $"There is no dataset named '{name}'.", name);

    /// <summary>Refuses a write that would exceed refquota, a quota on the dataset or an ancestor, or the pool's free space.</summary>
    private static void ReserveSpace(Pool pool, Dataset head, long bytes)
    {
        var props = pool.Dsl.Props;
        long pending = head.DirtyEstimate + bytes;
        if (ParseLimit(props.Get(head, "refquota")) is { } rq && head.Referenced + pending > rq)
            throw new IllumosException(ErrorKind.QuotaExceeded, "RefQuotaExceeded", $"Writing would exceed the refquota of '{head.Name}' ({Size.Format(rq)}).", head.Name);
        for (var d = head; d is not null; d = pool.Dsl.ParentOf(d))
        {
            if (ParseLimit(props.Get(d, "quota")) is { } q && (long)UsedOf(pool, d) + pending > q)
                throw new IllumosException(ErrorKind.QuotaExceeded, "QuotaExceeded", $"Writing would exceed the quota of '{d.Name}' ({Size.Format(q)}).", d.Name);
        }
        long free = pool.DataFree - pool.Slop;
        long dirty = pool.DirtyBytes + bytes;
        if (dirty > free)
            throw new IllumosException(ErrorKind.QuotaExceeded, "PoolOutOfSpace", $"Pool '{pool.Name}' is out of space.", pool.Name);
        head.DirtyEstimate += bytes;
    }

    internal static long? ParseLimit(string v) => v is "none" or "0" or "-" or "" ? null : long.Parse(v, System.Globalization.CultureInfo.InvariantCulture);

    internal static ulong UsedOf(Pool pool, Dataset head) =>
        (ulong)Math.Max(0, head.UsedHead + head.UsedSnap) + pool.Dsl.ChildrenOf(head).Aggregate(0UL, (s, c) => s + UsedOf(pool, c)) + RefreservationUsed(pool, head);

    internal static ulong RefreservationUsed(Pool pool, Dataset head) =>
        ParseLimit(pool.Dsl.Props.Get(head, "refreservation")) is { } r && r > head.UsedHead ? (ulong)(r - head.UsedHead) : 0;

    /// <summary>The engine's pool object (white-box tests).</summary>
    internal Pool PoolForTests(string name) => Locked(() => PoolOf(name));

    /// <summary>Closes everything without committing, as if the process died (crash tests).</summary>
    internal void CrashForTests()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
            foreach (var p in _pools.Values) p.CrashForTests();
            _pools.Clear();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _timer.Dispose();
            foreach (var p in _pools.Values)
            {
                try { p.Sync(); } catch (IllumosException) { }
                p.Dispose();
            }
            _pools.Clear();
        }
    }
}
