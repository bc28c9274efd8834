using System.Globalization;
using System.Text;

namespace Illumos.Engine.Languages.Ipf;

/// <summary>
/// Prints rules in the canonical text of <c>ipf -nv</c> (v4.1.10 dialect): unresolved interfaces and tables carry
/// <c>(!)</c>, ports are numeric, lists are already expanded.
/// </summary>
public static class IpfPrinter
{
    public static string Print(IpfRule r) => Print(r, markUnresolved: true);

    /// <summary>All lines for a rule: inline table definitions (if any) then the rule itself.</summary>
    public static IEnumerable<string> PrintWithTables(IpfRule r)
    {
        foreach (var ep in new[] { r.From, r.To })
        {
            if (ep.Address.InlineTable is { } t)
            {
                yield return $"table role = ipf type = {(ep.Address.Kind == IpfAddressKind.Hash ? "hash" : "tree")} number = ";
                var sb = new StringBuilder("\t{");
                foreach (var e in t) sb.Append(' ').Append(e.Negated ? "! " : "").Append(IpfNames.FormatNet(e.Address, e.Mask)).Append(';');
                sb.Append(" };");
                yield return sb.ToString();
            }
        }
        yield return Print(r);
    }

    public static string Print(IpfRule r, bool markUnresolved)
    {
        string bang = markUnresolved ? "(!)" : "";
        var sb = new StringBuilder();
        if (r.Collect != 0) sb.Append(r.Collect.ToString(CultureInfo.InvariantCulture)).Append(' ');
        switch (r.Action)
        {
            case IpfAction.Pass: sb.Append("pass"); break;
            case IpfAction.Count: sb.Append("count"); break;
            case IpfAction.Auth: sb.Append("auth"); break;
            case IpfAction.Preauth: sb.Append("preauth"); break;
            case IpfAction.Nomatch: sb.Append("nomatch"); break;
            case IpfAction.Log: sb.Append("log"); break;
            case IpfAction.Skip: sb.Append("skip ").Append(r.SkipCount); break;
            case IpfAction.Call: sb.Append("call").Append(r.CallNow ? " now " : " ").Append(r.CallFunction); break;
            case IpfAction.Block:
                sb.Append("block");
                if (r.Return == IpfReturn.Rst) sb.Append(" return-rst");
                else if (r.Return is IpfReturn.Icmp or IpfReturn.IcmpAsDest)
                {
                    sb.Append(r.Return == IpfReturn.Icmp ? " return-icmp" : " return-icmp-as-dest");
                    if (r.ReturnCode is { } code)
                        sb.Append('(').Append(code < IpfNames.UnreachCodeNames.Length ? IpfNames.UnreachCodeNames[code] : code.ToString(CultureInfo.InvariantCulture)).Append(')');
                }
                break;
        }
        if (r.Action == IpfAction.Log) AppendLogOptions(sb, r);
        sb.Append(r.Out ? " out " : " in ");
        if (r.Log && r.Action != IpfAction.Log)
        {
            sb.Append("log");
            AppendLogOptions(sb, r);
            sb.Append(' ');
        }
        if (r.Quick) sb.Append("quick ");
        if (r.On.Count > 0)
            sb.Append("on ").Append(string.Join(",", r.On.Select(i => Iface(i, bang)))).Append(' ');
        if (r.DupTo is { } d) sb.Append("dup-to ").Append(Target(d, bang)).Append(' ');
        if (r.RouteTo is { } t) sb.Append("to ").Append(Target(t, bang)).Append(' ');
        if (r.ReplyTo is { } rt) sb.Append("reply-to ").Append(Target(rt, bang)).Append(' ');
        if (r.FastRoute) sb.Append("fastroute ");
        if (r.Via.Count > 0)
            sb.Append(r.Out ? "in-via " : "out-via ").Append(string.Join(",", r.Via.Select(i => Iface(i, bang)))).Append(' ');
        if (r.Tos is { } tos) sb.Append("tos 0x").Append(tos.ToString("x", CultureInfo.InvariantCulture)).Append(' ');
        if (r.Ttl is { } ttl) sb.Append("ttl ").Append(ttl).Append(' ');
        if (r.Protocol is { } p) sb.Append("proto ").Append(p == -1 ? "tcp/udp" : IpfNames.ProtocolName(p)).Append(' ');
        if (r.Bpf is { } bpf)
        {
            sb.Append("bpf-v4 { \"").Append(bpf).Append("\" }");
        }
        else if (!r.HasIpMatch)
            sb.Append("all");
        else
        {
            sb.Append("from ").Append(Endpoint(r.From, bang)).Append(" to ").Append(Endpoint(r.To, bang));
            if (r.IcmpType is { } it)
            {
                sb.Append(" icmp-type ").Append(IpfNames.IcmpTypeName(it));
                if (r.IcmpCode is { } ic) sb.Append(" code ").Append(ic);
            }
            if (r.TcpFlags is { } f)
            {
                sb.Append(" flags ").Append(FlagText(f));
                if (r.TcpFlagMask is { } m) sb.Append('/').Append(FlagText(m));
            }
            AppendWith(sb, r);
        }
        if (r.KeepState)
        {
            sb.Append(" keep state");
            if (r.StateOptions is { IsEmpty: false } o)
            {
                var parts = new List<string>();
                if (o.Limit is { } l) parts.Add("limit " + l.ToString(CultureInfo.InvariantCulture));
                if (o.Strict) parts.Add("strict");
                if (o.NewIsn) parts.Add("newisn");
                if (o.NoIcmpErr) parts.Add("no-icmp-err");
                if (o.Sync) parts.Add("sync");
                if (o.Age is { } a) parts.Add("age " + a);
                sb.Append(" (").Append(string.Join(",", parts)).Append(')');
            }
        }
        if (r.KeepFrags) sb.Append(" keep frags").Append(r.FragStrict ? " (strict)" : "");
        if (r.Head is { } h) sb.Append(" head ").Append(h);
        if (r.Group is { } g) sb.Append(" group ").Append(g);
        if (r.TagLog is not null || r.TagNat is not null)
        {
            sb.Append(" set-tag(");
            if (r.TagLog is { } tl) sb.Append("log=").Append(tl.ToString(CultureInfo.InvariantCulture));
            if (r.TagLog is not null && r.TagNat is not null) sb.Append(", ");
            if (r.TagNat is { } tn) sb.Append("nat=").Append(tn);
            sb.Append(')');
        }
        if (r.Pps is { } pps) sb.Append(" pps ").Append(pps);
        return sb.ToString().TrimEnd();
    }

