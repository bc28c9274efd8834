using System.Buffers.Binary;
using System.Globalization;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>A raw IPv4 packet as ipftest sees it: bytes, direction and interface.</summary>
public sealed class IpPacket(byte[] bytes, bool outbound, string iface)
{
    public byte[] Bytes { get; set; } = bytes;
    public bool Out { get; } = outbound;
    public string Interface { get; } = iface;
    /// <summary>Source line of the packet in its input file (1-based; 0 when built in code).</summary>
    public int Line { get; init; }
}

/// <summary>
/// The decoded header fields of a packet (fr_makefrip's view). Public fields so compiled rules read them directly.
/// </summary>
public sealed class PacketView
{
    public bool Valid;
    public string? Error;
    public bool Out;
    public string Iface = "";
    public uint Src, Dst;
    public int Proto, Tos, Ttl, Id, Len, Hlen, FragOffset;
    public bool MoreFrags;
    public bool NonFirstFrag;
    public bool HasPorts;
    public int Sport, Dport;
    public bool HasTcpFlags;
    public int TcpFlags;
    public uint Seq, Ack;
    public int Win, TcpHlen;
    public bool HasIcmp;
    public int IcmpType, IcmpCode, IcmpId;
    public int DataLen;
    /// <summary>For ICMP errors: the header of the packet the error is about.</summary>
    public bool HasEmbedded;
    public int EProto, ESport, EDport;
    public uint ESrc, EDst;
    public uint Flags;
    public uint OptBits, SecBits;

    /// <summary>Minimum TTL below which a packet is flagged lowttl (fr_minttl).</summary>
    public const int MinTtl = 4;

    public static PacketView Decode(IpPacket p) => Decode(p.Bytes, p.Out, p.Interface);

    public static PacketView Decode(byte[] b, bool outbound, string iface)
    {
        var v = new PacketView { Out = outbound, Iface = iface };
        v.Fill(b);
        return v;
    }

