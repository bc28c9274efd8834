using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Destroys filesystems and volumes (zfs destroy); -WhatIf lists everything that would go, from the engine's dry run.</summary>
[Cmdlet(VerbsCommon.Remove, "ZDataset", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveZDatasetCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Datasets to destroy; wildcards select among all datasets.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Datasets from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] InputObject { get; set; } = [];

    /// <summary>Also destroys descendants: child datasets, snapshots and bookmarks (zfs destroy -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Also destroys dependents outside the hierarchy, such as clones of its snapshots (zfs destroy -R).</summary>
    [Parameter]
    public SwitchParameter RecurseDependents { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var d in InputObject)
                ForEachStorage(d, (session, storage) => Destroy(storage, session, d.Name, Recurse, RecurseDependents));
            return;
        }
        ForEachStorage(null, (session, storage) =>
        {
            var targets = ResolveDatasets(storage, session, Name, ZDatasetType.FileSystem | ZDatasetType.Volume);
            // Deepest first, so a wildcard that matches a parent and its children needs no -Recurse for the children.
            foreach (var d in targets.OrderByDescending(t => t.Name.Count(c => c == '/')))
                Destroy(storage, session, d.Name, Recurse, RecurseDependents);
        });
    }
}
