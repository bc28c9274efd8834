using System.Globalization;
using System.Text;

namespace Illumos.Engine.Languages.Ipf;

/// <summary>Kinds of ipnat.conf rules.</summary>
public enum NatKind { Map, Bimap, MapBlock, Rdr }

/// <summary>A parsed ipnat.conf rule.</summary>
public sealed record IpnatRule
{
    public int Line { get; init; }
    public int Column { get; init; }
    public NatKind Kind { get; init; }
    public IReadOnlyList<string> Interfaces { get; init; } = Array.Empty<string>();
    /// <summary>The matched side: map's source network, rdr's destination network.</summary>
    public uint MatchAddress { get; init; }
    public uint MatchMask { get; init; }
    /// <summary>from/to form instead of the plain address (with optional negations).</summary>
    public IpfEndpoint? From { get; init; }
    public IpfEndpoint? To { get; init; }
    public bool NegateFrom { get; init; }
    public bool NegateTo { get; init; }
    /// <summary>rdr destination port range matched (equal when a single port).</summary>
    public int? MatchPortLow { get; init; }
    public int? MatchPortHigh { get; init; }
    /// <summary>Translated address/network (map) or first redirect target (rdr).</summary>
    public uint NewAddress { get; init; }
    public uint NewMask { get; init; }
    public uint? NewAddress2 { get; init; }
    public bool Range { get; init; }
    public uint RangeLow { get; init; }
    public uint RangeHigh { get; init; }
    /// <summary>rdr target port; with <see cref="FixedPort"/> every matched port goes to it.</summary>
    public int? NewPort { get; init; }
    public bool FixedPort { get; init; }
    /// <summary>Protocol: null (ip/any), a number, or -1 for tcp/udp.</summary>
    public int? Protocol { get; init; }
    public bool PortMap { get; init; }
    public bool PortMapAuto { get; init; }
    public int PortLow { get; init; }
    public int PortHigh { get; init; }
    public bool IcmpIdMap { get; init; }
    public int? MapBlockPorts { get; init; }
    public bool MapBlockAuto { get; init; }
    public int? ProxyPort { get; init; }
    public string? ProxyName { get; init; }
    public bool RoundRobin { get; init; }
    public bool Frag { get; init; }
    public bool Sticky { get; init; }
    public string? Age { get; init; }
    public int? MssClamp { get; init; }
    public string? Tag { get; init; }

    public bool UsesPorts => Protocol is 6 or 17 or -1;
    public override string ToString() => IpnatPrinter.Print(this);
}

/// <summary>Parser for ipnat.conf (map, bimap, map-block, rdr).</summary>
public static class IpnatParser
{
    public static IpfParseResult<IpnatRule> Parse(string text)
    {
        var errors = new List<IpfError>();
        var lines = IpfLexer.Tokenize(text, errors);
        var rules = new List<IpnatRule>();
        foreach (var line in lines)
        {
            try { rules.Add(ParseLine(line)); }
            catch (IpfSyntaxException e) { errors.Add(new IpfError(e.Line, e.Column, e.Message)); }
        }
        errors.Sort((a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column));
        return new IpfParseResult<IpnatRule>(errors.Count == 0 ? rules : Array.Empty<IpnatRule>(), errors);
    }

