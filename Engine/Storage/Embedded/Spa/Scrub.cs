using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Spa;

/// <summary>A block that no copy could deliver: where it belongs.</summary>
public readonly record struct DataError(string Dataset, ulong Object, bool Metadata);

/// <summary>
/// Scrub: walks every block reachable from the MOS and from every dataset, snapshot and clone as of
/// the txg it starts at — each snapshot chain visits a shared block once, because every dataset is
/// walked only for blocks born after its previous snapshot (clones: after their origin) — and
/// verifies every copy, every mirror side and raidz parity, repairing what is bad. Frees are held
/// while it runs so no block it is going to read is reused. It runs on a worker thread; pause,
/// resume and cancel are flags the worker checks between blocks.
/// </summary>
public sealed class Scrub
{
    private readonly Pool _pool;
    private readonly CancellationTokenSource _cancel = new();
    private readonly ManualResetEventSlim _running = new(true);
    private readonly List<(BlockPointer Root, ulong MinBirth, string Dataset)> _roots;
    private long _examined, _repaired, _errors;
    private Thread? _worker;

    public Scrub(Pool pool, List<(BlockPointer Root, ulong MinBirth, string Dataset)> roots, long toExamine)
    {
        _pool = pool;
        _roots = roots;
        ToExamine = toExamine;
        StartTime = DateTimeOffset.Now;
    }

    public DateTimeOffset StartTime { get; }
    /// <summary>Scrub, or resilver (the same walk, started because a device came back or was replaced).</summary>
    public ZScanFunction Function { get; init; } = ZScanFunction.Scrub;
    public DateTimeOffset? EndTime { get; private set; }
    public DateTimeOffset? PauseTime { get; private set; }
    public long ToExamine { get; }
    public long Examined => Interlocked.Read(ref _examined);
    public long Repaired => Interlocked.Read(ref _repaired);
    public long Errors => Interlocked.Read(ref _errors);
    public ZScanState State { get; private set; } = ZScanState.Scanning;
    public List<DataError> DataErrors { get; } = new();
    public Action? Finished { get; set; }

    public void Start()
    {
        _worker = new Thread(Run) { IsBackground = true, Name = "scrub " + _pool.Name };
        _worker.Start();
    }

    public void Pause() { if (State == ZScanState.Scanning) { State = ZScanState.Paused; PauseTime = DateTimeOffset.Now; _running.Reset(); } }
    public void Resume() { if (State == ZScanState.Paused) { State = ZScanState.Scanning; PauseTime = null; _running.Set(); } }

    public void Cancel()
    {
        _cancel.Cancel();
        _running.Set();
        _worker?.Join();
    }

    public void Wait() => _worker?.Join();

    private void Run()
    {
        try
        {
            foreach (var (root, min, ds) in _roots) Walk(root, min, ds, 0, isObjset: true);
            State = ZScanState.Finished;
        }
        catch (OperationCanceledException) { State = ZScanState.Canceled; }
        catch (IllumosException) { State = ZScanState.Canceled; }
        EndTime = DateTimeOffset.Now;
        Finished?.Invoke();
    }

    private void Walk(in BlockPointer bp, ulong min, string ds, ulong obj, bool isObjset, long blkBase = 0)
    {
        if (bp.IsHole || bp.Birth <= min) return;
        _running.Wait();
        _cancel.Token.ThrowIfCancellationRequested();
        var physical = Verify(bp, ds, obj);
        if (physical is null) return;
        if (isObjset)
        {
            var meta = Dnode.Read(Logical(bp, physical));
            Walk(meta.Root, min, ds, 0, false);
            return;
        }
        if (bp.Level > 0)
        {
            var raw = Logical(bp, physical);
            long span = 1L << (DmuObject.IndirectShift * (bp.Level - 1));
            for (int i = 0; i < DmuObject.IndirectCount; i++)
                Walk(BlockPointer.Read(raw.AsSpan(i * BlockPointer.Size)), min, ds, obj, false, blkBase + i * span);
            return;
        }
        if (bp.Type == BlockType.Dnodes)
        {
            var raw = Logical(bp, physical);
            for (int i = 0; i < ObjectSet.DnodesPerBlock; i++)
            {
                if (raw[i * Dnode.Size] == 0) continue;
                var dn = Dnode.Read(raw.AsSpan(i * Dnode.Size, Dnode.Size));
                Walk(dn.Root, min, ds, (ulong)(blkBase * ObjectSet.DnodesPerBlock + i), false);
            }
        }
    }

    private static byte[] Logical(in BlockPointer bp, byte[] physical)
    {
        if (bp.Compression == Compression.CompressionKind.Off) return physical.Length == bp.LSize ? physical : physical[..bp.LSize];
        var l = new byte[bp.LSize];
        Compression.BlockCompression.Decompress(bp.Compression, physical, l);
        return l;
    }

    /// <summary>Reads and checks every copy of a block; heals bad copies from a good one. Returns good physical bytes or null.</summary>
    private byte[]? Verify(in BlockPointer bp, string ds, ulong obj)
    {
        var expected = bp.Checksum;
        var kind = bp.ChecksumKind;
        bool Check(ReadOnlySpan<byte> d) => kind == ChecksumKind.Off || BlockChecksum.Compute(kind, d) == expected;
        byte[]? good = null;
        var badCopies = new List<Dva>();
        for (int i = 0; i < bp.Copies; i++)
        {
            var d = bp.GetDva(i);
            var buf = new byte[bp.PSize];
            var r = _pool.Tops[(int)d.Vdev].Read((long)d.Offset, buf, Check, scrub: true);
            Interlocked.Add(ref _examined, bp.PSize);
            Interlocked.Add(ref _repaired, r.Repaired);
            if (r.Ok) good ??= buf;
            else badCopies.Add(d);
        }
        if (good is null)
        {
            Interlocked.Increment(ref _errors);
            lock (DataErrors) DataErrors.Add(new DataError(ds, obj, bp.Type != BlockType.Data));
            return null;
        }
        foreach (var d in badCopies)
        {
            _pool.Tops[(int)d.Vdev].Write((long)d.Offset, good);
            Interlocked.Add(ref _repaired, good.Length);
        }
        return good;
    }
}
