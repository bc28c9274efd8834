using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Brings devices back online (zpool online); changes made while they were away are resilvered.</summary>
[Cmdlet(VerbsLifecycle.Enable, "ZPoolDevice", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPoolStatus))]
public sealed class EnableZPoolDeviceCommand : ZPoolDeviceCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ZPoolDeviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Device { get; set; } = [];

    /// <summary>Grows the device's vdev into the device's full size if it got bigger (zpool online -e); a mirror grows to its smallest member, raidz to its smallest member times its width.</summary>
    [Parameter]
    public SwitchParameter Expand { get; set; }

    protected override void ProcessRecord() =>
        ForTheSelectedPool((s, storage, pool) =>
        {
            foreach (var dev in ResolveDeviceWords(s, Device))
                if (ShouldProcess($"{dev} in {pool}", Expand ? "Bring device online and grow its vdev into any new space" : "Bring device online"))
                    Try(() => storage.OnlineDevice(pool, dev, Expand, StopToken), dev);
            if (PassThru) WriteObject(Stamp(storage.GetStatus(pool, false, StopToken), s));
        });
}
