using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists VNICs (dladm show-vnic -p -o link,over,speed,macaddress,macaddrtype,vid,zone).</summary>
[Cmdlet(VerbsCommon.Get, "Vnic")]
[OutputType(typeof(Vnic))]
public sealed class GetVnicCommand : IllumosCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Link")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord() =>
        WriteListing(s => s.Facility<ISystemListings>().GetVnics(null, StopToken), Name, v => v.Name, "Vnic");
}
