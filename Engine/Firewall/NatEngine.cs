using System.Buffers.Binary;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>One NAT translation: inside ⇄ outside address/port for traffic with a remote end.</summary>
public sealed class NatSessionEntry
{
    public required IpnatRule Rule { get; init; }
    public int Proto { get; init; }
    public uint InIp { get; init; }
    public int InPort { get; init; }
    public uint OutIp { get; init; }
    public int OutPort { get; init; }
    public uint RemoteIp { get; init; }
    /// <summary>The remote port; -1 until the first packet of a proxy-created session fills it in.</summary>
    public int RemotePort { get; set; }
    public long Packets;
    /// <summary>rpcbind proxy: outstanding GETPORT calls by transaction id, with the protocol asked about.</summary>
    public Dictionary<uint, int>? RpcCalls;
}

/// <summary>
/// NAT with ipnat semantics: outbound packets matching a map rule get a new source (hostmap reuse, sequential
/// address and port allocation, map-block and auto port arithmetic, clash avoidance against existing sessions);
/// inbound packets matching an rdr rule get a new destination; replies follow the session back. Checksums are
/// adjusted incrementally as the kernel does.
/// </summary>
public sealed class NatEngine
{
    private const int MapBlockMinPort = 1024;

    private sealed class RuleState
    {
        public required IpnatRule Rule;
        public uint Nip;
        public int PNext;
        public int PortsPerIp;
        public int IpsPerIp;
        public int Space;
        public int RoundRobin;
    }

    private readonly List<RuleState> _rules = new();
    private readonly List<NatSessionEntry> _sessions = new();
    private readonly Dictionary<(IpnatRule, uint, uint), uint> _hostmap = new();
    private readonly FirewallTunables _tunables;
    private int _nextIpId;

    public IReadOnlyList<NatSessionEntry> Sessions => _sessions;
    public int RuleCount => _rules.Count;

    public NatEngine(IReadOnlyList<IpnatRule> rules, FirewallTunables? tunables)
    {
        _tunables = tunables ?? new FirewallTunables();
        foreach (var r in rules)
        {
            var s = new RuleState { Rule = r };
            uint outMask = r.NewMask;
            if (r.Range) s.Nip = r.RangeLow;
            else if (outMask != 0xffffffff && outMask != 0) s.Nip = r.NewAddress + 1;
            else s.Nip = r.NewAddress;
            s.PNext = r.PortMap && !r.PortMapAuto ? r.PortLow : 0;
            if (r.Kind == NatKind.MapBlock || r.PortMapAuto)
            {
                long inside = (long)(~r.MatchMask) + 1;
                long outside = (long)(~outMask) + 1;
                s.IpsPerIp = (int)Math.Max(1, inside / Math.Max(1, outside));
                s.PortsPerIp = r.Kind == NatKind.MapBlock && !r.MapBlockAuto ? r.MapBlockPorts ?? 0 : (65536 - MapBlockMinPort) / s.IpsPerIp;
                s.Space = (int)Math.Min(int.MaxValue, outside * Math.Max(1, s.PortsPerIp));
            }
            _rules.Add(s);
        }
    }

    public static NatSession ToModel(FirewallScope scope, NatSessionEntry s) => new()
    {
        Zone = scope.Zone,
        Kind = s.Rule.Kind.ToString().ToLowerInvariant(),
        Protocol = IpfNames.ProtocolName(s.Proto),
        Inside = Endpoint(s.InIp, s.InPort, s.Proto),
        Outside = Endpoint(s.OutIp, s.OutPort, s.Proto),
        Remote = Endpoint(s.RemoteIp, s.RemotePort, s.Proto),
        Packets = s.Packets,
    };

    private static string Endpoint(uint ip, int port, int proto) => IpfNames.FormatIPv4(ip) + (proto is 6 or 17 ? "," + port : "");

    private static bool HasPorts(int proto) => proto is 6 or 17;

