using Illumos.Engine.Sessions;

namespace Illumos.Engine.Native.Runners;

/// <summary>This machine's own commands, started directly (no shell).</summary>
public sealed class LocalRunner : ICommandRunner
{
    public HostTransport Transport => HostTransport.Local;
    public string Describe => "local";

    public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
    {
        if (argv.Count == 0) throw new ArgumentException("Empty command.", nameof(argv));
        return ProcessRunner.Run(argv[0], argv.Skip(1).ToArray(), argv, options, cancellationToken);
    }

    public void Dispose() { }
}
