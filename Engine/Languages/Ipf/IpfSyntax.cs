namespace Illumos.Engine.Languages.Ipf;

/// <summary>What a filter rule does when it matches.</summary>
public enum IpfAction { Pass, Block, Log, Count, Auth, Preauth, Skip, Call, Nomatch }

/// <summary>Which reply a block rule sends.</summary>
public enum IpfReturn { None, Rst, Icmp, IcmpAsDest }

/// <summary>Kinds of address operand in a from/to clause.</summary>
public enum IpfAddressKind { Any, Network, Pool, Hash, Interface }

/// <summary>Port comparison operators (ranges are <c>lo &gt;&lt; hi</c> exclusive, <c>lo &lt;&gt; hi</c> outside, <c>lo:hi</c> inclusive).</summary>
public enum PortOp { Eq, Ne, Lt, Gt, Le, Ge, InRange, OutRange, Inclusive }

/// <summary>A port comparison, e.g. <c>= 23</c> or <c>6000 &lt;&gt; 6009</c>.</summary>
public sealed record PortMatch(PortOp Op, int Low, int High = 0)
{
    public bool Matches(int port) => Op switch
    {
        PortOp.Eq => port == Low,
        PortOp.Ne => port != Low,
        PortOp.Lt => port < Low,
        PortOp.Gt => port > Low,
        PortOp.Le => port <= Low,
        PortOp.Ge => port >= Low,
        PortOp.InRange => port > Low && port < High,
        PortOp.OutRange => port < Low || port > High,
        PortOp.Inclusive => port >= Low && port <= High,
        _ => false,
    };

    public override string ToString() => Op switch
    {
        PortOp.Eq => $"= {Low}",
        PortOp.Ne => $"!= {Low}",
        PortOp.Lt => $"< {Low}",
        PortOp.Gt => $"> {Low}",
        PortOp.Le => $"<= {Low}",
        PortOp.Ge => $">= {Low}",
        PortOp.InRange => $"{Low} >< {High}",
        PortOp.OutRange => $"{Low} <> {High}",
        _ => $"{Low}:{High}",
    };
}

/// <summary>An address operand: <c>any</c>, a network with mask, a pool/hash table, or an interface-derived address.</summary>
public sealed record IpfAddress
{
    public static readonly IpfAddress AnyAddress = new() { Kind = IpfAddressKind.Any };
    public IpfAddressKind Kind { get; init; }
    public uint Address { get; init; }
    public uint Mask { get; init; }
    public int TableNumber { get; init; }
    /// <summary>Entries of an inline <c>pool=( … )</c> table (printed as a table definition).</summary>
    public IReadOnlyList<(bool Negated, uint Address, uint Mask)>? InlineTable { get; init; }
    public string? Interface { get; init; }
    /// <summary>peer, bcast, net, netmasked or a prefix length such as "32".</summary>
    public string? InterfaceSuffix { get; init; }

    public bool Matches(uint addr) => Kind switch
    {
        IpfAddressKind.Any => true,
        IpfAddressKind.Network => (addr & Mask) == Address,
        IpfAddressKind.Pool or IpfAddressKind.Hash => InlineTable is { } t && TableMatch(t, addr),
        _ => false,
    };

    private static bool TableMatch(IReadOnlyList<(bool Negated, uint Address, uint Mask)> t, uint addr)
    {
        // Longest prefix wins, as in a radix tree pool.
        int best = -1; bool neg = false;
        foreach (var e in t)
        {
            if ((addr & e.Mask) != e.Address) continue;
            int bits = System.Numerics.BitOperations.PopCount(e.Mask);
            if (bits > best) { best = bits; neg = e.Negated; }
        }
        return best >= 0 && !neg;
    }
}

/// <summary>One side of a rule: optional negation, address, optional port comparison.</summary>
public sealed record IpfEndpoint(bool Negated, IpfAddress Address, PortMatch? Port)
{
    public static readonly IpfEndpoint Any = new(false, IpfAddress.AnyAddress, null);
}

/// <summary>A routing target for to/dup-to/reply-to: interface with an optional next hop.</summary>
public sealed record IpfRouteTarget(string Interface, uint? NextHop);

