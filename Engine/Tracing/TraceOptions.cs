namespace Illumos.Engine.Tracing;

/// <summary>How the default (non-quiet) output looks: illumos prints CPU and ID columns; the Oracle
/// test mode prints only FUNCTION:NAME.</summary>
public enum OutputConvention { Illumos, OracleTesting }

/// <summary>Consumer and runtime options (dtrace -x / #pragma D option).</summary>
public sealed class TraceOptions
{
    public bool Quiet { get; set; }
    public bool AggSortKey { get; set; }
    public bool AggSortRev { get; set; }
    public int AggSortKeyPos { get; set; }
    public bool AggSortPos { get; set; }
    public long SwitchRateNs { get; set; } = 1_000_000_000;
    public long AggRateNs { get; set; } = 1_000_000_000;
    public int StrSize { get; set; } = 256;
    public int NSpec { get; set; } = 1;
    public bool Destructive { get; set; }
    public bool Flowindent { get; set; }
    public OutputConvention Convention { get; set; } = OutputConvention.Illumos;
    public Dictionary<string, string> Raw { get; } = new(StringComparer.Ordinal);

    /// <summary>Options known to dtrace; anything else is D_PRAGMA_OPTSET / an invalid option.</summary>
    public static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "aggrate", "aggsize", "aggsortkey", "aggsortkeypos", "aggsortpos", "aggsortrev", "aggpercpu", "aggzoom", "aggpack", "agghist",
        "bufpolicy", "bufresize", "bufsize", "cleanrate", "cpu", "defaultargs", "destructive", "dynvarsize", "flowindent", "grabanon",
        "jstackframes", "jstackstrsize", "nspec", "quiet", "specsize", "stackframes", "statusrate", "strsize", "switchrate",
        "ustackframes", "rawbytes", "zdefs", "errtags", "droptags", "stackindent", "encoding", "maxframes", "temporal", "version",
        "linkmode", "linktype", "evaltime", "core", "cpp", "cpphdrs", "cpppath", "ctypes", "dtypes", "define", "empty", "incdir",
        "knodefs", "late", "lazyload", "ldpath", "libdir", "nolibs", "pgmax", "preallocate", "procrelease", "pspec", "stdc", "strip",
        "syslibdir", "tree", "tregs", "udefs", "undef", "unodefs", "verbose", "xlate", "amin", "argref", "iregs", "disasm", "dof",
        "modpath", "procs", "debug", "noresolve", "lockmem", "bpflog", "scratchsize", "maxframes", "json", "strip",
    };

    /// <summary>Options whose value is a boolean switch (no value accepted).</summary>
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal)
    {
        "quiet", "aggsortkey", "aggsortrev", "aggsortpos", "aggpercpu", "destructive", "flowindent", "rawbytes", "zdefs", "errtags",
        "droptags", "grabanon", "aggzoom", "aggpack", "agghist", "stackindent", "bufresize_auto", "temporal", "json",
    };

    /// <summary>Applies one option; returns an error message when the value is invalid.</summary>
    public string? Set(string name, string? value)
    {
        if (!Known.Contains(name)) return "invalid option name";
        if (Flags.Contains(name))
        {
            if (value is not null && value != "" ) return "invalid value for option";
            value = "set";
        }
        Raw[name] = value ?? "";
        switch (name)
        {
            case "quiet": Quiet = true; break;
            case "aggsortkey": AggSortKey = true; break;
            case "aggsortrev": AggSortRev = true; break;
            case "aggsortpos": AggSortPos = true; break;
            case "destructive": Destructive = true; break;
            case "flowindent": Flowindent = true; break;
            case "aggsortkeypos": if (!long.TryParse(value, out var kp)) return "invalid value for option"; AggSortKeyPos = (int)kp; break;
            case "strsize": { var s = ParseSize(value); if (s is null) return "invalid value for option"; StrSize = (int)Math.Max(1, s.Value); break; }
            case "nspec": { var s = ParseSize(value); if (s is null) return "invalid value for option"; NSpec = (int)s.Value; break; }
            case "switchrate": { var r = ParseRate(value); if (r is null) return "invalid value for option"; SwitchRateNs = r.Value; break; }
            case "aggrate": { var r = ParseRate(value); if (r is null) return "invalid value for option"; AggRateNs = r.Value; break; }
            case "statusrate": case "cleanrate": { if (ParseRate(value) is null) return "invalid value for option"; break; }
            case "bufsize": case "aggsize": case "dynvarsize": case "specsize": case "scratchsize":
                if (ParseSize(value) is null) return "invalid value for option"; break;
            case "bufpolicy": if (value is not ("ring" or "fill" or "switch")) return "invalid value for option"; break;
        }
        return null;
    }

    public static long? ParseSize(string? v)
    {
        if (string.IsNullOrEmpty(v)) return null;
        long mul = 1;
        char last = char.ToLowerInvariant(v[^1]);
        if (last is 'k' or 'm' or 'g' or 't')
        {
            mul = last switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            v = v[..^1];
        }
        return long.TryParse(v, out var n) && n >= 0 ? n * mul : null;
    }

    /// <summary>Parses a rate: a number with a time suffix (ns, us, ms, s, ...) or "hz"; bare numbers are Hz.</summary>
    public static long? ParseRate(string? v)
    {
        if (string.IsNullOrEmpty(v)) return null;
        int i = 0;
        while (i < v.Length && char.IsAsciiDigit(v[i])) i++;
        if (i == 0 || !long.TryParse(v[..i], out var n)) return null;
        string suf = v[i..];
        long? ns = suf switch
        {
            "" or "hz" => n == 0 ? null : 1_000_000_000 / n,
            "ns" or "nsec" => n,
            "us" or "usec" => n * 1000,
            "ms" or "msec" => n * 1_000_000,
            "s" or "sec" => n * 1_000_000_000,
            "m" or "min" => n * 60_000_000_000,
            "h" or "hour" => n * 3_600_000_000_000,
            "d" or "day" => n * 86_400_000_000_000,
            _ => null,
        };
        return ns;
    }
}
