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

    protected override void ProcessRecord() =>
        WriteListing(s => List(s.Facility<ISystemListings>(), StopToken), Name, NameOf, Noun);
}
