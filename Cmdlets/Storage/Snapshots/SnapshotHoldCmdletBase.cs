using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>The hold and release cmdlets: snapshots by name or object, a tag, -Recurse, -PassThru (the remaining holds).</summary>
public abstract class SnapshotHoldCmdletBase : DatasetChangeCmdletBase
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

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

    /// <summary>The hold's tag (any text; a snapshot can carry several holds with different tags).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotHoldTagCompleter))]
    public string Tag { get; set; } = "";

    /// <summary>Also applies to the snapshot of the same name on all descendants (-r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected abstract string Action { get; }

    protected abstract void Apply(IStorage storage, string snapshot);

    protected override void ProcessRecord()
    {
        ForEachSnapshot(InputObject, Name, (session, storage, name) => Run(storage, session, name));
    }

    private void Run(IStorage storage, Engine.Sessions.IllumosSession session, string snapshot)
    {
        if (!ShouldProcess(Describe(snapshot, session), Action + (Recurse ? " (and on all descendants)" : ""))) return;
        if (!Try(() => Apply(storage, snapshot), snapshot) || !PassThru) return;
        var holds = Try(() => storage.GetHolds(snapshot, Recurse, StopToken), snapshot);
        if (holds is not null) WriteRecords(holds, session);
    }
}
