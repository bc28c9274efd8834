using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Removes devices from a pool: a mirror member is detached (zpool detach); a log, cache or spare
/// device or a top-level vdev is removed (zpool remove). The pool's topology decides; -Detach insists on detach.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "ZPoolDevice", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ZPool))]
public sealed class RemoveZPoolDeviceCommand : ZPoolDeviceCmdlet
{
    [Parameter(Mandatory = true, Position = 1)]
    [ArgumentCompleter(typeof(ZPoolDeviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Device { get; set; } = [];

    /// <summary>Detach the devices from their mirror (zpool detach) whatever the topology.</summary>
    [Parameter]
    public SwitchParameter Detach { get; set; }

    protected override void ProcessRecord() =>
        ForTheSelectedPool( (s, storage, pool) =>
        {
            var status = storage.GetStatus(pool, false, StopToken);
            foreach (var dev in ResolveDeviceWords(s, Device))
            {
                bool detach = Detach || IsMirrorMember(status.Config, dev);
                if (!ShouldProcess(pool, (detach ? "Detach " : "Remove ") + dev)) continue;
                Try(() =>
                {
                    if (detach) storage.DetachDevice(pool, dev, StopToken);
                    else storage.RemoveDevice(pool, dev, StopToken);
                }, dev);
            }
            if (PassThru) WritePool(s, storage, pool);
        });

    private static bool IsMirrorMember(ZPoolVdev root, string device) =>
        root.Flatten().Any(v => v.Type is "mirror" or "replacing" or "spare" && v.Children.Any(c => c.Name == device || c.Path == device));
}
