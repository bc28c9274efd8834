using System.Globalization;
using System.Text;
using Illumos.Engine.Sessions;

namespace Illumos.Engine.Native.Runners;

/// <summary>
/// Answers commands from recorded outputs. A recording is a <c>*.txt</c> file whose first line is
/// <c>$ &lt;command line&gt;</c>, optionally followed by <c># exit: N</c>, <c># stderr: text</c> and
/// <c># stdin: text</c> lines, then the command's stdout exactly as printed. A command is answered by a
/// recording with the same tool, subcommand and positional target (and, when the recording has
/// <c># stdin:</c> lines, the same standard input, e.g. the D program fed to <c>dtrace -s /dev/stdin</c>);
/// among those, the one whose options match best.
/// </summary>
public sealed class ReplayRunner : ICommandRunner
{
    private readonly List<Recording> _recordings;

    public ReplayRunner(string directory)
    {
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
            throw IllumosException.NotFound("ReplayDirectoryNotFound", $"The replay directory '{directory}' does not exist.", directory);
        _recordings = System.IO.Directory.EnumerateFiles(Directory, "*.txt", SearchOption.TopDirectoryOnly)
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(Recording.TryLoad)
            .Where(r => r is not null)
            .Select(r => r!)
            .ToList();
        if (_recordings.Count == 0)
            throw IllumosException.Invalid("ReplayDirectoryEmpty", $"The replay directory '{directory}' holds no recordings (*.txt files starting with a '$ command' line).", directory);
    }

    public string Directory { get; }
    public HostTransport Transport => HostTransport.Replay;
    public string Describe => "replay " + Directory;
    public IReadOnlyList<string> RecordedCommands => _recordings.Select(r => r.CommandLine).ToArray();

    public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var wanted = CommandShape.Of(argv);
        string? stdin = null;
        if (options?.StdIn is { } input && _recordings.Any(r => r.StdIn is not null && r.Shape.SameCommand(wanted)))
            stdin = new StreamReader(input, Encoding.UTF8).ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n');
        Recording? best = null;
        int bestScore = int.MinValue;
        foreach (var r in _recordings)
        {
            if (!r.Shape.SameCommand(wanted)) continue;
            if (r.StdIn is not null && r.StdIn != stdin) continue;
            int score = r.Shape.OptionScore(wanted) + (r.StdIn is null ? 0 : 1);
            if (score > bestScore) { best = r; bestScore = score; }
        }
        if (best is null)
            throw new IllumosException(ErrorKind.ObjectNotFound, "ReplayNoMatch",
                $"No recording in '{Directory}' answers '{string.Join(' ', argv)}' (tool '{wanted.Tool}', subcommand '{wanted.Subcommand}', target '{wanted.Target}').",
                string.Join(' ', argv));
        if (options?.StdOut is { } sink)
        {
            var bytes = Encoding.UTF8.GetBytes(best.StdOut);
            sink.Write(bytes);
            return new CommandResult(argv, best.ExitCode, "", best.StdErr);
        }
        return new CommandResult(argv, best.ExitCode, best.StdOut, best.StdErr);
    }

    public void Dispose() { }

    private sealed record Recording(string Path, string CommandLine, CommandShape Shape, int ExitCode, string StdErr, string StdOut, string? StdIn)
    {
        public static Recording? TryLoad(string path)
        {
            var text = File.ReadAllText(path);
            if (!text.StartsWith("$ ", StringComparison.Ordinal)) return null;
            var lines = new List<string>();
            int pos = 0;
            string NextLine()
            {
                int nl = text.IndexOf('\n', pos);
                string line = nl < 0 ? text[pos..] : text[pos..nl];
                pos = nl < 0 ? text.Length : nl + 1;
                return line.TrimEnd('\r');
            }
            var commandLine = NextLine()[2..].Trim();
            int exit = 0;
            var stderr = new StringBuilder();
            StringBuilder? stdin = null;
            while (pos < text.Length)
            {
                int save = pos;
                var line = NextLine();
                if (line.StartsWith("# exit:", StringComparison.Ordinal) && int.TryParse(line[7..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var e)) exit = e;
                else if (line.StartsWith("# stderr:", StringComparison.Ordinal)) stderr.Append(line[9..].TrimStart()).Append('\n');
                else if (line.StartsWith("# stdin:", StringComparison.Ordinal)) (stdin ??= new StringBuilder()).Append(line.Length > 8 && line[8] == ' ' ? line[9..] : line[8..]).Append('\n');
                else { pos = save; break; }
            }
            var words = ShellWords.Split(commandLine);
            if (words.Count == 0) return null;
            return new Recording(path, commandLine, CommandShape.Of(words), exit, stderr.ToString(), text[pos..], stdin?.ToString().TrimEnd('\n'));
        }
    }
}

