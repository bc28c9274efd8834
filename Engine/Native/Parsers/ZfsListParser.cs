using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zfs list -Hp -o &lt;fields&gt;</c>: one TAB-separated row per dataset in the order of -o; '-' where a
/// property does not apply (snapshot avail, zvol mountpoint); quota-like limits 0 = none; counts and
/// limits UINT64_MAX = none; ratios with or without 'x'. Rows become the same records the embedded
/// host returns; every field is also kept in <c>Properties</c> as printed.
/// </summary>
public static class ZfsListParser
{
    /// <summary>The fields NativeStorage asks for filesystems and volumes (valid on illumos and OpenZFS).</summary>
    public static readonly string[] DatasetFields =
    [
        "name", "type", "used", "available", "referenced", "logicalused", "usedbysnapshots", "usedbydataset", "usedbychildren",
        "usedbyrefreservation", "written", "compressratio", "mountpoint", "compression", "checksum", "recordsize", "copies",
        "quota", "refquota", "reservation", "refreservation", "readonly", "volsize", "volblocksize", "origin", "creation",
        "guid", "createtxg", "receive_resume_token",
    ];

    public static readonly string[] SnapshotFields =
        ["name", "used", "referenced", "logicalreferenced", "written", "creation", "guid", "createtxg", "userrefs", "clones", "defer_destroy"];

    public static readonly string[] BookmarkFields = ["name", "creation", "guid", "createtxg"];

    /// <summary>Rows as field arrays (a cheap pass used by every mapper; built eagerly, which is far faster than an iterator here).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static List<Row> Rows(string text, int fieldCount, string what = "zfs list")
    {
        var rows = new List<Row>(Math.Max(4, text.Length / Math.Max(16, fieldCount * 8)));
        int pos = 0, line = 0;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl;
            int len = end - pos;
            if (len > 0 && text[end - 1] == '\r') len--;
            line++;
            if (len > 0)
            {
                if (text.IndexOf('\t', pos, len) >= 0)
                {
                    var cuts = new int[fieldCount * 2];
                    int f = 0, start = pos, stop = pos + len;
                    while (true)
                    {
                        int t = text.IndexOf('\t', start, stop - start);
                        int fieldEnd = t < 0 ? stop : t;
                        if (f == fieldCount) throw ParseText.Error(what, $"line {line} has more than {fieldCount} fields", text.Substring(pos, len));
                        cuts[2 * f] = start;
                        cuts[2 * f + 1] = fieldEnd - start;
                        f++;
                        if (t < 0) break;
                        start = t + 1;
                    }
                    if (f != fieldCount) throw ParseText.Error(what, $"line {line} has {f} fields where {fieldCount} were expected", text.Substring(pos, len));
                    rows.Add(new Row(text, cuts));
                }
                else rows.Add(Row.From(ParseText.SplitTabs(text.Substring(pos, len), fieldCount, what, line)));
            }
            pos = end + 1;
        }
        return rows;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static List<ZDataset> ParseDatasets(string text, IReadOnlyList<string> fields)
    {
        var map = new FieldMap(fields);
        var rows = Rows(text, fields.Count);
        var result = new List<ZDataset>(rows.Count);
        foreach (var f in rows) result.Add(ToDataset(f, map));
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static ZDataset ToDataset(Row f, FieldMap m)
    {
        var typeSpan = m.Span(f, "type");
        var type = typeSpan.SequenceEqual("volume") ? ZDatasetType.Volume : typeSpan.SequenceEqual("snapshot") ? ZDatasetType.Snapshot : typeSpan.SequenceEqual("bookmark") ? ZDatasetType.Bookmark : ZDatasetType.FileSystem;
        return new ZDataset
        {
            Name = m.Get(f, "name") ?? throw new ArgumentException("The field list must include 'name'."),
            Type = type,
            Used = ParseText.UIntOrZero(m.Span(f, "used")),
            Available = ParseText.UIntOrZero(m.Span(f, "available")),
            Referenced = ParseText.UIntOrZero(m.Span(f, "referenced")),
            LogicalUsed = ParseText.UIntOrZero(m.Span(f, "logicalused")),
            UsedBySnapshots = ParseText.UIntOrZero(m.Span(f, "usedbysnapshots")),
            UsedByDataset = ParseText.UIntOrZero(m.Span(f, "usedbydataset")),
            UsedByChildren = ParseText.UIntOrZero(m.Span(f, "usedbychildren")),
            UsedByRefReservation = ParseText.UIntOrZero(m.Span(f, "usedbyrefreservation")),
            Written = ParseText.UIntOrZero(m.Span(f, "written")),
            CompressRatio = ParseText.Ratio(m.Span(f, "compressratio")) ?? 1.0,
            MountPoint = m.Get(f, "mountpoint") is { } mp && mp != "-" ? mp : null,
            Compression = Text(m.Get(f, "compression")),
            Checksum = Text(m.Get(f, "checksum")),
            RecordSize = ParseText.UInt(m.Span(f, "recordsize")),
            Copies = (int)(ParseText.UInt(m.Span(f, "copies")) ?? 1),
            Quota = ParseText.Limit(m.Span(f, "quota"), zeroIsNone: true),
            RefQuota = ParseText.Limit(m.Span(f, "refquota"), zeroIsNone: true),
            Reservation = ParseText.Limit(m.Span(f, "reservation"), zeroIsNone: true),
            RefReservation = ParseText.Limit(m.Span(f, "refreservation"), zeroIsNone: true),
            ReadOnly = m.Span(f, "readonly").SequenceEqual("on"),
            VolumeSize = type == ZDatasetType.Volume ? ParseText.UInt(m.Span(f, "volsize")) : null,
            VolumeBlockSize = type == ZDatasetType.Volume ? ParseText.UInt(m.Span(f, "volblocksize")) : null,
            Origin = Text(m.Get(f, "origin")),
            Creation = ParseText.Epoch(m.Span(f, "creation")),
            Guid = ParseText.UIntOrZero(m.Span(f, "guid")),
            CreateTxg = ParseText.UIntOrZero(m.Span(f, "createtxg")),
            ReceiveResumeToken = Text(m.Get(f, "receive_resume_token")),
            Properties = m.Dictionary(f),
        };
    }

    /// <summary>Human <c>zfs list</c> with its header (columns named by the header; values split on blanks, so names with blanks are not supported here).</summary>
    public static List<ZDataset> ParseDatasetsWithHeader(string text)
    {
        var lines = ParseText.Lines(text).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count == 0) return new List<ZDataset>();
        var fields = ParseText.SplitBlanks(lines[0]).Select(f => f.ToLowerInvariant()).ToArray();
        if (!fields.Contains("name")) throw ParseText.Error("zfs list", "the first line is not a header with a NAME column", lines[0]);
        return ParseDatasets(string.Join("\n", lines.Skip(1).Select(l => string.Join('\t', ParseText.SplitBlanks(l, fields.Length)))), fields);
    }

