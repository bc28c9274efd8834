using System.Text.Json;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// OpenZFS 2.3+ JSON output (<c>zfs list -j</c>, <c>zfs get -j</c>, <c>zpool list -j</c>,
/// <c>zpool status -j</c>): an "output_version" header and objects keyed by name. Values are strings
/// (human unless -p was given, numbers with --json-int); both are read. Not available on illumos.
/// </summary>
public static class ZfsJsonParsers
{
    private static JsonDocument Open(string text, string what)
    {
        try { return JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }); }
        catch (JsonException e) { throw new IllumosException(ErrorKind.ParserError, "NativeOutputUnreadable", $"Cannot read the JSON output of {what}: {e.Message}", what, e); }
    }

    private static string? Str(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "on",
        JsonValueKind.False => "off",
        _ => null,
    };

    private static string? Prop(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) ? Str(v) : null;

    /// <summary>The properties of one dataset or pool object as (property, value, source, inherited-from).</summary>
    private static IEnumerable<(string Property, string Value, ZPropertySource Source, string? From)> Properties(JsonElement obj)
    {
        if (!obj.TryGetProperty("properties", out var props) || props.ValueKind != JsonValueKind.Object) yield break;
        foreach (var p in props.EnumerateObject())
        {
            string value = p.Value.ValueKind == JsonValueKind.Object ? Prop(p.Value, "value") ?? "" : Str(p.Value) ?? "";
            var source = ZPropertySource.None;
            string? from = null;
            if (p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.Object)
            {
                source = (Prop(s, "type") ?? "NONE").ToUpperInvariant() switch
                {
                    "LOCAL" => ZPropertySource.Local,
                    "DEFAULT" => ZPropertySource.Default,
                    "INHERITED" => ZPropertySource.Inherited,
                    "RECEIVED" => ZPropertySource.Received,
                    "TEMPORARY" => ZPropertySource.Temporary,
                    _ => ZPropertySource.None,
                };
                if (source == ZPropertySource.Inherited) from = Prop(s, "data");
            }
            yield return (p.Name, value, source, from);
        }
    }

    private static IEnumerable<JsonElement> Objects(JsonElement root, string key)
    {
        if (root.TryGetProperty(key, out var all) && all.ValueKind == JsonValueKind.Object)
            foreach (var d in all.EnumerateObject()) yield return d.Value;
    }

    /// <summary><c>zfs get -j</c>: every property of every dataset.</summary>
    public static List<ZProperty> ParseGet(string text)
    {
        using var doc = Open(text, "zfs get -j");
        var result = new List<ZProperty>();
        foreach (var ds in Objects(doc.RootElement, "datasets"))
        {
            var name = Prop(ds, "name") ?? "";
            foreach (var (p, v, s, from) in Properties(ds))
                result.Add(new ZProperty { Name = name, Property = p, Value = v, Source = s, InheritedFrom = from });
        }
        return result;
    }

    /// <summary>
    /// <c>zfs list -j</c> as rows for the -H mappers: the fields requested (or, when null, the properties
    /// present) with "name" and "type" taken from the object. Snapshots and bookmarks stay in the rows.
    /// </summary>
    public static List<(string Type, Dictionary<string, string> Fields)> ParseList(string text)
    {
        using var doc = Open(text, "zfs list -j");
        var result = new List<(string, Dictionary<string, string>)>();
        foreach (var ds in Objects(doc.RootElement, "datasets"))
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (p, v, _, _) in Properties(ds)) d[ZfsListParser.Canonical(p)] = v;
            d["name"] = Prop(ds, "name") ?? "";
            var type = (Prop(ds, "type") ?? "FILESYSTEM").ToLowerInvariant();
            d["type"] = type;
            if (Prop(ds, "createtxg") is { } txg && !d.ContainsKey("createtxg")) d["createtxg"] = txg;
            result.Add((type, d));
        }
        return result;
    }

    public static List<ZDataset> ParseDatasets(string text) =>
        ParseList(text).Where(r => r.Type is "filesystem" or "volume").Select(r => ZfsListParser.ToDataset(r.Fields)).ToList();

    public static List<ZSnapshot> ParseSnapshots(string text)
    {
        var result = new List<ZSnapshot>();
        foreach (var r in ParseList(text).Where(r => r.Type == "snapshot"))
        {
            var names = r.Fields.Keys.ToArray();
            result.AddRange(ZfsListParser.ParseSnapshots(string.Join('\t', names.Select(n => r.Fields[n].Replace('\t', ' '))), names));
        }
        return result;
    }

    /// <summary><c>zpool list -j</c>: pools with their properties (human or exact values).</summary>
    public static List<ZPool> ParsePoolList(string text)
    {
        using var doc = Open(text, "zpool list -j");
        var result = new List<ZPool>();
        foreach (var pool in Objects(doc.RootElement, "pools"))
        {
            var d = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (p, v, _, _) in Properties(pool)) d[ZpoolListParser.Canonical(p)] = v;
            d["name"] = Prop(pool, "name") ?? "";
            if (!d.ContainsKey("guid") && Prop(pool, "guid") is { } g) d["guid"] = g;
            if (!d.ContainsKey("health") && Prop(pool, "state") is { } st) d["health"] = st;
            var names = d.Keys.ToArray();
            result.AddRange(ZpoolListParser.Parse(string.Join('\t', names.Select(n => d[n].Replace('\t', ' '))), names));
        }
        return result;
    }

    /// <summary><c>zpool status -j</c>: the vdev tree (root vdevs plus dedup, special, logs, l2cache and spares groups) and error count.</summary>
    public static List<ZPoolStatus> ParseStatus(string text)
    {
        using var doc = Open(text, "zpool status -j");
        var result = new List<ZPoolStatus>();
        foreach (var pool in Objects(doc.RootElement, "pools"))
        {
            var name = Prop(pool, "name") ?? "";
            var state = ZpoolListParser.Health(Prop(pool, "state"));
            ZPoolVdev? root = null;
            if (pool.TryGetProperty("vdevs", out var vdevs) && vdevs.ValueKind == JsonValueKind.Object)
                foreach (var r in vdevs.EnumerateObject()) { root = Vdev(r.Value, ZVdevClass.Normal, 0, isRoot: true) with { State = state }; break; }
            root ??= new ZPoolVdev { Name = name, Type = "root", State = state };
            var extra = new List<ZPoolVdev>();
            foreach (var (key, cls) in new[] { ("dedup", ZVdevClass.Dedup), ("special", ZVdevClass.Special), ("logs", ZVdevClass.Log), ("l2cache", ZVdevClass.Cache), ("spares", ZVdevClass.Spare) })
                if (pool.TryGetProperty(key, out var group) && group.ValueKind == JsonValueKind.Object)
                    foreach (var v in group.EnumerateObject()) extra.Add(Vdev(v.Value, cls, 1, isRoot: false));
            root = root with { Children = root.Children.Concat(extra).ToArray() };
            result.Add(new ZPoolStatus
            {
                PoolName = name,
                State = state,
                Status = Prop(pool, "status"),
                Config = root,
                ErrorCount = ParseText.UInt(Prop(pool, "error_count")) ?? 0,
            });
        }
        return result;
    }

    private static ZPoolVdev Vdev(JsonElement e, ZVdevClass cls, int depth, bool isRoot)
    {
        var children = new List<ZPoolVdev>();
        if (e.TryGetProperty("vdevs", out var kids) && kids.ValueKind == JsonValueKind.Object)
            foreach (var k in kids.EnumerateObject()) children.Add(Vdev(k.Value, cls, depth + 1, isRoot: false));
        var type = Prop(e, "vdev_type") ?? (isRoot ? "root" : "disk");
        var name = Prop(e, "name") ?? "";
        if (type == "raidz") type = ZpoolStatusParser.InteriorType(name) is var t && t.StartsWith("raidz", StringComparison.Ordinal) ? t : "raidz1";
        return new ZPoolVdev
        {
            Name = name,
            Type = isRoot ? "root" : type,
            Class = cls,
            State = ZpoolListParser.Health(Prop(e, "state") ?? "ONLINE"),
            ReadErrors = ParseText.UInt(Prop(e, "read_errors")) ?? 0,
            WriteErrors = ParseText.UInt(Prop(e, "write_errors")) ?? 0,
            ChecksumErrors = ParseText.UInt(Prop(e, "checksum_errors")) ?? 0,
            Path = Prop(e, "path"),
            Guid = ParseText.UInt(Prop(e, "guid")) ?? 0,
            Depth = depth,
            Children = children,
        };
    }
}
