using System.Globalization;
using System.Text.RegularExpressions;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zpool history [-i] [-l]</c>: "History for 'pool':" then "YYYY-MM-DD.HH:MM:SS text" records.
/// -i adds "[internal &lt;event&gt; txg:N] text" (illumos) or "[txg:N] text" (OpenZFS) records;
/// -l appends " [user UID (NAME) on HOST:ZONE]". Lines starting with blanks continue the record above
/// (OpenZFS prints the nvlist of ioctl records that way).
/// </summary>
public static class ZpoolHistoryParser
{
    private static readonly Regex Header = new(@"^History for '(?<pool>.*)':$", RegexOptions.CultureInvariant);
    private static readonly Regex Record = new(@"^(?<t>\d{4}-\d{2}-\d{2}\.\d{2}:\d{2}:\d{2}) (?<rest>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex InternalIllumos = new(@"^\[internal (?<ev>[^\]]*?) txg:(?<txg>\d+)\] ?(?<text>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex InternalOpenZfs = new(@"^\[txg:(?<txg>\d+)\] ?(?<text>.*)$", RegexOptions.CultureInvariant);
    private static readonly Regex LongSuffix = new(@" \[user (?<uid>\d+)(?: \((?<name>[^)]*)\))? on (?<host>[^:\]]*)(?::(?<zone>[^\]]*))?\]$", RegexOptions.CultureInvariant);

    public static List<ZPoolHistoryEntry> Parse(string text, string? poolName = null)
    {
        var result = new List<ZPoolHistoryEntry>();
        string? pool = poolName;
        int n = 0;
        foreach (var line in ParseText.Lines(text))
        {
            n++;
            if (line.Trim().Length == 0) continue;
            var h = Header.Match(line);
            if (h.Success) { pool = h.Groups["pool"].Value; continue; }
            var r = Record.Match(line);
            if (!r.Success)
            {
                if ((line[0] == ' ' || line[0] == '\t') && result.Count > 0)
                {
                    result[^1] = result[^1] with { Command = result[^1].Command + "\n" + line.Trim() };
                    continue;
                }
                throw ParseText.Error("zpool history", $"line {n} is not a history record", line);
            }
            var time = DateTime.ParseExact(r.Groups["t"].Value, "yyyy-MM-dd.HH:mm:ss", CultureInfo.InvariantCulture);
            var rest = r.Groups["rest"].Value;
            string? user = null, host = null, zone = null;
            var l = LongSuffix.Match(rest);
            if (l.Success)
            {
                user = l.Groups["name"].Success && l.Groups["name"].Value.Length > 0 ? l.Groups["name"].Value : l.Groups["uid"].Value;
                host = l.Groups["host"].Value.Length > 0 ? l.Groups["host"].Value : null;
                zone = l.Groups["zone"].Success && l.Groups["zone"].Value.Length > 0 ? l.Groups["zone"].Value : null;
                rest = rest[..l.Index];
            }
            bool isInternal = false;
            ulong? txg = null;
            Match i;
            if ((i = InternalIllumos.Match(rest)).Success)
            {
                isInternal = true;
                txg = ulong.Parse(i.Groups["txg"].Value, CultureInfo.InvariantCulture);
                rest = (i.Groups["ev"].Value + " " + i.Groups["text"].Value).Trim();
            }
            else if ((i = InternalOpenZfs.Match(rest)).Success)
            {
                isInternal = true;
                txg = ulong.Parse(i.Groups["txg"].Value, CultureInfo.InvariantCulture);
                rest = i.Groups["text"].Value.Trim();
            }
            else if (rest.StartsWith("ioctl ", StringComparison.Ordinal)) isInternal = true;
            result.Add(new ZPoolHistoryEntry
            {
                PoolName = pool ?? "",
                Time = new DateTimeOffset(time, TimeSpan.Zero),
                Command = rest,
                Internal = isInternal,
                Txg = txg,
                User = user,
                HostName = host,
                Zone = zone,
            });
        }
        return result;
    }
}

/// <summary>
/// <c>zpool iostat [-v] [pool]</c> in its human form (illumos has no -H/-p for iostat): three header
/// lines, rows of name + alloc free rops wops rbw wbw, dash separator lines; -v indents vdev rows two
/// blanks per level, leaves print '-' for alloc/free, and class headers (logs, cache, ...) appear at
/// depth 0. Figures are zpool's since-import averages (operations and bytes per second), read from
/// human sizes and therefore approximate. With an interval, only the first sample is read.
/// </summary>
public static class ZpoolIOStatParser
{
    public static List<ZPoolIOStat> Parse(string text)
    {
        var result = new List<ZPoolIOStat>();
        string? pool = null;
        var cls = ZVdevClass.Normal;
        bool seenRows = false, closed = false;
        int n = 0;
        foreach (var line in ParseText.Lines(text))
        {
            n++;
            var t = line.Trim();
            if (t.Length == 0) { if (seenRows) closed = true; continue; }
            if (t.StartsWith("---", StringComparison.Ordinal)) { if (seenRows) { pool = null; cls = ZVdevClass.Normal; } continue; }
            if (closed) break; // a second sample follows
            if (t.StartsWith("capacity", StringComparison.Ordinal) || t.StartsWith("pool ", StringComparison.Ordinal) || t == "pool") continue;
            var tokens = ParseText.SplitBlanks(t);
            if (tokens.Length < 7) throw ParseText.Error("zpool iostat", $"line {n} has {tokens.Length} columns where 7 were expected", line);
            int indent = 0;
            while (indent < line.Length && line[indent] == ' ') indent++;
            int depth = indent / 2;
            var values = tokens[^6..];
            // the name may in theory contain blanks: it is everything before the six figures
            var name = string.Join(' ', tokens[..^6]);
            if (tokens.Length > 7)
            {
                // '-c' script columns trail the figures; keep the first seven tokens then
                values = tokens[1..7];
                name = tokens[0];
            }
            if (depth == 0 && pool is not null && values.All(v => v == "-") && name is "logs" or "cache" or "spares" or "special" or "dedup")
            {
                cls = name switch { "logs" => ZVdevClass.Log, "cache" => ZVdevClass.Cache, "spares" => ZVdevClass.Spare, "special" => ZVdevClass.Special, _ => ZVdevClass.Dedup };
                continue;
            }
            if (depth == 0) { pool = name; cls = ZVdevClass.Normal; }
            seenRows = true;
            result.Add(new ZPoolIOStat
            {
                PoolName = pool ?? name,
                Device = name,
                Class = cls,
                Depth = depth,
                Allocated = ParseText.HumanSize(values[0]),
                Free = ParseText.HumanSize(values[1]),
                ReadOperations = ParseText.HumanSize(values[2]) ?? 0,
                WriteOperations = ParseText.HumanSize(values[3]) ?? 0,
                ReadBytes = ParseText.HumanSize(values[4]) ?? 0,
                WriteBytes = ParseText.HumanSize(values[5]) ?? 0,
            });
        }
        return result;
    }
}
