using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Lists bookmarks (zfs list -t bookmark), by name or by dataset.</summary>
[Cmdlet(VerbsCommon.Get, "ZBookmark", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZBookmark))]
public sealed class GetZBookmarkCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string DatasetNameSet = "DatasetName";
    private const string DatasetSet = "Dataset";

    /// <summary>
    /// Bookmark names with wildcards. A name with '#' matches the full name ("tank/home#*"); a name
    /// without '#' matches the part after it, within -DatasetName when given.
    /// </summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [Parameter(Position = 0, ParameterSetName = DatasetNameSet)]
    [Parameter(Position = 0, ParameterSetName = DatasetSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZBookmarkNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only bookmarks of these datasets; binds the DatasetName of piped objects.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetNameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] DatasetName { get; set; } = [];

    /// <summary>Only bookmarks of these datasets, from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DatasetSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] Dataset { get; set; } = [];

    /// <summary>Includes bookmarks of the descendants of the datasets.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

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
            var all = new List<ZBookmark>();
            foreach (var ds in datasets ?? [null!])
            {
                var list = Try(() => storage.GetBookmarks(ds, ds is null || Recurse, StopToken), ds);
                if (list is not null) all.AddRange(list);
            }
            IEnumerable<ZBookmark> selected = all;
            if (Name is { Length: > 0 })
            {
                selected = all.Where(b => Name.Any(n => Matches(b, n))).ToList();
                foreach (var n in Name.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
                    if (!selected.Any(b => Matches(b, n))) WriteNotFound("ZBookmark", n, session);
            }
            WriteRecords(selected.DistinctBy(b => b.Name).ToList(), session);
        });
    }

    private static bool Matches(ZBookmark b, string pattern)
    {
        var subject = pattern.Contains('#') ? b.Name : b.BookmarkName;
        return WildcardPattern.ContainsWildcardCharacters(pattern)
            ? new WildcardPattern(pattern, WildcardOptions.IgnoreCase).IsMatch(subject)
            : subject == pattern;
    }
}