    private static (int Sport, int Dport) PortsOf(PacketView v) =>
        HasPorts(v.Proto) && v.HasPorts ? (v.Sport, v.Dport)
        : v.Proto == 1 && v.HasIcmp && IsIcmpQuery(v.IcmpType) ? (v.IcmpId, v.IcmpId) : (0, 0);

    private static bool IsIcmpQuery(int t) => t is 0 or 8 or 13 or 14 or 15 or 16 or 17 or 18;

    private static bool ProtoMatches(IpnatRule r, int proto) => r.Protocol switch
    {
        null => true,
        -1 => proto is 6 or 17,
        { } p => p == proto,
    };

    /// <summary>Translates an outbound packet; true when it was rewritten.</summary>
    public bool Outbound(byte[] b, PacketView v)
    {
        if (!v.Valid) return false;
        if (_tunables.UpdateIpId) NewIpId(b);
        if (_rules.Count == 0) return false;
        if (IcmpError(b, v, outbound: true)) return true;
        var (sp, dp) = PortsOf(v);
        // Newest first, as the kernel's hash chains are searched.
        for (int k = _sessions.Count - 1; k >= 0; k--)
        {
            var s = _sessions[k];
            if (s.Proto != v.Proto || s.InIp != v.Src || s.RemoteIp != v.Dst) continue;
            if (PortsMatter(v) && (s.InPort != sp || s.RemotePort != dp)) continue;
            if (!InterfaceOk(s.Rule, v.Iface)) continue;
            s.Packets++;
            RpcReply(b, v, s);
            Rewrite(b, v, source: true, s.OutIp, s.OutPort);
            return true;
        }
        foreach (var st in _rules)
        {
            var r = st.Rule;
            if (r.Kind == NatKind.Rdr || !InterfaceOk(r, v.Iface)) continue;
            if (!MapMatches(r, v)) continue;
            if ((r.PortMap || r.ProxyName is not null) && !ProtoMatches(r, v.Proto)) continue;
            if (r.ProxyPort is { } pp && !(HasPorts(v.Proto) && v.Dport == pp)) continue;
            var session = NewMap(st, v, sp, dp);
            if (session is null) return false;
            _sessions.Add(session);
            session.Packets++;
            Rewrite(b, v, source: true, session.OutIp, session.OutPort);
            return true;
        }
        return false;
    }

    /// <summary>Translates an inbound packet; true when it was rewritten.</summary>
    public bool Inbound(byte[] b, PacketView v)
    {
        if (_rules.Count == 0 || !v.Valid) return false;
        if (IcmpError(b, v, outbound: false)) return true;
        var (sp, dp) = PortsOf(v);
        // Newest first, as the kernel's hash chains are searched.
        for (int k = _sessions.Count - 1; k >= 0; k--)
        {
            var s = _sessions[k];
            if (s.Proto != v.Proto || s.OutIp != v.Dst || s.RemoteIp != v.Src) continue;
            if (PortsMatter(v) && (s.OutPort != dp || s.RemotePort != sp && s.RemotePort != -1)) continue;
            if (!InterfaceOk(s.Rule, v.Iface)) continue;
            s.Packets++;
            if (s.RemotePort == -1) s.RemotePort = sp;
            RpcCall(b, v, s);
            Rewrite(b, v, source: false, s.InIp, s.InPort);
            return true;
        }
        foreach (var st in _rules)
        {
            var r = st.Rule;
            if (r.Kind != NatKind.Rdr || !InterfaceOk(r, v.Iface) || !RdrMatches(r, v, dp)) continue;
            uint target = r.NewAddress;
            if (r.NewAddress2 is { } second && (st.RoundRobin++ & 1) == 1) target = second;
            int newPort = dp;
            if (HasPorts(v.Proto) && r.NewPort is { } np && np != 0)
                newPort = r.FixedPort || r.MatchPortLow is null ? np : np + (dp - r.MatchPortLow.Value);
            var session = new NatSessionEntry
            {
                Rule = r, Proto = v.Proto, InIp = target, InPort = newPort, OutIp = v.Dst, OutPort = dp, RemoteIp = v.Src, RemotePort = sp,
            };
            _sessions.Add(session);
            session.Packets++;
            RpcCall(b, v, session);
            Rewrite(b, v, source: false, target, newPort);
            return true;
        }
        return false;
    }

