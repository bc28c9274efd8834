using System.Globalization;
using System.Text;
using System.Text.Json;
using Illumos.Engine.Network;
using Illumos.Engine.Services;
using Illumos.Engine.Zones;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// <c>zoneadm list -cip</c>: zoneid:zonename:state:zonepath:uuid:brand:ip-type[:debugid[:more]].
/// Only ':' is escaped (as "\:"), in the zonepath; a backslash before anything else is literal.
/// Seven fields (Solaris 10, old illumos), eight (current illumos) and ten (Solaris 11) are read.
/// </summary>
public static class ZoneadmParser
{
    public static List<Zone> Parse(string text)
    {
        var result = new List<Zone>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Length == 0) continue;
            var f = SplitColonEscaped(lines[n], escapeBackslash: false);
            if (f.Count < 7) throw ParseText.Error("zoneadm list -p", $"line {n + 1} has {f.Count} fields where at least 7 were expected", lines[n]);
            result.Add(new Zone
            {
                Id = f[0] == "-" ? null : int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : throw ParseText.Error("zoneadm list -p", $"line {n + 1} has zone id '{f[0]}'", lines[n]),
                Name = f[1],
                State = f[2],
                Path = f[3].Length == 0 ? null : f[3],
                Uuid = f[4].Length == 0 ? null : f[4],
                Brand = f[5].Length == 0 ? null : f[5],
                IpType = f[6].Length == 0 ? null : f[6],
                DebugId = f.Count > 7 && int.TryParse(f[7], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var dbg) && dbg >= 0 ? dbg : null,
                ExtraFields = f.Count > 8 ? f.Skip(8).ToArray() : Array.Empty<string>(),
            });
        }
        return result;
    }

    /// <summary>
    /// Splits on unescaped ':'. "\:" is a literal ':'; with <paramref name="escapeBackslash"/> (libofmt)
    /// "\x" is a literal x for every x, otherwise (zoneadm) a backslash not before ':' stays as it is.
    /// </summary>
    public static List<string> SplitColonEscaped(string line, bool escapeBackslash)
    {
        var fields = new List<string>();
        var cur = new StringBuilder();
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\\' && i + 1 < line.Length && (line[i + 1] == ':' || escapeBackslash)) { cur.Append(line[++i]); continue; }
            if (c == ':') { fields.Add(cur.ToString()); cur.Clear(); continue; }
            cur.Append(c);
        }
        fields.Add(cur.ToString());
        return fields;
    }
}

