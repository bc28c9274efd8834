using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zpool list -Hp -o &lt;fields&gt;</c> (exact numbers; illumos keeps '%' on fragmentation and 'x' on
/// dedupratio) and <c>zpool list -H -o</c> (human sizes). An UNAVAIL pool prints '-' in every numeric
/// field (illumos prints FAULTED for its health).
/// </summary>
public static class ZpoolListParser
{
    /// <summary>The fields NativeStorage asks for (names valid on illumos and OpenZFS).</summary>
    public static readonly string[] Fields = ["name", "guid", "health", "size", "allocated", "free", "capacity", "fragmentation", "dedupratio", "expandsize", "checkpoint", "altroot"];

    public static List<ZPool> Parse(string text, IReadOnlyList<string> fields)
    {
        var idx = fields.Select(Canonical).ToArray();
        var pools = new List<ZPool>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Length == 0) continue;
            var f = ParseText.SplitTabs(lines[n], fields.Count, "zpool list", n + 1);
            string? Get(string name) { int i = Array.IndexOf(idx, name); return i < 0 ? null : f[i]; }
            var name = Get("name") ?? throw new ArgumentException("The field list must include 'name'.", nameof(fields));
            pools.Add(new ZPool
            {
                Name = name,
                Guid = ParseText.UInt(Get("guid")) ?? 0,
                Health = Health(Get("health")),
                Size = ParseText.UInt(Get("size")) ?? 0,
                Allocated = ParseText.UInt(Get("allocated")) ?? 0,
                Free = ParseText.UInt(Get("free")) ?? 0,
                Capacity = (int)(ParseText.Percent(Get("capacity")) ?? 0),
                Fragmentation = ParseText.Percent(Get("fragmentation")) is { } fr ? (int)fr : null,
                DedupRatio = ParseText.Ratio(Get("dedupratio")) ?? 1.0,
                ExpandSize = ParseText.UInt(Get("expandsize")),
                Checkpoint = ParseText.UInt(Get("checkpoint")),
                AltRoot = ParseText.IsNone(Get("altroot")) ? null : Get("altroot"),
            });
        }
        return pools;
    }

    /// <summary>
    /// Human <c>zpool list</c> with its header (columns named by the header, values split on blanks);
    /// read for completeness, since the native host always asks for -Hp. The -v vdev rows, which
    /// omit trailing columns, are refused with a parser error.
    /// </summary>
    public static List<ZPool> ParseWithHeader(string text)
    {
        var lines = ParseText.Lines(text).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0) return new List<ZPool>();
        var fields = ParseText.SplitBlanks(lines[0]).Select(f => f.ToLowerInvariant()).ToArray();
        if (!fields.Contains("name")) throw ParseText.Error("zpool list", "the first line is not a header with a NAME column", lines[0]);
        return Parse(string.Join("\n", lines.Skip(1).Select(l => string.Join('\t', ParseText.SplitBlanks(l)))), fields);
    }

    /// <summary>zpool's short column names mapped to property names.</summary>
    public static string Canonical(string field) => field.ToLowerInvariant() switch
    {
        "alloc" => "allocated",
        "cap" => "capacity",
        "frag" => "fragmentation",
        "dedup" => "dedupratio",
        "expandsz" => "expandsize",
        "ckpoint" => "checkpoint",
        var x => x,
    };

    public static ZHealth Health(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "ONLINE" or "HEALTHY" => ZHealth.ONLINE,
        "DEGRADED" => ZHealth.DEGRADED,
        "FAULTED" => ZHealth.FAULTED,
        "OFFLINE" => ZHealth.OFFLINE,
        "REMOVED" => ZHealth.REMOVED,
        "UNAVAIL" => ZHealth.UNAVAIL,
        "SUSPENDED" => ZHealth.SUSPENDED,
        "AVAIL" => ZHealth.AVAIL,
        "INUSE" => ZHealth.INUSE,
        _ => ZHealth.UNAVAIL,
    };

    public static bool IsHealthWord(string text) => text is "ONLINE" or "DEGRADED" or "FAULTED" or "OFFLINE" or "REMOVED" or "UNAVAIL" or "SUSPENDED" or "AVAIL" or "INUSE";
}
