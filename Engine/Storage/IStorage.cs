using Illumos.Engine.Languages.Vdev;

namespace Illumos.Engine.Storage;

/// <summary>
/// The storage facility: pools, datasets, snapshots, bookmarks, files and volumes, with ZFS's
/// semantics. The embedded host implements it with its own engine; the native host maps each call
/// onto zpool/zfs. Names are full ZFS names ("tank/home", "tank/home@monday", "tank/home#bm").
/// Every method that changes state commits before it returns.
/// </summary>
public interface IStorage
{
    // ---- pools ----
    IReadOnlyList<ZPool> GetPools(CancellationToken ct);
    ZPool CreatePool(PoolCreateRequest request, IEngineSink sink, CancellationToken ct);
    /// <summary>What <see cref="CreatePool"/> would build, checked but not created (zpool create -n).</summary>
    ZPoolVdev PlanPool(PoolCreateRequest request, CancellationToken ct);
    void DestroyPool(string pool, bool force, CancellationToken ct);
    void ExportPool(string pool, bool force, CancellationToken ct);
    IReadOnlyList<ZImportablePool> FindImportablePools(IReadOnlyList<string> searchDirectories, CancellationToken ct);
    ZPool ImportPool(string nameOrGuid, string? newName, IReadOnlyList<string> searchDirectories, bool force, IReadOnlyDictionary<string, string>? properties, CancellationToken ct);
    IReadOnlyList<ZProperty> GetPoolProperties(string pool, IReadOnlyList<string>? properties, CancellationToken ct);
    void SetPoolProperties(string pool, IReadOnlyDictionary<string, string> properties, CancellationToken ct);
    void AddVdevs(string pool, VdevSpec vdevs, bool force, CancellationToken ct);
    void AttachDevice(string pool, string existingDevice, string newDevice, bool force, CancellationToken ct);
    void DetachDevice(string pool, string device, CancellationToken ct);
    /// <summary>zpool remove: a log, cache or spare device (or a top-level vdev where supported).</summary>
    void RemoveDevice(string pool, string device, CancellationToken ct);
    IReadOnlyList<ZPoolHistoryEntry> GetHistory(string pool, bool includeInternal, CancellationToken ct);
    IReadOnlyList<ZPoolIOStat> GetIOStats(string pool, bool perDevice, CancellationToken ct);

    // ---- integrity (status, scrub, devices) ----
    ZPoolStatus GetStatus(string pool, bool includeErrorList, CancellationToken ct);
    void StartScrub(string pool, CancellationToken ct);
    void StopScrub(string pool, CancellationToken ct);
    void PauseScrub(string pool, CancellationToken ct);
    void OnlineDevice(string pool, string device, bool expand, CancellationToken ct);
    void OfflineDevice(string pool, string device, bool temporary, CancellationToken ct);
    void ReplaceDevice(string pool, string oldDevice, string? newDevice, bool force, CancellationToken ct);
    void ClearErrors(string pool, string? device, CancellationToken ct);

