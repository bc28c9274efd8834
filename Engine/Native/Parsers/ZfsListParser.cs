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
                var lineSpan = text.AsSpan(pos, len);
                if (lineSpan.IndexOf('\t') >= 0)
                {
                    // fields are cut when they are read; here only their number is checked (a vectorized count)
                    int f = lineSpan.Count('\t') + 1;
                    if (f > fieldCount) throw ParseText.Error(what, $"line {line} has more than {fieldCount} fields", text.Substring(pos, len));
                    if (f != fieldCount) throw ParseText.Error(what, $"line {line} has {f} fields where {fieldCount} were expected", text.Substring(pos, len));
                    rows.Add(new Row(text, pos, len, fieldCount));
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
        Span<int> cuts = f.Count <= 64 ? stackalloc int[f.Count * 2] : new int[f.Count * 2];
        f.Cut(cuts);
        var v = new DatasetView(f.Text, cuts, m.DatasetIndexes);   // DatasetFields' positions in this listing, resolved once per listing
        var typeSpan = v[1];
        var type = typeSpan.SequenceEqual("volume") ? ZDatasetType.Volume : typeSpan.SequenceEqual("snapshot") ? ZDatasetType.Snapshot : typeSpan.SequenceEqual("bookmark") ? ZDatasetType.Bookmark : ZDatasetType.FileSystem;
        return new ZDataset
        {
            Name = v.Has(0) ? v.String(0) : throw new ArgumentException("The field list must include 'name'."),
            Type = type,
            Used = ParseText.UIntOrZero(v[2]),
            Available = ParseText.UIntOrZero(v[3]),
            Referenced = ParseText.UIntOrZero(v[4]),
            LogicalUsed = ParseText.UIntOrZero(v[5]),
            UsedBySnapshots = ParseText.UIntOrZero(v[6]),
            UsedByDataset = ParseText.UIntOrZero(v[7]),
            UsedByChildren = ParseText.UIntOrZero(v[8]),
            UsedByRefReservation = ParseText.UIntOrZero(v[9]),
            Written = ParseText.UIntOrZero(v[10]),
            CompressRatio = ParseText.Ratio(v[11]) ?? 1.0,
            MountPoint = v.Has(12) && !v[12].SequenceEqual("-") ? v.String(12) : null,
            Compression = v.Has(13) && !ParseText.IsNoneField(v[13]) ? ParseText.Common(v[13]) : null,
            Checksum = v.Has(14) && !ParseText.IsNoneField(v[14]) ? ParseText.Common(v[14]) : null,
            RecordSize = ParseText.UInt(v[15]),
            Copies = (int)(ParseText.UInt(v[16]) ?? 1),
            Quota = ParseText.Limit(v[17], zeroIsNone: true),
            RefQuota = ParseText.Limit(v[18], zeroIsNone: true),
            Reservation = ParseText.Limit(v[19], zeroIsNone: true),
            RefReservation = ParseText.Limit(v[20], zeroIsNone: true),
            ReadOnly = v[21].SequenceEqual("on"),
            VolumeSize = type == ZDatasetType.Volume ? ParseText.UInt(v[22]) : null,
            VolumeBlockSize = type == ZDatasetType.Volume ? ParseText.UInt(v[23]) : null,
            Origin = v.Text(24),
            Creation = ParseText.Epoch(v[25]),
            Guid = ParseText.UIntOrZero(v[26]),
            CreateTxg = ParseText.UIntOrZero(v[27]),
            ReceiveResumeToken = v.Text(28),
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

        private int[]? _datasetIndexes;

        /// <summary>The position of each of <see cref="DatasetFields"/> in this listing (-1 when absent).</summary>
        public int[] DatasetIndexes => _datasetIndexes ??= DatasetFields.Select(n => _index.TryGetValue(n, out var i) ? i : -1).ToArray();

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

    /// <summary>
    /// One -H row: the output text and where the row is in it; fields are cut from the text only when they are
    /// read (<see cref="Cut"/> finds them all in one pass for the mappers).
    /// </summary>
    public readonly struct Row
    {
        private readonly string _text;
        private readonly int[]? _cuts;   // set for rows rebuilt from other forms (JSON)
        private readonly int _start, _length, _count;

        internal Row(string text, int start, int length, int count) { _text = text; _start = start; _length = length; _count = count; }

        private Row(string text, int[] cuts, int count) { _text = text; _cuts = cuts; _count = count; _length = text.Length; }

        public int Count => _count;
        internal string Text => _text;

        public ReadOnlySpan<char> Span(int i)
        {
            if (_cuts is not null) return _text.AsSpan(_cuts[2 * i], _cuts[2 * i + 1]);
            var rest = _text.AsSpan(_start, _length);
            for (int k = 0; k < i; k++) rest = rest[(rest.IndexOf('\t') + 1)..];
            int tab = rest.IndexOf('\t');
            return tab < 0 ? rest : rest[..tab];
        }

        public string this[int i] => Span(i).ToString();

        /// <summary>The start (in <see cref="Text"/>) and length of every field, in one pass.</summary>
        internal void Cut(Span<int> cuts)
        {
            if (_cuts is not null) { _cuts.AsSpan(0, _count * 2).CopyTo(cuts); return; }
            int start = _start, stop = _start + _length;
            for (int f = 0; f < _count; f++)
            {
                int tab = f == _count - 1 ? -1 : _text.AsSpan(start, stop - start).IndexOf('\t');
                int end = tab < 0 ? stop : start + tab;
                cuts[2 * f] = start;
                cuts[2 * f + 1] = end - start;
                start = end + 1;
            }
        }

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
            return new Row(sb.ToString(), cuts, fields.Count);
        }
    }

    /// <summary>A row's fields after <see cref="Row.Cut"/>, read by their position in <see cref="DatasetFields"/>.</summary>
    private readonly ref struct DatasetView(string text, ReadOnlySpan<int> cuts, int[] indexes)
    {
        private readonly ReadOnlySpan<int> _cuts = cuts;

        public ReadOnlySpan<char> this[int k] => indexes[k] is var i && i >= 0 ? text.AsSpan(_cuts[2 * i], _cuts[2 * i + 1]) : ReadOnlySpan<char>.Empty;
        public bool Has(int k) => indexes[k] >= 0;
        public string String(int k) => this[k].ToString();
        /// <summary>The field as text; null when absent or '-', '' or "none".</summary>
        public string? Text(int k) => !Has(k) || ParseText.IsNoneField(this[k]) ? null : String(k);
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
