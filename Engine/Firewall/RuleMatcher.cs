using System.Linq.Expressions;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>
/// Whether a rule's match part (direction, interface, addresses, ports, flags, options) fits a packet.
/// <see cref="Matches"/> interprets the syntax tree; <see cref="Compile"/> builds an equivalent delegate
/// with expression trees, which the evaluator uses.
/// </summary>
public static class RuleMatcher
{
    public static bool Matches(IpfRule r, PacketView v)
    {
        if (r.Out != v.Out) return false;
        if (r.On.Count > 0 && !InterfaceMatches(r.On, v.Iface)) return false;
        if (r.Bpf is not null) return false;
        if (r.Tos is { } tos && v.Tos != tos) return false;
        if (r.Ttl is { } ttl && v.Ttl != ttl) return false;
        if (r.Protocol is { } p)
        {
            if (p == -1) { if (v.Proto != 6 && v.Proto != 17) return false; }
            else if (v.Proto != p) return false;
        }
        if (r.From.Address.Matches(v.Src) == r.From.Negated) return false;
        if (r.To.Address.Matches(v.Dst) == r.To.Negated) return false;
        if (r.From.Port is { } sp && !(v.HasPorts && sp.Matches(v.Sport))) return false;
        if (r.To.Port is { } dp && !(v.HasPorts && dp.Matches(v.Dport))) return false;
        if (r.IcmpType is { } it)
        {
            if (v.Proto != 1 || !v.HasIcmp || v.IcmpType != it) return false;
            if (r.IcmpCode is { } ic && v.IcmpCode != ic) return false;
        }
        if (r.TcpFlags is { } f)
        {
            if (v.Proto != 6 || !v.HasTcpFlags || (v.TcpFlags & (r.TcpFlagMask ?? 0xff)) != f) return false;
        }
        if (r.WithMask != 0 && (v.Flags & (uint)r.WithMask) != (uint)r.WithValue) return false;
        if (r.OptMask != 0 && (v.OptBits & r.OptMask) != r.OptValue) return false;
        if (r.SecMask != 0 && (v.SecBits & r.SecMask) != r.SecValue) return false;
        return true;
    }

