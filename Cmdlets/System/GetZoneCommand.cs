using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Zones;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists zones (zoneadm list -cp), the global zone included; -Detailed adds each zone's configuration (zonecfg -z zone info).</summary>
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

    /// <summary>Fills in Configuration from zonecfg -z zone info (the global zone has none).</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            ISystemListings? listings = null;
            IReadOnlyList<Zone>? zones = null;
            if (!Try(() => { listings = s.Facility<ISystemListings>(); zones = listings.GetZones(StopToken); }, s.ComputerName)) continue;
            var selected = SelectByName(zones!, Name, z => z.Name, "Zone", s)
                .Where(z => State is not { Length: > 0 } || State.Contains(z.State, StringComparer.OrdinalIgnoreCase))
                .Where(z => Brand is not { Length: > 0 } || (z.Brand is not null && Brand.Contains(z.Brand, StringComparer.OrdinalIgnoreCase)));
            foreach (var z in selected)
            {
                if (!Detailed || z.Name == "global") { WriteObject(Stamp(z, s)); continue; }
                var config = Try(() => listings!.GetZoneConfiguration(z.Name, StopToken), z.Name);
                if (config is not null) WriteObject(Stamp(z with { Configuration = config }, s));
            }
        }
    }
}
