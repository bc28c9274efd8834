namespace Illumos.Engine.Storage;

public enum ZFileType { File, Directory, Symlink }

/// <summary>A file, directory or symlink inside a filesystem dataset (or a snapshot of one).</summary>
public sealed record ZFileInfo : HostObject
{
    /// <summary>The dataset or snapshot the entry lives in ("tank/home" or "tank/home@monday").</summary>
    public required string DatasetName { get; init; }
    /// <summary>Path inside the dataset, '/'-separated, starting with '/'.</summary>
    public required string Path { get; init; }
    public string Name => Path == "/" ? "/" : Path[(Path.LastIndexOf('/') + 1)..];
    public ZFileType Type { get; init; }
    public ulong Length { get; init; }
    /// <summary>Bytes of storage allocated (sparse files allocate less than Length).</summary>
    public ulong AllocatedSize { get; init; }
    /// <summary>Permission bits and setuid/setgid/sticky (the low 12 bits of st_mode).</summary>
    public int Mode { get; init; }
    public int Uid { get; init; }
    public int Gid { get; init; }
    public int Links { get; init; } = 1;
    public ulong ObjectId { get; init; }
    public DateTimeOffset AccessTime { get; init; }
    public DateTimeOffset ModifyTime { get; init; }
    public DateTimeOffset ChangeTime { get; init; }
    public DateTimeOffset CreationTime { get; init; }
    public string? LinkTarget { get; init; }
    public bool ReadOnly { get; init; }
    public override string ToString() => DatasetName + Path;
}
