using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Pauses a scrub (zpool scrub -p); Start-ZPoolScrub resumes it where it stopped.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "ZPoolScrub", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZPoolStatus))]
public sealed class SuspendZPoolScrubCommand : ZPoolActionCmdlet
{
    protected override void ProcessRecord() =>
        ForEachSelectedPool( (s, storage, pool) =>
        {
            if (!ShouldProcess(pool, "Pause scrub")) return;
            storage.PauseScrub(pool, StopToken);
            if (PassThru) WriteObject(Stamp(storage.GetStatus(pool, false, StopToken), s));
        });
}
