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

    /// <summary>Rows as field arrays (a cheap pass used by every mapper).</summary>
    public static IEnumerable<string[]> Rows(string text, int fieldCount, string what = "zfs list")
    {
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
                var span = text.AsSpan(pos, len);
                if (span.IndexOf('\t') >= 0)
                {
                    var fields = new string[fieldCount];
                    int f = 0;
                    foreach (var range in span.Split('\t'))
                    {
                        if (f == fieldCount) throw ParseText.Error(what, $"line {line} has more than {fieldCount} fields", span.ToString());
                        fields[f++] = span[range].ToString();
                    }
                    if (f != fieldCount) throw ParseText.Error(what, $"line {line} has {f} fields where {fieldCount} were expected", span.ToString());
                    yield return fields;
                }
                else yield return ParseText.SplitTabs(span.ToString(), fieldCount, what, line);
            }
            pos = end + 1;
        }
    }

    public static List<ZDataset> ParseDatasets(string text, IReadOnlyList<string> fields)
    {
        var map = new FieldMap(fields);
        var result = new List<ZDataset>();
        foreach (var f in Rows(text, fields.Count)) result.Add(ToDataset(f, map));
        return result;
    }

    internal static ZDataset ToDataset(string[] f, FieldMap m)
    {
        var type = m.Get(f, "type") switch { "volume" => ZDatasetType.Volume, "snapshot" => ZDatasetType.Snapshot, "bookmark" => ZDatasetType.Bookmark, _ => ZDatasetType.FileSystem };
        return new ZDataset
        {
            Name = m.Get(f, "name") ?? throw new ArgumentException("The field list must include 'name'."),
            Type = type,
            Used = ParseText.UIntOrZero(m.Get(f, "used")),
            Available = ParseText.UIntOrZero(m.Get(f, "available")),
            Referenced = ParseText.UIntOrZero(m.Get(f, "referenced")),
            LogicalUsed = ParseText.UIntOrZero(m.Get(f, "logicalused")),
            UsedBySnapshots = ParseText.UIntOrZero(m.Get(f, "usedbysnapshots")),
            UsedByDataset = ParseText.UIntOrZero(m.Get(f, "usedbydataset")),
            UsedByChildren = ParseText.UIntOrZero(m.Get(f, "usedbychildren")),
            UsedByRefReservation = ParseText.UIntOrZero(m.Get(f, "usedbyrefreservation")),
            Written = ParseText.UIntOrZero(m.Get(f, "written")),
            CompressRatio = ParseText.Ratio(m.Get(f, "compressratio")) ?? 1.0,
            MountPoint = m.Get(f, "mountpoint") is { } mp && mp != "-" ? mp : null,
            Compression = Text(m.Get(f, "compression")),
            Checksum = Text(m.Get(f, "checksum")),
            RecordSize = ParseText.UInt(m.Get(f, "recordsize")),
            Copies = (int)(ParseText.UInt(m.Get(f, "copies")) ?? 1),
            Quota = ParseText.Limit(m.Get(f, "quota"), zeroIsNone: true),
            RefQuota = ParseText.Limit(m.Get(f, "refquota"), zeroIsNone: true),
            Reservation = ParseText.Limit(m.Get(f, "reservation"), zeroIsNone: true),
            RefReservation = ParseText.Limit(m.Get(f, "refreservation"), zeroIsNone: true),
            ReadOnly = m.Get(f, "readonly") == "on",
            VolumeSize = type == ZDatasetType.Volume ? ParseText.UInt(m.Get(f, "volsize")) : null,
            VolumeBlockSize = type == ZDatasetType.Volume ? ParseText.UInt(m.Get(f, "volblocksize")) : null,
            Origin = Text(m.Get(f, "origin")),
            Creation = ParseText.Epoch(m.Get(f, "creation")),
            Guid = ParseText.UIntOrZero(m.Get(f, "guid")),
            CreateTxg = ParseText.UIntOrZero(m.Get(f, "createtxg")),
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
                Used = ParseText.UIntOrZero(m.Get(f, "used")),
                Referenced = ParseText.UIntOrZero(m.Get(f, "referenced")),
                LogicalReferenced = ParseText.UIntOrZero(m.Get(f, "logicalreferenced")),
                Written = ParseText.UIntOrZero(m.Get(f, "written")),
                Creation = ParseText.Epoch(m.Get(f, "creation")),
                Guid = ParseText.UIntOrZero(m.Get(f, "guid")),
                CreateTxg = ParseText.UIntOrZero(m.Get(f, "createtxg")),
                UserReferences = (int)ParseText.UIntOrZero(m.Get(f, "userrefs")),
                Clones = m.Get(f, "clones") is { Length: > 0 } c && c != "-" ? c.Split(',', StringSplitOptions.RemoveEmptyEntries) : Array.Empty<string>(),
                DeferDestroy = m.Get(f, "defer_destroy") == "on",
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
                Creation = ParseText.Epoch(m.Get(f, "creation")),
                Guid = ParseText.UIntOrZero(m.Get(f, "guid")),
                CreateTxg = ParseText.UIntOrZero(m.Get(f, "createtxg")),
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

        public string? Get(string[] row, string name) => _index.TryGetValue(name, out var i) ? row[i] : null;

        public IReadOnlyDictionary<string, string> Dictionary(string[] row)
        {
            var d = new Dictionary<string, string>(_names.Length, StringComparer.Ordinal);
            for (int i = 0; i < _names.Length; i++) d[_names[i]] = row[i];
            return d;
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
