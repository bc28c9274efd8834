using System.Text;
using Illumos.Engine.Languages.D;

namespace Illumos.Engine.Tracing;

/// <summary>One conversion of a D format string.</summary>
public sealed class FmtConv
{
    public string Prefix = "";       // literal text before the conversion
    public string Flags = "";
    public int Width = -1;           // -2: taken from an argument (*)
    public int Prec = -1;            // -2: taken from an argument (.*)
    public string Length = "";
    public char Conv;                // '\0' for the trailing literal
    public string Spec = "";         // the conversion as written, e.g. "%-8d"
    public bool AggValue;            // %@ in printa
    public int Index;                // 1-based conversion number
}

/// <summary>A parsed printf/printa format string. Parsing checks the syntax; <see cref="Check"/> checks the arguments.</summary>
public sealed class PrintfFormat
{
    public List<FmtConv> Convs { get; } = new();
    public string Tail { get; private set; } = "";
    public string Text { get; }

    private PrintfFormat(string text) { Text = text; }

    public int ArgsRequired => Convs.Sum(c => (c.Width == -2 ? 1 : 0) + (c.Prec == -2 ? 1 : 0) + (c.Conv == '%' || c.AggValue ? 0 : 1));

    private const string Valid = "diouxXcsSaAeEfFgGpkYTm%@";

