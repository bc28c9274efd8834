using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;
using Xunit;

namespace Illumos.Engine.Tests.Tracing;

public class ProbeSiteTests
{
    private static readonly ProbeSite Write = ProbeRegistry.Register("enginetest", "ds", "write_" + Guid.NewGuid().ToString("N")[..6], "write",
        new ProbeArgument(0, "uint64_t", "size"), new ProbeArgument(1, "string", "dataset"));

    [Fact]
    public void DisabledSiteDoesNothing()
    {
        Assert.False(Write.Enabled);
        Write.Fire(1, 2);   // no consumer: returns at once
    }

    [Fact]
    public void EnabledSiteFeedsAggregationsAndStopsAtCount()
    {
        var tracing = new EmbeddedTracing();
        var request = new TraceRequest
        {
            Probe = $"enginetest:ds:{Write.Function}:write",
            Action = "@bytes = sum(arg0); @n[args[0] > 100 ? \"big\" : \"small\"] = count();",
            Duration = TimeSpan.FromSeconds(5),
            Options = new Dictionary<string, string?> { ["quiet"] = null },
        };
        var firer = new Thread(() =>
        {
            while (!Write.Enabled) Thread.Sleep(1);
            for (int i = 1; i <= 10; i++) Write.Fire(i * 50);
        });
        firer.Start();
        var stop = new CancellationTokenSource();
        var t = new Thread(() => { firer.Join(); Thread.Sleep(50); stop.Cancel(); });
        t.Start();
        var result = tracing.Run(request, stop.Token);
        Assert.Equal(0, result.ExitStatus);
        Assert.Empty(result.Diagnostics);
        var bytes = Assert.Single(result.Aggregations, a => a.Aggregation == "@bytes");
        Assert.Equal(2750, bytes.Value);
        Assert.Equal(8, result.Aggregations.Single(a => a.Aggregation == "@n" && (string)a.Keys[0] == "big").Value);
        Assert.False(Write.Enabled);
    }

    [Fact]
    public void TypedStringArgumentsKeyAggregationsAndCompareAsStrings()
    {
        var site = ProbeRegistry.Register("enginetest", "ds", "typed_" + Guid.NewGuid().ToString("N")[..6], "write",
            new ProbeArgument(0, "string", "dataset"), new ProbeArgument(1, "uint64_t", "size"));
        var request = new TraceRequest
        {
            Script = $"enginetest:ds:{site.Function}:write {{ @bytes[args[0]] = sum(args[1]); }}\n" +
                     $"enginetest:ds:{site.Function}:write /args[0] == \"tank/a\"/ {{ @a = count(); }}",
            Duration = TimeSpan.FromSeconds(5),
        };
        var stop = new CancellationTokenSource();
        var firer = new Thread(() =>
        {
            while (!site.Enabled) Thread.Sleep(1);
            site.FireWith("tank/a", 100L);
            site.FireWith("tank/b", 7L);
            site.FireWith("tank/a", 50L);
            Thread.Sleep(50);
            stop.Cancel();
        });
        firer.Start();
        var result = new EmbeddedTracing().Run(request, stop.Token);
        Assert.Empty(result.Diagnostics);
        var bytes = result.Aggregations.Where(a => a.Aggregation == "@bytes").ToDictionary(a => (string)a.Keys[0], a => a.Value);
        Assert.Equal(150, bytes["tank/a"]);
        Assert.Equal(7, bytes["tank/b"]);
        Assert.Equal(2, result.Aggregations.Single(a => a.Aggregation == "@a").Value);
    }

    [Fact]
    public void FacilityIsRegisteredAndListsProbes()
    {
        Assert.Contains("Tracing", FacilityRegistry.Available(HostKind.Embedded));
        var probes = new EmbeddedTracing().ListProbes(provider: "dtrace");
        Assert.Equal(new[] { "BEGIN", "END", "ERROR" }, probes.Select(p => p.Name));
    }

    [Fact]
    public void CheckReportsTagAndLine()
    {
        var d = Assert.Single(new EmbeddedTracing().Check(new TraceRequest { Script = "BEGIN\n{\n\ttrace();\n}" }));
        Assert.Equal(("D_PROTO_LEN", 3), (d.Tag, d.Line));
    }

    [Fact]
    public void RunReturnsRecordsAndRawText()
    {
        var r = new EmbeddedTracing().Run(new TraceRequest { Script = "BEGIN { printf(\"hi %d\", 1); trace(2); exit(0); }" });
        var rec = Assert.Single(r.Records);
        Assert.Equal("dtrace:::BEGIN", rec.Probe);
        Assert.Equal(new[] { "printf", "trace" }, rec.Items.Select(i => i.Action));
        Assert.StartsWith("CPU     ID                    FUNCTION:NAME\n  0      1                           :BEGIN hi 1          2\n", r.Raw);
    }
}
