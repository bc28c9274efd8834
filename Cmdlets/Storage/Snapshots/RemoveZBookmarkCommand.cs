using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Destroys bookmarks (zfs destroy ds#bm).</summary>
[Cmdlet(VerbsCommon.Remove, "ZBookmark", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveZBookmarkCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Full bookmark names ("tank/home#monday"); wildcards select among the bookmarks of the dataset part.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZBookmarkNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Bookmarks from Get-ZBookmark.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZBookmark[] InputObject { get; set; } = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var b in InputObject)
                ForEachStorage(b, (session, storage) => Destroy(storage, session, b.Name, false, false));
            return;
        }
        ForEachStorage(null, (session, storage) =>
        {
            foreach (var name in Name)
            {
                int hash = name.IndexOf('#');
                if (hash <= 0)
                {
                    WriteError(ErrorMapper.Create("NotABookmarkName", ErrorCategory.InvalidArgument,
                        $"'{name}' is not a bookmark name; bookmark names have the form dataset#bookmark.", name));
                    continue;
                }
                var dataset = name[..hash];
                bool wild = WildcardPattern.ContainsWildcardCharacters(dataset);
                var list = Try(() => storage.GetBookmarks(wild ? null : dataset, wild, StopToken), name);
                if (list is null) continue;
                var hits = FilterByName(list, name, b => b.Name);
                if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name)) WriteNotFound("ZBookmark", name, session);
                foreach (var b in hits) Destroy(storage, session, b.Name, false, false);
            }
        });
    }
}
