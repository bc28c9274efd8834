using Illumos.Engine.Native;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;
using Xunit;

namespace Illumos.Engine.Tests.Native;

public class NativeListingsTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [FixtureFact]
    public void Listings_through_a_replay_session()
    {
        using var dir = new ReplayDir();
        dir.Add(SystemCommands.ZoneList(), Fixtures.Read("zoneadm-list-cp-omnios-lipkg-pkgsrc.txt"));
        dir.Add(SystemCommands.VmList(), Fixtures.Read("vmadm-list-p-uuid-type-ram-state-alias.txt"));
        dir.Add(SystemCommands.VmGet("61316833-2323-4d07-a4be-4a25d76f63a6"), Fixtures.Read("vmadm-get-joyent-os-zone.json.txt"));
        dir.Add(SystemCommands.IpfRules(null), "", exit: 1, stderr: Fixtures.Read("ipfstat-empty-list-goes-to-stderr-smartos.txt"));
        dir.Add(SystemCommands.ShowLink(null), "e1000g0:phys:1500:up::\naggr1:aggr:9000:up:br0:e1000g1 e1000g2\n");
        dir.Add(SystemCommands.Svcs(null, allZones: true, out _), "online*        disabled  10:00:00     812 web       svc:/network/http:apache24\nlegacy_run     -         Aug_02         - global    lrc:/etc/rc2_d/S89PRESERVE\n");
        using var host = new NativeHost(new ReplayRunner(dir.Path), "replay");
        var l = new NativeListings(host);
        Assert.Equal(4, l.GetZones(None).Count);
        Assert.Equal(8, l.GetVms(None).Count);
        Assert.Equal("mailbk", l.GetVm("61316833-2323-4d07-a4be-4a25d76f63a6", None).Alias);
        Assert.Empty(l.GetFirewallRuleLines(null, None));
        var links = l.GetDatalinks(null, None);
        Assert.Equal(["e1000g1", "e1000g2"], links[1].Over);
        Assert.Equal(("br0", 9000), (links[1].Bridge, links[1].Mtu!.Value));
        var svcs = l.GetServices(null, allZones: true, None);
        Assert.Equal(("online", true, "disabled", 812L, "web"), (svcs[0].State, svcs[0].Transitioning, svcs[0].NextState, svcs[0].ContractId!.Value, svcs[0].Zone));
        Assert.Equal(("legacy_run", (long?)null, "Aug_02"), (svcs[1].State, svcs[1].ContractId, svcs[1].StartTime));
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => l.GetVm("not-a-uuid; reboot", None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => l.GetDatalinks("e1000g0;id", None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => l.GetServices(["svc:/a b"], false, None)).Kind);
    }

    [FixtureFact]
    public void Physical_links_from_dladm_show_phys()
    {
        using var dir = new ReplayDir();
        // the SmartOS sample has link:state:speed:duplex; laid out as the link,media,state,speed,duplex,device the listing asks for
        var rows = string.Concat(Fixtures.Read("dladm-show-phys-p-o-link-state-speed-duplex-smartos.txt").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':')).Select(f => $"{f[0]}::{f[1]}:{f[2]}:{f[3]}:\n"));
        dir.Add(SystemCommands.ShowPhys(), rows + "e1000g0:Ethernet:up:1000:full:e1000g0\n");
        var counter = new CountingRunner(new ReplayRunner(dir.Path));
        using var host = new NativeHost(counter, "replay");
        var p = new NativeListings(host).GetPhysicalLinks(None);
        Assert.Equal(["dladm", "show-phys", "-p", "-o", "link,media,state,speed,duplex,device"], counter.Commands[^1]);
        Assert.Equal([("igb0", "down", 0UL, "half"), ("ixgbe0", "up", 10000UL, "full"), ("e1000g0", "up", 1000UL, "full")],
            p.Select(x => (x.Name, x.State!, x.Speed!.Value, x.Duplex!)));
        Assert.Null(p[0].Media);
        Assert.Equal(("Ethernet", "e1000g0"), (p[2].Media, p[2].Device));
    }
}