/// <summary>
/// libofmt parsable output (<c>dladm show-* -p -o f1,f2</c>, ipadm, flowadm): fields joined by ':'; with
/// more than one field every ':' and '\' inside a value is escaped with '\'; with one field nothing
/// is escaped. Empty values are empty fields; '?' means the value could not be read.
/// </summary>
public static class DladmParser
{
    public static List<Dictionary<string, string>> ParseRows(string text, IReadOnlyList<string> fields, string what = "dladm -p")
    {
        var rows = new List<Dictionary<string, string>>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Length == 0) continue;
            var f = fields.Count == 1 ? new List<string> { lines[n] } : ZoneadmParser.SplitColonEscaped(lines[n], escapeBackslash: true);
            if (f.Count != fields.Count) throw ParseText.Error(what, $"line {n + 1} has {f.Count} fields where {fields.Count} were expected", lines[n]);
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < f.Count; i++) d[fields[i]] = f[i];
            rows.Add(d);
        }
        return rows;
    }

    public static readonly string[] LinkFields = ["link", "class", "mtu", "state", "bridge", "over"];
    public static readonly string[] PhysFields = ["link", "media", "state", "speed", "duplex", "device"];
    public static readonly string[] VnicFields = ["link", "over", "speed", "macaddress", "macaddrtype", "vid", "zone"];

    public static List<Datalink> ParseLinks(string text, IReadOnlyList<string>? fields = null) =>
        ParseRows(text, fields ?? LinkFields, "dladm show-link -p").Select(r => new Datalink
        {
            Name = r["link"],
            Class = Opt(r, "class"),
            Mtu = Opt(r, "mtu") is { } m && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var mtu) ? mtu : null,
            State = Opt(r, "state"),
            Bridge = Opt(r, "bridge") is { } b && b != "--" ? b : null,
            Over = Opt(r, "over") is { } o ? o.Split(' ', StringSplitOptions.RemoveEmptyEntries) : Array.Empty<string>(),
        }).ToList();

    public static List<PhysicalLink> ParsePhys(string text, IReadOnlyList<string>? fields = null) =>
        ParseRows(text, fields ?? PhysFields, "dladm show-phys -p").Select(r => new PhysicalLink
        {
            Name = r["link"],
            Media = Opt(r, "media"),
            State = Opt(r, "state"),
            Speed = ParseText.UInt(Opt(r, "speed")),
            Duplex = Opt(r, "duplex"),
            Device = Opt(r, "device"),
        }).ToList();

    public static readonly string[] PhysMacFields = ["link", "slot", "address", "inuse", "client"];

    public static List<PhysicalLinkMac> ParsePhysMacs(string text, IReadOnlyList<string>? fields = null) =>
        ParseRows(text, fields ?? PhysMacFields, "dladm show-phys -m -p").Select(r => new PhysicalLinkMac(
            r["link"],
            Opt(r, "slot") ?? throw ParseText.Error("dladm show-phys -m -p", $"link {r["link"]} has a row without a slot", r["link"]),
            Opt(r, "address") is { } a ? NormalizeMac(a) : throw ParseText.Error("dladm show-phys -m -p", $"link {r["link"]} has a slot without an address", r["link"]),
            Opt(r, "inuse") switch { "yes" => true, "no" => false, var v => throw ParseText.Error("dladm show-phys -m -p", $"inuse is '{v}', neither yes nor no", v) },
            Opt(r, "client") is { } c && c != "--" ? c : null)).ToList();

    public static readonly string[] IptunFields = ["link", "type", "flags", "source", "destination"];

    public static List<IpTunnel> ParseIptun(string text, IReadOnlyList<string>? fields = null) =>
        ParseRows(text, fields ?? IptunFields, "dladm show-iptun -p").Select(r => new IpTunnel(
            r["link"],
            Opt(r, "type") ?? throw ParseText.Error("dladm show-iptun -p", $"tunnel {r["link"]} has no type", r["link"]),
            Opt(r, "flags") is { } f && f.Trim('-').Length > 0 ? f : null,
            Opt(r, "source") is { } s && s != "--" ? s : null,
            Opt(r, "destination") is { } d && d != "--" ? d : null)).ToList();

    public static List<Vnic> ParseVnics(string text, IReadOnlyList<string>? fields = null) =>
        ParseRows(text, fields ?? VnicFields, "dladm show-vnic -p").Select(r => new Vnic
        {
            Name = r["link"],
            Over = Opt(r, "over"),
            Speed = ParseText.UInt(Opt(r, "speed")),
            MacAddress = Opt(r, "macaddress") is { } mac ? NormalizeMac(mac) : null,
            MacAddressType = Opt(r, "macaddrtype"),
            Vid = Opt(r, "vid") is { } v && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var vid) ? vid : null,
            Zone = Opt(r, "zone") is { } z && z != "--" ? z : null,
        }).ToList();

    /// <summary>dladm prints MACs without zero padding ("2:8:20:d7:56:a"); this gives "02:08:20:d7:56:0a".</summary>
    public static string NormalizeMac(string mac)
    {
        var parts = mac.Split(':');
        if (parts.Length < 2 || parts.Any(p => p.Length is 0 or > 2 || !p.All(Uri.IsHexDigit))) return mac.ToLowerInvariant();
        return string.Join(':', parts.Select(p => p.ToLowerInvariant().PadLeft(2, '0')));
    }

    private static string? Opt(Dictionary<string, string> r, string key) =>
        r.TryGetValue(key, out var v) && v.Length > 0 ? v : null;
}

/// <summary>
/// <c>svcs -H -o &lt;cols&gt;</c>: blank-padded columns (not TABs); tokens have no blanks except DESC,
/// which must be the last column and takes the rest of the line. STATE may end in '*' (transition),
/// NSTATE and CTID print '-' when empty.
/// </summary>
public static class SvcsParser
{
    public static readonly string[] DefaultFields = ["state", "nstate", "stime", "ctid", "zone", "fmri"];

