using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Lists bookmarks (zfs list -t bookmark), by name or by dataset.</summary>
[Cmdlet(VerbsCommon.Get, "ZBookmark", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZBookmark))]
public sealed class GetZBookmarkCommand : DatasetChildListCmdletBase<ZBookmark>
{
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

    protected override string[]? Names => Name;
    protected override char Separator => '#';
    protected override string Noun => "ZBookmark";
    protected override string FullName(ZBookmark item) => item.Name;

    protected override IReadOnlyList<ZBookmark> List(IStorage storage, string? dataset, bool recursive) =>
        storage.GetBookmarks(dataset, recursive, StopToken);
}
