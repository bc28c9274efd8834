using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Renames (and so can move) a filesystem or volume within its pool (zfs rename).</summary>
[Cmdlet(VerbsCommon.Rename, "ZDataset", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZDataset))]
public sealed class RenameZDatasetCommand : DatasetChangeCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>The dataset to rename.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A dataset from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset? InputObject { get; set; }

    /// <summary>The new full name, in the same pool ("tank/archive/old").</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewName { get; set; } = "";

    /// <summary>Creates missing parents of the new name (zfs rename -p).</summary>
    [Parameter]
    public SwitchParameter Parents { get; set; }

    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        ForEachStorage(InputObject, (session, storage) =>
        {
            if (!ShouldProcess(Describe(name, session), $"Rename to {NewName}")) return;
            if (!Try(() => storage.Rename(name, NewName, Parents, StopToken), name)) return;
            if (PassThru && Reload(storage, session, NewName) is { } d) WriteObject(d);
        });
    }
}