    public void Fill(byte[] b)
    {
        Valid = false; Error = null; Flags = 0; OptBits = 0; SecBits = 0; HasPorts = false; HasTcpFlags = false; HasIcmp = false;
        Sport = Dport = TcpFlags = 0; NonFirstFrag = false;
        if (b.Length < 20) { Error = "packet shorter than an IP header"; return; }
        if (b[0] >> 4 != 4) { Error = "not an IPv4 packet"; return; }
        Hlen = (b[0] & 15) * 4;
        if (Hlen < 20 || Hlen > b.Length) { Error = "bad IP header length"; return; }
        Tos = b[1];
        Len = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2));
        Id = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(4));
        int off = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(6));
        Ttl = b[8];
        Proto = b[9];
        Src = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(12));
        Dst = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(16));
        MoreFrags = (off & 0x2000) != 0;
        FragOffset = (off & 0x1fff) * 8;
        if (MoreFrags || FragOffset != 0) Flags |= (uint)PacketFlags.Frag;
        if (FragOffset != 0) { Flags |= (uint)PacketFlags.FragBody; NonFirstFrag = true; }
        if (Ttl < MinTtl) Flags |= (uint)PacketFlags.LowTtl;
        if ((Dst >> 28) == 0xe) Flags |= (uint)PacketFlags.Mcast | (uint)PacketFlags.MBcast;
        if (Hlen > 20)
        {
            Flags |= (uint)PacketFlags.IpOptions;
            for (int i = 20; i < Hlen;)
            {
                int type = b[i];
                if (type == 0) break;
                if (type == 1) { SetOpt(1); i++; continue; }
                if (i + 1 >= Hlen) break;
                int ol = b[i + 1];
                if (ol < 2) break;
                SetOpt(type);
                if (type == 130 && ol >= 3 && i + 2 < Hlen)
                {
                    int sb = IpfNames.SecClassBitForValue(b[i + 2]);
                    if (sb >= 0) SecBits |= 1u << sb;
                }
                i += ol;
            }
        }
        int end = Math.Min(Len, b.Length);
        if (end < Hlen) end = b.Length;
        DataLen = Math.Max(0, end - Hlen);
        int h = Hlen;
        int minHeader = Proto switch { 6 => 20, 17 => 8, 1 => 8, _ => 0 };
        if (FragOffset == 0)
        {
            if (DataLen < minHeader) Flags |= (uint)PacketFlags.Short;
            if (Proto is 6 or 17 && DataLen >= 4)
            {
                HasPorts = true;
                Sport = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(h));
                Dport = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(h + 2));
            }
            if (Proto == 6 && DataLen >= 14)
            {
                HasTcpFlags = true;
                Seq = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(h + 4));
                Ack = DataLen >= 12 ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(h + 8)) : 0;
                TcpHlen = (b[h + 12] >> 4) * 4;
                TcpFlags = b[h + 13];
                Win = DataLen >= 16 ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(h + 14)) : 0;
            }
            if (Proto == 1 && DataLen >= 2)
            {
                HasIcmp = true;
                IcmpType = b[h];
                IcmpCode = b[h + 1];
                IcmpId = DataLen >= 6 ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(h + 4)) : 0;
                HasEmbedded = false;
                int inner = h + 8;
                if (IcmpType is 3 or 4 or 5 or 11 or 12 && inner + 20 <= end)
                {
                    int ihl = (b[inner] & 15) * 4;
                    EProto = b[inner + 9];
                    ESrc = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(inner + 12));
                    EDst = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(inner + 16));
                    bool ports = EProto is 6 or 17 && inner + ihl + 4 <= end;
                    ESport = ports ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(inner + ihl)) : 0;
                    EDport = ports ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(inner + ihl + 2)) : 0;
                    HasEmbedded = ihl >= 20 && (!(EProto is 6 or 17) || ports);
                }
            }
        }
        else if (FragOffset < minHeader)
        {
            Flags |= (uint)PacketFlags.Short;
        }
        Valid = true;
    }

    private void SetOpt(int type)
    {
        int bit = IpfNames.IpOptionBitForType(type);
        if (bit >= 0) OptBits |= 1u << bit;
    }
}

/// <summary>Readers for ipftest's packet input formats and the printers for its packet output.</summary>
public static class PacketFormats
{
    /// <summary>ipftest's default interface name.</summary>
    public const string DefaultInterface = "anon0";

