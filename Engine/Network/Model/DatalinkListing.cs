using Illumos.Engine.Storage;

namespace Illumos.Engine.Network;

/// <summary>A datalink as <c>dladm show-link -p -o link,class,mtu,state,bridge,over</c> shows it.</summary>
public sealed record Datalink : HostObject
{
    public required string Name { get; init; }
    /// <summary>phys, vlan, aggr, vnic, etherstub, simnet, bridge, iptun, part, overlay, misc.</summary>
    public string? Class { get; init; }
    public int? Mtu { get; init; }
    /// <summary>up, down, unknown; '?' when dladm could not tell (zone-owned links).</summary>
    public string? State { get; init; }
    public string? Bridge { get; init; }
    public IReadOnlyList<string> Over { get; init; } = Array.Empty<string>();
    /// <summary>For an iptun link with Get-Datalink -Detailed: its tunnel (dladm show-iptun); null otherwise.</summary>
    public IpTunnel? Tunnel { get; init; }
    public override string ToString() => Name;
}

/// <summary>
/// An IP tunnel link (<c>dladm show-iptun -p -o link,type,flags,source,destination</c>): type ipv4, ipv6 or 6to4,
/// flags ("s" IPsec policy set, "i" implicitly created; null when none), the local source and the remote
/// destination (null for 6to4, which has none).
/// </summary>
public sealed record IpTunnel(string Link, string Type, string? Flags, string? Source, string? Destination)
{
    public override string ToString() => $"{Type} {Source} -> {Destination ?? "(6to4)"}";
}

/// <summary>A physical link (<c>dladm show-phys -p -o link,media,state,speed,duplex,device</c>).</summary>
public sealed record PhysicalLink : HostObject
{
    public required string Name { get; init; }
    public string? Media { get; init; }
    public string? State { get; init; }
    /// <summary>Mb/s; 0 when down.</summary>
    public ulong? Speed { get; init; }
    public string? Duplex { get; init; }
    public string? Device { get; init; }
    /// <summary>The MAC address slots of the link (Get-PhysicalLink -Detailed: dladm show-phys -m): the primary and the factory ones.</summary>
    public IReadOnlyList<PhysicalLinkMac> MacAddresses { get; init; } = Array.Empty<PhysicalLinkMac>();
    public override string ToString() => Name;
}

/// <summary>
/// One MAC address slot of a physical link (<c>dladm show-phys -m -p -o link,slot,address,inuse,client</c>):
/// slot "primary" or a factory slot number, the address (zero-padded, lower case), whether a client uses it and which.
/// </summary>
public sealed record PhysicalLinkMac(string Link, string Slot, string Address, bool InUse, string? Client)
{
    public bool IsPrimary => Slot == "primary";
    public override string ToString() => $"{Slot} {Address}";
}

/// <summary>A VNIC (<c>dladm show-vnic -p -o link,over,speed,macaddress,macaddrtype,vid,zone</c>).</summary>
public sealed record Vnic : HostObject
{
    public required string Name { get; init; }
    public string? Over { get; init; }
    public ulong? Speed { get; init; }
    /// <summary>Lower-case, zero-padded (dladm prints "2:8:20:d7:56:a").</summary>
    public string? MacAddress { get; init; }
    public string? MacAddressType { get; init; }
    public int? Vid { get; init; }
    public string? Zone { get; init; }
    public override string ToString() => Name;
}
