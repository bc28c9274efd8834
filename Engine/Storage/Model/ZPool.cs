namespace Illumos.Engine.Storage;

/// <summary>Pool and vdev states as zpool prints them.</summary>
public enum ZHealth { ONLINE, DEGRADED, FAULTED, OFFLINE, REMOVED, UNAVAIL, SUSPENDED, AVAIL, INUSE }

/// <summary>A pool, as <c>zpool list</c> shows it. Sizes are bytes; percentages are 0-100.</summary>
public sealed record ZPool : HostObject
{
    public required string Name { get; init; }
    public ulong Guid { get; init; }
    public ZHealth Health { get; init; }
    public ulong Size { get; init; }
    public ulong Allocated { get; init; }
    public ulong Free { get; init; }
    /// <summary>Percent of Size allocated (zpool's "capacity").</summary>
    public int Capacity { get; init; }
    /// <summary>Percent fragmentation of free space, or null when unknown ("-").</summary>
    public int? Fragmentation { get; init; }
    public double DedupRatio { get; init; } = 1.0;
    public ulong? ExpandSize { get; init; }
    public ulong? Checkpoint { get; init; }
    public string? AltRoot { get; init; }
    public override string ToString() => Name;
}

/// <summary>A pool that can be imported (<c>zpool import</c> without a name).</summary>
public sealed record ZImportablePool : HostObject
{
    public required string Name { get; init; }
    public ulong Guid { get; init; }
    public ZHealth State { get; init; }
    public string? Comment { get; init; }
    public string? Status { get; init; }
    public string? Action { get; init; }
    public ZPoolVdev? Config { get; init; }
    public IReadOnlyList<string> Devices { get; init; } = Array.Empty<string>();
    public override string ToString() => Name;
}

/// <summary>One line of <c>zpool history</c>.</summary>
public sealed record ZPoolHistoryEntry : HostObject
{
    public required string PoolName { get; init; }
    public DateTimeOffset Time { get; init; }
    public required string Command { get; init; }
    /// <summary>An internal event (zpool history -i) rather than a user command.</summary>
    public bool Internal { get; init; }
    public ulong? Txg { get; init; }
    public string? User { get; init; }
    public string? HostName { get; init; }
    public string? Zone { get; init; }
}

/// <summary>I/O statistics of a pool or one of its devices (<c>zpool iostat -v</c>).</summary>
public sealed record ZPoolIOStat : HostObject
{
    public required string PoolName { get; init; }
    /// <summary>The vdev or device name; the pool name for the pool's total line.</summary>
    public required string Device { get; init; }
    public ZVdevClass Class { get; init; }
    public int Depth { get; init; }
    public ulong? Allocated { get; init; }
    public ulong? Free { get; init; }
    public ulong ReadOperations { get; init; }
    public ulong WriteOperations { get; init; }
    public ulong ReadBytes { get; init; }
    public ulong WriteBytes { get; init; }
    /// <summary>Reads served from this cache device (L2ARC hits); zero for other devices.</summary>
    public ulong CacheHits { get; init; }
    public ulong CacheMisses { get; init; }
}
