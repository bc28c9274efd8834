using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Provider;

/// <summary>What a ZFS provider path names.</summary>
public enum ZfsLocationKind
{
    /// <summary>A file or directory on the host's own file system (an absolute host path; Copy-Item's way across).</summary>
    Host,
    /// <summary>A file, directory or symlink inside a filesystem (or inside a snapshot, read-only).</summary>
    File,
    /// <summary>The .zfs directory at a filesystem's root.</summary>
    ControlDirectory,
    /// <summary>The .zfs/snapshot directory.</summary>
    SnapshotDirectory,
}

/// <summary>
/// A provider path resolved: the filesystem (or "fs@snap" inside .zfs/snapshot) and the path inside it.
/// <see cref="Dataset"/> is the filesystem whose tree holds the item; the root of a child dataset is
/// addressed as that child with path "/".
/// </summary>
public sealed record ZfsLocation(ZfsLocationKind Kind, string ProviderPath, string Dataset, string FilePath)
{
    public bool InSnapshot => Dataset.Contains('@');

    /// <summary>The filesystem itself (without "@snap").</summary>
    public string FileSystem => InSnapshot ? Dataset[..Dataset.IndexOf('@')] : Dataset;

    public bool IsDatasetRoot => Kind == ZfsLocationKind.File && FilePath == "/";

    /// <summary>Splits a provider path into its parts, '/' or '\' separated, without empty parts.</summary>
    public static string[] Segments(string path)
    {
        var result = new List<string>();
        foreach (var part in path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..") { if (result.Count > 0) result.RemoveAt(result.Count - 1); continue; }
            result.Add(part);
        }
        return result.ToArray();
    }

    /// <summary>True for absolute host paths ("/home/me", "C:\data", "\\server\share"); dataset names never start so.</summary>
    public static bool IsHostPath(string path) =>
        path.StartsWith('/') || (path.Length >= 2 && path[1] == ':' && char.IsLetter(path[0])) || path.StartsWith(@"\\", StringComparison.Ordinal);

    /// <summary>
    /// Resolves <paramref name="path"/> against the filesystems of its pool: the longest dataset name
    /// that prefixes the path wins (a child dataset hides a directory of the same name, as a mount does).
    /// Null when no filesystem prefixes it.
    /// </summary>
    public static ZfsLocation? Resolve(string path, Func<string, IReadOnlyCollection<string>> fileSystemsOfPool)
    {
        if (IsHostPath(path)) return new ZfsLocation(ZfsLocationKind.Host, path, "", path);
        var parts = Segments(path);
        if (parts.Length == 0) return null;
        var fileSystems = fileSystemsOfPool(parts[0]);
        int datasetParts = 0;
        for (int i = parts.Length; i >= 1; i--)
        {
            if (fileSystems.Contains(string.Join('/', parts, 0, i)))
            {
                datasetParts = i;
                break;
            }
        }
        if (datasetParts == 0) return null;
        var dataset = string.Join('/', parts, 0, datasetParts);
        var rest = parts[datasetParts..];
        var normalized = string.Join('/', parts);
        if (rest.Length > 0 && rest[0] == ".zfs")
        {
            if (rest.Length == 1) return new ZfsLocation(ZfsLocationKind.ControlDirectory, normalized, dataset, "/.zfs");
            if (rest[1] != "snapshot") return null;
            if (rest.Length == 2) return new ZfsLocation(ZfsLocationKind.SnapshotDirectory, normalized, dataset, "/.zfs/snapshot");
            return new ZfsLocation(ZfsLocationKind.File, normalized, dataset + "@" + rest[2], "/" + string.Join('/', rest[3..]));
        }
        return new ZfsLocation(ZfsLocationKind.File, normalized, dataset, "/" + string.Join('/', rest));
    }

    /// <summary>The item the provider writes for a synthesized .zfs directory.</summary>
    public ZFileInfo SyntheticDirectory(DateTimeOffset time) => new()
    {
        DatasetName = Dataset,
        Path = FilePath,
        Type = ZFileType.Directory,
        Mode = Convert.ToInt32("555", 8),
        ReadOnly = true,
        Links = 2,
        AccessTime = time,
        ModifyTime = time,
        ChangeTime = time,
        CreationTime = time,
    };
}