    private static IpnatRule ParseLine(IpfLine line)
    {
        var c = new TokenCursor(line);
        var first = c.Next();
        var kind = first.Text.ToLowerInvariant() switch
        {
            "map" => NatKind.Map,
            "bimap" => NatKind.Bimap,
            "map-block" => NatKind.MapBlock,
            "rdr" => NatKind.Rdr,
            _ => throw c.Error(first, $"unknown NAT rule type '{first.Text}'"),
        };
        var r = new IpnatRule { Line = line.Line, Column = first.Column, Kind = kind };
        var ifs = new List<string> { c.Next().Text };
        while (c.Accept(",")) ifs.Add(c.Next().Text);
        r = r with { Interfaces = ifs };

        bool negFrom = c.Accept("!");
        if (c.PeekIs("from"))
        {
            c.Next();
            bool nf = c.Accept("!");
            var fa = IpfParser.ParseAddress(c);
            PortMatch? fp = null;
            if (c.Accept("port")) fp = IpfParser.ParsePortMatch(c)[0];
            bool negTo = c.Accept("!");
            c.Expect("to");
            bool nt = c.Accept("!");
            var ta = IpfParser.ParseAddress(c);
            PortMatch? tp = null;
            if (c.Accept("port")) tp = IpfParser.ParsePortMatch(c)[0];
            r = r with { From = new IpfEndpoint(nf, fa, fp), To = new IpfEndpoint(nt, ta, tp), NegateFrom = negFrom, NegateTo = negTo };
            var key = kind == NatKind.Rdr ? ta : fa;
            r = r with { MatchAddress = key.Address, MatchMask = key.Kind == IpfAddressKind.Any ? 0 : key.Mask };
            if (kind == NatKind.Rdr && tp is { Op: PortOp.Eq } eq) r = r with { MatchPortLow = eq.Low, MatchPortHigh = eq.Low };
        }
        else
        {
            if (negFrom) throw c.Error("'!' must be followed by 'from'");
            var a = IpfParser.ParseAddress(c);
            r = r with { MatchAddress = a.Address, MatchMask = a.Kind == IpfAddressKind.Any ? 0 : a.Mask };
            if (kind == NatKind.Rdr && c.Accept("port"))
            {
                var pt = c.Next();
                var (lo, hi) = PortRange(c, pt);
                r = r with { MatchPortLow = lo, MatchPortHigh = hi };
            }
        }
        c.Expect("->");
        if (kind == NatKind.Rdr)
        {
            var a = IpfParser.ParseAddress(c);
            r = r with { NewAddress = a.Address, NewMask = a.Kind == IpfAddressKind.Any ? 0 : a.Mask };
            if (c.Accept(",")) r = r with { NewAddress2 = IpfParser.ParseAddress(c).Address };
            if (c.Accept("port"))
            {
                bool fixedPort = c.Accept("=");
                var pt = c.Next();
                r = r with { NewPort = IpfParser.PortNumber(c, pt), FixedPort = fixedPort };
            }
        }
        else if (c.Accept("range"))
        {
            var t = c.Next();
            var dash = t.Text.IndexOf('-');
            if (dash < 0) throw c.Error(t, $"bad address range '{t.Text}'");
            var lo = IpfNames.ParseIPv4(t.Text[..dash]) ?? throw c.Error(t, $"bad address range '{t.Text}'");
            var hi = IpfNames.ParseIPv4(t.Text[(dash + 1)..]) ?? throw c.Error(t, $"bad address range '{t.Text}'");
            r = r with { Range = true, RangeLow = lo, RangeHigh = hi };
        }
        else
        {
            var a = IpfParser.ParseAddress(c);
            r = r with { NewAddress = a.Address, NewMask = a.Kind == IpfAddressKind.Any ? 0 : a.Mask };
        }

        while (!c.AtEnd)
        {
            var t = c.Next();
            switch (t.Text.ToLowerInvariant())
            {
                case "portmap":
                    r = r with { PortMap = true, Protocol = ParseProto(c) };
                    if (c.Accept("auto")) r = r with { PortMapAuto = true };
                    else { var (lo, hi) = PortRange(c, c.Next()); r = r with { PortLow = lo, PortHigh = hi }; }
                    break;
                case "icmpidmap":
                    c.Expect("icmp");
                    { var (lo, hi) = PortRange(c, c.Next()); r = r with { IcmpIdMap = true, PortLow = lo, PortHigh = hi, Protocol = 1 }; }
                    break;
                case "ports":
                    if (c.Accept("auto")) r = r with { MapBlockAuto = true };
                    else r = r with { MapBlockPorts = c.Int("port count") };
                    break;
                case "proxy":
                    if (c.Accept("port"))
                    {
                        var pp = IpfParser.PortNumber(c, c.Next());
                        var np = c.Next().Text;
                        var slash = np.IndexOf('/');
                        var name = slash >= 0 ? np[..slash] : np;
                        int? proto = slash >= 0 ? ProtoOf(c, t, np[(slash + 1)..]) : 6;
                        r = r with { ProxyPort = pp, ProxyName = name, Protocol = proto };
                        if (kind == NatKind.Rdr && r.MatchPortLow is null) r = r with { MatchPortLow = pp, MatchPortHigh = pp, NewPort = pp };
                    }
                    else r = r with { ProxyName = c.Next().Text };
                    break;
                case "tcp": r = r with { Protocol = 6 }; break;
                case "udp": r = r with { Protocol = 17 }; break;
                case "tcp/udp" or "tcpudp" or "tcp-udp": r = r with { Protocol = -1 }; break;
                case "icmp": r = r with { Protocol = 1 }; break;
                case "ip": r = r with { Protocol = null }; break;
                case "round-robin": r = r with { RoundRobin = true }; break;
                case "frag": r = r with { Frag = true }; break;
                case "sticky": r = r with { Sticky = true }; break;
                case "age":
                    var a = c.Next().Text;
                    r = r with { Age = a.Contains('/') ? a : a + "/" + a };
                    break;
                case "mssclamp": r = r with { MssClamp = c.Int("mss") }; break;
                case "tag": r = r with { Tag = c.Next().Text }; break;
                default: throw c.Error(t, $"unexpected '{t.Text}'");
            }
        }
        if (kind == NatKind.Rdr && r.Protocol is null && r.ProxyName is null && (r.MatchPortLow is > 0 || r.NewPort is > 0))
            r = r with { Protocol = 6 };
        return r;
    }

    private static int? ParseProto(TokenCursor c)
    {
        var t = c.Next();
        return ProtoOf(c, t, t.Text);
    }

