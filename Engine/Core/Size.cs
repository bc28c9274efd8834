using System.Globalization;

namespace Illumos.Engine;

/// <summary>
/// Byte sizes as people type them: zfs style ("64M", "1.5T", "512", "10k") and PowerShell style
/// ("10GB", "1.5TB"); always powers of 1024, as zfs and PowerShell both use. Output is zfs's
/// human form ("1.50G").
/// </summary>
public static class Size
{
    private const string Units = "BKMGTPEZ";

    public static bool TryParse(string? text, out ulong bytes)
    {
        bytes = 0;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        if (ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out bytes)) return true;

        // Peel off a unit: K, KB, KiB, K B ... (case-insensitive).
        int end = s.Length;
        if (end >= 3 && s.EndsWith("iB", StringComparison.OrdinalIgnoreCase)) end -= 2;
        else if (end >= 2 && (s[end - 1] == 'B' || s[end - 1] == 'b') && char.IsLetter(s[end - 2])) end -= 1;
        int unit = 0;
        if (end >= 1 && char.IsLetter(s[end - 1]))
        {
            unit = Units.IndexOf(char.ToUpperInvariant(s[end - 1]));
            if (unit < 0) return false;
            end--;
        }
        else if (end != s.Length && end == s.Length - 1)
        {
            unit = 0; // plain "512B"
        }
        var number = s[..end].Trim();
        if (number.Length == 0) return false;
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value < 0) return false;
        decimal factor = 1;
        for (int i = 0; i < unit; i++) factor *= 1024;
        decimal result;
        try { result = decimal.Round(value * factor, MidpointRounding.AwayFromZero); }
        catch (OverflowException) { return false; }
        if (result > ulong.MaxValue) return false;
        bytes = (ulong)result;
        return true;
    }

    public static ulong Parse(string text) =>
        TryParse(text, out var b) ? b
        : throw IllumosException.Invalid("InvalidSize", $"'{text}' is not a size. Use bytes or a number with a unit, such as 64M, 1.5T or 10GB.", text);

    /// <summary>zfs's human form: three significant digits, one letter ("1.50G", "512", "10.0M").</summary>
    public static string Format(ulong bytes)
    {
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture);
        int unit = 0;
        double v = bytes;
        while (v >= 1024 && unit < Units.Length - 1) { v /= 1024; unit++; }
        string digits = v >= 100 ? v.ToString("0", CultureInfo.InvariantCulture)
            : v >= 10 ? v.ToString("0.0", CultureInfo.InvariantCulture)
            : v.ToString("0.00", CultureInfo.InvariantCulture);
        if (digits == "1024") { digits = "1.00"; unit++; }
        return digits + Units[unit];
    }

    public static string Format(long bytes) => bytes < 0 ? "-" + Format((ulong)(-bytes)) : Format((ulong)bytes);
}
