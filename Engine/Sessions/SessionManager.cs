using Illumos.Engine.Native.Runners;

namespace Illumos.Engine.Sessions;

/// <summary>
/// The process-wide list of sessions, the default session, and implicit default resolution:
/// the native local host on illumos (uname SunOS), else an embedded host at $ILLUMOS_HOME or the
/// per-user data folder. Embedded hosts are shared by sessions on the same directory within a
/// process and closed when the last of them is removed.
/// </summary>
public static class SessionManager
{
    private static readonly object Gate = new();
    private static readonly List<IllumosSession> Sessions = new();
    private static readonly Dictionary<string, (EmbeddedHost Host, int Refs)> EmbeddedHosts = new(PathComparer);
    private static int _nextId = 1;
    private static IllumosSession? _default;

    private static StringComparer PathComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    public static IllumosSession? DefaultSession { get { lock (Gate) return _default; } }

    public static IReadOnlyList<IllumosSession> List() { lock (Gate) return Sessions.ToArray(); }

    public static IllumosSession OpenEmbedded(string directory, string? name = null, bool temporary = false)
    {
        var full = Path.GetFullPath(directory);
        lock (Gate)
        {
            if (!EmbeddedHosts.TryGetValue(full, out var entry))
                entry = (EmbeddedHost.Open(full), 0);
            EmbeddedHosts[full] = (entry.Host, entry.Refs + 1);
            return Add(name, entry.Host, temporary);
        }
    }

    public static IllumosSession OpenTemporary(string? name = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "illumos-" + Guid.NewGuid().ToString("N")[..12]);
        return OpenEmbedded(dir, name, temporary: true);
    }

    /// <summary>A native host; the connection is probed before the session is returned.</summary>
    public static IllumosSession OpenNative(ICommandRunner runner, string computerName, string? name = null, string? userName = null, int? port = null, CancellationToken cancellationToken = default)
    {
        var host = new NativeHost(runner, computerName);
        try
        {
            host.Probe(refresh: true, cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        lock (Gate) return Add(name, host, temporary: false, userName, port);
    }

    private static IllumosSession Add(string? name, IHost host, bool temporary, string? userName = null, int? port = null)
    {
        int id = _nextId++;
        var s = new IllumosSession(id, name ?? "Session" + id, host, temporary, userName, port);
        Sessions.Add(s);
        return s;
    }

    public static void SetDefault(IllumosSession? session)
    {
        lock (Gate)
        {
            if (session is not null && session.State == SessionState.Closed)
                throw new IllumosException(ErrorKind.InvalidOperation, "SessionClosed", $"Session {session.Id} is closed.", session);
            _default = session;
        }
    }

    /// <summary>The session used when a cmdlet gets none: the default, else the implicit one (created on first use).</summary>
    public static IllumosSession ResolveDefault()
    {
        lock (Gate)
        {
            if (_default is { State: SessionState.Opened }) return _default;
        }
        IllumosSession s;
        if (IsIllumos())
            s = OpenNative(new LocalRunner(), Environment.MachineName, "Local");
        else
            s = OpenEmbedded(DefaultHostDirectory(), "Default");
        lock (Gate)
        {
            if (_default is { State: SessionState.Opened })
            {
                // Another thread won the race; drop ours.
                RemoveUnlocked(s);
                return _default;
            }
            _default = s;
            return s;
        }
    }

    public static string DefaultHostDirectory()
    {
        var env = Environment.GetEnvironmentVariable("ILLUMOS_HOME");
        if (!string.IsNullOrWhiteSpace(env)) return Path.GetFullPath(env);
        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(data)) data = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(data, "Illumos", "host");
    }

    /// <summary>uname -s is SunOS (illumos or Solaris).</summary>
    public static bool IsIllumos() =>
        System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Create("ILLUMOS"))
        || System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Create("SOLARIS"));

    public static void Remove(IllumosSession session)
    {
        lock (Gate) RemoveUnlocked(session);
    }

    private static void RemoveUnlocked(IllumosSession session)
    {
        Sessions.Remove(session);
        if (_default == session) _default = null;
        var host = session.DetachHost();
        if (host is null) return;
        if (host is EmbeddedHost eh && EmbeddedHosts.TryGetValue(eh.Directory, out var entry))
        {
            if (entry.Refs > 1)
            {
                EmbeddedHosts[eh.Directory] = (entry.Host, entry.Refs - 1);
                return;
            }
            EmbeddedHosts.Remove(eh.Directory);
        }
        host.Dispose();
        if (session.IsTemporary && session.HostDirectory is { } dir && Directory.Exists(dir))
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IllumosException(ErrorKind.ResourceBusy, "TemporaryHostNotDeleted", $"Session removed, but its temporary directory '{dir}' could not be deleted: {e.Message}", dir, e);
            }
        }
    }
}
