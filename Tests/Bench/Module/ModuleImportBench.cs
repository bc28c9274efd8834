using System.Diagnostics;
using System.Globalization;

namespace Illumos.Bench.Module;

/// <summary>
/// Import-Module time of the built module in a fresh pwsh, measured inside that process (median of
/// several runs). The figure is compared with the one-second budget of the foundation issue.
/// </summary>
public sealed class ModuleImportBench : IBenchmark
{
    public string Name => "Module import";

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        var manifest = Environment.GetEnvironmentVariable("ILLUMOS_MODULE_PATH");
        if (manifest is null || !File.Exists(manifest))
        {
            context.Log.WriteLine("   skipped: ILLUMOS_MODULE_PATH does not name the built manifest (run through build.ps1 Bench)");
            yield break;
        }
        var samples = new List<double>();
        int runs = context.Quick ? 3 : 7;
        for (int i = 0; i < runs + 1; i++)
        {
            var ms = ImportOnce(manifest);
            if (i > 0) samples.Add(ms); // the first run warms the disk cache
        }
        samples.Sort();
        double median = samples[samples.Count / 2];
        const double budgetMs = 1000;
        yield return new BenchResult("Import-Module Illumos (median, fresh process)", median, "ms", budgetMs, median / budgetMs, "<=1.0");
    }

    private static double ImportOnce(string manifest)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-Command",
            $"$s = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{manifest.Replace("'", "''")}'; $s.Elapsed.TotalMilliseconds.ToString([Globalization.CultureInfo]::InvariantCulture)" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (p.ExitCode != 0 || !double.TryParse(last, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
            throw new InvalidOperationException($"Import-Module failed in a fresh pwsh: {p.StandardError.ReadToEnd()}");
        return ms;
    }
}