/// <summary>Options of <c>keep state ( … )</c>.</summary>
public sealed record IpfStateOptions
{
    public int? Limit { get; init; }
    public bool Strict { get; init; }
    public bool NewIsn { get; init; }
    public bool NoIcmpErr { get; init; }
    public bool Sync { get; init; }
    public string? Age { get; init; }
    public bool IsEmpty => Limit is null && !Strict && !NewIsn && !NoIcmpErr && !Sync && Age is null;
}

/// <summary>Packet property flags a <c>with</c> clause can test (bit values are this engine's own).</summary>
[Flags]
public enum PacketFlags : uint
{
    None = 0,
    IpOptions = 1 << 0,
    Short = 1 << 1,
    Frag = 1 << 2,
    FragBody = 1 << 3,
    Nat = 1 << 4,
    LowTtl = 1 << 5,
    Bad = 1 << 6,
    BadSrc = 1 << 7,
    BadNat = 1 << 8,
    OutOfWindow = 1 << 9,
    MBcast = 1 << 10,
    Bcast = 1 << 11,
    Mcast = 1 << 12,
    State = 1 << 13,
}

/// <summary>A parsed ipf.conf rule (one rule after list expansion).</summary>
public sealed record IpfRule
{
    public int Line { get; init; }
    public int Column { get; init; }
    /// <summary>Leading rule-group number (fr_collect); 0 when absent.</summary>
    public long Collect { get; init; }
    /// <summary><c>@N</c> insertion position, when given.</summary>
    public int? InsertAt { get; init; }
    public IpfAction Action { get; init; }
    public IpfReturn Return { get; init; }
    public int? ReturnCode { get; init; }
    public int SkipCount { get; init; }
    public bool CallNow { get; init; }
    public string? CallFunction { get; init; }
    public bool Out { get; init; }
    public bool Log { get; init; }
    public bool LogBody { get; init; }
    public bool LogFirst { get; init; }
    public bool LogOrBlock { get; init; }
    public string? LogLevel { get; init; }
    public bool Quick { get; init; }
    public IReadOnlyList<string> On { get; init; } = Array.Empty<string>();
    public IpfRouteTarget? DupTo { get; init; }
    public IpfRouteTarget? RouteTo { get; init; }
    public IpfRouteTarget? ReplyTo { get; init; }
    public bool FastRoute { get; init; }
    public IReadOnlyList<string> Via { get; init; } = Array.Empty<string>();
    public int? Tos { get; init; }
    public int? Ttl { get; init; }
    /// <summary>Protocol number; -1 means tcp/udp; null means any.</summary>
    public int? Protocol { get; init; }
    /// <summary>True when the rule has IP-level matching (prints from/to rather than all).</summary>
    public bool HasIpMatch { get; init; }
    public IpfEndpoint From { get; init; } = IpfEndpoint.Any;
    public IpfEndpoint To { get; init; } = IpfEndpoint.Any;
    public int? IcmpType { get; init; }
    public int? IcmpCode { get; init; }
    public int? TcpFlags { get; init; }
    public int? TcpFlagMask { get; init; }
    public PacketFlags WithMask { get; init; }
    public PacketFlags WithValue { get; init; }
    public uint OptMask { get; init; }
    public uint OptValue { get; init; }
    public uint SecMask { get; init; }
    public uint SecValue { get; init; }
    public bool KeepState { get; init; }
    public IpfStateOptions? StateOptions { get; init; }
    public bool KeepFrags { get; init; }
    public bool FragStrict { get; init; }
    public string? Head { get; init; }
    public string? Group { get; init; }
    public long? TagLog { get; init; }
    public string? TagNat { get; init; }
    public int? Pps { get; init; }
    /// <summary>Raw text of a <c>bpf-v4 { "…" }</c> program, when present.</summary>
    public string? Bpf { get; init; }

    public bool IsTcpUdp => Protocol == -1;
    public bool IsCountLike => Action is IpfAction.Count or IpfAction.Log;
    public override string ToString() => IpfPrinter.Print(this);
}

/// <summary>A diagnostic from the parser: 1-based line and column.</summary>
public sealed record IpfError(int Line, int Column, string Message)
{
    public override string ToString() => $"{Line}:{Column}: {Message}";
}

/// <summary>The result of parsing a whole file: rules (empty when there were errors) and all errors.</summary>
public sealed record IpfParseResult<T>(IReadOnlyList<T> Rules, IReadOnlyList<IpfError> Errors)
{
    public bool Success => Errors.Count == 0;
}
