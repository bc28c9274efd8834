using Illumos.Engine.Firewall;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;
using Xunit;

namespace Illumos.Engine.Tests.Firewall;

public sealed class FirewallFacilityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "illumos-fw-" + Guid.NewGuid().ToString("N"));
    private readonly EmbeddedHost _host;
    private readonly IFirewall _fw;

    public FirewallFacilityTests()
    {
        _host = EmbeddedHost.Open(_dir);
        _fw = _host.Facility<IFirewall>();
    }

    public void Dispose()
    {
        _host.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public void The_facility_is_registered_for_both_hosts()
    {
        Assert.Contains("Firewall", FacilityRegistry.Available(HostKind.Embedded));
        Assert.Contains("Firewall", FacilityRegistry.Available(HostKind.Native));
    }

    [Fact]
    public void Rules_persist_as_real_ipf_conf_and_survive_a_reopen()
    {
        _fw.AddRules(FirewallScope.Global, "block in all", null, Ct);
        var added = _fw.AddRules(FirewallScope.Global, "pass in quick proto tcp from any to any port = (22,80) keep state", new RulePlacement(Position: 1), Ct);
        Assert.Equal([1, 2], added.Select(r => r.Position));
        _fw.SetRuleEnabled(FirewallScope.Global, 2, false, Ct);
        var file = Path.Combine(_dir, "etc", "ipf", "ipf.conf");
        Assert.Equal(
            "pass in quick proto tcp from any to any port = 22 keep state\n" +
            "#disabled: pass in quick proto tcp from any to any port = 80 keep state\n" +
            "block in all\n", File.ReadAllText(file));
        _host.Dispose();
        using var again = EmbeddedHost.Open(_dir);
        var rules = again.Facility<IFirewall>().GetRules(FirewallScope.Global, Ct);
        Assert.Equal([true, false, true], rules.Select(r => r.Enabled));
        Assert.Equal("block", rules[2].Action);
        Assert.Equal("= 22", rules[0].DestinationPort);
    }

    [Fact]
    public void A_bad_rule_set_never_becomes_active()
    {
        _fw.AddRules(FirewallScope.Global, "block in all", null, Ct);
        var before = File.ReadAllText(Path.Combine(_dir, "etc", "ipf", "ipf.conf"));
        var e = Assert.Throws<IllumosException>(() => _fw.ImportRules(FirewallScope.Global, "pass in all\npass sideways all\nblock in from 1.1.1.1/99 to any\n", true, Ct));
        Assert.Equal("FirewallRuleSyntax", e.ErrorId);
        Assert.Contains("line 2", e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_dir, "etc", "ipf", "ipf.conf")));
        Assert.Equal("block in all", Assert.Single(_fw.GetRules(FirewallScope.Global, Ct)).Text);
        Assert.Equal("FirewallRuleNotFound", Assert.Throws<IllumosException>(() => _fw.RemoveRule(FirewallScope.Global, 5, Ct)).ErrorId);
    }

    [Fact]
    public void Ordering_edits_and_export()
    {
        _fw.ImportRules(FirewallScope.Global, "pass in all\nblock in proto udp all\nblock in proto tcp all\n", true, Ct);
        _fw.MoveRule(FirewallScope.Global, 3, new RulePlacement(Before: 1), Ct);
        _fw.SetRule(FirewallScope.Global, 2, "pass in proto icmp all", Ct);
        _fw.AddRules(FirewallScope.Global, "count out all", new RulePlacement(After: 1), Ct);
        _fw.RemoveRule(FirewallScope.Global, 4, Ct);
        Assert.Equal("block in proto tcp from any to any\ncount out all\npass in proto icmp from any to any\n", _fw.ExportRules(FirewallScope.Global, Ct));
    }

    [Fact]
    public void Packets_are_tested_with_the_deciding_rule_and_state_is_visible()
    {
        _fw.ImportRules(FirewallScope.Global, "block in all\npass out quick proto udp from any to any port = 53 keep state\n", true, Ct);
        var results = _fw.TestPackets(FirewallScope.Global,
        [
            new FirewallPacket { Direction = "out", Protocol = "udp", Source = "10.0.0.1", SourcePort = 3333, Destination = "9.9.9.9", DestinationPort = 53 },
            new FirewallPacket { Raw = "in udp 9.9.9.9,53 10.0.0.1,3333" },
            new FirewallPacket { Raw = "in udp 9.9.9.9,54 10.0.0.1,3333" },
            new FirewallPacket { Raw = "in tcp 1.1.1.1 2.2.2.2" },
        ], Ct);
        Assert.Equal(["pass", "pass", "block", "bad-packet"], results.Select(r => r.Verdict));
        Assert.Equal(2, results[0].RulePosition);
        Assert.Equal("state", results[1].DecidedBy);
        Assert.Equal(1, results[2].RulePosition);
        Assert.NotNull(results[3].Error);
        var session = Assert.Single(_fw.GetSessions(FirewallScope.Global, Ct));
        Assert.Equal(("udp", "10.0.0.1", 53), (session.Protocol, session.Source, session.DestinationPort));
        Assert.Equal(2, session.Packets);
    }

    [Fact]
    public void Zones_have_their_own_and_a_global_zone_controlled_stack()
    {
        var zone = new FirewallScope("web");
        var gz = zone with { GlobalControlled = true };
        _fw.AddRules(zone, "pass in all", null, Ct);
        _fw.AddRules(gz, "block in quick proto tcp from any to any port = 23", null, Ct);
        Assert.True(File.Exists(Path.Combine(_dir, "etc", "ipf", "zones", "web", "ipf.conf")));
        Assert.True(File.Exists(Path.Combine(_dir, "etc", "ipf", "zones", "web", "gz", "ipf.conf")));
        Assert.Empty(_fw.GetRules(FirewallScope.Global, Ct));
        var r = _fw.TestPackets(zone, [new FirewallPacket { Raw = "in tcp 1.1.1.1,5 2.2.2.2,23" }, new FirewallPacket { Raw = "in tcp 1.1.1.1,5 2.2.2.2,22" }], Ct);
        Assert.Equal(("block", "global-zone-controlled"), (r[0].Verdict, r[0].DecidedBy));
        Assert.Equal(("pass", "zone"), (r[1].Verdict, r[1].DecidedBy));
        Assert.Equal("FirewallGlobalControlledGlobalZone", Assert.Throws<IllumosException>(() => _fw.GetRules(new FirewallScope("global", true), Ct)).ErrorId);
        Assert.Equal("FirewallZoneNameInvalid", Assert.Throws<IllumosException>(() => _fw.GetRules(new FirewallScope("../x"), Ct)).ErrorId);
    }

    [Fact]
    public void Nat_rules_persist_and_translate_tested_packets()
    {
        _fw.AddNatRules(FirewallScope.Global, "map e0 10.0.0.0/8 -> 192.0.2.1/32", null, Ct);
        Assert.Equal("map e0 10.0.0.0/8 -> 192.0.2.1/32\n", File.ReadAllText(Path.Combine(_dir, "etc", "ipf", "ipnat.conf")));
        var r = _fw.TestPackets(FirewallScope.Global, [new FirewallPacket { Raw = "out on e0 udp 10.1.1.1,5 8.8.8.8,53" }], Ct);
        Assert.Equal("ip #0 28(20) 17 192.0.2.1,5 > 8.8.8.8,53", r[0].Packet);
        var s = Assert.Single(_fw.GetNatSessions(FirewallScope.Global, Ct));
        Assert.Equal(("10.1.1.1,5", "192.0.2.1,5"), (s.Inside, s.Outside));
        _fw.RemoveNatRule(FirewallScope.Global, 1, Ct);
        Assert.Empty(_fw.GetNatRules(FirewallScope.Global, Ct));
    }

    [Fact]
    public void Syntax_check_reports_without_loading()
    {
        var ok = _fw.TestRules("pass in from (1.1.1.1,2.2.2.2) to any", nat: false);
        Assert.True(ok.Valid);
        Assert.Equal(2, ok.Rules.Count);
        var bad = _fw.TestRules("map e0 1.1.1.1 ->", nat: true);
        Assert.False(bad.Valid);
        Assert.Empty(_fw.GetRules(FirewallScope.Global, Ct));
    }

    private sealed class FakeRunner : ICommandRunner
    {
        public readonly List<string> Commands = new();
        public readonly Dictionary<string, string> Files = new();
        public HostTransport Transport => HostTransport.Replay;
        public string Describe => "fake";
        public void Dispose() { }

        public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
        {
            Commands.Add(string.Join(' ', argv));
            switch (argv[0])
            {
                case "cat":
                    return Files.TryGetValue(argv[1], out var t) ? new(argv, 0, t, "") : new(argv, 1, "", $"cat: cannot open {argv[1]}: No such file or directory");
                case "tee":
                    using (var r = new StreamReader(options!.StdIn!)) Files[argv[1]] = r.ReadToEnd();
                    return new(argv, 0, "", "");
                case "mv":
                    Files[argv[3]] = Files[argv[2]];
                    Files.Remove(argv[2]);
                    return new(argv, 0, "", "");
                case "zonecfg":
                    return argv[2] == "web" ? new(argv, 0, "zonepath: /zones/web\n", "") : new(argv, 1, "", "No such zone configured");
                case "ipfstat":
                    return new(argv, 0, "3 block in all\n", "");
                default:
                    return new(argv, 0, "", "");
            }
        }
    }

    [Fact]
    public void Native_host_writes_ipf_conf_and_swaps_it_in_with_one_ipf_call()
    {
        var runner = new FakeRunner();
        using var host = new NativeHost(runner, "fake");
        var fw = host.Facility<IFirewall>();
        fw.AddRules(FirewallScope.Global, "block in all", null, Ct);
        Assert.Equal("block in all\n", runner.Files["/etc/ipf/ipf.conf"]);
        Assert.Contains("ipf -I -Fa -f /etc/ipf/ipf.conf -s", runner.Commands);
        Assert.Equal(3, Assert.Single(fw.GetRules(FirewallScope.Global, Ct)).Hits);

        fw.AddRules(new FirewallScope("web", true), "pass in all", null, Ct);
        Assert.Equal("pass in all\n", runner.Files["/zones/web/etc/ipf.conf"]);
        Assert.Contains("ipf -G -I -Fa -f /zones/web/etc/ipf.conf -s web", runner.Commands);

        int before = runner.Commands.Count;
        Assert.Throws<IllumosException>(() => fw.AddRules(FirewallScope.Global, "pass nowhere", null, Ct));
        Assert.Equal(before, runner.Commands.Count);
        Assert.Equal("FirewallZoneNotFound", Assert.Throws<IllumosException>(() => fw.GetRules(new FirewallScope("db"), Ct)).ErrorId);
    }
}
