using System.Collections;
using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Takes snapshots (zfs snapshot), atomically for all names given together; always outputs the new snapshots.</summary>
[Cmdlet(VerbsCommon.New, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZSnapshot))]
public sealed class NewZSnapshotCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string DatasetNameSet = "DatasetName";
    private const string DatasetSet = "Dataset";

    /// <summary>Full snapshot names ("tank/home@monday").</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>The datasets to snapshot, with -SnapshotName; binds the DatasetName of piped objects.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetNameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] DatasetName { get; set; } = [];

    /// <summary>Datasets from Get-ZDataset to snapshot, with -SnapshotName.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] Dataset { get; set; } = [];

    /// <summary>The snapshot part of the name (after '@'), used with -DatasetName or -Dataset.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DatasetNameSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = DatasetSet)]
    [ValidateNotNullOrEmpty]
    public string SnapshotName { get; set; } = "";

    /// <summary>Also snapshots all descendants under the same snapshot name, atomically (zfs snapshot -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>User properties to set on the snapshots (zfs snapshot -o).</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    private readonly List<string> _pending = [];
    private Engine.Sessions.IllumosSession? _pipedSession;

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case NameSet: _pending.AddRange(Name); break;
            case DatasetNameSet: _pending.AddRange(DatasetName.Select(d => d + "@" + SnapshotName)); break;
            default:
                _pending.AddRange(Dataset.Select(d => d.Name + "@" + SnapshotName));
                _pipedSession ??= Dataset.Select(d => d.Session).FirstOrDefault(s => s is not null);
                break;
        }
    }

    // Names gathered from the whole pipeline are taken in one call, so they share one transaction group.
    protected override void EndProcessing()
    {
        if (_pending.Count == 0) return;
        var properties = Property.ToPropertyMap();
        var sessions = Session is null && _pipedSession is not null ? [_pipedSession] : ResolveSessions();
        foreach (var session in sessions)
        {
            if (StorageOf(session) is not { } storage) continue;
            var names = _pending.Distinct().Where(n => ShouldProcess(Describe(n, session), Recurse ? "Snapshot, with all descendants" : "Snapshot")).ToList();
            if (names.Count == 0) continue;
            var created = Try(() => storage.CreateSnapshots(names, Recurse, properties, StopToken), names.Count == 1 ? names[0] : names);
            if (created is not null) WriteRecords(created, session);
        }
    }
}
