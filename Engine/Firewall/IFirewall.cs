using Illumos.Engine.Storage;

namespace Illumos.Engine.Firewall;

/// <summary>
/// Which rule set an operation addresses: the global zone's, a zone's own (in-zone stack), or the
/// global-zone-controlled stack of a zone (evaluated before the zone's own, outermost).
/// </summary>
public sealed record FirewallScope(string Zone = FirewallScope.GlobalZone, bool GlobalControlled = false)
{
    public const string GlobalZone = "global";
    public static readonly FirewallScope Global = new();
    public bool IsGlobal => string.Equals(Zone, GlobalZone, StringComparison.Ordinal);
    public override string ToString() => GlobalControlled ? $"{Zone} (global-zone controlled)" : Zone;
}

/// <summary>Where a new rule goes: a 1-based position, or before/after an existing rule position; default at the end.</summary>
public sealed record RulePlacement(int? Position = null, int? Before = null, int? After = null);

/// <summary>A filter rule as the cmdlets show it: canonical text plus the fields NetSecurity-style parameters use.</summary>
public sealed record FirewallRule : HostObject
{
    public required string Zone { get; init; }
    public bool GlobalControlled { get; init; }
    /// <summary>1-based position in the rule set (rules are evaluated in this order).</summary>
    public int Position { get; init; }
    public bool Enabled { get; init; } = true;
    /// <summary>Canonical ipf text (ipf -nv form).</summary>
    public required string Text { get; init; }
    /// <summary>pass, block, count, log, skip, call, auth, preauth.</summary>
    public required string Action { get; init; }
    /// <summary>in or out.</summary>
    public required string Direction { get; init; }
    public bool Quick { get; init; }
    public string? Protocol { get; init; }
    public IReadOnlyList<string> Interfaces { get; init; } = Array.Empty<string>();
    public string Source { get; init; } = "any";
    public string? SourcePort { get; init; }
    public string Destination { get; init; } = "any";
    public string? DestinationPort { get; init; }
    public bool KeepState { get; init; }
    public string? Head { get; init; }
    public string? Group { get; init; }
    public long Hits { get; init; }
    public long Bytes { get; init; }
}

/// <summary>A NAT rule: canonical ipnat text and its main fields.</summary>
public sealed record NatRule : HostObject
{
    public required string Zone { get; init; }
    public bool GlobalControlled { get; init; }
    public int Position { get; init; }
    public required string Text { get; init; }
    /// <summary>map, bimap, map-block or rdr.</summary>
    public required string Kind { get; init; }
    public IReadOnlyList<string> Interfaces { get; init; } = Array.Empty<string>();
}

/// <summary>A state table entry (a tracked session).</summary>
public sealed record FirewallSession : HostObject
{
    public required string Zone { get; init; }
    public required string Protocol { get; init; }
    public required string Source { get; init; }
    public int? SourcePort { get; init; }
    public required string Destination { get; init; }
    public int? DestinationPort { get; init; }
    public string? TcpState { get; init; }
    public long Packets { get; init; }
    public long Bytes { get; init; }
    /// <summary>Text of the rule that created the session.</summary>
    public string? Rule { get; init; }
}

/// <summary>A NAT session (translation in use).</summary>
public sealed record NatSession : HostObject
{
    public required string Zone { get; init; }
    public required string Kind { get; init; }
    public required string Protocol { get; init; }
    public required string Inside { get; init; }
    public required string Outside { get; init; }
    public required string Remote { get; init; }
    public long Packets { get; init; }
}

/// <summary>A packet to test, as fields (converted to an ipftest text packet) or as an ipftest text/hex line.</summary>
public sealed record FirewallPacket
{
    /// <summary>in or out.</summary>
    public string Direction { get; init; } = "in";
    public string? Interface { get; init; }
    /// <summary>tcp, udp, icmp or a protocol number; null for a bare IP packet.</summary>
    public string? Protocol { get; init; }
    public string Source { get; init; } = "0.0.0.0";
    public int? SourcePort { get; init; }
    public string Destination { get; init; } = "0.0.0.0";
    public int? DestinationPort { get; init; }
    /// <summary>TCP flag letters (FSRPAUEC) or ICMP type[,code].</summary>
    public string? Flags { get; init; }
    /// <summary>When set, the packet is this ipftest text line (or, with <see cref="IsHex"/>, hex paragraph) and the fields are ignored.</summary>
    public string? Raw { get; init; }
    public bool IsHex { get; init; }

