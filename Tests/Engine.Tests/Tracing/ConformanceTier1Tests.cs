using Illumos.Engine.Tracing.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Illumos.Engine.Tests.Tracing;

public class ConformanceTier1Tests
{
    private readonly ITestOutputHelper _log;
    public ConformanceTier1Tests(ITestOutputHelper log) { _log = log; }

    /// <summary>The folder holding shared/conformance/dtrace, found by walking up from the test assembly.</summary>
    private static string? SuiteRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "shared", "conformance", "dtrace");
            if (File.Exists(Path.Combine(candidate, "lists", "tier1.txt"))) return candidate;
        }
        return null;
    }

    [Fact]
    public void Tier1MeetsTheTarget()
    {
        var root = SuiteRoot();
        if (root is null)
        {
            _log.WriteLine("skipped: shared/conformance/dtrace not found above the test assembly");
            return;
        }
        var results = DTestRunner.RunAll(root, Path.Combine(root, "lists", "tier1.txt"));
        int pass = results.Count(r => r.Pass);
        foreach (var r in results.Where(r => !r.Pass)) _log.WriteLine($"{r.Path} FAIL {r.Reason}");
        _log.WriteLine($"tier 1: {pass}/{results.Count}");
        Assert.True(pass * 100 >= results.Count * 95, $"tier 1 passed {pass}/{results.Count}, below 95%");
    }
}
