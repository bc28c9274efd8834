using System.Text.RegularExpressions;
using Illumos.Engine;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>What a rule does, in NetSecurity's words (Allow, Block) plus the other ipf actions that need no argument.</summary>
public enum FirewallAction { Allow, Block, Count, Log, Auth, Preauth, Skip, Call }

/// <summary>Which packets a rule sees, in NetSecurity's words.</summary>
public enum FirewallDirection { Inbound, Outbound }

/// <summary>The kinds of ipnat rule.</summary>
public enum NatType { Map, Bimap, MapBlock, Rdr }

/// <summary>
/// The NetSecurity/NetNat parameter vocabulary translated to ipf.conf and ipnat.conf text. Only text is produced
/// here: the engine's parser remains the judge of what is valid, so every refusal carries its stable ErrorId.
/// </summary>
public static partial class FirewallRuleText
{
    public static string Action(FirewallAction a) => a switch
    {
        FirewallAction.Allow => "pass",
        FirewallAction.Block => "block",
        _ => a.ToString().ToLowerInvariant(),
    };

    public static FirewallAction ActionOf(string ipfWord) => ipfWord switch
    {
        "pass" => FirewallAction.Allow,
        "block" => FirewallAction.Block,
        _ => Enum.TryParse<FirewallAction>(ipfWord, true, out var a) ? a : FirewallAction.Allow,
    };

    public static string Direction(FirewallDirection d) => d == FirewallDirection.Outbound ? "out" : "in";

    /// <summary>TCP, UDP, ICMPv4, TCPUDP, Any, a protocol name or a number 0–255 as ipf writes it; null for any.</summary>
    public static string? Protocol(string? p)
    {
        if (string.IsNullOrWhiteSpace(p)) return null;
        var v = p.Trim();
        switch (v.ToLowerInvariant())
        {
            case "any": return null;
            case "icmpv4": return "icmp";
            case "tcpudp" or "tcp/udp": return "tcp/udp";
            case "icmpv6":
                throw IllumosException.Invalid("FirewallProtocolUnsupported", "ICMPv6 rules need an IPv6 rule set (ipf -6); this rule set is IPv4.", p);
        }
        if (v.Equals("tcp/udp", StringComparison.OrdinalIgnoreCase) || IpfNames.ProtocolNumber(v) is not null) return v.ToLowerInvariant();
        throw IllumosException.Invalid("FirewallProtocolInvalid",
            $"'{p}' is not a protocol: use TCP, UDP, ICMPv4, TCPUDP, Any, a protocol name such as gre, or a number from 0 to 255.", p);
    }

    /// <summary>The ipf name of a parsed protocol (null: any; -1: tcp/udp).</summary>
    public static string? ProtocolName(int? p) => p switch { null => null, -1 => "tcp/udp", { } n => IpfNames.ProtocolName(n) };

    /// <summary>An address operand: any, an address, a network (a.b.c.d/len or /mask), !negated, or a list.</summary>
    public static string Address(string[]? addresses)
    {
        var list = (addresses ?? []).Select(a => a.Trim()).Where(a => a.Length > 0).ToList();
        if (list.Count == 0 || list.Any(a => a.Equals("any", StringComparison.OrdinalIgnoreCase))) return "any";
        return list.Count == 1 ? list[0] : "(" + string.Join(",", list) + ")";
    }

    [GeneratedRegex(@"^(\d+)\s*-\s*(\d+)$")]
    private static partial Regex DashRange();
    [GeneratedRegex(@"^(\d+)\s*(:|><|<>)\s*(\d+)$")]
    private static partial Regex IpfRange();
    [GeneratedRegex(@"^(=|!=|<=|>=|<|>)\s*([A-Za-z0-9][\w-]*)$")]
    private static partial Regex Comparison();
    /// <summary>A port number or a service name (names start with a letter, so 1000-2000 is a range, not a name).</summary>
    [GeneratedRegex(@"^\d+$|^[A-Za-z][\w-]*$")]
    private static partial Regex Single();

    /// <summary>
    /// A port comparison: 22 or ssh (= 22), 1000-2000 (1000:2000, inclusive), ipf's own forms (&gt; 1023, 6000 &gt;&lt; 6009),
    /// or several single ports (a list that expands into one rule per port).
    /// </summary>
    public static string? Port(string[]? ports)
    {
        var list = (ports ?? []).Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        if (list.Count == 0 || list.Any(p => p.Equals("any", StringComparison.OrdinalIgnoreCase))) return null;
        if (list.Count == 1) return OnePort(list[0]);
        if (list.All(p => Single().IsMatch(p))) return "= (" + string.Join(",", list) + ")";
        throw IllumosException.Invalid("FirewallPortInvalid",
            $"A list of ports may only hold single ports; give ranges one rule at a time ('{string.Join(", ", list)}').", string.Join(",", list));
    }

