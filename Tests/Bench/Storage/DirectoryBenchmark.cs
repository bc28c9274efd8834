using System.Diagnostics;

namespace Illumos.Bench.Storage;

/// <summary>
/// Many empty files created one by one in one directory through the files API, then committed: the
/// creation time of the last tenth against the first tenth shows whether a directory insert grows
/// with the directory; then a lookup of every name.
/// </summary>
public sealed class DirectoryBenchmark : IBenchmark
{
    public string Name => "Storage directory";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        int n = context.Quick ? 1000 : 10_000, tenth = n / 10;
        using var storage = StorageBenchmark.NewEngine(Path.Combine(context.WorkDirectory, "directory"), "bench/files");
        storage.Files.CreateDirectory("bench/files", "/many", false, default);
        var sw = Stopwatch.StartNew();
        var (_, first, last) = StorageBenchmark.TimeTenths(n, i => storage.Files.OpenWrite("bench/files", $"/many/file-{i:D5}.txt", FileMode.CreateNew, default).Dispose());
        storage.Commit("bench/files");
        double create = sw.Elapsed.TotalSeconds;
        sw.Restart();
        for (int i = 0; i < n; i++)
            if (storage.Files.TryGet("bench/files", $"/many/file-{i:D5}.txt", default) is null) throw new InvalidOperationException($"file {i} is missing");
        double lookup = sw.Elapsed.TotalSeconds;
        return
        [
            new BenchResult($"create {n} files in one directory", create, "s", null, null, null),
            new BenchResult($"directory: last {tenth} vs first {tenth} files created (s)", last, "s", first, last / first, "<=2.0"),
            new BenchResult($"look up {n} files in that directory", lookup, "s", null, null, null),
            new BenchResult("directory lookup: cost per file", lookup / n * 1e6, "us", null, null, null),
        ];
    }
}
