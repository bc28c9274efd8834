using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Clears device error counters and faults (zpool clear), for the pool or one device.</summary>
[Cmdlet(VerbsCommon.Clear, "ZPoolError", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZPoolStatus))]
public sealed class ClearZPoolErrorCommand : ZPoolDeviceCmdlet
{
    /// <summary>Only this device; the whole pool when omitted.</summary>
    [Parameter(Position = 1)]
    [ArgumentCompleter(typeof(ZPoolDeviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Device { get; set; }

    protected override void ProcessRecord() =>
        ForTheSelectedPool((s, storage, pool) =>
        {
            var dev = Device is null ? null : ResolveDeviceWords(s, [Device])[0];
            if (!ShouldProcess(dev is null ? pool : $"{dev} in {pool}", "Clear errors")) return;
            storage.ClearErrors(pool, dev, StopToken);
            if (PassThru) WriteObject(Stamp(storage.GetStatus(pool, false, StopToken), s));
        });
}
