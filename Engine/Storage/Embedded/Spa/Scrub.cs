using System.Text.Json;
using System.Text.Json.Serialization;
using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>A block that no copy could deliver: where it belongs.</summary>
public readonly record struct DataError(string Dataset, ulong Object, bool Metadata);

/// <summary>
/// A position in the scan's traversal order (ZFS's zbookmark): root (0 the MOS, else the DSL id of
/// the dataset), then object, phase (-1 the objset block, 0 meta-dnode blocks, named by the first
/// object they hold, 1 the object's own blocks), first level-0 block, and minus the level, so that a
/// parent sorts before its first child. The walk visits blocks in increasing order of this key.
/// </summary>
public readonly record struct ScanBookmark(ulong Root, ulong Object, int Phase, long Blk, int NegLevel) : IComparable<ScanBookmark>
{
    public static readonly ScanBookmark Start = new(0, 0, int.MinValue, 0, 0);

    public int CompareTo(ScanBookmark o)
    {
        int c = Root.CompareTo(o.Root);
        if (c == 0) c = Object.CompareTo(o.Object);
        if (c == 0) c = Phase.CompareTo(o.Phase);
        if (c == 0) c = Blk.CompareTo(o.Blk);
        if (c == 0) c = NegLevel.CompareTo(o.NegLevel);
        return c;
    }

    public static bool operator <=(ScanBookmark a, ScanBookmark b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ScanBookmark a, ScanBookmark b) => a.CompareTo(b) >= 0;
    public static bool operator <(ScanBookmark a, ScanBookmark b) => a.CompareTo(b) < 0;
    public static bool operator >(ScanBookmark a, ScanBookmark b) => a.CompareTo(b) > 0;
}

/// <summary>
/// The scan state kept in the MOS (ZFS's dsl_scan_phys_t), rewritten in every txg while a scan runs:
/// function, state, times, the txg it scans up to, the figures, the resume bookmark and the blocks
/// it could not repair. A scrub or resilver therefore survives export, import and a crash, and
/// continues from the last committed bookmark; a finished one keeps its summary.
/// </summary>
public sealed class ScanPhys
{
    public const int MaxRecordedErrors = 1024;
    public ZScanFunction Function { get; set; }
    public ZScanState State { get; set; }
    public long StartTime { get; set; }
    public long? EndTime { get; set; }
    public long? PauseTime { get; set; }
    public ulong MaxTxg { get; set; }
    public long ToExamine { get; set; }
    public long Examined { get; set; }
    public long Repaired { get; set; }
    public long Errors { get; set; }
    /// <summary>Bytes actually read (a resilver skips data blocks that have no copy on a vdev being resilvered).</summary>
    public long Issued { get; set; }
    /// <summary>A resilver's top-level vdevs (those with a device being rebuilt); null: all of them.</summary>
    public List<int>? ResilverTops { get; set; }
    public ScanBookmark Bookmark { get; set; } = ScanBookmark.Start;
    public List<DataError> DataErrors { get; set; } = new();

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, IncludeFields = true };
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(this, Json);
    public static ScanPhys? Deserialize(ReadOnlySpan<byte> b)
    {
        if (b.IsEmpty) return null;
        try { return JsonSerializer.Deserialize<ScanPhys>(b, Json); }
        catch (JsonException e) { throw new IllumosException(ErrorKind.InvalidData, "ScanStateCorrupt", $"The pool's scan state is unreadable: {e.Message}", null, e); }
    }
}

/// <summary>
/// Scrub: walks every block reachable from the MOS and from every dataset, snapshot and clone as of
/// the txg it starts at — each snapshot chain visits a shared block once, because every dataset is
/// walked only for blocks born after its previous snapshot (clones: after their origin) — and
/// verifies every copy, every mirror side and raidz parity, repairing what is bad. Frees are held
/// while it runs so no block it is going to read is reused. It runs on a worker thread; pause,
/// resume and cancel are flags the worker checks between blocks. Its position and figures are
/// committed with every txg (<see cref="ScanPhys"/>); a scan resumed after import walks the pool's
/// current state from the bookmark on, skipping what was done and verifying only blocks born up to
/// the txg it started at (later blocks were written, hence verified, after it began).
/// </summary>
public sealed class Scrub
{
    private readonly Pool _pool;
    private readonly CancellationTokenSource _cancel = new();
    private readonly ManualResetEventSlim _running = new(true);
    private readonly object _sync = new();
    private readonly List<(BlockPointer Root, ulong MinBirth, string Dataset, ulong Key)> _roots;
    private readonly ScanBookmark _resumeFrom;
    private ScanBookmark _position;
    private long _examined, _issued, _repaired, _errors;
    private readonly HashSet<int>? _targets;
    private volatile bool _interrupted;
    private Thread? _worker;

