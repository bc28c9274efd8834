using System.Globalization;
using System.Text.RegularExpressions;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary><c>zfs holds -H [-r]</c>: snapshot TAB tag TAB date; the tag may be blank-padded before its TAB.</summary>
public static class ZfsHoldsParser
{
    public static List<ZSnapshotHold> Parse(string text)
    {
        var result = new List<ZSnapshotHold>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Trim().Length == 0) continue;
            var f = ParseText.SplitTabs(lines[n], 3, "zfs holds", n + 1);
            var when = f[2].Trim();
            DateTimeOffset time = ParseText.CDate(when) ?? (ulong.TryParse(when, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? ParseText.Epoch(when) : default);
            result.Add(new ZSnapshotHold { SnapshotName = f[0].Trim(), Tag = f[1].Trim(), Timestamp = time });
        }
        return result;
    }
}

/// <summary>One change of <c>zfs diff -H [-F] [-t]</c>.</summary>
public sealed record ZfsDiffEntry(char ChangeType, char? FileType, string Path, string? NewPath, DateTimeOffset? Time, int? LinkCountChange);

/// <summary>
/// <c>zfs diff -H [-F] [-t]</c>: [time TAB] change TAB [type TAB] path [" -> " newpath]; change is one of
/// M R - +; paths escape blanks and unprintable bytes as octal (\040). An empty type column (double TAB)
/// is accepted.
/// </summary>
public static class ZfsDiffParser
{
    private static readonly Regex LinkChange = new(@"\s+\(([+-]\d+)\)$", RegexOptions.CultureInvariant);

    public static List<ZfsDiffEntry> Parse(string text)
    {
        var result = new List<ZfsDiffEntry>();
        int n = 0;
        foreach (var line in ParseText.Lines(text))
        {
            n++;
            if (line.Trim().Length == 0) continue;
            var f = line.Contains('\t') ? line.Split('\t') : ParseText.SplitBlanks(line, 3);
            int i = 0;
            DateTimeOffset? time = null;
            if (f.Length > 0 && Regex.IsMatch(f[0], @"^\d+\.\d+$"))
            {
                var parts = f[0].Split('.');
                time = DateTimeOffset.FromUnixTimeSeconds(long.Parse(parts[0], CultureInfo.InvariantCulture))
                    .AddTicks(long.Parse(parts[1].PadRight(9, '0')[..9], CultureInfo.InvariantCulture) / 100);
                i = 1;
            }
            if (f.Length - i < 2 || f[i].Length != 1 || "MR-+".IndexOf(f[i][0]) < 0)
                throw ParseText.Error("zfs diff", $"line {n} does not start with a change type (M, R, -, +)", line);
            char change = f[i][0];
            char? type = null;
            int pathIndex = i + 1;
            if (f.Length - i >= 3) { type = f[i + 1].Length == 1 ? f[i + 1][0] : null; pathIndex = i + 2; }
            var path = string.Join('\t', f[pathIndex..]);
            int? links = null;
            var lc = LinkChange.Match(path);
            if (lc.Success) { links = int.Parse(lc.Groups[1].Value, CultureInfo.InvariantCulture); path = path[..lc.Index]; }
            string? newPath = null;
            int arrow = path.IndexOf(" -> ", StringComparison.Ordinal);
            if (change == 'R' && arrow > 0) { newPath = ParseText.UnescapeOctal(path[(arrow + 4)..].Trim()); path = path[..arrow]; }
            result.Add(new ZfsDiffEntry(change, type, ParseText.UnescapeOctal(path.Trim()), newPath, time, links));
        }
        return result;
    }
}

/// <summary>A delegated permission entry of <c>zfs allow &lt;fs&gt;</c>.</summary>
/// <param name="Scope">PermissionSet, CreateTime, Local, Descendent or LocalDescendent.</param>
/// <param name="Kind">user, group, everyone, set (a permission set definition) or create (create-time).</param>
public sealed record ZfsPermissionEntry(string Dataset, string Scope, string Kind, string? Who, IReadOnlyList<string> Permissions);

/// <summary>
/// <c>zfs allow &lt;fs&gt;</c> (no other operands): "---- Permissions on &lt;fs&gt; ---" banners, then the
/// sections "Permission sets:", "Create time permissions:", "Local permissions:", "Descendent
/// permissions:", "Local+Descendent permissions:" with TAB-indented entries.
/// </summary>
public static class ZfsAllowParser
{
    private static readonly Regex Banner = new(@"^-+ Permissions on (?<fs>.+?) -*$", RegexOptions.CultureInvariant);

