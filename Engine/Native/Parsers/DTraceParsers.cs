using System.Globalization;
using System.Text;
using Illumos.Engine.Tracing;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>dtrace -l</c>: a header, then rows printed with <c>"%5d %10s %17s %33s %s"</c> (ID, PROVIDER, MODULE,
/// FUNCTION right-aligned, NAME last). MODULE and FUNCTION may be empty and long values overflow their
/// column, pushing the rest right; the fields are told apart by where each word ends.
/// </summary>
public static class DTraceListParser
{
    // the column ends of "%5d %10s %17s %33s": ID 5, PROVIDER 16, MODULE 34, FUNCTION 68
    private const int ProviderEnd = 16, ModuleEnd = 34;

    public static IReadOnlyList<ProbeInfo> Parse(string text)
    {
        var list = new List<ProbeInfo>();
        int lineNumber = 0;
        foreach (var line in ParseText.Lines(text))
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            var words = Words(line);
            if (words[0].Text == "ID" && lineNumber == 1) continue;   // the header
            if (words.Count < 3 || !int.TryParse(words[0].Text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                throw ParseText.Error("dtrace -l", $"line {lineNumber} is not a probe row: '{line}'");
            var provider = words[1];
            var name = words[^1].Text;
            string module = "", function = "";
            var middle = words.Skip(2).Take(words.Count - 3).ToList();
            if (middle.Count == 2) { module = middle[0].Text; function = middle[1].Text; }
            else if (middle.Count == 1)
            {
                // one of MODULE and FUNCTION is empty: a word that ends inside the MODULE column (after any overflow) is the module
                int shift = Math.Max(0, provider.End - ProviderEnd);
                if (middle[0].End <= ModuleEnd + shift) module = middle[0].Text; else function = middle[0].Text;
            }
            else if (middle.Count > 2)
                throw ParseText.Error("dtrace -l", $"line {lineNumber} has more fields than a probe row: '{line}'");
            list.Add(new ProbeInfo(id, provider.Text, module, function, name, Array.Empty<ProbeArgument>()));
        }
        return list;
    }

    private static List<(string Text, int End)> Words(string line)
    {
        var words = new List<(string, int)>();
        int i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length) break;
            int s = i;
            while (i < line.Length && line[i] != ' ') i++;
            words.Add((line[s..i], i));
        }
        return words;
    }

    /// <summary>True when dtrace's stderr says a -l description matched nothing (an empty list, not a failure).</summary>
    public static bool IsNoMatch(string stderr) => stderr.Contains("No probe matches description", StringComparison.Ordinal);
}

/// <summary>What the local compile knows about an aggregation that dtrace prints at exit.</summary>
public sealed record AggregationShape(string Name, AggFunc Func, IReadOnlyList<bool> StringKeys)
{
    public bool IsHistogram => Func is AggFunc.Quantize or AggFunc.LQuantize or AggFunc.LLQuantize;

    public static IReadOnlyList<AggregationShape> Of(CompiledProgram program) =>
        program.MakeAggregations()
            .Where(a => !program.PrintedAggs.Contains(a.Id))
            .OrderBy(a => a.Id)
            .Select(a => new AggregationShape(a.Name, a.Func, a.KeyTypes.Select(t => t.IsString).ToArray()))
            .ToList();
}

/// <summary>
/// Turns dtrace's standard output, line by line as it arrives, back into the records of the embedded host:
/// with -q each line is a record; without it each <c>CPU ID FUNCTION:NAME text</c> line starts one (its probe ID
/// and function:name kept, continuation lines appended). The aggregations dtrace prints at exit — a blank line,
/// then per tuple its keys and value, or its keys and a histogram — are held back as they arrive and parsed
/// into <see cref="AggregationRecord"/>s (histograms into <see cref="Histogram"/>s) when the output ends; held
/// lines that turn out not to be that block are handed on as records.
/// </summary>
public sealed class DTraceOutputReader
{
    private readonly bool _quiet;
    private readonly IReadOnlyList<AggregationShape> _aggs;
    private readonly Action<TraceOutputRecord> _record;
    private readonly List<string> _held = new();
    private bool _headerSeen;
    private (string Probe, int Id, StringBuilder Text)? _open;

