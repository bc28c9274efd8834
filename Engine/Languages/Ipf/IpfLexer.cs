using System.Text;
using System.Text.RegularExpressions;

namespace Illumos.Engine.Languages.Ipf;

/// <summary>A token with its 1-based source position.</summary>
public readonly record struct IpfToken(string Text, int Line, int Column, bool IsString = false)
{
    public bool Is(string s) => !IsString && string.Equals(Text, s, StringComparison.OrdinalIgnoreCase);
    public override string ToString() => Text;
}

/// <summary>A logical line: continuation lines joined, variables substituted, split into tokens.</summary>
public sealed record IpfLine(int Line, IReadOnlyList<IpfToken> Tokens);

/// <summary>
/// Splits ipf.conf / ipnat.conf text into logical lines of tokens. Handles <c>#</c> comments, backslash
/// continuation and escapes, <c>name = value;</c> variable definitions and <c>$name</c> / <c>${name}</c> references.
/// </summary>
public static partial class IpfLexer
{
    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*;?\s*$")]
    private static partial Regex VariableDefinition();

    public static IReadOnlyList<IpfLine> Tokenize(string text, List<IpfError> errors, IDictionary<string, string>? variables = null)
    {
        variables ??= new Dictionary<string, string>(StringComparer.Ordinal);
        var result = new List<IpfLine>();
        var physical = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < physical.Length; i++)
        {
            int startLine = i + 1;
            var sb = new StringBuilder(physical[i]);
            // Backslash at end of line continues onto the next line.
            while (EndsWithContinuation(sb) && i + 1 < physical.Length)
            {
                sb.Length--;
                sb.Append(' ');
                sb.Append(physical[++i]);
            }
            var line = sb.ToString();
            var stripped = StripComment(line).Trim();
            if (stripped.Length == 0) continue;
            var def = VariableDefinition().Match(stripped);
            if (def.Success)
            {
                var value = def.Groups[2].Value;
                if (IsQuoted(value)) value = value[1..^1];
                variables[def.Groups[1].Value] = Expand(value, variables, startLine, errors);
                continue;
            }
            var expanded = line.Contains('$', StringComparison.Ordinal) ? Expand(line, variables, startLine, errors) : line;
            var tokens = Split(expanded, startLine, errors);
            if (tokens.Count > 0) result.Add(new IpfLine(startLine, tokens));
        }
        return result;
    }

    private static bool EndsWithContinuation(StringBuilder sb)
    {
        int n = sb.Length;
        if (n == 0 || sb[n - 1] != '\\') return false;
        int count = 0;
        for (int k = n - 1; k >= 0 && sb[k] == '\\'; k--) count++;
        return count % 2 == 1;
    }

    private static bool IsQuoted(string v) => v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'');

    private static string StripComment(string line)
    {
        bool inString = false;
        for (int k = 0; k < line.Length; k++)
        {
            if (line[k] == '\\') { k++; continue; }
            if (line[k] == '"') inString = !inString;
            else if (line[k] == '#' && !inString) return line[..k];
        }
        return line;
    }

    private static string Expand(string s, IDictionary<string, string> vars, int line, List<IpfError> errors)
    {
        var sb = new StringBuilder();
        for (int k = 0; k < s.Length; k++)
        {
            if (s[k] != '$') { sb.Append(s[k]); continue; }
            string name;
            int col = k + 1;
            if (k + 1 < s.Length && s[k + 1] == '{')
            {
                int close = s.IndexOf('}', k + 2);
                if (close < 0) { errors.Add(new IpfError(line, col, "unterminated ${ variable reference")); return sb.ToString(); }
                name = s[(k + 2)..close];
                k = close;
            }
            else
            {
                int j = k + 1;
                while (j < s.Length && (char.IsLetterOrDigit(s[j]) || s[j] == '_')) j++;
                name = s[(k + 1)..j];
                k = j - 1;
            }
            if (vars.TryGetValue(name, out var v)) sb.Append(v);
            else errors.Add(new IpfError(line, col, $"undefined variable '{name}'"));
        }
        return sb.ToString();
    }

    private static bool IsWordChar(char c) =>
        char.IsLetterOrDigit(c) || c is '.' or '/' or ':' or '-' or '_' or '@' or '*' or '+' or '\\' or '$';

    public static List<IpfToken> Split(string line, int lineNo, List<IpfError> errors)
    {
        var tokens = new List<IpfToken>();
        int k = 0;
        while (k < line.Length)
        {
            char c = line[k];
            int col = k + 1;
            if (char.IsWhiteSpace(c)) { k++; continue; }
            if (c == '#') break;
            if (c == '"')
            {
                int close = line.IndexOf('"', k + 1);
                if (close < 0) { errors.Add(new IpfError(lineNo, col, "unterminated string")); break; }
                tokens.Add(new IpfToken(line[(k + 1)..close], lineNo, col, true));
                k = close + 1;
                continue;
            }
            string? two = k + 1 < line.Length ? line.Substring(k, 2) : null;
            if (two is "!=" or "<=" or ">=" or "<>" or "><" or "->")
            {
                tokens.Add(new IpfToken(two, lineNo, col));
                k += 2;
                continue;
            }
            if (c is '(' or ')' or ',' or '{' or '}' or ';' or '=' or '!' or '<' or '>' or '|')
            {
                tokens.Add(new IpfToken(c.ToString(), lineNo, col));
                k++;
                continue;
            }
            if (IsWordChar(c))
            {
                var sb = new StringBuilder();
                while (k < line.Length && IsWordChar(line[k]))
                {
                    if (line[k] == '-' && k + 1 < line.Length && line[k + 1] == '>' ) break;
                    if (line[k] == '\\' && k + 1 < line.Length) { sb.Append(line[k + 1]); k += 2; continue; }
                    sb.Append(line[k]);
                    k++;
                }
                tokens.Add(new IpfToken(sb.ToString(), lineNo, col));
                continue;
            }
            errors.Add(new IpfError(lineNo, col, $"unexpected character '{c}'"));
            k++;
        }
        return tokens;
    }
}
