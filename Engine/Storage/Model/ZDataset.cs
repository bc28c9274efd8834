using System.Collections.ObjectModel;

namespace Illumos.Engine.Storage;

[Flags]
public enum ZDatasetType { None = 0, FileSystem = 1, Volume = 2, Snapshot = 4, Bookmark = 8, All = FileSystem | Volume | Snapshot | Bookmark }

/// <summary>
/// A filesystem or volume (<c>zfs list</c>). Sizes are bytes; optional limits are null when "none".
/// Every native property is also in <see cref="Properties"/> as zfs prints it with -p.
/// </summary>
public sealed record ZDataset : HostObject
{
    // The optional sizes are kept as ulong with UINT64_MAX for "none" (zfs's own "none" for limits, never a real
    // size) instead of ulong?: 8 bytes each rather than 16, for records that listings build by the 100,000.
    private const ulong None = ulong.MaxValue;
    private ulong _recordSize = None, _quota = None, _refQuota = None, _reservation = None, _refReservation = None, _volumeSize = None, _volumeBlockSize = None;
    private static ulong? Optional(ulong value) => value == None ? null : value;

    public required string Name { get; init; }
    public ZDatasetType Type { get; init; }
    public string PoolName => Name.Split('/', 2)[0];
    public ulong Used { get; init; }
    public ulong Available { get; init; }
    public ulong Referenced { get; init; }
    public ulong LogicalUsed { get; init; }
    public ulong UsedBySnapshots { get; init; }
    public ulong UsedByDataset { get; init; }
    public ulong UsedByChildren { get; init; }
    public ulong UsedByRefReservation { get; init; }
    public ulong Written { get; init; }
    public double CompressRatio { get; init; } = 1.0;
    public string? MountPoint { get; init; }
    public string? Compression { get; init; }
    public string? Checksum { get; init; }
    public ulong? RecordSize { get => Optional(_recordSize); init => _recordSize = value ?? None; }
    public int Copies { get; init; } = 1;
    public ulong? Quota { get => Optional(_quota); init => _quota = value ?? None; }
    public ulong? RefQuota { get => Optional(_refQuota); init => _refQuota = value ?? None; }
    public ulong? Reservation { get => Optional(_reservation); init => _reservation = value ?? None; }
    public ulong? RefReservation { get => Optional(_refReservation); init => _refReservation = value ?? None; }
    public bool ReadOnly { get; init; }
    public ulong? VolumeSize { get => Optional(_volumeSize); init => _volumeSize = value ?? None; }
    public ulong? VolumeBlockSize { get => Optional(_volumeBlockSize); init => _volumeBlockSize = value ?? None; }
    /// <summary>The snapshot this clone was made from, or null.</summary>
    public string? Origin { get; init; }
    public DateTimeOffset Creation { get; init; }
    public ulong Guid { get; init; }
    public ulong CreateTxg { get; init; }
    public string? ReceiveResumeToken { get; init; }
    public IReadOnlyDictionary<string, string> Properties { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public override string ToString() => Name;
}

/// <summary>A snapshot (<c>zfs list -t snapshot</c>).</summary>
public sealed record ZSnapshot : HostObject
{
    public required string Name { get; init; }
    public string DatasetName => Name[..Name.IndexOf('@')];
    public string SnapshotName => Name[(Name.IndexOf('@') + 1)..];
    public ulong Used { get; init; }
    public ulong Referenced { get; init; }
    public ulong LogicalReferenced { get; init; }
    public ulong Written { get; init; }
    public DateTimeOffset Creation { get; init; }
    public ulong Guid { get; init; }
    public ulong CreateTxg { get; init; }
    public int UserReferences { get; init; }
    public IReadOnlyList<string> Clones { get; init; } = Array.Empty<string>();
    public bool DeferDestroy { get; init; }
    public IReadOnlyDictionary<string, string> Properties { get; init; } = ReadOnlyDictionary<string, string>.Empty;
    public override string ToString() => Name;
}

/// <summary>A bookmark (<c>zfs list -t bookmark</c>).</summary>
public sealed record ZBookmark : HostObject
{
    public required string Name { get; init; }
    public string DatasetName => Name[..Name.IndexOf('#')];
    public string BookmarkName => Name[(Name.IndexOf('#') + 1)..];
    public DateTimeOffset Creation { get; init; }
    public ulong Guid { get; init; }
    public ulong CreateTxg { get; init; }
    public override string ToString() => Name;
}

/// <summary>A user hold on a snapshot (<c>zfs holds</c>).</summary>
public sealed record ZSnapshotHold : HostObject
{
    public required string SnapshotName { get; init; }
    public required string Tag { get; init; }
    public DateTimeOffset Timestamp { get; init; }
}
