using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>TCP connection states tracked per side (numbering follows ipf's IPF_TCPS_*).</summary>
public enum TcpState { Closed = 0, Listen, SynSent, SynReceived, HalfEstablished, Established, CloseWait, FinWait1, Closing, LastAck, FinWait2, TimeWait }

/// <summary>Sequence-window bookkeeping for one direction of a TCP session.</summary>
public struct TcpWindow
{
    public uint End, MaxEnd;
    public uint MaxWin;
}

/// <summary>One state table entry (a session).</summary>
public sealed class StateEntry
{
    public required IpfRule Rule { get; init; }
    public int Proto { get; init; }
    public uint Src { get; init; }
    public uint Dst { get; init; }
    /// <summary>Source port; -1 for an entry a proxy opened before knowing it (filled in by the first packet).</summary>
    public int Sport { get; set; }
    public int Dport { get; init; }
    public int IcmpType { get; init; }
    public int IcmpId { get; init; }
    public bool CreatedOut { get; init; }
    public bool TcpFsm { get; init; }
    public readonly string?[] Interfaces = new string?[4];
    public readonly TcpWindow[] Windows = new TcpWindow[2];
    public readonly TcpState[] Tcp = new TcpState[2];
    public long Packets;
    public long Bytes;
    public DateTime Created { get; init; } = DateTime.UtcNow;
}

/// <summary>
/// The state table: sessions created by <c>keep state</c> rules, matched before the rule list in either direction,
/// with TCP sequence-window tracking and the TCP state machine.
/// </summary>
public sealed class StateTable
{
    private readonly List<StateEntry> _entries = new();
    private readonly Dictionary<IpfRule, int> _perRule = new(ReferenceEqualityComparer.Instance);

    public int Limit { get; set; } = 4013;
    public IReadOnlyList<StateEntry> Entries => _entries;
    public int Count => _entries.Count;
    public void Clear() { _entries.Clear(); _perRule.Clear(); }

    private static int ReplyType(int t) => t switch { 8 => 0, 13 => 14, 15 => 16, 17 => 18, _ => -1 };

    /// <summary>Whether <see cref="Add"/> would accept an entry for this packet and rule.</summary>
    public bool CanAdd(PacketView v, IpfRule rule)
    {
        if (_entries.Count >= Limit) return false;
        if (rule.StateOptions?.Limit is { } lim && _perRule.GetValueOrDefault(rule) >= lim) return false;
        if (v.Proto == 1 && (!v.HasIcmp || ReplyType(v.IcmpType) < 0)) return false;
        if (v.Proto is 6 or 17 && !v.HasPorts) return false;
        return true;
    }

    /// <summary>Creates an entry for a packet that matched a keep-state rule; null when the table refuses it.</summary>
    public StateEntry? Add(PacketView v, IpfRule rule)
    {
        if (!CanAdd(v, rule)) return null;
        var e = new StateEntry
        {
            Rule = rule, Proto = v.Proto, Src = v.Src, Dst = v.Dst, Sport = v.Sport, Dport = v.Dport,
            IcmpType = v.IcmpType, IcmpId = v.IcmpId, CreatedOut = v.Out,
            TcpFsm = rule.TcpFlags is { } f && (f & 0x02) != 0,
        };
        e.Interfaces[v.Out ? 1 : 0] = v.Iface;
        if (v.Proto == 6)
        {
            int dsize = v.DataLen - v.TcpHlen + ((v.TcpFlags & 0x02) != 0 ? 1 : 0) + ((v.TcpFlags & 0x01) != 0 ? 1 : 0);
            uint win = v.Win == 0 ? 1u : (uint)v.Win;
            e.Windows[0] = new TcpWindow { End = v.Seq + (uint)Math.Max(dsize, 0), MaxWin = win };
            e.Windows[0].MaxEnd = e.Windows[0].End + win;
            e.Windows[1] = new TcpWindow { End = 0, MaxWin = 1, MaxEnd = 0 };
            if ((v.TcpFlags & 0x12) == 0x12) { e.Windows[1].End = v.Ack; e.Windows[1].MaxEnd = v.Ack + 1; }
            TcpAge(e, v, 0);
        }
        e.Packets = 1;
        e.Bytes = v.Len;
        _entries.Add(e);
        _perRule[rule] = _perRule.GetValueOrDefault(rule) + 1;
        return e;
    }

    /// <summary>Finds the session a packet belongs to; TCP packets outside the window set the oow flag and do not match.</summary>
    public StateEntry? Match(PacketView v)
    {
        if (v.Proto == 1 && v.HasEmbedded) return MatchIcmpError(v);
        for (int k = 0; k < _entries.Count; k++)
        {
            var e = _entries[k];
            if (e.Proto != v.Proto) continue;
            bool fwd = v.Src == e.Src && v.Dst == e.Dst, rev = v.Src == e.Dst && v.Dst == e.Src;
            if (!fwd && !rev) continue;
            if (v.Proto is 6 or 17)
            {
                if (!v.HasPorts) continue;
                if (fwd && (v.Sport == e.Sport || e.Sport == -1) && v.Dport == e.Dport) rev = false;
                else if (rev && v.Sport == e.Dport && (v.Dport == e.Sport || e.Sport == -1)) fwd = false;
                else continue;
            }
            else if (v.Proto == 1)
            {
                if (!v.HasIcmp || v.IcmpId != e.IcmpId) continue;
                if (fwd && v.IcmpType == e.IcmpType) rev = false;
                else if (rev && v.IcmpType == ReplyType(e.IcmpType)) fwd = false;
                else continue;
            }
            else if (fwd) rev = false;
            int idx = (rev ? 2 : 0) + (v.Out ? 1 : 0);
            if (e.Interfaces[idx] is { } name && name != v.Iface) continue;
            if (v.Proto == 6)
            {
                if (!v.HasTcpFlags) continue;
                if (!InWindow(e, v, rev ? 1 : 0)) { v.Flags |= (uint)PacketFlags.OutOfWindow; continue; }
                if (!TcpAge(e, v, rev ? 1 : 0)) continue;
            }
            if (e.Sport == -1) e.Sport = fwd ? v.Sport : v.Dport;
            e.Interfaces[idx] ??= v.Iface;
            e.Packets++;
            e.Bytes += v.Len;
            v.Flags |= (uint)PacketFlags.State;
            // ipftest runs no clock, and the short closing timeouts lapse at once: once a FIN or RST has moved a
            // side into a closing state, the packet that did it passes and the entry is gone.
            if (v.Proto == 6 && (Closing(e.Tcp[0]) || Closing(e.Tcp[1]) || (v.TcpFlags & 0x04) != 0))
            {
                _entries.RemoveAt(k);
                _perRule[e.Rule] = _perRule.GetValueOrDefault(e.Rule) - 1;
            }
            return e;
        }
        return null;
    }

    private static bool Closing(TcpState s) => s is TcpState.CloseWait or >= TcpState.FinWait1;

    /// <summary>The rule proxies' expected connections are filed under (they pass, they keep state).</summary>
    public static readonly IpfRule ProxyRule = new() { Action = IpfAction.Pass, Quick = true, KeepState = true, Protocol = 6, HasIpMatch = true };

    /// <summary>Opens an entry for a connection a proxy expects (e.g. FTP's data connection), any source port.</summary>
    public StateEntry? AddExpected(int proto, uint src, uint dst, int dport)
    {
        if (_entries.Count >= Limit) return null;
        var e = new StateEntry { Rule = ProxyRule, Proto = proto, Src = src, Dst = dst, Sport = -1, Dport = dport, TcpFsm = false };
        _entries.Add(e);
        return e;
    }

    /// <summary>An ICMP error is let through when the packet it quotes belongs to a session (unless no-icmp-err).</summary>
    private StateEntry? MatchIcmpError(PacketView v)
    {
        foreach (var e in _entries)
        {
            if (e.Proto != v.EProto || e.Rule.StateOptions?.NoIcmpErr == true) continue;
            bool ports = e.Proto is 6 or 17;
            bool fwd = v.ESrc == e.Src && v.EDst == e.Dst && (!ports || v.ESport == e.Sport && v.EDport == e.Dport);
            bool rev = v.ESrc == e.Dst && v.EDst == e.Src && (!ports || v.ESport == e.Dport && v.EDport == e.Sport);
            if (!fwd && !rev) continue;
            e.Packets++;
            e.Bytes += v.Len;
            return e;
        }
        return null;
    }

    private static bool SeqGe(uint a, uint b) => (int)(a - b) >= 0;
    private static bool SeqGt(uint a, uint b) => (int)(a - b) > 0;

    private static bool InWindow(StateEntry e, PacketView v, int dir)
    {
        ref var f = ref e.Windows[dir];
        ref var t = ref e.Windows[1 - dir];
        int flags = v.TcpFlags;
        uint seq = v.Seq, ack = v.Ack;
        uint win = v.Win == 0 ? 1u : (uint)v.Win;
        int dsize = v.DataLen - v.TcpHlen + ((flags & 0x02) != 0 ? 1 : 0) + ((flags & 0x01) != 0 ? 1 : 0);
        uint end = seq + (uint)Math.Max(dsize, 0);
        if (f.End == 0 && (!e.TcpFsm || (flags & 0x12) == 0x12))
        {
            f.End = end - 1;
            f.MaxWin = 1;
            f.MaxEnd = end + win;
        }
        if ((flags & 0x10) == 0) ack = t.End;
        else if ((flags & 0x14) == 0x14 && ack == 0) ack = t.End;
        uint maxwin = t.MaxWin;
        int ackskew = (int)(t.End - ack);
        if (e.Rule.StateOptions?.Strict == true && seq != f.End) return false;
        bool inseq = SeqGe(f.MaxEnd, end) && SeqGe(seq, f.End - maxwin) && -ackskew <= 66000 && ackskew <= 66000
            || seq == 0 && flags == 0x14 && ackskew >= -1 && ackskew <= 1;
        if (!inseq) return false;
        if (ackskew < 0) t.End = ack;
        if (f.MaxWin < win) f.MaxWin = win;
        if (SeqGt(end, f.End)) f.End = end;
        if (SeqGe(ack + win, t.MaxEnd)) t.MaxEnd = ack + win;
        return true;
    }

    /// <summary>Advances the TCP state machine of one side; false when the flags are not acceptable.</summary>
    private static bool TcpAge(StateEntry e, PacketView v, int dir)
    {
        int fl = v.TcpFlags;
        const int SYN = 0x02, FIN = 0x01, ACK = 0x10, RST = 0x04, PSH = 0x08, URG = 0x20;
        int opening = fl & (SYN | ACK);
        int dlen = v.DataLen - v.TcpHlen;
        TcpState n;
        int rval = 0;
        if ((fl & RST) != 0)
        {
            n = (fl & PSH) == 0 && dlen == 0 ? TcpState.Closed : TcpState.CloseWait;
            rval = 1;
        }
        else
        {
            var o = e.Tcp[1 - dir];
            n = e.Tcp[dir];
            switch (n)
            {
                case TcpState.Closed:
                    if (opening == (SYN | ACK)) { n = TcpState.SynReceived; rval = 1; }
                    else if (opening == SYN) { n = TcpState.SynSent; rval = 1; }
                    if (!e.TcpFsm && (fl & (ACK | URG | PSH | FIN | SYN | RST)) == ACK)
                    {
                        if (o is TcpState.Closed or TcpState.SynReceived) { n = TcpState.HalfEstablished; rval = 1; }
                        else if (o is TcpState.HalfEstablished or TcpState.Established) { n = TcpState.Established; rval = 1; }
                    }
                    break;
                case TcpState.SynSent:
                    if ((fl & ~0xc0) == SYN) rval = 2;
                    else if ((fl & (SYN | FIN | ACK)) == ACK) { n = TcpState.Established; rval = 1; }
                    else if ((fl & FIN) != 0) { n = TcpState.FinWait1; rval = 1; }
                    else if (opening == (SYN | ACK)) { n = TcpState.SynReceived; rval = 1; }
                    break;
                case TcpState.SynReceived:
                    if ((fl & (SYN | FIN | ACK)) == ACK) { n = TcpState.Established; rval = 1; }
                    else if ((fl & ~0xc0) == (SYN | ACK)) rval = 2;
                    else if ((fl & FIN) != 0) { n = TcpState.FinWait1; rval = 1; }
                    break;
                case TcpState.HalfEstablished:
                    if ((fl & FIN) != 0) { n = TcpState.FinWait1; rval = 1; }
                    else if ((fl & (ACK | URG | PSH | FIN | SYN | RST)) == ACK)
                    {
                        if (o is TcpState.Closed or TcpState.SynSent or TcpState.SynReceived) rval = 1;
                        else if (o is TcpState.HalfEstablished or TcpState.Established) { n = TcpState.Established; rval = 1; }
                    }
                    break;
                case TcpState.Established:
                    rval = 1;
                    if ((fl & FIN) != 0) n = TcpState.FinWait1;
                    else if ((fl & ACK) != 0)
                    {
                        if (o == TcpState.FinWait1) n = TcpState.CloseWait;
                        else if (o < TcpState.CloseWait) n = TcpState.Established;
                    }
                    break;
                case TcpState.CloseWait:
                    rval = 1;
                    n = (fl & FIN) != 0 ? TcpState.LastAck : TcpState.CloseWait;
                    break;
                case TcpState.FinWait1:
                    rval = 1;
                    n = (fl & ACK) != 0 && o > TcpState.CloseWait ? TcpState.TimeWait : TcpState.FinWait1;
                    break;
                case TcpState.LastAck:
                    if ((fl & ACK) != 0) rval = (fl & PSH) != 0 || dlen > 0 ? 1 : 2;
                    break;
                case TcpState.FinWait2:
                    rval = 1;
                    if (opening == (SYN | ACK)) n = TcpState.SynReceived;
                    else if ((fl & SYN) != 0) n = TcpState.SynSent;
                    break;
                case TcpState.TimeWait:
                    rval = 1;
                    break;
            }
        }
        if (rval == 1) e.Tcp[dir] = n;
        return rval != 0;
    }
}
