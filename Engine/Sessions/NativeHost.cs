using Illumos.Engine.Native.Runners;

namespace Illumos.Engine.Sessions;

/// <summary>A real illumos (or OpenZFS) system driven through its own commands by a runner.</summary>
public sealed class NativeHost : HostBase
{
    private HostCapabilities? _capabilities;

    public NativeHost(ICommandRunner runner, string computerName)
    {
        Runner = runner;
        ComputerName = computerName;
    }

    public ICommandRunner Runner { get; }
    public override HostKind Kind => HostKind.Native;
    public override HostTransport Transport => Runner.Transport;
    public override string ComputerName { get; }

    /// <summary>Runs a command; facilities call this (never a shell string).</summary>
    public CommandResult Run(IReadOnlyList<string> argv, CancellationToken cancellationToken, CommandOptions? options = null) =>
        Runner.Run(argv, options, cancellationToken);

    public override HostCapabilities Probe(bool refresh, CancellationToken cancellationToken)
    {
        if (_capabilities is not null && !refresh) return _capabilities;
        var uname = Runner.Run(["uname", "-s", "-r", "-v"], null, cancellationToken).EnsureSuccess(ErrorKind.ConnectionError, "ProbeFailed");
        var parts = uname.StdOut.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        string os = parts.ElementAtOrDefault(0) ?? "unknown";
        string? release = parts.ElementAtOrDefault(1);
        string? version = parts.ElementAtOrDefault(2);
        string? distribution = ProbeDistribution(os, version, cancellationToken);
        string? zfs = ProbeZfsVersion(os, cancellationToken);
        bool json = zfs is not null && OpenZfsAtLeast(zfs, 2, 3);
        var ipf = os == "SunOS" ? ProbeIpf(cancellationToken) : null;
        _capabilities = new HostCapabilities
        {
            Reachable = true,
            Kind = HostKind.Native,
            Transport = Runner.Transport,
            ComputerName = ComputerName,
            OperatingSystem = os,
            Distribution = distribution,
            Release = release,
            ZfsVersion = zfs,
            SupportsJsonOutput = json,
            SupportsParseableOutput = true,
            FirewallVersion = ipf?.Version,
            FirewallRunning = ipf?.Running,
            Facilities = FacilityRegistry.Available(HostKind.Native),
            Message = Runner.Describe,
        };
        return _capabilities;
    }

    private string? ProbeDistribution(string os, string? unameVersion, CancellationToken ct)
    {
        if (os == "SunOS")
        {
            var r = TryRun(["cat", "/etc/release"], ct);
            var first = r?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
            if (first is not null)
            {
                foreach (var d in new[] { "OmniOS", "SmartOS", "OpenIndiana", "Tribblix", "Helios", "Oracle Solaris" })
                    if (first.Contains(d, StringComparison.OrdinalIgnoreCase)) return d;
                return first;
            }
            if (unameVersion?.StartsWith("joyent", StringComparison.OrdinalIgnoreCase) == true) return "SmartOS";
            if (unameVersion?.StartsWith("omnios", StringComparison.OrdinalIgnoreCase) == true) return "OmniOS";
            return "illumos";
        }
        if (os == "Linux")
        {
            var r = TryRun(["cat", "/etc/os-release"], ct);
            var pretty = r?.Split('\n').FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return pretty?["PRETTY_NAME=".Length..].Trim('"') ?? "Linux";
        }
        return os;
    }

    private string? ProbeZfsVersion(string os, CancellationToken ct)
    {
        var v = TryRun(["zfs", "version"], ct);
        var line = v?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("zfs-", StringComparison.Ordinal));
        if (line is not null) return line;
        // illumos has no 'zfs version': its zfs is versioned with the OS.
        return os == "SunOS" ? "illumos" : null;
    }

    /// <summary><c>ipf -V</c>; an absent or unreadable ipf leaves the firewall fields unknown rather than failing the probe.</summary>
    private Native.Parsers.IpfVersionInfo? ProbeIpf(CancellationToken ct)
    {
        var text = TryRun(Native.Commands.SystemCommands.IpfVersion(), ct);
        if (text is null) return null;
        try { return Native.Parsers.IpfVersionParser.Parse(text); }
        catch (IllumosException e) when (e.Kind == ErrorKind.ParserError) { return null; }
    }

    private string? TryRun(string[] argv, CancellationToken ct)
    {
        try
        {
            var r = Runner.Run(argv, null, ct);
            return r.Succeeded ? r.StdOut : null;
        }
        catch (IllumosException e) when (e.Kind is ErrorKind.ObjectNotFound or ErrorKind.ResourceUnavailable)
        {
            return null;
        }
    }

    /// <summary>True when an OpenZFS version string ("zfs-2.3.1-1") is at least major.minor.</summary>
    public static bool OpenZfsAtLeast(string version, int major, int minor)
    {
        var m = System.Text.RegularExpressions.Regex.Match(version, @"^zfs-(?:kmod-)?(\d+)\.(\d+)");
        if (!m.Success) return false;
        int a = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int b = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        return a > major || (a == major && b >= minor);
    }

    protected override void DisposeHost() => Runner.Dispose();
}
