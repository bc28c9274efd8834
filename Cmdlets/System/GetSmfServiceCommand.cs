using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Services;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists SMF service instances (svcs -H -a [-Z] -o state,nstate,stime,ctid[,zone],fmri).</summary>
[Cmdlet(VerbsCommon.Get, "SmfService")]
[OutputType(typeof(SmfService))]
public sealed class GetSmfServiceCommand : IllumosCmdlet
{
    /// <summary>FMRIs or wildcard patterns, matched against the full FMRI.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Fmri")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only instances in these states (online, offline, disabled, maintenance, degraded, legacy_run, uninitialized).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? State { get; set; }

    /// <summary>Services of every zone (svcs -Z); Zone is then filled in.</summary>
    [Parameter]
    public SwitchParameter AllZones { get; set; }

    protected override void ProcessRecord() =>
        WriteListing(s => s.Facility<ISystemListings>().GetServices(null, AllZones, StopToken), Name, v => v.Fmri, "SmfService",
            selected => State is { Length: > 0 } ? selected.Where(v => State.Contains(v.State, StringComparer.OrdinalIgnoreCase)) : selected);
}
