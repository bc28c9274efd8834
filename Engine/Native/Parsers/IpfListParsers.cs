using System.Globalization;
using System.Text.RegularExpressions;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Native.Parsers;

/// <summary>One translation of the "List of active sessions:" section of <c>ipnat -l</c>.</summary>
public sealed record IpnatSessionLine(string Kind, string Inside, int? InsidePort, string Outside, int? OutsidePort, string Remote, int? RemotePort);

/// <summary>What <c>ipnat -l</c> lists: the loaded rules (parsed by the ipnat language) and the active sessions.</summary>
public sealed record IpnatListing(IReadOnlyList<IpnatRule> Rules, IReadOnlyList<IpnatSessionLine> Sessions);

/// <summary>
/// <c>ipnat -l</c>: "List of active MAP/Redirect filters:" then the rules in ipnat.conf syntax (each read by
/// <see cref="IpnatParser"/>, the one ipnat language implementation), a blank line, "List of active sessions:"
/// then one line per translation, "MAP|RDR|BIMAP|MAP-BLOCK inside [port] &lt;- -&gt; outside [port] [remote [port]]"
/// (-v adds indented detail lines and a "List of active host mappings:" section, both skipped).
/// </summary>
public static partial class IpnatListParser
{
    private const string What = "ipnat -l";
    private const string RulesHeader = "List of active MAP/Redirect filters:";
    private const string SessionsHeader = "List of active sessions:";
    private const string HostMapHeader = "List of active host mappings:";

    [GeneratedRegex(@"^(?<kind>MAP-BLOCK|BIMAP|MAP|RDR)\s+(?<in>\S+)(?:\s+(?<inp>\d+))?\s+<-\s+->\s+(?<out>\S+)(?:\s+(?<outp>\d+))?\s+\[(?<rem>[^\s\]]+)(?:\s+(?<remp>\d+))?\]", RegexOptions.IgnoreCase)]
    private static partial Regex SessionLine();

    public static IpnatListing Parse(string text)
    {
        var rules = new List<IpnatRule>();
        var sessions = new List<IpnatSessionLine>();
        string? section = null;
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0) continue;
            if (line is RulesHeader or SessionsHeader or HostMapHeader) { section = line; continue; }
            switch (section)
            {
                case RulesHeader:
                    var parsed = IpnatParser.Parse(line);
                    if (!parsed.Success || parsed.Rules.Count != 1)
                        throw ParseText.Error(What, $"the rule on line {n + 1} does not parse as ipnat.conf ({string.Join("; ", parsed.Errors.Select(e => e.Message))})", lines[n]);
                    rules.Add(parsed.Rules[0]);
                    break;
                case SessionsHeader:
                    if (char.IsWhiteSpace(lines[n][0])) continue; // -v detail lines (age, ifp, ...)
                    var m = SessionLine().Match(line);
                    if (!m.Success) throw ParseText.Error(What, $"line {n + 1} is not a NAT session", lines[n]);
                    sessions.Add(new IpnatSessionLine(m.Groups["kind"].Value.ToLowerInvariant(),
                        m.Groups["in"].Value, Port(m, "inp"), m.Groups["out"].Value, Port(m, "outp"), m.Groups["rem"].Value, Port(m, "remp")));
                    break;
                case HostMapHeader:
                    break;
                default:
                    throw ParseText.Error(What, $"line {n + 1} comes before the '{RulesHeader}' header", lines[n]);
            }
        }
        if (section is null) throw ParseText.Error(What, "the output has neither the rules nor the sessions header", text);
        return new IpnatListing(rules, sessions);
    }

    private static int? Port(Match m, string group) =>
        m.Groups[group].Success ? int.Parse(m.Groups[group].Value, NumberStyles.None, CultureInfo.InvariantCulture) : null;
}

/// <summary>What <c>ipf -V</c> says about IP Filter: versions, whether it is running, the default action and the active list.</summary>
public sealed record IpfVersionInfo
{
    /// <summary>The ipf tool's version ("v4.1.9 (592)").</summary>
    public string? Version { get; init; }
    /// <summary>The kernel module's version ("v4.1.9").</summary>
    public string? KernelVersion { get; init; }
    public bool? Running { get; init; }
    public string? LogFlags { get; init; }
    /// <summary>What happens to a packet no rule matches ("nomatch -> block all").</summary>
    public string? DefaultAction { get; init; }
    public string? Logging { get; init; }
    /// <summary>0 or 1: which of the two rule lists is active.</summary>
    public int? ActiveList { get; init; }
    public string? FeatureMask { get; init; }
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// <c>ipf -V</c>: "Key: value" lines, split at the first ':' (values hold ':' themselves, "IP Filter: v4.1.9");
/// the "Default:" value carries a second pair after a comma ("nomatch -> block all, Logging: available").
/// </summary>
public static class IpfVersionParser
{
    private const string What = "ipf -V";

    public static IpfVersionInfo Parse(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0) throw ParseText.Error(What, $"line {n + 1} is not 'Key: value'", lines[n]);
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "Default" && value.IndexOf(", Logging:", StringComparison.Ordinal) is int at and > 0)
            {
                fields["Logging"] = value[(at + ", Logging:".Length)..].Trim();
                value = value[..at];
            }
            fields[key] = value;
        }
        if (fields.Count == 0) throw ParseText.Error(What, "the output is empty");
        string? Get(string k) => fields.TryGetValue(k, out var v) ? v : null;
        static string? Version(string? v) => v is null ? null : v.StartsWith("IP Filter:", StringComparison.Ordinal) ? v["IP Filter:".Length..].Trim() : v;
        return new IpfVersionInfo
        {
            Version = Version(Get("ipf")),
            KernelVersion = Version(Get("Kernel")),
            Running = Get("Running") switch { "yes" => true, "no" => false, null => null, var r => throw ParseText.Error(What, $"Running is '{r}', neither yes nor no", r) },
            LogFlags = Get("Log Flags"),
            DefaultAction = Get("Default"),
            Logging = Get("Logging"),
            ActiveList = int.TryParse(Get("Active list"), NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : null,
            FeatureMask = Get("Feature mask"),
            Fields = fields,
        };
    }
}
