using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists datalinks (dladm show-link -p -o link,class,mtu,state,bridge,over).</summary>
[Cmdlet(VerbsCommon.Get, "Datalink")]
[OutputType(typeof(Datalink))]
public sealed class GetDatalinkCommand : LinkListingCmdlet<Datalink>
{
    private protected override string Noun => "Datalink";
    private protected override IReadOnlyList<Datalink> List(ISystemListings listings, CancellationToken ct) => listings.GetDatalinks(null, ct);
    private protected override string NameOf(Datalink link) => link.Name;
}
