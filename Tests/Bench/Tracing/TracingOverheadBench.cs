using System.Diagnostics;
using Illumos.Engine;
using Illumos.Engine.Languages.D;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;
using Illumos.Engine.Tracing;

namespace Illumos.Bench.Tracing;

/// <summary>
/// What tracing costs the storage write path. Enabled: the same sequential write through the embedded storage
/// (16 KiB writes, so that the zfs:::write site fires often) with no tracing and with
/// <c>zfs:::write { @[args[0]] = count(); }</c> enabled, in back-to-back pairs (each side first in half of them); the median of the pairs' ratios is the
/// overhead (end to end, so it carries the machine's noise); the cost of one firing is measured on its own by
/// firing the zfs:::write site as the write path does (a dataset string and three integers) with the clause
/// enabled. Disabled: a build without the probe sites does not exist in the same run to compare with, so the
/// disabled cost is measured where it lives — a loop with the guard (<c>if (site.Enabled)</c>) against the same
/// loop without it — and the whole guarded iteration (an upper bound of the guard's cost) is multiplied by the
/// number of guards the write crossed (the firings counted in the enabled run), as a share of the untraced write time.
/// </summary>
public sealed class TracingOverheadBench : IBenchmark
{
    public string Name => "tracing-overhead";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        long total = context.Quick ? 32L << 20 : 256L << 20;
        const int writeSize = 16 << 10;
        int rounds = context.Quick ? 3 : 5;
        var dir = Path.Combine(context.WorkDirectory, "tracing-overhead");
        Directory.CreateDirectory(dir);
        var storage = new EmbeddedStorage(Path.Combine(dir, "host", "etc", "zfs"), EmbeddedStorage.DefaultArcBytes);
        var offs = new List<double>();
        var ons = new List<double>();
        var pairRatios = new List<double>();
        long firings = 0;
        try
        {
            storage.CreatePool(new PoolCreateRequest
            {
                Name = "tbench", Vdevs = VdevSpec.Parse([Path.Combine(dir, "d1")]),
                CreateFileDevicesOfSize = (ulong)(total * 6 + (512L << 20)),   // three files rewritten per round; freed space returns at txg sync
                FileSystemProperties = new Dictionary<string, string> { ["compression"] = "off" },
            }, NullSink.Instance, default);
            storage.CreateFileSystem("tbench/data", null, false, default);
            var data = new byte[writeSize];
            new Random(7).NextBytes(data);
            Write(storage, data, total, "/warmup");   // tier up the write path before measuring
            for (int r = 0; r < rounds; r++)
            {
                // Pairs run back to back share the machine's state (page cache writeback, other load), so the
                // ratio is taken per pair and the median of the pairs reported; the order alternates because
                // the second run of a pair pays for the txg syncs the first left behind.
                double off = 0, on;
                if (r % 2 == 0) off = Write(storage, data, total, "/off");
                (on, firings) = Traced(storage, data, total);
                if (r % 2 == 1) off = Write(storage, data, total, "/off");
                offs.Add(off);
                ons.Add(on);
                pairRatios.Add(on / off);
            }
        }
        finally { storage.Dispose(); }
        if (firings < total / writeSize) throw new InvalidOperationException($"zfs:::write fired {firings} times for {total / writeSize} writes");
        double medianOff = Median(offs), medianOn = Median(ons);

        // one enabled firing, as the write path fires it
        long m = context.Quick ? 200_000 : 2_000_000;
        double firingNs = FiringCost(m);

