using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Lists snapshots (zfs list -t snapshot), oldest first, by name or by dataset.</summary>
[Cmdlet(VerbsCommon.Get, "ZSnapshot", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZSnapshot))]
public sealed class GetZSnapshotCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string DatasetNameSet = "DatasetName";
    private const string DatasetSet = "Dataset";

    /// <summary>
    /// Snapshot names with wildcards. A name with '@' matches the full name ("tank/home@*"); a name
    /// without '@' matches the part after it ("daily-*"), within -DatasetName when given.
    /// </summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [Parameter(Position = 0, ParameterSetName = DatasetNameSet)]
    [Parameter(Position = 0, ParameterSetName = DatasetSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only snapshots of these datasets; binds the DatasetName of piped objects (snapshots, files).</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetNameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] DatasetName { get; set; } = [];

    /// <summary>Only snapshots of these datasets, from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] Dataset { get; set; } = [];

    /// <summary>Includes snapshots of the descendants of -DatasetName (zfs list -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Only the newest N snapshots of each dataset.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Newest { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DatasetSet)
        {
            foreach (var d in Dataset) List(d, [d.Name]);
            return;
        }
        List(null, ParameterSetName == DatasetNameSet ? DatasetName : null);
    }

    private void List(HostObject? item, string[]? datasets)
    {
        ForEachStorage(item, (session, storage) =>
        {
            IEnumerable<ZSnapshot> selected;
            if (datasets is not null)
            {
                var list = new List<ZSnapshot>();
                foreach (var ds in datasets)
                {
                    var snaps = Try(() => storage.GetSnapshots(ds, Recurse, StopToken), ds);
                    if (snaps is not null) list.AddRange(snaps);
                }
                selected = Name is { Length: > 0 } ? Filter(list) : list;
            }
            else
            {
                var all = Try(() => storage.GetSnapshots(null, true, StopToken), null);
                if (all is null) return;
                selected = Name is { Length: > 0 } ? Filter(all) : all;
                if (Name is { Length: > 0 })
                {
                    foreach (var n in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
                        if (!selected.Any(s => Matches(s, n))) WriteNotFound("ZSnapshot", n, session);
                }
            }
            if (Newest > 0)
                selected = selected.GroupBy(s => s.DatasetName)
                    .SelectMany(g => g.OrderByDescending(s => s.CreateTxg).ThenByDescending(s => s.Creation).Take(Newest).Reverse());
            WriteRecords(selected.DistinctBy(s => s.Name).ToList(), session);
        });
    }

    private List<ZSnapshot> Filter(IEnumerable<ZSnapshot> list) => list.Where(s => Name!.Any(n => Matches(s, n))).ToList();

    private static bool Matches(ZSnapshot s, string pattern)
    {
        var subject = pattern.Contains('@') ? s.Name : s.SnapshotName;
        return WildcardPattern.ContainsWildcardCharacters(pattern)
            ? new WildcardPattern(pattern, WildcardOptions.IgnoreCase).IsMatch(subject)
            : subject == pattern;
    }
}
