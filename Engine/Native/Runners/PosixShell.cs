namespace Illumos.Engine.Native.Runners;

/// <summary>
/// The one audited place where arguments become POSIX shell text (for the remote side of ssh).
/// Every argument is wrapped in single quotes, inside which a POSIX shell interprets nothing;
/// a single quote itself is written as <c>'\''</c>. NUL cannot be passed through argv and is refused.
/// </summary>
public static class PosixShell
{
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        if (argument.Contains('\0'))
            throw IllumosException.Invalid("ArgumentContainsNul", "An argument for a remote command contains a NUL character, which cannot be passed.", argument);
        if (!IsValidUtf16(argument))
            throw IllumosException.Invalid("ArgumentNotUnicode", "An argument for a remote command holds a lone UTF-16 surrogate; it would not reach the remote side unchanged.", argument);
        if (argument.Length > 0 && argument.All(IsSafe)) return argument;
        return "'" + argument.Replace("'", "'\\''") + "'";
    }

    /// <summary>A command line for <c>sh -c</c>: every word quoted, joined by spaces.</summary>
    public static string Join(IEnumerable<string> argv) => string.Join(' ', argv.Select(Quote));

    private static bool IsValidUtf16(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(s[i])) return false;
        }
        return true;
    }

    // Characters no POSIX shell treats specially anywhere in a word.
    private static bool IsSafe(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or ',' or ':' or '@' or '%' or '+' or '=';
}
