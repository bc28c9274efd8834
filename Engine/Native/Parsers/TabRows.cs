using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Illumos.Engine.Native.Parsers;

/// <summary>
/// Walks a -H listing (one row a line, fields separated by exactly one TAB) row by row without cutting
/// strings: each line's TABs are found in one vectorized pass and its fields are read as spans of the
/// output text, so a listing of 100,000 datasets costs one scan instead of a string per field. Empty
/// lines are skipped; a line without any TAB where several fields are wanted had its TABs expanded
/// (copies made from terminals) and is split on blanks as <see cref="ParseText.SplitTabs"/> does. A
/// wrong field count is a <see cref="ErrorKind.ParserError"/> naming the line.
/// </summary>
internal struct TabRows(string text, int fieldCount, string what)
{
    private readonly string _listing = text;
    private int _pos, _line;

    /// <summary>The text the current row's fields are in: the listing itself, or the row rebuilt with TABs after a split on blanks.</summary>
    public string Text { get; private set; } = text;

    /// <summary>Where the current row starts in <see cref="Text"/> (see <see cref="ParseText.TabField"/>).</summary>
    public int Start { get; private set; }

    /// <summary>Field <paramref name="i"/> of the current row, as cut by <see cref="Next"/>.</summary>
    public readonly ReadOnlySpan<char> Field(ReadOnlySpan<int> cuts, int i) => Text.AsSpan(cuts[2 * i], cuts[2 * i + 1]);

    /// <summary>Moves to the next non-empty line and stores each field's start and length in <paramref name="cuts"/> (2 per field).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Next(Span<int> cuts)
    {
        while (_pos < _listing.Length)
        {
            int start = _pos;
            int end = ScanLine(_listing, start, cuts, fieldCount, out int tabs);
            _pos = end + 1;
            _line++;
            int len = end - start;
            if (len > 0 && _listing[end - 1] == '\r') len--;
            if (len == 0) continue;
            if (fieldCount < 1) throw new ArgumentException("The field list must not be empty.", nameof(fieldCount));
            if (tabs == 0 && fieldCount > 1)
            {
                var fields = ParseText.SplitTabs(_listing.Substring(start, len), fieldCount, what, _line);
                Text = string.Join('\t', fields);
                Start = 0;
                for (int f = 0, at = 0; f < fields.Length; at += fields[f].Length + 1, f++)
                {
                    cuts[2 * f] = at;
                    cuts[2 * f + 1] = fields[f].Length;
                }
                return true;
            }
            if (tabs + 1 > fieldCount) throw ParseText.Error(what, $"line {_line} has more than {fieldCount} fields", _listing.Substring(start, len));
            if (tabs + 1 != fieldCount) throw ParseText.Error(what, $"line {_line} has {tabs + 1} fields where {fieldCount} were expected", _listing.Substring(start, len));
            cuts[2 * fieldCount - 1] = start + len - cuts[2 * fieldCount - 2];   // the last field ends at the line's end, before any '\r'
            Text = _listing;
            Start = start;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Scans the line at <paramref name="start"/> to its '\n' (or the end of the text), which it returns. The
    /// start of every field and the length of all but the last go to <paramref name="cuts"/>, as far as
    /// <paramref name="fieldCount"/> allows; <paramref name="tabs"/> counts every TAB of the line.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ScanLine(string text, int start, Span<int> cuts, int fieldCount, out int tabs)
    {
        int n = text.Length, i = start, count = 0;
        if (fieldCount > 0) cuts[0] = start;
        // Two compares per 16 characters give a bit per TAB or newline; the set bits are then visited in order.
        if (Vector128.IsHardwareAccelerated)
        {
            ref ushort chars = ref Unsafe.As<char, ushort>(ref MemoryMarshal.GetReference(text.AsSpan()));
            for (; i + 16 <= n; i += 16)
            {
                for (uint mask = Separators(ref chars, i) | Separators(ref chars, i + 8) << 8; mask != 0; mask &= mask - 1)
                {
                    int at = i + BitOperations.TrailingZeroCount(mask);
                    if (text[at] == '\n') { tabs = count; return at; }
                    Cut(cuts, fieldCount, ref count, at);
                }
            }
        }
        for (; i < n; i++)
        {
            char c = text[i];
            if (c == '\n') { tabs = count; return i; }
            if (c == '\t') Cut(cuts, fieldCount, ref count, i);
        }
        tabs = count;
        return n;
    }

    /// <summary>A bit for each TAB or newline among the 8 characters at <paramref name="i"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Separators(ref ushort chars, int i)
    {
        var v = Vector128.LoadUnsafe(ref chars, (nuint)i);
        return (Vector128.Equals(v, Vector128.Create((ushort)'\t')) | Vector128.Equals(v, Vector128.Create((ushort)'\n'))).ExtractMostSignificantBits();
    }

    /// <summary>A TAB at <paramref name="at"/>: it ends field <paramref name="count"/> and starts the next one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Cut(Span<int> cuts, int fieldCount, ref int count, int at)
    {
        if (count + 1 < fieldCount)
        {
            cuts[2 * count + 1] = at - cuts[2 * count];
            cuts[2 * count + 2] = at + 1;
        }
        count++;
    }
}

/// <summary>
/// Shares the strings a listing repeats on many rows (property names, sources, on/off values, the dataset
/// name of consecutive rows) instead of a copy per row; bounded, so unique values cannot make it grow without end.
/// </summary>
internal sealed class StringPool(int maxEntries = 4096, int maxLength = 64)
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup => _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> s)
    {
        if (s.Length == 0) return "";
        if (s.Length > maxLength) return s.ToString();
        var lookup = Lookup;
        if (lookup.TryGetValue(s, out var shared)) return shared;
        var copy = s.ToString();
        if (_strings.Count < maxEntries) _strings.Add(copy, copy);
        return copy;
    }
}
