using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists physical links (dladm show-phys -p -o link,media,state,speed,duplex,device).</summary>
[Cmdlet(VerbsCommon.Get, "PhysicalLink")]
[OutputType(typeof(PhysicalLink))]
public sealed class GetPhysicalLinkCommand : LinkListingCmdlet<PhysicalLink>
{
    private protected override string Noun => "PhysicalLink";
    private protected override IReadOnlyList<PhysicalLink> List(ISystemListings listings, CancellationToken ct) => listings.GetPhysicalLinks(ct);
    private protected override string NameOf(PhysicalLink link) => link.Name;
}