    private static string OnePort(string p)
    {
        if (Single().IsMatch(p)) return "= " + p;
        if (DashRange().Match(p) is { Success: true } d) return $"{d.Groups[1].Value}:{d.Groups[2].Value}";
        if (IpfRange().Match(p) is { Success: true } r) return r.Groups[2].Value == ":" ? $"{r.Groups[1].Value}:{r.Groups[3].Value}" : $"{r.Groups[1].Value} {r.Groups[2].Value} {r.Groups[3].Value}";
        if (Comparison().Match(p) is { Success: true } c) return $"{c.Groups[1].Value} {c.Groups[2].Value}";
        throw IllumosException.Invalid("FirewallPortInvalid",
            $"'{p}' is not a port: use a number or service name, a range such as 1000-2000, or an ipf comparison such as '> 1023'.", p);
    }

    /// <summary>Ports mean something for TCP and UDP only (ipf would accept them on any rule and never match).</summary>
    private static void CheckPortProtocol(string? proto, string? port)
    {
        if (port is not null && proto is not ("tcp" or "udp" or "tcp/udp" or "6" or "17"))
            throw IllumosException.Invalid("FirewallPortNeedsProtocol", "-LocalPort and -RemotePort need -Protocol TCP, UDP or TCPUDP.", proto ?? "any");
    }

    private static string Endpoint(string address, string? port) => port is null ? address : $"{address} port {port}";

    /// <summary>from/to by direction: inbound packets come from the remote side, outbound ones from the local side.</summary>
    public static (string From, string To) Endpoints(FirewallDirection direction, string localAddress, string? localPort, string remoteAddress, string? remotePort) =>
        direction == FirewallDirection.Outbound
            ? (Endpoint(localAddress, localPort), Endpoint(remoteAddress, remotePort))
            : (Endpoint(remoteAddress, remotePort), Endpoint(localAddress, localPort));

    /// <summary>The fields of a new filter rule.</summary>
    public sealed record RuleFields
    {
        public FirewallAction Action { get; init; } = FirewallAction.Allow;
        public FirewallDirection Direction { get; init; } = FirewallDirection.Inbound;
        public bool ReturnReset { get; init; }
        public bool ReturnIcmp { get; init; }
        public bool Log { get; init; }
        public bool Quick { get; init; }
        public string[]? Interfaces { get; init; }
        public string? Protocol { get; init; }
        public string[]? LocalAddress { get; init; }
        public string[]? RemoteAddress { get; init; }
        public string[]? LocalPort { get; init; }
        public string[]? RemotePort { get; init; }
        public string[]? IcmpType { get; init; }
        public bool KeepState { get; init; }
        public string? Group { get; init; }
    }

    /// <summary>The ipf.conf text of a rule given by fields (a list may expand into several rules).</summary>
    public static string Rule(RuleFields f)
    {
        if ((f.ReturnReset || f.ReturnIcmp) && f.Action != FirewallAction.Block)
            throw IllumosException.Invalid("FirewallReturnNeedsBlock", "-ReturnReset and -ReturnIcmp only apply to -Action Block.", f.Action);
        if (f.ReturnReset && f.ReturnIcmp)
            throw IllumosException.Invalid("FirewallReturnConflict", "Use -ReturnReset or -ReturnIcmp, not both.", null);
        if (f.Action is FirewallAction.Skip or FirewallAction.Call)
            throw IllumosException.Invalid("FirewallActionNeedsRule", $"-Action {f.Action} takes an argument; write the rule with -Rule (for example 'skip 2 in all').", f.Action);
        var proto = Protocol(f.Protocol);
        var localPort = Port(f.LocalPort);
        var remotePort = Port(f.RemotePort);
        CheckPortProtocol(proto, localPort ?? remotePort);
        var icmp = (f.IcmpType ?? []).Where(t => t.Trim().Length > 0).ToList();
        if (icmp.Count > 0 && proto is not ("icmp" or "1"))
            throw IllumosException.Invalid("FirewallIcmpTypeNeedsProtocol", "-IcmpType needs -Protocol ICMPv4.", proto ?? "any");

        var w = new List<string> { Action(f.Action) };
        if (f.ReturnReset) w.Add("return-rst");
        if (f.ReturnIcmp) w.Add("return-icmp");
        w.Add(Direction(f.Direction));
        if (f.Log && f.Action != FirewallAction.Log) w.Add("log");
        if (f.Quick) w.Add("quick");
        var ifs = (f.Interfaces ?? []).Where(i => i.Trim().Length > 0).Select(i => i.Trim()).ToList();
        if (ifs.Count > 0) { w.Add("on"); w.Add(string.Join(",", ifs)); }
        if (proto is not null) { w.Add("proto"); w.Add(proto); }
        var (from, to) = Endpoints(f.Direction, Address(f.LocalAddress), localPort, Address(f.RemoteAddress), remotePort);
        if (from == "any" && to == "any") w.Add("all");
        else { w.Add("from"); w.Add(from); w.Add("to"); w.Add(to); }
        if (icmp.Count > 0) w.Add(IcmpClause(icmp));
        if (f.KeepState) w.Add("keep state");
        if (!string.IsNullOrWhiteSpace(f.Group)) { w.Add("group"); w.Add(f.Group.Trim()); }
        return string.Join(' ', w);
    }

