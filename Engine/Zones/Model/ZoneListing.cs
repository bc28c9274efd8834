using Illumos.Engine.Storage;

namespace Illumos.Engine.Zones;

/// <summary>A zone as <c>zoneadm list -cp</c> shows it.</summary>
public sealed record Zone : HostObject
{
    public required string Name { get; init; }
    /// <summary>The kernel zone id; null when the zone is not running ('-').</summary>
    public int? Id { get; init; }
    /// <summary>configured, incomplete, installed, ready, running, shutting_down, down, mounted.</summary>
    public required string State { get; init; }
    public string? Path { get; init; }
    public string? Uuid { get; init; }
    public string? Brand { get; init; }
    /// <summary>excl or shared.</summary>
    public string? IpType { get; init; }
    public int? DebugId { get; init; }
    /// <summary>Fields beyond the eighth (Oracle Solaris 11 prints ten).</summary>
    public IReadOnlyList<string> ExtraFields { get; init; } = Array.Empty<string>();
    /// <summary>The zonecfg configuration (Get-Zone -Detailed); null otherwise.</summary>
    public ZoneConfiguration? Configuration { get; init; }
    public override string ToString() => Name;
}

/// <summary>
/// A zone's configuration in zonecfg's resource model: global properties (zonename, zonepath, brand,
/// autoboot, ip-type, ...) and resources (net, fs, dataset, device, rctl, attr, capped-memory, ...),
/// each a type with its properties. Properties zonecfg shows as unset ("bootargs:" with nothing after,
/// "defrouter not specified") are absent.
/// </summary>
public sealed record ZoneConfiguration
{
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<ZoneResource> Resources { get; init; } = Array.Empty<ZoneResource>();
    public string? ZoneName => Get("zonename");
    public string? ZonePath => Get("zonepath");
    public string? Brand => Get("brand");
    public bool? Autoboot => Get("autoboot") is { } a ? a == "true" : null;
    /// <summary>shared or exclusive.</summary>
    public string? IpType => Get("ip-type");
    public IEnumerable<ZoneResource> Networks => Resources.Where(r => r.Type == "net");
    private string? Get(string key) => Properties.TryGetValue(key, out var v) ? v : null;
}

/// <summary>One zonecfg resource (net, fs, dataset, device, rctl, attr, ...) and its set properties.</summary>
public sealed record ZoneResource(string Type, IReadOnlyDictionary<string, string> Properties)
{
    /// <summary>A property zonecfg reported as "not specified", or absent: null.</summary>
    public string? this[string property] => Properties.TryGetValue(property, out var v) ? v : null;
    public override string ToString() => Type + ": " + string.Join(", ", Properties.Select(p => $"{p.Key}={p.Value}"));
}

/// <summary>A SmartOS VM as <c>vmadm list -p</c> / <c>vmadm get</c> show it.</summary>
public sealed record SmartOsVm : HostObject
{
    public required string Uuid { get; init; }
    /// <summary>OS, LX, KVM or BHYV (vmadm's four-letter type).</summary>
    public string? Type { get; init; }
    public string? Brand { get; init; }
    /// <summary>Memory in MiB (max_physical_memory for OS and LX zones).</summary>
    public ulong? RamMiB { get; init; }
    public string? State { get; init; }
    public string? Alias { get; init; }
    public string? HostName { get; init; }
    public string? ImageUuid { get; init; }
    public bool? Autoboot { get; init; }
    public ulong? QuotaGiB { get; init; }
    public DateTimeOffset? Created { get; init; }
    public IReadOnlyList<SmartOsVmNic> Nics { get; init; } = Array.Empty<SmartOsVmNic>();
    public IReadOnlyList<SmartOsVmDisk> Disks { get; init; } = Array.Empty<SmartOsVmDisk>();
    /// <summary>Every top-level scalar of the vmadm JSON, as text.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
    public override string ToString() => Alias ?? Uuid;
}

public sealed record SmartOsVmNic(string? Interface, string? Mac, string? NicTag, IReadOnlyList<string> Ips, IReadOnlyList<string> Gateways, bool Primary);

public sealed record SmartOsVmDisk(string? Path, string? Model, ulong? SizeMiB, ulong? BlockSize, bool Boot, string? ZfsFileSystem);
