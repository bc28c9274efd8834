using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists VNICs (dladm show-vnic -p -o link,over,speed,macaddress,macaddrtype,vid,zone).</summary>
[Cmdlet(VerbsCommon.Get, "Vnic")]
[OutputType(typeof(Vnic))]
public sealed class GetVnicCommand : LinkListingCmdlet<Vnic>
{
    private protected override string Noun => "Vnic";
    private protected override IReadOnlyList<Vnic> List(ISystemListings listings, CancellationToken ct) => listings.GetVnics(null, ct);
    private protected override string NameOf(Vnic link) => link.Name;
}
