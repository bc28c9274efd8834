using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>
/// Get-ZSnapshot and Get-ZBookmark: objects named "dataset{separator}name", listed for all datasets,
/// for -DatasetName (by property name) or piped datasets, optionally recursively, filtered by -Name.
/// A -Name with the separator matches the full name; without it, the part after the separator.
/// </summary>
public abstract class DatasetChildListCmdletBase<T> : DatasetCmdletBase where T : HostObject
{
    protected const string NameSet = "Name";
    protected const string DatasetNameSet = "DatasetName";
    protected const string DatasetSet = "Dataset";

    /// <summary>Only objects of these datasets; binds the DatasetName of piped objects.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetNameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] DatasetName { get; set; } = [];

    /// <summary>Only objects of these datasets, from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] Dataset { get; set; } = [];

    /// <summary>Includes those of the descendants of the datasets.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>The -Name patterns of the derived cmdlet.</summary>
    protected abstract string[]? Names { get; }

    protected abstract char Separator { get; }

    /// <summary>The noun for not-found errors ("ZSnapshot").</summary>
    protected abstract string Noun { get; }

    protected abstract IReadOnlyList<T> List(IStorage storage, string? dataset, bool recursive);

    protected abstract string FullName(T item);

    /// <summary>A last selection over the matches (Get-ZSnapshot -Newest).</summary>
    protected virtual IEnumerable<T> Narrow(IEnumerable<T> items) => items;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == DatasetSet)
        {
            foreach (var d in Dataset) Emit(d, [d.Name]);
            return;
        }
        Emit(null, ParameterSetName == DatasetNameSet ? DatasetName : null);
    }

    private void Emit(HostObject? item, string[]? datasets)
    {
        ForEachStorage(item, (session, storage) =>
        {
            var all = new List<T>();
            foreach (var ds in datasets ?? [null!])
            {
                var list = Try(() => List(storage, ds, ds is null || Recurse), ds);
                if (list is not null) all.AddRange(list);
            }
            IEnumerable<T> selected = all;
            if (Names is { Length: > 0 } names)
            {
                selected = all.Where(x => names.Any(n => Matches(x, n))).ToList();
                foreach (var n in names.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
                    if (!selected.Any(x => Matches(x, n))) WriteNotFound(Noun, n, session);
            }
            WriteRecords(Narrow(selected.DistinctBy(FullName)).ToList(), session);
        });
    }

    private bool Matches(T item, string pattern)
    {
        var full = FullName(item);
        var subject = pattern.Contains(Separator) ? full : full[(full.IndexOf(Separator) + 1)..];
        return WildcardPattern.ContainsWildcardCharacters(pattern)
            ? new WildcardPattern(pattern, WildcardOptions.IgnoreCase).IsMatch(subject)
            : subject == pattern;
    }
}
