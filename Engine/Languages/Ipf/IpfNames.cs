using System.Globalization;

namespace Illumos.Engine.Languages.Ipf;

/// <summary>Name tables of the ipf language: protocols, ICMP, services, IP options, syslog, TCP flags.</summary>
public static class IpfNames
{
    private static readonly (string Name, int Number)[] Protocols =
    [
        ("ip", 0), ("icmp", 1), ("igmp", 2), ("ggp", 3), ("ipencap", 4), ("st", 5), ("tcp", 6), ("egp", 8),
        ("pup", 12), ("udp", 17), ("hmp", 20), ("xns-idp", 22), ("rdp", 27), ("iso-tp4", 29), ("xtp", 36),
        ("ddp", 37), ("idpr-cmtp", 38), ("ipv6", 41), ("ipv6-route", 43), ("ipv6-frag", 44), ("idrp", 45),
        ("rsvp", 46), ("gre", 47), ("esp", 50), ("ah", 51), ("skip", 57), ("ipv6-icmp", 58), ("ipv6-nonxt", 59),
        ("ipv6-opts", 60), ("rspf", 73), ("vmtp", 81), ("ospf", 89), ("ipip", 94), ("encap", 98), ("pim", 103),
        ("sctp", 132),
    ];

    public static int? ProtocolNumber(string name)
    {
        if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n is >= 0 and <= 255 ? n : null;
        foreach (var p in Protocols) if (p.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return p.Number;
        return null;
    }

    public static string ProtocolName(int number)
    {
        foreach (var p in Protocols) if (p.Number == number && number != 0) return p.Name;
        return number.ToString(CultureInfo.InvariantCulture);
    }

    public static readonly string[] IcmpTypeNames =
    [
        "echorep", "", "", "unreach", "squench", "redir", "", "", "echo", "routerad", "routersol", "timex",
        "paramprob", "timest", "timestrep", "inforeq", "inforep", "maskreq", "maskrep",
    ];

    public static int? IcmpType(string s)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n is >= 0 and <= 255 ? n : null;
        for (int i = 0; i < IcmpTypeNames.Length; i++)
            if (IcmpTypeNames[i].Length > 0 && IcmpTypeNames[i].Equals(s, StringComparison.OrdinalIgnoreCase)) return i;
        return null;
    }

    public static string IcmpTypeName(int t) => t < IcmpTypeNames.Length && IcmpTypeNames[t].Length > 0 ? IcmpTypeNames[t] : t.ToString(CultureInfo.InvariantCulture);

    public static readonly string[] UnreachCodeNames =
    [
        "net-unr", "host-unr", "proto-unr", "port-unr", "needfrag", "srcfail", "net-unk", "host-unk", "isolate",
        "net-prohib", "host-prohib", "net-tos", "host-tos", "filter-prohib", "host-preced", "cutoff-preced",
    ];

