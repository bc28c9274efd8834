using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Tracing;

/// <summary>
/// Lists probes like dtrace -l: all of them, those matching probe descriptions (dtrace -l -n), or those
/// whose provider, module, function and name match -Provider, -Module, -Function and -Name (dtrace -l
/// -P/-m/-f/-n). Wildcards filter silently; a filter without wildcards that matches nothing is an
/// ObjectNotFound error.
/// </summary>
[Cmdlet(VerbsCommon.Get, "Probe")]
[OutputType(typeof(ProbeInfo))]
public sealed class GetProbeCommand : IllumosCmdlet
{
    /// <summary>Probe descriptions: name, function:name, module:function:name or provider:module:function:name; an empty field matches anything.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ArgumentCompleter(typeof(ProbeDescriptionCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Probe { get; set; }

    /// <summary>Only probes of these providers (dtrace -P).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProbeProviderCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Provider { get; set; }

    /// <summary>Only probes in these modules (dtrace -m).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProbeModuleCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public string[]? Module { get; set; }

    /// <summary>Only probes in these functions (dtrace -f).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProbeFunctionCompleter))]
    [SupportsWildcards]
    [ValidateNotNull]
    public string[]? Function { get; set; }

    /// <summary>Only probes with these names (the last field of a description).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ProbeNameCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            // a single literal filter narrows the list on the host (dtrace -l -P/-m/-f/-n); the filters below still apply
            var all = Try(() => s.Facility<ITracing>().ListProbes(Single(Provider), Single(Module), Single(Function), Single(Name)), s.ComputerName);
            if (all is null) continue;
            IEnumerable<ProbeInfo> probes = all;
            probes = Filter(probes, Provider, p => p.Provider, "provider", s);
            probes = Filter(probes, Module, p => p.Module, "module", s);
            probes = Filter(probes, Function, p => p.Function, "function", s);
            probes = Filter(probes, Name, p => p.Name, "name", s);
            if (Probe is { Length: > 0 }) probes = ByDescription(probes.ToList(), s);
            foreach (var p in probes) WriteObject(p with { Session = s });
        }
    }

    private static string? Single(string[]? patterns) =>
        patterns is [var p] && p.Length > 0 && !WildcardPattern.ContainsWildcardCharacters(p) ? p : null;

    /// <summary>Probes one of whose field values matches one of <paramref name="patterns"/>; literal values that match nothing are reported.</summary>
    private IEnumerable<ProbeInfo> Filter(IEnumerable<ProbeInfo> probes, string[]? patterns, Func<ProbeInfo, string> field, string what, IllumosSession s)
    {
        if (patterns is null) return probes;
        var list = probes.ToList();
        var matchers = patterns.Select(Matcher).ToArray();
        var result = list.Where(p => matchers.Any(m => m(field(p)))).ToList();
        for (int i = 0; i < patterns.Length; i++)
            if (!WildcardPattern.ContainsWildcardCharacters(patterns[i]) && !list.Any(p => matchers[i](field(p))))
                WriteProbeNotFound(patterns[i], $"No probe with {what} '{patterns[i]}' was found on {s.ComputerName}.");
        return result;
    }

    private List<ProbeInfo> ByDescription(List<ProbeInfo> probes, IllumosSession s)
    {
        var result = new List<ProbeInfo>();
        foreach (var d in Probe!)
        {
            var fields = Fields(d);
            var m = fields.Select(Matcher).ToArray();
            var hits = probes.Where(p => m[0](p.Provider) && m[1](p.Module) && m[2](p.Function) && m[3](p.Name)).ToList();
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(d))
                WriteProbeNotFound(d, $"No probe matches the description '{d}' on {s.ComputerName}.");
            result.AddRange(hits.Where(h => !result.Contains(h)));
        }
        return result.OrderBy(p => p.Id).ToList();
    }

    /// <summary>A description's four fields as dtrace reads them: given fields fill from the right, missing and empty ones match anything.</summary>
    internal static string[] Fields(string description)
    {
        var given = description.Split(':');
        if (given.Length > 4) given = [given[0], given[1], given[2], string.Join(":", given[3..])];
        var fields = new string[4];
        for (int i = 0; i < 4; i++)
        {
            int g = i - (4 - given.Length);
            fields[i] = g >= 0 && given[g].Length > 0 ? given[g] : "*";
        }
        return fields;
    }

    private static Func<string, bool> Matcher(string pattern)
    {
        if (!WildcardPattern.ContainsWildcardCharacters(pattern)) return v => string.Equals(v, pattern, StringComparison.OrdinalIgnoreCase);
        var w = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
        return w.IsMatch;
    }

    private void WriteProbeNotFound(string target, string message) =>
        WriteError(ErrorMapper.Create("ProbeNotFound", ErrorCategory.ObjectNotFound, message, target));
}
