using System.Diagnostics;
using Illumos.Engine.Storage;

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
        using var storage = StorageBenchmark.NewEngine(Path.Combine(context.WorkDirectory, "datasets"), "bench/many");
        var (create, first, last) = StorageBenchmark.TimeTenths(n, i => storage.CreateFileSystem($"bench/many/d{i:D5}", null, false, default));
        var sw = Stopwatch.StartNew();
        var list = storage.GetDatasets("bench/many", null, ZDatasetType.All, default);
        double listS = sw.Elapsed.TotalSeconds;
        if (list.Count != n + 1) throw new InvalidOperationException($"listed {list.Count} datasets, expected {n + 1}");
        return
        [
            new BenchResult($"create {n} datasets", create, "s", null, null, null),
            new BenchResult($"create: last {tenth} vs first {tenth} datasets (s)", last, "s", first, last / first, "<=2.0"),
            new BenchResult($"list {n} datasets", listS, "s", null, null, null),
            new BenchResult("list: cost per dataset", listS / n * 1e6, "us", null, null, null),
        ];
    }
}
