using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Exports pools (zpool export): commits, closes the devices and forgets the pool until imported again.</summary>
[Cmdlet(VerbsData.Export, "ZPool", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class ExportZPoolCommand : ZPoolActionCmdlet
{
    /// <summary>Export even if datasets are busy (zpool export -f).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        ForEachSelectedPool( (s, storage, pool) =>
        {
            if (ShouldProcess($"{pool} on {s.ComputerName}", "Export pool")) storage.ExportPool(pool, Force, StopToken);
        });
}
