using Illumos.Engine.Sessions;

namespace Illumos.Engine.Native.Runners;

/// <summary>Runs one native command given as an argv array (never a shell string).</summary>
public interface ICommandRunner : IDisposable
{
    HostTransport Transport { get; }

    /// <summary>A short description for messages: "local", "ssh root@host:22", "replay /dir".</summary>
    string Describe { get; }

    /// <summary>
    /// Runs <paramref name="argv"/>; stdout and stderr are captured unless <see cref="CommandOptions.StdOut"/>
    /// streams stdout elsewhere. A non-zero exit is returned, not thrown: callers decide with <see cref="CommandResult.EnsureSuccess"/>.
    /// </summary>
    CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken);
}

public sealed record CommandOptions
{
    /// <summary>Bytes fed to the command's stdin (for example a send stream into zfs receive).</summary>
    public Stream? StdIn { get; init; }
    /// <summary>Where stdout goes when it is large or binary; <see cref="CommandResult.StdOut"/> is then empty.</summary>
    public Stream? StdOut { get; init; }
    public TimeSpan? Timeout { get; init; }
}

public sealed record CommandResult(IReadOnlyList<string> Argv, int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    public CommandResult EnsureSuccess(ErrorKind kind = ErrorKind.NotSpecified, string? errorId = null)
    {
        if (ExitCode != 0)
            throw new IllumosCommandException(Argv.Count > 0 ? Argv[0] : "", Argv, ExitCode, StdErr, kind, errorId);
        return this;
    }
}
