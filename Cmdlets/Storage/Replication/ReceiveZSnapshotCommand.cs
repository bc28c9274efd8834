using System.Collections;
using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Replication;

namespace Illumos.Cmdlets.Storage;

/// <summary>
/// zfs receive: applies a stream from a file (-Path) or from Send-ZSnapshot on the pipeline (from
/// any session) to a dataset of this session. Nothing changes unless the stream arrives whole and
/// valid; -Resumable keeps a cut stream's progress for Send-ZSnapshot -ResumeToken; -Abort drops it.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "ZSnapshot", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(ZSnapshot))]
public sealed class ReceiveZSnapshotCommand : DatasetCmdletBase
{
    private const string PathSet = "Path";
    private const string StreamSet = "Stream";
    private const string AbortSet = "Abort";

    /// <summary>The dataset to create or update ("backup/home"), or "backup/home@name" to name the new snapshot.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A file holding the stream (from Send-ZSnapshot -Path or zfs send).</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>A stream from Send-ZSnapshot (without -Path), sent from its own session as it is received.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = StreamSet)]
    [ValidateNotNull]
    public ZSendStream? InputObject { get; set; }

    /// <summary>Discards the partial state an interrupted -Resumable receive left on the dataset (zfs receive -A).</summary>
    [Parameter(Mandatory = true, ParameterSetName = AbortSet)]
    public SwitchParameter Abort { get; set; }

    /// <summary>Rolls the target back to the stream's base first, destroying newer snapshots (zfs receive -F).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = StreamSet)]
    public SwitchParameter Force { get; set; }

    /// <summary>A cut stream keeps what arrived and a receive_resume_token (zfs receive -s).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = StreamSet)]
    public SwitchParameter Resumable { get; set; }

    /// <summary>Properties set on the received dataset, overriding received values (zfs receive -o).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = StreamSet)]
    public Hashtable? Property { get; set; }

    /// <summary>Received properties not applied (zfs receive -x).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = StreamSet)]
    public string[]? ExcludeProperty { get; set; }

    /// <summary>The target is a parent: the sent name without its pool is appended (zfs receive -d).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = StreamSet)]
    public SwitchParameter DiscardPoolName { get; set; }

    /// <summary>The target is a parent: the last component of the sent name is appended (zfs receive -e).</summary>
    [Parameter(ParameterSetName = PathSet)]
    [Parameter(ParameterSetName = StreamSet)]
    public SwitchParameter UseLastName { get; set; }

    protected override void ProcessRecord()
    {
        if (DiscardPoolName && UseLastName)
        {
            WriteError(ErrorMapper.Create("ReceiveNamingConflict", ErrorCategory.InvalidArgument, "-DiscardPoolName and -UseLastName exclude each other.", Name));
            return;
        }
        foreach (var session in ResolveSessions())
        {
            if (StorageOf(session) is not { } storage) continue;
            if (Abort)
            {
                if (ShouldProcess(Describe(Name, session), "Discard the partially received stream")) Try(() => storage.AbortReceive(Name, StopToken), Name);
                continue;
            }
            var request = new ReceiveRequest
            {
                Target = Name, Force = Force, Resumable = Resumable, SetProperties = Property.ToPropertyMap(),
                ExcludeProperties = ExcludeProperty ?? [], AppendNameWithoutPool = DiscardPoolName, AppendLastName = UseLastName,
            };
            ZReceiveResult? result;
            if (InputObject is { } stream)
            {
                var source = stream.Session ?? session;
                if (!ShouldProcess(Describe(Name, session), $"Receive {stream.Snapshot} from session {source.Name}")) continue;
                var sourceStorage = StorageOf(source);
                if (sourceStorage is null) continue;
                result = Try(() => StreamPump.Run(sourceStorage, stream.Request, storage, request, this, StopToken), Name);
            }
            else
            {
                var file = GetUnresolvedProviderPathFromPSPath(Path);
                if (!File.Exists(file))
                {
                    WriteError(ErrorMapper.Create("StreamFileNotFound", ErrorCategory.ObjectNotFound, $"The stream file '{file}' does not exist.", file));
                    continue;
                }
                if (!ShouldProcess(Describe(Name, session), "Receive the stream in " + file)) continue;
                result = Try(() =>
                {
                    using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                    return storage.Receive(request, input, this, StopToken);
                }, Name);
            }
            if (result is not null) WriteReceived(storage, session, result);
        }
    }

    private void WriteReceived(IStorage storage, Illumos.Engine.Sessions.IllumosSession session, ZReceiveResult result)
    {
        // A replication stream fills a tree: its snapshots are looked up below the top dataset, in stream order.
        var snaps = Try(() => storage.GetSnapshots(result.Dataset, result.Snapshots.Count > 1, StopToken), result.Dataset);
        if (snaps is null) return;
        var byName = snaps.ToDictionary(s => s.Name);
        var wanted = result.Snapshots.Count > 0 ? result.Snapshots.Where(byName.ContainsKey).Select(n => byName[n]) : snaps.TakeLast(1);
        WriteRecords(wanted, session);
    }
}