    public static List<ZSnapshot> ParseSnapshots(string text, IReadOnlyList<string> fields)
    {
        var m = new FieldMap(fields);
        var result = new List<ZSnapshot>();
        foreach (var f in Rows(text, fields.Count))
        {
            var name = m.Get(f, "name") ?? throw new ArgumentException("The field list must include 'name'.");
            if (!name.Contains('@')) throw ParseText.Error("zfs list -t snapshot", $"'{name}' is not a snapshot name", name);
            result.Add(new ZSnapshot
            {
                Name = name,
                Used = ParseText.UIntOrZero(m.Span(f, "used")),
                Referenced = ParseText.UIntOrZero(m.Span(f, "referenced")),
                LogicalReferenced = ParseText.UIntOrZero(m.Span(f, "logicalreferenced")),
                Written = ParseText.UIntOrZero(m.Span(f, "written")),
                Creation = ParseText.Epoch(m.Span(f, "creation")),
                Guid = ParseText.UIntOrZero(m.Span(f, "guid")),
                CreateTxg = ParseText.UIntOrZero(m.Span(f, "createtxg")),
                UserReferences = (int)ParseText.UIntOrZero(m.Span(f, "userrefs")),
                Clones = m.Get(f, "clones") is { Length: > 0 } c && c != "-" ? c.Split(',', StringSplitOptions.RemoveEmptyEntries) : Array.Empty<string>(),
                DeferDestroy = m.Span(f, "defer_destroy").SequenceEqual("on"),
                Properties = m.Dictionary(f),
            });
        }
        return result;
    }

