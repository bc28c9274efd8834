using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Illumos.Engine.Services;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>svcs -l fmri</c>: blocks of "key&lt;blanks&gt;value" lines, a blank line between instances; a key
/// with an empty value stands alone (contract_id). Keys: fmri, name (the description), enabled ("true",
/// "false", or "true (temporary)"), state, next_state, state_time, alt_logfile, logfile, restarter,
/// contract_id, manifest (repeats), dependency (repeats: "grouping/restart_on fmri... (state)").
/// Keys it does not know are skipped.
/// </summary>
public static partial class SvcsLongParser
{
    private const string What = "svcs -l";

    public static List<SmfService> Parse(string text)
    {
        var result = new List<SmfService>();
        Dictionary<string, List<string>>? block = null;
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n].TrimEnd();
            if (line.Length == 0)
            {
                if (block is not null) result.Add(ToService(block));
                block = null;
                continue;
            }
            if (char.IsWhiteSpace(line[0])) throw ParseText.Error(What, $"line {n + 1} does not start with a key", lines[n]);
            var parts = ParseText.SplitBlanks(line, 2);
            block ??= new Dictionary<string, List<string>>(StringComparer.Ordinal);
            if (parts[0] == "fmri" && block.ContainsKey("fmri")) { result.Add(ToService(block)); block = new(StringComparer.Ordinal); }
            if (!block.TryGetValue(parts[0], out var values)) block[parts[0]] = values = new List<string>();
            values.Add(parts.Length > 1 ? parts[1] : "");
        }
        if (block is not null) result.Add(ToService(block));
        return result;
    }

    [GeneratedRegex(@"^(?<group>[a-z_]+)/(?<restart>[a-z_]+)\s+(?<fmris>.*?)(?:\s+\((?<state>[^()]*)\))?$")]
    private static partial Regex Dependency();

    public static SmfDependency ParseDependency(string value)
    {
        var m = Dependency().Match(value.Trim());
        if (!m.Success || m.Groups["fmris"].Value.Length == 0)
            throw ParseText.Error(What, $"the dependency '{value}' is not 'grouping/restart_on fmri... (state)'", value);
        return new SmfDependency(m.Groups["group"].Value, m.Groups["restart"].Value,
            m.Groups["fmris"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            m.Groups["state"].Success ? m.Groups["state"].Value : null);
    }

    private static SmfService ToService(Dictionary<string, List<string>> b)
    {
        string? One(string key) => b.TryGetValue(key, out var v) && v[^1].Length > 0 ? v[^1] : null;
        IReadOnlyList<string> All(string key) => b.TryGetValue(key, out var v) ? v.Where(x => x.Length > 0).ToArray() : Array.Empty<string>();
        var fmri = One("fmri") ?? throw ParseText.Error(What, "a block has no fmri line", string.Join(", ", b.Keys));
        var (enabled, temporary) = Enabled(One("enabled"), fmri);
        var nextState = One("next_state");
        return new SmfService
        {
            Fmri = fmri,
            Description = One("name"),
            State = One("state") ?? "?",
            NextState = nextState is null or "none" ? null : nextState,
            Transitioning = nextState is not (null or "none"),
            StateTime = One("state_time"),
            ContractId = One("contract_id") is { } c ? long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var ct) ? ct
                : throw ParseText.Error(What, $"contract_id '{c}' of {fmri} is not a number", c) : null,
            // "(temporary)" is printed when the override differs from the persistent value, so that one is the other.
            Enabled = temporary ? !enabled : enabled,
            EnabledTemporary = temporary ? enabled : null,
            Logfile = One("logfile"),
            AltLogfile = One("alt_logfile"),
            Restarter = One("restarter"),
            Manifests = All("manifest"),
            Dependencies = All("dependency").Select(ParseDependency).ToArray(),
        };
    }

    /// <summary>"true", "false", "true (temporary)": the effective state, marked when an svcadm -t override differs from the persistent one.</summary>
    private static (bool? Value, bool Temporary) Enabled(string? text, string fmri)
    {
        if (text is null) return (null, false);
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        bool? v = words[0] switch { "true" => true, "false" => false, _ => throw ParseText.Error(What, $"enabled '{text}' of {fmri} is neither true nor false", text) };
        return (v, words.Length > 1 && words[1] == "(temporary)");
    }
}

