using System.Diagnostics;
using Illumos.Engine.Storage.Embedded.Checksums;

namespace Illumos.Bench.Storage;

/// <summary>
/// fletcher4 throughput on 128 KiB blocks against memcpy of the same blocks: the same source buffers,
/// both warmed up, timed in alternating rounds (so clock and cache conditions are shared) and
/// compared by their medians; once with one cache-resident block (the goal), once streaming over a
/// region larger than the caches (reported only).
/// </summary>
public sealed class Fletcher4Benchmark : IBenchmark
{
    public string Name => "Storage fletcher4";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        const int size = 128 * 1024;
        int rounds = context.Quick ? 5 : 11;
        // Cache-resident: one 128 KiB block, summed or copied over and over (ZFS's fletcher_4_bench).
        var (f, m) = Compare(new byte[size], 1, rounds, context.Quick ? 1000 : 4000);
        yield return new BenchResult("fletcher4 128 KiB blocks vs memcpy (GB/s, median)", f, "GB/s", m, f / m, ">=1.0");
        // Streaming: successive 128 KiB blocks of a 256 MiB region, as blocks arrive from the devices.
        var (fs, ms) = Compare(new byte[256 << 20], 2048, rounds, 1);
        yield return new BenchResult("fletcher4 128 KiB blocks of 256 MiB vs memcpy (GB/s, median)", fs, "GB/s", ms, fs / ms, null);
    }

    /// <summary>
    /// Medians over alternating rounds of fletcher4 and memcpy (into one 128 KiB destination) over
    /// the <paramref name="blocks"/> 128 KiB blocks of <paramref name="region"/>, <paramref name="reps"/> passes per round.
    /// </summary>
    private static (double Fletcher, double Memcpy) Compare(byte[] region, int blocks, int rounds, int reps)
    {
        const int size = 128 * 1024;
        var dst = new byte[size];
        new Random(1).NextBytes(region);
        ulong sink = 0;
        for (int i = 0; i < Math.Max(1, 500 / blocks); i++)
            for (int b = 0; b < blocks; b++) { sink += Fletcher4.Compute(region.AsSpan(b * size, size)).A; region.AsSpan(b * size, size).CopyTo(dst); }
        var f4 = new List<double>();
        var mc = new List<double>();
        var sw = new Stopwatch();
        double bytes = (double)reps * blocks * size;
        for (int r = 0; r < rounds; r++)
        {
            sw.Restart();
            for (int i = 0; i < reps; i++)
                for (int b = 0; b < blocks; b++) sink += Fletcher4.Compute(region.AsSpan(b * size, size)).D;
            f4.Add(bytes / sw.Elapsed.TotalSeconds / 1e9);
            sw.Restart();
            for (int i = 0; i < reps; i++)
                for (int b = 0; b < blocks; b++) region.AsSpan(b * size, size).CopyTo(dst);
            mc.Add(bytes / sw.Elapsed.TotalSeconds / 1e9);
            sink += dst[r];
        }
        GC.KeepAlive(sink);
        return (Median(f4), Median(mc));
    }

    private static double Median(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }
}
