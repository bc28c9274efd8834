using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Removes devices from a pool: a mirror member is detached (zpool detach); a log, cache or spare
/// device or a top-level vdev is removed (zpool remove; a data vdev's data is evacuated first, before the
/// cmdlet returns). The pool's topology decides; -Detach insists on detach.
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
                if (!ShouldProcess(pool, detach ? "Detach " + dev : "Remove " + dev + Evacuation(storage, pool, status.Config, dev))) continue;
                Try(() =>
                {
                    if (detach) storage.DetachDevice(pool, dev, StopToken);
                    else storage.RemoveDevice(pool, dev, StopToken);
                }, dev);
            }
            if (PassThru) WritePool(s, storage, pool);
        });

    /// <summary>For a top-level data vdev: what its removal copies onto the other data vdevs (shown by -WhatIf and -Confirm).</summary>
    private string Evacuation(IStorage storage, string pool, ZPoolVdev root, string device)
    {
        var top = root.Children.FirstOrDefault(v => v.Class == ZVdevClass.Normal && (v.Name == device || v.Path == device));
        if (top is null) return "";
        var name = top.Type is "file" or "disk" ? top.Path : top.Name;
        var row = storage.GetIOStats(pool, true, StopToken).FirstOrDefault(r => r.Depth == 1 && r.Class == ZVdevClass.Normal && r.Device == name);
        return row?.Allocated is { } bytes ? $" (evacuating {Illumos.Engine.Size.Format(bytes)}B of allocated data onto the other data vdevs)" : "";
    }

    private static bool IsMirrorMember(ZPoolVdev root, string device) =>
        root.Flatten().Any(v => v.Type is "mirror" or "replacing" or "spare" && v.Children.Any(c => c.Name == device || c.Path == device));
}