    /// <summary>icmp-type N [code M] from "8" or "echo" or "3:1"; several types become a list.</summary>
    private static string IcmpClause(List<string> types)
    {
        if (types.Count == 1)
        {
            var parts = types[0].Split(':', 2, StringSplitOptions.TrimEntries);
            return parts.Length == 2 ? $"icmp-type {parts[0]} code {parts[1]}" : $"icmp-type {parts[0]}";
        }
        if (types.Any(t => t.Contains(':')))
            throw IllumosException.Invalid("FirewallIcmpTypeInvalid", "Give ICMP codes (type:code) one rule at a time.", string.Join(",", types));
        return "icmp-type (" + string.Join(",", types.Select(t => t.Trim())) + ")";
    }

    /// <summary>
    /// Changes fields of an existing rule and returns its new canonical text. Everything the parameters do not name
    /// (flags, tos, ttl, return codes, state options, heads, tags...) is kept as it was.
    /// </summary>
    public static string Modify(string existingText, RuleChanges c)
    {
        var r = IpfParser.ParseRule(existingText);
        if (c.Action is { } a)
        {
            if (a is FirewallAction.Skip or FirewallAction.Call && r.Action.ToString() != a.ToString())
                throw IllumosException.Invalid("FirewallActionNeedsRule", $"-Action {a} takes an argument; replace the rule with -Rule.", a);
            var act = a == FirewallAction.Allow ? IpfAction.Pass : Enum.Parse<IpfAction>(a == FirewallAction.Block ? "Block" : a.ToString());
            r = r with { Action = act, Return = act == IpfAction.Block ? r.Return : IpfReturn.None, ReturnCode = act == IpfAction.Block ? r.ReturnCode : null };
        }
        var direction = c.Direction ?? (r.Out ? FirewallDirection.Outbound : FirewallDirection.Inbound);
        r = r with { Out = direction == FirewallDirection.Outbound };
        if (c.Quick is { } q) r = r with { Quick = q };
        if (c.Log is { } l) r = r with { Log = l, LogBody = l && r.LogBody, LogFirst = l && r.LogFirst, LogOrBlock = l && r.LogOrBlock, LogLevel = l ? r.LogLevel : null };
        if (c.KeepState is { } k) r = r with { KeepState = k, StateOptions = k ? r.StateOptions : null };
        if (c.Group is { } g) r = r with { Group = g.Trim().Length == 0 ? null : g.Trim() };
        if (c.Interfaces is { } ifs) r = r with { On = ifs.Select(i => i.Trim()).Where(i => i.Length > 0).ToList() };
        if (c.Protocol is not null || c.LocalAddress is not null || c.RemoteAddress is not null || c.LocalPort is not null || c.RemotePort is not null)
        {
            var proto = c.Protocol is not null ? Protocol(c.Protocol) : ProtocolName(r.Protocol);
            // The sides as they are now, seen from the (possibly new) direction.
            bool outbound = direction == FirewallDirection.Outbound;
            var (localEp, remoteEp) = outbound ? (r.From, r.To) : (r.To, r.From);
            string Addr(IpfEndpoint e) => (e.Negated ? "!" : "") + IpfPrinter.Address(e.Address, "");
            var localAddress = c.LocalAddress is not null ? Address(c.LocalAddress) : Addr(localEp);
            var remoteAddress = c.RemoteAddress is not null ? Address(c.RemoteAddress) : Addr(remoteEp);
            var localPort = c.LocalPort is not null ? Port(c.LocalPort) : localEp.Port?.ToString();
            var remotePort = c.RemotePort is not null ? Port(c.RemotePort) : remoteEp.Port?.ToString();
            if ((c.LocalPort ?? c.RemotePort) is not null) CheckPortProtocol(proto, localPort ?? remotePort);
            var (from, to) = Endpoints(direction, localAddress, localPort, remoteAddress, remotePort);
            var probe = IpfParser.ParseRule($"pass in{(proto is null ? "" : " proto " + proto)} from {from} to {to}");
            r = r with { Protocol = probe.Protocol, HasIpMatch = true, From = probe.From, To = probe.To };
        }
        var text = RuleSetText.Canonical(r);
        IpfParser.ParseRule(text); // what is stored must parse back (ports without tcp/udp, return-rst without tcp...)
        return text;
    }

