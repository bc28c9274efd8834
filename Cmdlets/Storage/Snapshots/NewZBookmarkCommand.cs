using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Creates a bookmark of a snapshot (zfs bookmark ds@snap ds#bm); always outputs the new bookmark.</summary>
[Cmdlet(VerbsCommon.New, "ZBookmark", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(ZBookmark))]
public sealed class NewZBookmarkCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string SnapshotSet = "Snapshot";

    /// <summary>
    /// The bookmark: a full name ("tank/home#monday") or only the part after '#'. Optional with -Snapshot,
    /// where it defaults to the snapshot's own name.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [Parameter(Position = 0, ParameterSetName = SnapshotSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZBookmarkNameCompleter))]
    public string? Name { get; set; }

    /// <summary>The snapshot (or bookmark) to bookmark, by name ("tank/home@monday").</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string Source { get; set; } = "";

    /// <summary>Snapshots from Get-ZSnapshot to bookmark.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SnapshotSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZSnapshot[] Snapshot { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == SnapshotSet)
        {
            foreach (var s in Snapshot)
                ForEachStorage(s, (session, storage) => Create(storage, session, s.Name));
            return;
        }
        ForEachStorage(null, (session, storage) => Create(storage, session, Source));
    }

    private void Create(IStorage storage, Engine.Sessions.IllumosSession session, string source)
    {
        int sep = source.IndexOfAny(['@', '#']);
        if (sep <= 0)
        {
            WriteError(ErrorMapper.Create("NotASnapshotName", ErrorCategory.InvalidArgument,
                $"'{source}' is not a snapshot or bookmark name (dataset@snapshot or dataset#bookmark).", source));
            return;
        }
        var bookmark = Name switch
        {
            null => source[..sep] + "#" + source[(sep + 1)..],
            _ when Name.Contains('#') => Name,
            _ => source[..sep] + "#" + Name,
        };
        if (!ShouldProcess(Describe(bookmark, session), "Bookmark " + source)) return;
        if (Try(() => storage.CreateBookmark(source, bookmark, StopToken), bookmark) is { } b) WriteObject(Stamp(b, session));
    }
}
