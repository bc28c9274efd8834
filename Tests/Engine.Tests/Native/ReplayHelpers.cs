using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;

namespace Illumos.Engine.Tests.Native;

/// <summary>A temporary replay directory in ReplayRunner's recording format, deleted on dispose.</summary>
public sealed class ReplayDir : IDisposable
{
    private int _n;

    public ReplayDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "illumos-replay-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Records <paramref name="argv"/> answering <paramref name="stdout"/> (and an exit code and stderr).</summary>
    public ReplayDir Add(IReadOnlyList<string> argv, string stdout, int exit = 0, string? stderr = null)
    {
        var head = "$ " + PosixShell.Join(argv) + "\n";
        if (exit != 0) head += "# exit: " + exit + "\n";
        if (stderr is not null) foreach (var l in stderr.TrimEnd('\n').Split('\n')) head += "# stderr: " + l + "\n";
        File.WriteAllText(System.IO.Path.Combine(Path, $"{++_n:D3}.txt"), head + stdout);
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Counts (and keeps) the commands that pass through to an inner runner.</summary>
public sealed class CountingRunner(ICommandRunner inner) : ICommandRunner
{
    public List<IReadOnlyList<string>> Commands { get; } = new();
    public int Count => Commands.Count;
    public HostTransport Transport => inner.Transport;
    public string Describe => "counting " + inner.Describe;

    public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
    {
        Commands.Add(argv.ToArray());
        return inner.Run(argv, options, cancellationToken);
    }

    public void Dispose() => inner.Dispose();
}

/// <summary>A runner that answers every command with a function (for counting tests and the bench).</summary>
public sealed class FuncRunner(Func<IReadOnlyList<string>, CommandResult> answer) : ICommandRunner
{
    public HostTransport Transport => HostTransport.Replay;
    public string Describe => "func";
    public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken) => answer(argv);
    public void Dispose() { }
}

public static class FixtureRows
{
    /// <summary>Re-lays a -H sample recorded with <paramref name="from"/> columns as rows of <paramref name="to"/> columns ('-' where the sample has no value).</summary>
    public static string Reorder(string text, IReadOnlyList<string> from, IReadOnlyList<string> to, Func<string, string>? canonical = null)
    {
        canonical ??= ZfsListParser.Canonical;
        var fromC = from.Select(canonical).ToArray();
        var lines = ParseText.Lines(text).Where(l => l.Length > 0).Select((l, i) =>
        {
            var f = ParseText.SplitTabs(l, from.Count, "fixture", i + 1);
            return string.Join('\t', to.Select(c => Array.IndexOf(fromC, canonical(c)) is var k && k >= 0 ? f[k] : "-"));
        });
        return string.Join("\n", lines) + "\n";
    }
}
