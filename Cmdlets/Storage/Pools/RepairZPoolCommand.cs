using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Replaces a device and resilvers onto the new one (zpool replace). Without -NewDevice the device is
/// replaced by itself (after a disk was swapped in place). -Wait follows the resilver with progress.
/// </summary>
[Cmdlet(VerbsDiagnostic.Repair, "ZPool", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPoolStatus))]
public sealed class RepairZPoolCommand : ZPoolDeviceCmdlet
{
    /// <summary>The device to replace.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ZPoolDeviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string Device { get; set; } = "";

    /// <summary>The device that takes its place.</summary>
    [Parameter(Position = 2)]
    [ValidateNotNullOrEmpty]
    public string? NewDevice { get; set; }

    /// <summary>Use a new device that seems in use (zpool replace -f).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Wait for the resilver to finish, showing progress.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord() =>
        ForTheSelectedPool((s, storage, pool) =>
        {
            var old = ResolveDeviceWords(s, [Device])[0];
            var replacement = NewDevice is null ? null : ResolveDeviceWords(s, [NewDevice])[0];
            if (!ShouldProcess(pool, replacement is null ? $"Replace {old} in place and resilver" : $"Replace {old} with {replacement} and resilver")) return;
            storage.ReplaceDevice(pool, old, replacement, Force, StopToken);
            ZPoolStatus? final = Wait ? ZPoolScanWaiter.Wait(storage, pool, "Resilvering", WriteProgress, StopToken) : null;
            if (PassThru) WriteObject(Stamp(final ?? storage.GetStatus(pool, false, StopToken), s));
        });
}
