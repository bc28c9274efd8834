namespace Illumos.Engine.Storage;

public enum ZVdevClass { Normal, Log, Cache, Spare, Special, Dedup }

/// <summary>A node of the vdev tree: the root (the pool), a top-level vdev (mirror, raidz2, a disk), or a leaf device.</summary>
public sealed record ZPoolVdev : HostObject
{
    public required string Name { get; init; }
    /// <summary>root, disk, file, mirror, raidz1, raidz2, raidz3, spare, replacing, draid, hole, missing.</summary>
    public required string Type { get; init; }
    public ZVdevClass Class { get; init; }
    public ZHealth State { get; init; }
    public ulong ReadErrors { get; init; }
    public ulong WriteErrors { get; init; }
    public ulong ChecksumErrors { get; init; }
    /// <summary>Device path for leaves (files or block devices).</summary>
    public string? Path { get; init; }
    public ulong Guid { get; init; }
    /// <summary>Extra words zpool prints after the counters ("was /dev/dsk/c1t0d0", "(resilvering)", "too many errors").</summary>
    public string? Note { get; init; }
    public int Depth { get; init; }
    public IReadOnlyList<ZPoolVdev> Children { get; init; } = Array.Empty<ZPoolVdev>();

    /// <summary>This vdev and all below it, depth first.</summary>
    public IEnumerable<ZPoolVdev> Flatten()
    {
        yield return this;
        foreach (var c in Children)
            foreach (var d in c.Flatten()) yield return d;
    }
}

public enum ZScanFunction { None, Scrub, Resilver, ErrorScrub }

public enum ZScanState { None, Scanning, Finished, Canceled, Paused }

/// <summary>The scan line of <c>zpool status</c> as figures.</summary>
public sealed record ZScanInfo
{
    public ZScanFunction Function { get; init; }
    public ZScanState State { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public DateTimeOffset? PauseTime { get; init; }
    public ulong ToExamine { get; init; }
    public ulong Examined { get; init; }
    public ulong Issued { get; init; }
    public ulong Repaired { get; init; }
    public ulong Errors { get; init; }
    /// <summary>Bytes per second over the recent window; null when there is no estimate.</summary>
    public double? Rate { get; init; }
    public double PercentDone { get; init; }
    public TimeSpan? TimeRemaining { get; init; }
    /// <summary>The line as the host printed it (native hosts), for reference.</summary>
    public string? Text { get; init; }
}

/// <summary>The remove line of <c>zpool status</c>: the last completed removal of a top-level data vdev.</summary>
public sealed record ZRemovalInfo
{
    /// <summary>The removed vdev's id (the N of indirect-N).</summary>
    public int Vdev { get; init; }
    public ulong Copied { get; init; }
    public DateTimeOffset? StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    /// <summary>Memory the indirect mappings of all removed vdevs take.</summary>
    public ulong MappingMemory { get; init; }
}

/// <summary>An entry of the pool's persistent error log.</summary>
public sealed record ZPoolError
{
    /// <summary>dataset:path as zpool prints it, or &lt;metadata&gt;:&lt;0x..&gt;, &lt;0x..&gt;:&lt;0x..&gt;.</summary>
    public required string Location { get; init; }
    public string? DatasetName { get; init; }
    public string? Path { get; init; }
    public ulong? ObjectId { get; init; }
    public override string ToString() => Location;
}

/// <summary><c>zpool status</c> of one pool.</summary>
public sealed record ZPoolStatus : HostObject
{
    public required string PoolName { get; init; }
    public ZHealth State { get; init; }
    public string? Status { get; init; }
    public string? Action { get; init; }
    public string? See { get; init; }
    public ZScanInfo Scan { get; init; } = new();
    /// <summary>The last removal of a top-level data vdev, or null when there was none.</summary>
    public ZRemovalInfo? Removal { get; init; }
    /// <summary>The vdev tree; the root is the pool, with normal, log, cache, spare and special vdevs beneath.</summary>
    public required ZPoolVdev Config { get; init; }
    /// <summary>Number of data errors (known even when the list is not requested).</summary>
    public ulong ErrorCount { get; init; }
    /// <summary>The permanent errors (filled when asked for, like <c>zpool status -v</c>).</summary>
    public IReadOnlyList<ZPoolError> Errors { get; init; } = Array.Empty<ZPoolError>();
    public string? ErrorsText { get; init; }
    public bool IsHealthy => State == ZHealth.ONLINE && ErrorCount == 0 && Config.Flatten().All(v => v.ReadErrors + v.WriteErrors + v.ChecksumErrors == 0);
}
