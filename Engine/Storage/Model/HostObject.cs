using Illumos.Engine.Sessions;

namespace Illumos.Engine.Storage;

/// <summary>
/// Base of every record a cmdlet returns: it carries the session it came from (set by the cmdlet
/// layer with <c>with { Session = s }</c>), so piping it onward reaches the same host.
/// </summary>
public abstract record HostObject
{
    public IllumosSession? Session { get; init; }
    public string? ComputerName => Session?.ComputerName;
}
