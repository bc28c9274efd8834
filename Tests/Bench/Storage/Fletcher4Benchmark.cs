using System.Diagnostics;
using Illumos.Engine.Storage.Embedded.Checksums;

namespace Illumos.Bench.Storage;

/// <summary>
/// fletcher4 throughput on 128 KiB blocks against memcpy of the same blocks: the same source buffer,
/// both warmed up, timed in alternating rounds (so clock and cache conditions are shared) and
/// compared by their medians.
/// </summary>
public sealed class Fletcher4Benchmark : IBenchmark
{
    public string Name => "Storage fletcher4";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        const int size = 128 * 1024;
        var block = new byte[size];
        var dst = new byte[size];
        new Random(1).NextBytes(block);
        int rounds = context.Quick ? 5 : 11, reps = context.Quick ? 1000 : 4000;
        ulong sink = 0;
        for (int i = 0; i < 500; i++) { sink += Fletcher4.Compute(block).A; block.AsSpan().CopyTo(dst); }
        var f4 = new List<double>();
        var mc = new List<double>();
        var sw = new Stopwatch();
        for (int r = 0; r < rounds; r++)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++) sink += Fletcher4.Compute(block).D;
            f4.Add(reps * (double)size / sw.Elapsed.TotalSeconds / 1e9);
            sw.Restart();
            for (int i = 0; i < reps; i++) block.AsSpan().CopyTo(dst);
            mc.Add(reps * (double)size / sw.Elapsed.TotalSeconds / 1e9);
            sink += dst[r];
        }
        double f = Median(f4), m = Median(mc);
        if (sink == 42) context.Log.WriteLine("");
        yield return new BenchResult("fletcher4 128 KiB blocks vs memcpy (GB/s, median)", f, "GB/s", m, f / m, ">=1.0");
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }
}
