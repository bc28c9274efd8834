using System.Diagnostics;
using Illumos.Engine;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;

namespace Illumos.Bench.Storage;

/// <summary>
/// Scrub of a 2-way mirror holding 1 GiB against reading every device file sequentially with plain
/// reads (same run); raidz2 reads with two devices missing (reconstruction) against the same reads
/// with all devices present.
/// </summary>
public sealed class IntegrityBench : IBenchmark
{
    public string Name => "Integrity";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        long total = context.Quick ? 128L << 20 : 1L << 30;
        var dir = Path.Combine(context.WorkDirectory, "integrity");
        Directory.CreateDirectory(dir);
        var results = new List<BenchResult>();

        // ---- scrub of a mirror vs plain sequential reads of its device files ----
        var zfs = Path.Combine(dir, "m", "etc", "zfs");
        var devices = new[] { Path.Combine(dir, "m1"), Path.Combine(dir, "m2") };
        var storage = new EmbeddedStorage(zfs, EmbeddedStorage.DefaultArcBytes);
        try
        {
            storage.CreatePool(new PoolCreateRequest
            {
                Name = "m", Vdevs = VdevSpec.Parse(["mirror", .. devices]), CreateFileDevicesOfSize = (ulong)(total + total / 4 + (256L << 20)),
                FileSystemProperties = new Dictionary<string, string> { ["compression"] = "off" },
            }, NullSink.Instance, default);
            Fill(storage, "m", total);
            storage.Dispose();
            storage = new EmbeddedStorage(zfs, EmbeddedStorage.DefaultArcBytes);
            var sw = Stopwatch.StartNew();
            storage.StartScrub("m", default);
            storage.WaitForScrub("m");
            double scrub = sw.Elapsed.TotalSeconds;
            var scan = storage.GetStatus("m", false, default).Scan;
            storage.Dispose();
            sw.Restart();
            var buf = new byte[1 << 20];
            long read = 0;
            foreach (var d in devices)
            {
                using var f = new FileStream(d, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                for (int n; (n = f.Read(buf)) > 0;) read += n;
            }
            double plain = sw.Elapsed.TotalSeconds;
            context.Log.WriteLine($"  scrub {scrub:F2} s ({scan.Examined >> 20} MiB examined), plain read of both devices {plain:F2} s ({read >> 20} MiB)");
            results.Add(new BenchResult("integrity.scrub_mirror_vs_plain_read", scrub, "s", plain, scrub / plain, "<=2.0"));
        }
        finally { storage.Dispose(); }

        // ---- raidz2: reads with all devices, then with two missing (reconstruction) ----
        var rz = Path.Combine(dir, "r", "etc", "zfs");
        var rdev = Enumerable.Range(1, 6).Select(i => Path.Combine(dir, $"r{i}")).ToArray();
        long rtotal = total / 2;
        storage = new EmbeddedStorage(rz, EmbeddedStorage.DefaultArcBytes);
        try
        {
            storage.CreatePool(new PoolCreateRequest
            {
                Name = "r", Vdevs = VdevSpec.Parse(["raidz2", .. rdev]), CreateFileDevicesOfSize = (ulong)(rtotal / 2 + (256L << 20)),
                FileSystemProperties = new Dictionary<string, string> { ["compression"] = "off" },
            }, NullSink.Instance, default);
            Fill(storage, "r", rtotal);
            storage.Dispose();
            storage = new EmbeddedStorage(rz, EmbeddedStorage.DefaultArcBytes);
            double healthy = ReadAll(storage, "r");
            storage.ExportPool("r", false, default);
            storage.Dispose();
            // Out of the search path: import must find the pool without them.
            var away = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "integrity-away")).FullName;
            foreach (var gone in rdev.Take(2)) File.Move(gone, Path.Combine(away, Path.GetFileName(gone)), true);
            storage = new EmbeddedStorage(rz, EmbeddedStorage.DefaultArcBytes);
            storage.ImportPool("r", null, [dir], false, null, default);
            double degraded = ReadAll(storage, "r");
            var state = storage.GetStatus("r", false, default).State;
            double rmib = rtotal / (double)(1 << 20);
            context.Log.WriteLine($"  raidz2 read {rmib / healthy:F0} MiB/s healthy, {rmib / degraded:F0} MiB/s with two devices missing ({state})");
            results.Add(new BenchResult("integrity.raidz2_two_missing_read", rmib / degraded, "MiB/s", rmib / healthy, healthy / degraded, null));
        }
        finally
        {
            storage.Dispose();
            Directory.Delete(dir, true);
            var away = Path.Combine(context.WorkDirectory, "integrity-away");
            if (Directory.Exists(away)) Directory.Delete(away, true);
        }
        return results;
    }

    private static void Fill(EmbeddedStorage storage, string pool, long total)
    {
        storage.CreateFileSystem(pool + "/data", null, false, default);
        var block = new byte[1 << 20];
        var rng = new Random(11);
        const int fileSize = 64 << 20;
        for (long done = 0, i = 0; done < total; i++)
        {
            using var s = storage.Files.OpenWrite(pool + "/data", $"/f{i}", FileMode.Create, default);
            for (int m = 0; m < fileSize / block.Length && done < total; m++, done += block.Length) { rng.NextBytes(block); s.Write(block); }
        }
    }

    private static double ReadAll(EmbeddedStorage storage, string pool)
    {
        var sw = Stopwatch.StartNew();
        var buf = new byte[1 << 20];
        foreach (var e in storage.Files.List(pool + "/data", "/", default))
        {
            using var s = storage.Files.OpenRead(pool + "/data", e.Path, default);
            while (s.Read(buf) > 0) { }
        }
        return sw.Elapsed.TotalSeconds;
    }
}