    /// <summary>Reads <c>-F text</c> input: one packet per line. Malformed lines are reported in <paramref name="errors"/>.</summary>
    public static List<IpPacket> ReadText(string text, List<string>? errors = null)
    {
        var list = new List<IpPacket>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            var w = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (w.Length == 0) continue;
            try
            {
                var p = ParseTextPacket(w);
                list.Add(new IpPacket(p.Bytes, p.Out, p.Interface) { Line = i + 1 });
            }
            catch (FormatException e)
            {
                errors?.Add($"line {i + 1}: {e.Message}");
            }
        }
        return list;
    }

    private sealed record TextPacket(byte[] Bytes, bool Out, string Interface);

    private static TextPacket ParseTextPacket(string[] w)
    {
        int k = 0;
        char d = char.ToLowerInvariant(w[k][0]);
        if (d != 'i' && d != 'o') throw new FormatException($"bad direction '{w[k]}'");
        bool outbound = d == 'o';
        k++;
        string iface = DefaultInterface;
        if (k < w.Length && w[k].Equals("on", StringComparison.OrdinalIgnoreCase))
        {
            if (k + 1 >= w.Length) throw new FormatException("missing interface after 'on'");
            iface = w[k + 1];
            k += 2;
        }
        int proto = 0;
        if (k < w.Length)
        {
            var pw = w[k].ToLowerInvariant();
            if (pw is "tcp" or "udp" or "icmp") { proto = pw == "tcp" ? 6 : pw == "udp" ? 17 : 1; k++; }
            else if (int.TryParse(pw, NumberStyles.None, CultureInfo.InvariantCulture, out var pn) && pn < 256) { proto = pn; k++; }
        }
        if (k + 1 >= w.Length) throw new FormatException("missing source or destination address");
        (uint src, int sport) = Endpoint(w[k++], proto);
        (uint dst, int dport) = Endpoint(w[k++], proto);
        int tcpFlags = 0, icmpType = 0, icmpCode = 0;
        var opts = new List<byte>();
        while (k < w.Length)
        {
            var word = w[k++];
            if (word.Equals("opt", StringComparison.OrdinalIgnoreCase))
            {
                if (k >= w.Length) throw new FormatException("missing option list after 'opt'");
                opts = BuildOptions(w[k++]);
            }
            else if (proto == 6)
                tcpFlags = IpfNames.ParseFlags(word) ?? throw new FormatException($"bad tcp flags '{word}'");
            else if (proto == 1)
            {
                var parts = word.Split(',');
                int t = Array.FindIndex(IpfNames.IcmpTypeNames, n => n.Length > 0 && n.Equals(parts[0], StringComparison.OrdinalIgnoreCase));
                if (t < 0 && !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out t)) throw new FormatException($"unknown icmp type '{parts[0]}'");
                icmpType = t;
                if (parts.Length > 1 && !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out icmpCode))
                    throw new FormatException($"bad icmp code '{parts[1]}'");
            }
            else throw new FormatException($"unexpected '{word}'");
        }
        int hl = 20 + opts.Count;
        int l4 = proto switch { 6 => 20, 17 => 8, 1 => 28, _ => 0 };
        var b = new byte[hl + l4];
        b[0] = (byte)(0x40 | hl / 4);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)b.Length);
        b[9] = (byte)proto;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), dst);
        opts.CopyTo(b, 20);
        if (proto is 6 or 17)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(hl), (ushort)sport);
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(hl + 2), (ushort)dport);
        }
        if (proto == 6)
        {
            b[hl + 12] = 0x50;
            b[hl + 13] = (byte)tcpFlags;
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(hl + 14), 4096);
            if ((tcpFlags & 0x20) != 0) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(hl + 18), 1);
        }
        else if (proto == 17) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(hl + 4), 8);
        else if (proto == 1) { b[hl] = (byte)icmpType; b[hl + 1] = (byte)icmpCode; }
        Checksums.Fix(b);
        return new TextPacket(b, outbound, iface);
    }

    private static (uint, int) Endpoint(string s, int proto)
    {
        string host = s; int port = 0;
        if (proto is 6 or 17)
        {
            int comma = s.LastIndexOf(',');
            if (comma < 0) throw new FormatException($"missing port in '{s}'");
            host = s[..comma];
            var ps = s[(comma + 1)..];
            port = IpfNames.Port(ps) ?? throw new FormatException($"bad port '{ps}'");
        }
        uint addr = host.Equals("any", StringComparison.OrdinalIgnoreCase) ? 0 : IpfNames.ParseIPv4(host) ?? IpfNames.ResolveHost(host) ?? throw new FormatException($"bad address '{host}'");
        return (addr, port);
    }

    private static List<byte> BuildOptions(string list)
    {
        var o = new List<byte>();
        int secClass = -1;
        bool haveSec = false;
        foreach (var item in list.Split(','))
        {
            var eq = item.IndexOf('=');
            var name = (eq >= 0 ? item[..eq] : item).ToLowerInvariant();
            var val = eq >= 0 ? item[(eq + 1)..] : null;
            if (name == "sec-class")
            {
                int ci = Array.FindIndex(IpfNames.SecClasses, c => c.Name.Equals(val, StringComparison.OrdinalIgnoreCase));
                if (ci < 0) throw new FormatException($"unknown security class '{val}'");
                secClass = IpfNames.SecClasses[ci].Value;
                if (!haveSec) { haveSec = true; o.AddRange([130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]); }
                continue;
            }
            int bit = IpfNames.IpOptionBit(name);
            if (bit < 0) throw new FormatException($"unknown ip option '{name}'");
            int type = IpfNames.IpOptions[bit].Type;
            switch (name)
            {
                case "nop": o.Add(1); break;
                case "lsrr" or "ssrr" or "rr":
                    if (val is null) o.AddRange([(byte)type, 3, 4]);
                    else
                    {
                        uint a = IpfNames.ParseIPv4(val) ?? throw new FormatException($"bad address '{val}'");
                        o.AddRange([(byte)type, 7, 4, (byte)(a >> 24), (byte)(a >> 16), (byte)(a >> 8), (byte)a]);
                    }
                    break;
                case "satid":
                    int id = val is null ? 0 : int.Parse(val, CultureInfo.InvariantCulture);
                    o.AddRange([(byte)type, 4, (byte)(id >> 8), (byte)id]);
                    break;
                case "sec":
                    if (!haveSec) { haveSec = true; o.AddRange([130, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]); }
                    break;
                case "ts": o.AddRange([(byte)type, 4, 5, 0]); break;
                default: o.AddRange([(byte)type, 2]); break;
            }
        }
        if (secClass >= 0)
        {
            int i = 0;
            while (i < o.Count) { if (o[i] == 130) { o[i + 2] = (byte)secClass; break; } i += o[i] == 1 ? 1 : o[i + 1]; }
        }
        while (o.Count % 4 != 0) o.Add(0);
        return o;
    }

    /// <summary>Reads <c>-F hex</c> input: packets are paragraphs of hex digits, with an optional [dir,if] prefix.</summary>
    public static List<IpPacket> ReadHex(string text, List<string>? errors = null)
    {
        var list = new List<IpPacket>();
        var bytes = new List<byte>();
        bool outbound = false;
        string iface = DefaultInterface;
        int startLine = 0;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        bool trailing = text.EndsWith('\n');
        int count = trailing ? lines.Length - 1 : lines.Length;
        for (int i = 0; i < count; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                if (bytes.Count == 0) break; // two blank lines: ipftest's reader returns 0 and input ends
                list.Add(new IpPacket(bytes.ToArray(), outbound, iface) { Line = startLine });
                bytes.Clear(); outbound = false; iface = DefaultInterface;
                continue;
            }
            int hash = line.IndexOf('#');
            if (hash >= 0) line = line[..hash];
            int k = 0;
            while (k < line.Length)
            {
                char c = line[k];
                if (c == '[')
                {
                    int close = line.IndexOf(']', k);
                    if (close < 0) { errors?.Add($"line {i + 1}: unterminated '['"); break; }
                    var inner = line[(k + 1)..close];
                    int comma = inner.IndexOf(',');
                    if (comma >= 0)
                    {
                        outbound = inner.Length > 0 && char.ToLowerInvariant(inner[0]) == 'o';
                        var name = inner[(comma + 1)..];
                        iface = name.Length > 0 ? name : DefaultInterface;
                    }
                    else if (inner.Length > 0) iface = inner;
                    k = close + 1;
                    continue;
                }
                if (Uri.IsHexDigit(c))
                {
                    if (bytes.Count == 0 && startLine == 0) startLine = i + 1;
                    int hi = HexVal(c);
                    if (k + 1 < line.Length && Uri.IsHexDigit(line[k + 1])) { bytes.Add((byte)(hi << 4 | HexVal(line[k + 1]))); k += 2; }
                    else { bytes.Add((byte)(hi << 4)); k++; }
                    continue;
                }
                if (char.IsWhiteSpace(c)) { k++; continue; }
                errors?.Add($"line {i + 1}: unexpected character '{c}'");
                k++;
            }
            if (bytes.Count == 0) startLine = 0;
        }
        return list;
    }

    private static int HexVal(char c) => c <= '9' ? c - '0' : (char.ToLowerInvariant(c) - 'a' + 10);

    /// <summary>ipftest's printpacket line: <c>ip #id len(hlen) proto src[,sport] &gt; dst[,dport]</c>.</summary>
    public static string PrintPacket(byte[] b)
    {
        var v = PacketView.Decode(b, false, "");
        if (b.Length < 20) return "ip #0 " + b.Length + "(0) 0";
        var s = $"ip #{v.Id} {v.Len}({v.Hlen}) {v.Proto} {IpfNames.FormatIPv4(v.Src)}";
        bool ports = v.Proto is 6 or 17 && v.FragOffset == 0 && v.HasPorts;
        if (ports) s += "," + v.Sport;
        s += " > " + IpfNames.FormatIPv4(v.Dst);
        if (ports) s += "," + v.Dport;
        if (v.Proto == 6 && v.HasTcpFlags && v.TcpFlags != 0 && v.FragOffset == 0)
        {
            s += " ";
            foreach (var (bit, ch) in new[] { (1, 'F'), (2, 'S'), (4, 'R'), (8, 'P'), (16, 'A'), (32, 'U'), (64, 'E'), (128, 'C') })
                if ((v.TcpFlags & bit) != 0) s += ch;
        }
        if (v.FragOffset != 0 || v.MoreFrags) s += " @" + (v.FragOffset / 8);
        return s;
    }

    /// <summary>Hex dump as ipftest -x prints it: 16-bit groups on one line.</summary>
    public static string HexPacket(byte[] b)
    {
        var sb = new System.Text.StringBuilder();
        int n = b.Length;
        if (n >= 4 && b[0] >> 4 == 4) n = Math.Min(n, BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2)));
        for (int i = 0; i < n; i++)
        {
            sb.Append(b[i].ToString("x2", CultureInfo.InvariantCulture));
            if (i % 2 == 1 || i + 1 == n) sb.Append(' ');
        }
        return sb.ToString();
    }
}

