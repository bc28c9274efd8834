using Illumos.Engine.Native.Parsers;
using Xunit;

namespace Illumos.Engine.Tests.Native;

public class SystemListingParserTests
{
    [FixtureFact]
    public void Zoneadm_eight_fields_omnios()
    {
        var z = ZoneadmParser.Parse(Fixtures.Read("zoneadm-list-cp-omnios-lipkg-pkgsrc.txt"));
        Assert.Equal(["global", "cube-media", "cube-ws", "gold-lipkg-b"], z.Select(x => x.Name));
        Assert.Equal((0, "/", (string?)null, "ipkg", "shared", 0), (z[0].Id!.Value, z[0].Path, z[0].Uuid, z[0].Brand, z[0].IpType, z[0].DebugId!.Value));
        Assert.Equal((42, "running", "c624d04f-d0d9-e1e6-822e-acebc78ec9ff", "lipkg", "excl", 128), (z[1].Id!.Value, z[1].State, z[1].Uuid, z[1].Brand, z[1].IpType, z[1].DebugId!.Value));
        Assert.Null(z[3].Id);
        Assert.Equal("installed", z[3].State);
    }

    [FixtureFact]
    public void Zoneadm_smartos_solaris10_solaris11()
    {
        var s = ZoneadmParser.Parse(Fixtures.Read("zoneadm-list-cp-smartos-joyent-minimal.txt"));
        Assert.Equal(("liveimg", "joyent-minimal"), (s[0].Brand, s[1].Brand));
        Assert.Equal(s[1].Name, s[1].Uuid);
        var s10 = Assert.Single(ZoneadmParser.Parse(Fixtures.Read("zoneadm-list-cp-solaris-native.txt")));
        Assert.Equal(("dummy", "native", (int?)null), (s10.Name, s10.Brand, s10.DebugId));
        var s11 = ZoneadmParser.Parse(Fixtures.Read("zoneadm-list-cp-solaris11-10-fields.txt"));
        Assert.Equal(3, s11.Count);
        Assert.Equal(("z1", "$PKG_TZR1", "solaris", "excl"), (s11[1].Name, s11[1].Path, s11[1].Brand, s11[1].IpType));
        Assert.Equal(["none", ""], s11[0].ExtraFields);
    }

