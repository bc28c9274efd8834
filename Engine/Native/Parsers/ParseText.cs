using System.Globalization;
using System.Text;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// Shared rules for reading what illumos and OpenZFS commands print: lines, TAB-only fields,
/// '-' for "not applicable", illumos's kept '%' and 'x' suffixes in -p output, UINT64_MAX for
/// "none", human sizes ("4.11K", "1,81T" in a decimal-comma locale) and ctime dates.
/// </summary>
public static class ParseText
{
    /// <summary>The lines of a command's output, without line terminators; a trailing empty line is dropped.</summary>
    public static List<string> Lines(string text)
    {
        var lines = new List<string>();
        int pos = 0;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl;
            int len = end - pos;
            if (len > 0 && text[end - 1] == '\r') len--;
            lines.Add(text.Substring(pos, len));
            pos = end + 1;
        }
        return lines;
    }

    /// <summary>
    /// Splits a -H line on TABs only (values may contain spaces; empty values are kept). When the line
    /// holds no TAB at all but <paramref name="expected"/> fields are wanted, the line is taken to have
    /// had its TABs expanded (copies made from terminals) and is split on runs of blanks, the last field
    /// taking the rest. A wrong field count is a <see cref="ErrorKind.ParserError"/>.
    /// </summary>
    public static string[] SplitTabs(string line, int expected, string what, int lineNumber)
    {
        if (expected <= 1) return [line];
        string[] fields;
        if (line.Contains('\t')) fields = line.Split('\t');
        else fields = SplitBlanks(line, expected);
        if (fields.Length != expected)
            throw Error(what, $"line {lineNumber} has {fields.Length} fields where {expected} were expected", line);
        return fields;
    }

    /// <summary>Field <paramref name="index"/> of the -H row that starts at <paramref name="lineStart"/> (the row was checked when it was read).</summary>
    public static ReadOnlySpan<char> TabField(string text, int lineStart, int index)
    {
        var rest = text.AsSpan(lineStart);
        int nl = rest.IndexOf('\n');
        if (nl >= 0) rest = rest[..nl];
        if (rest.Length > 0 && rest[^1] == '\r') rest = rest[..^1];
        for (int k = 0; k < index; k++) rest = rest[(rest.IndexOf('\t') + 1)..];
        int tab = rest.IndexOf('\t');
        return tab < 0 ? rest : rest[..tab];
    }

    /// <summary>Splits on runs of blanks into at most <paramref name="max"/> fields; the last one keeps the rest verbatim (trailing blanks trimmed).</summary>
    public static string[] SplitBlanks(string line, int max = int.MaxValue)
    {
        var result = new List<string>();
        int i = 0, n = line.Length;
        while (i < n)
        {
            while (i < n && (line[i] == ' ' || line[i] == '\t')) i++;
            if (i >= n) break;
            if (result.Count == max - 1)
            {
                result.Add(line[i..].TrimEnd(' ', '\t'));
                break;
            }
            int start = i;
            while (i < n && line[i] != ' ' && line[i] != '\t') i++;
            result.Add(line[start..i]);
        }
        return result.ToArray();
    }

    public static IllumosException Error(string what, string detail, string? target = null) =>
        new(ErrorKind.ParserError, "NativeOutputUnreadable", $"Cannot read the output of {what}: {detail}.", target);

    /// <summary>True for the values zfs and zpool print when a value does not apply or is unknown.</summary>
    public static bool IsNone(string? v) => v is null || v.Length == 0 || v == "-" || v == "none";

    private static readonly string[] CommonValues =
    [
        "on", "off", "lz4", "zstd", "zle", "lzjb", "gzip", "fletcher4", "fletcher2", "sha256", "sha512", "skein", "edonr", "blake3",
        "inherit", "legacy", "none", "filesystem", "volume", "snapshot",
    ];

    /// <summary>The field as a string, shared for the few values most rows repeat (compression, checksum, on/off) instead of a new copy per row.</summary>
    public static string Common(ReadOnlySpan<char> v)
    {
        foreach (var c in CommonValues) if (v.SequenceEqual(c)) return c;
        return v.ToString();
    }

    /// <summary><see cref="IsNone(string?)"/> without cutting the field out of the text.</summary>
    public static bool IsNoneField(ReadOnlySpan<char> v) => v.Length == 0 || v.SequenceEqual("-") || v.SequenceEqual("none");

    /// <summary>An exact -p number; '-' and empty give null; a trailing '%' or 'x' (illumos -p) is dropped; human sizes are accepted too.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static ulong? UInt(string? v)
    {
        if (v is null) return null;
        v = v.Trim();
        if (IsNone(v)) return null;
        if (ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return n;
        var s = StripSuffix(v);
        if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n)) return n;
        return HumanSize(v);
    }

    /// <summary>Like <see cref="UInt"/> but UINT64_MAX ("none" for limits and counts) and 0 where <paramref name="zeroIsNone"/> give null.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static ulong? Limit(string? v, bool zeroIsNone)
    {
        var n = UInt(v);
        if (n == ulong.MaxValue) return null;
        if (zeroIsNone && n == 0) return null;
        return n;
    }

    public static ulong UIntOrZero(string? v) => UInt(v) ?? 0;

    // Span forms for the hot -Hp paths: plain digits are read without allocating; anything else takes the string path.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static ulong? UInt(ReadOnlySpan<char> v)
    {
        if (v.Length == 0 || (v.Length == 1 && v[0] == '-')) return null;
        if (v.Length <= 19)
        {
            ulong n = 0;
            int i = 0;
            for (; i < v.Length; i++)
            {
                uint d = (uint)(v[i] - '0');
                if (d > 9) break;
                n = n * 10 + d;
            }
            if (i == v.Length) return n;
        }
        return UInt(v.ToString());
    }

    public static ulong UIntOrZero(ReadOnlySpan<char> v) => UInt(v) ?? 0;

    public static ulong? Limit(ReadOnlySpan<char> v, bool zeroIsNone)
    {
        var n = UInt(v);
        if (n == ulong.MaxValue) return null;
        if (zeroIsNone && n == 0) return null;
        return n;
    }

    public static double? Ratio(ReadOnlySpan<char> v)
    {
        if (v.Length == 0 || (v.Length == 1 && v[0] == '-')) return null;
        var s = v.Length > 1 && (v[^1] == 'x' || v[^1] == '%') ? v[..^1] : v;
        if (ShortDecimal(s) is { } exact) return exact;
        if (s.IndexOf(',') < 0 && double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d)) return d;
        return Ratio(v.ToString());
    }

    private static readonly double[] PowersOf10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>
    /// "1.25" as a double without the general parser: with at most 15 digits the digits and the power of ten are
    /// both exact doubles, so their quotient is the correctly rounded value, the same double.Parse gives. Null otherwise.
    /// </summary>
    private static double? ShortDecimal(ReadOnlySpan<char> s)
    {
        ulong digits = 0;
        int count = 0, decimals = -1;
        foreach (char c in s)
        {
            if (c == '.' && decimals < 0) { decimals = 0; continue; }
            uint d = (uint)(c - '0');
            if (d > 9 || ++count > 15) return null;
            digits = digits * 10 + d;
            if (decimals >= 0) decimals++;
        }
        return count == 0 ? null : digits / PowersOf10[Math.Max(decimals, 0)];
    }

    public static DateTimeOffset Epoch(ReadOnlySpan<char> v) =>
        UInt(v) is { } s && s < 253402300799UL ? DateTimeOffset.FromUnixTimeSeconds((long)s) : default;

    /// <summary>A ratio ("1.25x", "1.25", "1,25x"); null for '-'.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static double? Ratio(string? v)
    {
        if (v is null) return null;
        v = v.Trim();
        if (IsNone(v)) return null;
        var s = StripSuffix(v).Replace(',', '.');
        return double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    /// <summary>A percentage ("8%", "8", "16.91%") as a number; null for '-'.</summary>
    public static double? Percent(string? v) => Ratio(v);

    private static string StripSuffix(string v) =>
        v.Length > 1 && (v[^1] == '%' || v[^1] == 'x' || v[^1] == 'X') ? v[..^1] : v;

    /// <summary>
    /// zfs_nicenum output ("4.11K", "1.81T", "0B", "512", "20.2M/s") as bytes or counts (powers of 1024,
    /// as zfs prints them); a decimal comma from a non-C locale ("1,81T") is accepted. Null when it is not a size.
    /// </summary>
    public static ulong? HumanSize(string? v)
    {
        if (v is null) return null;
        var s = v.Trim();
        if (s.EndsWith("/s", StringComparison.Ordinal)) s = s[..^2];
        if (IsNone(s)) return null;
        if (s.Length == 0) return null;
        // A single comma between digits is a decimal comma (zfs never groups thousands).
        int comma = s.IndexOf(',');
        if (comma > 0 && comma == s.LastIndexOf(',') && !s.Contains('.') && comma + 1 < s.Length && char.IsDigit(s[comma + 1]))
            s = s[..comma] + "." + s[(comma + 1)..];
        return Size.TryParse(s, out var b) ? b : null;
    }

    private static readonly string[] CtimeFormats =
    [
        "ddd MMM d HH:mm:ss yyyy", "ddd MMM dd HH:mm:ss yyyy", "ddd MMM d HH:mm yyyy", "ddd MMM dd HH:mm yyyy",
        "MMM d HH:mm:ss yyyy", "ddd MMM d yyyy",
    ];

    /// <summary>
    /// A ctime()-style date as zpool and zfs print it ("Wed Mar  9 10:06:31 2022", "Wed Dec 23 21:06 2015").
    /// The host prints its local time without a zone, so the value is returned with offset zero.
    /// </summary>
    public static DateTimeOffset? CDate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var collapsed = string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (DateTime.TryParseExact(collapsed, CtimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var dt))
            return new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Unspecified), TimeSpan.Zero);
        return null;
    }

    /// <summary>Epoch seconds (zfs -p creation) as a time.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static DateTimeOffset Epoch(string? v) =>
        UInt(v) is { } s && s < 253402300799UL ? DateTimeOffset.FromUnixTimeSeconds((long)s) : default;

    /// <summary>Durations zpool prints: "0h6m", "0 days 00:03:12", "15:03:34", "1 days 02:03:04", "00:05:00".</summary>
    public static TimeSpan? Duration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var t = text.Trim();
        var m = System.Text.RegularExpressions.Regex.Match(t, @"^(?:(\d+)\s+days?\s+)?(\d+):(\d{2}):(\d{2})$");
        if (m.Success)
            return new TimeSpan(m.Groups[1].Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
                int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
        m = System.Text.RegularExpressions.Regex.Match(t, @"^(\d+)h(\d+)m$");
        if (m.Success)
            return new TimeSpan(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), 0);
        return null;
    }

    /// <summary>Decodes the octal escapes (\040, \0040) zfs diff uses for blanks and unprintable bytes in paths.</summary>
    public static string UnescapeOctal(string s)
    {
        if (!s.Contains('\\')) return s;
        var bytes = new List<byte>();
        var sb = new StringBuilder();
        void Flush() { if (bytes.Count > 0) { sb.Append(Encoding.UTF8.GetString(bytes.ToArray())); bytes.Clear(); } }
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\')
            {
                int j = i + 1, value = 0, digits = 0;
                while (j < s.Length && digits < 4 && s[j] >= '0' && s[j] <= '7') { value = value * 8 + (s[j] - '0'); j++; digits++; }
                if (digits >= 3 && value < 256) { bytes.Add((byte)value); i = j - 1; continue; }
                if (j < s.Length && s[j] == '\\' && digits == 0) { Flush(); sb.Append('\\'); i = j; continue; }
            }
            Flush();
            sb.Append(s[i]);
        }
        Flush();
        return sb.ToString();
    }
}