    private Scrub(Pool pool, ScanPhys phys, List<(BlockPointer, ulong, string, ulong)> roots)
    {
        _pool = pool;
        _roots = roots;
        Function = phys.Function;
        State = phys.State;
        StartTime = DateTimeOffset.FromUnixTimeMilliseconds(phys.StartTime);
        EndTime = phys.EndTime is { } e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null;
        PauseTime = phys.PauseTime is { } p ? DateTimeOffset.FromUnixTimeMilliseconds(p) : null;
        MaxTxg = phys.MaxTxg;
        ToExamine = phys.ToExamine;
        _examined = phys.Examined;
        _issued = phys.Issued;
        ResilverTops = phys.ResilverTops;
        _targets = phys.Function == ZScanFunction.Resilver && phys.ResilverTops is { } t ? t.ToHashSet() : null;
        _repaired = phys.Repaired;
        _errors = phys.Errors;
        _resumeFrom = _position = phys.Bookmark;
        DataErrors.AddRange(phys.DataErrors);
        PassStart = DateTimeOffset.Now;
        PassExamined = phys.Examined;
        if (State == ZScanState.Paused) _running.Reset();
    }

    /// <summary>
    /// A new scan of the pool's committed state (the caller has just committed). A resilver given
    /// <paramref name="resilverTops"/> reads only the data blocks with a copy on those top-level vdevs
    /// (ZFS resilvers only what lives on the device being rebuilt); it still reads the metadata it
    /// walks through, wherever it lives.
    /// </summary>
    public static Scrub Begin(Pool pool, ZScanFunction function, IReadOnlyCollection<int>? resilverTops = null) => new(pool, new ScanPhys
    {
        Function = function, State = ZScanState.Scanning, StartTime = DateTimeOffset.Now.ToUnixTimeMilliseconds(),
        MaxTxg = pool.LastTxg, ToExamine = pool.Allocated,
        ResilverTops = function == ZScanFunction.Resilver ? resilverTops?.Order().ToList() : null,
    }, Roots(pool, pool.LastTxg));

    /// <summary>The scan a pool's MOS recorded: a finished or canceled one to report, or one to continue.</summary>
    public static Scrub FromPhys(Pool pool, ScanPhys phys) =>
        new(pool, phys, phys.State is ZScanState.Scanning or ZScanState.Paused ? Roots(pool, phys.MaxTxg) : new());

    /// <summary>The MOS, then every dataset, snapshot and clone that existed at <paramref name="maxTxg"/>, in DSL id order.</summary>
    private static List<(BlockPointer, ulong, string, ulong)> Roots(Pool p, ulong maxTxg)
    {
        var roots = new List<(BlockPointer, ulong, string, ulong)> { (p.LastMosRoot, 0, "<metadata>", 0) };
        foreach (var h in p.Dsl.Heads)
        {
            foreach (var s in h.Snapshots.Where(s => s.CreateTxg <= maxTxg)) roots.Add((s.Root, s.PrevSnapTxg, s.FullName, s.Id));
            if (h.CreateTxg <= maxTxg) roots.Add((h.Root, h.PrevSnapTxg, h.Name, h.Id));
        }
        roots.Sort((a, b) => a.Item4.CompareTo(b.Item4));
        return roots;
    }

    public DateTimeOffset StartTime { get; }
    /// <summary>Scrub, or resilver (the same walk, started because a device came back or was replaced).</summary>
    public ZScanFunction Function { get; }
    public DateTimeOffset? EndTime { get; private set; }
    public DateTimeOffset? PauseTime { get; private set; }
    /// <summary>Blocks born after this txg are new writes, not scanned.</summary>
    public ulong MaxTxg { get; }
    public long ToExamine { get; }
    public long Examined => Interlocked.Read(ref _examined);
    public long Issued => Interlocked.Read(ref _issued);
    /// <summary>See <see cref="ScanPhys.ResilverTops"/>.</summary>
    public List<int>? ResilverTops { get; }
    public long Repaired => Interlocked.Read(ref _repaired);
    public long Errors => Interlocked.Read(ref _errors);
    /// <summary>Since when this process has been scanning (rates are per pass, as zpool status shows them).</summary>
    public DateTimeOffset PassStart { get; private set; }
    public long PassExamined { get; private set; }
    public ZScanState State { get; private set; }
    public bool IsActive => State is ZScanState.Scanning or ZScanState.Paused;
    public List<DataError> DataErrors { get; } = new();
    /// <summary>Set when the state changed since it was last committed.</summary>
    public bool Dirty { get; private set; } = true;
    public Action? Finished { get; set; }

