using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Replication;

namespace Illumos.Cmdlets.Storage;

/// <summary>
/// Replicates a dataset's snapshot to another dataset, in this or another session, in one command:
/// zfs send piped into zfs receive. When the destination already has a snapshot of the source
/// (same guid), only the increment from the newest such snapshot is sent, with every snapshot in
/// between unless -LatestOnly; otherwise a full stream creates the destination.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "ZDataset", SupportsShouldProcess = true)]
[OutputType(typeof(ZSnapshot))]
public sealed class CopyZDatasetCommand : DatasetCmdletBase
{
    /// <summary>The dataset (its newest snapshot is copied) or snapshot to copy.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The dataset to create or bring up to date.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = "";

    /// <summary>The session of the destination (default: the source's).</summary>
    [Parameter]
    [ValidateNotNull]
    public IllumosSession? DestinationSession { get; set; }

    /// <summary>Send only the newest snapshot's increment, not the snapshots in between (zfs send -i rather than -I).</summary>
    [Parameter]
    public SwitchParameter LatestOnly { get; set; }

    /// <summary>Roll the destination back to the common snapshot first (zfs receive -F).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Blocks travel compressed as stored (zfs send -c).</summary>
    [Parameter]
    public SwitchParameter Compressed { get; set; }

    /// <summary>The dataset's descendants too, with their snapshots and properties (a replication stream, zfs send -R).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>The dataset's properties travel too and are set as received values (zfs send -p).</summary>
    [Parameter]
    public SwitchParameter IncludeProperties { get; set; }

    /// <summary>A cut transfer can be resumed (zfs receive -s).</summary>
    [Parameter]
    public SwitchParameter Resumable { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var session in ResolveSessions())
        {
            var targetSession = DestinationSession ?? session;
            if (StorageOf(session) is not { } source || StorageOf(targetSession) is not { } target) continue;
            var dataset = Name.Split('@')[0];
            var sourceSnaps = Try(() => source.GetSnapshots(dataset, false, StopToken), Name);
            if (sourceSnaps is null) continue;
            var snap = Name.Contains('@') ? sourceSnaps.FirstOrDefault(s => s.Name == Name) : sourceSnaps.LastOrDefault();
            if (snap is null)
            {
                WriteError(ErrorMapper.Create(Name.Contains('@') ? "SnapshotNotFound" : "CopyNoSnapshot", ErrorCategory.ObjectNotFound,
                    Name.Contains('@') ? $"There is no snapshot '{Name}'." : $"'{Name}' has no snapshot to copy; take one with New-ZSnapshot first.", Name));
                continue;
            }
            // The newest source snapshot (up to the one copied) that the destination holds too, by guid.
            var destGuids = TargetSnapshotGuids(target);
            var common = sourceSnaps.Where(s => s.CreateTxg < snap.CreateTxg && destGuids.Contains(s.Guid)).LastOrDefault();
            if (destGuids.Contains(snap.Guid))
            {
                WriteVerbose($"{Destination} already has {snap.Name}.");
                continue;
            }
            var send = new SendRequest
            {
                Snapshot = snap.Name, From = common?.Name, IncludeIntermediate = common is not null && !LatestOnly, Compressed = Compressed,
                Recursive = Recurse, Properties = IncludeProperties,
            };
            var receive = new ReceiveRequest { Target = Destination, Force = Force, Resumable = Resumable };
            var what = common is null ? $"Copy {snap.Name} (full stream)" : $"Copy {snap.Name} (increment from {common.Name})";
            if (!ShouldProcess(Describe(Destination, targetSession), what)) continue;
            var result = Try(() => StreamPump.Run(source, send, target, receive, this, StopToken), Destination);
            if (result is null) continue;
            var received = Try(() => target.GetSnapshots(result.Dataset, Recurse, StopToken), result.Dataset);
            if (received is not null) WriteRecords(received.Where(s => result.Snapshots.Contains(s.Name) || result.Snapshots.Count == 0 && s.Guid == snap.Guid), targetSession);
        }
    }

    private HashSet<ulong> TargetSnapshotGuids(IStorage target)
    {
        try
        {
            return target.GetSnapshots(Destination, false, StopToken).Select(s => s.Guid).ToHashSet();
        }
        catch (Illumos.Engine.IllumosException e) when (e.Kind == Illumos.Engine.ErrorKind.ObjectNotFound)
        {
            return []; // no destination (or no pool): a full copy, whose receive reports a missing pool clearly
        }
    }
}
