using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Gets dataset properties with their sources (zfs get): one object per dataset and property.</summary>
[Cmdlet(VerbsCommon.Get, "ZDatasetProperty", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZProperty))]
public sealed class GetZDatasetPropertyCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Datasets (filesystems, volumes or snapshots) whose properties to get; wildcards select among filesystems and volumes.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Datasets from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] InputObject { get; set; } = [];

    /// <summary>Property names (wildcards allowed); without it, all properties.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePropertyNameCompleter))]
    public string[]? Property { get; set; }

    /// <summary>Only properties whose value comes from these sources (zfs get -s).</summary>
    [Parameter]
    public ZPropertySource[]? Source { get; set; }

    /// <summary>Includes the descendants of each dataset (zfs get -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var d in InputObject)
                ForEachStorage(d, (session, storage) => Emit(storage, session, [d.Name]));
            return;
        }
        ForEachStorage(null, (session, storage) =>
        {
            var names = new List<string>();
            foreach (var n in Name)
            {
                // Snapshots and bookmarks have properties too; they are addressed literally.
                if (!WildcardPattern.ContainsWildcardCharacters(n) && (n.Contains('@') || n.Contains('#'))) names.Add(n);
                else names.AddRange(ResolveDatasets(storage, session, [n], ZDatasetType.FileSystem | ZDatasetType.Volume).Select(d => d.Name));
            }
            Emit(storage, session, names);
        });
    }

    private void Emit(IStorage storage, Engine.Sessions.IllumosSession session, IReadOnlyList<string> names)
    {
        var targets = new List<string>();
        foreach (var n in names)
        {
            if (Recurse && !n.Contains('@') && !n.Contains('#'))
            {
                var tree = Try(() => storage.GetDatasets(n, null, ZDatasetType.FileSystem | ZDatasetType.Volume, StopToken), n);
                if (tree is not null) targets.AddRange(tree.Select(d => d.Name));
            }
            else targets.Add(n);
        }
        var literal = Property?.Where(p => !WildcardPattern.ContainsWildcardCharacters(p)).ToList();
        // Ask the engine for exactly the named properties when no wildcard is involved (cheaper on native hosts).
        IReadOnlyList<string>? ask = Property is not null && literal!.Count == Property.Length ? literal : null;
        foreach (var target in targets.Distinct())
        {
            var props = Try(() => storage.GetProperties(target, ask, StopToken), target);
            if (props is null) continue;
            IEnumerable<ZProperty> selected = props;
            if (Property is not null)
            {
                var patterns = Property.Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
                selected = selected.Where(p => patterns.Any(w => w.IsMatch(p.Property)));
                foreach (var l in literal!)
                    if (!props.Any(p => p.Property == l))
                        WriteError(ErrorMapper.Create("PropertyNotFound", ErrorCategory.ObjectNotFound,
                            $"'{target}' has no property '{l}'.", l));
            }
            if (Source is { Length: > 0 }) selected = selected.Where(p => Source.Contains(p.Source));
            WriteRecords(selected, session);
        }
    }
}