    public DTraceOutputReader(bool quiet, IReadOnlyList<AggregationShape> finalAggregations, Action<TraceOutputRecord> record)
    {
        _quiet = quiet;
        _aggs = finalAggregations;
        _record = record;
    }

    public int RecordCount { get; private set; }

    /// <summary>One line of output, without its newline.</summary>
    public void Line(string line)
    {
        if (_held.Count > 0)
        {
            if (MayBelongToFinalBlock(line)) { _held.Add(line); return; }
            ReleaseHeld();
        }
        if (line.Length == 0) { _held.Add(line); return; }
        Text(line);
    }

    /// <summary>The output ended: the aggregations printed at exit, the rest handed on as records.</summary>
    public IReadOnlyList<AggregationRecord> Finish()
    {
        var aggs = _held.Count > 0 ? ParseFinalBlock(_held) : null;
        if (aggs is null && _held.Count > 0) ReleaseHeld();
        _held.Clear();
        CloseOpen();
        return aggs ?? (IReadOnlyList<AggregationRecord>)Array.Empty<AggregationRecord>();
    }

    private void ReleaseHeld()
    {
        var held = _held.ToArray();
        _held.Clear();
        foreach (var l in held) Text(l);
    }

    private void Text(string line)
    {
        if (_quiet)
        {
            Emit(new TraceOutputRecord("", 0, -1, line + "\n", Array.Empty<TraceRecordItem>()));
            return;
        }
        if (!_headerSeen && line.TrimStart().StartsWith("CPU", StringComparison.Ordinal) && line.EndsWith("FUNCTION:NAME", StringComparison.Ordinal))
        {
            _headerSeen = true;
            return;
        }
        if (FiringPrefix(line) is var (id, probe, rest))
        {
            CloseOpen();
            _open = (probe, id, new StringBuilder(rest));
            return;
        }
        if (_open is { } o) o.Text.Append('\n').Append(line);
        else Emit(new TraceOutputRecord("", 0, -1, line, Array.Empty<TraceRecordItem>()));
    }

    private void CloseOpen()
    {
        if (_open is not { } o) return;
        _open = null;
        Emit(new TraceOutputRecord(o.Probe, o.Id, -1, o.Text.ToString(), Array.Empty<TraceRecordItem>()));
    }

    private void Emit(TraceOutputRecord r)
    {
        RecordCount++;
        _record(r);
    }

    /// <summary>"%3d %6d %32s " — CPU, probe ID and FUNCTION:NAME — then the clause's output; null for other lines.</summary>
    private static (int Id, string Probe, string Text)? FiringPrefix(string line)
    {
        var s = line.AsSpan();
        int i = 0;
        if (!Number(s, ref i, out _) || !Number(s, ref i, out var id)) return null;
        while (i < s.Length && s[i] == ' ') i++;
        int start = i;
        while (i < s.Length && s[i] != ' ') i++;
        var fn = s[start..i];
        if (fn.IndexOf(':') < 0) return null;
        var rest = i < s.Length ? line[(i + 1)..] : "";
        return ((int)id, fn.ToString(), rest);
    }

