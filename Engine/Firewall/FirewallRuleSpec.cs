using System.Text;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>
/// A rule described the way NetSecurity's parameters do (-Action Allow|Block, -Direction Inbound|Outbound,
/// -Protocol, -LocalAddress/-LocalPort, -RemoteAddress/-RemotePort, -InterfaceAlias). <see cref="ToText"/> turns it
/// into ipf rule text: for inbound rules "local" is the destination, for outbound rules the source.
/// </summary>
public sealed record FirewallRuleSpec
{
    /// <summary>Allow or Block (pass and block are accepted too).</summary>
    public string Action { get; init; } = "Allow";
    /// <summary>Inbound or Outbound (in and out are accepted too).</summary>
    public string Direction { get; init; } = "Inbound";
    /// <summary>tcp, udp, icmp, tcp/udp, a protocol name or number; null for any.</summary>
    public string? Protocol { get; init; }
    public string? LocalAddress { get; init; }
    /// <summary>A port, a range "lo-hi" / "lo:hi", or a comparison such as "&gt; 1023".</summary>
    public string? LocalPort { get; init; }
    public string? RemoteAddress { get; init; }
    public string? RemotePort { get; init; }
    public string? Interface { get; init; }
    public bool Quick { get; init; } = true;
    public bool KeepState { get; init; }
    public bool Log { get; init; }
    /// <summary>For Block: send a TCP reset (tcp) or ICMP unreachable back instead of dropping silently.</summary>
    public bool Reject { get; init; }
    public string? IcmpType { get; init; }

    public string ToText()
    {
        bool allow = Action.ToLowerInvariant() switch
        {
            "allow" or "pass" => true,
            "block" or "deny" => false,
            _ => throw IllumosException.Invalid("FirewallActionInvalid", $"Action must be Allow or Block, not '{Action}'.", Action),
        };
        bool inbound = Direction.ToLowerInvariant() switch
        {
            "inbound" or "in" => true,
            "outbound" or "out" => false,
            _ => throw IllumosException.Invalid("FirewallDirectionInvalid", $"Direction must be Inbound or Outbound, not '{Direction}'.", Direction),
        };
        var proto = Protocol?.ToLowerInvariant();
        bool ports = proto is "tcp" or "udp" or "tcp/udp" or "6" or "17";
        if ((LocalPort ?? RemotePort) is not null && !ports)
            throw IllumosException.Invalid("FirewallPortNeedsProtocol", "Ports need -Protocol tcp, udp or tcp/udp.", LocalPort ?? RemotePort);
        var sb = new StringBuilder(allow ? "pass" : "block");
        if (!allow && Reject) sb.Append(proto == "tcp" ? " return-rst" : " return-icmp(port-unr)");
        sb.Append(inbound ? " in" : " out");
        if (Log) sb.Append(" log");
        if (Quick) sb.Append(" quick");
        if (Interface is not null) sb.Append(" on ").Append(Interface);
        if (proto is not null) sb.Append(" proto ").Append(proto);
        var (srcAddr, srcPort, dstAddr, dstPort) = inbound
            ? (RemoteAddress, RemotePort, LocalAddress, LocalPort)
            : (LocalAddress, LocalPort, RemoteAddress, RemotePort);
        sb.Append(" from ").Append(Address(srcAddr)).Append(Port(srcPort));
        sb.Append(" to ").Append(Address(dstAddr)).Append(Port(dstPort));
        if (IcmpType is not null) sb.Append(" icmp-type ").Append(IcmpType);
        if (KeepState) sb.Append(proto == "tcp" ? " flags S keep state" : " keep state");
        var text = sb.ToString();
        IpfParser.ParseRule(text); // refuse anything the language does not accept
        return text;
    }

    private static string Address(string? a) => string.IsNullOrWhiteSpace(a) || a.Equals("any", StringComparison.OrdinalIgnoreCase) ? "any" : a.Trim();

    private static string Port(string? p)
    {
        if (string.IsNullOrWhiteSpace(p)) return "";
        p = p.Trim();
        int dash = p.IndexOf('-');
        if (dash > 0 && char.IsDigit(p[0])) return $" port {p[..dash]}:{p[(dash + 1)..]}";
        if (p.Contains(':') || p.Contains(' ')) return " port " + p;
        return " port = " + p;
    }
}