    private static bool PortsMatter(PacketView v) => HasPorts(v.Proto) || v.Proto == 1 && v.HasIcmp && IsIcmpQuery(v.IcmpType);

    private static bool InterfaceOk(IpnatRule r, string iface)
    {
        foreach (var i in r.Interfaces) if (i == "*" || i == iface) return true;
        return false;
    }

    private static bool EndpointMatches(IpfEndpoint e, uint addr, bool hasPorts, int port) =>
        e.Address.Matches(addr) != e.Negated && (e.Port is null || hasPorts && e.Port.Matches(port));

    private static bool MapMatches(IpnatRule r, PacketView v)
    {
        if (r.From is { } f && r.To is { } t)
        {
            bool fm = EndpointMatches(f, v.Src, v.HasPorts, v.Sport);
            bool tm = EndpointMatches(t, v.Dst, v.HasPorts, v.Dport);
            return (fm != r.NegateFrom) && (tm != r.NegateTo);
        }
        return (v.Src & r.MatchMask) == (r.MatchAddress & r.MatchMask);
    }

    private static bool RdrMatches(IpnatRule r, PacketView v, int dport)
    {
        if (!ProtoMatches(r, v.Proto)) return false;
        if (r.From is { } f && r.To is { } t)
        {
            bool fm = EndpointMatches(f, v.Src, v.HasPorts, v.Sport);
            bool tm = EndpointMatches(t, v.Dst, v.HasPorts, v.Dport);
            return (fm != r.NegateFrom) && (tm != r.NegateTo);
        }
        if ((v.Dst & r.MatchMask) != (r.MatchAddress & r.MatchMask)) return false;
        if (r.MatchPortLow is { } lo && lo != 0 && HasPorts(v.Proto))
            return dport >= lo && dport <= (r.MatchPortHigh ?? lo);
        return true;
    }

