using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Starts (or resumes a paused) scrub: every block is read and verified, bad copies repaired (zpool scrub).</summary>
[Cmdlet(VerbsLifecycle.Start, "ZPoolScrub", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZPoolStatus))]
public sealed class StartZPoolScrubCommand : ZPoolActionCmdlet
{
    /// <summary>Wait for the scrub to finish, showing progress with percent, rate and time left.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord() =>
        ForEachSelectedPool( (s, storage, pool) =>
        {
            if (!ShouldProcess(pool, "Start scrub")) return;
            storage.StartScrub(pool, StopToken);
            ZPoolStatus? final = Wait ? ZPoolScanWaiter.Wait(storage, pool, "Scrubbing", WriteProgress, StopToken) : null;
            if (PassThru) WriteObject(Stamp(final ?? storage.GetStatus(pool, false, StopToken), s));
        });
}
