namespace Illumos.Engine.Native.Commands;

/// <summary>argv builders for <c>dtrace</c>; option names and probe fields are checked here, before anything is sent.</summary>
public static class DTraceCommands
{
    public const string Tool = "dtrace";

    /// <summary>Where the program goes: dtrace reads it from its standard input (no temporary file on the host).</summary>
    public const string ScriptFromStdin = "/dev/stdin";

    /// <summary>
    /// <c>dtrace [-q] [-x name[=value]]... -s /dev/stdin [args...]</c>. dtrace parses options among its operands
    /// (it calls getopt again after each one), so an argument that begins with '-' is preceded by its own <c>--</c>.
    /// </summary>
    public static string[] Run(bool quiet, IEnumerable<KeyValuePair<string, string?>> options, IReadOnlyList<string> arguments)
    {
        var a = new List<string> { Tool };
        if (quiet) a.Add("-q");
        foreach (var (name, value) in options)
        {
            if (name == "quiet") continue;   // -q above
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw IllumosException.Invalid("InvalidTraceOption", $"'{NativeNames.Printable(name)}' is not a dtrace option name.", name);
            if (value is not null && value.Contains('\0'))
                throw IllumosException.Invalid("InvalidTraceOption", $"The value of dtrace option '{name}' holds a NUL character.", name);
            a.Add("-x");
            a.Add(value is null ? name : name + "=" + value);
        }
        a.Add("-s");
        a.Add(ScriptFromStdin);
        foreach (var arg in arguments)
        {
            if (arg.Contains('\0'))
                throw IllumosException.Invalid("InvalidTraceArgument", "A macro argument holds a NUL character.", arg);
            if (arg.StartsWith('-')) a.Add("--");
            a.Add(arg);
        }
        return a.ToArray();
    }

    /// <summary>
    /// <c>dtrace -l</c>, narrowed on the host: one field as <c>-P</c>, <c>-m</c>, <c>-f</c> or <c>-n</c>; several as one
    /// <c>-n provider:module:function:name</c> description (dtrace lists the union of several -P/-m/-f/-n, so
    /// the intersection needs a single description). Fields may hold dtrace's globs (* ? [...]).
    /// </summary>
    public static string[] List(string? provider, string? module, string? function, string? name)
    {
        var fields = new[] { provider, module, function, name };
        for (int i = 0; i < 4; i++)
            if (fields[i] is { } f && (f.Length == 0 || f.Any(c => c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))))
                throw IllumosException.Invalid("InvalidProbeField", $"'{NativeNames.Printable(f)}' is not a probe {(new[] { "provider", "module", "function", "name" })[i]}.", f);
        int given = fields.Count(f => f is not null);
        if (given == 0) return [Tool, "-l"];
        if (given == 1)
        {
            int k = Array.FindIndex(fields, f => f is not null);
            return [Tool, "-l", (new[] { "-P", "-m", "-f", "-n" })[k], fields[k]!];
        }
        return [Tool, "-l", "-n", string.Join(':', fields.Select(f => f ?? ""))];
    }
}