    /// <summary>The state to commit, taken consistently with the bookmark.</summary>
    public ScanPhys Snapshot()
    {
        lock (_sync)
        {
            Dirty = false;
            List<DataError> errs;
            lock (DataErrors) errs = DataErrors.Distinct().Take(ScanPhys.MaxRecordedErrors).ToList();
            return new ScanPhys
            {
                Function = Function, State = State, StartTime = StartTime.ToUnixTimeMilliseconds(), EndTime = EndTime?.ToUnixTimeMilliseconds(),
                PauseTime = PauseTime?.ToUnixTimeMilliseconds(), MaxTxg = MaxTxg, ToExamine = ToExamine,
                Examined = Examined, Issued = Issued, Repaired = Repaired, Errors = Errors, Bookmark = _position, DataErrors = errs,
                ResilverTops = ResilverTops,
            };
        }
    }

    /// <summary>Starts the worker (a paused scan starts waiting for <see cref="Resume"/>).</summary>
    public void Start()
    {
        if (!IsActive || _worker is not null) return;
        _worker = new Thread(Run) { IsBackground = true, Name = "scrub " + _pool.Name };
        _worker.Start();
    }

    public void Pause()
    {
        lock (_sync)
        {
            if (State != ZScanState.Scanning) return;
            State = ZScanState.Paused;
            PauseTime = DateTimeOffset.Now;
            Dirty = true;
            _running.Reset();
        }
    }

    public void Resume()
    {
        lock (_sync)
        {
            if (State != ZScanState.Paused) return;
            State = ZScanState.Scanning;
            PauseTime = null;
            PassStart = DateTimeOffset.Now;
            PassExamined = Examined;
            Dirty = true;
            _running.Set();
        }
        Start();
    }

    /// <summary>zpool scrub -s: the scan ends as canceled.</summary>
    public void Cancel()
    {
        _cancel.Cancel();
        _running.Set();
        _worker?.Join();
        lock (_sync)
        {
            if (!IsActive) return;
            State = ZScanState.Canceled;
            EndTime ??= DateTimeOffset.Now;
            Dirty = true;
        }
    }

    /// <summary>Export, close or crash: the worker stops, the scan stays active (it resumes at the next import).</summary>
    public void Interrupt()
    {
        _interrupted = true;
        _cancel.Cancel();
        _running.Set();
        _worker?.Join();
    }

    public void Wait() => _worker?.Join();

    private void Run()
    {
        try
        {
            foreach (var (root, min, ds, key) in _roots)
            {
                if (new ScanBookmark(key + 1, 0, int.MinValue, 0, 0) <= _resumeFrom) continue;
                Walk(root, min, ds, key, 0, phase: -1, blkBase: 0);
            }
            lock (_sync) { State = ZScanState.Finished; EndTime = DateTimeOffset.Now; Dirty = true; }
            // Every block was judged again: the errors ordinary reads logged are superseded by this scrub's.
            if (Function == ZScanFunction.Scrub) _pool.ForgetReadErrors();
        }
        catch (OperationCanceledException) when (_interrupted) { return; }
        catch (OperationCanceledException) { lock (_sync) { State = ZScanState.Canceled; EndTime = DateTimeOffset.Now; Dirty = true; } }
        catch (IllumosException) when (_interrupted) { return; }
        catch (IllumosException) { lock (_sync) { State = ZScanState.Canceled; EndTime = DateTimeOffset.Now; Dirty = true; } }
        Finished?.Invoke();
    }

    private static long Span(int level) => level >= 9 ? long.MaxValue / 2 : 1L << (DmuObject.IndirectShift * level);

