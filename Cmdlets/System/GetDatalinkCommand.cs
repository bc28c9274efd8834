using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Network;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>Lists datalinks (dladm show-link -p -o link,class,mtu,state,bridge,over).</summary>
[Cmdlet(VerbsCommon.Get, "Datalink")]
[OutputType(typeof(Datalink))]
public sealed class GetDatalinkCommand : IllumosCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Link")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord() =>
        WriteListing(s => s.Facility<ISystemListings>().GetDatalinks(null, StopToken), Name, l => l.Name, "Datalink");
}
