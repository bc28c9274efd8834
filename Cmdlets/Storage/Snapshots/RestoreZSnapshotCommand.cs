using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Rolls a dataset back to a snapshot (zfs rollback); newer snapshots go only with -DestroyNewer.</summary>
[Cmdlet(VerbsData.Restore, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(ZDataset))]
public sealed class RestoreZSnapshotCommand : DatasetChangeCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>The snapshot to roll back to ("tank/home@monday").</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A snapshot from Get-ZSnapshot.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZSnapshot? InputObject { get; set; }

    /// <summary>Destroys the snapshots (and bookmarks) newer than the target (zfs rollback -r).</summary>
    [Parameter]
    public SwitchParameter DestroyNewer { get; set; }

    /// <summary>Also destroys clones of those newer snapshots (zfs rollback -R); implies -DestroyNewer.</summary>
    [Parameter]
    public SwitchParameter DestroyClones { get; set; }

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
        var dataset = name[..at];
        ForEachStorage(InputObject, (session, storage) =>
        {
            var snaps = Try(() => storage.GetSnapshots(dataset, false, StopToken), name);
            if (snaps is null) return;
            var target = snaps.FirstOrDefault(s => s.Name == name);
            if (target is null)
            {
                WriteNotFound("ZSnapshot", name, session);
                return;
            }
            var newer = snaps.Where(s => s.CreateTxg > target.CreateTxg).Select(s => s.Name).ToList();
            var action = "Roll back " + dataset + ", discarding all changes since the snapshot"
                + (newer.Count > 0 && (DestroyNewer || DestroyClones) ? $", and destroy {string.Join(", ", newer)}" : "");
            if (!ShouldProcess(Describe(name, session), action)) return;
            if (!Try(() => storage.Rollback(name, DestroyNewer || DestroyClones, DestroyClones, StopToken), name)) return;
            if (PassThru && Reload(storage, session, dataset) is { } d) WriteObject(d);
        });
    }
}