    private static bool Number(ReadOnlySpan<char> s, ref int i, out long value)
    {
        value = 0;
        while (i < s.Length && s[i] == ' ') i++;
        int start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (i == start || i >= s.Length || s[i] != ' ') return false;
        return long.TryParse(s[start..i], NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    // ---- the block printed at exit

    private static bool MayBelongToFinalBlock(string line) =>
        line.Length == 0 || line[0] == ' ' || IsHistogramHeader(line) || IsBucket(line);

    internal static bool IsHistogramHeader(string line)
    {
        var t = line.AsSpan().Trim();
        return t.StartsWith("value") && t.EndsWith("count") && t.Contains(" Distribution ", StringComparison.Ordinal);
    }

    internal static bool IsBucket(string line)
    {
        if (line.Length < 19 || line[16] != ' ') return false;
        var label = line.AsSpan(0, 16).Trim();
        if (label.StartsWith(">= ")) label = label[3..];
        else if (label.StartsWith("< ")) label = label[2..];
        if (!long.TryParse(label, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return false;
        var bar = line.AsSpan(17).TrimEnd(' ');   // the count is printed "%-9lld"
        int lastSpace = bar.LastIndexOf(' ');
        return lastSpace > 0 && bar[..lastSpace].Contains('|') && long.TryParse(bar[(lastSpace + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>A tuple without a histogram: its keys, then " %16d" (the value right-aligned in 16 columns).</summary>
    private static bool IsScalar(string line, out string keys, out long value)
    {
        keys = ""; value = 0;
        int sp = line.LastIndexOf(' ');
        if (sp < 0 || line.Length < 17) return false;
        if (!long.TryParse(line.AsSpan(sp + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)) return false;
        int field = Math.Min(line.Length - 17, sp);   // where " %16d" begins (earlier when the value is wider than 16)
        for (int i = field; i <= sp; i++) if (line[i] != ' ') return false;
        keys = line[..field];
        return keys.Length == 0 || keys[0] == ' ';
    }

    private sealed record Tuple(string KeyText, long Value, List<string>? Histogram, string Text);

    /// <summary>The tuples of the block (blank line first), or null when it is not such a block.</summary>
    private IReadOnlyList<AggregationRecord>? ParseFinalBlock(List<string> lines)
    {
        if (lines[0].Length != 0) return null;
        var tuples = new List<Tuple>();
        int i = 1;
        while (i < lines.Count)
        {
            if (i + 1 < lines.Count && IsHistogramHeader(lines[i + 1]))
            {
                int j = i + 2;
                while (j < lines.Count && IsBucket(lines[j])) j++;
                var hist = lines.GetRange(i + 1, j - i - 1);
                if (j < lines.Count && lines[j].Length != 0) return null;
                var text = lines[i] + "\n" + string.Join("\n", hist) + "\n\n";
                tuples.Add(new Tuple(lines[i], 0, hist, text));
                i = Math.Min(j + 1, lines.Count);
                continue;
            }
            if (IsScalar(lines[i], out var keys, out var value))
            {
                tuples.Add(new Tuple(keys, value, null, lines[i] + "\n"));
                i++;
                continue;
            }
            return null;
        }
        return Attribute(tuples);
    }

    /// <summary>
    /// Names each tuple after the aggregation it belongs to: dtrace prints the unprinted aggregations in order,
    /// each one's tuples together, so a tuple belongs to the first remaining aggregation of its shape (keys and
    /// histogram or not). When the next aggregation has the same shape the boundary cannot be seen in the text;
    /// such tuples keep an empty name rather than a guessed one.
    /// </summary>
    private List<AggregationRecord> Attribute(List<Tuple> tuples)
    {
        var result = new List<AggregationRecord>();
        int k = 0;
        foreach (var t in tuples)
        {
            int start = k;
            while (k < _aggs.Count && !Fits(t, _aggs[k])) k++;
            AggregationShape? shape = k < _aggs.Count ? _aggs[k] : null;
            if (shape is null) k = start;   // nothing known fits: keep the position for the tuples after it
            bool ambiguous = shape is not null && k + 1 < _aggs.Count && SameShape(shape, _aggs[k + 1]);
            var keys = ParseKeys(t.KeyText, shape?.StringKeys);
            Histogram? h = t.Histogram is null ? null : ParseHistogram(t.Histogram, shape?.Func ?? AggFunc.Quantize);
            long value = h is null ? t.Value : h.Buckets.Sum(b => b.Count);
            result.Add(new AggregationRecord(shape is null || ambiguous ? "" : shape.Name, keys, value, h) { Text = t.Text });
        }
        return result;
    }

    private static bool SameShape(AggregationShape a, AggregationShape b) =>
        a.IsHistogram == b.IsHistogram && a.StringKeys.SequenceEqual(b.StringKeys);

    private static bool Fits(Tuple t, AggregationShape a)
    {
        if ((t.Histogram is not null) != a.IsHistogram) return false;
        var keys = ParseKeys(t.KeyText, a.StringKeys);
        return keys.Count == a.StringKeys.Count && keys.Select((k, i) => k is string == a.StringKeys[i]).All(x => x);
    }

    /// <summary>
    /// The keys of a tuple line: integers are " %Nd" fields, strings "  %-50s" fields (wider when the string is
    /// longer). Without known key types, numeric words are integers and other words strings.
    /// </summary>
    internal static IReadOnlyList<object> ParseKeys(string text, IReadOnlyList<bool>? stringKeys)
    {
        var keys = new List<object>();
        if (stringKeys is null)
        {
            foreach (var w in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                keys.Add(long.TryParse(w, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : w);
            return keys;
        }
        int i = 0;
        for (int k = 0; k < stringKeys.Count && i < text.Length; k++)
        {
            if (!stringKeys[k])
            {
                while (i < text.Length && text[i] == ' ') i++;
                int s = i;
                while (i < text.Length && text[i] != ' ') i++;
                if (!long.TryParse(text.AsSpan(s, i - s), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) return keys;
                keys.Add(n);
                continue;
            }
            if (i + 2 > text.Length || text[i] != ' ' || text[i + 1] != ' ') return keys;
            i += 2;
            if (k == stringKeys.Count - 1) { keys.Add(text[i..].TrimEnd(' ')); i = text.Length; continue; }
            int end = Math.Min(text.Length, i + 50);
            while (end < text.Length && text[end] != ' ') end++;   // a longer string overflows its column
            keys.Add(text[i..end].TrimEnd(' '));
            i = end;
        }
        return keys;
    }

    /// <summary>A histogram as printed: the header, then "label |bar count" rows; buckets with a count are kept.</summary>
    internal static Histogram ParseHistogram(IReadOnlyList<string> lines, AggFunc func)
    {
        var buckets = new List<HistogramBucket>();
        foreach (var line in lines.Skip(1))
        {
            var label = line[..16].Trim();
            var bar = line.AsSpan(17).TrimEnd(' ');
            long count = long.Parse(bar[(bar.LastIndexOf(' ') + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            if (count == 0) continue;
            long value = label switch
            {
                _ when label.StartsWith(">= ", StringComparison.Ordinal) => long.Parse(label[3..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
                // the underflow bucket: lquantize counts it at base-1, llquantize at 0, as the embedded host does
                _ when label.StartsWith("< ", StringComparison.Ordinal) => func == AggFunc.LLQuantize ? 0 : long.Parse(label[2..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) - 1,
                _ => long.Parse(label, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            };
            buckets.Add(new HistogramBucket(label, value, count));
        }
        return new Histogram(buckets, string.Join("\n", lines) + "\n");
    }
}

/// <summary>dtrace's standard error: the drop reports become warnings, its own notices are dropped, the rest are errors.</summary>
public static class DTraceStderrParser
{
    private static readonly (string Suffix, string Kind)[] Drops =
    [
        (" drops on CPU ", "drops"), (" dynamic variable drops", "dynvardrops"), (" aggregation drops on CPU ", "aggdrops"),
        (" speculative drops", "specdrops"), (" speculative drop", "specdrops"),
    ];

    public static (List<string> Errors, List<TraceWarning> Warnings) Parse(string stderr)
    {
        var errors = new List<string>();
        var warnings = new List<TraceWarning>();
        foreach (var line in ParseText.Lines(stderr))
        {
            if (line.Length == 0) continue;
            if (Warning(line) is { } w) { warnings.Add(w); continue; }
            // "dtrace: script '/dev/stdin' matched 3 probes", "dtrace: description 'BEGIN ' matched 1 probe"
            if (line.StartsWith("dtrace: ", StringComparison.Ordinal) && (line.Contains(" matched ", StringComparison.Ordinal) && line.EndsWith(" probe", StringComparison.Ordinal) || line.EndsWith(" probes", StringComparison.Ordinal))) continue;
            if (line == "dtrace: allowing destructive actions") continue;
            errors.Add(line);
        }
        return (errors, warnings);
    }

    /// <summary>"dtrace: 12 drops on CPU 0" and its kin as a warning; null for other lines.</summary>
    public static TraceWarning? Warning(string line)
    {
        if (!line.StartsWith("dtrace: ", StringComparison.Ordinal)) return null;
        var rest = line.AsSpan("dtrace: ".Length);
        int sp = rest.IndexOf(' ');
        if (sp <= 0 || !long.TryParse(rest[..sp], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return null;
        var tail = rest[sp..];
        foreach (var (suffix, kind) in Drops)
            if (tail.StartsWith(suffix, StringComparison.Ordinal)) return new TraceWarning(kind, n, line["dtrace: ".Length..]);
        return null;
    }
}