    public static PrintfFormat Parse(string text, int line, bool printa = false)
    {
        var f = new PrintfFormat(text);
        var lit = new StringBuilder();
        int i = 0, n = 0;
        while (i < text.Length)
        {
            char ch = text[i];
            if (ch != '%') { lit.Append(ch); i++; continue; }
            if (i + 1 < text.Length && text[i + 1] == '%') { lit.Append('%'); i += 2; continue; }
            n++;
            int start = i;
            i++;
            var c = new FmtConv { Prefix = lit.ToString(), Index = n };
            lit.Clear();
            var flags = new StringBuilder();
            bool aggPrefix = false;
            if (i < text.Length && text[i] == '@') { aggPrefix = true; i++; }
            while (i < text.Length && "-+ #0'?".IndexOf(text[i]) >= 0) flags.Append(text[i++]);
            c.Flags = flags.ToString();
            if (i < text.Length && text[i] == '*') { c.Width = -2; i++; if (PositionalAt(text, i)) throw Positional(line, n); }
            else
            {
                int ws = i;
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                if (i > ws)
                {
                    if (i < text.Length && text[i] == '$') throw Positional(line, n);
                    c.Width = int.Parse(text[ws..i], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            if (i < text.Length && text[i] == '.')
            {
                i++;
                if (i < text.Length && text[i] == '*') { c.Prec = -2; i++; if (PositionalAt(text, i)) throw Positional(line, n); }
                else
                {
                    int ps = i;
                    while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                    c.Prec = i > ps ? int.Parse(text[ps..i], System.Globalization.CultureInfo.InvariantCulture) : 0;
                }
            }
            int ls = i;
            while (i < text.Length && "hlLjzt".IndexOf(text[i]) >= 0) i++;
            c.Length = text[ls..i];
            while (i < text.Length && "-+ #0'?".IndexOf(text[i]) >= 0) { c.Flags += text[i]; i++; }
            if (i >= text.Length && c.Length.Length > 0)
                throw new DCompileException("D_SYNTAX", line, $"format conversion #{n} is undefined: %{c.Length}");
            if (i >= text.Length)
                throw new DCompileException("D_SYNTAX", line, $"format conversion #{n} name expected before end of format string");
            char conv = text[i++];
            if (conv == '@' && printa && i < text.Length && "diouxXcs".IndexOf(text[i]) >= 0) i++;
            if ((conv == '@' || aggPrefix) && !printa)
                throw new DCompileException("D_PRINTF_AGG_CONV", line, $"%@ conversion requires an aggregation and is only valid in printa( )");
            if (Valid.IndexOf(conv) < 0)
                throw new DCompileException("D_SYNTAX", line, $"format conversion #{n} is undefined: %{text[ls..i]}");
            c.Conv = conv;
            c.AggValue = conv == '@' || aggPrefix;
            c.Spec = text[start..i];
            f.Convs.Add(c);
        }
        f.Tail = lit.ToString();
        return f;
    }

    private static bool PositionalAt(string text, int i)
    {
        int j = i;
        while (j < text.Length && char.IsAsciiDigit(text[j])) j++;
        return j > i && j < text.Length && text[j] == '$';
    }

    private static DCompileException Positional(int line, int n) =>
        new("D_SYNTAX", line, $"format conversion #{n} uses unsupported positional format (%n$)");

    /// <summary>Checks argument count and types for printf-like actions (argument #1 is the format).</summary>
    public void Check(string func, IReadOnlyList<DType> argTypes, int line)
    {
        int a = 0;
        foreach (var c in Convs)
        {
            if (c.Conv == '%' || c.AggValue) continue;
            if (c.Width == -2) { if (a >= argTypes.Count) throw DynMissing(func, c, line); DynCheck(func, c, argTypes[a], a, line); a++; }
            if (c.Prec == -2) { if (a >= argTypes.Count) throw DynMissing(func, c, line); DynCheck(func, c, argTypes[a], a, line); a++; }
            if (a >= argTypes.Count) throw Missing(func, c, line);
            var t = argTypes[a];
            string? proto = c.Conv switch
            {
                'd' or 'i' or 'u' or 'o' or 'x' or 'X' => t.IsInteger || t.Kind == DKind.Pointer ? null : "char, short, int, long, or long long",
                'c' => t.IsInteger ? null : "char, short, int, long, or long long",
                's' or 'S' => t.IsString || t.Kind is DKind.Array or DKind.Pointer || t.IsScalar ? null : "char [] or string (or use stringof)",
                'e' or 'E' or 'f' or 'F' or 'g' or 'G' => t.IsArith ? null : "double, float, or long double",
                'p' or 'a' or 'A' or 'k' => t.IsScalar ? null : "pointer or integer",
                'Y' or 'T' => t.IsInteger ? null : "int64_t, uint64_t, or hrtime_t",
                _ => null,
            };
            if (t.Kind is DKind.Agg or DKind.Void or DKind.Action) proto ??= "char, short, int, long, or long long";
            if (proto is not null && (t.Kind is DKind.Agg or DKind.Void or DKind.Action || !(c.Conv is 's' or 'S')))
                throw new DCompileException("D_PRINTF_ARG_TYPE", line,
                    $"{func}( ) argument #{a + 2} is incompatible with conversion #{c.Index} prototype:\n\tconversion: %{c.Length}{c.Conv}\n\t prototype: {proto}\n\t  argument: {t.Name}");
            a++;
        }
        if (a < argTypes.Count)
            throw new DCompileException("D_PRINTF_ARG_EXTRA", line, $"{func}( ) prototype mismatch: only {a} arguments required by this format string");
    }

    private static void DynCheck(string func, FmtConv c, DType t, int a, int line)
    {
        if (!t.IsInteger)
            throw new DCompileException("D_PRINTF_DYN_TYPE", line, $"{func}( ) argument #{a + 2} is incompatible with conversion #{c.Index} prototype:\n\tconversion: % {(c.Width == -2 ? "*" : "")}{(c.Prec == -2 ? ".*" : "")} {c.Conv}\n\t prototype: int\n\t  argument: {t.Name}");
    }

    private static DCompileException DynMissing(string func, FmtConv c, int line) =>
        new("D_PRINTF_DYN_PROTO", line, $"{func}( ) prototype mismatch: conversion #{c.Index} (%{c.Length}{c.Conv}) is missing a corresponding \"{(c.Width == -2 ? "*" : ".*")}\" argument");

    private static DCompileException Missing(string func, FmtConv c, int line) =>
        new("D_PRINTF_ARG_PROTO", line, $"{func}( ) prototype mismatch: conversion #{c.Index} (%{c.Length}{c.Conv}) is missing a corresponding value argument");

    /// <summary>Formats with values (long or string) and their D types.</summary>
    public void Format(StringBuilder sb, object[] vals, DType[] types, string? aggValue = null)
    {
        int a = 0;
        foreach (var c in Convs)
        {
            sb.Append(c.Prefix);
            if (c.Conv == '%') { sb.Append('%'); continue; }
            if (c.AggValue) { sb.Append(CFormat.Str(aggValue ?? "", c.Flags, c.Width, -1)); continue; }
            int width = c.Width, prec = c.Prec;
            string flags = c.Flags;
            if (width == -2) { width = a < vals.Length && vals[a] is long wl ? (int)wl : 0; a++; if (width < 0) { flags += "-"; width = -width; } }
            if (prec == -2) { prec = a < vals.Length && vals[a] is long pl ? (int)pl : 0; a++; }
            if (a >= vals.Length) { a++; continue; }
            var v = vals[a];
            var t = a < types.Length ? types[a] : DType.Long;
            a++;
            sb.Append(FormatOne(c, flags, width, prec, v, t));
        }
        sb.Append(Tail);
    }

    internal static string FormatOne(FmtConv c, string flags, int width, int prec, object v, DType t)
    {
        if (flags.Contains('?')) { width = width < 0 ? 16 : width; flags = flags.Replace("?", ""); }
        switch (c.Conv)
        {
            case 's':
            case 'S':
                return CFormat.Str(v is string s ? s : v is long l ? l.ToString(System.Globalization.CultureInfo.InvariantCulture) : "", flags, width, prec);
            case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
                return CFormat.Float(v is long fl ? (t.Signed ? fl : (double)(ulong)fl) : 0, c.Conv, flags, width, prec);
            case 'p':
            case 'a':
            case 'A':
            case 'k':
                return CFormat.Pad("0x" + ((ulong)(v is long pv ? pv : 0)).ToString("x", System.Globalization.CultureInfo.InvariantCulture), flags, width);
            case 'Y':
            {
                long ns = v is long yv ? yv : 0;
                var dt = DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).UtcDateTime;
                return CFormat.Pad(dt.ToString("yyyy MMM d HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), flags, width);
            }
            case 'T':
            {
                long ns = v is long tv ? tv : 0;
                var dt = DateTimeOffset.FromUnixTimeMilliseconds(ns / 1_000_000).UtcDateTime;
                return CFormat.Pad(dt.ToString("ddd, dd MMM yyyy HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC", flags, width);
            }
            default:
            {
                long lv = v is long x ? x : 0;
                int size = t.Kind == DKind.Pointer ? 8 : t.Size == 0 ? 8 : t.Size;
                bool signedType = t.Signed;
                if (c.Length == "hh") { size = 1; lv = c.Conv is 'd' or 'i' ? (sbyte)lv : (byte)lv; }
                else if (c.Length == "h") { size = 2; lv = c.Conv is 'd' or 'i' ? (short)lv : (ushort)lv; }
                if (size < 8) lv = signedType ? (size == 1 ? (sbyte)lv : size == 2 ? (short)lv : (int)lv) : lv & (long)((1UL << (size * 8)) - 1);
                return CFormat.Int(lv, c.Conv, flags, width, prec, size, signedType);
            }
        }
    }
}
