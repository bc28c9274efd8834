using Illumos.Engine.Languages.Ipf;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Network;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>The detail parsers (svcs -l/-x/-p, svcprop, zonecfg info, ipnat -l, ipf -V) against the real samples.</summary>
public class ListingDetailParserTests
{
    [FixtureFact]
    public void Svcs_l_reads_keys_empty_contract_and_dependency_state()
    {
        var s = Assert.Single(SvcsLongParser.Parse(Fixtures.Read("svcs-l-inetd-service.txt")));
        Assert.Equal("svc:/network/rpc/rstat:udp", s.Fmri);
        Assert.Equal(("online", (string?)null, false), (s.State, s.NextState, s.Transitioning));
        Assert.True(s.Enabled);
        Assert.Null(s.EnabledTemporary);
        Assert.Equal("svc:/network/inetd:default", s.Restarter);
        Assert.Null(s.ContractId);
        var d = Assert.Single(s.Dependencies);
        Assert.Equal(("require_all", "error", "online"), (d.Grouping, d.RestartOn, d.State));
        Assert.Equal(["svc:/network/rpc/bind"], d.Fmris);
    }

    [Fact]
    public void Svcs_l_reads_temporary_enabled_several_instances_and_several_fmris_per_dependency()
    {
        var text = "fmri         svc:/a/b:default\nname         A B service\nenabled      false (temporary)\nstate        disabled\nnext_state   none\n" +
                   "logfile      /var/svc/log/a-b:default.log\ncontract_id  77\nmanifest     /lib/svc/manifest/a.xml\nmanifest     /lib/svc/manifest/b.xml\n" +
                   "dependency   optional_all/none svc:/x svc:/y (absent)\n\nfmri         svc:/c:default\nstate        online*\nnext_state   offline\n";
        var l = SvcsLongParser.Parse(text);
        Assert.Equal(2, l.Count);
        Assert.Equal(("A B service", true, false, true), (l[0].Description, l[0].Enabled, l[0].EnabledTemporary, l[0].EffectiveEnabled == false));
        Assert.Equal(77L, l[0].ContractId);
        Assert.Equal(["/lib/svc/manifest/a.xml", "/lib/svc/manifest/b.xml"], l[0].Manifests);
        Assert.Equal(["svc:/x", "svc:/y"], l[0].Dependencies[0].Fmris);
        Assert.Equal("absent", l[0].Dependencies[0].State);
        Assert.Equal(("offline", true), (l[1].NextState, l[1].Transitioning));
        Assert.Equal("NativeOutputUnreadable", Assert.Throws<IllumosException>(() => SvcsLongParser.Parse("fmri svc:/a\nenabled maybe\n")).ErrorId);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcsLongParser.Parse("state online\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcsLongParser.Parse("fmri svc:/a\ndependency nonsense\n")).Kind);
    }

    [FixtureFact]
    public void Svcs_x_reads_state_since_reason_see_lines_and_impact()
    {
        var e = Assert.Single(SvcsExplainParser.Parse(Fixtures.Read("svcs-x-disabled-root-cause.txt")));
        Assert.Equal(("svc:/application/print/server:default", "LP print server"), (e.Fmri, e.Description));
        Assert.Equal(("disabled", "Mon Feb 13 17:56:21 2006"), (e.State, e.Since));
        Assert.Equal("Disabled by an administrator.", e.Reason);
        Assert.Equal(["http://sun.com/msg/SMF-8000-05", "lpsched(1M)"], e.SeeAlso);
        Assert.Equal("2 dependent services are not running. (Use -v for list.)", e.Impact);
        Assert.Empty(e.Path);
    }

    [FixtureFact]
    public void Svcs_xv_joins_the_continued_reason_and_reads_the_dependency_path()
    {
        var e = Assert.Single(SvcsExplainParser.Parse(Fixtures.Read("svcs-xv-offline-dependency-path.txt")));
        Assert.Equal(("svc:/network/nfs/client:default", "NFS client", "offline"), (e.Fmri, e.Description, e.State));
        Assert.Equal("Service svc:/network/nfs/status:default is not running because a method failed repeatedly.", e.Reason);
        Assert.Equal(["svc:/network/nfs/client:default", "svc:/network/nfs/nlockmgr:default", "svc:/network/nfs/status:default"], e.Path);
        Assert.Equal(3, e.SeeAlso.Count);
        Assert.Equal("man -M /usr/share/man -s 1M mount_nfs", e.SeeAlso[1]);
        Assert.Equal("/var/svc/log/network-nfs-client:default.log", e.SeeAlso[2]);
        Assert.Equal("This service is not running.", e.Impact);
    }

    [Fact]
    public void Svcs_xv_lists_impacted_dependents_and_separates_services()
    {
        var text = "svc:/a:default (A)\n State: maintenance since Tue Mar  3 10:00:00 2020\nReason: Start method failed.\nImpact: 2 dependent services are not running:\n" +
                   "        svc:/b:default\n        svc:/c:default\n\nsvc:/d:default (D)\n State: online since Tue Mar  3 10:00:00 2020\nImpact: None.\n";
        var l = SvcsExplainParser.Parse(text);
        Assert.Equal(2, l.Count);
        Assert.Equal("2 dependent services are not running", l[0].Impact);
        Assert.Equal(["svc:/b:default", "svc:/c:default"], l[0].ImpactedServices);
        Assert.Equal(("online", "None."), (l[1].State, l[1].Impact));
        Assert.Empty(SvcsExplainParser.Parse(""));
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcsExplainParser.Parse("Reason: nothing before\n")).Kind);
    }

    [FixtureFact]
    public void Svcs_p_gives_the_processes_of_the_service_even_without_indentation()
    {
        var s = Assert.Single(SvcsHumanParser.Parse(Fixtures.Read("svcs-p-processes.txt")));
        Assert.Equal(("svc:/network/smtp:sendmail", "online", "13:25:13"), (s.Fmri, s.State, s.StartTime));
        Assert.Equal([(100939, "13:25:15", "sendmail"), (100940, "13:25:15", "sendmail")], s.Processes.Select(p => (p.Pid, p.StartTime!, p.Command)));
    }

    [FixtureFact]
    public void Svcs_v_reads_nstate_and_the_right_aligned_empty_ctid()
    {
        var s = Assert.Single(SvcsHumanParser.Parse(Fixtures.Read("svcs-v.txt")));
        Assert.Equal(("svc:/network/rpc/rstat:udp", "online", (string?)null, "Aug_09", (long?)null), (s.Fmri, s.State, s.NextState, s.StartTime, s.ContractId));
        Assert.Empty(s.Processes);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcsHumanParser.Parse("online 10:00:00 svc:/a:default\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcsHumanParser.Parse("STATE STIME FMRI\n 10:00:00 12 x\n")).Kind);
    }

    [FixtureFact]
    public void Svcprop_reads_types_multiple_values_valueless_properties_and_the_temporary_override()
    {
        var p = SvcpropParser.Parse(Fixtures.Read("svcprop-instance-all-props-temp-enabled.txt"));
        Assert.Equal(30, p.Count);
        var byPath = p.ToDictionary(x => x.Path);
        Assert.Equal(("boolean", "false"), (byPath["general/enabled"].Type, byPath["general/enabled"].Value!));
        Assert.Equal("true", byPath["general_ovr/enabled"].Value);
        Assert.Equal(["svc:/network/nfs/client", "svc:/system/filesystem/autofs"], byPath["remote-filesystems/entities"].Values);
        Assert.Equal("fmri", byPath["remote-filesystems/entities"].Type);
        Assert.Empty(byPath["restarter/transient_contract"].Values);
        Assert.Equal("count", byPath["restarter/transient_contract"].Type);
        Assert.Equal("1222992237.506096000", byPath["restarter/start_method_timestamp"].Value);
        Assert.Equal(":true", byPath["stop/exec"].Value);
        Assert.Equal(("restarter_actions", "maint_on"), (byPath["restarter_actions/maint_on"].PropertyGroup, byPath["restarter_actions/maint_on"].Name));
    }

    [Fact]
    public void Svcprop_unquotes_backslashes_empty_strings_and_full_property_fmris()
    {
        var p = SvcpropParser.Parse("tm_common_name/C ustring Network\\ Time\\ \\(NTP\\)\\ \"daemon\"\nstart/exec astring \"\"\nsvc:/a:default/:properties/x/y astring a\\\\b c\n");
        Assert.Equal("Network Time (NTP) \"daemon\"", p[0].Value);
        Assert.Equal([""], p[1].Values);
        Assert.Equal(("x", "y"), (p[2].PropertyGroup, p[2].Name));
        Assert.Equal(["a\\b", "c"], p[2].Values);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcpropParser.Parse("general/enabled\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcpropParser.Parse("noslash boolean true\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => SvcpropParser.Parse("a/b astring x\\")).Kind);
    }

    [FixtureFact]
    public void Zonecfg_info_shared_ip_two_nets()
    {
        var c = ZonecfgInfoParser.Parse(Fixtures.Read("zonecfg-info-shared-ip-two-nets.txt"));
        Assert.Equal(("dummy", "/dummy/z", "native", true, "shared"), (c.ZoneName!, c.ZonePath!, c.Brand!, c.Autoboot!.Value, c.IpType!));
        Assert.False(c.Properties.ContainsKey("bootargs"));
        Assert.False(c.Properties.ContainsKey("hostid"));
        var nets = c.Networks.ToList();
        Assert.Equal(2, nets.Count);
        Assert.Equal(("1.1.1.1", "ex0001"), (nets[0]["address"], nets[0]["physical"]));
        Assert.Equal(("1.1.1.2", "ex0002"), (nets[1]["address"], nets[1]["physical"]));
        Assert.Null(nets[0]["defrouter"]);
    }

    [FixtureFact]
    public void Zonecfg_info_exclusive_ip_net()
    {
        var c = ZonecfgInfoParser.Parse(Fixtures.Read("zonecfg-info-exclusive-ip-net.txt"));
        Assert.Equal("exclusive", c.IpType);
        var net = Assert.Single(c.Resources);
        Assert.Equal("net", net.Type);
        Assert.Equal(("net1", "true"), (net["physical"], net["configure-allowed-address"]));
        Assert.Null(net["address"]);
        Assert.Null(net["allowed-address"]);
        Assert.Equal(2, net.Properties.Count);
    }

    [Fact]
    public void Zonecfg_info_tab_indentation_repeated_rctl_values_and_errors()
    {
        var c = ZonecfgInfoParser.Parse("zonename: z\nrctl:\n\tname: zone.max-lwps\n\tvalue: (priv=privileged,limit=2000,action=deny)\n\tvalue: (priv=basic,limit=100,action=none)\ndataset:\n\tname: tank/z\n");
        Assert.Equal(2, c.Resources.Count);
        Assert.Equal("(priv=privileged,limit=2000,action=deny) (priv=basic,limit=100,action=none)", c.Resources[0]["value"]);
        Assert.Equal("tank/z", c.Resources[1]["name"]);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => ZonecfgInfoParser.Parse("\tphysical: e0\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => ZonecfgInfoParser.Parse("no colon here\n")).Kind);
    }

    [FixtureFact]
    public void Ipnat_l_empty_lists_nothing()
    {
        var l = IpnatListParser.Parse(Fixtures.Read("ipnat-l-empty-illumos.txt"));
        Assert.Empty(l.Rules);
        Assert.Empty(l.Sessions);
    }

    [FixtureFact]
    public void Ipnat_l_rules_go_through_the_ipnat_language()
    {
        var l = IpnatListParser.Parse(Fixtures.Read("ipnat-l-one-map-rule.txt"));
        var r = Assert.Single(l.Rules);
        Assert.Equal(NatKind.Map, r.Kind);
        Assert.Equal(["route10"], r.Interfaces);
        Assert.Equal("map route10 10.10.1.0/24 -> 192.168.1.0/24", IpnatPrinter.Print(r));
        Assert.Empty(l.Sessions);
    }

    [Fact]
    public void Ipnat_l_sessions_with_and_without_ports_and_verbose_lines()
    {
        var text = "List of active MAP/Redirect filters:\nrdr e0 192.0.2.1/32 port 80 -> 10.0.0.5 port 8080 tcp\n\nList of active sessions:\n" +
                   "RDR 10.0.0.5        8080  <- -> 192.0.2.1       80    [198.51.100.7 51000]\n\tage 86400 use 0 sumd 0/0 pr 6 bkt 1/2 flags 1\n" +
                   "MAP 10.0.0.9            <- -> 192.0.2.1             [198.51.100.8]\n\nList of active host mappings:\n10.0.0.9,1 -> 192.0.2.1 (198.51.100.8)\n";
        var l = IpnatListParser.Parse(text);
        Assert.Equal(NatKind.Rdr, Assert.Single(l.Rules).Kind);
        Assert.Equal(2, l.Sessions.Count);
        Assert.Equal(new IpnatSessionLine("rdr", "10.0.0.5", 8080, "192.0.2.1", 80, "198.51.100.7", 51000), l.Sessions[0]);
        Assert.Equal(new IpnatSessionLine("map", "10.0.0.9", null, "192.0.2.1", null, "198.51.100.8", null), l.Sessions[1]);
        var bad = Assert.Throws<IllumosException>(() => IpnatListParser.Parse("List of active MAP/Redirect filters:\nmap e0 10.0.0.0/8 ->\n"));
        Assert.Equal(("NativeOutputUnreadable", ErrorKind.ParserError), (bad.ErrorId, bad.Kind));
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => IpnatListParser.Parse("map e0 10.0.0.0/8 -> 1.2.3.4/32\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => IpnatListParser.Parse("")).Kind);
    }

    [FixtureFact]
    public void Ipf_V_splits_at_the_first_colon_and_the_logging_pair()
    {
        var v = IpfVersionParser.Parse(Fixtures.Read("ipf-V-smartos.txt"));
        Assert.Equal(("v4.1.9 (592)", "v4.1.9", true), (v.Version, v.KernelVersion, v.Running!.Value));
        Assert.Equal(("nomatch -> block all", "available"), (v.DefaultAction, v.Logging));
        Assert.Equal(("0 = none set", 0, "0x107"), (v.LogFlags, v.ActiveList!.Value, v.FeatureMask));
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => IpfVersionParser.Parse("Running: perhaps\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => IpfVersionParser.Parse("\n")).Kind);
    }

    /// <summary>The human dladm show-phys -m sample re-laid as the -p -o link,slot,address,inuse,client rows (':' in the MAC escaped, a missing CLIENT empty).</summary>
    internal static string PhysMacRows(string human) =>
        string.Concat(human.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => $"{f[0]}:{f[1]}:{f[2].Replace(":", "\\:", StringComparison.Ordinal)}:{f[3]}:{(f.Length > 4 ? f[4] : "")}\n"));

    [FixtureFact]
    public void Dladm_show_phys_m_gives_the_primary_and_factory_macs_zero_padded()
    {
        var m = DladmParser.ParsePhysMacs(PhysMacRows(Fixtures.Read("dladm-show-phys-m-factory-macs.txt")));
        Assert.Equal(4, m.Count);
        Assert.Equal(new PhysicalLinkMac("bge0", "primary", "00:e0:81:27:d4:47", true, "bge0"), m[0]);
        Assert.True(m[0].IsPrimary);
        Assert.Equal(new PhysicalLinkMac("bge0", "1", "08:00:20:fe:4e:a5", true, "hello0"), m[1]);
        Assert.Equal(("3", "08:00:20:fe:4e:a7", false, (string?)null), (m[3].Slot, m[3].Address, m[3].InUse, m[3].Client));
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => DladmParser.ParsePhysMacs("bge0:1:8\\:0\\:20\\:fe\\:4e\\:a5:maybe:\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => DladmParser.ParsePhysMacs("bge0:1::no:\n")).Kind);
    }

    /// <summary>The human dladm show-iptun sample re-laid as -p -o link,type,flags,source,destination rows ('--' is empty in -p).</summary>
    internal static string IptunRows(string human) =>
        string.Concat(human.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => string.Join(':', f.Select(x => x == "--" ? "" : x)) + "\n"));

    [FixtureFact]
    public void Dladm_show_iptun_gives_type_and_endpoints_and_none_for_6to4()
    {
        var t = DladmParser.ParseIptun(IptunRows(Fixtures.Read("dladm-show-iptun.txt")));
        Assert.Equal([new IpTunnel("mytunnel0", "ipv4", null, "66.1.2.3", "192.4.5.6"), new IpTunnel("sitetunnel0", "6to4", null, "75.10.11.12", null)], t);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => DladmParser.ParseIptun("t0::s:1.2.3.4:5.6.7.8\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => DladmParser.ParseIptun("t0:ipv4:1.2.3.4\n")).Kind);
    }
}