    public string ToTextLine()
    {
        var parts = new List<string> { Direction };
        if (Interface is not null) { parts.Add("on"); parts.Add(Interface); }
        if (Protocol is not null) parts.Add(Protocol);
        bool ports = Protocol is "tcp" or "udp" or "6" or "17";
        parts.Add(ports ? $"{Source},{SourcePort ?? 0}" : Source);
        parts.Add(ports ? $"{Destination},{DestinationPort ?? 0}" : Destination);
        if (Flags is not null) parts.Add(Flags);
        return string.Join(' ', parts);
    }
}

/// <summary>The outcome for one tested packet.</summary>
public sealed record FirewallPacketResult : HostObject
{
    public required string Zone { get; init; }
    /// <summary>The packet as ipftest prints it, or the input line.</summary>
    public required string Packet { get; init; }
    /// <summary>pass, block, nomatch, block return-rst, ... (ipftest -b words), or bad-packet.</summary>
    public required string Verdict { get; init; }
    /// <summary>Canonical text of the deciding rule, if a rule decided.</summary>
    public string? Rule { get; init; }
    public int? RulePosition { get; init; }
    /// <summary>Which stack decided: zone, global-zone-controlled, state or fragment.</summary>
    public string? DecidedBy { get; init; }
    public string? Error { get; init; }
}

/// <summary>The result of a syntax check (ipf -n): canonical rules, or every error with line and column.</summary>
public sealed record FirewallSyntaxReport(bool Valid, IReadOnlyList<string> Rules, IReadOnlyList<Languages.Ipf.IpfError> Errors);

/// <summary>
/// The ipfilter facility: per-zone filter and NAT rule sets (active lists replaced atomically), packet tests with
/// ipftest semantics, and the state and NAT tables. Plain data in and out; refusals are <see cref="IllumosException"/>s.
/// </summary>
public interface IFirewall
{
    IReadOnlyList<FirewallRule> GetRules(FirewallScope scope, CancellationToken ct);
    /// <summary>Adds the rules of <paramref name="ruleText"/> (lists may expand to several) at the placement.</summary>
    IReadOnlyList<FirewallRule> AddRules(FirewallScope scope, string ruleText, RulePlacement? placement, CancellationToken ct);
    /// <summary>Replaces the rule at a position with one new rule.</summary>
    FirewallRule SetRule(FirewallScope scope, int position, string ruleText, CancellationToken ct);
    /// <summary>Moves a rule to a new position.</summary>
    FirewallRule MoveRule(FirewallScope scope, int position, RulePlacement placement, CancellationToken ct);
    void RemoveRule(FirewallScope scope, int position, CancellationToken ct);
    FirewallRule SetRuleEnabled(FirewallScope scope, int position, bool enabled, CancellationToken ct);
    /// <summary>Loads a whole ipf.conf text; with <paramref name="replace"/> it becomes the rule set, else it is appended. All or nothing.</summary>
    IReadOnlyList<FirewallRule> ImportRules(FirewallScope scope, string text, bool replace, CancellationToken ct);
    /// <summary>The rule set as ipf.conf text.</summary>
    string ExportRules(FirewallScope scope, CancellationToken ct);
    /// <summary>Syntax check of filter (or, with <paramref name="nat"/>, NAT) rules without loading them.</summary>
    FirewallSyntaxReport TestRules(string text, bool nat);
    /// <summary>Runs packets through the scope's stacks in order (global-zone-controlled first) and reports each verdict.</summary>
    IReadOnlyList<FirewallPacketResult> TestPackets(FirewallScope scope, IReadOnlyList<FirewallPacket> packets, CancellationToken ct);
    IReadOnlyList<FirewallSession> GetSessions(FirewallScope scope, CancellationToken ct);

    IReadOnlyList<NatRule> GetNatRules(FirewallScope scope, CancellationToken ct);
    IReadOnlyList<NatRule> AddNatRules(FirewallScope scope, string ruleText, RulePlacement? placement, CancellationToken ct);
    void RemoveNatRule(FirewallScope scope, int position, CancellationToken ct);
    IReadOnlyList<NatSession> GetNatSessions(FirewallScope scope, CancellationToken ct);
}
