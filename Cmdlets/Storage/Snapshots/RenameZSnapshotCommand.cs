using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Renames a snapshot within its dataset (zfs rename ds@a ds@b), optionally on all descendants.</summary>
[Cmdlet(VerbsCommon.Rename, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZSnapshot))]
public sealed class RenameZSnapshotCommand : DatasetChangeCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>The snapshot to rename ("tank/home@monday").</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A snapshot from Get-ZSnapshot.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZSnapshot? InputObject { get; set; }

    /// <summary>The new name: the full name ("tank/home@mon") or only the part after '@' ("mon").</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewName { get; set; } = "";

    /// <summary>Renames the snapshot of the same name on all descendants too (zfs rename -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        var name = InputObject?.Name ?? Name;
        int at = name.IndexOf('@');
        if (at <= 0)
        {
            WriteError(ErrorMapper.Create("NotASnapshotName", ErrorCategory.InvalidArgument,
                $"'{name}' is not a snapshot name; snapshot names have the form dataset@snapshot.", name));
            return;
        }
        var newName = NewName.Contains('@') ? NewName : name[..(at + 1)] + NewName;
        ForEachStorage(InputObject, (session, storage) =>
        {
            if (!ShouldProcess(Describe(name, session), $"Rename to {newName}" + (Recurse ? " (and on all descendants)" : ""))) return;
            if (!Try(() => storage.RenameSnapshot(name, newName, Recurse, StopToken), name)) return;
            if (!PassThru) return;
            var snaps = Try(() => storage.GetSnapshots(newName[..newName.IndexOf('@')], false, StopToken), newName);
            if (snaps?.FirstOrDefault(s => s.Name == newName) is { } s) WriteObject(Stamp(s, session));
        });
    }
}
