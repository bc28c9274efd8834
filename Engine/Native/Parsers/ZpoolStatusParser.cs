using System.Globalization;
using System.Text.RegularExpressions;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zpool status [-P] [-p] [-v]</c> and the <c>zpool import</c> listing, which share one layout:
/// right-aligned "key: value" lines (continuations indented by a TAB or 8 blanks), a config tree of
/// rows indented two blanks per level (names may be longer than the NAME column, contain ':' or be a
/// GUID followed by "was /old/path"), class sections (logs, cache, spares, special, dedup), and an
/// errors section. Both the illumos/OpenZFS "scan:" and the Solaris 10 " scrub:" wording are read.
/// </summary>
public static class ZpoolStatusParser
{
    private static readonly Regex KeyLine = new(@"^(?<lead> {0,8}|\t?)(?<key>[a-z][a-z ]{0,15}?):(?: (?<value>.*)|)$", RegexOptions.CultureInvariant);
    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    { "pool", "id", "state", "status", "action", "see", "scan", "scrub", "remove", "checkpoint", "expand", "raidz expand", "config", "errors", "comment", "features", "dedup", "prefetch" };

    internal sealed class Block
    {
        public readonly List<(string Key, List<string> Lines)> Keys = new();
        public readonly List<string> Config = new();
        public readonly List<string> ErrorLines = new();
        public string? Get(string key) => Keys.FirstOrDefault(k => k.Key == key).Lines is { } l ? string.Join(' ', l.Select(x => x.Trim())).Trim() : null;
        public List<string>? Lines(string key) => Keys.FirstOrDefault(k => k.Key == key).Lines;
    }

    internal static List<Block> Blocks(string text, string what)
    {
        var blocks = new List<Block>();
        Block? b = null;
        List<string>? current = null;
        string mode = "keys";
        foreach (var raw in ParseText.Lines(text))
        {
            var m = KeyLine.Match(raw);
            bool isKey = m.Success && (KnownKeys.Contains(m.Groups["key"].Value) || (mode == "keys" && !raw.StartsWith('\t') && m.Groups["lead"].Length < 8));
            if (isKey && mode != "keys" && !KnownKeys.Contains(m.Groups["key"].Value)) isKey = false;
            if (isKey)
            {
                var key = m.Groups["key"].Value;
                var value = m.Groups["value"].Success ? m.Groups["value"].Value : "";
                if (key == "pool" || b is null)
                {
                    if (b is null || b.Lines("pool") is not null) { b = new Block(); blocks.Add(b); }
                }
                current = new List<string>();
                if (value.Trim().Length > 0) current.Add(value.Trim());
                b.Keys.Add((key, current));
                mode = key switch { "config" => "config", "errors" => "errors", _ => "keys" };
                if (mode == "errors") { b.ErrorLines.Add(value.Trim()); current = null; }
                if (mode == "config") current = null;
                continue;
            }
            if (b is null)
            {
                if (raw.Trim().Length == 0) continue;
                continue; // text before the first key (e.g. "..." of a truncated sample)
            }
            switch (mode)
            {
                case "config": b.Config.Add(raw); break;
                case "errors": b.ErrorLines.Add(raw.Trim()); break;
                default:
                    if (raw.Trim().Length == 0) { current = null; break; }
                    if (current is not null && (raw[0] == ' ' || raw[0] == '\t')) current.Add(raw.Trim());
                    break;
            }
        }
        return blocks;
    }

