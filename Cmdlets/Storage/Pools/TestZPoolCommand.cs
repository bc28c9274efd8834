using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Whether pools are healthy, like zpool status -x: $true when every selected pool is ONLINE with no
/// device or data errors. -Detailed returns the status of each pool that is not.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "ZPool", DefaultParameterSetName = NameSet)]
[OutputType(typeof(bool), typeof(ZPoolStatus))]
public sealed class TestZPoolCommand : ZPoolQueryCmdlet
{
    private bool _healthy = true;

    /// <summary>Return the status of each unhealthy pool instead of $true/$false.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void ProcessRecord() =>
        ForEachSelectedPool( (s, storage, pool) =>
        {
            var status = storage.GetStatus(pool, Detailed, StopToken);
            if (status.IsHealthy) return;
            _healthy = false;
            if (Detailed) WriteObject(Stamp(status, s));
        });

    protected override void EndProcessing()
    {
        if (!Detailed) WriteObject(_healthy);
    }
}
