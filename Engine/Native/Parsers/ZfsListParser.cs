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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static List<ZDataset> ParseDatasets(string text, IReadOnlyList<string> fields)
    {
        var map = new FieldMap(fields);
        var at = map.Positions(DatasetFields);   // resolved once per listing, not per row
        var result = new List<ZDataset>(Math.Max(4, text.Length / Math.Max(16, fields.Count * 8)));
        var rows = new TabRows(text, fields.Count, "zfs list");
        Span<int> cuts = fields.Count <= 64 ? stackalloc int[fields.Count * 2] : new int[fields.Count * 2];
        while (rows.Next(cuts)) result.Add(ToDataset(new FieldView(rows.Text, cuts, at), map.Properties(rows.Text, rows.Start)));
        return result;
    }

    /// <summary>A dataset from one row's fields (<paramref name="v"/> reads them by their position in <see cref="DatasetFields"/>).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static ZDataset ToDataset(FieldView v, IReadOnlyDictionary<string, string> properties)
    {
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
            Properties = properties,
        };
    }

    /// <summary>A dataset from fields by name (rebuilt from <c>zfs list -j</c>); they are also its <see cref="ZDataset.Properties"/>.</summary>
    internal static ZDataset ToDataset(Dictionary<string, string> fields)
    {
        var names = fields.Keys.ToArray();
        var text = string.Concat(fields.Values);
        var cuts = new int[names.Length * 2];
        int start = 0, f = 0;
        foreach (var value in fields.Values)
        {
            cuts[2 * f] = start;
            cuts[2 * f + 1] = value.Length;
            start += value.Length;
            f++;
        }
        return ToDataset(new FieldView(text, cuts, new FieldMap(names).Positions(DatasetFields)), fields);
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
        var map = new FieldMap(fields);
        var at = map.Positions(SnapshotFields);
        var result = new List<ZSnapshot>();
        var rows = new TabRows(text, fields.Count, "zfs list");
        Span<int> cuts = fields.Count <= 64 ? stackalloc int[fields.Count * 2] : new int[fields.Count * 2];
        while (rows.Next(cuts))
        {
            var v = new FieldView(rows.Text, cuts, at);
            var name = v.Has(0) ? v.String(0) : throw new ArgumentException("The field list must include 'name'.");
            if (!name.Contains('@')) throw ParseText.Error("zfs list -t snapshot", $"'{name}' is not a snapshot name", name);
            result.Add(new ZSnapshot
            {
                Name = name,
                Used = ParseText.UIntOrZero(v[1]),
                Referenced = ParseText.UIntOrZero(v[2]),
                LogicalReferenced = ParseText.UIntOrZero(v[3]),
                Written = ParseText.UIntOrZero(v[4]),
                Creation = ParseText.Epoch(v[5]),
                Guid = ParseText.UIntOrZero(v[6]),
                CreateTxg = ParseText.UIntOrZero(v[7]),
                UserReferences = (int)ParseText.UIntOrZero(v[8]),
                Clones = v[9] is { Length: > 0 } c && !c.SequenceEqual("-") ? c.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries) : Array.Empty<string>(),
                DeferDestroy = v[10].SequenceEqual("on"),
                Properties = map.Properties(rows.Text, rows.Start),
            });
        }
        return result;
    }

    public static List<ZBookmark> ParseBookmarks(string text, IReadOnlyList<string> fields)
    {
        var at = new FieldMap(fields).Positions(BookmarkFields);
        var result = new List<ZBookmark>();
        var rows = new TabRows(text, fields.Count, "zfs list");
        Span<int> cuts = fields.Count <= 64 ? stackalloc int[fields.Count * 2] : new int[fields.Count * 2];
        while (rows.Next(cuts))
        {
            var v = new FieldView(rows.Text, cuts, at);
            var name = v.Has(0) ? v.String(0) : throw new ArgumentException("The field list must include 'name'.");
            if (!name.Contains('#')) throw ParseText.Error("zfs list -t bookmark", $"'{name}' is not a bookmark name", name);
            result.Add(new ZBookmark
            {
                Name = name,
                Creation = ParseText.Epoch(v[1]),
                Guid = ParseText.UIntOrZero(v[2]),
                CreateTxg = ParseText.UIntOrZero(v[3]),
            });
        }
        return result;
    }

    /// <summary>Column positions by property name, with zfs's short aliases (avail, refer, usedsnap, ...).</summary>
    internal sealed class FieldMap
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public FieldMap(IReadOnlyList<string> fields)
        {
            for (int i = 0; i < fields.Count; i++) _index.TryAdd(Canonical(fields[i]), i);
        }

        /// <summary>The position of each of <paramref name="wanted"/> in this listing (-1 when absent).</summary>
        public int[] Positions(string[] wanted) => wanted.Select(n => _index.TryGetValue(n, out var i) ? i : -1).ToArray();

        /// <summary>The row at <paramref name="start"/> of <paramref name="text"/> as a read-only dictionary sharing this map's index (values are cut on demand).</summary>
        public IReadOnlyDictionary<string, string> Properties(string text, int start) => new RowDictionary(this, text, start);

        private sealed class RowDictionary(FieldMap map, string text, int start) : IReadOnlyDictionary<string, string>
        {
            private string Field(int i) => ParseText.TabField(text, start, i).ToString();
            public string this[string key] => map._index.TryGetValue(key, out var i) ? Field(i) : throw new KeyNotFoundException(key);
            public IEnumerable<string> Keys => map._index.Keys;
            public IEnumerable<string> Values => map._index.Values.Select(Field);
            public int Count => map._index.Count;
            public bool ContainsKey(string key) => map._index.ContainsKey(key);
            public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
            {
                if (map._index.TryGetValue(key, out var i)) { value = Field(i); return true; }
                value = null;
                return false;
            }
            public IEnumerator<KeyValuePair<string, string>> GetEnumerator() =>
                map._index.Select(kv => new KeyValuePair<string, string>(kv.Key, Field(kv.Value))).GetEnumerator();
            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }

    /// <summary>A row's fields (as cut by <see cref="TabRows"/>) read by their position in a wanted field list (empty when absent).</summary>
    internal readonly ref struct FieldView(string text, ReadOnlySpan<int> cuts, int[] positions)
    {
        private readonly ReadOnlySpan<int> _cuts = cuts;

        public ReadOnlySpan<char> this[int k] => positions[k] is var i && i >= 0 ? text.AsSpan(_cuts[2 * i], _cuts[2 * i + 1]) : ReadOnlySpan<char>.Empty;
        public bool Has(int k) => positions[k] >= 0;
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