        // the disabled guard, against the same loop without it (a site no session enables)
        var idle = ProbeRegistry.Register("bench", "overhead", "guard", "idle", new ProbeArgument(0, "int64_t"));
        long n = context.Quick ? 50_000_000 : 200_000_000;
        Loop(n / 10, null); Loop(n / 10, idle);   // tier up both
        double empty = Loop(n, null), guarded = Loop(n, idle);
        double iterationNs = guarded * 1e9 / n, marginalNs = (guarded - empty) * 1e9 / n;
        double disabledShare = firings * iterationNs / 1e9 / medianOff;
        double enabledRatio = Median(pairRatios);
        double enabledShare = firings * firingNs / 1e9 / medianOff;
        context.Log.WriteLine($"   {total >> 20} MiB in {writeSize >> 10} KiB writes: untraced {medianOff:0.000} s, traced {medianOn:0.000} s (medians; pair ratios {string.Join(" ", pairRatios.Select(x => x.ToString("0.00")))}), {firings} firings of {firingNs:0} ns; guarded iteration {iterationNs:0.00} ns (guard alone {marginalNs:0.00} ns)");
        yield return new BenchResult($"write {total >> 20} MiB, zfs:::write {{ @[args[0]] = count(); }} enabled vs untraced (median of paired runs)", medianOn, "s", medianOff, enabledRatio, "<=1.2");
        yield return new BenchResult("enabled zfs:::write firing, @[args[0]] = count() clause (ns per firing)", firingNs, "ns", null, null, null);
        yield return new BenchResult("enabled firings' share of the untraced write (firings x ns per firing)", enabledShare, "share", null, enabledShare, "<=0.2");
        yield return new BenchResult("disabled probe guard: marginal cost vs the loop without it (ns)", marginalNs, "ns", null, null, null);
        yield return new BenchResult("disabled sites' share of the untraced write (guards crossed x guarded iteration)", disabledShare, "share", null, disabledShare, "<=0.02");
    }

    private static double Median(List<double> xs)
    {
        var sorted = xs.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static double FiringCost(long n)
    {
        double seconds = 0;
        long count = Counting(() =>
        {
            for (long i = 0; i < n / 10; i++) ZfsProbes.Write.FireWith("tbench/data", 1L, i << 14, 16384L);   // tier up
            var sw = Stopwatch.StartNew();
            for (long i = 0; i < n; i++) ZfsProbes.Write.FireWith("tbench/data", 1L, i << 14, 16384L);
            seconds = sw.Elapsed.TotalSeconds;
        });
        if (count != n + n / 10) throw new InvalidOperationException("count() mismatch in the firing loop");
        return seconds * 1e9 / n;
    }

    /// <summary>Runs <paramref name="work"/> while <c>zfs:::write { @[args[0]] = count(); }</c> is enabled; returns the count.</summary>
    private static long Counting(Action work)
    {
        var prog = DCompiler.Compile("zfs:::write { @[args[0]] = count(); }", new DCompileOptions { Options = new Illumos.Engine.Tracing.TraceOptions { Quiet = true } });
        var run = new TraceRun(prog, TextWriter.Null, TextWriter.Null);
        using var stop = new CancellationTokenSource();
        var consumer = new Thread(() => run.Run(new RunLimits { Cancel = stop.Token }));
        consumer.Start();
        try
        {
            while (!ZfsProbes.Write.Enabled) Thread.Sleep(1);
            work();
        }
        finally
        {
            stop.Cancel();
            consumer.Join();
        }
        return run.Aggs[0].Data.Values.Single().A;
    }

    private static double Write(EmbeddedStorage storage, byte[] data, long total, string file)
    {
        var sw = Stopwatch.StartNew();
        using (var s = storage.Files.OpenWrite("tbench/data", file, FileMode.Create, default))
        {
            for (long done = 0; done < total; done += data.Length)
            {
                BitConverter.TryWriteBytes(data.AsSpan(0, 8), done);   // every block distinct
                s.Write(data);
            }
        }
        return sw.Elapsed.TotalSeconds;
    }

    private static (double Seconds, long Firings) Traced(EmbeddedStorage storage, byte[] data, long total)
    {
        double seconds = 0;
        long firings = Counting(() => seconds = Write(storage, data, total, "/on"));
        return (seconds, firings);
    }

    private static double Loop(long n, ProbeSite? site)
    {
        long sink = 0;
        var sw = Stopwatch.StartNew();
        if (site is null)
            for (long i = 0; i < n; i++) sink += i;
        else
            for (long i = 0; i < n; i++) { if (site.Enabled) site.Fire(i); sink += i; }
        double t = sw.Elapsed.TotalSeconds;
        GC.KeepAlive(sink);
        return t;
    }
}
