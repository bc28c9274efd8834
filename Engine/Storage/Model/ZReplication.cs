namespace Illumos.Engine.Storage;

/// <summary>What <c>zfs send</c> gets.</summary>
public sealed record SendRequest
{
    /// <summary>The snapshot to send ("pool/fs@snap"); with <see cref="ResumeToken"/> it may be empty.</summary>
    public string Snapshot { get; init; } = "";
    /// <summary>Incremental source: a snapshot ("pool/fs@a" or "@a") or a bookmark ("pool/fs#a"); null for a full stream.</summary>
    public string? From { get; init; }
    /// <summary>-I: every snapshot between <see cref="From"/> and <see cref="Snapshot"/> as its own substream.</summary>
    public bool IncludeIntermediate { get; init; }
    /// <summary>-R: the dataset and its descendants with their snapshots and properties, as a replication (compound) stream.</summary>
    public bool Recursive { get; init; }
    /// <summary>-p: the dataset's properties go in the stream (compound stream).</summary>
    public bool Properties { get; init; }
    /// <summary>-c: blocks go as they are stored when the stream format can carry their compression.</summary>
    public bool Compressed { get; init; }
    /// <summary>-t: continue an interrupted receive where it stopped.</summary>
    public string? ResumeToken { get; init; }
}

/// <summary>What <c>zfs receive</c> gets.</summary>
public sealed record ReceiveRequest
{
    /// <summary>The filesystem or volume to create or update (or "fs@snap" to name the snapshot).</summary>
    public required string Target { get; init; }
    /// <summary>-F: roll the target back to the stream's base first (destroying newer snapshots).</summary>
    public bool Force { get; init; }
    /// <summary>-s: a cut stream leaves its partial state and a resume token instead of being discarded.</summary>
    public bool Resumable { get; init; }
    /// <summary>-o: properties set on the received dataset (local), overriding received values.</summary>
    public IReadOnlyDictionary<string, string> SetProperties { get; init; } = new Dictionary<string, string>();
    /// <summary>-x: received properties not applied.</summary>
    public IReadOnlyList<string> ExcludeProperties { get; init; } = [];
    /// <summary>-u is implied (the embedded host has no mounts); -d: append the sent name without its pool to the target.</summary>
    public bool AppendNameWithoutPool { get; init; }
    /// <summary>-e: append only the last component of the sent name to the target.</summary>
    public bool AppendLastName { get; init; }
}

/// <summary>A send stream's size estimate (zfs send -nvP).</summary>
public sealed record ZSendEstimate : HostObject
{
    public required string Snapshot { get; init; }
    public string? From { get; init; }
    /// <summary>Bytes of each substream, in stream order ("full" or "incremental" per <see cref="Substreams"/>).</summary>
    public IReadOnlyList<ZSendSubstream> Substreams { get; init; } = [];
    public ulong Bytes { get; init; }
}

public sealed record ZSendSubstream(string Snapshot, string? From, ulong Bytes);

/// <summary>What a receive did.</summary>
public sealed record ZReceiveResult : HostObject
{
    public required string Dataset { get; init; }
    /// <summary>Snapshots created, in order.</summary>
    public IReadOnlyList<string> Snapshots { get; init; } = [];
    public ulong Bytes { get; init; }
    public bool Resumed { get; init; }
}

/// <summary>
/// A send stream not yet sent: Send-ZSnapshot's output without -Path. Receive-ZSnapshot (in the same
/// or another session) pulls the bytes from the source session when it receives them.
/// </summary>
public sealed record ZSendStream : HostObject
{
    public required SendRequest Request { get; init; }
    public string Snapshot => Request.Snapshot;
    public string? From => Request.From;
    public ulong EstimatedBytes { get; init; }
}
