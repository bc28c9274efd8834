using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists datalinks (dladm show-link -p -o link,class,mtu,state,bridge,over); -Detailed adds the tunnel of iptun links (dladm show-iptun).</summary>
[Cmdlet(VerbsCommon.Get, "Datalink")]
[OutputType(typeof(Datalink))]
public sealed class GetDatalinkCommand : LinkListingCmdlet<Datalink>
{
    private protected override string Noun => "Datalink";
    private protected override IReadOnlyList<Datalink> List(ISystemListings listings, CancellationToken ct) => listings.GetDatalinks(null, ct);
    private protected override string NameOf(Datalink link) => link.Name;

    /// <summary>Adds the tunnel type and endpoints of iptun links (dladm show-iptun, run only when there is one).</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    private protected override IReadOnlyList<Datalink> Complete(ISystemListings listings, IReadOnlyList<Datalink> links, CancellationToken ct)
    {
        if (!Detailed || !links.Any(l => l.Class == "iptun")) return links;
        var tunnels = listings.GetIpTunnels(ct).ToDictionary(t => t.Link, StringComparer.Ordinal);
        return links.Select(l => l.Class == "iptun" && tunnels.TryGetValue(l.Name, out var t) ? l with { Tunnel = t } : l).ToList();
    }
}
