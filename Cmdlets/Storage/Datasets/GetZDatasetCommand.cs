using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Lists filesystems and volumes (zfs list), by name with wildcards, by pool, recursively or to a depth.</summary>
[Cmdlet(VerbsCommon.Get, "ZDataset", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZDataset))]
public sealed class GetZDatasetCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string PoolNameSet = "PoolName";
    private const string PoolSet = "Pool";

    /// <summary>Dataset names; wildcards select among all datasets. Without it, every dataset.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Lists the datasets of these pools (all their datasets, or to -Depth).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PoolNameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZPoolNameCompleter))]
    public string[] PoolName { get; set; } = [];

    /// <summary>Pools (from Get-ZPool) whose datasets to list.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PoolSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZPool[] Pool { get; set; } = [];

    /// <summary>Includes all descendants of each named dataset (zfs list -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Includes descendants down to this depth; 1 = children (zfs list -d).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int Depth { get; set; }

    /// <summary>FileSystem, Volume, or both (the default).</summary>
    [Parameter]
    [ValidateSet("FileSystem", "Volume")]
    public string[] Type { get; set; } = ["FileSystem", "Volume"];

    private ZDatasetType Types => Type.Aggregate(ZDatasetType.None, (t, s) => t | Enum.Parse<ZDatasetType>(s, true));

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PoolSet:
                foreach (var pool in Pool)
                    ForEachStorage(pool, (session, storage) => ListUnder(storage, session, [pool.Name], defaultRecurse: true));
                return;
            case PoolNameSet:
                ForEachStorage(null, (session, storage) =>
                {
                    var pools = Try(() => storage.GetPools(StopToken), null);
                    if (pools is null) return;
                    var roots = new List<string>();
                    foreach (var p in PoolName)
                    {
                        var hits = FilterByName(pools, p, x => x.Name);
                        if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(p)) WriteNotFound("ZPool", p, session);
                        roots.AddRange(hits.Select(h => h.Name));
                    }
                    ListUnder(storage, session, roots.Distinct().ToList(), defaultRecurse: true);
                });
                return;
        }
        ForEachStorage(null, (session, storage) =>
        {
            if (Name is not { Length: > 0 })
            {
                int? depth = MyInvocation.BoundParameters.ContainsKey(nameof(Depth)) ? Depth : null;
                var all = Try(() => storage.GetDatasets(null, null, Types, StopToken), null);
                if (all is null) return;
                // Depth counts from each pool's root dataset.
                WriteRecords(depth is { } d ? all.Where(x => x.Name.Count(c => c == '/') <= d) : all, session);
                return;
            }
            var roots = ResolveDatasets(storage, session, Name, ZDatasetType.FileSystem | ZDatasetType.Volume);
            ListUnder(storage, session, roots.Select(r => r.Name).ToList(), defaultRecurse: false, resolved: roots);
        });
    }

    private void ListUnder(IStorage storage, IllumosSession session, IReadOnlyList<string> roots, bool defaultRecurse, IReadOnlyList<ZDataset>? resolved = null)
    {
        int? depth = MyInvocation.BoundParameters.ContainsKey(nameof(Depth)) ? Depth
            : Recurse || defaultRecurse ? null : 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            IEnumerable<ZDataset>? list = depth == 0 && resolved is not null
                ? resolved.Where(r => r.Name == root && (r.Type & Types) != 0)
                : Try(() => storage.GetDatasets(root, depth, Types, StopToken), root);
            if (list is null) continue;
            foreach (var d in list)
                if (seen.Add(d.Name)) WriteObject(Stamp(d, session));
        }
    }
}
