using System.Reflection;
using System.Text.Json;

namespace Illumos.Bench;

/// <summary>
/// One benchmark figure: the measured value, the baseline measured in the same run, their ratio,
/// and the goal the ratio must meet (e.g. "&lt;= 2.0"). Figures with no goal are reported only.
/// </summary>
public sealed record BenchResult(string Name, double Value, string Unit, double? Baseline, double? Ratio, string? Goal)
{
    public bool? Met => Goal is null || Ratio is null ? null
        : Goal.StartsWith("<=", StringComparison.Ordinal) ? Ratio <= double.Parse(Goal[2..], System.Globalization.CultureInfo.InvariantCulture)
        : Goal.StartsWith(">=", StringComparison.Ordinal) ? Ratio >= double.Parse(Goal[2..], System.Globalization.CultureInfo.InvariantCulture)
        : null;
}

/// <summary>A group of benchmarks; implementations are found by reflection.</summary>
public interface IBenchmark
{
    string Name { get; }
    IEnumerable<BenchResult> Run(BenchContext context);
}

public sealed class BenchContext
{
    public required string WorkDirectory { get; init; }
    public bool Quick { get; init; }
    public TextWriter Log { get; init; } = Console.Out;
}

public static class Program
{
    public static int Main(string[] args)
    {
        // Usage: Illumos.Bench [--filter text] [--out file] [--work dir] [--quick]
        string? filter = null;
        string output = Path.Combine("out", "bench", "results.json");
        string work = Path.Combine(Path.GetTempPath(), "illumos-bench-" + Environment.ProcessId);
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--filter": filter = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--work": work = args[++i]; break;
                case "--quick": quick = true; break;
                default: Console.Error.WriteLine($"unknown argument '{args[i]}'"); return 2;
            }
        }
        Directory.CreateDirectory(work);
        var context = new BenchContext { WorkDirectory = work, Quick = quick };
        var benches = Assembly.GetExecutingAssembly().GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .Where(b => filter is null || b.Name.Contains(filter, StringComparison.OrdinalIgnoreCase))
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        var results = new List<BenchResult>();
        try
        {
            foreach (var b in benches)
            {
                Console.WriteLine($"== {b.Name}");
                foreach (var r in b.Run(context))
                {
                    results.Add(r);
                    var verdict = r.Met switch { true => "met", false => "NOT MET", null => "" };
                    Console.WriteLine($"   {r.Name,-58} {r.Value,14:0.###} {r.Unit,-8} ratio {(r.Ratio is { } x ? x.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) : "-"),8} goal {r.Goal ?? "-",-7} {verdict}");
                }
            }
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var json = results.Select(r => (object)new { name = r.Name, value = r.Value, unit = r.Unit, baseline = r.Baseline, ratio = r.Ratio, goal = r.Goal, met = r.Met }).ToList();
        if (filter is not null && File.Exists(output))
        {
            // a filtered run updates its own figures and keeps the others of the file
            var fresh = results.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            var kept = JsonSerializer.Deserialize<List<JsonElement>>(File.ReadAllText(output)) ?? new List<JsonElement>();
            json.InsertRange(0, kept.Where(e => e.TryGetProperty("name", out var n) && !fresh.Contains(n.GetString() ?? "")).Select(e => (object)e));
        }
        File.WriteAllText(output, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"{results.Count} figures written to {output}; {results.Count(r => r.Met == false)} goals not met");
        return 0;
    }
}
