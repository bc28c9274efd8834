using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Lists snapshots (zfs list -t snapshot), oldest first, by name or by dataset.</summary>
[Cmdlet(VerbsCommon.Get, "ZSnapshot", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZSnapshot))]
public sealed class GetZSnapshotCommand : DatasetChildListCmdletBase<ZSnapshot>
{
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

    /// <summary>Only the newest N snapshots of each dataset.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Newest { get; set; }

    protected override string[]? Names => Name;
    protected override char Separator => '@';
    protected override string Noun => "ZSnapshot";
    protected override string FullName(ZSnapshot item) => item.Name;

    protected override IReadOnlyList<ZSnapshot> List(IStorage storage, string? dataset, bool recursive) =>
        storage.GetSnapshots(dataset, recursive, StopToken);

    protected override IEnumerable<ZSnapshot> Narrow(IEnumerable<ZSnapshot> items) =>
        Newest <= 0 ? items
        : items.GroupBy(s => s.DatasetName)
            .SelectMany(g => g.OrderByDescending(s => s.CreateTxg).ThenByDescending(s => s.Creation).Take(Newest).Reverse());
}
