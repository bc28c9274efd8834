using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Destroys pools and everything in them (zpool destroy).</summary>
[Cmdlet(VerbsCommon.Remove, "ZPool", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveZPoolCommand : ZPoolActionCmdlet
{
    /// <summary>Destroy even if datasets are busy (zpool destroy -f), and do not ask again.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        ForEachSelectedPool( (s, storage, pool) =>
        {
            if (!ShouldProcess($"{pool} on {s.ComputerName}", "Destroy pool and all its data")) return;
            storage.DestroyPool(pool, Force, StopToken);
        });
}