    public static List<SmfService> Parse(string text, IReadOnlyList<string>? fields = null)
    {
        fields ??= DefaultFields;
        var cols = fields.Select(f => f.ToLowerInvariant()).ToArray();
        int descAt = Array.IndexOf(cols, "desc");
        if (descAt >= 0 && descAt != cols.Length - 1) throw new ArgumentException("'desc' must be the last svcs column.", nameof(fields));
        int iFmri = Array.IndexOf(cols, "fmri");
        if (iFmri < 0) throw new ArgumentException("The column list must include 'fmri'.", nameof(fields));
        var result = new List<SmfService>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Trim().Length == 0) continue;
            var f = ParseText.SplitBlanks(lines[n], cols.Length);
            if (f.Length != cols.Length) throw ParseText.Error("svcs -H", $"line {n + 1} has {f.Length} columns where {cols.Length} were expected", lines[n]);
            result.Add(Row(cols, f, iFmri));
        }
        return result;
    }

    /// <summary>One svcs row (its blank-split fields <paramref name="f"/> under the columns <paramref name="cols"/>); "-" is no value.</summary>
    internal static SmfService Row(string[] cols, string[] f, int iFmri)
    {
        string? Get(string c) { int i = Array.IndexOf(cols, c); return i < 0 || f[i] == "-" ? null : f[i]; }
        var state = Get("state") ?? "?";
        bool transitioning = state.EndsWith('*');
        return new SmfService
        {
            Fmri = f[iFmri],
            State = transitioning ? state[..^1] : state,
            Transitioning = transitioning || Get("nstate") is not null,
            NextState = Get("nstate"),
            StartTime = Get("stime"),
            ContractId = Get("ctid") is { } ct && long.TryParse(ct, NumberStyles.None, CultureInfo.InvariantCulture, out var ctid) ? ctid : null,
            Zone = Get("zone"),
            Description = Get("desc"),
        };
    }
}

/// <summary>
/// SmartOS <c>vmadm list -p -o uuid,type,ram,state,alias</c> (':'-joined, no escaping: the last field
/// takes any further ':') and <c>vmadm get &lt;uuid&gt;</c> / <c>vmadm lookup -j</c> JSON.
/// </summary>
public static class VmadmParser
{
    public static readonly string[] ListFields = ["uuid", "type", "ram", "state", "alias"];

    public static List<SmartOsVm> ParseList(string text, IReadOnlyList<string>? fields = null)
    {
        fields ??= ListFields;
        var cols = fields.Select(x => x.ToLowerInvariant()).ToArray();
        var result = new List<SmartOsVm>();
        var lines = ParseText.Lines(text);
        for (int n = 0; n < lines.Count; n++)
        {
            if (lines[n].Length == 0) continue;
            var f = lines[n].Split(':', cols.Length);
            if (f.Length != cols.Length) throw ParseText.Error("vmadm list -p", $"line {n + 1} has {f.Length} fields where {cols.Length} were expected", lines[n]);
            string? Get(string c) { int i = Array.IndexOf(cols, c); return i < 0 || f[i].Length == 0 ? null : f[i]; }
            result.Add(new SmartOsVm
            {
                Uuid = Get("uuid") ?? throw ParseText.Error("vmadm list -p", $"line {n + 1} has no uuid", lines[n]),
                Type = Get("type"),
                Brand = Get("brand"),
                RamMiB = ParseText.UInt(Get("ram")),
                State = Get("state"),
                Alias = Get("alias"),
            });
        }
        return result;
    }