    public static List<ZfsPermissionEntry> Parse(string text)
    {
        var result = new List<ZfsPermissionEntry>();
        string? fs = null, scope = null;
        int n = 0;
        foreach (var line in ParseText.Lines(text))
        {
            n++;
            if (line.Trim().Length == 0) continue;
            var b = Banner.Match(line);
            if (b.Success) { fs = b.Groups["fs"].Value; scope = null; continue; }
            if (line[0] != ' ' && line[0] != '\t')
            {
                scope = line.Trim() switch
                {
                    "Permission sets:" => "PermissionSet",
                    "Create time permissions:" => "CreateTime",
                    "Local permissions:" => "Local",
                    "Descendent permissions:" => "Descendent",
                    "Local+Descendent permissions:" => "LocalDescendent",
                    _ => throw ParseText.Error("zfs allow", $"line {n} is not a known section", line),
                };
                continue;
            }
            if (fs is null || scope is null) throw ParseText.Error("zfs allow", $"line {n} is an entry outside a section", line);
            var words = ParseText.SplitBlanks(line.Trim());
            string kind; string? who; string perms;
            if (words[0].StartsWith('@') && scope == "PermissionSet") { kind = "set"; who = words[0]; perms = words.Length > 1 ? words[1] : ""; }
            else if (words[0] is "user" or "group" && words.Length >= 3) { kind = words[0]; who = words[1]; perms = words[2]; }
            else if (words[0] == "everyone" && words.Length >= 2) { kind = "everyone"; who = null; perms = words[1]; }
            else if (words.Length == 1) { kind = "create"; who = null; perms = words[0]; }
            else throw ParseText.Error("zfs allow", $"line {n} is not a permission entry", line);
            result.Add(new ZfsPermissionEntry(fs, scope, kind, who, perms.Split(',', StringSplitOptions.RemoveEmptyEntries)));
        }
        return result;
    }
}

/// <summary>
/// <c>zfs destroy -nvp</c> / <c>-vp</c>: "destroy&lt;TAB&gt;name" per dataset in destruction order and a
/// closing "reclaim&lt;TAB&gt;bytes". Older human lines ("would destroy name", "will destroy name") are read too.
/// </summary>
public static class ZfsDestroyParser
{
    public static (List<string> Names, ulong? Reclaim) Parse(string text)
    {
        var names = new List<string>();
        ulong? reclaim = null;
        foreach (var line in ParseText.Lines(text))
        {
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            if (f.Length == 2 && f[0] == "destroy") names.Add(f[1]);
            else if (f.Length == 2 && f[0] == "reclaim") reclaim = ParseText.UInt(f[1]);
            else if (line.StartsWith("would destroy ", StringComparison.Ordinal)) names.Add(line[14..]);
            else if (line.StartsWith("will destroy ", StringComparison.Ordinal)) names.Add(line[13..]);
            else if (line.StartsWith("would reclaim ", StringComparison.Ordinal) || line.StartsWith("will reclaim ", StringComparison.Ordinal))
                reclaim = ParseText.HumanSize(line[(line.IndexOf("reclaim ", StringComparison.Ordinal) + 8)..]);
        }
        return (names, reclaim);
    }
}

/// <summary>
/// <c>zfs receive -v</c>: one "receiving full|incremental stream of SOURCE@snap into TARGET@snap" line
/// per snapshot received (libzfs prints it before each stream of a package), then a closing
/// "received ...B stream in N seconds" line. Names may hold spaces, so the split at " into " is the
/// one that leaves exactly one '@' on each side.
/// </summary>
public static class ZfsReceiveParser
{
    public static List<string> ReceivedSnapshots(string text)
    {
        const string of = " stream of ";
        var snapshots = new List<string>();
        foreach (var line in ParseText.Lines(text))
        {
            if (!line.StartsWith("receiving ", StringComparison.Ordinal)) continue;
            int at = line.IndexOf(of, StringComparison.Ordinal);
            if (at < 0) continue;
            var rest = line[(at + of.Length)..];
            for (int i = rest.IndexOf(" into ", StringComparison.Ordinal); i >= 0; i = rest.IndexOf(" into ", i + 1, StringComparison.Ordinal))
            {
                string source = rest[..i], target = rest[(i + 6)..];
                if (source.Count(c => c == '@') == 1 && target.Count(c => c == '@') == 1)
                {
                    snapshots.Add(target);
                    break;
                }
            }
        }
        return snapshots;
    }
}
