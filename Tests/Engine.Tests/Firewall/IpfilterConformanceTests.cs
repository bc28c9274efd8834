using Illumos.Conformance.Ipfilter;
using Xunit;

namespace Illumos.Engine.Tests.Firewall;

/// <summary>Skips (with the reason) when the shared ipfilter suite is not next to the repository.</summary>
public sealed class IpfilterSuiteFactAttribute : FactAttribute
{
    public IpfilterSuiteFactAttribute()
    {
        if (IpfilterConformanceTests.Locate() is null)
            Skip = "the shared ipfilter suite (../shared/conformance/ipfilter from the repository root) is not present";
    }
}

public class IpfilterConformanceTests
{
    /// <summary>Walks up from the test assembly to the repository root and looks beside it for shared/conformance/ipfilter.</summary>
    public static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Illumos.sln"))) continue;
            var suite = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "conformance", "ipfilter"));
            return Directory.Exists(suite) ? suite : null;
        }
        return null;
    }

    [IpfilterSuiteFact]
    public void Shared_suite_meets_the_targets()
    {
        var results = new IpfilterSuite().RunAll(Locate()!, null);
        var bySeries = results.Where(r => r.Passed is not null).GroupBy(r => IpfilterSuite.Series(r.Id)).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var s in new[] { "f", "i" })
        {
            Assert.True(bySeries.ContainsKey(s), $"no {s} tests ran");
            var failed = bySeries[s].Where(r => r.Passed == false).Select(r => $"{r.Id}: {r.Detail}").ToList();
            Assert.True(failed.Count == 0, $"{s} series failures:\n" + string.Join("\n", failed));
        }
        var nat = new[] { "n", "ni", "in" }.SelectMany(s => bySeries.GetValueOrDefault(s) ?? []).ToList();
        Assert.NotEmpty(nat);
        double rate = nat.Count(r => r.Passed == true) / (double)nat.Count;
        Assert.True(rate >= 0.8, $"NAT pass rate {rate:P0}: " + string.Join("; ", nat.Where(r => r.Passed == false).Select(r => r.Id)));
    }
}
