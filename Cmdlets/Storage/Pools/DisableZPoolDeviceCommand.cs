using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Takes devices offline (zpool offline); refused when the pool would lose its redundancy's last copy.</summary>
[Cmdlet(VerbsLifecycle.Disable, "ZPoolDevice", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPoolStatus))]
public sealed class DisableZPoolDeviceCommand : ZPoolDeviceCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ZPoolDeviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Device { get; set; } = [];

    /// <summary>Offline only until the pool is next imported (zpool offline -t).</summary>
    [Parameter]
    public SwitchParameter Temporary { get; set; }

    protected override void ProcessRecord() =>
        ForTheSelectedPool((s, storage, pool) =>
        {
            foreach (var dev in ResolveDeviceWords(s, Device))
                if (ShouldProcess($"{dev} in {pool}", Temporary ? "Take device offline until the next import" : "Take device offline"))
                    Try(() => storage.OfflineDevice(pool, dev, Temporary, StopToken), dev);
            if (PassThru) WriteObject(Stamp(storage.GetStatus(pool, false, StopToken), s));
        });
}
