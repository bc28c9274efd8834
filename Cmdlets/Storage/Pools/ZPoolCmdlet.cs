using System.Management.Automation;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Base of the ZPool cmdlets: a pool is named by -Name (wildcards where the cmdlet allows them) or
/// piped as a ZPool (its session goes with it). <see cref="ForEachPool"/> resolves both forms per
/// session, writing ObjectNotFound for literal names that match no pool.
/// </summary>
public abstract class ZPoolCmdlet : IllumosChangeCmdlet
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";

    protected static IStorage StorageOf(IllumosSession session) => session.Facility<IStorage>();

    /// <summary>Runs <paramref name="action"/> for every selected pool; engine errors become non-terminating errors about the pool.</summary>
    protected void ForEachPool(string[]? names, ZPool[]? inputObjects, Action<IllumosSession, IStorage, string> action)
    {
        if (inputObjects is { Length: > 0 })
        {
            foreach (var p in inputObjects)
                foreach (var s in SessionsFor(p))
                    Try(() => action(s, StorageOf(s), p.Name), p.Name);
            return;
        }
        foreach (var s in ResolveSessions())
        {
            IStorage? storage = null;
            IReadOnlyList<ZPool>? pools = null;
            if (!Try(() => { storage = StorageOf(s); pools = storage.GetPools(StopToken); }, s.ComputerName)) continue;
            foreach (var p in SelectByName(pools!, names, x => x.Name, "ZPool", s))
                Try(() => action(s, storage!, p.Name), p.Name);
        }
    }

    /// <summary>A single pool by exact name on each session (for cmdlets that take one pool and devices).</summary>
    protected void ForPool(string name, ZPool? inputObject, Action<IllumosSession, IStorage, string> action) =>
        ForEachPool(inputObject is null ? [name] : null, inputObject is null ? null : [inputObject], action);

    /// <summary>The pool after a change, for -PassThru.</summary>
    protected void WritePool(IllumosSession session, IStorage storage, string name)
    {
        var pool = storage.GetPools(StopToken).FirstOrDefault(p => p.Name == name);
        if (pool is not null) WriteObject(Stamp(pool, session));
    }

    /// <summary>
    /// Device words for the embedded host are files: relative paths are resolved against the current
    /// PowerShell location. Native hosts get device names unchanged (c1t0d0, /dev/sdb, ...).
    /// </summary>
    protected string[] ResolveDeviceWords(IllumosSession session, IEnumerable<string> words)
    {
        if (session.Kind != HostKind.Embedded) return words.ToArray();
        return words.Select(w => IsVdevKeyword(w) || IsTopVdevName(w) ? w : GetUnresolvedProviderPathFromPSPath(w)).ToArray();
    }

    /// <summary>A top-level vdev as zpool status names it (mirror-1, raidz2-0): not a path.</summary>
    protected static bool IsTopVdevName(string w) => System.Text.RegularExpressions.Regex.IsMatch(w, @"^(mirror|raidz[123]?)-\d+$");

    protected static bool IsVdevKeyword(string w) =>
        w.ToLowerInvariant() is "mirror" or "raidz" or "raidz1" or "raidz2" or "raidz3" or "log" or "cache" or "spare" or "special" or "dedup";
}

/// <summary>Pools selected by optional -Name (wildcards; all when omitted) or piped ZPool objects.</summary>
public abstract class ZPoolQueryCmdlet : ZPoolCmdlet
{
    /// <summary>Pool names; wildcards are permitted. All pools when omitted.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PoolName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.ZPoolNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Pools from Get-ZPool.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    public ZPool[] InputObject { get; set; } = [];

    protected void ForEachSelectedPool(Action<IllumosSession, IStorage, string> action) =>
        ForEachPool(ParameterSetName == InputObjectSet ? null : Name, ParameterSetName == InputObjectSet ? InputObject : null, action);
}

/// <summary>Pools selected by a mandatory -Name (wildcards) or piped ZPool objects, for cmdlets that act on them.</summary>
public abstract class ZPoolActionCmdlet : ZPoolCmdlet
{
    /// <summary>Pool names; wildcards are permitted.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PoolName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.ZPoolNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = [];

    /// <summary>Pools from Get-ZPool.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    public ZPool[] InputObject { get; set; } = [];

    protected void ForEachSelectedPool(Action<IllumosSession, IStorage, string> action) =>
        ForEachPool(ParameterSetName == InputObjectSet ? null : Name, ParameterSetName == InputObjectSet ? InputObject : null, action);
}

/// <summary>One pool (by exact -Name or piped) and device arguments.</summary>
public abstract class ZPoolDeviceCmdlet : ZPoolCmdlet
{
    /// <summary>The pool's name.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PoolName")]
    [ArgumentCompleter(typeof(Completers.ZPoolNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The pool from Get-ZPool.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    public ZPool? InputObject { get; set; }

    protected void ForTheSelectedPool(Action<IllumosSession, IStorage, string> action) => ForPool(Name, InputObject, action);
}
