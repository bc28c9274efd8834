using System.Globalization;
using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Compression;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dsl;

[Flags]
public enum PropTarget { FileSystem = 1, Volume = 2, Snapshot = 4, Head = FileSystem | Volume, All = 7 }

/// <summary>A native dataset property: name, values, default, whether children inherit it, where it applies.</summary>
public sealed record PropDef(string Name, string Default, bool Inherit, PropTarget Target, string[]? Values = null, Func<string, string>? Normalize = null, bool CreateOnly = false);

/// <summary>
/// ZFS's native settable properties with their names, values, defaults and validation, and the
/// resolution of an effective value with its source: local, received, inherited from an ancestor,
/// or default.
/// </summary>
public sealed class PropertyTable
{
    private static string OnOff(string v) => v is "on" or "off" ? v : throw Bad("on or off", v);
    private static IllumosException Bad(string expected, string v) =>
        IllumosException.Invalid("PropertyBadValue", $"'{v}' is not a valid value; expected {expected}.", v);

    private static string SizeOrNone(string v)
    {
        if (v == "none" || v == "0") return "none";
        return Size.TryParse(v, out var b) ? b.ToString(CultureInfo.InvariantCulture) : throw Bad("a size or none", v);
    }

    private static string RecordSize(string v)
    {
        if (!Size.TryParse(v, out var b) || b < 512 || b > (1 << 20) || (b & (b - 1)) != 0) throw Bad("a power of two from 512 to 1M", v);
        return b.ToString(CultureInfo.InvariantCulture);
    }

    private static string SmallBlocks(string v)
    {
        if (v == "0") return v;
        if (!Size.TryParse(v, out var b) || (b != 0 && (b < 512 || b > (1 << 20) || (b & (b - 1)) != 0))) throw Bad("0 or a power of two from 512 to 1M", v);
        return b.ToString(CultureInfo.InvariantCulture);
    }

    public static readonly IReadOnlyDictionary<string, PropDef> Native = new Dictionary<string, PropDef>
    {
        ["compression"] = new("compression", "on", true, PropTarget.Head, Normalize: v => { BlockCompression.Parse(v, out _); return v; }),
        ["checksum"] = new("checksum", "on", true, PropTarget.Head, Normalize: v => { BlockChecksum.Parse(v); return v; }),
        ["recordsize"] = new("recordsize", "131072", true, PropTarget.FileSystem, Normalize: RecordSize),
        ["copies"] = new("copies", "1", true, PropTarget.Head, ["1", "2", "3"]),
        ["quota"] = new("quota", "none", false, PropTarget.FileSystem, Normalize: SizeOrNone),
        ["refquota"] = new("refquota", "none", false, PropTarget.FileSystem, Normalize: SizeOrNone),
        ["reservation"] = new("reservation", "none", false, PropTarget.Head, Normalize: SizeOrNone),
        ["refreservation"] = new("refreservation", "none", false, PropTarget.Head, Normalize: SizeOrNone),
        ["readonly"] = new("readonly", "off", true, PropTarget.Head, Normalize: OnOff),
        ["mountpoint"] = new("mountpoint", "", true, PropTarget.FileSystem, Normalize: v => v is "none" or "legacy" || v.StartsWith('/') ? v.TrimEnd('/') is "" ? "/" : v.TrimEnd('/') : throw Bad("an absolute path, none or legacy", v)),
        ["atime"] = new("atime", "on", true, PropTarget.FileSystem, Normalize: OnOff),
        ["relatime"] = new("relatime", "off", true, PropTarget.FileSystem, Normalize: OnOff),
        ["canmount"] = new("canmount", "on", false, PropTarget.FileSystem, ["on", "off", "noauto"]),
        ["sync"] = new("sync", "standard", true, PropTarget.Head, ["standard", "always", "disabled"]),
        ["logbias"] = new("logbias", "latency", true, PropTarget.Head, ["latency", "throughput"]),
        ["exec"] = new("exec", "on", true, PropTarget.FileSystem, Normalize: OnOff),
        ["setuid"] = new("setuid", "on", true, PropTarget.FileSystem, Normalize: OnOff),
        ["devices"] = new("devices", "on", true, PropTarget.FileSystem, Normalize: OnOff),
        ["nbmand"] = new("nbmand", "off", true, PropTarget.FileSystem, Normalize: OnOff),
        ["snapdir"] = new("snapdir", "hidden", true, PropTarget.FileSystem, ["hidden", "visible"]),
        ["primarycache"] = new("primarycache", "all", true, PropTarget.Head, ["all", "none", "metadata"]),
        ["secondarycache"] = new("secondarycache", "all", true, PropTarget.Head, ["all", "none", "metadata"]),
        ["dedup"] = new("dedup", "off", true, PropTarget.Head, ["off"]),
        ["xattr"] = new("xattr", "on", true, PropTarget.FileSystem, ["on", "off", "sa", "dir"]),
        ["redundant_metadata"] = new("redundant_metadata", "all", true, PropTarget.Head, ["all", "most", "some", "none"]),
        ["aclmode"] = new("aclmode", "discard", true, PropTarget.FileSystem, ["discard", "groupmask", "passthrough", "restricted"]),
        ["aclinherit"] = new("aclinherit", "restricted", true, PropTarget.FileSystem, ["discard", "noallow", "restricted", "passthrough", "passthrough-x"]),
        ["casesensitivity"] = new("casesensitivity", "sensitive", true, PropTarget.FileSystem, ["sensitive", "insensitive", "mixed"], CreateOnly: true),
        ["volsize"] = new("volsize", "0", false, PropTarget.Volume, Normalize: v => Size.TryParse(v, out var b) && b > 0 ? b.ToString(CultureInfo.InvariantCulture) : throw Bad("a size", v)),
        ["special_small_blocks"] = new("special_small_blocks", "0", true, PropTarget.Head, Normalize: SmallBlocks),
        ["volblocksize"] = new("volblocksize", "16384", false, PropTarget.Volume, Normalize: RecordSize, CreateOnly: true),
    };