    private static int? ProtoOf(TokenCursor c, IpfToken t, string s) => s.ToLowerInvariant() switch
    {
        "tcp/udp" or "tcpudp" or "tcp-udp" => -1,
        _ => IpfNames.ProtocolNumber(s) ?? throw c.Error(t, $"unknown protocol '{s}'"),
    };

    private static (int, int) PortRange(TokenCursor c, IpfToken t)
    {
        var s = t.Text;
        int sep = s.IndexOfAny([':', '-']);
        if (sep < 0) { int p = IpfParser.PortNumber(c, t); return (p, p); }
        return (IpfParser.PortNumber(c, t with { Text = s[..sep] }), IpfParser.PortNumber(c, t with { Text = s[(sep + 1)..] }));
    }
}

/// <summary>Prints NAT rules as <c>ipnat -nv</c> does (v4.1.10).</summary>
public static class IpnatPrinter
{
    public static string Print(IpnatRule r)
    {
        var sb = new StringBuilder();
        sb.Append(r.Kind switch { NatKind.Map => "map", NatKind.Bimap => "bimap", NatKind.MapBlock => "map-block", _ => "rdr" });
        sb.Append(' ').Append(string.Join(",", r.Interfaces)).Append(' ');
        if (r.From is { } f && r.To is { } to)
        {
            if (r.NegateFrom) sb.Append("! ");
            sb.Append("from ").Append(Endpoint(f));
            sb.Append(r.NegateTo ? " ! to " : " to ").Append(Endpoint(to));
        }
        else
        {
            sb.Append(IpfNames.FormatNet(r.MatchAddress, r.MatchMask));
            if (r.Kind == NatKind.Rdr && r.UsesPorts && r.MatchPortLow is { } lo)
            {
                sb.Append(" port ").Append(lo);
                if (r.MatchPortHigh is { } hi && hi != lo) sb.Append('-').Append(hi);
            }
        }
        sb.Append(" -> ");
        if (r.Kind == NatKind.Rdr)
        {
            sb.Append(r.NewMask == 0xffffffff ? IpfNames.FormatIPv4(r.NewAddress) : IpfNames.FormatNet(r.NewAddress, r.NewMask));
            if (r.NewAddress2 is { } a2) sb.Append(',').Append(IpfNames.FormatIPv4(a2));
            if (r.UsesPorts && r.NewPort is { } np) sb.Append(" port ").Append(r.FixedPort ? "= " : "").Append(np);
            sb.Append(' ').Append(r.Protocol switch { null => "ip", -1 => "tcp/udp", { } p => IpfNames.ProtocolName(p) });
            if (r.RoundRobin) sb.Append(" round-robin");
            if (r.Frag) sb.Append(" frag");
            if (r.Age is { } age) sb.Append(" age ").Append(age);
            if (r.Sticky && r.UsesPorts) sb.Append(" sticky");
            if (r.MssClamp is { } m) sb.Append(" mssclamp ").Append(m);
            if (r.Tag is { } tag) sb.Append(" tag ").Append(tag);
            if (r.ProxyName is { } pn) sb.Append(" proxy ").Append(pn);
            return sb.ToString();
        }
        if (r.Range) sb.Append("range ").Append(IpfNames.FormatIPv4(r.RangeLow)).Append('-').Append(IpfNames.FormatIPv4(r.RangeHigh));
        else sb.Append(IpfNames.FormatNet(r.NewAddress, r.NewMask));
        if (r.Kind == NatKind.MapBlock)
            sb.Append(" ports ").Append(r.MapBlockAuto ? "auto" : (r.MapBlockPorts ?? 0).ToString(CultureInfo.InvariantCulture));
        if (r.PortMap)
        {
            sb.Append(" portmap ").Append(r.Protocol == -1 ? "tcp/udp" : IpfNames.ProtocolName(r.Protocol ?? 0)).Append(' ');
            sb.Append(r.PortMapAuto ? "auto" : $"{r.PortLow}:{r.PortHigh}");
        }
        if (r.IcmpIdMap) sb.Append(" icmpidmap icmp ").Append(r.PortLow).Append(':').Append(r.PortHigh);
        if (r.ProxyName is { } proxy)
            sb.Append(" proxy port ").Append(r.ProxyPort).Append(' ').Append(proxy).Append('/').Append(r.Protocol == -1 ? "tcp/udp" : IpfNames.ProtocolName(r.Protocol ?? 6));
        if (r.Frag) sb.Append(" frag");
        if (r.Age is { } a) sb.Append(" age ").Append(a);
        if (r.MssClamp is { } ms) sb.Append(" mssclamp ").Append(ms);
        if (r.Tag is { } tg) sb.Append(" tag ").Append(tg);
        return sb.ToString();
    }

    private static string Endpoint(IpfEndpoint e)
    {
        var s = (e.Negated ? "!" : "") + IpfPrinter.Address(e.Address);
        if (e.Port is { } p) s += " port " + p;
        return s;
    }
}