    /// <summary>Changes requested by Set-FirewallRule; null means "leave as it is".</summary>
    public sealed record RuleChanges
    {
        public FirewallAction? Action { get; init; }
        public FirewallDirection? Direction { get; init; }
        public bool? Quick { get; init; }
        public bool? Log { get; init; }
        public bool? KeepState { get; init; }
        public string? Group { get; init; }
        public string[]? Interfaces { get; init; }
        public string? Protocol { get; init; }
        public string[]? LocalAddress { get; init; }
        public string[]? RemoteAddress { get; init; }
        public string[]? LocalPort { get; init; }
        public string[]? RemotePort { get; init; }
        public bool IsEmpty => this == new RuleChanges();
    }

    /// <summary>The fields of a new NAT rule.</summary>
    public sealed record NatFields
    {
        public NatType Type { get; init; }
        public required string Interface { get; init; }
        public string? Protocol { get; init; }
        public required string InternalIPAddress { get; init; }
        public string? InternalPort { get; init; }
        public required string ExternalIPAddress { get; init; }
        public string? ExternalPort { get; init; }
    }

    /// <summary>
    /// ipnat.conf text: map/bimap/map-block translate the internal (source) network to the external address; rdr sends
    /// what arrives for the external address and port to the internal address and port.
    /// </summary>
    public static string Nat(NatFields f)
    {
        var proto = f.Protocol is null ? null : Protocol(f.Protocol);
        if (proto is not (null or "tcp" or "udp" or "tcp/udp"))
            throw IllumosException.Invalid("NatProtocolInvalid", "NAT rules translate ports for TCP, UDP or TCPUDP only.", f.Protocol);
        string ext = NatPort(f.ExternalPort, "ExternalPort"), inside = NatPort(f.InternalPort, "InternalPort");
        switch (f.Type)
        {
            case NatType.Rdr:
                if (ext.Length == 0)
                    throw IllumosException.Invalid("NatPortRequired", "An rdr rule needs -ExternalPort (the port that is redirected).", f.ExternalIPAddress);
                if (ext.Contains(':')) ext = ext.Replace(':', '-');
                var to = inside.Length == 0 ? ext.Split('-')[0] : inside;
                return $"rdr {f.Interface} {f.ExternalIPAddress} port {ext} -> {f.InternalIPAddress} port {to} {proto ?? "tcp"}";
            case NatType.Map:
                if (inside.Length > 0) throw IllumosException.Invalid("NatPortInvalid", "-InternalPort applies to rdr rules only.", f.InternalPort);
                var portmap = ext.Length > 0 ? $" portmap {proto ?? "tcp/udp"} {ext.Replace('-', ':')}" : proto is not null ? $" portmap {proto} auto" : "";
                return $"map {f.Interface} {f.InternalIPAddress} -> {f.ExternalIPAddress}{portmap}";
            case NatType.MapBlock:
                if (inside.Length > 0) throw IllumosException.Invalid("NatPortInvalid", "-InternalPort applies to rdr rules only.", f.InternalPort);
                return $"map-block {f.Interface} {f.InternalIPAddress} -> {f.ExternalIPAddress}" + (ext.Length > 0 ? $" ports {ext}" : "");
            default:
                if (ext.Length > 0 || inside.Length > 0 || proto is not null)
                    throw IllumosException.Invalid("NatPortInvalid", "A bimap rule translates whole addresses: it takes no ports or protocol.", f.ExternalPort ?? f.InternalPort ?? f.Protocol);
                return $"bimap {f.Interface} {f.InternalIPAddress} -> {f.ExternalIPAddress}";
        }
    }

    [GeneratedRegex(@"^(\d+)(?:\s*[-:]\s*(\d+))?$|^auto$")]
    private static partial Regex NatPortForm();

    private static string NatPort(string? p, string parameter)
    {
        if (string.IsNullOrWhiteSpace(p)) return "";
        var m = NatPortForm().Match(p.Trim());
        if (!m.Success)
            throw IllumosException.Invalid("NatPortInvalid", $"-{parameter} '{p}' is not a port, a range such as 10000-20000, or auto.", p);
        return m.Groups[2].Success ? $"{m.Groups[1].Value}-{m.Groups[2].Value}" : p.Trim();
    }

    /// <summary>The canonical text of one rule, or null when it does not parse as exactly one rule.</summary>
    public static string? TryCanonical(string text)
    {
        var r = IpfParser.Parse(text);
        return r.Success && r.Rules.Count == 1 ? RuleSetText.Canonical(r.Rules[0]) : null;
    }
}
