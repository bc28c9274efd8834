namespace Illumos.Engine.Sessions;

public enum SessionState { Opened, Closed }

/// <summary>
/// A connection to one host. Objects returned by cmdlets carry their session, so
/// <c>Get-X | Set-X</c> goes back to the host the object came from.
/// </summary>
public sealed class IllumosSession
{
    private IHost? _host;

    internal IllumosSession(int id, string name, IHost host, bool temporary, string? userName = null, int? port = null)
    {
        Id = id;
        Name = name;
        _host = host;
        IsTemporary = temporary;
        UserName = userName;
        Port = port;
        Kind = host.Kind;
        Transport = host.Transport;
        ComputerName = host.ComputerName;
        HostDirectory = (host as EmbeddedHost)?.Directory;
        CreatedAt = DateTimeOffset.Now;
    }

    public int Id { get; }
    public string Name { get; }
    public HostKind Kind { get; }
    public HostTransport Transport { get; }
    public string ComputerName { get; }
    public string? HostDirectory { get; }
    public string? UserName { get; }
    public int? Port { get; }
    public bool IsTemporary { get; }
    public bool IsDefault => SessionManager.DefaultSession == this;
    public DateTimeOffset CreatedAt { get; }
    public SessionState State => _host is null ? SessionState.Closed : SessionState.Opened;

    /// <summary>The host, or a clear error when the session was removed.</summary>
    public IHost Host => _host ?? throw new IllumosException(ErrorKind.InvalidOperation, "SessionClosed",
        $"Session {Id} ('{Name}') was removed; create a new one with New-IllumosSession.", this);

    /// <summary>The facility of this session's host (storage, firewall, ...).</summary>
    public T Facility<T>() where T : class => Host.Facility<T>();

    internal IHost? DetachHost() => Interlocked.Exchange(ref _host, null);

    public override string ToString() => Name;
}
