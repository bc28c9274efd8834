using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>
/// Base of the dataset, snapshot, bookmark and volume cmdlets: the storage facility of a session,
/// and name resolution that follows Get-Service (wildcards filter silently, a literal name that
/// matches nothing is an ObjectNotFound error from the engine, about that name).
/// </summary>
public abstract class DatasetCmdletBase : IllumosCmdlet
{
    /// <summary>The storage facility of <paramref name="session"/>, or null after writing why it is unavailable.</summary>
    protected IStorage? StorageOf(IllumosSession session) => Try(() => session.Facility<IStorage>(), session);

    /// <summary>Runs <paramref name="work"/> for each session that applies to <paramref name="item"/> (its own, else -Session or the default).</summary>
    protected void ForEachStorage(HostObject? item, Action<IllumosSession, IStorage> work)
    {
        foreach (var session in SessionsFor(item))
        {
            if (StorageOf(session) is { } storage) work(session, storage);
        }
    }

    /// <summary>
    /// Datasets matching <paramref name="names"/>: literal names are looked up directly (the engine's
    /// not-found error is written for a missing one), wildcards filter the full listing.
    /// </summary>
    protected List<ZDataset> ResolveDatasets(IStorage storage, IllumosSession session, IReadOnlyList<string> names, ZDatasetType types)
    {
        var result = new List<ZDataset>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<ZDataset>? all = null;
        foreach (var name in names)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                all ??= Try(() => storage.GetDatasets(null, null, types, StopToken).ToList(), name) ?? [];
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var d in all.Where(d => pattern.IsMatch(d.Name)))
                    if (seen.Add(d.Name)) result.Add(d);
                continue;
            }
            var found = Try(() => storage.GetDatasets(name, 0, ZDatasetType.FileSystem | ZDatasetType.Volume, StopToken), name);
            if (found is null) continue;
            var exact = found.FirstOrDefault(d => d.Name == name);
            if (exact is null) WriteNotFound("ZDataset", name, session);
            else if ((exact.Type & types) == 0) WriteWrongType(name, types);
            else if (seen.Add(exact.Name)) result.Add(exact);
        }
        return result;
    }

    /// <summary>Snapshots matching full names ("tank/a@s"); wildcards filter the listing of the dataset part.</summary>
    protected List<ZSnapshot> ResolveSnapshots(IStorage storage, IllumosSession session, IReadOnlyList<string> names)
    {
        var result = new List<ZSnapshot>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            int at = name.IndexOf('@');
            if (at <= 0)
            {
                WriteError(ErrorMapper.Create("NotASnapshotName", ErrorCategory.InvalidArgument,
                    $"'{name}' is not a snapshot name; snapshot names have the form dataset@snapshot.", name));
                continue;
            }
            var dataset = name[..at];
            bool wildDataset = WildcardPattern.ContainsWildcardCharacters(dataset);
            var listing = Try(() => storage.GetSnapshots(wildDataset ? null : dataset, false, StopToken), name);
            if (listing is null) continue;
            var hits = FilterByName(listing, name, s => s.Name);
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteNotFound("ZSnapshot", name, session);
                continue;
            }
            foreach (var s in hits)
                if (seen.Add(s.Name)) result.Add(s);
        }
        return result;
    }

    /// <summary>
    /// Runs <paramref name="work"/> for each target dataset: the piped objects (on their own sessions)
    /// when there are any, else the names resolved on each session.
    /// </summary>
    protected void ForEachDataset(IReadOnlyList<ZDataset>? piped, IReadOnlyList<string> names, ZDatasetType types, Action<IllumosSession, IStorage, string> work)
    {
        if (piped is { Count: > 0 })
        {
            foreach (var d in piped) ForEachStorage(d, (session, storage) => work(session, storage, d.Name));
            return;
        }
        ForEachStorage(null, (session, storage) =>
        {
            foreach (var d in ResolveDatasets(storage, session, names, types)) work(session, storage, d.Name);
        });
    }

    /// <summary>The same for snapshots: the piped ones, else the names resolved on each session.</summary>
    protected void ForEachSnapshot(IReadOnlyList<ZSnapshot>? piped, IReadOnlyList<string> names, Action<IllumosSession, IStorage, string> work)
    {
        if (piped is { Count: > 0 })
        {
            foreach (var s in piped) ForEachStorage(s, (session, storage) => work(session, storage, s.Name));
            return;
        }
        ForEachStorage(null, (session, storage) =>
        {
            foreach (var s in ResolveSnapshots(storage, session, names)) work(session, storage, s.Name);
        });
    }

    /// <summary>Items whose name matches <paramref name="pattern"/> (a wildcard pattern or a literal, case-sensitive name).</summary>
    protected static List<T> FilterByName<T>(IEnumerable<T> items, string pattern, Func<T, string> nameOf)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(pattern))
            return items.Where(i => string.Equals(nameOf(i), pattern, StringComparison.Ordinal)).ToList();
        var p = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
        return items.Where(i => p.IsMatch(nameOf(i))).ToList();
    }

    /// <summary>Looks a dataset up again after a change, stamped with its session, for output.</summary>
    protected ZDataset? Reload(IStorage storage, IllumosSession session, string name)
    {
        var list = Try(() => storage.GetDatasets(name, 0, ZDatasetType.FileSystem | ZDatasetType.Volume, StopToken), name);
        var d = list?.FirstOrDefault(x => x.Name == name);
        return d is null ? null : Stamp(d, session);
    }

    /// <summary>
    /// The destroy step of Remove-ZDataset, Remove-ZSnapshot and Remove-ZBookmark: the engine's dry run
    /// names everything that would go (and surfaces refusals such as children without -Recurse before
    /// anything is asked), then ShouldProcess, then the real destroy.
    /// </summary>
    protected void Destroy(IStorage storage, IllumosSession session, string name, bool recurse, bool dependents)
    {
        var plan = Try(() => storage.Destroy(name, recurse, dependents, dryRun: true, StopToken), name);
        if (plan is null) return;
        var others = plan.Where(p => p != name).ToList();
        var action = others.Count == 0 ? "Destroy"
            : $"Destroy, with {others.Count} more: {string.Join(", ", others)}";
        if (!ShouldProcess(Describe(name, session), action)) return;
        Try(() => storage.Destroy(name, recurse, dependents, dryRun: false, StopToken), name);
    }

    protected void WriteWrongType(string name, ZDatasetType wanted) =>
        WriteError(ErrorMapper.Create("WrongDatasetType", ErrorCategory.InvalidArgument,
            $"'{name}' is not a {DescribeTypes(wanted)}.", name));

    private static string DescribeTypes(ZDatasetType t) => t switch
    {
        ZDatasetType.FileSystem => "filesystem",
        ZDatasetType.Volume => "volume",
        _ => "dataset of type " + t.ToString().ToLowerInvariant(),
    };

    /// <summary>The text ShouldProcess shows for a target: its name, and the session when several are in play.</summary>
    protected string Describe(string name, IllumosSession session) =>
        Session is { Length: > 1 } ? $"{name} (session {session.Name})" : name;
}

/// <summary>Base of the storage cmdlets that change state without creating: output only with -PassThru.</summary>
public abstract class DatasetChangeCmdletBase : DatasetCmdletBase
{
    /// <summary>Write the changed object to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }
}