/// <summary>
/// <c>svcs -x</c> / <c>svcs -xv</c>: per service a line "fmri (description)", then "Key: value" lines with the
/// keys right-aligned (State, Reason, See, Path, Impact); See repeats; a value continues on lines indented
/// past the keys (Reason text, the Path chain, the -xv list of impacted dependents). Blank lines separate
/// services. Nothing at all means no service has a problem.
/// </summary>
public static partial class SvcsExplainParser
{
    private const string What = "svcs -x";

    [GeneratedRegex(@"^\s{0,6}(?<key>State|Reason|See|Path|Impact):(?:\s(?<value>.*))?$")]
    private static partial Regex KeyLine();

    [GeneratedRegex(@"^(?<fmri>\S+)(?:\s+\((?<desc>.*)\))?$")]
    private static partial Regex Head();

    public static List<SmfServiceExplanation> Parse(string text)
    {
        var result = new List<SmfServiceExplanation>();
        Builder? cur = null;
        string? key = null;
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n].TrimEnd();
            if (line.Length == 0) { Flush(); continue; }
            if (!char.IsWhiteSpace(line[0]) && KeyLine().Match(line) is not { Success: true })
            {
                Flush();
                var h = Head().Match(line);
                if (!h.Success) throw ParseText.Error(What, $"line {n + 1} is neither a service line nor a 'Key: value' line", lines[n]);
                cur = new Builder { Fmri = h.Groups["fmri"].Value, Description = h.Groups["desc"].Success ? h.Groups["desc"].Value : null };
                continue;
            }
            if (cur is null) throw ParseText.Error(What, $"line {n + 1} comes before any service line", lines[n]);
            var k = KeyLine().Match(line);
            if (k.Success)
            {
                key = k.Groups["key"].Value;
                cur.Add(key, k.Groups["value"].Value.Trim(), continuation: false);
            }
            else if (key is not null) cur.Add(key, line.Trim(), continuation: true);
            else throw ParseText.Error(What, $"line {n + 1} continues no key", lines[n]);
        }
        Flush();
        return result;

        void Flush()
        {
            if (cur is not null) result.Add(cur.Build());
            cur = null;
            key = null;
        }
    }

    private sealed class Builder
    {
        public required string Fmri;
        public string? Description;
        private string? _state, _reason, _impact;
        private readonly List<string> _see = new(), _path = new(), _impacted = new();

        public void Add(string key, string value, bool continuation)
        {
            switch (key)
            {
                case "State": _state = continuation ? _state + " " + value : value; break;
                case "Reason": _reason = continuation ? _reason + " " + value : value; break;
                case "See": if (continuation) _see[^1] += " " + value; else _see.Add(value); break;
                case "Path": if (value.Length > 0) _path.Add(value); break;
                case "Impact": if (continuation) _impacted.Add(value); else _impact = value; break;
            }
        }

        public SmfServiceExplanation Build()
        {
            string? state = _state, since = null;
            if (_state is not null && _state.IndexOf(" since ", StringComparison.Ordinal) is int at and > 0)
            {
                state = _state[..at];
                since = _state[(at + 7)..].Trim();
            }
            return new SmfServiceExplanation
            {
                Fmri = Fmri,
                Description = Description,
                State = state,
                Since = since,
                Reason = _reason,
                SeeAlso = _see.ToArray(),
                Path = _path.ToArray(),
                Impact = _impact?.TrimEnd(':'),
                ImpactedServices = _impacted.ToArray(),
            };
        }
    }
}

/// <summary>
/// Human <c>svcs</c> output with its header (<c>svcs -v</c>, <c>svcs -p</c>, the default columns): the header
/// names the columns; a service row has an FMRI in the FMRI column; with -p each service row is followed by
/// its processes, "stime pid command" (indented to the STIME column, though not always: the man page's
/// own example loses the indentation), which become that service's <see cref="SmfService.Processes"/>.
/// </summary>
public static class SvcsHumanParser
{
    private const string What = "svcs";

