using System.Globalization;
using System.Text;
using CsCheck;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// The fast -Hp listing parsers (one vectorized pass per line, numbers read from spans, shared strings)
/// against the straightforward parse written here: split on '\n' and TAB, a dictionary per row, the
/// rules of FORMATS.md applied value by value. Listings are random: names with spaces and non-ASCII
/// text, '-' and "none", illumos's '%' and 'x' suffixes in -p output, UINT64_MAX, human sizes with a
/// decimal comma, empty fields, CRLF line ends and blank lines, any subset and order of the fields
/// with zfs's short aliases.
/// </summary>
public sealed class ListingParsePropertyTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly Gen<string> Component =
        Gen.OneOfConst("a", "Z", "0", "9", "-", "_", ".", ":", " ", "é", "中", "😀", "%").Array[1, 8].Select(string.Concat);

    private static readonly Gen<string> DatasetName = Component.Array[0, 3].Select(cs => "tank" + string.Concat(cs.Select(c => "/" + c)));

    private static readonly Gen<string> Number = Gen.Frequency(
        (6, Gen.ULong.Select(n => n.ToString(Inv))),
        (3, Gen.ULong[0, 1UL << 20].Select(n => n.ToString(Inv))),
        (2, Gen.OneOfConst("0", "18446744073709551615", "-", "", "none", "00042", "1")),
        (2, Gen.Select(Gen.ULong[0, 100_000], Gen.OneOfConst("%", "x", "X")).Select(t => t.Item1.ToString(Inv) + t.Item2)),
        (2, Gen.OneOfConst("4.11K", "1.81T", "1,81T", "0B", "512", "20.2M", "1.5G", " 42", "42 ", "99999999999999999999", "12a", "-1", "1e3")));

    private static readonly Gen<string> RatioText = Gen.Frequency(
        (4, Gen.Select(Gen.Int[1, 40], Gen.Int[0, 99]).Select(t => $"{t.Item1}.{t.Item2:00}x")),
        (2, Gen.Double[0, 1000].Select(d => d.ToString("R", Inv))),
        (1, Gen.Select(Gen.Int[1, 40], Gen.Int[0, 99]).Select(t => $"{t.Item1},{t.Item2:00}x")),
        (2, Gen.OneOfConst("-", "", "none", "1.00", "1.5X", ".5", "1.", "x", "1.2.3", "1.5xx", " 1.25x", "123456789012345.6", "8%", "0.0000000000000001")));

    private static readonly Gen<string> Text = Gen.Frequency(
        (3, Gen.OneOfConst("-", "", "none", "on", "off", "lz4", "legacy", "gzip-9", "sha256", "filesystem", "volume")),
        (2, Component.Array[1, 4].Select(cs => "/" + string.Join('/', cs))),
        (1, DatasetName.Select(n => n + "@snap 1")));

    private static Gen<string> ValueOf(string field) => field switch
    {
        "name" => DatasetName,
        "type" => Gen.OneOfConst("filesystem", "volume", "snapshot", "bookmark", "Volume"),
        "compressratio" => RatioText,
        "mountpoint" or "compression" or "checksum" or "readonly" or "origin" or "receive_resume_token" or "defer_destroy" => Text,
        "clones" => Gen.Frequency((1, Text), (1, DatasetName.Array[1, 3].Select(n => string.Join(',', n.Select(c => c + "@s"))))),
        _ => Number,
    };

    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["available"] = "avail", ["referenced"] = "refer", ["usedbysnapshots"] = "usedsnap", ["usedbydataset"] = "usedds",
        ["usedbychildren"] = "usedchild", ["usedbyrefreservation"] = "usedrefreserv", ["logicalused"] = "lused", ["logicalreferenced"] = "lrefer",
        ["compressratio"] = "ratio", ["compression"] = "compress", ["recordsize"] = "recsize", ["reservation"] = "reserv",
        ["refreservation"] = "refreserv", ["readonly"] = "rdonly", ["volblocksize"] = "volblock",
    };

    /// <summary>Some of <paramref name="all"/> in any order, always with name, some by their alias or in capitals as -o accepts them.</summary>
    private static Gen<string[]> FieldList(string[] all) =>
        Gen.Select(Gen.Int.Array[all.Length], Gen.Int[1, all.Length], Gen.Int[0, 3].Array[all.Length]).Select(t =>
        {
            var (keys, count, spelling) = t;
            var chosen = all.Select((f, i) => (f, key: f == "name" ? int.MinValue : keys[i])).OrderBy(x => x.key).Take(count)
                .Select(x => x.f).OrderBy(f => keys[Array.IndexOf(all, f)]).ToList();
            return chosen.Select(f => spelling[Array.IndexOf(all, f)] switch
            {
                0 when Aliases.TryGetValue(f, out var a) => a,
                1 => f.ToUpperInvariant(),
                _ => f,
            }).ToArray();
        });

    /// <summary>A -H listing of random rows for <paramref name="fields"/>, with LF or CRLF ends, blank lines and maybe no final newline.</summary>
    private static Gen<string> Listing(string[] fields) =>
        Gen.Select(
            Gen.Select(fields.Select(f => ValueOf(ZfsListParser.Canonical(f))).ToArray().Aggregate(
                Gen.Const(Array.Empty<string>()), (row, value) => Gen.Select(row, value).Select(t => t.Item1.Append(t.Item2).ToArray())),
                Gen.OneOfConst("\n", "\r\n", "\n\n", "\r\n\r\n")).Array[0, 12],
            Gen.Bool).Select(t =>
        {
            var sb = new StringBuilder();
            foreach (var (values, end) in t.Item1) sb.Append(string.Join('\t', values)).Append(end);
            if (t.Item2 && sb.Length > 0 && sb[^1] == '\n') sb.Length -= sb.Length > 1 && sb[^2] == '\r' ? 2 : 1;
            return sb.ToString();
        });

    private static Gen<(string[] Fields, string Text)> ListingOf(string[] all) =>
        FieldList(all).SelectMany(fields => Listing(fields).Select(text => (fields, text)));

    // ---------------------------------------------------------------- the straightforward parse

    private static List<Dictionary<string, string>> ReferenceRows(string text, string[] fields)
    {
        var rows = new List<Dictionary<string, string>>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0) continue;
            var values = line.Split('\t');
            Assert.Equal(fields.Length, values.Length);
            var row = new Dictionary<string, string>();
            for (int i = 0; i < fields.Length; i++) row.TryAdd(ZfsListParser.Canonical(fields[i]), values[i]);
            rows.Add(row);
        }
        return rows;
    }

    private static bool IsNone(string v) => v.Trim() is "" or "-" or "none";

    private static ulong? RefNumber(string? v)
    {
        if (v is null || IsNone(v)) return null;
        var s = v.Trim();
        if (ulong.TryParse(s, NumberStyles.None, Inv, out var n)) return n;
        if (s.Length > 1 && s[^1] is '%' or 'x' or 'X' && ulong.TryParse(s[..^1], NumberStyles.None, Inv, out n)) return n;
        return ParseText.HumanSize(s);   // "4.11K", "1,81T": the human-size reading has its own tests
    }

    private static double? RefRatio(string? v)
    {
        if (v is null || IsNone(v)) return null;
        var s = v.Trim();
        if (s.Length > 1 && s[^1] is '%' or 'x' or 'X') s = s[..^1];
        return double.TryParse(s.Replace(',', '.'), NumberStyles.AllowDecimalPoint, Inv, out var d) ? d : null;
    }

    private static ulong? RefLimit(string? v) => RefNumber(v) is { } n && n != 0 && n != ulong.MaxValue ? n : null;

    private static DateTimeOffset RefEpoch(string? v) => RefNumber(v) is { } s && s < 253402300799UL ? DateTimeOffset.FromUnixTimeSeconds((long)s) : default;

    private static ZDataset RefDataset(Dictionary<string, string> p)
    {
        string? Get(string k) => p.TryGetValue(k, out var v) ? v : null;
        string? Text(string k) => Get(k) is { } v && !(v is "" or "-" or "none") ? v : null;
        var type = Get("type") switch { "volume" => ZDatasetType.Volume, "snapshot" => ZDatasetType.Snapshot, "bookmark" => ZDatasetType.Bookmark, _ => ZDatasetType.FileSystem };
        return new ZDataset
        {
            Name = p["name"], Type = type,
            Used = RefNumber(Get("used")) ?? 0, Available = RefNumber(Get("available")) ?? 0, Referenced = RefNumber(Get("referenced")) ?? 0,
            LogicalUsed = RefNumber(Get("logicalused")) ?? 0, UsedBySnapshots = RefNumber(Get("usedbysnapshots")) ?? 0,
            UsedByDataset = RefNumber(Get("usedbydataset")) ?? 0, UsedByChildren = RefNumber(Get("usedbychildren")) ?? 0,
            UsedByRefReservation = RefNumber(Get("usedbyrefreservation")) ?? 0, Written = RefNumber(Get("written")) ?? 0,
            CompressRatio = RefRatio(Get("compressratio")) ?? 1.0,
            MountPoint = Get("mountpoint") is { } m && m != "-" ? m : null,
            Compression = Text("compression"), Checksum = Text("checksum"),
            RecordSize = RefNumber(Get("recordsize")), Copies = (int)(RefNumber(Get("copies")) ?? 1),
            Quota = RefLimit(Get("quota")), RefQuota = RefLimit(Get("refquota")), Reservation = RefLimit(Get("reservation")), RefReservation = RefLimit(Get("refreservation")),
            ReadOnly = Get("readonly") == "on",
            VolumeSize = type == ZDatasetType.Volume ? RefNumber(Get("volsize")) : null,
            VolumeBlockSize = type == ZDatasetType.Volume ? RefNumber(Get("volblocksize")) : null,
            Origin = Text("origin"), Creation = RefEpoch(Get("creation")),
            Guid = RefNumber(Get("guid")) ?? 0, CreateTxg = RefNumber(Get("createtxg")) ?? 0, ReceiveResumeToken = Text("receive_resume_token"),
        };
    }

    // ---------------------------------------------------------------- properties

    [Fact]
    public void Zfs_list_datasets_match_the_straightforward_parse()
    {
        ListingOf(ZfsListParser.DatasetFields).Sample((fields, text) =>
        {
            var expected = ReferenceRows(text, fields);
            var actual = ZfsListParser.ParseDatasets(text, fields);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                // every typed value (by name, so a failure says which), then the property bag as pairs in field order
                Assert.Equal(Describe(RefDataset(expected[i])), Describe(actual[i]));
                Assert.Equal(expected[i].ToList(), actual[i].Properties.ToList());
                foreach (var (k, v) in expected[i]) Assert.Equal(v, actual[i].Properties[k]);
            }
        }, iter: 400);
    }

    [Fact]
    public void Zfs_list_snapshots_match_the_straightforward_parse()
    {
        ListingOf(ZfsListParser.SnapshotFields).Select(l => (l.Fields, Text: Snapshotted(l.Text, l.Fields))).Sample((fields, text) =>
        {
            var expected = ReferenceRows(text, fields);
            var actual = ZfsListParser.ParseSnapshots(text, fields);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                var p = expected[i];
                string? Get(string k) => p.TryGetValue(k, out var v) ? v : null;
                var a = actual[i];
                Assert.Equal(
                    (p["name"], RefNumber(Get("used")) ?? 0, RefNumber(Get("referenced")) ?? 0, RefNumber(Get("logicalreferenced")) ?? 0, RefNumber(Get("written")) ?? 0,
                        RefEpoch(Get("creation")), RefNumber(Get("guid")) ?? 0, RefNumber(Get("createtxg")) ?? 0, (int)(RefNumber(Get("userrefs")) ?? 0), Get("defer_destroy") == "on"),
                    (a.Name, a.Used, a.Referenced, a.LogicalReferenced, a.Written, a.Creation, a.Guid, a.CreateTxg, a.UserReferences, a.DeferDestroy));
                Assert.Equal(Get("clones") is { Length: > 0 } c && c != "-" ? c.Split(',', StringSplitOptions.RemoveEmptyEntries) : [], a.Clones);
                Assert.Equal(p.ToList(), a.Properties.ToList());
            }
        }, iter: 300);
    }

    /// <summary>The listing with '@' in every name, as zfs prints snapshot names.</summary>
    private static string Snapshotted(string text, string[] fields)
    {
        int at = Array.FindIndex(fields, f => f.Equals("name", StringComparison.OrdinalIgnoreCase));
        return string.Join('\n', text.Split('\n').Select(line =>
        {
            bool cr = line.EndsWith('\r');
            var body = cr ? line[..^1] : line;
            if (body.Length == 0) return line;
            var v = body.Split('\t');
            v[at] += "@s";
            return string.Join('\t', v) + (cr ? "\r" : "");
        }));
    }

    [Fact]
    public void Zfs_get_rows_match_the_straightforward_parse()
    {
        var source = Gen.Frequency((4, Gen.OneOfConst("-", "local", "default", "received", "temporary", "none", "")), (2, DatasetName.Select(n => "inherited from " + n)));
        var row = Gen.Select(Gen.OneOfConst("tank", "tank/a b", "tank/中"), Gen.OneOfConst("used", "compression", "com.example:note", "mountpoint"), Gen.Frequency((1, Number), (1, Text)), source)
            .Select(t => $"{t.Item1}\t{t.Item2}\t{t.Item3}\t{t.Item4}");
        Gen.Select(row.Array[0, 30], Gen.OneOfConst("\n", "\r\n")).Sample((rows, end) =>
        {
            var text = string.Concat(rows.Select(r => r + end));
            var actual = PropertyParser.Parse(text);
            var expected = rows.Select(r => r.Split('\t')).Select(f => new ZProperty
            {
                Name = f[0], Property = f[1], Value = f[2],
                Source = f[3] switch
                {
                    "local" => ZPropertySource.Local, "default" => ZPropertySource.Default, "received" => ZPropertySource.Received,
                    "temporary" => ZPropertySource.Temporary, var s when s.StartsWith("inherited from ", StringComparison.Ordinal) => ZPropertySource.Inherited, _ => ZPropertySource.None,
                },
                InheritedFrom = f[3].StartsWith("inherited from ", StringComparison.Ordinal) ? f[3]["inherited from ".Length..] : null,
            }).ToList();
            Assert.Equal(expected, actual);
        }, iter: 300);
    }

    [Fact]
    public void A_row_with_a_missing_or_extra_TAB_is_refused_with_its_line_number()
    {
        // more than two fields: a row left without any TAB would be read as one whose TABs were expanded to blanks
        var listings = ListingOf(ZfsListParser.DatasetFields).Where(l => l.Fields.Length > 2 && ReferenceRows(l.Text, l.Fields).Count > 0);
        Gen.Select(listings, Gen.Int[0, 1000], Gen.Bool).Sample((listing, pick, extra) =>
        {
            var lines = listing.Text.Split('\n');
            var rows = Enumerable.Range(0, lines.Length).Where(i => lines[i].TrimEnd('\r').Length > 0).ToList();
            int bad = rows[pick % rows.Count];
            int tab = lines[bad].IndexOf('\t');
            lines[bad] = extra ? lines[bad].Insert(tab, "\t") : lines[bad].Remove(tab, 1);
            var e = Assert.Throws<IllumosException>(() => ZfsListParser.ParseDatasets(string.Join('\n', lines), listing.Fields));
            Assert.Equal(ErrorKind.ParserError, e.Kind);
            Assert.Contains(extra ? $"line {bad + 1} has more than {listing.Fields.Length} fields" : $"line {bad + 1} has {listing.Fields.Length - 1} fields where", e.Message);
        }, iter: 200);
    }

    private static string Describe(ZDataset d) => string.Join("; ", typeof(ZDataset).GetProperties()
        .Where(p => p.Name is not (nameof(ZDataset.Properties) or nameof(ZDataset.Session) or nameof(ZDataset.ComputerName)))
        .Select(p => $"{p.Name}={p.GetValue(d)}"));
}