/// <summary>
/// What identifies a command for replay: the tool (basename of argv[0]), its subcommand (the first
/// operand, for tools that have subcommands), the positional target (the last operand after it), and
/// the set of option words. Option values are told apart from operands by a per-tool list of
/// options that take a value.
/// </summary>
internal sealed record CommandShape(string Tool, string Subcommand, string Target, IReadOnlySet<string> Options)
{
    private static readonly HashSet<string> ToolsWithSubcommands = new(StringComparer.Ordinal)
    { "zpool", "zfs", "zoneadm", "zonecfg", "dladm", "ipadm", "vmadm", "svcadm", "svccfg", "fmadm", "zstream", "imgadm", "beadm", "pkg" };

    // Options whose next word is their value (per tool; "*" applies to all).
    private static readonly Dictionary<string, string> ValueOptions = new(StringComparer.Ordinal)
    {
        ["*"] = "o",
        ["zfs"] = "oOstSdVbx",
        ["zpool"] = "oOmRdtT",
        ["zoneadm"] = "zRu",
        ["zonecfg"] = "zf",
        ["dladm"] = "olvRi",
        ["ipadm"] = "oT",
        ["svcs"] = "osSz",
        ["svcprop"] = "ptz",
        ["svcadm"] = "z",
        ["vmadm"] = "osf",
        ["ipf"] = "fTGz",
        ["ipfstat"] = "MNGz",
        ["ipnat"] = "fMNGz",
        ["dtrace"] = "nsPmfiox",
        ["prstat"] = "sSnuUpPz",
    };

    public static CommandShape Of(IReadOnlyList<string> argv)
    {
        var tool = Path.GetFileName(argv[0]);
        var valueLetters = ValueOptions.GetValueOrDefault(tool, "") + ValueOptions["*"];
        var options = new HashSet<string>(StringComparer.Ordinal);
        var operands = new List<string>();
        for (int i = 1; i < argv.Count; i++)
        {
            var w = argv[i];
            if (w.Length > 1 && w[0] == '-' && w != "--")
            {
                options.Add(w);
                bool takesValue = !w.StartsWith("--", StringComparison.Ordinal) && valueLetters.Contains(w[^1]) && w.Length == 2;
                if (takesValue && i + 1 < argv.Count) { options.Add(w + " " + argv[i + 1]); i++; }
            }
            else if (w != "--") operands.Add(w);
        }
        string sub = "";
        if (ToolsWithSubcommands.Contains(tool) && operands.Count > 0) { sub = operands[0]; operands.RemoveAt(0); }
        var target = operands.Count > 0 ? operands[^1] : "";
        return new CommandShape(tool, sub, target, options);
    }

    public bool SameCommand(CommandShape other) =>
        Tool == other.Tool && Subcommand == other.Subcommand && Target == other.Target;

    /// <summary>Higher is better: shared option words count, missing or extra ones cost.</summary>
    public int OptionScore(CommandShape wanted)
    {
        int shared = Options.Count(wanted.Options.Contains);
        return shared * 2 - (Options.Count - shared) - (wanted.Options.Count - shared);
    }
}

/// <summary>Splits a recorded command line into words the way a POSIX shell would (quotes, backslashes).</summary>
internal static class ShellWords
{
    public static List<string> Split(string line)
    {
        var words = new List<string>();
        var cur = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '\'')
            {
                int end = line.IndexOf('\'', i + 1);
                if (end < 0) end = line.Length;
                cur.Append(line, i + 1, end - i - 1);
                i = end; inWord = true;
            }
            else if (c == '"')
            {
                i++;
                for (; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length && "\"\\$`".Contains(line[i + 1])) i++;
                    cur.Append(line[i]);
                }
                inWord = true;
            }
            else if (c == '\\' && i + 1 < line.Length) { cur.Append(line[++i]); inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(cur.ToString()); cur.Clear(); inWord = false; }
            }
            else if (c == '|' && !inWord) break; // a recorded pipeline: only the first command matters
            else { cur.Append(c); inWord = true; }
        }
        if (inWord) words.Add(cur.ToString());
        return words;
    }
}
