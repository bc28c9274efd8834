using System.Globalization;

namespace Illumos.Engine.Languages.Ipf;

/// <summary>Internal parse failure carrying the offending position.</summary>
public sealed class IpfSyntaxException(int line, int column, string message) : Exception(message)
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>Token cursor shared by the filter and NAT parsers.</summary>
internal sealed class TokenCursor(IpfLine line)
{
    private readonly IReadOnlyList<IpfToken> _t = line.Tokens;
    public int Pos;
    public bool AtEnd => Pos >= _t.Count;
    public IpfToken Peek(int ahead = 0) => Pos + ahead < _t.Count ? _t[Pos + ahead] : new IpfToken("", line.Line, EndColumn);
    private int EndColumn => _t.Count == 0 ? 1 : _t[^1].Column + _t[^1].Text.Length;
    public bool PeekIs(string s, int ahead = 0) => Pos + ahead < _t.Count && _t[Pos + ahead].Is(s);
    public IpfToken Next()
    {
        if (AtEnd) throw Error("unexpected end of rule");
        return _t[Pos++];
    }
    public bool Accept(string s)
    {
        if (PeekIs(s)) { Pos++; return true; }
        return false;
    }
    public IpfToken Expect(string s)
    {
        if (!PeekIs(s)) throw Error(AtEnd ? $"expected '{s}' at end of rule" : $"expected '{s}' but found '{Peek().Text}'");
        return _t[Pos++];
    }
    public IpfSyntaxException Error(string message)
    {
        var t = Peek();
        return new IpfSyntaxException(t.Line, t.Column, message);
    }
    public IpfSyntaxException Error(IpfToken at, string message) => new(at.Line, at.Column, message);

