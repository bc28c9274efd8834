using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Lists the user holds on snapshots (zfs holds).</summary>
[Cmdlet(VerbsCommon.Get, "ZSnapshotHold", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZSnapshotHold))]
public sealed class GetZSnapshotHoldCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Full snapshot names; wildcards select among the snapshots of the dataset part.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Snapshots from Get-ZSnapshot.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZSnapshot[] InputObject { get; set; } = [];

    /// <summary>Only holds with these tags (wildcards allowed).</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Tag { get; set; }

    /// <summary>Includes the holds on the snapshot of the same name on all descendants (zfs holds -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        ForEachSnapshot(InputObject, Name, (session, storage, name) => Emit(storage, session, name));
    }

    private void Emit(IStorage storage, Engine.Sessions.IllumosSession session, string snapshot)
    {
        var holds = Try(() => storage.GetHolds(snapshot, Recurse, StopToken), snapshot);
        if (holds is null) return;
        var selected = Tag is { Length: > 0 }
            ? holds.Where(h => Tag.Any(t => new WildcardPattern(t, WildcardOptions.IgnoreCase).IsMatch(h.Tag)))
            : holds;
        WriteRecords(selected, session);
    }
}