    public static readonly string[] ReadOnlyNames =
    [
        "type", "creation", "used", "available", "referenced", "compressratio", "refcompressratio", "mounted", "origin",
        "usedbysnapshots", "usedbydataset", "usedbychildren", "usedbyrefreservation", "logicalused", "logicalreferenced",
        "written", "guid", "createtxg", "name", "clones", "defer_destroy", "userrefs", "objsetid", "receive_resume_token",
    ];

    public static bool IsUserProperty(string name) => name.Contains(':') && name.Length <= 256 && name[0] != ':' &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '_' or '-' or '.');

    /// <summary>Checks and normalises a value for <paramref name="name"/> on a dataset of <paramref name="kind"/>.</summary>
    public static string Validate(string name, string value, DatasetKind kind, bool creating)
    {
        if (IsUserProperty(name))
        {
            if (value.Length > 8192) throw IllumosException.Invalid("PropertyValueTooLong", "User property values are limited to 8192 characters.", name);
            return value;
        }
        if (ReadOnlyNames.Contains(name))
            throw new IllumosException(ErrorKind.InvalidOperation, "PropertyReadOnly", $"The property '{name}' is read-only.", name);
        if (!Native.TryGetValue(name, out var def))
            throw IllumosException.Invalid("PropertyUnknown", $"'{name}' is not a dataset property; user properties need a colon (module:name).", name);
        var target = kind switch { DatasetKind.FileSystem => PropTarget.FileSystem, DatasetKind.Volume => PropTarget.Volume, _ => PropTarget.Snapshot };
        if ((def.Target & target) == 0)
            throw IllumosException.Invalid("PropertyNotApplicable", $"The property '{name}' does not apply to {kind.ToString().ToLowerInvariant()}s.", name);
        if (def.CreateOnly && !creating)
            throw new IllumosException(ErrorKind.InvalidOperation, "PropertyCreateOnly", $"The property '{name}' can only be set when the dataset is created.", name);
        if (def.Values is { } vals && !vals.Contains(value))
            throw Bad(string.Join(", ", vals), value);
        return def.Normalize is { } n ? n(value) : value;
    }

    /// <summary>
    /// The effective value and its source. A temporary value of the dataset itself comes first — and,
    /// as zfs reports it, shows as temporary only where it differs from the stored value; children
    /// never inherit it (each mount has its own options).
    /// </summary>
    public static (string Value, ZPropertySource Source, string? From) Resolve(Dataset ds, string name, Func<Dataset, Dataset?> parentOf)
    {
        var stored = ResolveStored(ds, name, parentOf);
        if (ds.IsHead && ds.Temporary.TryGetValue(name, out var t) && (stored.Value != "off") != (t == "on"))
            return (t, ZPropertySource.Temporary, null);
        return stored;
    }

    /// <summary>The stored value and its source, walking up the parents for inheritable properties.</summary>
    private static (string Value, ZPropertySource Source, string? From) ResolveStored(Dataset ds, string name, Func<Dataset, Dataset?> parentOf)
    {
        var head = ds.IsHead ? ds : ds.Head!;
        if (ds.Local.TryGetValue(name, out var v)) return (v, ZPropertySource.Local, null);
        if (ds.Received.TryGetValue(name, out v)) return (v, ZPropertySource.Received, null);
        bool inherit = Native.TryGetValue(name, out var def) ? def.Inherit : IsUserProperty(name);
        if (!ds.IsHead)
        {
            // Snapshots take their inheritable values from their dataset.
            var r = ResolveStored(head, name, parentOf);
            if (inherit || def is null) return r.Source == ZPropertySource.Default ? r : (r.Value, ZPropertySource.Inherited, r.From ?? head.FullName);
        }
        if (inherit)
        {
            for (var p = parentOf(head); p is not null; p = parentOf(p))
            {
                if (p.Local.TryGetValue(name, out v) || p.Received.TryGetValue(name, out v)) return (v, ZPropertySource.Inherited, p.Name);
            }
        }
        if (def is null) return ("-", ZPropertySource.None, null);
        if (name == "mountpoint") return ("/" + head.Name, ZPropertySource.Default, null);
        return (def.Default, ZPropertySource.Default, null);
    }

    private readonly DslPool _dsl;
    public PropertyTable(DslPool dsl) => _dsl = dsl;

    public string Get(Dataset ds, string name) => Resolve(ds, name, _dsl.ParentOf).Value;

    public WriteProps WriteProps(Dataset ds)
    {
        var comp = BlockCompression.Parse(Get(ds, "compression"), out int level);
        var sum = BlockChecksum.Parse(Get(ds, "checksum"));
        int copies = int.Parse(Get(ds, "copies"), CultureInfo.InvariantCulture);
        int small = int.Parse(Get(ds, "special_small_blocks"), CultureInfo.InvariantCulture);
        return new WriteProps(sum == ChecksumKind.Off ? ChecksumKind.Off : sum, comp, level, copies, BlockType.Data, 0, true, small);
    }
}
