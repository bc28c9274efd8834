using System.Diagnostics;
using Illumos.Engine;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;

namespace Illumos.Bench.Storage;

/// <summary>The storage engine's I/O figures (2-way mirror) against plain-file baselines measured in the same run.</summary>
public sealed class StorageBenchmark : IBenchmark
{
    public string Name => "Storage mirror";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        long total = context.Quick ? 128L << 20 : 1L << 30;
        int buf = 1 << 20;
        var dir = Path.Combine(context.WorkDirectory, "storage");
        Directory.CreateDirectory(dir);
        var data = new byte[buf];
        new Random(42).NextBytes(data);
        var results = new List<BenchResult>();

        // ---- baseline: the same bytes to two plain files, one fsync each ----
        var plainA = Path.Combine(dir, "plain-a");
        var plainB = Path.Combine(dir, "plain-b");
        var sw = Stopwatch.StartNew();
        using (var a = new FileStream(plainA, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        using (var b = new FileStream(plainB, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            for (long done = 0; done < total; done += buf) { Mutate(data, done); a.Write(data); b.Write(data); }
            a.Flush(true);
            b.Flush(true);
        }
        double plainWrite = sw.Elapsed.TotalSeconds;

        // ---- engine: a 2-way mirror, compression off, fletcher4 ----
        var host = Path.Combine(dir, "host");
        long devSize = total + total / 4 + (256L << 20);
        long peak = 0;
        double engineWrite;
        var storage = new EmbeddedStorage(Path.Combine(host, "etc", "zfs"), EmbeddedStorage.DefaultArcBytes);
        try
        {
            CreateMirrorPool(storage, dir, devSize);
            storage.CreateFileSystem("bench/data", null, false, default);
            // Benches that ran earlier in this process (10k datasets, a 256 MiB fletcher region) leave
            // heap the GC keeps committed; release it so the peak measures this write.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            var proc = Process.GetCurrentProcess();
            new Random(42).NextBytes(data);
            sw.Restart();
            using (var s = storage.Files.OpenWrite("bench/data", "/big", FileMode.Create, default))
            {
                for (long done = 0; done < total; done += buf)
                {
                    Mutate(data, done);
                    s.Write(data);
                    if ((done / buf) % 16 == 0) { proc.Refresh(); peak = Math.Max(peak, proc.WorkingSet64); }
                }
            }
            engineWrite = sw.Elapsed.TotalSeconds;
            proc.Refresh();
            peak = Math.Max(peak, proc.WorkingSet64);
        }
        finally { storage.Dispose(); }
        results.Add(new BenchResult($"sequential write {total >> 20} MiB, 2-way mirror vs two plain files", engineWrite, "s", plainWrite, engineWrite / plainWrite, "<=2.0"));
        results.Add(new BenchResult("peak working set while writing (MiB) vs ARC + 256 MiB", peak / 1048576.0, "MiB", (EmbeddedStorage.DefaultArcBytes + (256L << 20)) / 1048576.0, peak / (double)(EmbeddedStorage.DefaultArcBytes + (256L << 20)), "<=1.0"));

        // ---- cold read after reopen vs reading the plain files ----
        sw.Restart();
        foreach (var p in new[] { plainA, plainB })
        {
            using var fs = new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            while (fs.Read(data) > 0) { }
        }
        double plainRead = sw.Elapsed.TotalSeconds / 2; // the engine reads one copy
        storage = new EmbeddedStorage(Path.Combine(host, "etc", "zfs"), EmbeddedStorage.DefaultArcBytes);
        try
        {
            sw.Restart();
            using (var s = storage.Files.OpenRead("bench/data", "/big", default))
                while (s.Read(data) > 0) { }
            double engineRead = sw.Elapsed.TotalSeconds;
            results.Add(new BenchResult($"cold read {total >> 20} MiB after reopen vs one plain file", engineRead, "s", plainRead, engineRead / plainRead, "<=2.0"));

            // ---- snapshot creation: 1 GiB vs 1 MiB in the dataset ----
            storage.CreateFileSystem("bench/small", null, false, default);
            using (var s = storage.Files.OpenWrite("bench/small", "/f", FileMode.Create, default)) s.Write(data);
            double big = Median(i => storage.CreateSnapshots([$"bench/data@s{i}"], false, null, default));
            double small = Median(i => storage.CreateSnapshots([$"bench/small@s{i}"], false, null, default));
            results.Add(new BenchResult($"snapshot create median, {total >> 20} MiB vs 1 MiB dataset", big * 1000, "ms", small * 1000, big / small, "<=1.5"));
        }
        finally { storage.Dispose(); }

        return results;
    }

    private static void Mutate(byte[] data, long position)
    {
        // Keep every buffer distinct (incompressible, not deduplicable) without regenerating it.
        BitConverter.TryWriteBytes(data.AsSpan(0, 8), position);
        BitConverter.TryWriteBytes(data.AsSpan(data.Length - 8, 8), ~position);
    }

    /// <summary>A new engine in <paramref name="dir"/> with pool "bench" (1 GiB mirror sides) and the filesystem <paramref name="fs"/>.</summary>
    internal static EmbeddedStorage NewEngine(string dir, string fs)
    {
        Directory.CreateDirectory(dir);
        var storage = new EmbeddedStorage(Path.Combine(dir, "host", "etc", "zfs"), EmbeddedStorage.DefaultArcBytes);
        CreateMirrorPool(storage, dir, 1L << 30);
        storage.CreateFileSystem(fs, null, false, default);
        return storage;
    }

    /// <summary>Runs <paramref name="step"/> for 0..n-1; the total seconds and those of the first and the last tenth of the steps.</summary>
    internal static (double Total, double First, double Last) TimeTenths(int n, Action<int> step)
    {
        int tenth = n / 10;
        var sw = Stopwatch.StartNew();
        double first = 0, lastStart = 0;
        for (int i = 0; i < n; i++)
        {
            if (i == tenth) first = sw.Elapsed.TotalSeconds;
            if (i == n - tenth) lastStart = sw.Elapsed.TotalSeconds;
            step(i);
        }
        double total = sw.Elapsed.TotalSeconds;
        return (total, first, total - lastStart);
    }

    /// <summary>Pool "bench": a 2-way mirror of two new file devices, compression off, fletcher4.</summary>
    internal static void CreateMirrorPool(EmbeddedStorage storage, string dir, long devSize) =>
        storage.CreatePool(new PoolCreateRequest
        {
            Name = "bench", Vdevs = VdevSpec.Parse(["mirror", Path.Combine(dir, "m1"), Path.Combine(dir, "m2")]),
            CreateFileDevicesOfSize = (ulong)devSize,
            FileSystemProperties = new Dictionary<string, string> { ["compression"] = "off", ["checksum"] = "fletcher4" },
        }, NullSink.Instance, default);

    internal static double Median(Action<int> action)
    {
        var times = new List<double>();
        for (int i = 0; i < 9; i++)
        {
            var sw = Stopwatch.StartNew();
            action(i);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
