using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Zones;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists zones (zoneadm list -cp), the global zone included.</summary>
[Cmdlet(VerbsCommon.Get, "Zone")]
[OutputType(typeof(Zone))]
public sealed class GetZoneCommand : IllumosCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ZoneName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only zones in these states (running, installed, configured, ...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? State { get; set; }

    /// <summary>Only zones of these brands (ipkg, lipkg, joyent, lx, bhyve, ...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Brand { get; set; }

    protected override void ProcessRecord() =>
        WriteListing(s => s.Facility<ISystemListings>().GetZones(StopToken), Name, z => z.Name, "Zone", selected => selected
            .Where(z => State is not { Length: > 0 } || State.Contains(z.State, StringComparer.OrdinalIgnoreCase))
            .Where(z => Brand is not { Length: > 0 } || (z.Brand is not null && Brand.Contains(z.Brand, StringComparer.OrdinalIgnoreCase))));
}
