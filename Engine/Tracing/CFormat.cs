using System.Globalization;
using System.Text;

namespace Illumos.Engine.Tracing;

/// <summary>C printf-style formatting of single values (flags, width, precision), as dtrace prints them.</summary>
public static class CFormat
{
    public static string Pad(string body, string flags, int width, bool numeric = false)
    {
        if (width <= body.Length) return body;
        if (flags.Contains('-')) return body.PadRight(width);
        if (numeric && flags.Contains('0'))
        {
            int signLen = body.Length > 0 && (body[0] is '-' or '+' or ' ') ? 1 : 0;
            if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) signLen = 2;
            return body[..signLen] + new string('0', width - body.Length) + body[signLen..];
        }
        return body.PadLeft(width);
    }

    /// <summary>Formats an integer for conversion d, i, u, o, x, X, c with the value's type size.</summary>
    public static string Int(long v, char conv, string flags, int width, int prec, int size, bool signedType)
    {
        ulong mask = size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        string body;
        switch (conv)
        {
            case 'd':
            case 'i':
            {
                long sv = v;
                if (!signedType && size >= 8) { body = ((ulong)v).ToString(CultureInfo.InvariantCulture); break; }
                bool neg = sv < 0;
                string digits = neg ? ((ulong)(-(sv + 1)) + 1UL).ToString(CultureInfo.InvariantCulture) : sv.ToString(CultureInfo.InvariantCulture);
                if (prec >= 0) digits = prec == 0 && sv == 0 ? "" : digits.PadLeft(prec, '0');
                body = (neg ? "-" : flags.Contains('+') ? "+" : flags.Contains(' ') ? " " : "") + digits;
                break;
            }
            case 'u':
            {
                string digits = ((ulong)v & mask).ToString(CultureInfo.InvariantCulture);
                if (prec >= 0) digits = prec == 0 && v == 0 ? "" : digits.PadLeft(prec, '0');
                body = digits;
                break;
            }
            case 'o':
            {
                string digits = Convert.ToString((long)((ulong)v & mask), 8);
                if (prec >= 0) digits = digits.PadLeft(prec, '0');
                if (flags.Contains('#') && !digits.StartsWith('0')) digits = "0" + digits;
                body = digits;
                break;
            }
            case 'x':
            case 'X':
            {
                string digits = ((ulong)v & mask).ToString(conv == 'x' ? "x" : "X", CultureInfo.InvariantCulture);
                if (prec >= 0) digits = prec == 0 && v == 0 ? "" : digits.PadLeft(prec, '0');
                if (flags.Contains('#') && ((ulong)v & mask) != 0) digits = (conv == 'x' ? "0x" : "0X") + digits;
                body = digits;
                break;
            }
            case 'c':
                body = ((char)(byte)v).ToString();
                if ((byte)v == 0) body = "";
                return Pad(body, flags, width);
            default:
                body = v.ToString(CultureInfo.InvariantCulture);
                break;
        }
        return Pad(body, prec >= 0 ? flags.Replace("0", "") : flags, width, numeric: true);
    }

    public static string Str(string s, string flags, int width, int prec)
    {
        if (prec > 0 && s.Length > prec) s = s[..prec];
        return Pad(s, flags, width);
    }

    public static string Float(double d, char conv, string flags, int width, int prec)
    {
        if (prec < 0) prec = 6;
        string body = conv switch
        {
            'f' or 'F' => d.ToString("F" + prec, CultureInfo.InvariantCulture),
            'e' or 'E' => FormatE(d, prec, conv),
            _ => FormatG(d, prec, conv, flags.Contains('#')),
        };
        if (d >= 0 && flags.Contains('+')) body = "+" + body;
        else if (d >= 0 && flags.Contains(' ')) body = " " + body;
        return Pad(body, flags, width, numeric: true);
    }

    private static string FormatE(double d, int prec, char conv)
    {
        var s = d.ToString((conv == 'e' ? "e" : "E") + prec, CultureInfo.InvariantCulture);
        // .NET prints e+006; C prints e+06
        int ix = s.IndexOfAny(new[] { 'e', 'E' });
        if (ix >= 0)
        {
            string mant = s[..(ix + 2)];
            string exp = s[(ix + 2)..].TrimStart('0');
            if (exp.Length < 2) exp = exp.PadLeft(2, '0');
            s = mant + exp;
        }
        return s;
    }

    private static string FormatG(double d, int prec, char conv, bool alt)
    {
        if (prec == 0) prec = 1;
        if (d == 0) return "0";
        int exp = (int)Math.Floor(Math.Log10(Math.Abs(d)));
        string s;
        if (exp < -4 || exp >= prec)
        {
            s = FormatE(d, prec - 1, conv == 'g' ? 'e' : 'E');
            if (!alt)
            {
                int ix = s.IndexOfAny(new[] { 'e', 'E' });
                string m = s[..ix];
                if (m.Contains('.')) m = m.TrimEnd('0').TrimEnd('.');
                s = m + s[ix..];
            }
        }
        else
        {
            s = d.ToString("F" + Math.Max(0, prec - 1 - exp), CultureInfo.InvariantCulture);
            if (!alt && s.Contains('.')) s = s.TrimEnd('0').TrimEnd('.');
        }
        return s;
    }

    /// <summary>Escapes nothing: D strings are printed raw. Appends with a C-like %s.</summary>
    public static void Append(StringBuilder sb, string s) => sb.Append(s);
}