    private static bool InterfaceMatches(IReadOnlyList<string> on, string iface)
    {
        foreach (var i in on) if (i == "*" || string.Equals(i, iface, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>Compiles a rule's match part into a delegate (IL via expression trees).</summary>
    public static Func<PacketView, bool> Compile(IpfRule r)
    {
        if (r.Bpf is not null) return static _ => false;
        var v = Expression.Parameter(typeof(PacketView), "v");
        var tests = new List<Expression>();
        Expression F(string name) => Expression.Field(v, name);
        Expression C<T>(T value) => Expression.Constant(value, typeof(T));

        tests.Add(Expression.Equal(F(nameof(PacketView.Out)), C(r.Out)));
        if (r.Protocol is { } p)
        {
            tests.Add(p == -1
                ? Expression.OrElse(Expression.Equal(F(nameof(PacketView.Proto)), C(6)), Expression.Equal(F(nameof(PacketView.Proto)), C(17)))
                : Expression.Equal(F(nameof(PacketView.Proto)), C(p)));
        }
        AddAddress(tests, F(nameof(PacketView.Src)), r.From);
        AddAddress(tests, F(nameof(PacketView.Dst)), r.To);
        if (r.From.Port is { } sp) tests.Add(Expression.AndAlso(F(nameof(PacketView.HasPorts)), PortTest(F(nameof(PacketView.Sport)), sp)));
        if (r.To.Port is { } dp) tests.Add(Expression.AndAlso(F(nameof(PacketView.HasPorts)), PortTest(F(nameof(PacketView.Dport)), dp)));
        if (r.Tos is { } tos) tests.Add(Expression.Equal(F(nameof(PacketView.Tos)), C(tos)));
        if (r.Ttl is { } ttl) tests.Add(Expression.Equal(F(nameof(PacketView.Ttl)), C(ttl)));
        if (r.IcmpType is { } it)
        {
            tests.Add(Expression.Equal(F(nameof(PacketView.Proto)), C(1)));
            tests.Add(F(nameof(PacketView.HasIcmp)));
            tests.Add(Expression.Equal(F(nameof(PacketView.IcmpType)), C(it)));
            if (r.IcmpCode is { } ic) tests.Add(Expression.Equal(F(nameof(PacketView.IcmpCode)), C(ic)));
        }
        if (r.TcpFlags is { } fl)
        {
            tests.Add(Expression.Equal(F(nameof(PacketView.Proto)), C(6)));
            tests.Add(F(nameof(PacketView.HasTcpFlags)));
            tests.Add(Expression.Equal(Expression.And(F(nameof(PacketView.TcpFlags)), C(r.TcpFlagMask ?? 0xff)), C(fl)));
        }
        if (r.WithMask != 0)
            tests.Add(Expression.Equal(Expression.And(F(nameof(PacketView.Flags)), C((uint)r.WithMask)), C((uint)r.WithValue)));
        if (r.OptMask != 0)
            tests.Add(Expression.Equal(Expression.And(F(nameof(PacketView.OptBits)), C(r.OptMask)), C(r.OptValue)));
        if (r.SecMask != 0)
            tests.Add(Expression.Equal(Expression.And(F(nameof(PacketView.SecBits)), C(r.SecMask)), C(r.SecValue)));
        if (r.On.Count > 0)
        {
            var on = r.On.ToArray();
            Expression any = Expression.Constant(false);
            foreach (var name in on)
            {
                if (name == "*") { any = Expression.Constant(true); break; }
                any = Expression.OrElse(any, Expression.Call(typeof(string).GetMethod(nameof(string.Equals), [typeof(string), typeof(string)])!,
                    F(nameof(PacketView.Iface)), Expression.Constant(name)));
            }
            tests.Add(any);
        }
        Expression body = tests.Aggregate(Expression.AndAlso);
        return Expression.Lambda<Func<PacketView, bool>>(body, v).Compile();
    }

    private static void AddAddress(List<Expression> tests, Expression field, IpfEndpoint ep)
    {
        var a = ep.Address;
        Expression test;
        switch (a.Kind)
        {
            case IpfAddressKind.Any:
                if (!ep.Negated) return;
                test = Expression.Constant(true);
                break;
            case IpfAddressKind.Network:
                if (a.Mask == 0 && !ep.Negated) return;
                test = Expression.Equal(Expression.And(field, Expression.Constant(a.Mask)), Expression.Constant(a.Address));
                break;
            default:
                var addr = a;
                test = Expression.Invoke(Expression.Constant((Func<uint, bool>)addr.Matches), field);
                break;
        }
        tests.Add(ep.Negated ? Expression.Not(test) : test);
    }

    private static Expression PortTest(Expression port, PortMatch m)
    {
        Expression lo = Expression.Constant(m.Low), hi = Expression.Constant(m.High);
        return m.Op switch
        {
            PortOp.Eq => Expression.Equal(port, lo),
            PortOp.Ne => Expression.NotEqual(port, lo),
            PortOp.Lt => Expression.LessThan(port, lo),
            PortOp.Gt => Expression.GreaterThan(port, lo),
            PortOp.Le => Expression.LessThanOrEqual(port, lo),
            PortOp.Ge => Expression.GreaterThanOrEqual(port, lo),
            PortOp.InRange => Expression.AndAlso(Expression.GreaterThan(port, lo), Expression.LessThan(port, hi)),
            PortOp.OutRange => Expression.OrElse(Expression.LessThan(port, lo), Expression.GreaterThan(port, hi)),
            _ => Expression.AndAlso(Expression.GreaterThanOrEqual(port, lo), Expression.LessThanOrEqual(port, hi)),
        };
    }
}