    private NatSessionEntry? NewMap(RuleState st, PacketView v, int sport, int dport)
    {
        var r = st.Rule;
        bool tcpudp = HasPorts(v.Proto);
        bool portsCarried = PortsMatter(v);
        uint outMask = r.NewMask;
        uint stIp = st.Nip;
        int stPort = st.PNext;
        var key = (r, v.Src, v.Dst);
        bool hm = false;
        for (int l = 0; ; l++)
        {
            int port = 0;
            uint ip = st.Nip;
            if (l == 0)
            {
                if (_hostmap.TryGetValue(key, out var mapped)) ip = mapped;
                else _hostmap[key] = ip;
                hm = true;
            }
            else if (l == 1 && hm)
            {
                _hostmap.Remove(key);
                hm = false;
            }
            if (outMask == 0xffffffff && st.PNext == 0 && !r.Range && l > 0) return null;

            if (r.Kind == NatKind.Bimap && r.MatchMask == outMask)
                ip = r.NewAddress | (v.Src & ~r.MatchMask);
            else if (r.Kind == NatKind.MapBlock)
            {
                if (l >= Math.Max(1, st.PortsPerIp) || l > 0 && !tcpudp) return null;
                uint inb = v.Src & ~r.MatchMask;
                ip = (uint)(inb / (uint)st.IpsPerIp) & ~outMask;
                ip += r.NewAddress;
                if (tcpudp && st.PortsPerIp != 0)
                {
                    port = (sport + l) % st.PortsPerIp;
                    port += st.PortsPerIp * (int)(inb % (uint)st.IpsPerIp);
                    port += MapBlockMinPort;
                }
            }
            else if (r.NewAddress == 0 && outMask == 0xffffffff)
                return null; // 0/32: the interface's own address, which ipftest's pseudo interfaces do not have
            else if (r.NewAddress == 0 && outMask == 0)
            {
                if (l > 0) return null;
                ip = v.Src;
            }
            else if ((outMask != 0xffffffff || r.Range) && st.PNext == 0 && !r.PortMapAuto && (l > 0 || !hm))
                st.Nip++;

            if (tcpudp && r.Kind != NatKind.MapBlock && r.PortMapAuto)
            {
                if (l > 0 && st.PortsPerIp > 0 && l % st.PortsPerIp == 0)
                {
                    if (l > st.Space) return null;
                    if (l > st.PortsPerIp && outMask != 0xffffffff) st.Nip++;
                }
                if (st.PortsPerIp != 0)
                {
                    port = sport + l % st.PortsPerIp;
                    port %= st.PortsPerIp;
                    port += st.PortsPerIp * (int)(v.Src % (uint)st.IpsPerIp);
                    port += MapBlockMinPort;
                }
            }
            else if (r.Kind != NatKind.MapBlock && (tcpudp || v.Proto == 1 && r.IcmpIdMap) && st.PNext != 0)
            {
                port = st.PNext;
                st.PNext++;
                if (st.PNext > r.PortHigh)
                {
                    st.PNext = r.PortLow;
                    if (outMask != 0xffffffff) st.Nip++;
                }
            }

            if (r.Range)
            {
                if (st.Nip > r.RangeHigh) st.Nip = r.RangeLow;
            }
            else if (outMask != 0xffffffff && outMask != 0 && ((st.Nip + 1) & outMask) != (r.NewAddress & outMask))
                st.Nip = r.NewAddress + 1;

            if (port == 0 && portsCarried) port = sport;

            bool clash = false;
            foreach (var s in _sessions)
            {
                if (s.Proto != v.Proto || s.OutIp != ip || s.RemoteIp != v.Dst) continue;
                if (portsCarried && (s.OutPort != port || s.RemotePort != dport)) continue;
                clash = true;
                break;
            }
            if (!clash)
            {
                if (!hm) _hostmap.TryAdd(key, ip);
                return new NatSessionEntry
                {
                    Rule = r, Proto = v.Proto, InIp = v.Src, InPort = sport, OutIp = ip, OutPort = port, RemoteIp = v.Dst, RemotePort = dport,
                };
            }
            if (st.PNext != 0 && stPort == st.PNext && st.Nip != 0 && stIp == st.Nip) return null;
            if (l > 65536) return null;
        }
    }

