using System.Text.Json;

namespace Illumos.Engine.Sessions;

/// <summary>
/// The in-process host. Its state lives in a host directory laid out like an illumos root
/// (etc/zfs, etc/zones, etc/ipf, ...); facilities create their own parts of it on first use.
/// </summary>
public sealed class EmbeddedHost : HostBase
{
    public const int FormatVersion = 1;
    private readonly HostLock _lock;

    private EmbeddedHost(string directory, HostLock hostLock)
    {
        Directory = directory;
        _lock = hostLock;
    }

    public string Directory { get; }
    public override HostKind Kind => HostKind.Embedded;
    public override HostTransport Transport => HostTransport.InProcess;
    public override string ComputerName => "embedded:" + Directory;

    /// <summary>Path of a file or folder inside the host directory, e.g. <c>PathOf("etc","zfs")</c>.</summary>
    public string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    /// <summary>Opens (creating if needed) and locks a host directory.</summary>
    public static EmbeddedHost Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        if (File.Exists(full))
            throw IllumosException.Invalid("HostPathIsFile", $"'{full}' is a file; an embedded host needs a directory.", directory);
        var marker = Path.Combine(full, "illumos-host.json");
        // Refuse a foreign directory before touching it: nothing may be left behind.
        if (System.IO.Directory.Exists(full) && !File.Exists(marker)
            && System.IO.Directory.EnumerateFileSystemEntries(full).Any(e => !Path.GetFileName(e).StartsWith(".illumos", StringComparison.Ordinal)))
            throw IllumosException.Refused("HostDirectoryNotEmpty",
                $"'{full}' is not empty and is not an embedded host directory; choose an empty or new directory.", directory);
        try
        {
            System.IO.Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IllumosException(ErrorKind.PermissionDenied, "HostDirectoryUnavailable", $"Cannot create the host directory '{full}': {e.Message}", directory, e);
        }
        var hostLock = HostLock.Acquire(full);
        try
        {
            if (File.Exists(marker))
            {
                var info = JsonSerializer.Deserialize<HostMarker>(File.ReadAllText(marker));
                if (info is null || info.FormatVersion > FormatVersion)
                    throw new IllumosException(ErrorKind.InvalidData, "HostFormatUnsupported",
                        $"The host directory '{full}' has format version {info?.FormatVersion}; this module reads up to {FormatVersion}.", directory);
            }
            else
            {
                AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(new HostMarker(FormatVersion, DateTimeOffset.Now)));
                System.IO.Directory.CreateDirectory(Path.Combine(full, "etc"));
            }
            return new EmbeddedHost(full, hostLock);
        }
        catch
        {
            hostLock.Dispose();
            throw;
        }
    }

    public override HostCapabilities Probe(bool refresh, CancellationToken cancellationToken) => new()
    {
        Reachable = true,
        Kind = HostKind.Embedded,
        Transport = HostTransport.InProcess,
        ComputerName = ComputerName,
        OperatingSystem = "Embedded",
        Distribution = "Illumos embedded host",
        Release = typeof(EmbeddedHost).Assembly.GetName().Version?.ToString(3),
        ZfsVersion = "embedded-" + FormatVersion,
        SupportsJsonOutput = true,
        SupportsParseableOutput = true,
        HostDirectory = Directory,
        Facilities = FacilityRegistry.Available(HostKind.Embedded),
    };

    protected override void DisposeHost() => _lock.Dispose();

    private sealed record HostMarker(int FormatVersion, DateTimeOffset Created);
}
