using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>
/// The dladm listings (Get-Datalink, Get-PhysicalLink, Get-Vnic): an optional -Name (alias Link, wildcards,
/// by value or property name) selecting among the links one dladm command lists on each session.
/// </summary>
public abstract class LinkListingCmdlet<T> : IllumosCmdlet where T : HostObject
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Link")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>The noun of not-found errors ("Datalink" gives DatalinkNotFound).</summary>
    private protected abstract string Noun { get; }

    private protected abstract IReadOnlyList<T> List(ISystemListings listings, CancellationToken ct);

    private protected abstract string NameOf(T link);

    /// <summary>A hook for -Detailed: fills in what a second command tells about the listed links.</summary>
    private protected virtual IReadOnlyList<T> Complete(ISystemListings listings, IReadOnlyList<T> links, CancellationToken ct) => links;

    protected override void ProcessRecord() =>
        WriteListing(s => { var l = s.Facility<ISystemListings>(); return Complete(l, List(l, StopToken), StopToken); }, Name, NameOf, Noun);
}
