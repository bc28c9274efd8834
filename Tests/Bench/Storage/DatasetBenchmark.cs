using System.Diagnostics;
using Illumos.Engine;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;

namespace Illumos.Bench.Storage;

/// <summary>
/// Many datasets in one pool: creating them one committed txg each, and listing them. The creation
/// cost of the last tenth against the first tenth shows whether a commit grows with the pool.
/// </summary>
public sealed class DatasetBenchmark : IBenchmark
{
    public string Name => "Storage datasets";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        int n = context.Quick ? 1000 : 10_000, tenth = n / 10;
        var dir = Path.Combine(context.WorkDirectory, "datasets");
        Directory.CreateDirectory(dir);
        var results = new List<BenchResult>();
        var storage = new EmbeddedStorage(Path.Combine(dir, "host", "etc", "zfs"), EmbeddedStorage.DefaultArcBytes);
        try
        {
            StorageBenchmark.CreateMirrorPool(storage, dir, 1L << 30);
            storage.CreateFileSystem("bench/many", null, false, default);
            var sw = Stopwatch.StartNew();
            double first = 0, lastStart = 0;
            for (int i = 0; i < n; i++)
            {
                if (i == tenth) first = sw.Elapsed.TotalSeconds;
                if (i == n - tenth) lastStart = sw.Elapsed.TotalSeconds;
                storage.CreateFileSystem($"bench/many/d{i:D5}", null, false, default);
            }
            double create = sw.Elapsed.TotalSeconds, last = create - lastStart;
            results.Add(new BenchResult($"create {n} datasets", create, "s", null, null, null));
            results.Add(new BenchResult($"create: last {tenth} vs first {tenth} datasets (s)", last, "s", first, last / first, "<=2.0"));
            sw.Restart();
            var list = storage.GetDatasets("bench/many", null, ZDatasetType.All, default);
            double listS = sw.Elapsed.TotalSeconds;
            if (list.Count != n + 1) throw new InvalidOperationException($"listed {list.Count} datasets, expected {n + 1}");
            results.Add(new BenchResult($"list {n} datasets", listS, "s", null, null, null));
            results.Add(new BenchResult("list: cost per dataset", listS / n * 1e6, "us", null, null, null));
        }
        finally { storage.Dispose(); }
        return results;
    }
}
