using Illumos.Engine.Sessions;

namespace Illumos.Engine.Native.Runners;

/// <summary>Connection settings for <see cref="SshRunner"/>.</summary>
public sealed record SshTarget(string HostName, string? UserName = null, int? Port = null, string? KeyFilePath = null, int ConnectTimeoutSeconds = 10)
{
    public override string ToString() => (UserName is null ? "" : UserName + "@") + HostName + (Port is null ? "" : ":" + Port);
}

/// <summary>
/// Remote commands through the system OpenSSH client: BatchMode (never prompts), a connect timeout,
/// one multiplexed connection per session (ControlMaster/ControlPersist), host key checking left to
/// the user's ssh configuration. The remote command is built by <see cref="PosixShell"/> only.
/// </summary>
public sealed class SshRunner : ICommandRunner
{
    private readonly SshTarget _target;
    private readonly string _controlDir;

    public SshRunner(SshTarget target, string sshExecutable = "ssh")
    {
        _target = target;
        SshExecutable = sshExecutable;
        _controlDir = Path.Combine(Path.GetTempPath(), "illumos-ssh-" + Environment.ProcessId);
        Directory.CreateDirectory(_controlDir);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_controlDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string SshExecutable { get; }
    public HostTransport Transport => HostTransport.Ssh;
    public string Describe => "ssh " + _target;

    /// <summary>The ssh client arguments before the remote command (exposed for tests).</summary>
    public IReadOnlyList<string> ClientArguments()
    {
        var a = new List<string>
        {
            "-T", // never a pty, whatever the user's RequestTTY says: a pty would alter binary streams
            "-o", "BatchMode=yes",
            "-o", "ConnectTimeout=" + _target.ConnectTimeoutSeconds,
            "-o", "ControlMaster=auto",
            "-o", "ControlPath=" + Path.Combine(_controlDir, "%C"),
            "-o", "ControlPersist=60",
            "-o", "ServerAliveInterval=15",
        };
        if (_target.Port is { } p) { a.Add("-p"); a.Add(p.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
        if (_target.KeyFilePath is { } k) { a.Add("-i"); a.Add(k); a.Add("-o"); a.Add("IdentitiesOnly=yes"); }
        if (_target.UserName is { } u) { a.Add("-l"); a.Add(u); }
        a.Add("--");
        a.Add(_target.HostName);
        return a;
    }

    /// <summary>The text the remote shell runs: the C locale, then the quoted argv.</summary>
    public static string RemoteCommand(IReadOnlyList<string> argv) => "LC_ALL=C; export LC_ALL; exec " + PosixShell.Join(argv);

    public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
    {
        if (argv.Count == 0) throw new ArgumentException("Empty command.", nameof(argv));
        var args = ClientArguments().Append(RemoteCommand(argv)).ToArray();
        var result = ProcessRunner.Run(SshExecutable, args, argv, options, cancellationToken);
        if (result.ExitCode == 255)
            throw new IllumosException(ErrorKind.ConnectionError, "SshConnectionFailed",
                $"Cannot reach {_target} over ssh: {result.StdErr.Trim()}", _target.ToString());
        return result;
    }

    public void Dispose()
    {
        // Close the master connection if one is up; ignore failures (none may exist).
        try
        {
            var args = ClientArguments().ToList();
            args.Insert(0, "exit");
            args.Insert(0, "-O");
            ProcessRunner.Run(SshExecutable, args.Where(x => x != "--").ToArray(), ["ssh", "-O", "exit"], new CommandOptions { Timeout = TimeSpan.FromSeconds(5) }, CancellationToken.None);
        }
        catch (IllumosException) { }
    }
}
