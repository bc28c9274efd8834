using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using Illumos.Engine;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Provider;

/// <summary>
/// The ZFS provider: filesystem datasets as drives (New-PSDrive -PSProvider ZFS -Root tank/home),
/// their files and directories as items (ZFileInfo), child datasets as directories inside their
/// parent's root, snapshots read-only under .zfs/snapshot. Absolute host paths ("ZFS::/home/me/x")
/// name the host's own files, so Copy-Item can copy between the host and a dataset in both directions.
/// </summary>
[CmdletProvider(ProviderName, ProviderCapabilities.ShouldProcess | ProviderCapabilities.Filter)]
[OutputType(typeof(ZFileInfo), ProviderCmdlet = ProviderCmdlet.GetItem)]
[OutputType(typeof(ZFileInfo), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
[OutputType(typeof(ZFileInfo), ProviderCmdlet = ProviderCmdlet.NewItem)]
public sealed partial class ZfsProvider : NavigationCmdletProvider, IContentCmdletProvider, IPropertyCmdletProvider
{
    public const string ProviderName = "ZFS";
    private const char Separator = '/';

    // One provider instance serves one call; the listing of a pool's filesystems is kept for that call.
    private readonly Dictionary<string, HashSet<string>> _fileSystems = new(StringComparer.Ordinal);

    // ---- drives ----

    protected override object NewDriveDynamicParameters() => new ZfsDriveParameters();

    protected override PSDriveInfo? NewDrive(PSDriveInfo drive)
    {
        if (drive is ZfsDriveInfo) return drive;
        var root = string.Join('/', ZfsLocation.Segments(drive.Root ?? ""));
        if (root.Length == 0)
        {
            WriteError(ZfsContentException.Record("DriveRootRequired", ErrorCategory.InvalidArgument,
                "A ZFS drive needs a filesystem as its root, e.g. New-PSDrive -Name t -PSProvider ZFS -Root tank/home.", drive.Name));
            return null;
        }
        IllumosSession session;
        try
        {
            session = (DynamicParameters as ZfsDriveParameters)?.Session ?? SessionManager.ResolveDefault();
            var found = session.Facility<IStorage>().GetDatasets(root, 0, ZDatasetType.FileSystem | ZDatasetType.Volume, Ct);
            var d = found.FirstOrDefault(x => x.Name == root);
            if (d is null) throw IllumosException.NotFound("DatasetNotFound", $"No filesystem named '{root}' exists.", root);
            if (d.Type != ZDatasetType.FileSystem)
                throw IllumosException.Invalid("NotAFileSystem", $"'{root}' is a volume; a ZFS drive's root must be a filesystem.", root);
        }
        catch (IllumosException e)
        {
            WriteError(ZfsContentException.Record(e, root));
            return null;
        }
        return new ZfsDriveInfo(drive, root, session);
    }

    // ---- sessions, storage and path resolution ----

    /// <summary>Provider calls are not cancellable through the engine; Ctrl+C is honoured between items (Stopping).</summary>
    private static CancellationToken Ct => CancellationToken.None;

    /// <summary>The session for a provider path: the drive's, else the ZFS drive whose root prefixes the path, else the default.</summary>
    private IllumosSession SessionFor(string path)
    {
        if (PSDriveInfo is ZfsDriveInfo d && IsUnder(path, d.Dataset)) return d.Session;
        var normalized = string.Join('/', ZfsLocation.Segments(path));
        // The drives visible from the caller's scope (a drive made in a function or test scope is not in ProviderInfo.Drives).
        var best = SessionState.Drive.GetAllForProvider(ProviderInfo.Name).OfType<ZfsDriveInfo>()
            .Where(x => IsUnder(normalized, x.Dataset))
            .OrderByDescending(x => x.Dataset.Length)
            .FirstOrDefault();
        return best?.Session ?? (PSDriveInfo as ZfsDriveInfo)?.Session ?? SessionManager.ResolveDefault();
    }

    private static bool IsUnder(string path, string root)
    {
        var p = string.Join('/', ZfsLocation.Segments(path));
        return p == root || p.StartsWith(root + "/", StringComparison.Ordinal);
    }

    private IStorage StorageFor(string path) => SessionFor(path).Facility<IStorage>();

    private IReadOnlyCollection<string> FileSystemsOf(IStorage storage, string pool)
    {
        if (_fileSystems.TryGetValue(pool, out var set)) return set;
        try
        {
            set = storage.GetDatasets(pool, null, ZDatasetType.FileSystem, Ct).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (IllumosException e) when (e.Kind == ErrorKind.ObjectNotFound)
        {
            set = [];
        }
        _fileSystems[pool] = set;
        return set;
    }

    private ZfsLocation? Locate(string path)
    {
        if (ZfsLocation.IsHostPath(path)) return ZfsLocation.Resolve(path, _ => []);
        var storage = StorageFor(path);
        return ZfsLocation.Resolve(path, pool => FileSystemsOf(storage, pool));
    }

    /// <summary>Resolves a path that must exist, or writes ItemNotFound and returns null.</summary>
    private (ZfsLocation Location, IStorage Storage)? LocateExisting(string path)
    {
        var loc = Locate(path);
        if (loc is not null && loc.Kind == ZfsLocationKind.Host)
        {
            if (File.Exists(path) || Directory.Exists(path)) return (loc, null!);
        }
        else if (loc is not null)
        {
            var storage = StorageFor(path);
            if (Exists(storage, loc)) return (loc, storage);
        }
        WriteError(new ErrorRecord(new ItemNotFoundException($"Cannot find path '{path}' because it does not exist."),
            "PathNotFound", ErrorCategory.ObjectNotFound, path));
        return null;
    }

    private bool Exists(IStorage storage, ZfsLocation loc) => loc.Kind switch
    {
        ZfsLocationKind.Host => File.Exists(loc.FilePath) || Directory.Exists(loc.FilePath),
        ZfsLocationKind.ControlDirectory or ZfsLocationKind.SnapshotDirectory => true,
        _ => Info(storage, loc) is not null,
    };

    private ZFileInfo? Info(IStorage storage, ZfsLocation loc)
    {
        if (loc.Kind is ZfsLocationKind.ControlDirectory or ZfsLocationKind.SnapshotDirectory)
        {
            var root = storage.Files.TryGet(loc.Dataset, "/", Ct);
            return loc.SyntheticDirectory(root?.ModifyTime ?? DateTimeOffset.Now);
        }
        try
        {
            return storage.Files.TryGet(loc.Dataset, loc.FilePath, Ct);
        }
        catch (IllumosException e) when (e.Kind is ErrorKind.ObjectNotFound or ErrorKind.InvalidArgument)
        {
            return null; // a missing snapshot under .zfs/snapshot, or a path through a file
        }
    }

    private static bool IsContainer(ZFileInfo info) => info.Type == ZFileType.Directory;

    /// <summary>Runs provider work; engine failures become errors about <paramref name="path"/>.</summary>
    private bool Guard(string path, Action work)
    {
        try
        {
            work();
            return true;
        }
        catch (IllumosException e)
        {
            WriteError(ZfsContentException.Record(e, path));
            return false;
        }
        catch (IOException e) when (e is not FileNotFoundException)
        {
            WriteError(new ErrorRecord(e, "HostIOError", ErrorCategory.WriteError, path));
            return false;
        }
        catch (UnauthorizedAccessException e)
        {
            WriteError(new ErrorRecord(e, "HostAccessDenied", ErrorCategory.PermissionDenied, path));
            return false;
        }
    }

    /// <summary>Refuses changes inside snapshots, .zfs and readonly filesystems with a PermissionDenied error.</summary>
    private bool EnsureWritable(IStorage storage, ZfsLocation loc, string path)
    {
        string? why = null, id = null;
        if (loc.Kind is ZfsLocationKind.ControlDirectory or ZfsLocationKind.SnapshotDirectory || loc.InSnapshot)
        {
            id = "SnapshotReadOnly";
            why = $"'{path}' is inside a snapshot; snapshots are read-only. Clone the snapshot (New-ZDataset -FromSnapshot) to change its files.";
        }
        else if (loc.Kind == ZfsLocationKind.File)
        {
            try
            {
                var props = storage.GetProperties(loc.Dataset, ["readonly"], Ct);
                if (props.FirstOrDefault(p => p.Property == "readonly")?.Value == "on")
                {
                    id = "DatasetReadOnly";
                    why = $"'{path}' is on the filesystem {loc.Dataset}, whose readonly property is on.";
                }
            }
            catch (IllumosException e)
            {
                WriteError(ZfsContentException.Record(e, path));
                return false;
            }
        }
        if (why is null) return true;
        WriteError(ZfsContentException.Record(id!, ErrorCategory.PermissionDenied, why, path));
        return false;
    }

    private T Stamped<T>(T record, string path) where T : HostObject => record with { Session = SessionFor(path) };

    private void WriteItem(ZFileInfo info, string path) =>
        WriteItemObject(Stamped(info, path), path, IsContainer(info));

    // ---- paths ----

    protected override bool IsValidPath(string path) => !string.IsNullOrEmpty(path);

    protected override string MakePath(string parent, string child)
    {
        // A plain join: PowerShell builds relative forms such as "../home" through here, so ".." stays.
        var p = (parent ?? "").Replace('\\', '/');
        var c = (child ?? "").Replace('\\', '/');
        if (p.Length == 0) return c;
        if (c.Length == 0) return p;
        return p.TrimEnd('/') + Separator + c.TrimStart('/');
    }

    protected override string GetParentPath(string path, string root)
    {
        var p = Normalize(path);
        var r = Normalize(root ?? "");
        if (p.Length == 0 || p == r || p == "/") return "";
        if (r.Length > 0 && p.Length < r.Length && r.StartsWith(p, StringComparison.Ordinal)) return "";
        int slash = p.LastIndexOf('/');
        if (slash < 0) return "";
        if (slash == 0) return "/";
        return p[..slash];
    }

    protected override string GetChildName(string path)
    {
        var p = Normalize(path);
        int slash = p.LastIndexOf('/');
        return slash < 0 ? p : p[(slash + 1)..];
    }

    /// <summary>The path relative to <paramref name="basePath"/> once "." and ".." are resolved, or the resolved path when outside it.</summary>
    protected override string NormalizeRelativePath(string path, string basePath)
    {
        var p = Collapse(path);
        var b = Collapse(basePath ?? "");
        if (b.Length == 0 || ZfsLocation.IsHostPath(path) != ZfsLocation.IsHostPath(basePath ?? "")) return p;
        if (p == b) return "";
        return p.StartsWith(b + "/", StringComparison.Ordinal) ? p[(b.Length + 1)..] : p;
    }

    private static string Collapse(string path) =>
        (path.StartsWith('/') ? "/" : "") + string.Join('/', ZfsLocation.Segments(path));

    /// <summary>
    /// '/' separators and no trailing separator; "." and ".." are left for resolution (PowerShell
    /// itself builds paths such as "tank/home/../home" for a drive's root and expects them back as given).
    /// </summary>
    private static string Normalize(string path)
    {
        var p = path.Replace('\\', '/');
        while (p.Length > 1 && p.EndsWith('/')) p = p[..^1];
        return p;
    }

    // ---- items ----

    protected override bool ItemExists(string path)
    {
        try
        {
            var loc = Locate(path);
            return loc is not null && Exists(loc.Kind == ZfsLocationKind.Host ? null! : StorageFor(path), loc);
        }
        catch (IllumosException)
        {
            return false;
        }
    }

    protected override bool IsItemContainer(string path)
    {
        try
        {
            var loc = Locate(path);
            if (loc is null) return false;
            if (loc.Kind == ZfsLocationKind.Host) return Directory.Exists(loc.FilePath);
            return Info(StorageFor(path), loc) is { } info && IsContainer(info);
        }
        catch (IllumosException)
        {
            return false;
        }
    }

    protected override void GetItem(string path)
    {
        if (LocateExisting(path) is not { } found) return;
        if (found.Location.Kind == ZfsLocationKind.Host)
        {
            FileSystemInfo host = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            WriteItemObject(host, path, host is DirectoryInfo);
            return;
        }
        Guard(path, () =>
        {
            if (Info(found.Storage, found.Location) is { } info) WriteItem(info, Normalize(path));
        });
    }

    protected override bool HasChildItems(string path)
    {
        try
        {
            var loc = Locate(path);
            if (loc is null) return false;
            if (loc.Kind == ZfsLocationKind.Host) return Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any();
            return Children(StorageFor(path), loc, includeHidden: true).Any();
        }
        catch (IllumosException)
        {
            return false;
        }
    }

    /// <summary>The entries of a container: files of the directory, child datasets at a dataset's root, snapshots under .zfs/snapshot.</summary>
    private IEnumerable<(string Name, ZFileInfo Info)> Children(IStorage storage, ZfsLocation loc, bool includeHidden)
    {
        switch (loc.Kind)
        {
            case ZfsLocationKind.ControlDirectory:
                yield return ("snapshot", (loc with { Kind = ZfsLocationKind.SnapshotDirectory, FilePath = "/.zfs/snapshot" }).SyntheticDirectory(DateTimeOffset.Now));
                yield break;
            case ZfsLocationKind.SnapshotDirectory:
                foreach (var s in storage.GetSnapshots(loc.Dataset, false, Ct))
                    if (storage.Files.TryGet(s.Name, "/", Ct) is { } root) yield return (s.SnapshotName, root);
                yield break;
        }
        var entries = storage.Files.List(loc.Dataset, loc.FilePath, Ct);
        var datasets = new Dictionary<string, ZFileInfo>(StringComparer.Ordinal);
        if (loc.FilePath == "/" && !loc.InSnapshot)
        {
            var prefix = loc.Dataset + "/";
            foreach (var child in FileSystemsOf(storage, loc.Dataset.Split('/')[0])
                         .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.IndexOf('/', prefix.Length) < 0))
            {
                if (storage.Files.TryGet(child, "/", Ct) is { } root) datasets[child[prefix.Length..]] = root;
            }
            if (includeHidden)
                yield return (".zfs", (loc with { Kind = ZfsLocationKind.ControlDirectory, FilePath = "/.zfs" }).SyntheticDirectory(DateTimeOffset.Now));
        }
        foreach (var e in entries)
            if (!datasets.ContainsKey(e.Name)) yield return (e.Name, e);
        foreach (var (name, root) in datasets.OrderBy(kv => kv.Key, StringComparer.Ordinal)) yield return (name, root);
    }

    protected override void GetChildItems(string path, bool recurse) => GetChildItems(path, recurse, uint.MaxValue);

    protected override void GetChildItems(string path, bool recurse, uint depth)
    {
        if (LocateExisting(path) is not { } found) return;
        if (found.Location.Kind == ZfsLocationKind.Host)
        {
            WriteError(ZfsContentException.Record("HostPathNotListed", ErrorCategory.InvalidOperation,
                $"'{path}' is a host path; list it with the FileSystem provider (Get-ChildItem '{path}'). ZFS:: host paths are for Copy-Item.", path));
            return;
        }
        Guard(path, () => List(found.Storage, found.Location, Normalize(path), recurse, depth));
    }

    private void List(IStorage storage, ZfsLocation loc, string path, bool recurse, uint depth)
    {
        if (Info(storage, loc) is { } self && !IsContainer(self))
        {
            WriteItem(self, path);
            return;
        }
        foreach (var (name, info) in Children(storage, loc, Force).ToList())
        {
            if (Stopping) return;
            var childPath = MakePath(path, name);
            WriteItem(info, childPath);
            // .zfs is only entered when asked for by path, never by -Recurse (it would list every snapshot's tree).
            if (recurse && depth > 0 && IsContainer(info) && name != ".zfs" && Locate(childPath) is { } childLoc)
                List(storage, childLoc, childPath, recurse, depth - 1);
        }
    }

    protected override void GetChildNames(string path, ReturnContainers returnContainers)
    {
        var loc = Locate(path);
        if (loc is null) return;
        if (loc.Kind == ZfsLocationKind.Host)
        {
            if (!Directory.Exists(path)) return;
            foreach (var e in new DirectoryInfo(path).EnumerateFileSystemInfos())
                WriteItemObject(e.Name, MakePath(path, e.Name), e is DirectoryInfo);
            return;
        }
        var storage = StorageFor(path);
        Guard(path, () =>
        {
            foreach (var (name, info) in Children(storage, loc, Force).ToList())
                WriteItemObject(name, MakePath(Normalize(path), name), IsContainer(info));
        });
    }

    protected override object NewItemDynamicParameters(string path, string itemTypeName, object newItemValue) => null!;

    protected override void NewItem(string path, string itemTypeName, object newItemValue)
    {
        path = Normalize(path);
        var type = (itemTypeName ?? "").ToLowerInvariant() switch
        {
            "" or "file" or "f" => ZFileType.File,
            "directory" or "dir" or "d" or "container" => ZFileType.Directory,
            "symboliclink" or "symlink" or "link" or "l" => ZFileType.Symlink,
            _ => (ZFileType?)null,
        };
        if (type is null)
        {
            WriteError(ZfsContentException.Record("UnknownItemType", ErrorCategory.InvalidArgument,
                $"'{itemTypeName}' is not an item type of the ZFS provider; use File, Directory or SymbolicLink.", itemTypeName));
            return;
        }
        var parent = GetParentPath(path, "");
        var parentLoc = Locate(parent);
        var loc = Locate(path);
        if (loc is null || loc.Kind == ZfsLocationKind.Host || parentLoc is null)
        {
            WriteError(ZfsContentException.Record("NotInAFileSystem", ErrorCategory.InvalidArgument,
                $"'{path}' is not inside a ZFS filesystem; create datasets with New-ZDataset.", path));
            return;
        }
        var storage = StorageFor(path);
        if (!EnsureWritable(storage, loc, path)) return;
        if (loc.IsDatasetRoot || Info(storage, loc) is { } existing && !(Force && type == ZFileType.File && existing.Type == ZFileType.File))
        {
            WriteError(ZfsContentException.Record("ItemExists", ErrorCategory.ResourceExists, $"An item already exists at '{path}'.", path));
            return;
        }
        if (!ShouldProcess(path, "Create " + type.Value.ToString().ToLowerInvariant())) return;
        Guard(path, () =>
        {
            var dir = loc.FilePath[..Math.Max(1, loc.FilePath.LastIndexOf('/'))];
            if (Force && dir != "/" && type != ZFileType.Directory) storage.Files.CreateDirectory(loc.Dataset, dir, true, Ct);
            ZFileInfo created;
            switch (type)
            {
                case ZFileType.Directory:
                    created = storage.Files.CreateDirectory(loc.Dataset, loc.FilePath, Force, Ct);
                    break;
                case ZFileType.Symlink:
                    var target = newItemValue is PSObject p ? p.BaseObject : newItemValue;
                    if (target is null or "") throw IllumosException.Invalid("SymlinkTargetRequired", "A symbolic link needs its target as -Value.", path);
                    created = storage.Files.CreateSymlink(loc.Dataset, loc.FilePath, target.ToString()!, Ct);
                    break;
                default:
                    using (var s = storage.Files.OpenWrite(loc.Dataset, loc.FilePath, FileMode.Create, Ct))
                        WriteInitialValue(s, newItemValue);
                    created = storage.Files.TryGet(loc.Dataset, loc.FilePath, Ct)!;
                    break;
            }
            WriteItem(created, path);
        });
    }

    private static void WriteInitialValue(Stream s, object? value)
    {
        var v = value is PSObject p ? p.BaseObject : value;
        switch (v)
        {
            case null: return;
            case byte[] bytes: s.Write(bytes, 0, bytes.Length); return;
            default:
                var text = new System.Text.UTF8Encoding(false).GetBytes(LanguagePrimitives.ConvertTo<string>(v));
                s.Write(text, 0, text.Length);
                return;
        }
    }

    protected override void RemoveItem(string path, bool recurse)
    {
        path = Normalize(path);
        if (LocateExisting(path) is not { } found) return;
        var loc = found.Location;
        if (loc.Kind == ZfsLocationKind.Host)
        {
            WriteError(ZfsContentException.Record("HostPathNotRemoved", ErrorCategory.InvalidOperation,
                $"'{path}' is a host path; remove it with the FileSystem provider.", path));
            return;
        }
        if (!EnsureWritable(found.Storage, loc, path)) return;
        if (loc.IsDatasetRoot)
        {
            WriteError(ZfsContentException.Record("DatasetNotRemovedAsItem", ErrorCategory.InvalidOperation,
                $"'{path}' is the root of the filesystem {loc.Dataset}; destroy datasets with Remove-ZDataset.", path));
            return;
        }
        if (!ShouldProcess(path, recurse ? "Remove with all contents" : "Remove")) return;
        Guard(path, () => found.Storage.Files.Delete(loc.Dataset, loc.FilePath, recurse, Ct));
    }

    protected override void RenameItem(string path, string newName)
    {
        path = Normalize(path);
        if (newName.Contains('/') || newName.Contains('\\'))
        {
            WriteError(ZfsContentException.Record("NewNameIsAPath", ErrorCategory.InvalidArgument,
                $"'{newName}' is a path; Rename-Item takes a new name. Use Move-Item to move items.", newName));
            return;
        }
        MoveItem(path, MakePath(GetParentPath(path, ""), newName));
    }

    protected override void MoveItem(string path, string destination)
    {
        path = Normalize(path);
        destination = Normalize(destination);
        if (LocateExisting(path) is not { } found) return;
        var src = found.Location;
        if (src.Kind == ZfsLocationKind.Host)
        {
            WriteError(ZfsContentException.Record("HostPathNotMoved", ErrorCategory.InvalidOperation,
                $"'{path}' is a host path; copy it into the dataset with Copy-Item, then remove it with the FileSystem provider.", path));
            return;
        }
        var storage = found.Storage;
        if (IsItemContainer(destination)) destination = MakePath(destination, GetChildName(path));
        var dst = Locate(destination);
        if (dst is null || dst.Kind != ZfsLocationKind.File)
        {
            WriteError(ZfsContentException.Record("NotInAFileSystem", ErrorCategory.InvalidArgument,
                $"'{destination}' is not inside a ZFS filesystem.", destination));
            return;
        }
        if (!EnsureWritable(storage, src, path) || !EnsureWritable(storage, dst, destination)) return;
        if (src.IsDatasetRoot)
        {
            WriteError(ZfsContentException.Record("DatasetNotMovedAsItem", ErrorCategory.InvalidOperation,
                $"'{path}' is the root of the filesystem {src.Dataset}; rename datasets with Rename-ZDataset.", path));
            return;
        }
        if (!ShouldProcess($"Item: {path} Destination: {destination}", "Move")) return;
        Guard(path, () =>
        {
            if (src.Dataset == dst.Dataset)
                storage.Files.Move(src.Dataset, src.FilePath, dst.FilePath, Ct);
            else
            {
                // Across filesystems a move is a copy then a delete, as mv does between mounts.
                CopyWithin(storage, src, dst, destination, recurse: true);
                storage.Files.Delete(src.Dataset, src.FilePath, true, Ct);
            }
            if (storage.Files.TryGet(dst.Dataset, dst.FilePath, Ct) is { } moved) WriteItem(moved, destination);
        });
    }
}
