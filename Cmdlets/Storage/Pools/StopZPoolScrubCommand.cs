using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Cancels a scrub (zpool scrub -s); the next Start-ZPoolScrub starts over.</summary>
[Cmdlet(VerbsLifecycle.Stop, "ZPoolScrub", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZPoolStatus))]
public sealed class StopZPoolScrubCommand : ZPoolActionCmdlet
{
    protected override void ProcessRecord() =>
        ForEachSelectedPool( (s, storage, pool) =>
        {
            if (!ShouldProcess(pool, "Cancel scrub")) return;
            storage.StopScrub(pool, StopToken);
            if (PassThru) WriteObject(Stamp(storage.GetStatus(pool, false, StopToken), s));
        });
}
