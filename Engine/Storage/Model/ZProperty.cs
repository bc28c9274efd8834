namespace Illumos.Engine.Storage;

public enum ZPropertySource { None, Default, Local, Inherited, Received, Temporary }

/// <summary>
/// One property of a pool or dataset (<c>zfs get</c> / <c>zpool get</c>). <see cref="Value"/> is the
/// parseable form (-p): bytes as integers, "none", "on"/"off". <see cref="SourceText"/> reads like zfs's SOURCE column.
/// </summary>
public sealed record ZProperty : HostObject
{
    public required string Name { get; init; }
    public required string Property { get; init; }
    public required string Value { get; init; }
    public ZPropertySource Source { get; init; }
    /// <summary>The dataset the value is inherited from, for <see cref="ZPropertySource.Inherited"/>.</summary>
    public string? InheritedFrom { get; init; }
    public string SourceText => Source switch
    {
        ZPropertySource.None => "-",
        ZPropertySource.Inherited => "inherited from " + InheritedFrom,
        _ => Source.ToString().ToLowerInvariant(),
    };
}
