using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists physical links (dladm show-phys -p -o link,media,state,speed,duplex,device); -Detailed adds their MAC address slots (dladm show-phys -m).</summary>
[Cmdlet(VerbsCommon.Get, "PhysicalLink")]
[OutputType(typeof(PhysicalLink))]
public sealed class GetPhysicalLinkCommand : LinkListingCmdlet<PhysicalLink>
{
    private protected override string Noun => "PhysicalLink";
    private protected override IReadOnlyList<PhysicalLink> List(ISystemListings listings, CancellationToken ct) => listings.GetPhysicalLinks(ct);
    private protected override string NameOf(PhysicalLink link) => link.Name;

    /// <summary>Adds the MAC address slots of each link, the primary and the factory ones (dladm show-phys -m).</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    private protected override IReadOnlyList<PhysicalLink> Complete(ISystemListings listings, IReadOnlyList<PhysicalLink> links, CancellationToken ct)
    {
        if (!Detailed) return links;
        var macs = listings.GetPhysicalLinkMacs(ct).ToLookup(m => m.Link, StringComparer.Ordinal);
        return links.Select(l => l with { MacAddresses = macs[l.Name].ToArray() }).ToList();
    }
}