/// <summary>Internet checksums for IPv4 and its transports.</summary>
public static class Checksums
{
    public static ushort Sum(ReadOnlySpan<byte> data, uint initial = 0)
    {
        uint sum = initial;
        int i = 0;
        for (; i + 1 < data.Length; i += 2) sum += (uint)(data[i] << 8 | data[i + 1]);
        if (i < data.Length) sum += (uint)(data[i] << 8);
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Recomputes the IP header checksum and the TCP/UDP/ICMP checksum of a complete packet.</summary>
    public static void Fix(byte[] b)
    {
        int hl = (b[0] & 15) * 4;
        b[10] = b[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), Sum(b.AsSpan(0, hl)));
        int len = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2)), b.Length);
        int off = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(6)) & 0x1fff;
        if (off != 0) return;
        int proto = b[9];
        var l4 = b.AsSpan(hl, len - hl);
        if (proto == 6 && l4.Length >= 20) { l4[16] = l4[17] = 0; BinaryPrimitives.WriteUInt16BigEndian(l4[16..], Sum(l4, Pseudo(b, proto, l4.Length))); }
        else if (proto == 17 && l4.Length >= 8) { l4[6] = l4[7] = 0; var s = Sum(l4, Pseudo(b, proto, l4.Length)); BinaryPrimitives.WriteUInt16BigEndian(l4[6..], s == 0 ? (ushort)0xffff : s); }
        else if (proto == 1 && l4.Length >= 4) { l4[2] = l4[3] = 0; BinaryPrimitives.WriteUInt16BigEndian(l4[2..], Sum(l4)); }
    }

    public static uint Pseudo(byte[] b, int proto, int length)
    {
        uint s = 0;
        for (int i = 12; i < 20; i += 2) s += (uint)(b[i] << 8 | b[i + 1]);
        return s + (uint)proto + (uint)length;
    }
}