    public static List<SmfService> Parse(string text)
    {
        var result = new List<SmfService>();
        var lines = ParseText.Lines(text);
        string[]? cols = null;
        List<SmfProcess>? procs = null;
        for (int n = 0; n < lines.Count; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0) continue;
            var words = ParseText.SplitBlanks(line);
            if (words[0] == "STATE" || (cols is null && words.Contains("FMRI")))
            {
                cols = words.Select(w => w.ToLowerInvariant()).ToArray();
                if (!cols.Contains("fmri")) throw ParseText.Error(What, "the header has no FMRI column", lines[n]);
                continue;
            }
            if (cols is null) throw ParseText.Error(What, $"line {n + 1} comes before the header", lines[n]);
            var f = ParseText.SplitBlanks(line, cols.Length);
            int iFmri = Array.IndexOf(cols, "fmri");
            if (f.Length == cols.Length && IsFmri(f[iFmri]))
            {
                Close();
                result.Add(SvcsParser.Row(cols, f, iFmri));
                procs = new List<SmfProcess>();
                continue;
            }
            var p = ParseText.SplitBlanks(line, 3);
            if (p.Length == 3 && int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                if (procs is null) throw ParseText.Error(What, $"the process on line {n + 1} follows no service", lines[n]);
                procs.Add(new SmfProcess(pid, p[0] == "-" ? null : p[0], p[2]));
                continue;
            }
            throw ParseText.Error(What, $"line {n + 1} is neither a service nor a process row", lines[n]);
        }
        Close();
        return result;

        void Close()
        {
            if (procs is { Count: > 0 }) result[^1] = result[^1] with { Processes = procs.ToArray() };
            procs = null;
        }
    }

    private static bool IsFmri(string s) => s.StartsWith("svc:/", StringComparison.Ordinal) || s.StartsWith("lrc:/", StringComparison.Ordinal);
}

/// <summary>
/// <c>svcprop fmri</c> (and <c>svcprop -p pg fmri</c>): "pg/prop type value..." one property per line, single
/// blanks between words. Values are shell-quoted by svcprop: a backslash makes the next character literal
/// (blanks, quotes and shell metacharacters inside a value), "" is the empty string; a property without values
/// has nothing after its type. With several FMRIs the first word is the full property FMRI
/// ("svc:/x:default/:properties/pg/prop"), which is reduced to pg/prop here.
/// </summary>
public static class SvcpropParser
{
    private const string What = "svcprop";

    public static List<SmfProperty> Parse(string text)
    {
        var result = new List<SmfProperty>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Length == 0) continue;
            var words = Words(lines[n], n + 1);
            if (words.Count < 2) throw ParseText.Error(What, $"line {n + 1} has no type after the property name", lines[n]);
            var path = words[0];
            int props = path.IndexOf("/:properties/", StringComparison.Ordinal);
            if (props >= 0) path = path[(props + "/:properties/".Length)..];
            int slash = path.IndexOf('/');
            if (slash <= 0 || slash == path.Length - 1) throw ParseText.Error(What, $"'{words[0]}' on line {n + 1} is not pg/property", lines[n]);
            result.Add(new SmfProperty(path[..slash], path[(slash + 1)..], words[1], words.Skip(2).ToArray()));
        }
        return result;
    }

    /// <summary>Splits on unescaped blanks; "\x" is a literal x; a word that is exactly "" is the empty string.</summary>
    public static List<string> Words(string line, int lineNumber = 1)
    {
        var words = new List<string>();
        var cur = new StringBuilder();
        bool any = false, quotedEmpty = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\')
            {
                if (i + 1 == line.Length) throw ParseText.Error(What, $"line {lineNumber} ends in a lone backslash", line);
                cur.Append(line[++i]); any = true;
            }
            else if (c == ' ')
            {
                if (any) words.Add(quotedEmpty && cur.Length == 0 ? "" : cur.ToString());
                cur.Clear(); any = false; quotedEmpty = false;
            }
            else if (c == '"' && !any && i + 1 < line.Length && line[i + 1] == '"' && (i + 2 == line.Length || line[i + 2] == ' '))
            {
                quotedEmpty = true; any = true; i++;
            }
            else { cur.Append(c); any = true; }
        }
        if (any) words.Add(cur.ToString());
        return words;
    }
}