    /// <summary>Every pool block of a <c>zpool status</c> output; "all pools are healthy" and "no pools available" give none.</summary>
    public static List<ZPoolStatus> Parse(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed == "all pools are healthy" || trimmed.StartsWith("no pools available", StringComparison.Ordinal))
            return new List<ZPoolStatus>();
        var blocks = Blocks(text, "zpool status");
        if (blocks.Count == 0 || blocks.Any(x => x.Get("pool") is null))
            throw ParseText.Error("zpool status", "no 'pool:' line was found", Short(text));
        return blocks.Select(ToStatus).ToList();
    }

    private static ZPoolStatus ToStatus(Block b)
    {
        var name = b.Get("pool")!;
        var state = ZpoolListParser.Health(b.Get("state"));
        var config = BuildConfig(b.Config, out _) ?? new ZPoolVdev { Name = name, Type = "root", State = state };
        var scanKey = b.Lines("scan") is not null ? "scan" : b.Lines("scrub") is not null ? "scrub" : null;
        var scan = scanKey is null ? new ZScanInfo() : ParseScan(b.Lines(scanKey)!);
        var (count, errors, errorsText) = ParseErrors(b.ErrorLines);
        return new ZPoolStatus
        {
            PoolName = name,
            State = state,
            Status = b.Get("status"),
            Action = b.Get("action"),
            See = b.Get("see"),
            Scan = scan,
            Config = config,
            ErrorCount = count,
            Errors = errors,
            ErrorsText = errorsText,
        };
    }

    /// <summary>The pools a <c>zpool import</c> (no pool named) lists.</summary>
    public static List<ZImportablePool> ParseImport(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.StartsWith("no pools available", StringComparison.Ordinal)) return new List<ZImportablePool>();
        var blocks = Blocks(text, "zpool import");
        if (blocks.Count == 0 || blocks.Any(x => x.Get("pool") is null))
            throw ParseText.Error("zpool import", "no 'pool:' line was found", Short(text));
        var result = new List<ZImportablePool>();
        foreach (var b in blocks)
        {
            var config = BuildConfig(b.Config, out var trailing);
            var status = b.Get("status");
            if (trailing.Count > 0) status = ((status is null ? "" : status + " ") + string.Join(' ', trailing)).Trim();
            result.Add(new ZImportablePool
            {
                Name = b.Get("pool")!,
                Guid = ParseText.UInt(b.Get("id")) ?? 0,
                State = ZpoolListParser.Health(b.Get("state")),
                Comment = string.IsNullOrEmpty(b.Get("comment")) ? null : b.Get("comment"),
                Status = status,
                Action = b.Get("action"),
                Config = config,
                Devices = config is null ? Array.Empty<string>() : config.Flatten().Where(v => v.Children.Count == 0 && v.Depth > 0).Select(v => v.Name).ToArray(),
            });
        }
        return result;
    }

    /// <summary>The layout <c>zpool create -n</c> prints ("would create 'tank' with the following layout:").</summary>
    public static ZPoolVdev ParseCreateDryRun(string text)
    {
        var lines = ParseText.Lines(text);
        int start = lines.FindIndex(l => l.StartsWith("would create", StringComparison.Ordinal));
        if (start < 0) throw ParseText.Error("zpool create -n", "no 'would create' line", Short(text));
        return BuildConfig(lines.Skip(start + 1).ToList(), out _, allowNoState: true)
            ?? throw ParseText.Error("zpool create -n", "no layout follows 'would create'", Short(text));
    }

    // ---- config tree ----

    private sealed class Node
    {
        public string Name = "";
        public string Type = "disk";
        public ZVdevClass Class;
        public ZHealth State;
        public ulong R, W, C, Guid;
        public string? Path, Note;
        public int Depth;
        public readonly List<Node> Children = new();
        public ZPoolVdev ToRecord() => new()
        {
            Name = Name, Type = Type, Class = Class, State = State, ReadErrors = R, WriteErrors = W, ChecksumErrors = C,
            Path = Path, Guid = Guid, Note = Note, Depth = Depth, Children = Children.Select(c => c.ToRecord()).ToArray(),
        };
    }

    private static readonly Regex Token = new(@"\S+", RegexOptions.CultureInvariant);

    internal static ZPoolVdev? BuildConfig(List<string> rows, out List<string> trailing, bool allowNoState = false)
    {
        trailing = new List<string>();
        Node? root = null;
        var stack = new List<Node>();
        int baseCol = -1;
        var cls = ZVdevClass.Normal;
        bool afterBlank = false;
        foreach (var raw in rows)
        {
            if (raw.Trim().Length == 0) { if (root is not null) afterBlank = true; continue; }
            int col = 0, i = 0;
            for (; i < raw.Length && (raw[i] == ' ' || raw[i] == '\t'); i++) col = raw[i] == '\t' ? (col / 8 + 1) * 8 : col + 1;
            var content = raw[i..].TrimEnd();
            var tokens = Token.Matches(content);
            if (tokens.Count >= 2 && tokens[0].Value == "NAME" && tokens[1].Value == "STATE") { baseCol = col; continue; }
            if (baseCol < 0) baseCol = col;
            int depth = Math.Max(0, (col - baseCol) / 2);

            // A class header: one word at depth 0.
            if (depth == 0 && root is not null && tokens.Count == 1 && ClassOf(tokens[0].Value) is { } c)
            {
                cls = c; stack.Clear(); stack.Add(root); afterBlank = false; continue;
            }
            int si = -1;
            for (int t = 1; t < tokens.Count; t++) if (ZpoolListParser.IsHealthWord(tokens[t].Value)) { si = t; break; }
            if (si < 0 && !(allowNoState && !afterBlank))
            {
                if (root is not null) trailing.Add(content); // free text (zpool import's closing paragraph)
                continue;
            }
            if (afterBlank && root is not null && si < 0) { trailing.Add(content); continue; }
            var node = new Node { Class = cls, Depth = depth };
            if (si < 0) node.Name = content.Trim();
            else
            {
                node.Name = content[..tokens[si].Index].TrimEnd();
                node.State = ZpoolListParser.Health(tokens[si].Value);
                int next = si + 1;
                if (tokens.Count >= si + 4 && IsCount(tokens[si + 1].Value) && IsCount(tokens[si + 2].Value) && IsCount(tokens[si + 3].Value))
                {
                    node.R = ParseText.HumanSize(tokens[si + 1].Value) ?? 0;
                    node.W = ParseText.HumanSize(tokens[si + 2].Value) ?? 0;
                    node.C = ParseText.HumanSize(tokens[si + 3].Value) ?? 0;
                    next = si + 4;
                }
                if (next < tokens.Count) node.Note = content[tokens[next].Index..].Trim();
            }
            if (root is null)
            {
                node.Type = "root"; node.Depth = 0; root = node; stack.Add(root); continue;
            }
            if (depth == 0) { depth = 1; node.Depth = 1; } // a row that lost its indentation: keep it under the root
            while (stack.Count > 1 && stack[^1].Depth >= depth) stack.RemoveAt(stack.Count - 1);
            var parent = stack[^1];
            parent.Children.Add(node);
            if (parent.Type is "disk" or "file") parent.Type = InteriorType(parent.Name);
            node.Type = LeafOrInteriorType(node);
            stack.Add(node);
        }
        // interior types are final once children are known
        if (root is not null) Fix(root);
        return root?.ToRecord();

        static void Fix(Node n)
        {
            foreach (var c in n.Children)
            {
                if (c.Children.Count > 0) { c.Type = InteriorType(c.Name); c.Path = null; }
                Fix(c);
            }
        }
    }

    private static bool IsCount(string s) => s.Length > 0 && char.IsDigit(s[0]) && ParseText.HumanSize(s) is not null;

    private static ZVdevClass? ClassOf(string word) => word switch
    {
        "logs" or "log" => ZVdevClass.Log,
        "cache" => ZVdevClass.Cache,
        "spares" or "spare" => ZVdevClass.Spare,
        "special" => ZVdevClass.Special,
        "dedup" => ZVdevClass.Dedup,
        _ => null,
    };

    private static readonly Regex RaidZ = new(@"^raidz([123])?(-\d+)?$", RegexOptions.CultureInvariant);

    /// <summary>The vdev type of an interior node from its name (mirror-0, raidz2-1, spare-0, replacing-0, draid2:...).</summary>
    public static string InteriorType(string name)
    {
        if (name == "mirror" || name.StartsWith("mirror-", StringComparison.Ordinal)) return "mirror";
        var m = RaidZ.Match(name);
        if (m.Success) return "raidz" + (m.Groups[1].Success ? m.Groups[1].Value : "1");
        if (name.StartsWith("draid", StringComparison.Ordinal)) return "draid";
        if (name.StartsWith("spare", StringComparison.Ordinal)) return "spare";
        if (name.StartsWith("replacing", StringComparison.Ordinal)) return "replacing";
        if (name.StartsWith("indirect", StringComparison.Ordinal)) return "indirect";
        return "mirror";
    }

    private static string LeafOrInteriorType(Node node)
    {
        if (node.Name == "mirror" || node.Name.StartsWith("mirror-", StringComparison.Ordinal) || RaidZ.IsMatch(node.Name)
            || node.Name.StartsWith("draid", StringComparison.Ordinal) || Regex.IsMatch(node.Name, @"^(spare|replacing|indirect)-\d+$"))
            return InteriorType(node.Name);
        if (node.Note is { } note && note.StartsWith("was ", StringComparison.Ordinal))
        {
            node.Path = note[4..].Trim();
            if (ulong.TryParse(node.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var g)) node.Guid = g;
        }
        else node.Path = node.Name;
        if (node.Name == "missing" || node.Name.StartsWith("missing-", StringComparison.Ordinal)) return "missing";
        if (node.Name.StartsWith("hole", StringComparison.Ordinal)) return "hole";
        var p = node.Path ?? node.Name;
        return p.StartsWith('/') && !p.StartsWith("/dev/", StringComparison.Ordinal) ? "file" : "disk";
    }

    // ---- scan ----

    private static readonly Regex ScanDone = new(@"^(?:(?<f>scrub|resilver) repaired|(?<f>resilver)ed) (?<x>\S+) in (?<d>.+?) with (?<e>\d+) errors? on (?<t>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex ScanCompleted = new(@"^(?<f>scrub|resilver) completed after (?<d>.+?) with (?<e>\d+) errors? on (?<t>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex ScanCanceled = new(@"^(?<f>scrub|resilver) canceled (?:on|after .+? on) (?<t>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex ScanSince = new(@"^(?<f>scrub|resilver) (?<s>in progress|paused) since (?<t>.+)$", RegexOptions.CultureInvariant);
    private static readonly Regex ScanOldProgress = new(@"^(?<f>scrub|resilver) in progress for (?<d>.+?), (?<p>[\d.,]+)% done, (?<r>.+) to go$", RegexOptions.CultureInvariant);
    private static readonly Regex NewScanned = new(@"^(?<x>\S+) scanned at (?<xr>\S+), (?<i>\S+) issued at (?<ir>\S+), (?<t>\S+) total$", RegexOptions.CultureInvariant);
    private static readonly Regex SlashScanned = new(@"^(?<x>\S+) / (?<t>\S+) scanned(?: at (?<xr>\S+))?, (?<i>\S+) / \S+ issued(?: at (?<ir>\S+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex PausedScanned = new(@"^(?<x>\S+) scanned, (?<i>\S+) issued, (?<t>\S+) total$", RegexOptions.CultureInvariant);
    private static readonly Regex OldScanned = new(@"^(?<x>\S+) scanned out of (?<t>\S+) at (?<xr>\S+), (?<r>.+) to go$", RegexOptions.CultureInvariant);
    private static readonly Regex Done = new(@"^(?<x>\S+) (?:repaired|resilvered), (?<p>[\d.,]+)% done(?:, (?<rest>.+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex StartedOn = new(@"^(?:scrub|resilver) started on (?<t>.+)$", RegexOptions.CultureInvariant);

    /// <summary>The scan line and its continuation lines as figures; <see cref="ZScanInfo.Text"/> keeps the text.</summary>
    public static ZScanInfo ParseScan(IReadOnlyList<string> lines)
    {
        var l = lines.Select(x => x.Trim()).Where(x => x.Length > 0).ToList();
        var text = string.Join("\n", l);
        if (l.Count == 0 || l[0] == "none requested") return new ZScanInfo { Text = text.Length == 0 ? null : text };
        var first = l[0];
        bool errorScrub = first.StartsWith("error scrub ", StringComparison.Ordinal);
        if (errorScrub) first = first[6..];
        ZScanFunction Fn(string f) => errorScrub ? ZScanFunction.ErrorScrub : f == "resilver" ? ZScanFunction.Resilver : ZScanFunction.Scrub;
        Match m;
        if ((m = ScanDone.Match(first)).Success || (m = ScanCompleted.Match(first)).Success)
        {
            var end = ParseText.CDate(m.Groups["t"].Value);
            var dur = ParseText.Duration(m.Groups["d"].Value);
            return new ZScanInfo
            {
                Function = Fn(m.Groups["f"].Value), State = ZScanState.Finished,
                EndTime = end, StartTime = end is { } e && dur is { } d ? e - d : null,
                Repaired = m.Groups["x"].Success ? ParseText.HumanSize(m.Groups["x"].Value) ?? 0 : 0,
                Errors = ulong.Parse(m.Groups["e"].Value, CultureInfo.InvariantCulture),
                PercentDone = 100, Text = text,
            };
        }
        if ((m = ScanCanceled.Match(first)).Success)
            return new ZScanInfo { Function = Fn(m.Groups["f"].Value), State = ZScanState.Canceled, EndTime = ParseText.CDate(m.Groups["t"].Value), Text = text };
        if ((m = ScanOldProgress.Match(first)).Success)
            return new ZScanInfo
            {
                Function = Fn(m.Groups["f"].Value), State = ZScanState.Scanning,
                PercentDone = ParseText.Percent(m.Groups["p"].Value) ?? 0, TimeRemaining = ParseText.Duration(m.Groups["r"].Value), Text = text,
            };
        if ((m = ScanSince.Match(first)).Success)
        {
            bool paused = m.Groups["s"].Value == "paused";
            var since = ParseText.CDate(m.Groups["t"].Value);
            var info = new ZScanInfo
            {
                Function = Fn(m.Groups["f"].Value), State = paused ? ZScanState.Paused : ZScanState.Scanning,
                StartTime = paused ? null : since, PauseTime = paused ? since : null, Text = text,
            };
            foreach (var line in l.Skip(1))
            {
                Match p;
                if ((p = NewScanned.Match(line)).Success)
                    info = info with { Examined = Sz(p, "x"), Issued = Sz(p, "i"), ToExamine = Sz(p, "t"), Rate = Rate(p, "ir") };
                else if ((p = SlashScanned.Match(line)).Success)
                    info = info with { Examined = Sz(p, "x"), ToExamine = Sz(p, "t"), Issued = Sz(p, "i"), Rate = Rate(p, "ir") ?? Rate(p, "xr") };
                else if ((p = PausedScanned.Match(line)).Success)
                    info = info with { Examined = Sz(p, "x"), Issued = Sz(p, "i"), ToExamine = Sz(p, "t") };
                else if ((p = OldScanned.Match(line)).Success)
                    info = info with { Examined = Sz(p, "x"), Issued = Sz(p, "x"), ToExamine = Sz(p, "t"), Rate = Rate(p, "xr"), TimeRemaining = ParseText.Duration(p.Groups["r"].Value) };
                else if ((p = Done.Match(line)).Success)
                {
                    info = info with { Repaired = Sz(p, "x"), PercentDone = ParseText.Percent(p.Groups["p"].Value) ?? 0 };
                    var rest = p.Groups["rest"].Success ? p.Groups["rest"].Value : null;
                    if (rest is not null && rest.EndsWith(" to go", StringComparison.Ordinal))
                        info = info with { TimeRemaining = ParseText.Duration(rest[..^6]) };
                }
                else if ((p = StartedOn.Match(line)).Success)
                    info = info with { StartTime = ParseText.CDate(p.Groups["t"].Value) };
            }
            if (info.PercentDone == 0 && info.ToExamine > 0 && info.Issued > 0)
                info = info with { PercentDone = Math.Round(100.0 * info.Issued / info.ToExamine, 2) };
            return info;
        }
        return new ZScanInfo { Text = text }; // wording this parser does not know: keep the text

        static ulong Sz(Match p, string g) => p.Groups[g].Success ? ParseText.HumanSize(p.Groups[g].Value) ?? 0 : 0;
        static double? Rate(Match p, string g) => p.Groups[g].Success && ParseText.HumanSize(p.Groups[g].Value) is { } r ? r : null;
    }

    // ---- errors ----

    private static readonly Regex DataErrors = new(@"^(\d+) data errors?, use '-v' for a list$", RegexOptions.CultureInvariant);

    internal static (ulong Count, IReadOnlyList<ZPoolError> Errors, string? Text) ParseErrors(List<string> lines)
    {
        var l = lines.Where(x => x.Length > 0).ToList();
        if (l.Count == 0) return (0, Array.Empty<ZPoolError>(), null);
        var head = l[0];
        if (head == "No known data errors") return (0, Array.Empty<ZPoolError>(), head);
        var m = DataErrors.Match(head);
        if (m.Success) return (ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Array.Empty<ZPoolError>(), head);
        if (head.StartsWith("Permanent errors have been detected", StringComparison.Ordinal))
        {
            var entries = l.Skip(1).Select(ParseErrorEntry).ToArray();
            return ((ulong)entries.Length, entries, head);
        }
        return (0, Array.Empty<ZPoolError>(), string.Join("\n", l));
    }

    private static readonly Regex HexPair = new(@"^<(?<ds>metadata|0x[0-9a-fA-F]+)>:<0x(?<obj>[0-9a-fA-F]+)>$", RegexOptions.CultureInvariant);
    private static readonly Regex DsObj = new(@"^(?<ds>.+):<0x(?<obj>[0-9a-fA-F]+)>$", RegexOptions.CultureInvariant);

    /// <summary>One permanent-error entry: a path, dataset:path, dataset:&lt;0xobj&gt;, &lt;metadata&gt;:&lt;0xobj&gt; or &lt;0xds&gt;:&lt;0xobj&gt;.</summary>
    public static ZPoolError ParseErrorEntry(string entry)
    {
        var e = entry.Trim();
        Match m;
        if ((m = HexPair.Match(e)).Success)
            return new ZPoolError { Location = e, ObjectId = ulong.Parse(m.Groups["obj"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) };
        if ((m = DsObj.Match(e)).Success)
            return new ZPoolError { Location = e, DatasetName = m.Groups["ds"].Value, ObjectId = ulong.Parse(m.Groups["obj"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture) };
        if (e.StartsWith('/')) return new ZPoolError { Location = e, Path = e };
        int sep = e.IndexOf(":/", StringComparison.Ordinal);
        if (sep > 0) return new ZPoolError { Location = e, DatasetName = e[..sep], Path = e[(sep + 1)..] };
        return new ZPoolError { Location = e };
    }

    private static string Short(string text) => text.Length > 200 ? text[..200] : text;
}
