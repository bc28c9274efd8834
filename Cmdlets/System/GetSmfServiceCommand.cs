using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Services;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>
/// Lists SMF service instances (svcs -H -a [-Z] -o state,nstate,stime,ctid[,zone],fmri); -Detailed adds svcs -l,
/// svcs -p and svcprop for each selected instance; -Explain gives svcs -x's explanations instead (svcs -xv with -Detailed).
/// </summary>
[Cmdlet(VerbsCommon.Get, "SmfService", DefaultParameterSetName = ListSet)]
[OutputType(typeof(SmfService), ParameterSetName = [ListSet])]
[OutputType(typeof(SmfServiceExplanation), ParameterSetName = [ExplainSet])]
public sealed class GetSmfServiceCommand : IllumosCmdlet
{
    private const string ListSet = "List";
    private const string ExplainSet = "Explain";

    /// <summary>FMRIs or wildcard patterns, matched against the full FMRI.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Fmri")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only instances in these states (online, offline, disabled, maintenance, degraded, legacy_run, uninitialized).</summary>
    [Parameter(ParameterSetName = ListSet)]
    [ValidateNotNullOrEmpty]
    public string[]? State { get; set; }

    /// <summary>Services of every zone (svcs -Z); Zone is then filled in.</summary>
    [Parameter(ParameterSetName = ListSet)]
    public SwitchParameter AllZones { get; set; }

    /// <summary>Adds dependencies, log file, restarter, enabled state, processes and properties (svcs -l, svcs -p, svcprop); with -Explain, svcs -xv.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <summary>Why services are not running (svcs -x): of the named services, or of every service with a problem.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ExplainSet)]
    public SwitchParameter Explain { get; set; }

    protected override void ProcessRecord()
    {
        if (Explain)
        {
            foreach (var s in ResolveSessions())
            {
                var list = Try(() => s.Facility<ISystemListings>().ExplainServices(Name, Detailed, StopToken), s.ComputerName);
                if (list is not null) WriteRecords(list, s);
            }
            return;
        }
        if (!Detailed)
        {
            WriteListing(s => s.Facility<ISystemListings>().GetServices(null, AllZones, StopToken), Name, v => v.Fmri, "SmfService", Filter);
            return;
        }
        foreach (var s in ResolveSessions())
        {
            ISystemListings? listings = null;
            IReadOnlyList<SmfService>? items = null;
            if (!Try(() => { listings = s.Facility<ISystemListings>(); items = listings.GetServices(null, AllZones, StopToken); }, s.ComputerName)) continue;
            foreach (var v in Filter(SelectByName(items!, Name, x => x.Fmri, "SmfService", s)))
            {
                var detail = Try(() => listings!.GetServiceDetail(v, StopToken), v.Fmri);
                if (detail is not null) WriteObject(Stamp(detail, s));
            }
        }
    }

    private IEnumerable<SmfService> Filter(IEnumerable<SmfService> selected) =>
        State is { Length: > 0 } ? selected.Where(v => State.Contains(v.State, StringComparer.OrdinalIgnoreCase)) : selected;
}
