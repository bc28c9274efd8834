using System.Text;

namespace Illumos.Engine.Languages.D;

public enum Tk
{
    Eof, Ident, Int, Char, String, Op, AggName, Macro, PSpec, Pragma, Keyword,
}

/// <summary>A D token. For integers <see cref="Value"/> holds the bits and <see cref="IntType"/> the C type.</summary>
public readonly record struct Token(Tk Kind, string Text, int Line, int Pos, ulong Value = 0, string? IntType = null, string? Str = null)
{
    public bool Is(string op) => (Kind == Tk.Op || Kind == Tk.Keyword) && Text == op;
    public override string ToString() => Kind == Tk.Eof ? "end of input" : Text;
}

/// <summary>
/// Hand-written lexer for D. It lexes on demand so the parser can ask for a probe description
/// (a different lexical class at program level) or an ordinary token at any position.
/// </summary>
public sealed class DLexer
{
    private readonly string _s;
    private int _p;
    private int _line = 1;

    public static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "auto", "break", "case", "char", "const", "continue", "counter", "default", "do", "double", "else", "enum",
        "extern", "float", "for", "goto", "if", "import", "inline", "int", "long", "offsetof", "probe", "provider",
        "register", "restrict", "return", "self", "short", "signed", "sizeof", "static", "string", "stringof", "struct",
        "switch", "this", "translator", "typedef", "union", "unsigned", "userland", "void", "volatile", "while", "xlate",
    };

    private static readonly string[] Ops =
    {
        ">>=", "<<=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "^^", "+=", "-=", "*=", "/=",
        "%=", "&=", "^=", "|=", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">", "=", "?", ":", ";", ",", ".",
        "(", ")", "[", "]", "{", "}", "`",
    };

    public DLexer(string source) { _s = source; }

    public int Position => _p;
    public int Line => _line;
    public void Reset(int pos, int line) { _p = pos; _line = line; }

    private char C(int k = 0) => _p + k < _s.Length ? _s[_p + k] : '\0';

    /// <summary>Skips blanks and comments (not pragmas). Returns false at end of input.</summary>
    public void SkipSpace()
    {
        SkipBlank();
        while (_p < _s.Length && _s[_p] == '#' && AtLineStart(_p))
        {
            Directives.Add(ReadDirective());
            SkipBlank();
        }
    }

    private void SkipBlank()
    {
        while (_p < _s.Length)
        {
            char c = _s[_p];
            if (c == '\n') { _line++; _p++; }
            else if (c is ' ' or '\t' or '\r' or '\f' or '\v') _p++;
            else if (c == '/' && C(1) == '*')
            {
                int start = _line;
                _p += 2;
                while (_p < _s.Length && !(_s[_p] == '*' && C(1) == '/')) { if (_s[_p] == '\n') _line++; _p++; }
                if (_p >= _s.Length) throw new DCompileException("D_SYNTAX", start, "/* encountered inside a comment");
                _p += 2;
            }
            else if (c == '/' && C(1) == '/') { while (_p < _s.Length && _s[_p] != '\n') _p++; }
            else break;
        }
    }


    /// <summary>Reads a whole '#' directive line (with line continuations) and returns its text without the '#'.</summary>
    public Token ReadDirective()
    {
        int line = _line, start = _p;
        var sb = new StringBuilder();
        _p++; // '#'
        while (_p < _s.Length && _s[_p] != '\n')
        {
            if (_s[_p] == '\\' && C(1) == '\n') { _p += 2; _line++; sb.Append(' '); continue; }
            sb.Append(_s[_p++]);
        }
        return new Token(Tk.Pragma, sb.ToString(), line, start);
    }

    private static bool IsPSpecChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':' or '*' or '?' or '[' or ']' or '!' or '\\' or '.' or '$' or '`' or '+' or '~';

    /// <summary>Lexes a probe description at program level (e.g. <c>tick-10ms</c>, <c>syscall::read:entry</c>).</summary>
    public Token NextPSpec()
    {
        SkipSpace();
        int line = _line, start = _p;
        while (_p < _s.Length && IsPSpecChar(_s[_p]))
        {
            if (_s[_p] == '/' ) break;
            _p++;
        }
        if (_p == start) return Next();
        return new Token(Tk.PSpec, _s[start.._p], line, start);
    }

    public bool PeekPSpecStart()
    {
        SkipSpace();
        return _p < _s.Length && IsPSpecChar(_s[_p]);
    }

    /// <summary>Control lines (#pragma, #line, shebang) met while lexing, in source order.</summary>
    public List<Token> Directives { get; } = new();

    private bool AtLineStart(int p)
    {
        for (int k = p - 1; k >= 0; k--)
        {
            if (_s[k] == '\n') return true;
            if (_s[k] is not (' ' or '\t' or '\r')) return false;
        }
        return true;
    }

    public Token Next()
    {
        SkipSpace();
        while (_p < _s.Length && _s[_p] == '#' && AtLineStart(_p))
        {
            Directives.Add(ReadDirective());
            SkipSpace();
        }
        int line = _line, start = _p;
        if (_p >= _s.Length) return new Token(Tk.Eof, "", line, start);
        char c = _s[_p];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (_p < _s.Length && (char.IsAsciiLetterOrDigit(_s[_p]) || _s[_p] == '_')) _p++;
            var id = _s[start.._p];
            return new Token(Keywords.Contains(id) ? Tk.Keyword : Tk.Ident, id, line, start);
        }
        if (char.IsAsciiDigit(c)) return LexNumber(line, start);
        if (c == '\'') return LexChar(line, start);
        if (c == '"') return LexString(line, start);
        if (c == '@')
        {
            _p++;
            while (_p < _s.Length && (char.IsAsciiLetterOrDigit(_s[_p]) || _s[_p] == '_')) _p++;
            return new Token(Tk.AggName, _s[start.._p], line, start);
        }
        if (c == '$')
        {
            _p++;
            if (C() == '$') _p++;
            while (_p < _s.Length && (char.IsAsciiLetterOrDigit(_s[_p]) || _s[_p] == '_')) _p++;
            return new Token(Tk.Macro, _s[start.._p], line, start);
        }
        foreach (var op in Ops)
        {
            if (string.CompareOrdinal(_s, _p, op, 0, op.Length) == 0)
            {
                _p += op.Length;
                return new Token(Tk.Op, op, line, start);
            }
        }
        _p++;
        throw new DCompileException("D_SYNTAX", line, $"invalid character '{c}'");
    }

    private Token LexNumber(int line, int start)
    {
        int p = _p;
        bool hex = false, oct = false;
        if (_s[p] == '0' && p + 1 < _s.Length && (_s[p + 1] is 'x' or 'X')) { hex = true; p += 2; }
        else if (_s[p] == '0') oct = true;
        int digitsStart = p;
        while (p < _s.Length && (hex ? char.IsAsciiHexDigit(_s[p]) : char.IsAsciiDigit(_s[p]))) p++;
        if (!hex && p < _s.Length && (_s[p] == '.' || _s[p] is 'e' or 'E') && !oct)
        {
            // floating-point constants are not supported by D
            while (p < _s.Length && (char.IsAsciiLetterOrDigit(_s[p]) || _s[p] == '.')) p++;
            _p = p;
            throw new DCompileException("D_FLT_LIT", line, "floating-point constants are not permitted: " + _s[start..p]);
        }
        int digitsEnd = p;
        int sufStart = p;
        while (p < _s.Length && (char.IsAsciiLetterOrDigit(_s[p]) || _s[p] == '_')) p++;
        string suffix = _s[sufStart..p];
        string text = _s[start..p];
        _p = p;
        string sl = suffix.ToLowerInvariant();
        bool uns = sl.Contains('u');
        int longs = sl.Count(ch => ch == 'l');
        if (sl.Length > 0 && (sl.Trim('u', 'l').Length != 0 || sl.Count(ch => ch == 'u') > 1 || longs > 2))
        {
            // e.g. 0abc or 10ms: the number ends and an identifier follows
            _p = sufStart;
            text = _s[start..sufStart];
            suffix = ""; sl = ""; uns = false; longs = 0;
        }
        string digits = _s[digitsStart..digitsEnd];
        if (oct)
        {
            foreach (char ch in digits)
                if (ch is '8' or '9')
                    throw new DCompileException("D_INT_DIGIT", line, $"constant {text} contains invalid digit {ch}");
        }
        ulong v = 0;
        bool overflow = false;
        int radix = hex ? 16 : oct ? 8 : 10;
        foreach (char ch in digits)
        {
            ulong d = (ulong)Convert.ToInt32(ch.ToString(), 16);
            UInt128 nv = (UInt128)v * (ulong)radix + d;
            if (nv > ulong.MaxValue) { overflow = true; break; }
            v = (ulong)nv;
        }
        if (overflow) throw new DCompileException("D_INT_OFLOW", line, $"constant {text} results in integer overflow");
        // C rules: decimal picks int, long, long long (signed first); octal/hex may pick unsigned types.
        string type;
        bool dec = !hex && !oct;
        if (uns)
            type = longs == 0 && v <= uint.MaxValue ? "unsigned int" : longs == 2 ? "unsigned long long" : "unsigned long";
        else if (longs == 0 && v <= int.MaxValue) type = "int";
        else if (longs == 0 && !dec && v <= uint.MaxValue) type = "unsigned int";
        else if (longs < 2 && v <= long.MaxValue) type = "long";
        else if (longs < 2 && !dec) type = "unsigned long";
        else if (v <= long.MaxValue) type = "long long";
        else type = "unsigned long long";
        return new Token(Tk.Int, text, line, start, v, type);
    }

    private int Escape(ref int p, int line, bool inChar)
    {
        char e = p < _s.Length ? _s[p] : '\0';
        p++;
        switch (e)
        {
            case 'n': return '\n';
            case 't': return '\t';
            case 'r': return '\r';
            case 'a': return 7;
            case 'b': return 8;
            case 'f': return 12;
            case 'v': return 11;
            case '\\': return '\\';
            case '\'': return '\'';
            case '"': return '"';
            case '?': return '?';
            case 'x':
            {
                int v = 0, n = 0;
                while (p < _s.Length && char.IsAsciiHexDigit(_s[p]) && n < 2) { v = v * 16 + Convert.ToInt32(_s[p].ToString(), 16); p++; n++; }
                return v;
            }
            default:
                if (e >= '0' && e <= '7')
                {
                    int v = e - '0', n = 1;
                    while (p < _s.Length && _s[p] >= '0' && _s[p] <= '7' && n < 3) { v = v * 8 + (_s[p] - '0'); p++; n++; }
                    return v & 0xff;
                }
                if (e == '\n') throw new DCompileException(inChar ? "D_CHR_NL" : "D_STR_NL", line + 1,
                    inChar ? "newline encountered in character constant" : "newline encountered in string literal");
                return e;
        }
    }

    private Token LexChar(int line, int start)
    {
        int p = _p + 1;
        var bytes = new List<int>();
        while (true)
        {
            if (p >= _s.Length) throw new DCompileException("D_CHR_NL", _line, "newline encountered in character constant");
            char c = _s[p];
            if (c == '\n') throw new DCompileException("D_CHR_NL", _line + 1, "newline encountered in character constant");
            if (c == '\'') { p++; break; }
            if (c == '\\') { p++; bytes.Add(Escape(ref p, _line, true)); continue; }
            bytes.Add(c); p++;
        }
        _p = p;
        if (bytes.Count == 0) throw new DCompileException("D_CHR_NULL", line, "empty character constant");
        if (bytes.Count > 8) throw new DCompileException("D_CHR_TOOBIG", line, "character constant is too long");
        ulong v = 0;
        foreach (var b in bytes) v = (v << 8) | (uint)(b & 0xff);
        string type = "char";
        if (bytes.Count == 1) v = (ulong)(long)(sbyte)(byte)v;
        else type = bytes.Count <= 4 ? "int" : "long long";
        return new Token(Tk.Char, _s[start.._p], line, start, v, type);
    }

    private Token LexString(int line, int start)
    {
        int p = _p + 1;
        var sb = new StringBuilder();
        while (true)
        {
            if (p >= _s.Length) throw new DCompileException("D_STR_NL", _line, "newline encountered in string literal");
            char c = _s[p];
            if (c == '\n') throw new DCompileException("D_STR_NL", _line + 1, "newline encountered in string literal");
            if (c == '"') { p++; break; }
            if (c == '\\') { p++; sb.Append((char)Escape(ref p, _line, false)); continue; }
            sb.Append(c); p++;
        }
        _p = p;
        return new Token(Tk.String, _s[start.._p], line, start, 0, null, sb.ToString());
    }

}