    public static int? IcmpCode(string s)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n is >= 0 and <= 255 ? n : null;
        int i = Array.FindIndex(UnreachCodeNames, x => x.Equals(s, StringComparison.OrdinalIgnoreCase));
        return i >= 0 ? i : null;
    }

    private static readonly Dictionary<string, int> TcpServices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["echo"] = 7, ["discard"] = 9, ["daytime"] = 13, ["ftp-data"] = 20, ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23,
        ["smtp"] = 25, ["time"] = 37, ["domain"] = 53, ["tftp"] = 69, ["gopher"] = 70, ["finger"] = 79, ["http"] = 80,
        ["www"] = 80, ["pop2"] = 109, ["pop3"] = 110, ["sunrpc"] = 111, ["rpcbind"] = 111, ["ident"] = 113, ["auth"] = 113,
        ["nntp"] = 119, ["ntp"] = 123, ["netbios-ns"] = 137, ["netbios-dgm"] = 138, ["netbios-ssn"] = 139,
        ["imap"] = 143, ["snmp"] = 161, ["snmp-trap"] = 162, ["bgp"] = 179, ["ldap"] = 389, ["https"] = 443,
        ["exec"] = 512, ["biff"] = 512, ["login"] = 513, ["who"] = 513, ["shell"] = 514, ["syslog"] = 514,
        ["printer"] = 515, ["talk"] = 517, ["ntalk"] = 518, ["route"] = 520, ["uucp"] = 540, ["nfsd"] = 2049,
        ["nfs"] = 2049, ["x11"] = 6000,
    };

    public static int? Port(string s)
    {
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n is >= 0 and <= 65535 ? n : null;
        return TcpServices.TryGetValue(s, out var p) ? p : null;
    }

    /// <summary>IP option names in canonical print order, with their option type octet.</summary>
    public static readonly (string Name, int Type)[] IpOptions =
    [
        ("nop", 1), ("rr", 7), ("zsu", 10), ("mtup", 11), ("mtur", 12), ("encode", 15), ("ts", 68), ("tr", 82),
        ("sec", 130), ("lsrr", 131), ("e-sec", 133), ("cipso", 134), ("satid", 136), ("ssrr", 137), ("addext", 147),
        ("visa", 142), ("imitd", 144), ("eip", 145), ("finn", 205), ("dps", 151), ("sdb", 149), ("nsapa", 150),
        ("rtralrt", 148), ("ump", 152),
    ];

    public static int IpOptionBit(string name) => Array.FindIndex(IpOptions, o => o.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
    public static int IpOptionBitForType(int type) => Array.FindIndex(IpOptions, o => o.Type == type);

    /// <summary>RFC 1108 security classification levels (name, class octet).</summary>
    public static readonly (string Name, int Value)[] SecClasses =
    [
        ("reserv-4", 0x01), ("topsecret", 0x3d), ("secret", 0x5a), ("confid", 0x96), ("reserv-3", 0x66),
        ("reserv-2", 0xcc), ("unclass", 0xab), ("reserv-1", 0xf1),
    ];

    public static int SecClassBit(string name) => Array.FindIndex(SecClasses, o => o.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
    public static int SecClassBitForValue(int v) => Array.FindIndex(SecClasses, o => o.Value == v);

    public static readonly string[] Facilities =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    /// <summary>Facility names ipf accepts but that the reference build host's syslog table does not know.</summary>
    public static readonly string[] UnknownFacilities = ["logalert", "security", "audit", "ntp", "console"];

    public static readonly string[] Priorities = ["emerg", "alert", "crit", "err", "warn", "notice", "info", "debug"];

    public const string FlagLetters = "FSRPAUEC";

    public static int? ParseFlags(string s)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return int.TryParse(s[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) && h <= 0xff ? h : null;
        if (s.Length > 0 && char.IsDigit(s[0]))
            return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d <= 0xff ? d : null;
        int v = 0;
        foreach (var c in s)
        {
            int i = FlagLetters.IndexOf(char.ToUpperInvariant(c));
            if (i < 0) return null;
            v |= 1 << i;
        }
        return v;
    }

    public static string FlagsText(int v)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < 8; i++) if ((v & (1 << i)) != 0) sb.Append(FlagLetters[i]);
        return sb.ToString();
    }

    /// <summary>Host names the reference build resolves without DNS (its gethost stub and /etc/hosts).</summary>
    public static uint? ResolveHost(string name) => name.ToLowerInvariant() switch
    {
        "localhost" => 0x7f000001u,
        "test.host.dots" => 0xfedcba98u,
        _ => null,
    };

    /// <summary>inet_aton-style parsing: "1" → 0.0.0.1, "10.1" → 10.0.0.1, "1.2.3.4".</summary>
    public static uint? ParseIPv4(string s)
    {
        if (s.Length == 0 || !char.IsDigit(s[0])) return null;
        var parts = s.Split('.');
        if (parts.Length > 4) return null;
        var vals = new uint[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            if (p.Length == 0) return null;
            bool ok = p.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                ? uint.TryParse(p[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out vals[i])
                : uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out vals[i]);
            if (!ok) return null;
        }
        switch (parts.Length)
        {
            case 1: return vals[0];
            case 2: if (vals[0] > 255 || vals[1] > 0xffffff) return null; return vals[0] << 24 | vals[1];
            case 3: if (vals[0] > 255 || vals[1] > 255 || vals[2] > 0xffff) return null; return vals[0] << 24 | vals[1] << 16 | vals[2];
            default:
                if (vals.Any(v => v > 255)) return null;
                return vals[0] << 24 | vals[1] << 16 | vals[2] << 8 | vals[3];
        }
    }

    public static string FormatIPv4(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";

    public static uint PrefixMask(int bits) => bits <= 0 ? 0u : bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits);

    /// <summary>Prefix length if the mask is contiguous, else -1.</summary>
    public static int MaskBits(uint mask)
    {
        int bits = System.Numerics.BitOperations.PopCount(mask);
        return PrefixMask(bits) == mask ? bits : -1;
    }

    public static string FormatNet(uint addr, uint mask)
    {
        int bits = MaskBits(mask);
        return FormatIPv4(addr) + "/" + (bits >= 0 ? bits.ToString(CultureInfo.InvariantCulture) : FormatIPv4(mask));
    }
}