    /// <summary>
    /// Visits a block and what it points to. <paramref name="phase"/> -1: the objset block; 0: a
    /// meta-dnode block (<paramref name="blkBase"/> in dnode blocks); 1: a block of object <paramref name="obj"/>.
    /// </summary>
    private void Walk(in BlockPointer bp, ulong min, string ds, ulong root, ulong obj, int phase, long blkBase)
    {
        if (bp.IsHole || bp.Birth <= min) return;
        if (_pool.ScanThrottleForTests > 0) Thread.Sleep(_pool.ScanThrottleForTests);
        _running.Wait();
        _cancel.Token.ThrowIfCancellationRequested();
        ScanBookmark key, end;
        long span = Span(bp.Level);
        switch (phase)
        {
            case -1:
                key = new(root, 0, -1, 0, 0);
                end = new(root + 1, 0, int.MinValue, 0, 0);
                break;
            case 0:
                key = new(root, (ulong)blkBase * ObjectSet.DnodesPerBlock, 0, 0, -bp.Level);
                end = new(root, (ulong)(blkBase + span) * ObjectSet.DnodesPerBlock, 0, 0, int.MinValue);
                break;
            default:
                key = new(root, obj, 1, blkBase, -bp.Level);
                end = new(root, obj, 1, blkBase + span, int.MinValue);
                break;
        }
        if (end <= _resumeFrom) return; // done before the scan was interrupted
        // Done before, or written after the scan began: read (to find what it points to), not counted.
        bool count = key > _resumeFrom && bp.Birth <= MaxTxg;
        // A resilver need not read a file block that has no copy on a vdev being rebuilt: nothing is
        // walked beneath it, and its copies elsewhere are not what the resilver is for.
        if (phase == 1 && bp.Level == 0 && _targets is not null && !OnTarget(bp))
        {
            if (count)
            {
                Interlocked.Add(ref _examined, (long)bp.PSize * bp.Copies);
                lock (_sync) { _position = key; Dirty = true; }
            }
            return;
        }
        var physical = Verify(bp, ds, obj, count);
        if (physical is null) return;
        if (count) lock (_sync) { _position = key; Dirty = true; }
        if (phase == -1)
        {
            var meta = Dnode.Read(Logical(bp, physical));
            Walk(meta.Root, min, ds, root, 0, 0, 0);
            return;
        }
        if (bp.Level > 0)
        {
            var raw = Logical(bp, physical);
            long childSpan = Span(bp.Level - 1);
            for (int i = 0; i < DmuObject.IndirectCount; i++)
                Walk(BlockPointer.Read(raw.AsSpan(i * BlockPointer.Size)), min, ds, root, obj, phase, blkBase + i * childSpan);
            return;
        }
        if (phase == 0 && bp.Type == BlockType.Dnodes)
        {
            var raw = Logical(bp, physical);
            for (int i = 0; i < ObjectSet.DnodesPerBlock; i++)
            {
                if (raw[i * Dnode.Size] == 0) continue;
                var dn = Dnode.Read(raw.AsSpan(i * Dnode.Size, Dnode.Size));
                Walk(dn.Root, min, ds, root, (ulong)(blkBase * ObjectSet.DnodesPerBlock + i), 1, 0);
            }
        }
    }

    private bool OnTarget(in BlockPointer bp)
    {
        for (int i = 0; i < bp.Copies; i++)
            if (_targets!.Contains((int)bp.GetDva(i).Vdev)) return true;
        return false;
    }

    private static byte[] Logical(in BlockPointer bp, byte[] physical)
    {
        if (bp.Compression == Compression.CompressionKind.Off) return physical.Length == bp.LSize ? physical : physical[..bp.LSize];
        var l = new byte[bp.LSize];
        Compression.BlockCompression.Decompress(bp.Compression, physical, l);
        return l;
    }

    /// <summary>Reads and checks every copy of a block; heals bad copies from a good one. Returns good physical bytes or null.</summary>
    private byte[]? Verify(in BlockPointer bp, string ds, ulong obj, bool count)
    {
        var expected = bp.Checksum;
        var kind = bp.ChecksumKind;
        bool Check(ReadOnlySpan<byte> d) => kind == ChecksumKind.Off || BlockChecksum.Compute(kind, d) == expected;
        byte[]? good = null;
        var badCopies = new List<Dva>();
        long examined = 0, repaired = 0;
        for (int i = 0; i < bp.Copies; i++)
        {
            var d = bp.GetDva(i);
            if (d.Vdev >= _pool.Tops.Count) { badCopies.Add(d); continue; }
            var buf = new byte[bp.PSize];
            var r = _pool.Tops[(int)d.Vdev].Read((long)d.Offset, buf, Check, scrub: true);
            examined += bp.PSize;
            repaired += r.Repaired;
            if (r.Ok) good ??= buf;
            else badCopies.Add(d);
        }
        if (good is not null)
            foreach (var d in badCopies.Where(d => d.Vdev < _pool.Tops.Count))
            {
                _pool.Tops[(int)d.Vdev].Write((long)d.Offset, good);
                repaired += good.Length;
            }
        if (!count) return good;
        Interlocked.Add(ref _examined, examined);
        Interlocked.Add(ref _issued, examined);
        Interlocked.Add(ref _repaired, repaired);
        if (good is null)
        {
            Interlocked.Increment(ref _errors);
            lock (DataErrors) DataErrors.Add(new DataError(ds, obj, bp.Type != BlockType.Data));
        }
        return good;
    }
}