    [Fact]
    public void Zoneadm_escaped_colon_in_zonepath_and_literal_backslash()
    {
        var z = Assert.Single(ZoneadmParser.Parse("-:web:installed:/zones/a\\:b\\c::lipkg:excl:\n"));
        Assert.Equal("/zones/a:b\\c", z.Path);
        Assert.Null(z.DebugId);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => ZoneadmParser.Parse("0:global:running\n")).Kind);
        Assert.Equal(ErrorKind.ParserError, Assert.Throws<IllumosException>(() => ZoneadmParser.Parse("x:global:running:/::ipkg:shared:0\n")).Kind);
    }

    [FixtureFact]
    public void Dladm_links_unknown_state()
    {
        var l = DladmParser.ParseLinks(Fixtures.Read("dladm-show-link-p-o-link-class-mtu-state-smartos.txt"), ["link", "class", "mtu", "state"]);
        Assert.Equal(5, l.Count);
        Assert.Equal(("ixgbe0", "phys", 1500, "up"), (l[1].Name, l[1].Class, l[1].Mtu!.Value, l[1].State));
        Assert.Equal(("net1", "vnic", "?"), (l[4].Name, l[4].Class, l[4].State));
    }

    [FixtureFact]
    public void Dladm_phys_and_escaped_macs()
    {
        var p = DladmParser.ParsePhys(Fixtures.Read("dladm-show-phys-p-o-link-state-speed-duplex-smartos.txt"), ["link", "state", "speed", "duplex"]);
        Assert.Equal(("igb0", "down", 0UL, "half"), (p[0].Name, p[0].State, p[0].Speed!.Value, p[0].Duplex));
        Assert.Equal(10000UL, p[1].Speed);
        var macs = DladmParser.ParseRows(Fixtures.Read("dladm-show-phys-m-p-o-link-address-smartos.txt"), ["link", "address"]);
        Assert.Equal(("igb0", "24:6e:96:24:2f:5c"), (macs[0]["link"], macs[0]["address"]));
        Assert.Equal("24:6e:96:24:2f:5a", macs[1]["ADDRESS"]);
        Assert.Equal("02:08:20:d7:56:0a", DladmParser.NormalizeMac("2:8:20:D7:56:a"));
    }

    [FixtureFact]
    public void Ipadm_libofmt_escaping()
    {
        var a = DladmParser.ParseRows(Fixtures.Read("ipadm-show-addr-p-o-addrobj-addr-smartos.txt"), ["addrobj", "addr"], "ipadm show-addr -p");
        Assert.Equal(("lo0/v6", "::1/128"), (a[3]["addrobj"], a[3]["addr"]));
        Assert.Equal(("ixgbe3/_a", "10.65.245.20/24"), (a[1]["addrobj"], a[1]["addr"]));
        var s = DladmParser.ParseRows(Fixtures.Read("ipadm-show-addr-p-o-state-addr-ipv6-escaped.txt"), ["STATE", "ADDR"], "ipadm show-addr -p");
        Assert.Equal(("ok", "fe80::20c:29ff:fe3d:f60c/10"), (s[3]["state"], s[3]["addr"]));
        var s11 = DladmParser.ParseRows(Fixtures.Read("ipadm-show-addr-p-solaris11-test-cases.txt"), ["addrobj", "type", "state", "addr"], "ipadm show-addr -p");
        Assert.Equal(5, s11.Count);
        Assert.Equal("127.0.0.1/8->1.2.3.4/8", s11[1]["addr"]); // "\1" is an escaped '1'
        Assert.Equal(("dhcp", "?"), (s11[2]["type"], s11[2]["addr"]));
        Assert.Equal(("disabled", ""), (s11[3]["state"], s11[3]["addr"]));
        var one = DladmParser.ParseRows("a\\b:c\n", ["addr"]);
        Assert.Equal("a\\b:c", one[0]["addr"]); // one field: nothing is escaped
        var vn = Assert.Single(DladmParser.ParseVnics("vnic0:e1000g0:1000:2\\:8\\:20\\:d7\\:56\\:a:random:0:web\n"));
        Assert.Equal(("e1000g0", "02:08:20:d7:56:0a", "random", 0, "web"), (vn.Over, vn.MacAddress, vn.MacAddressType, vn.Vid!.Value, vn.Zone));
    }

    [FixtureFact]
    public void Svcs_all_states_and_transition_marker()
    {
        var s = SvcsParser.Parse(Fixtures.Read("svcs-Za-H-o-state-fmri-zone-all-states.txt"), ["state", "fmri", "zone"]);
        Assert.Equal(9, s.Count);
        Assert.Equal(["online", "offline", "maintenance", "disabled", "degraded", "legacy_run", "uninitialized", "online", "?"], s.Select(x => x.State));
        Assert.True(s[7].Transitioning);
        Assert.False(s[0].Transitioning);
        Assert.True(s[5].IsLegacy);
        Assert.All(s, x => Assert.Equal("global", x.Zone));
    }

    [FixtureFact]
    public void Svcs_zone_first_ctid_and_headers()
    {
        var z = SvcsParser.Parse(Fixtures.Read("svcs-aHZ-o-zone-state-fmri-omnios.txt"), ["zone", "state", "fmri"]);
        Assert.Equal(19, z.Count);
        Assert.Equal(("cube-pkgsrc", "maintenance", "svc:/system/filesystem/local:default"), (z[0].Zone, z[0].State, z[0].Fmri));
        var c = SvcsParser.Parse(Fixtures.Read("svcs-vH-o-ctid-fmri-omnios.txt"), ["ctid", "fmri"]);
        Assert.Equal((870L, "lrc:/etc/rc2_d/S89PRESERVE"), (c[0].ContractId!.Value, c[0].Fmri));
        Assert.Null(c[2].ContractId);
        Assert.Equal(845L, c.Single(x => x.Fmri == "svc:/system/cron:default").ContractId);
        var n = SvcsParser.Parse(string.Join('\n', Fixtures.Read("svcs-o-state-nstate-fmri.txt").Split('\n').Skip(1)), ["state", "nstate", "fmri"]);
        Assert.Equal(("disabled", (string?)null, "svc:/service1:instance2"), (n[1].State, n[1].NextState, n[1].Fmri));
        var d = SvcsParser.Parse(string.Join('\n', Fixtures.Read("svcs-default-human.txt").Split('\n').Skip(1)), ["state", "stime", "fmri"]);
        Assert.Equal(("disabled", "Aug_02", "svc:/network/rpc/keyserv:default"), (d[^1].State, d[^1].StartTime, d[^1].Fmri));
        var desc = Assert.Single(SvcsParser.Parse("online  10:00:00 svc:/a:default   A service with blanks\n", ["state", "stime", "fmri", "desc"]));
        Assert.Equal("A service with blanks", desc.Description);
    }

    [FixtureFact]
    public void Vmadm_list_and_get()
    {
        var l = VmadmParser.ParseList(Fixtures.Read("vmadm-list-p-uuid-type-ram-state-alias.txt"));
        Assert.Equal(8, l.Count);
        Assert.Equal(("26e4d675-d3cf-6d90-ba6d-e33a8a79a1f4", "KVM", 4096UL, "running", "buildslave"), (l[6].Uuid, l[6].Type, l[6].RamMiB!.Value, l[6].State, l[6].Alias));
        var colon = Assert.Single(VmadmParser.ParseList("u-1:OS:512:stopped:alias:with:colons\n".Replace("u-1", "11111111-2222-3333-4444-555555555555")));
        Assert.Equal("alias:with:colons", colon.Alias);

        var vm = Assert.Single(VmadmParser.ParseJson(Fixtures.Read("vmadm-get-joyent-os-zone.json.txt")));
        Assert.Equal(("61316833-2323-4d07-a4be-4a25d76f63a6", "joyent", "OS", "mailbk", "mailbk.nym.se"), (vm.Uuid, vm.Brand, vm.Type, vm.Alias, vm.HostName));
        Assert.Equal(1024UL, vm.RamMiB);
        Assert.Equal(new DateTimeOffset(2015, 3, 12, 14, 6, 4, 736, TimeSpan.Zero), vm.Created);
        var nic = vm.Nics[0];
        Assert.Equal(("net0", "c2:33:ad:fc:4e:e4", "internal"), (nic.Interface, nic.Mac, nic.NicTag));
        Assert.Equal(["172.16.32.28/24", "2001:7a0:8003:32::28/64"], nic.Ips);
        Assert.Equal("8.8.8.8", vm.Properties.ContainsKey("resolvers") ? "" : "8.8.8.8");

        var bhyve = Assert.Single(VmadmParser.ParseJson(Fixtures.Read("vmadm-get-subset-bhyve-disk-sort.json.txt")));
        Assert.Equal(("bhyve", "BHYV", 1024UL, false), (bhyve.Brand, bhyve.Type, bhyve.RamMiB!.Value, bhyve.Autoboot!.Value));
        Assert.Equal(2, bhyve.Disks.Count);
        Assert.True(bhyve.Disks[0].Boot);
        Assert.Equal(10240UL, bhyve.Disks[0].SizeMiB);
        foreach (var f in new[] { "vmadm-get-subset-kvm-disk-sort.json.txt", "vmadm-get-subset-maximal-joyent.json.txt" })
        {
            var v = Assert.Single(VmadmParser.ParseJson(Fixtures.Read(f)));
            Assert.False(string.IsNullOrEmpty(v.Uuid));
            Assert.NotNull(v.Brand);
        }
    }

    [FixtureFact]
    public void Ipfstat_empty_lists_on_stderr_and_rule_lines()
    {
        var stderr = Fixtures.Read("ipfstat-empty-list-goes-to-stderr-smartos.txt");
        Assert.True(IpfstatParser.IsEmptyListNotice(stderr));
        Assert.Empty(IpfstatParser.Parse("", stderr));
        var rules = IpfstatParser.Parse("0 @1 pass out quick proto tcp from any to any port = 22 keep state\n12 @1 block in all\n");
        Assert.Equal(("out", 1, 0UL), (rules[0].Direction, rules[0].Number!.Value, rules[0].Hits!.Value));
        Assert.Equal("pass out quick proto tcp from any to any port = 22 keep state", rules[0].Text);
        Assert.Equal(("in", 12UL, "block in all"), (rules[1].Direction, rules[1].Hits!.Value, rules[1].Text));
        Assert.False(IpfstatParser.IsEmptyListNotice("ipfstat: permission denied\n"));
    }
}