    public static List<ZBookmark> ParseBookmarks(string text, IReadOnlyList<string> fields)
    {
        var m = new FieldMap(fields);
        var result = new List<ZBookmark>();
        foreach (var f in Rows(text, fields.Count))
        {
            var name = m.Get(f, "name") ?? throw new ArgumentException("The field list must include 'name'.");
            if (!name.Contains('#')) throw ParseText.Error("zfs list -t bookmark", $"'{name}' is not a bookmark name", name);
            result.Add(new ZBookmark
            {
                Name = name,
                Creation = ParseText.Epoch(m.Span(f, "creation")),
                Guid = ParseText.UIntOrZero(m.Span(f, "guid")),
                CreateTxg = ParseText.UIntOrZero(m.Span(f, "createtxg")),
            });
        }
        return result;
    }

    private static string? Text(string? v) => ParseText.IsNone(v) ? null : v;

    /// <summary>A field map that also remembers the field names (for rows rebuilt from JSON).</summary>
    internal sealed class FieldMapWithNames(string[] names)
    {
        public string[] Names { get; } = names;
        public static implicit operator FieldMap(FieldMapWithNames m) => new(m.Names);
    }

    /// <summary>Column positions by property name, with zfs's short aliases (avail, refer, usedsnap, ...).</summary>
    internal sealed class FieldMap
    {
        private readonly string[] _names;
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public FieldMap(IReadOnlyList<string> fields)
        {
            _names = fields.Select(Canonical).ToArray();
            for (int i = 0; i < _names.Length; i++) _index.TryAdd(_names[i], i);
        }

        public string? Get(Row row, string name) => _index.TryGetValue(name, out var i) ? row[i] : null;

        /// <summary>The field's characters without allocating; empty when the field is not in the list.</summary>
        public ReadOnlySpan<char> Span(Row row, string name) => _index.TryGetValue(name, out var i) ? row.Span(i) : ReadOnlySpan<char>.Empty;

        /// <summary>The row as a read-only dictionary that shares this map's index (values are cut from the output text on demand).</summary>
        public IReadOnlyDictionary<string, string> Dictionary(Row row) => new RowDictionary(this, row);

        private sealed class RowDictionary(FieldMap map, Row row) : IReadOnlyDictionary<string, string>
        {
            public string this[string key] => map._index.TryGetValue(key, out var i) ? row[i] : throw new KeyNotFoundException(key);
            public IEnumerable<string> Keys => map._index.Keys;
            public IEnumerable<string> Values => map._index.Values.Select(i => row[i]);
            public int Count => map._index.Count;
            public bool ContainsKey(string key) => map._index.ContainsKey(key);
            public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
            {
                if (map._index.TryGetValue(key, out var i)) { value = row[i]; return true; }
                value = null;
                return false;
            }
            public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
                map._index.Select(kv => new KeyValuePair<string, string>(kv.Key, row[kv.Value])).GetEnumerator();
            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }

    /// <summary>One -H row: the output text and the start and length of each field (strings are cut only when asked for).</summary>
    public readonly struct Row
    {
        private readonly string _text;
        private readonly int[] _cuts;

        internal Row(string text, int[] cuts) { _text = text; _cuts = cuts; }

        public int Count => _cuts.Length / 2;
        public ReadOnlySpan<char> Span(int i) => _text.AsSpan(_cuts[2 * i], _cuts[2 * i + 1]);
        public string this[int i] => _text.Substring(_cuts[2 * i], _cuts[2 * i + 1]);

        public static Row From(IReadOnlyList<string> fields)
        {
            var cuts = new int[fields.Count * 2];
            var sb = new System.Text.StringBuilder();
            for (int i = 0; i < fields.Count; i++)
            {
                cuts[2 * i] = sb.Length;
                cuts[2 * i + 1] = fields[i].Length;
                sb.Append(fields[i]).Append('\t');
            }
            return new Row(sb.ToString(), cuts);
        }
    }

    public static string Canonical(string field) => field.ToLowerInvariant() switch
    {
        "avail" => "available",
        "refer" => "referenced",
        "usedsnap" => "usedbysnapshots",
        "usedds" => "usedbydataset",
        "usedchild" => "usedbychildren",
        "usedrefreserv" => "usedbyrefreservation",
        "lused" => "logicalused",
        "lrefer" => "logicalreferenced",
        "ratio" => "compressratio",
        "compress" => "compression",
        "recsize" => "recordsize",
        "reserv" => "reservation",
        "refreserv" => "refreservation",
        "rdonly" => "readonly",
        "volblock" => "volblocksize",
        var x => x,
    };
}
