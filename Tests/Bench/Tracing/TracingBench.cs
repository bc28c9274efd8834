using System.Diagnostics;
using Illumos.Engine.Languages.D;
using Illumos.Engine.Tracing;

namespace Illumos.Bench.Tracing;

/// <summary>
/// Compiled-clause throughput: a clause with a predicate and a sum() aggregation on a synthetic
/// probe, fired through the probe site (the path engine providers use) and called directly, on one
/// core, against an empty delegate call measured in the same run.
/// </summary>
public sealed class TracingBench : IBenchmark
{
    public string Name => "tracing";

    private static readonly ProbeSite Synthetic = ProbeRegistry.Register("bench", "synthetic", "fire", "entry", new ProbeArgument(0, "int64_t"));

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        _ = Synthetic.Id;   // make sure the provider has published its probe
        long n = context.Quick ? 2_000_000 : 20_000_000;
        const string script = "bench:synthetic:fire:entry /arg0 > 10/ { @s = sum(arg0); }";

        // baseline: an empty delegate call per firing
        Action<long> empty = static _ => { };
        double baseline = Measure(n, i => empty(i));

        // the compiled clause alone
        var prog = DCompiler.Compile(script, new DCompileOptions { Options = new Illumos.Engine.Tracing.TraceOptions { Quiet = true } });
        var run = new TraceRun(prog, TextWriter.Null, TextWriter.Null);
        var frame = new Frame { R = run, GI = run.GI, GS = run.GS, GA = run.GA, GArr = run.GArr, Aggs = run.Aggs, Mem = run.Mem, Statics = run.Statics };
        var fn = prog.Ecbs[0].Fn;
        double direct = Measure(n, i => { frame.Args[0] = i & 31; fn(frame); });
        long expect = 0;
        foreach (long count in new[] { Math.Min(n, 100_000), n })   // warm-up and measured firings
            for (long i = 0; i < count; i++) { long v = i & 31; if (v > 10) expect += v; }
        if (run.Aggs[0].Data.Values.Single().A != expect) throw new InvalidOperationException("sum mismatch in the direct run");

        // through the probe site and the run's consumer (lock, argument copy, ECB dispatch)
        var prog2 = DCompiler.Compile(script, new DCompileOptions { Options = new Illumos.Engine.Tracing.TraceOptions { Quiet = true } });
        var run2 = new TraceRun(prog2, TextWriter.Null, TextWriter.Null);
        var stop = new CancellationTokenSource();
        var runner = new Thread(() => run2.Run(new RunLimits { Cancel = stop.Token }));
        runner.Start();
        while (!Synthetic.Enabled) Thread.Sleep(1);
        double viaSite = Measure(n, i => Synthetic.Fire(i & 31));
        stop.Cancel();
        runner.Join();

        // a disabled site: the guard alone
        var disabled = ProbeRegistry.Register("bench", "synthetic", "fire", "disabled");
        double guard = Measure(n, i => { if (disabled.Enabled) disabled.Fire(i); });

        context.Log.WriteLine($"   empty delegate {baseline / 1e6:0.0} M/s, clause {direct / 1e6:0.0} M/s, via probe site {viaSite / 1e6:0.0} M/s, disabled guard {guard / 1e6:0.0} M/s");
        yield return new BenchResult("baseline: empty delegate calls/s", baseline, "calls/s", null, null, null);
        yield return new BenchResult("clause /arg0 > 10/ @s = sum(arg0): firings/s (direct)", direct, "fire/s", 10_000_000, direct / 10_000_000, ">=1.0");
        yield return new BenchResult("same clause through the probe site: firings/s", viaSite, "fire/s", 10_000_000, viaSite / 10_000_000, ">=1.0");
        yield return new BenchResult("clause cost relative to an empty delegate call", baseline / direct, "x", baseline, baseline / direct, null);
        yield return new BenchResult("disabled probe site guard: checks/s", guard, "calls/s", baseline, guard / baseline, null);
    }

    private static double Measure(long n, Action<long> body)
    {
        for (long i = 0; i < Math.Min(n, 100_000); i++) body(i);   // warm up and tier up
        var sw = Stopwatch.StartNew();
        for (long i = 0; i < n; i++) body(i);
        sw.Stop();
        return n / sw.Elapsed.TotalSeconds;
    }
}
