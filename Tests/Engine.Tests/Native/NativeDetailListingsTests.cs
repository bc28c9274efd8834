using System.Text;
using Illumos.Engine.Firewall;
using Illumos.Engine.Native;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Services;
using Illumos.Engine.Sessions;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>The detail listings (services, zone configuration, NAT, ipf -V) through replay sessions of the real samples.</summary>
public class NativeDetailListingsTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const string Rstat = "svc:/network/rpc/rstat:udp";

    /// <summary>svcs -v's columns re-laid as the STATE STIME FMRI that svcs -p prints (rstat has no contract, hence no processes).</summary>
    private static string SvcsPFromV(string svcsV) =>
        string.Concat(svcsV.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => $"{f[0],-14} {f[2],-8} {f[4]}\n"));

    [FixtureFact]
    public void Service_detail_merges_svcs_l_svcs_p_and_svcprop()
    {
        using var dir = new ReplayDir();
        dir.Add(SystemCommands.SvcsLong(Rstat, null), Fixtures.Read("svcs-l-inetd-service.txt"));
        dir.Add(SystemCommands.SvcsProcesses(Rstat, null), SvcsPFromV(Fixtures.Read("svcs-v.txt")));
        // The svcprop sample was captured on another instance; its general_ovr/enabled override is what is looked at here.
        dir.Add(SystemCommands.Svcprop(Rstat, null), Fixtures.Read("svcprop-instance-all-props-temp-enabled.txt"));
        var counter = new CountingRunner(new ReplayRunner(dir.Path));
        using var host = new NativeHost(counter, "replay");
        var listed = new SmfService { Fmri = Rstat, State = "online", StartTime = "Aug_09" };
        var d = new NativeListings(host).GetServiceDetail(listed, None);
        Assert.Equal([["svcs", "-l", Rstat], ["svcs", "-p", Rstat], ["svcprop", Rstat]], counter.Commands.Select(c => c.ToArray()));
        Assert.Equal(("online", "Aug_09", "svc:/network/inetd:default"), (d.State, d.StartTime, d.Restarter));
        Assert.Equal("svc:/network/rpc/bind", Assert.Single(Assert.Single(d.Dependencies).Fmris));
        Assert.Empty(d.Processes);
        Assert.Equal(30, d.Properties.Count);
        Assert.Equal((false, true, true), (d.Enabled!.Value, d.EnabledTemporary!.Value, d.EffectiveEnabled!.Value));
    }

    [FixtureFact]
    public void Service_detail_of_a_zone_service_uses_z_and_keeps_the_processes()
    {
        const string sendmail = "svc:/network/smtp:sendmail";
        using var dir = new ReplayDir();
        dir.Add(SystemCommands.SvcsLong(sendmail, "web"), $"fmri         {sendmail}\nname         sendmail SMTP mail transfer agent\nenabled      true\nstate        online\nnext_state   none\ncontract_id  105\n");
        dir.Add(SystemCommands.SvcsProcesses(sendmail, "web"), Fixtures.Read("svcs-p-processes.txt"));
        dir.Add(SystemCommands.Svcprop(sendmail, "web"), "general/enabled boolean true\n");
        var counter = new CountingRunner(new ReplayRunner(dir.Path));
        using var host = new NativeHost(counter, "replay");
        var d = new NativeListings(host).GetServiceDetail(new SmfService { Fmri = sendmail, State = "online", Zone = "web" }, None);
        Assert.Equal(["svcs", "-z", "web", "-l", sendmail], counter.Commands[0]);
        Assert.Equal([100939, 100940], d.Processes.Select(p => p.Pid));
        Assert.Equal((105L, true, (bool?)null), (d.ContractId!.Value, d.Enabled!.Value, d.EnabledTemporary));
        Assert.Equal("sendmail SMTP mail transfer agent", d.Description);
    }

    [FixtureFact]
    public void Explanations_of_svcs_x_and_svcs_xv()
    {
        using var dir = new ReplayDir();
        dir.Add(SystemCommands.SvcsExplain(null, verbose: false), Fixtures.Read("svcs-x-disabled-root-cause.txt"));
        dir.Add(SystemCommands.SvcsExplain(["svc:/network/nfs/client:default"], verbose: true), Fixtures.Read("svcs-xv-offline-dependency-path.txt"));
        using var host = new NativeHost(new ReplayRunner(dir.Path), "replay");
        var l = new NativeListings(host);
        Assert.Equal("Disabled by an administrator.", Assert.Single(l.ExplainServices(null, false, None)).Reason);
        Assert.Equal(3, Assert.Single(l.ExplainServices(["svc:/network/nfs/client:default"], true, None)).Path.Count);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => l.ExplainServices(["-x; reboot"], true, None)).Kind);
    }

    [FixtureFact]
    public void Zone_configuration_from_zonecfg_info()
    {
        using var dir = new ReplayDir();
        dir.Add(SystemCommands.ZonecfgInfo("dummy"), Fixtures.Read("zonecfg-info-exclusive-ip-net.txt"));
        using var host = new NativeHost(new ReplayRunner(dir.Path), "replay");
        var l = new NativeListings(host);
        var c = l.GetZoneConfiguration("dummy", None);
        Assert.Equal(("exclusive", "net1"), (c.IpType, Assert.Single(c.Networks)["physical"]));
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => l.GetZoneConfiguration("a b", None)).Kind);
    }

    [FixtureFact]
    public void Capability_probe_reads_ipf_V()
    {
        using var dir = new ReplayDir();
        dir.Add(["uname", "-s", "-r", "-v"], "SunOS 5.11 joyent_20230105T001122Z\n");
        dir.Add(["cat", "/etc/release"], "", exit: 1, stderr: "cat: cannot open /etc/release");
        dir.Add(["zfs", "version"], "", exit: 2, stderr: "unrecognized command 'version'");
        dir.Add(SystemCommands.IpfVersion(), Fixtures.Read("ipf-V-smartos.txt"));
        using var host = new NativeHost(new ReplayRunner(dir.Path), "replay");
        var caps = host.Probe(refresh: true, None);
        Assert.Equal(("v4.1.9 (592)", true), (caps.FirewallVersion, caps.FirewallRunning!.Value));
    }

    [Fact]
    public void Capability_probe_without_ipf_leaves_the_firewall_unknown()
    {
        using var dir = new ReplayDir();
        dir.Add(["uname", "-s", "-r", "-v"], "SunOS 5.11 omnios-r151046\n");
        using var host = new NativeHost(new ReplayRunner(dir.Path), "replay");
        var caps = host.Probe(refresh: true, None);
        Assert.Null(caps.FirewallVersion);
        Assert.Null(caps.FirewallRunning);
    }

    /// <summary>Answers ipnat -l from a fixture and keeps the managed files, like a host would.</summary>
    private sealed class NatHostRunner(string ipnatList) : ICommandRunner
    {
        public readonly List<string> Commands = new();
        public readonly Dictionary<string, string> Files = new();
        public HostTransport Transport => HostTransport.Replay;
        public string Describe => "nat";
        public void Dispose() { }

        public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
        {
            Commands.Add(string.Join(' ', argv));
            switch (argv[0])
            {
                case "ipnat" when argv[1] == "-l": return new(argv, 0, ipnatList, "");
                case "cat": return Files.TryGetValue(argv[1], out var t) ? new(argv, 0, t, "") : new(argv, 1, "", "cat: cannot open: No such file or directory");
                case "tee":
                    using (var r = new StreamReader(options!.StdIn!, Encoding.UTF8)) Files[argv[1]] = r.ReadToEnd();
                    return new(argv, 0, "", "");
                case "mv": Files[argv[3]] = Files[argv[2]]; Files.Remove(argv[2]); return new(argv, 0, "", "");
                default: return new(argv, 0, "", "");
            }
        }
    }

    [FixtureFact]
    public void Native_nat_rules_are_the_active_list_of_ipnat_l()
    {
        var runner = new NatHostRunner(Fixtures.Read("ipnat-l-one-map-rule.txt"));
        using var host = new NativeHost(runner, "nat");
        var fw = host.Facility<IFirewall>();
        var r = Assert.Single(fw.GetNatRules(FirewallScope.Global, None));
        Assert.Equal(("map route10 10.10.1.0/24 -> 192.168.1.0/24", "map", 1), (r.Text, r.Kind, r.Position));
        Assert.Equal(["route10"], r.Interfaces);
        Assert.Empty(fw.GetNatSessions(new FirewallScope("web", GlobalControlled: true), None));
        Assert.Contains("ipnat -l -G web", runner.Commands);
        Assert.Empty(fw.GetNatSessions(new FirewallScope("web"), None));
        Assert.Contains("ipnat -l -z web", runner.Commands);
        Assert.Equal("FirewallZoneNameInvalid", Assert.Throws<IllumosException>(() => fw.GetNatRules(new FirewallScope("a;b"), None)).ErrorId);
    }

    [FixtureFact]
    public void Removing_an_active_nat_rule_edits_the_managed_file_or_refuses_an_unmanaged_one()
    {
        var runner = new NatHostRunner(Fixtures.Read("ipnat-l-one-map-rule.txt"));
        using var host = new NativeHost(runner, "nat");
        var fw = host.Facility<IFirewall>();
        var e = Assert.Throws<IllumosException>(() => fw.RemoveNatRule(FirewallScope.Global, 1, None));
        Assert.Equal(("NatRuleNotManaged", ErrorKind.InvalidOperation), (e.ErrorId, e.Kind));
        Assert.DoesNotContain(runner.Commands, c => c.StartsWith("tee", StringComparison.Ordinal));

        runner.Files["/etc/ipf/ipnat.conf"] = "map e0 10.0.0.0/8 -> 192.0.2.1/32\nmap route10 10.10.1.0/24 -> 192.168.1.0/24\n";
        fw.RemoveNatRule(FirewallScope.Global, 1, None);
        Assert.Equal("map e0 10.0.0.0/8 -> 192.0.2.1/32\n", runner.Files["/etc/ipf/ipnat.conf"]);
        Assert.Contains("ipnat -CF -f /etc/ipf/ipnat.conf", runner.Commands);
    }

    [FixtureFact]
    public void Native_nat_sessions_from_the_empty_listing()
    {
        var runner = new NatHostRunner(Fixtures.Read("ipnat-l-empty-illumos.txt"));
        using var host = new NativeHost(runner, "nat");
        var fw = host.Facility<IFirewall>();
        Assert.Empty(fw.GetNatRules(FirewallScope.Global, None));
        Assert.Empty(fw.GetNatSessions(FirewallScope.Global, None));
    }

    [Fact]
    public void Native_nat_sessions_become_nat_session_objects()
    {
        var runner = new NatHostRunner("List of active MAP/Redirect filters:\n\nList of active sessions:\nRDR 10.0.0.5        8080  <- -> 192.0.2.1       80    [198.51.100.7 51000]\n");
        using var host = new NativeHost(runner, "nat");
        var s = Assert.Single(host.Facility<IFirewall>().GetNatSessions(FirewallScope.Global, None));
        Assert.Equal(("rdr", "tcp/udp", "10.0.0.5,8080", "192.0.2.1,80", "198.51.100.7,51000"), (s.Kind, s.Protocol, s.Inside, s.Outside, s.Remote));
    }

    [FixtureFact]
    public void Physical_link_macs_through_dladm_show_phys_m()
    {
        using var dir = new ReplayDir();
        dir.Add(SystemCommands.ShowPhysMacs(), ListingDetailParserTests.PhysMacRows(Fixtures.Read("dladm-show-phys-m-factory-macs.txt")));
        var counter = new CountingRunner(new ReplayRunner(dir.Path));
        using var host = new NativeHost(counter, "replay");
        var m = new NativeListings(host).GetPhysicalLinkMacs(None);
        Assert.Equal(["dladm", "show-phys", "-m", "-p", "-o", "link,slot,address,inuse,client"], counter.Commands[^1]);
        Assert.Equal(["primary", "1", "2", "3"], m.Select(x => x.Slot));
        Assert.Equal([true, true, false, false], m.Select(x => x.InUse));
    }
}
