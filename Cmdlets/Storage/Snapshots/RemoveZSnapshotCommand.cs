using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Destroys snapshots (zfs destroy ds@snap); -WhatIf lists everything that would go.</summary>
[Cmdlet(VerbsCommon.Remove, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveZSnapshotCommand : DatasetCmdletBase
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

    /// <summary>Also destroys the snapshot of the same name on all descendants (zfs destroy -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Also destroys clones of the snapshot and their dependents (zfs destroy -R).</summary>
    [Parameter]
    public SwitchParameter RecurseDependents { get; set; }

    protected override void ProcessRecord()
    {
        ForEachSnapshot(InputObject, Name, (session, storage, name) => Destroy(storage, session, name, Recurse, RecurseDependents));
    }
}