    private static void AppendLogOptions(StringBuilder sb, IpfRule r)
    {
        if (r.LogBody) sb.Append(" body");
        if (r.LogFirst) sb.Append(" first");
        if (r.LogOrBlock) sb.Append(" or-block");
        if (r.LogLevel is { } lvl) sb.Append(" level ").Append(FormatLevel(lvl));
    }

    private static string FlagText(int v) => (v & ~0xff) == 0 ? IpfNames.FlagsText(v) : "0x" + v.ToString("x", CultureInfo.InvariantCulture);

    private static string FormatLevel(string lvl)
    {
        var dot = lvl.IndexOf('.');
        if (dot < 0) return lvl;
        var fac = lvl[..dot];
        return (IpfNames.Facilities.Contains(fac) ? fac : "!!!") + lvl[dot..];
    }

    private static string Iface(string name, string bang) => name is "-" or "*" ? name : name + bang;

    private static string Target(IpfRouteTarget t, string bang) =>
        Iface(t.Interface, bang) + (t.NextHop is { } ip ? ":" + IpfNames.FormatIPv4(ip) : "");

    public static string Address(IpfAddress a, string bang = "(!)") => a.Kind switch
    {
        IpfAddressKind.Any => "any",
        IpfAddressKind.Network => a.Address == 0 && a.Mask == 0 ? "any" : IpfNames.FormatNet(a.Address, a.Mask),
        IpfAddressKind.Pool => "pool/" + a.TableNumber + bang,
        IpfAddressKind.Hash => "hash/" + a.TableNumber + bang,
        _ => a.Interface + (a.InterfaceSuffix is { } s ? "/" + s : ""),
    };

    private static string Endpoint(IpfEndpoint e, string bang)
    {
        var s = (e.Negated ? "!" : "") + Address(e.Address, bang);
        if (e.Port is { } p) s += " port " + p;
        return s;
    }

    private static readonly (PacketFlags Flag, string Name)[] WithOrder =
    [
        (PacketFlags.IpOptions, "ipopts"), (PacketFlags.Short, "short"), (PacketFlags.Frag, "frag"),
        (PacketFlags.FragBody, "frag-body"), (PacketFlags.Nat, "nat"), (PacketFlags.LowTtl, "lowttl"),
        (PacketFlags.Bad, "bad"), (PacketFlags.BadSrc, "bad-src"), (PacketFlags.BadNat, "bad-nat"),
        (PacketFlags.OutOfWindow, "oow"), (PacketFlags.MBcast, "mbcast"), (PacketFlags.Bcast, "bcast"),
        (PacketFlags.Mcast, "mcast"), (PacketFlags.State, "state"),
    ];

    private static void AppendWith(StringBuilder sb, IpfRule r)
    {
        bool started = false;
        if (r.OptMask != 0 || r.SecMask != 0)
        {
            started = true;
            uint set = r.OptValue & r.OptMask, unset = r.OptMask & ~r.OptValue;
            int secBit = IpfNames.IpOptionBit("sec");
            if (r.SecMask != 0) { set &= ~(1u << secBit); unset &= ~(1u << secBit); }
            sb.Append(" with");
            if (set != 0 || r.SecValue != 0)
            {
                sb.Append(" opt ");
                var names = OptNames(set).ToList();
                if (r.SecValue != 0) names.Add("sec-class " + string.Join(",", SecNames(r.SecValue)));
                sb.Append(string.Join(",", names));
            }
            if (unset != 0 || (r.SecMask & ~r.SecValue) != 0)
            {
                sb.Append(" not opt ");
                var names = OptNames(unset).ToList();
                if ((r.SecMask & ~r.SecValue) != 0) names.Add("sec-class " + string.Join(",", SecNames(r.SecMask & ~r.SecValue)));
                sb.Append(string.Join(",", names));
            }
        }
        foreach (var (flag, name) in WithOrder)
        {
            if ((r.WithMask & flag) == 0) continue;
            sb.Append(started ? "," : " with ");
            started = true;
            if ((r.WithValue & flag) == 0) sb.Append("not ");
            sb.Append(name);
        }
    }

    private static IEnumerable<string> OptNames(uint bits)
    {
        for (int i = 0; i < IpfNames.IpOptions.Length; i++) if ((bits & (1u << i)) != 0) yield return IpfNames.IpOptions[i].Name;
    }

    private static IEnumerable<string> SecNames(uint bits)
    {
        for (int i = 0; i < IpfNames.SecClasses.Length; i++) if ((bits & (1u << i)) != 0) yield return IpfNames.SecClasses[i].Name;
    }
}
