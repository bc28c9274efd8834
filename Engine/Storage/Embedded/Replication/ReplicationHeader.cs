using System.Globalization;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Replication;

namespace Illumos.Engine.Storage.Embedded.Replication;

/// <summary>
/// The nvlist of a replication stream's outer BEGIN (libzfs's send -R/-p header, XDR-encoded):
/// {tosnap, fromsnap?, not_recursive?, fss: {"0x&lt;fs guid&gt;": {name, parentfromsnap, props, snaps,
/// snapprops, origin?}}}. props holds the dataset's local properties, snaps each snapshot's guid by
/// name, snapprops each snapshot's user properties.
/// </summary>
internal sealed class ReplicationHeader
{
    public sealed record FileSystem(ulong Guid, string Name, ulong ParentFromSnap, IReadOnlyDictionary<string, string> Props,
        IReadOnlyList<(string Name, ulong Guid)> Snaps, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> SnapProps, ulong? Origin);

    public required string ToSnap { get; init; }
    public string? FromSnap { get; init; }
    public bool NotRecursive { get; init; }
    public required IReadOnlyList<FileSystem> FileSystems { get; init; }

    /// <summary>Properties that describe a volume's shape; the stream itself carries them.</summary>
    private static readonly HashSet<string> NotSent = ["volsize", "volblocksize"];

    public static FileSystem Describe(DslPool dsl, Dataset head, ulong toTxg, string? fromSnap)
    {
        var snaps = head.Snapshots.Where(s => s.CreateTxg <= toTxg).ToList();
        var parent = dsl.ParentOf(head);
        ulong parentFrom = fromSnap is null ? 0 : parent?.Snapshots.FirstOrDefault(s => s.Name == fromSnap)?.Guid ?? 0;
        return new FileSystem(head.Guid, head.Name, parentFrom,
            head.Local.Where(kv => !NotSent.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value),
            snaps.Select(s => (s.Name, s.Guid)).ToList(),
            snaps.Where(s => s.Local.Count > 0).ToDictionary(s => s.Name, s => (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(s.Local)),
            head.OriginId != 0 && dsl.ById(head.OriginId) is { } o ? o.Guid : null);
    }

    public byte[] Pack()
    {
        var fss = new NvList();
        foreach (var fs in FileSystems)
        {
            var props = new NvList();
            foreach (var (k, v) in fs.Props.OrderBy(kv => kv.Key, StringComparer.Ordinal)) props.Add(k, v);
            var snaps = new NvList();
            foreach (var (n, g) in fs.Snaps) snaps.Add(n, g);
            var snapProps = new NvList();
            foreach (var (n, p) in fs.SnapProps)
            {
                var l = new NvList();
                foreach (var (k, v) in p.OrderBy(kv => kv.Key, StringComparer.Ordinal)) l.Add(k, v);
                snapProps.Add(n, l);
            }
            var e = new NvList().Add("name", fs.Name).Add("parentfromsnap", fs.ParentFromSnap).Add("props", props).Add("snaps", snaps).Add("snapprops", snapProps);
            if (fs.Origin is { } o) e.Add("origin", o);
            fss.Add("0x" + fs.Guid.ToString("x", CultureInfo.InvariantCulture), e);
        }
        var nv = new NvList().Add("tosnap", ToSnap);
        if (FromSnap is not null) nv.Add("fromsnap", FromSnap);
        if (NotRecursive) nv.AddBoolean("not_recursive");
        nv.Add("fss", fss);
        var packed = nv.Pack(NvEncoding.Xdr);
        Array.Resize(ref packed, (packed.Length + 7) & ~7); // whole 8-byte words; unpacking ignores the tail
        return packed;
    }

    public static ReplicationHeader Unpack(ReadOnlySpan<byte> payload)
    {
        var nv = NvList.Unpack(payload);
        if (!nv.TryGetString("tosnap", out var toSnap) || !nv.TryGetNvList("fss", out var fss))
            throw StreamObjects.Bad("the replication header has no tosnap or fss");
        var list = new List<FileSystem>();
        foreach (var pair in fss)
        {
            if (pair.Value is not NvList e || !e.TryGetString("name", out var name)) throw StreamObjects.Bad($"the replication header's entry {pair.Name} is not a filesystem description");
            var guid = ulong.TryParse(pair.Name.StartsWith("0x", StringComparison.Ordinal) ? pair.Name[2..] : pair.Name, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var g) ? g : 0;
            var props = new Dictionary<string, string>();
            if (e.TryGetNvList("props", out var pl))
                foreach (var p in pl) props[p.Name] = Text(p);
            var snaps = new List<(string, ulong)>();
            if (e.TryGetNvList("snaps", out var sl))
                foreach (var s in sl) if (s.Value is ulong sg) snaps.Add((s.Name, sg));
            var snapProps = new Dictionary<string, IReadOnlyDictionary<string, string>>();
            if (e.TryGetNvList("snapprops", out var spl))
                foreach (var s in spl)
                    if (s.Value is NvList one) snapProps[s.Name] = one.ToDictionary(x => x.Name, Text);
            e.TryGetUInt64("parentfromsnap", out var pfs);
            list.Add(new FileSystem(guid, name, pfs, props, snaps, snapProps, e.TryGetUInt64("origin", out var o) ? o : null));
        }
        return new ReplicationHeader
        {
            ToSnap = toSnap, FromSnap = nv.TryGetString("fromsnap", out var f) ? f : null, NotRecursive = nv.HasBoolean("not_recursive"),
            FileSystems = list.OrderBy(x => x.Name.Length).ThenBy(x => x.Name, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>A property value as text: libzfs sends numbers as uint64, other values as strings; a {value: x} list is also read.</summary>
    private static string Text(NvPair p) => p.Value switch
    {
        string s => s,
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        NvList l when l.TryGetString("value", out var v) => v,
        NvList l when l.TryGetUInt64("value", out var u) => u.ToString(CultureInfo.InvariantCulture),
        _ => p.Value?.ToString() ?? "",
    };
}
