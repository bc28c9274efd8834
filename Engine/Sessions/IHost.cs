namespace Illumos.Engine.Sessions;

public enum HostKind { Embedded, Native }

public enum HostTransport { InProcess, Local, Ssh, Replay }

/// <summary>
/// A host behind a session: the embedded in-process host or a native illumos/OpenZFS system.
/// Facilities (storage, firewall, tracing, ...) are found by interface type; each facility folder
/// registers its own implementations with <see cref="FacilityRegistry"/>, so adding a facility
/// never touches the host classes.
/// </summary>
public interface IHost : IDisposable
{
    HostKind Kind { get; }
    HostTransport Transport { get; }
    string ComputerName { get; }

    /// <summary>Reachability and capabilities; probed once and cached unless <paramref name="refresh"/>.</summary>
    HostCapabilities Probe(bool refresh, CancellationToken cancellationToken);

    /// <summary>The facility implementation of this host, created on first use.</summary>
    T Facility<T>() where T : class;
}

/// <summary>What a host is and can do, as <c>Test-IllumosSession</c> reports it.</summary>
public sealed record HostCapabilities
{
    public bool Reachable { get; init; }
    public HostKind Kind { get; init; }
    public HostTransport Transport { get; init; }
    public string ComputerName { get; init; } = "";
    public string OperatingSystem { get; init; } = "";
    public string? Distribution { get; init; }
    public string? Release { get; init; }
    public string? ZfsVersion { get; init; }
    public bool SupportsJsonOutput { get; init; }
    public bool SupportsParseableOutput { get; init; }
    /// <summary>IP Filter's version as <c>ipf -V</c> reports it ("v4.1.9 (592)"); null where ipf is absent or unreadable.</summary>
    public string? FirewallVersion { get; init; }
    /// <summary>Whether IP Filter is running (<c>ipf -V</c> "Running:"); null when unknown.</summary>
    public bool? FirewallRunning { get; init; }
    public string? HostDirectory { get; init; }
    public IReadOnlyList<string> Facilities { get; init; } = Array.Empty<string>();
    public string EngineVersion { get; init; } = typeof(HostCapabilities).Assembly.GetName().Version?.ToString() ?? "0.0.0";
    public string? Message { get; init; }
    public DateTimeOffset ProbedAt { get; init; } = DateTimeOffset.Now;
}

/// <summary>
/// Facility factories by host kind. Facility folders register themselves from a module initializer,
/// e.g. <c>FacilityRegistry.Register&lt;IStorage&gt;(HostKind.Embedded, h =&gt; new EmbeddedStorage((EmbeddedHost)h));</c>
/// </summary>
public static class FacilityRegistry
{
    private static readonly Dictionary<(Type, HostKind), Func<IHost, object>> Factories = new();
    private static readonly Dictionary<Type, string> Names = new();

    public static void Register<T>(HostKind kind, Func<IHost, T> factory, string? displayName = null) where T : class
    {
        lock (Factories)
        {
            Factories[(typeof(T), kind)] = h => factory(h);
            Names[typeof(T)] = displayName ?? typeof(T).Name.TrimStart('I');
        }
    }

    internal static object Create(Type facility, IHost host)
    {
        Func<IHost, object>? factory;
        lock (Factories) Factories.TryGetValue((facility, host.Kind), out factory);
        if (factory is null)
        {
            var name = DisplayName(facility);
            throw new IllumosException(ErrorKind.NotImplemented, "FacilityNotAvailable",
                $"The {host.Kind.ToString().ToLowerInvariant()} host does not provide the {name} facility.", host.ComputerName);
        }
        return factory(host);
    }

    public static IReadOnlyList<string> Available(HostKind kind)
    {
        lock (Factories)
            return Factories.Keys.Where(k => k.Item2 == kind).Select(k => DisplayName(k.Item1)).OrderBy(n => n, StringComparer.Ordinal).ToArray();
    }

    private static string DisplayName(Type t)
    {
        lock (Factories) return Names.TryGetValue(t, out var n) ? n : t.Name;
    }
}

/// <summary>Shared plumbing for hosts: a facility cache disposed with the host.</summary>
public abstract class HostBase : IHost
{
    private readonly Dictionary<Type, object> _facilities = new();
    private bool _disposed;

    public abstract HostKind Kind { get; }
    public abstract HostTransport Transport { get; }
    public abstract string ComputerName { get; }
    public abstract HostCapabilities Probe(bool refresh, CancellationToken cancellationToken);

    public T Facility<T>() where T : class
    {
        lock (_facilities)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_facilities.TryGetValue(typeof(T), out var f))
            {
                f = FacilityRegistry.Create(typeof(T), this);
                _facilities[typeof(T)] = f;
            }
            return (T)f;
        }
    }

    public void Dispose()
    {
        List<object> toDispose;
        lock (_facilities)
        {
            if (_disposed) return;
            _disposed = true;
            toDispose = _facilities.Values.Reverse().ToList();
            _facilities.Clear();
        }
        foreach (var f in toDispose) (f as IDisposable)?.Dispose();
        DisposeHost();
    }

    protected virtual void DisposeHost() { }
}