    /// <summary>Rewrites the source (or destination) address and port, adjusting checksums incrementally.</summary>
    private void Rewrite(byte[] b, PacketView v, bool source, uint newIp, int newPort)
    {
        int addrOff = source ? 12 : 16;
        uint oldIp = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(addrOff));
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(addrOff), newIp);
        AdjustChecksum(b, 10, oldIp, newIp);
        int h = v.Hlen;
        if (v.FragOffset == 0 && HasPorts(v.Proto) && v.HasPorts)
        {
            int portOff = h + (source ? 0 : 2);
            int oldPort = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(portOff));
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(portOff), (ushort)newPort);
            int csum = v.Proto == 6 ? h + 16 : h + 6;
            if (csum + 2 <= b.Length && !(v.Proto == 17 && b[csum] == 0 && b[csum + 1] == 0))
            {
                AdjustChecksum(b, csum, oldIp, newIp);
                AdjustChecksum16(b, csum, (ushort)oldPort, (ushort)newPort);
            }
        }
        else if (v.FragOffset == 0 && v.Proto == 1 && v.HasIcmp && IsIcmpQuery(v.IcmpType) && h + 6 <= b.Length)
        {
            int oldId = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(h + 4));
            if (oldId != newPort)
            {
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(h + 4), (ushort)newPort);
                AdjustChecksum16(b, h + 2, (ushort)oldId, (ushort)newPort);
            }
        }
    }

    private static bool IsRpcbProxy(IpnatRule r) => r.ProxyName is "rpcbu" or "rpcbt";

    /// <summary>Offset of the RPC message in a packet's payload (TCP carries a 4-byte record mark first).</summary>
    private static int RpcStart(PacketView v) => v.Proto == 17 ? v.Hlen + 8 : v.Hlen + v.TcpHlen + 4;

    private static bool Word(byte[] b, int end, ref int at, out uint value)
    {
        value = 0;
        if (at + 4 > end) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));
        at += 4;
        return true;
    }

    /// <summary>Skips an opaque_auth (flavor, length, body padded to 4).</summary>
    private static bool SkipAuth(byte[] b, int end, ref int at) =>
        Word(b, end, ref at, out _) && Word(b, end, ref at, out var len) && len <= 400 && (at += (int)((len + 3) & ~3u)) <= end;

    /// <summary>rpcbind proxy, inbound: remember PMAPPROC_GETPORT calls (program 100000 version 2).</summary>
    private static void RpcCall(byte[] b, PacketView v, NatSessionEntry s)
    {
        if (!IsRpcbProxy(s.Rule) || v.FragOffset != 0 || !v.HasPorts) return;
        int end = Math.Min(b.Length, v.Len), at = RpcStart(v);
        if (!Word(b, end, ref at, out var xid) || !Word(b, end, ref at, out var type) || type != 0) return;
        if (!Word(b, end, ref at, out var rpcvers) || rpcvers != 2 || !Word(b, end, ref at, out var prog) || prog != 100000) return;
        if (!Word(b, end, ref at, out var vers) || vers != 2 || !Word(b, end, ref at, out var proc) || proc != 3) return;
        if (!SkipAuth(b, end, ref at) || !SkipAuth(b, end, ref at)) return;
        if (!Word(b, end, ref at, out _) || !Word(b, end, ref at, out _) || !Word(b, end, ref at, out var prot)) return;
        if (prot is not (6 or 17)) return;
        (s.RpcCalls ??= new())[xid] = (int)prot;
    }

    /// <summary>
    /// rpcbind proxy, outbound: a successful GETPORT reply opens a session so the client can reach the announced
    /// port at the redirected address (remote port filled in by its first packet).
    /// </summary>
    private void RpcReply(byte[] b, PacketView v, NatSessionEntry s)
    {
        if (s.RpcCalls is not { Count: > 0 } calls || v.FragOffset != 0) return;
        int end = Math.Min(b.Length, v.Len), at = RpcStart(v);
        if (!Word(b, end, ref at, out var xid) || !calls.Remove(xid, out var prot)) return;
        if (!Word(b, end, ref at, out var type) || type != 1 || !Word(b, end, ref at, out var stat) || stat != 0) return;
        if (!SkipAuth(b, end, ref at) || !Word(b, end, ref at, out var accept) || accept != 0) return;
        if (!Word(b, end, ref at, out var port) || port == 0 || port > 65535) return;
        _sessions.Add(new NatSessionEntry
        {
            Rule = s.Rule, Proto = prot, InIp = s.InIp, InPort = (int)port, OutIp = s.OutIp, OutPort = (int)port,
            RemoteIp = s.RemoteIp, RemotePort = -1,
        });
    }

    /// <summary>fr_update_ipid: every outbound packet that passes gets the next IP id.</summary>
    private void NewIpId(byte[] b)
    {
        int oldId = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(4));
        int id = _nextIpId++ & 0xffff;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), (ushort)id);
        AdjustChecksum16(b, 10, (ushort)oldId, (ushort)id);
    }

    public static bool IsIcmpErrorType(int t) => t is 3 or 4 or 5 or 11 or 12;

    /// <summary>
    /// ICMP errors about a translated packet: the embedded header is put back the way the other side sent it
    /// (inbound: embedded source to the inside address; outbound: embedded destination to the outside address),
    /// the outer address follows, and the embedded and ICMP checksums are adjusted.
    /// </summary>
    private bool IcmpError(byte[] b, PacketView v, bool outbound)
    {
        if (v.Proto != 1 || !v.HasIcmp || !IsIcmpErrorType(v.IcmpType) || v.NonFirstFrag) return false;
        int icmp = v.Hlen;
        int inner = icmp + 8;
        int end = Math.Min(b.Length, v.Len);
        if (inner + 20 > end) return false;
        int ihl = (b[inner] & 15) * 4;
        if (inner + ihl + 4 > end) return false;
        int eproto = b[inner + 9];
        uint esrc = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(inner + 12));
        uint edst = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(inner + 16));
        bool eports = HasPorts(eproto);
        int esp = eports ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(inner + ihl)) : 0;
        int edp = eports ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(inner + ihl + 2)) : 0;
        foreach (var s in _sessions)
        {
            if (s.Proto != eproto) continue;
            bool hit = outbound
                ? edst == s.InIp && esrc == s.RemoteIp && (!eports || edp == s.InPort && esp == s.RemotePort)
                : esrc == s.OutIp && edst == s.RemoteIp && (!eports || esp == s.OutPort && edp == s.RemotePort);
            if (!hit) continue;
            // Embedded header: outbound errors carry a packet that came in (fix its destination), inbound ones a packet that went out (fix its source).
            int addrOff = inner + (outbound ? 16 : 12);
            uint oldAddr = outbound ? edst : esrc, newAddr = outbound ? s.OutIp : s.InIp;
            int oldPort = outbound ? edp : esp, newPort = outbound ? s.OutPort : s.InPort;
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(addrOff), newAddr);
            AdjustChecksum(b, inner + 10, oldAddr, newAddr);
            if (eports)
            {
                int portOff = inner + ihl + (outbound ? 2 : 0);
                BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(portOff), (ushort)newPort);
                int csum = inner + ihl + (eproto == 6 ? 16 : 6);
                if (csum + 2 <= end && !(eproto == 17 && b[csum] == 0 && b[csum + 1] == 0))
                {
                    AdjustChecksum(b, csum, oldAddr, newAddr);
                    AdjustChecksum16(b, csum, (ushort)oldPort, (ushort)newPort);
                }
            }
            // The ICMP checksum is computed afresh over the whole message.
            b[icmp + 2] = b[icmp + 3] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(icmp + 2), Checksums.Sum(b.AsSpan(icmp, end - icmp)));
            // The outer header follows the session too.
            int outerOff = outbound ? 12 : 16;
            uint oldOuter = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(outerOff));
            uint newOuter = outbound ? s.OutIp : s.InIp;
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(outerOff), newOuter);
            AdjustChecksum(b, 10, oldOuter, newOuter);
            s.Packets++;
            return true;
        }
        return false;
    }


    private static void AdjustChecksum(byte[] b, int off, uint oldVal, uint newVal)
    {
        AdjustChecksum16(b, off, (ushort)(oldVal >> 16), (ushort)(newVal >> 16));
        AdjustChecksum16(b, off, (ushort)oldVal, (ushort)newVal);
    }

    /// <summary>RFC 1624: HC' = ~(~HC + ~m + m').</summary>
    public static void AdjustChecksum16(byte[] b, int off, ushort oldVal, ushort newVal)
    {
        if (off + 2 > b.Length) return;
        uint hc = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(off));
        uint sum = (~hc & 0xffff) + (~(uint)oldVal & 0xffff) + newVal;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(off), (ushort)~sum);
    }
}

/// <summary>One pass of a packet through ipftest's fr_check with NAT: inbound NAT, filter, outbound NAT.</summary>
public static class IpTest
{
    public static FilterResult Process(FilterEngine filter, NatEngine nat, ref byte[] bytes, bool outbound, string iface)
    {
        var v = PacketView.Decode(bytes, outbound, iface);
        if (!v.Valid) return new FilterResult(Verdict.NoMatch, null, false, false, v.Error);
        if (!outbound && nat.Inbound(bytes, v)) v = PacketView.Decode(bytes, outbound, iface);
        var res = filter.Check(v);
        if (outbound && res.IsPass && nat.Outbound(bytes, v)) { }
        return res;
    }
}
