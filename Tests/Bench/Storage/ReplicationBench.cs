using System.Diagnostics;
using Illumos.Engine;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;

namespace Illumos.Bench.Storage;

/// <summary>
/// zfs send on the embedded engine: a full stream of a 1 GiB dataset to a file against copying the
/// same files out through the file interface the ZFS provider uses (both with a cold cache, in the
/// same run); an increment after changing 1% against the full send; receive throughput reported.
/// </summary>
public sealed class ReplicationBench : IBenchmark
{
    public string Name => "Replication";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        long total = context.Quick ? 128L << 20 : 1L << 30;
        const int fileSize = 16 << 20;
        int files = (int)(total / fileSize);
        var dir = Path.Combine(context.WorkDirectory, "replication");
        Directory.CreateDirectory(dir);
        var zfsDir = Path.Combine(dir, "host", "etc", "zfs");
        var results = new List<BenchResult>();
        var storage = new EmbeddedStorage(zfsDir, EmbeddedStorage.DefaultArcBytes);
        try
        {
            storage.CreatePool(new PoolCreateRequest
            {
                Name = "src", Vdevs = VdevSpec.Parse([Path.Combine(dir, "d1")]), CreateFileDevicesOfSize = (ulong)(total * 2 + (512L << 20)),
                FileSystemProperties = new Dictionary<string, string> { ["compression"] = "off" },
            }, NullSink.Instance, default);
            storage.CreateFileSystem("src/data", null, false, default);
            var block = new byte[1 << 20];
            var rng = new Random(7);
            for (int f = 0; f < files; f++)
            {
                using var s = storage.Files.OpenWrite("src/data", $"/file{f:D4}", FileMode.Create, default);
                for (int m = 0; m < fileSize / block.Length; m++) { rng.NextBytes(block); s.Write(block); }
            }
            storage.CreateSnapshots(["src/data@full"], false, null, default);

            // Baseline: every file copied out through IZFiles (what Copy-Item on a ZFS drive does), cold.
            storage = Reopen(storage, zfsDir);
            var outDir = Path.Combine(dir, "copied");
            Directory.CreateDirectory(outDir);
            var sw = Stopwatch.StartNew();
            foreach (var e in storage.Files.List("src/data@full", "/", default))
            {
                using var src = storage.Files.OpenRead("src/data@full", e.Path, default);
                using var dst = new FileStream(Path.Combine(outDir, e.Path.TrimStart('/')), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                src.CopyTo(dst, 1 << 20);
                dst.Flush(true);
            }
            double copy = sw.Elapsed.TotalSeconds;
            Directory.Delete(outDir, true);

            storage = Reopen(storage, zfsDir);
            var streamFile = Path.Combine(dir, "full.zstream");
            sw.Restart();
            using (var output = new FileStream(streamFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                storage.Send(new SendRequest { Snapshot = "src/data@full" }, output, NullSink.Instance, default);
                output.Flush(true);
            }
            double full = sw.Elapsed.TotalSeconds;
            double mib = total / (double)(1 << 20);
            context.Log.WriteLine($"  provider-path copy {copy:F2} s ({mib / copy:F0} MiB/s), full send {full:F2} s ({mib / full:F0} MiB/s)");
            results.Add(new BenchResult("replication.full_send_vs_provider_copy", mib / full, "MiB/s", mib / copy, copy / full, ">=1.0"));

            // Change 1% of the data in place (random 128 KiB records), then send the increment.
            long changed = 0;
            var rec = new byte[128 << 10];
            while (changed < total / 100)
            {
                int f = rng.Next(files);
                long off = rng.Next(fileSize / rec.Length) * (long)rec.Length;
                rng.NextBytes(rec);
                using (var s = storage.Files.OpenWrite("src/data", $"/file{f:D4}", FileMode.Open, default)) { s.Position = off; s.Write(rec); }
                changed += rec.Length;
            }
            storage.CreateSnapshots(["src/data@inc"], false, null, default);
            // A send of ~10 MiB ends in one fsync whose time swings by several times on a busy machine:
            // the median of three, each from a freshly opened pool (cold cache), is reported.
            var incFile = Path.Combine(dir, "inc.zstream");
            var incs = new List<double>();
            for (int round = 0; round < 3; round++)
            {
                storage = Reopen(storage, zfsDir);
                sw.Restart();
                using (var output = new FileStream(incFile, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    storage.Send(new SendRequest { Snapshot = "src/data@inc", From = "@full" }, output, NullSink.Instance, default);
                    output.Flush(true);
                }
                incs.Add(sw.Elapsed.TotalSeconds);
            }
            double inc = incs.Order().ElementAt(1);
            context.Log.WriteLine($"  incremental send after changing 1%: {inc:F3} s (median of {string.Join(", ", incs.Select(x => x.ToString("F3")))}), {new FileInfo(incFile).Length >> 20} MiB");
            results.Add(new BenchResult("replication.incremental_1pct_vs_full_send", inc, "s", full, inc / full, "<=0.05"));

            // Receive: the full stream into a second dataset of the same pool (reported).
            sw.Restart();
            using (var input = new FileStream(streamFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
                storage.Receive(new ReceiveRequest { Target = "src/copy" }, input, NullSink.Instance, default);
            double recv = sw.Elapsed.TotalSeconds;
            context.Log.WriteLine($"  receive of the full stream: {recv:F2} s ({mib / recv:F0} MiB/s)");
            results.Add(new BenchResult("replication.full_receive", mib / recv, "MiB/s", null, null, null));
            File.Delete(streamFile);
            File.Delete(incFile);
        }
        finally
        {
            storage.Dispose();
        }
        return results;
    }

    private static EmbeddedStorage Reopen(EmbeddedStorage storage, string zfsDir)
    {
        storage.Dispose();
        return new EmbeddedStorage(zfsDir, EmbeddedStorage.DefaultArcBytes);
    }
}