    /// <summary>One <c>vmadm get</c> object, or every object of a <c>vmadm lookup -j</c> array.</summary>
    public static List<SmartOsVm> ParseJson(string text)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text); }
        catch (JsonException e) { throw new IllumosException(ErrorKind.ParserError, "NativeOutputUnreadable", $"Cannot read the JSON output of vmadm: {e.Message}", "vmadm", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array) return root.EnumerateArray().Select(ToVm).ToList();
            if (root.ValueKind == JsonValueKind.Object) return [ToVm(root)];
            throw ParseText.Error("vmadm get", "the output is neither a JSON object nor an array");
        }
    }

    private static SmartOsVm ToVm(JsonElement o)
    {
        string? S(JsonElement e, string k) => e.TryGetProperty(k, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        } : null;
        IReadOnlyList<string> A(JsonElement e, string k) => e.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray() : Array.Empty<string>();
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in o.EnumerateObject())
            if (S(o, p.Name) is { } v) props[p.Name] = v;
        var brand = S(o, "brand");
        var nics = o.TryGetProperty("nics", out var ns) && ns.ValueKind == JsonValueKind.Array
            ? ns.EnumerateArray().Select(n => new SmartOsVmNic(S(n, "interface"), S(n, "mac") is { } m ? DladmParser.NormalizeMac(m) : null, S(n, "nic_tag"),
                A(n, "ips") is { Count: > 0 } ips ? ips : (S(n, "ip") is { } ip ? [ip] : Array.Empty<string>()),
                A(n, "gateways") is { Count: > 0 } gws ? gws : (S(n, "gateway") is { } gw ? [gw] : Array.Empty<string>()),
                S(n, "primary") == "true")).ToArray()
            : Array.Empty<SmartOsVmNic>();
        var disks = o.TryGetProperty("disks", out var ds) && ds.ValueKind == JsonValueKind.Array
            ? ds.EnumerateArray().Select(d => new SmartOsVmDisk(S(d, "path"), S(d, "model"), ParseText.UInt(S(d, "size") ?? S(d, "image_size")),
                ParseText.UInt(S(d, "block_size")), S(d, "boot") == "true", S(d, "zfs_filesystem"))).ToArray()
            : Array.Empty<SmartOsVmDisk>();
        var uuid = S(o, "uuid") ?? S(o, "zonename") ?? throw ParseText.Error("vmadm get", "an object has neither uuid nor zonename");
        return new SmartOsVm
        {
            Uuid = uuid,
            Brand = brand,
            Type = brand switch { "joyent" or "joyent-minimal" or "sngl" => "OS", "lx" => "LX", "kvm" => "KVM", "bhyve" => "BHYV", _ => null },
            RamMiB = ParseText.UInt(S(o, "ram") ?? S(o, "max_physical_memory")),
            State = S(o, "state"),
            Alias = S(o, "alias"),
            HostName = S(o, "hostname"),
            ImageUuid = S(o, "image_uuid"),
            Autoboot = S(o, "autoboot") is { } ab ? ab == "true" : null,
            QuotaGiB = ParseText.UInt(S(o, "quota")),
            Created = DateTimeOffset.TryParse(S(o, "create_timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ct) ? ct : null,
            Nics = nics,
            Disks = disks,
            Properties = props,
        };
    }
}

/// <summary>One active IP Filter rule as <c>ipfstat -io [-n] [-h]</c> prints it (ipf.conf syntax, unparsed).</summary>
public sealed record IpfRuleLine(string Direction, int? Number, ulong? Hits, string Text);

/// <summary>
/// <c>ipfstat -io [-n] [-h]</c>: the out list then the in list, one rule per line in ipf.conf syntax;
/// -n prefixes "@N ", -h prefixes the hit count. With no rules ipfstat prints "empty list for
/// ipfilter(out|in)" on stderr and nothing on stdout. The direction is read from each rule's own
/// "pass in"/"block out" words. The rule text itself is left to the firewall language.
/// </summary>
public static class IpfstatParser
{
    public static List<IpfRuleLine> Parse(string stdout, string? stderr = null)
    {
        var result = new List<IpfRuleLine>();
        foreach (var raw in ParseText.Lines(stdout))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("empty list for", StringComparison.Ordinal)) continue;
            ulong? hits = null; int? number = null;
            var words = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            int skip = 0;
            if (words.Length > 1 && ulong.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)) { hits = h; skip++; }
            if (words.Length > skip + 1 && words[skip].StartsWith('@') && int.TryParse(words[skip][1..], NumberStyles.None, CultureInfo.InvariantCulture, out var num)) { number = num; skip++; }
            var text = string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(skip));
            var tokens = text.Split(' ', 3);
            var dir = tokens.Length > 1 && tokens[1] is "in" or "out" ? tokens[1] : "";
            result.Add(new IpfRuleLine(dir, number, hits, text));
        }
        return result;
    }

    /// <summary>True when stderr only says the lists are empty (not an error).</summary>
    public static bool IsEmptyListNotice(string stderr) =>
        ParseText.Lines(stderr).Where(l => l.Trim().Length > 0).All(l => l.StartsWith("empty list for ipfilter", StringComparison.Ordinal));
}