    // ---- datasets ----
    /// <summary>Datasets under (and including) <paramref name="root"/>, or all when null; depth 0 = only root.</summary>
    IReadOnlyList<ZDataset> GetDatasets(string? root, int? depth, ZDatasetType types, CancellationToken ct);
    ZDataset CreateFileSystem(string name, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct);
    ZDataset CreateVolume(string name, ulong size, bool sparse, ulong? blockSize, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct);
    ZDataset Clone(string snapshot, string name, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct);
    void Promote(string clone, CancellationToken ct);
    void Rename(string name, string newName, bool createParents, CancellationToken ct);
    /// <summary>
    /// Destroys a dataset, snapshot or bookmark. With <paramref name="dryRun"/> nothing changes and the
    /// result lists everything that would be destroyed (zfs destroy -nvp), in destruction order.
    /// </summary>
    IReadOnlyList<string> Destroy(string name, bool recursive, bool recursiveDependents, bool dryRun, CancellationToken ct);
    IReadOnlyList<ZProperty> GetProperties(string name, IReadOnlyList<string>? properties, CancellationToken ct);
    void SetProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken ct);
    /// <summary>zfs inherit: removes the local value (and, with <paramref name="revertToReceived"/>, restores the received one).</summary>
    void InheritProperty(string name, string property, bool recursive, bool revertToReceived, CancellationToken ct);
    /// <summary>
    /// zfs mount -o remount,opts: mount-option properties (atime, readonly, exec...) overridden for the
    /// filesystem's current mount only (source temporary); never stored, not inherited by children.
    /// </summary>
    void SetTemporaryProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken ct);
    /// <summary>Drops a temporary value, so that the stored one applies again.</summary>
    void ClearTemporaryProperty(string name, string property, bool recursive, CancellationToken ct);

    // ---- snapshots, holds, bookmarks ----
    IReadOnlyList<ZSnapshot> CreateSnapshots(IReadOnlyList<string> snapshots, bool recursive, IReadOnlyDictionary<string, string>? properties, CancellationToken ct);
    IReadOnlyList<ZSnapshot> GetSnapshots(string? dataset, bool recursive, CancellationToken ct);
    void RenameSnapshot(string snapshot, string newSnapshot, bool recursive, CancellationToken ct);
    /// <summary>zfs rollback; newer snapshots are destroyed only with <paramref name="destroyNewer"/> (-r), newer clones with <paramref name="destroyClones"/> (-R).</summary>
    void Rollback(string snapshot, bool destroyNewer, bool destroyClones, CancellationToken ct);
    void Hold(string snapshot, string tag, bool recursive, CancellationToken ct);
    void Release(string snapshot, string tag, bool recursive, CancellationToken ct);
    IReadOnlyList<ZSnapshotHold> GetHolds(string snapshot, bool recursive, CancellationToken ct);
    ZBookmark CreateBookmark(string source, string bookmark, CancellationToken ct);
    IReadOnlyList<ZBookmark> GetBookmarks(string? dataset, bool recursive, CancellationToken ct);

    // ---- replication ----
    /// <summary>zfs send -nP: the stream's size, without reading the data.</summary>
    ZSendEstimate EstimateSend(SendRequest request, CancellationToken ct);
    /// <summary>zfs send: writes the stream to <paramref name="output"/>; progress goes to <paramref name="sink"/>.</summary>
    void Send(SendRequest request, Stream output, IEngineSink sink, CancellationToken ct);
    /// <summary>zfs receive: applies a stream atomically (nothing changes unless it is complete and valid, or with -s its partial state is kept for resuming).</summary>
    ZReceiveResult Receive(ReceiveRequest request, Stream input, IEngineSink sink, CancellationToken ct);
    /// <summary>zfs receive -A: discards the partial state of an interrupted resumable receive.</summary>
    void AbortReceive(string dataset, CancellationToken ct);

    // ---- files (ZPL) inside filesystems; snapshots are read-only ----
    IZFiles Files { get; }

    // ---- volumes ----
    int ReadVolume(string volume, long offset, Span<byte> buffer, CancellationToken ct);
    void WriteVolume(string volume, long offset, ReadOnlySpan<byte> data, CancellationToken ct);
}

/// <summary>What <c>zpool create</c> gets.</summary>
public sealed record PoolCreateRequest
{
    public required string Name { get; init; }
    public required VdevSpec Vdevs { get; init; }
    public IReadOnlyDictionary<string, string> PoolProperties { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> FileSystemProperties { get; init; } = new Dictionary<string, string>();
    public string? MountPoint { get; init; }
    public string? AltRoot { get; init; }
    /// <summary>-f: use devices that look in use by an exported pool, or mismatched replication levels.</summary>
    public bool Force { get; init; }
    /// <summary>Create missing file devices of this size (the embedded host's convenience; zpool needs existing files).</summary>
    public ulong? CreateFileDevicesOfSize { get; init; }
}

/// <summary>
/// Files inside a filesystem dataset. Paths are '/'-separated and absolute within the dataset
/// ("/dir/file"). A dataset name with "@snap" addresses the snapshot's read-only view.
/// Child datasets are not entered: each dataset is addressed by its own name.
/// </summary>
public interface IZFiles
{
    ZFileInfo? TryGet(string dataset, string path, CancellationToken ct);
    IReadOnlyList<ZFileInfo> List(string dataset, string directory, CancellationToken ct);
    ZFileInfo CreateDirectory(string dataset, string path, bool createParents, CancellationToken ct);
    ZFileInfo CreateSymlink(string dataset, string path, string target, CancellationToken ct);
    /// <summary>Opens a file for reading; the stream is seekable.</summary>
    Stream OpenRead(string dataset, string path, CancellationToken ct);
    /// <summary>Opens (and with <see cref="FileMode.Create"/>/<see cref="FileMode.OpenOrCreate"/>/<see cref="FileMode.CreateNew"/>/<see cref="FileMode.Append"/> creates) a file for writing; data is committed when the stream is disposed.</summary>
    Stream OpenWrite(string dataset, string path, FileMode mode, CancellationToken ct);
    void Truncate(string dataset, string path, ulong length, CancellationToken ct);
    void Delete(string dataset, string path, bool recursive, CancellationToken ct);
    void Move(string dataset, string path, string newPath, CancellationToken ct);
    void SetAttributes(string dataset, string path, int? mode, int? uid, int? gid, DateTimeOffset? accessTime, DateTimeOffset? modifyTime, CancellationToken ct);
}
