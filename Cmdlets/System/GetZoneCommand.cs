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

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var zones = Try(() => s.Facility<ISystemListings>().GetZones(StopToken), s.ComputerName);
            if (zones is null) continue;
            var selected = SelectByName(zones, Name, z => z.Name, "Zone", s);
            if (State is { Length: > 0 }) selected = selected.Where(z => State.Contains(z.State, StringComparer.OrdinalIgnoreCase));
            if (Brand is { Length: > 0 }) selected = selected.Where(z => z.Brand is not null && Brand.Contains(z.Brand, StringComparer.OrdinalIgnoreCase));
            WriteRecords(selected, s);
        }
    }
}