    public int Int(string what)
    {
        var t = Next();
        if (t.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(t.Text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h)) return h;
        if (int.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw Error(t, $"expected {what} but found '{t.Text}'");
    }

    public long Long(string what)
    {
        var t = Next();
        if (long.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        throw Error(t, $"expected {what} but found '{t.Text}'");
    }
}

/// <summary>
/// Parser for ipf.conf filter rules (illumos ipf 4.1 language). Lists expand into several rules; a file with any
/// error yields no rules and every error with its line and column.
/// </summary>
public static class IpfParser
{
    public static IpfParseResult<IpfRule> Parse(string text)
    {
        var errors = new List<IpfError>();
        var lines = IpfLexer.Tokenize(text, errors);
        var rules = new List<IpfRule>();
        var heads = new Dictionary<string, IpfRule>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            try
            {
                foreach (var r in ParseLine(line))
                {
                    var rule = r;
                    // Members of a group inherit the protocol of their head rule (fillgroup).
                    if (rule.Group is { } g && heads.TryGetValue(g, out var head) && rule.Protocol is null && head.Protocol is { } hp)
                        rule = rule with { Protocol = hp, HasIpMatch = true };
                    if (rule.Head is { } h) heads[h] = rule;
                    rules.Add(rule);
                }
            }
            catch (IpfSyntaxException e)
            {
                errors.Add(new IpfError(e.Line, e.Column, e.Message));
            }
        }
        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new IpfParseResult<IpfRule>(errors.Count == 0 ? rules : Array.Empty<IpfRule>(), errors);
    }

    /// <summary>Parses exactly one rule (after list expansion it must still be one rule).</summary>
    public static IpfRule ParseRule(string text)
    {
        var r = Parse(text);
        if (!r.Success)
            throw new IllumosException(ErrorKind.ParserError, "FirewallRuleSyntax", string.Join("; ", r.Errors), text);
        if (r.Rules.Count != 1)
            throw new IllumosException(ErrorKind.InvalidArgument, "FirewallRuleNotSingle", $"'{text}' expands to {r.Rules.Count} rules, expected one.", text);
        return r.Rules[0];
    }

    private sealed class Lists
    {
        public List<(bool Neg, IpfAddress Addr)> FromAddrs = [(false, IpfAddress.AnyAddress)];
        public List<PortMatch?> FromPorts = [null];
        public List<(bool Neg, IpfAddress Addr)> ToAddrs = [(false, IpfAddress.AnyAddress)];
        public List<PortMatch?> ToPorts = [null];
        public List<int?> IcmpTypes = [null];
        public List<int?> IcmpCodes = [null];
        public List<int?> Tos = [null];
        public List<int?> Ttl = [null];
    }

    private static IEnumerable<IpfRule> ParseLine(IpfLine line)
    {
        var c = new TokenCursor(line);
        var first = c.Peek();
        var r = new IpfRule { Line = line.Line, Column = first.Column };
        var lists = new Lists();

        if (c.Peek().Text.StartsWith('@'))
        {
            var t = c.Next();
            if (!int.TryParse(t.Text[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var at)) throw c.Error(t, $"bad rule position '{t.Text}'");
            r = r with { InsertAt = at };
        }
        if (c.Peek().Text.Length > 0 && char.IsDigit(c.Peek().Text[0]))
            r = r with { Collect = c.Long("rule group number") };

        r = ParseAction(c, r);
        if (c.Accept("in")) r = r with { Out = false };
        else if (c.Accept("out")) r = r with { Out = true };
        else throw c.Error(c.AtEnd ? "expected 'in' or 'out' at end of rule" : $"expected 'in' or 'out' but found '{c.Peek().Text}'");

        bool sawAll = false, sawFromTo = false;
        // Header options, accepted in any order before the address part.
        while (!c.AtEnd)
        {
            var t = c.Peek();
            if (t.Is("log"))
            {
                c.Next();
                r = ParseLogOptions(c, r with { Log = true });
            }
            else if (t.Is("quick")) { c.Next(); r = r with { Quick = true }; }
            else if (t.Is("on"))
            {
                c.Next();
                var names = new List<string> { Word(c, "interface name") };
                while (c.Accept(",")) names.Add(Word(c, "interface name"));
                if (names.Count > 2) throw c.Error(t, "at most two interfaces may follow 'on'");
                r = r with { On = names };
            }
            else if (t.Is("dup-to")) { c.Next(); r = r with { DupTo = ParseRouteTarget(c) }; }
            else if (t.Is("to") && !IsAddressStartAfterTo(c)) { c.Next(); r = r with { RouteTo = ParseRouteTarget(c) }; }
            else if (t.Is("reply-to")) { c.Next(); r = r with { ReplyTo = ParseRouteTarget(c) }; }
            else if (t.Is("fastroute")) { c.Next(); r = r with { FastRoute = true }; }
            else if (t.Is("in-via") || t.Is("out-via"))
            {
                c.Next();
                var names = new List<string> { Word(c, "interface name") };
                while (c.Accept(",")) names.Add(Word(c, "interface name"));
                r = r with { Via = names };
            }
            else if (t.Is("tos")) { c.Next(); lists.Tos = NumberList(c, "tos value"); }
            else if (t.Is("ttl")) { c.Next(); lists.Ttl = NumberList(c, "ttl value"); }
            else if (t.Is("proto"))
            {
                c.Next();
                var p = c.Next();
                int proto;
                if (p.Is("tcp/udp") || p.Is("tcp-udp")) proto = -1;
                else proto = IpfNames.ProtocolNumber(p.Text) ?? throw c.Error(p, $"unknown protocol '{p.Text}'");
                r = r with { Protocol = proto, HasIpMatch = true };
            }
            else if (t.Is("all")) { c.Next(); sawAll = true; break; }
            else if (t.Is("from") || t.Is("to")) { sawFromTo = true; ParseFromTo(c, lists); r = r with { HasIpMatch = true }; break; }
            else if (t.Is("bpf-v4"))
            {
                c.Next();
                c.Expect("{");
                var s = c.Next();
                if (!s.IsString) throw c.Error(s, "expected a quoted bpf program");
                c.Expect("}");
                r = r with { Bpf = s.Text };
                sawAll = true;
                break;
            }
            else break;
        }
        if (!sawAll && !sawFromTo && r.Action != IpfAction.Skip && !c.AtEnd)
        {
            // Options may still follow without an address part (e.g. "block in quick with short").
        }

        // Trailing options.
        while (!c.AtEnd)
        {
            var t = c.Peek();
            if (t.Is("with") || t.Is("and")) { c.Next(); r = ParseWith(c, r); r = r with { HasIpMatch = true }; }
            else if (t.Is("flags"))
            {
                c.Next();
                var f = c.Next();
                var parts = f.Text.Split('/');
                int flags = IpfNames.ParseFlags(parts[0]) ?? throw c.Error(f, $"bad tcp flags '{f.Text}'");
                int mask = parts.Length > 1 ? IpfNames.ParseFlags(parts[1]) ?? throw c.Error(f, $"bad tcp flag mask '{f.Text}'") : 0x3f;
                r = r with { TcpFlags = flags, TcpFlagMask = mask, HasIpMatch = true };
            }
            else if (t.Is("icmp-type"))
            {
                c.Next();
                lists.IcmpTypes = ListOf(c, tk => IpfNames.IcmpType(tk.Text) ?? throw c.Error(tk, $"unknown icmp-type '{tk.Text}'"));
                r = r with { HasIpMatch = true };
                if (c.Accept("code"))
                    lists.IcmpCodes = ListOf(c, tk => IpfNames.IcmpCode(tk.Text) ?? throw c.Error(tk, $"unknown icmp code '{tk.Text}'"));
            }
            else if (t.Is("keep"))
            {
                c.Next();
                if (c.Accept("state"))
                {
                    r = r with { KeepState = true };
                    if (c.PeekIs("(")) r = r with { StateOptions = ParseStateOptions(c) };
                }
                else if (c.Accept("frags") || c.Accept("frag"))
                {
                    r = r with { KeepFrags = true };
                    if (c.Accept("("))
                    {
                        c.Expect("strict");
                        c.Expect(")");
                        r = r with { FragStrict = true };
                    }
                }
                else throw c.Error("expected 'state' or 'frags' after 'keep'");
            }
            else if (t.Is("head")) { c.Next(); r = r with { Head = Word(c, "group name") }; }
            else if (t.Is("group")) { c.Next(); r = r with { Group = Word(c, "group name") }; }
            else if (t.Is("set-tag"))
            {
                c.Next();
                c.Expect("(");
                do
                {
                    var k = c.Next();
                    c.Expect("=");
                    if (k.Is("log")) r = r with { TagLog = c.Long("log tag") };
                    else if (k.Is("nat")) { var v = Word(c, "nat tag"); r = r with { TagNat = v.Length > 16 ? v[..16] : v }; }
                    else throw c.Error(k, $"unknown tag '{k.Text}'");
                } while (c.Accept(","));
                c.Expect(")");
            }
            else if (t.Is("pps")) { c.Next(); r = r with { Pps = c.Int("packets per second") }; }
            else throw c.Error($"unexpected '{t.Text}'");
        }

        if (r.TcpFlags is not null && r.Protocol is not null && r.Protocol != 6 && r.Protocol != -1)
            throw c.Error(first, "flags are only valid for tcp rules");

        // Expand lists: source address fastest, then source port, destination address, destination port.
        foreach (var tos in lists.Tos)
        foreach (var ttl in lists.Ttl)
        foreach (var it in lists.IcmpTypes)
        foreach (var ic in lists.IcmpCodes)
        foreach (var dp in lists.ToPorts)
        foreach (var da in lists.ToAddrs)
        foreach (var sp in lists.FromPorts)
        foreach (var sa in lists.FromAddrs)
        {
            yield return r with
            {
                Tos = tos, Ttl = ttl, IcmpType = it, IcmpCode = ic,
                From = new IpfEndpoint(sa.Neg, sa.Addr, sp),
                To = new IpfEndpoint(da.Neg, da.Addr, dp),
                HasIpMatch = r.HasIpMatch || tos is not null || ttl is not null,
            };
        }
    }

    private static bool IsAddressStartAfterTo(TokenCursor c)
    {
        // "to" before any from: a routing target (to IF[:ip]) unless it is the destination part of "from … to".
        var n = c.Peek(1);
        if (n.Is("any") || n.Is("!") || n.Is("port") || n.Is("(") || n.Is("pool") || n.Is("hash")) return true;
        return false;
    }

    private static IpfRule ParseAction(TokenCursor c, IpfRule r)
    {
        var t = c.Next();
        switch (t.Text.ToLowerInvariant())
        {
            case "pass": return r with { Action = IpfAction.Pass };
            case "count": return r with { Action = IpfAction.Count };
            case "auth": return r with { Action = IpfAction.Auth };
            case "preauth": return r with { Action = IpfAction.Preauth };
            case "nomatch": return r with { Action = IpfAction.Nomatch };
            case "log":
                return ParseLogOptions(c, r with { Action = IpfAction.Log });
            case "skip": return r with { Action = IpfAction.Skip, SkipCount = c.Int("skip count") };
            case "call":
                bool now = c.Accept("now");
                return r with { Action = IpfAction.Call, CallNow = now, CallFunction = Word(c, "function name") };
            case "block":
                r = r with { Action = IpfAction.Block };
                var n = c.Peek();
                if (n.Is("return-rst")) { c.Next(); return r with { Return = IpfReturn.Rst }; }
                if (n.Is("return-icmp") || n.Is("return-icmp-as-dest"))
                {
                    c.Next();
                    r = r with { Return = n.Is("return-icmp") ? IpfReturn.Icmp : IpfReturn.IcmpAsDest };
                    if (c.Accept("("))
                    {
                        var code = c.Next();
                        r = r with { ReturnCode = IpfNames.IcmpCode(code.Text) ?? throw c.Error(code, $"unknown icmp code '{code.Text}'") };
                        c.Expect(")");
                    }
                }
                return r;
            default:
                throw c.Error(t, $"unknown action '{t.Text}'");
        }
    }

    private static IpfRule ParseLogOptions(TokenCursor c, IpfRule r)
    {
        while (true)
        {
            if (c.Accept("body")) r = r with { LogBody = true };
            else if (c.Accept("first")) r = r with { LogFirst = true };
            else if (c.Accept("or-block")) r = r with { LogOrBlock = true };
            else if (c.Accept("level")) r = r with { LogLevel = ParseLogLevel(c) };
            else return r;
        }
    }

    private static string ParseLogLevel(TokenCursor c)
    {
        var t = c.Next();
        var parts = t.Text.Split('.');
        bool FacOk(string f) => IpfNames.Facilities.Contains(f, StringComparer.OrdinalIgnoreCase) || IpfNames.UnknownFacilities.Contains(f, StringComparer.OrdinalIgnoreCase);
        bool PriOk(string p) => IpfNames.Priorities.Contains(p, StringComparer.OrdinalIgnoreCase);
        if (parts.Length == 1 && PriOk(parts[0])) return parts[0].ToLowerInvariant();
        if (parts.Length == 2 && FacOk(parts[0]) && PriOk(parts[1])) return t.Text.ToLowerInvariant();
        throw c.Error(t, $"bad log level '{t.Text}'");
    }

    private static string Word(TokenCursor c, string what)
    {
        var t = c.Next();
        if (t.IsString || t.Text.Length == 0 || !(char.IsLetterOrDigit(t.Text[0]) || t.Text[0] is '_' or '*' or '-'))
            throw c.Error(t, $"expected {what} but found '{t.Text}'");
        return t.Text;
    }

    private static IpfRouteTarget ParseRouteTarget(TokenCursor c)
    {
        var t = c.Next();
        int colon = t.Text.IndexOf(':');
        if (colon < 0) return new IpfRouteTarget(t.Text, null);
        var ip = IpfNames.ParseIPv4(t.Text[(colon + 1)..]) ?? IpfNames.ResolveHost(t.Text[(colon + 1)..])
            ?? throw c.Error(t, $"bad next-hop address in '{t.Text}'");
        return new IpfRouteTarget(t.Text[..colon], ip);
    }

    private static List<int?> NumberList(TokenCursor c, string what) => ListOf(c, t =>
    {
        if (t.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && int.TryParse(t.Text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) && h <= 255) return h;
        if (int.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 255) return n;
        throw c.Error(t, $"bad {what} '{t.Text}'");
    });

    private static List<int?> ListOf(TokenCursor c, Func<IpfToken, int> one)
    {
        var list = new List<int?>();
        if (c.Accept("("))
        {
            do list.Add(one(c.Next())); while (c.Accept(","));
            c.Expect(")");
        }
        else list.Add(one(c.Next()));
        return list;
    }

    private static void ParseFromTo(TokenCursor c, Lists lists)
    {
        if (c.Accept("from"))
        {
            ParseEndpoint(c, out lists.FromAddrs, out lists.FromPorts);
        }
        // "from port = N" with nothing after it leaves the destination as any.
        if (c.Accept("to")) ParseEndpoint(c, out lists.ToAddrs, out lists.ToPorts);
        else if (!c.AtEnd && !IsTrailingKeyword(c.Peek()))
            throw c.Error($"expected 'to' but found '{c.Peek().Text}'");
    }

    private static bool IsTrailingKeyword(IpfToken t) =>
        t.Is("with") || t.Is("and") || t.Is("flags") || t.Is("icmp-type") || t.Is("keep") || t.Is("head") || t.Is("group") || t.Is("set-tag") || t.Is("pps");

    private static void ParseEndpoint(TokenCursor c, out List<(bool, IpfAddress)> addrs, out List<PortMatch?> ports)
    {
        if (c.PeekIs("port"))
            addrs = [(false, IpfAddress.AnyAddress)];
        else
        {
            bool neg = c.Accept("!");
            addrs = ParseAddressList(c).Select(a => (neg, a)).ToList();
        }
        ports = [null];
        if (c.Accept("port")) ports = ParsePortMatch(c);
    }

    internal static List<PortMatch?> ParsePortMatch(TokenCursor c)
    {
        var t = c.Peek();
        PortOp? op = t.Text.ToLowerInvariant() switch
        {
            "=" or "eq" => PortOp.Eq, "!=" or "ne" => PortOp.Ne, "<" or "lt" => PortOp.Lt, ">" or "gt" => PortOp.Gt,
            "<=" or "le" => PortOp.Le, ">=" or "ge" => PortOp.Ge, _ => null,
        };
        if (op is { } o)
        {
            c.Next();
            return ListOf(c, pt => PortNumber(c, pt)).Select(p => (PortMatch?)new PortMatch(o, p!.Value)).ToList();
        }
        var lo = c.Next();
        int colon = lo.Text.IndexOf(':');
        if (colon > 0)
            return [new PortMatch(PortOp.Inclusive, PortNumber(c, lo with { Text = lo.Text[..colon] }), PortNumber(c, lo with { Text = lo.Text[(colon + 1)..] }))];
        int low = PortNumber(c, lo);
        var rop = c.Next();
        PortOp range = rop.Text switch
        {
            "<>" => PortOp.OutRange,
            "><" => PortOp.InRange,
            ":" => PortOp.Inclusive,
            _ => throw c.Error(rop, $"expected a port comparison but found '{rop.Text}'"),
        };
        return [new PortMatch(range, low, PortNumber(c, c.Next()))];
    }

    internal static int PortNumber(TokenCursor c, IpfToken t) =>
        IpfNames.Port(t.Text) ?? throw c.Error(t, $"unknown port '{t.Text}'");

    private static List<IpfAddress> ParseAddressList(TokenCursor c)
    {
        if (c.PeekIs("pool") && c.PeekIs("=", 1) || c.PeekIs("hash") && c.PeekIs("=", 1))
        {
            bool hash = c.Next().Is("hash");
            c.Expect("=");
            c.Expect("(");
            var entries = new List<(bool, uint, uint)>();
            do
            {
                bool neg = c.Accept("!");
                var a = ParseAddress(c);
                entries.Add((neg, a.Address, a.Mask));
            } while (c.Accept(","));
            c.Expect(")");
            return [new IpfAddress { Kind = hash ? IpfAddressKind.Hash : IpfAddressKind.Pool, InlineTable = entries }];
        }
        if (c.Accept("("))
        {
            var list = new List<IpfAddress>();
            do list.Add(ParseAddress(c)); while (c.Accept(","));
            c.Expect(")");
            return list;
        }
        return [ParseAddress(c)];
    }

    internal static IpfAddress ParseAddress(TokenCursor c)
    {
        var t = c.Next();
        if (t.Is("any")) return IpfAddress.AnyAddress;
        var text = t.Text;
        var slash = text.IndexOf('/');
        var head = slash >= 0 ? text[..slash] : text;
        var tail = slash >= 0 ? text[(slash + 1)..] : null;
        if (head.Equals("pool", StringComparison.OrdinalIgnoreCase) || head.Equals("hash", StringComparison.OrdinalIgnoreCase))
        {
            if (tail is null || !int.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var num))
                throw c.Error(t, $"bad table reference '{text}'");
            return new IpfAddress { Kind = head.Equals("pool", StringComparison.OrdinalIgnoreCase) ? IpfAddressKind.Pool : IpfAddressKind.Hash, TableNumber = num };
        }
        uint? addr = IpfNames.ParseIPv4(head) ?? IpfNames.ResolveHost(head);
        if (addr is null)
        {
            if (head.Length > 0 && char.IsLetter(head[0]))
            {
                // Interface-derived address.
                var suffix = tail?.ToLowerInvariant() switch
                {
                    null => null,
                    "peer" => "peer",
                    "broadcast" or "bcast" => "bcast",
                    "network" or "net" => "net",
                    "netmasked" => "netmasked",
                    var s when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b <= 32 => s,
                    _ => throw c.Error(t, $"bad interface address '{text}'"),
                };
                return new IpfAddress { Kind = IpfAddressKind.Interface, Interface = head, InterfaceSuffix = suffix };
            }
            throw c.Error(t, $"bad address '{text}'");
        }
        uint mask = 0xffffffff;
        if (tail is not null)
        {
            if (tail.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || tail.Contains('.'))
                mask = (tail.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? uint.TryParse(tail[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hm) ? hm : (uint?)null
                    : IpfNames.ParseIPv4(tail)) ?? throw c.Error(t, $"bad netmask in '{text}'");
            else if (int.TryParse(tail, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits <= 32)
                mask = IpfNames.PrefixMask(bits);
            else throw c.Error(t, $"bad netmask in '{text}'");
        }
        else if (c.PeekIs("mask"))
        {
            c.Next();
            var m = c.Next();
            mask = IpfNames.ParseIPv4(m.Text) ?? (m.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && uint.TryParse(m.Text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hm2) ? hm2 : throw c.Error(m, $"bad netmask '{m.Text}'"));
        }
        return new IpfAddress { Kind = IpfAddressKind.Network, Address = addr.Value & mask, Mask = mask };
    }

    private static readonly (string Name, PacketFlags Flag)[] WithFlags =
    [
        ("ipopts", PacketFlags.IpOptions), ("short", PacketFlags.Short), ("frag", PacketFlags.Frag), ("frags", PacketFlags.Frag),
        ("frag-body", PacketFlags.FragBody), ("nat", PacketFlags.Nat), ("lowttl", PacketFlags.LowTtl), ("bad", PacketFlags.Bad),
        ("bad-src", PacketFlags.BadSrc), ("bad-nat", PacketFlags.BadNat), ("oow", PacketFlags.OutOfWindow),
        ("mbcast", PacketFlags.MBcast), ("bcast", PacketFlags.Bcast), ("mcast", PacketFlags.Mcast), ("multicast", PacketFlags.Mcast),
        ("state", PacketFlags.State),
    ];

    private static IpfRule ParseWith(TokenCursor c, IpfRule r)
    {
        bool any = false;
        while (!c.AtEnd)
        {
            var save = c.Pos;
            bool not = c.Accept("not") || c.Accept("no");
            var t = c.Peek();
            if (t.Is("opt"))
            {
                c.Next();
                uint mask = r.OptMask, val = r.OptValue, smask = r.SecMask, sval = r.SecValue;
                do
                {
                    var o = c.Next();
                    if (o.Is("sec-class"))
                    {
                        var cls = c.Next();
                        int sb = IpfNames.SecClassBit(cls.Text);
                        if (sb < 0) throw c.Error(cls, $"unknown security class '{cls.Text}'");
                        int secBit = IpfNames.IpOptionBit("sec");
                        mask |= 1u << secBit;
                        if (!not) val |= 1u << secBit;
                        smask |= 1u << sb;
                        if (!not) sval |= 1u << sb;
                        continue;
                    }
                    int bit = IpfNames.IpOptionBit(o.Text);
                    if (bit < 0) throw c.Error(o, $"unknown ip option '{o.Text}'");
                    mask |= 1u << bit;
                    if (!not) val |= 1u << bit;
                } while (c.Accept(","));
                r = r with { OptMask = mask, OptValue = val, SecMask = smask, SecValue = sval };
                any = true;
                continue;
            }
            var f = WithFlags.FirstOrDefault(w => t.Is(w.Name));
            if (f.Name is null)
            {
                c.Pos = save;
                break;
            }
            c.Next();
            r = r with { WithMask = r.WithMask | f.Flag, WithValue = not ? r.WithValue & ~f.Flag : r.WithValue | f.Flag };
            any = true;
            c.Accept(",");
        }
        if (!any) throw c.Error("expected a packet property after 'with'");
        return r;
    }

    private static IpfStateOptions ParseStateOptions(TokenCursor c)
    {
        c.Expect("(");
        var o = new IpfStateOptions();
        do
        {
            var t = c.Next();
            switch (t.Text.ToLowerInvariant())
            {
                case "limit": o = o with { Limit = c.Int("state limit") }; break;
                case "strict": o = o with { Strict = true }; break;
                case "newisn": o = o with { NewIsn = true }; break;
                case "no-icmp-err": o = o with { NoIcmpErr = true }; break;
                case "sync": o = o with { Sync = true }; break;
                case "age":
                    var a = c.Next();
                    o = o with { Age = a.Text.Contains('/') ? a.Text : a.Text + "/" + a.Text };
                    break;
                default: throw c.Error(t, $"unknown keep state option '{t.Text}'");
            }
        } while (c.Accept(","));
        c.Expect(")");
        return o;
    }
}
