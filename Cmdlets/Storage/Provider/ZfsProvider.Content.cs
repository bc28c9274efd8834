using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using Illumos.Engine;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Provider;

/// <summary>Copy-Item (dataset to dataset, host to dataset, dataset to host), content and properties.</summary>
public sealed partial class ZfsProvider
{
    private const int CopyBuffer = 1 << 20;

    // ---- Copy-Item ----

    protected override void CopyItem(string path, string copyPath, bool recurse)
    {
        path = Normalize(path);
        copyPath = Normalize(copyPath);
        if (LocateExisting(path) is not { } found) return;
        var src = found.Location;
        var dstLoc = Locate(copyPath);
        if (dstLoc is null)
        {
            WriteError(ZfsContentException.Record("NotInAFileSystem", ErrorCategory.InvalidArgument,
                $"'{copyPath}' is neither inside a ZFS filesystem nor an absolute host path.", copyPath));
            return;
        }
        // Into an existing container, the item keeps its name (as the FileSystem provider does).
        if (IsItemContainer(copyPath))
        {
            copyPath = MakePath(copyPath, GetChildName(path));
            dstLoc = Locate(copyPath)!;
        }
        bool srcHost = src.Kind == ZfsLocationKind.Host, dstHost = dstLoc.Kind == ZfsLocationKind.Host;
        if (srcHost && dstHost)
        {
            WriteError(ZfsContentException.Record("HostToHostCopy", ErrorCategory.InvalidArgument,
                "Both paths are host paths; copy between host paths with the FileSystem provider.", path));
            return;
        }
        var storage = srcHost ? StorageFor(copyPath) : found.Storage;
        if (!dstHost && !EnsureWritable(storage, dstLoc, copyPath)) return;
        if (!ShouldProcess($"Item: {path} Destination: {copyPath}", "Copy")) return;
        Guard(path, () =>
        {
            if (srcHost) CopyFromHost(storage, path, dstLoc, copyPath, recurse);
            else if (dstHost) CopyToHost(storage, src, copyPath, recurse);
            else CopyWithin(storage, src, dstLoc, copyPath, recurse);
        });
    }

    /// <summary>Dataset to dataset (also out of a snapshot): files are streamed, directories recreated, symlinks kept.</summary>
    private void CopyWithin(IStorage storage, ZfsLocation src, ZfsLocation dst, string dstPath, bool recurse)
    {
        var info = storage.Files.TryGet(src.Dataset, src.FilePath, Ct)
            ?? throw IllumosException.NotFound("PathNotFound", $"'{src.ProviderPath}' does not exist.", src.ProviderPath);
        switch (info.Type)
        {
            case ZFileType.Symlink:
                storage.Files.CreateSymlink(dst.Dataset, dst.FilePath, info.LinkTarget ?? "", Ct);
                break;
            case ZFileType.File:
                using (var input = storage.Files.OpenRead(src.Dataset, src.FilePath, Ct))
                using (var output = storage.Files.OpenWrite(dst.Dataset, dst.FilePath, FileMode.Create, Ct))
                    input.CopyTo(output, CopyBuffer);
                break;
            default:
                if (storage.Files.TryGet(dst.Dataset, dst.FilePath, Ct) is null)
                    storage.Files.CreateDirectory(dst.Dataset, dst.FilePath, false, Ct);
                if (!recurse) break;
                foreach (var child in storage.Files.List(src.Dataset, src.FilePath, Ct))
                {
                    if (Stopping) return;
                    CopyWithin(storage,
                        src with { FilePath = Join(src.FilePath, child.Name) },
                        dst with { FilePath = Join(dst.FilePath, child.Name) },
                        MakePath(dstPath, child.Name), recurse);
                }
                break;
        }
        if (storage.Files.TryGet(dst.Dataset, dst.FilePath, Ct) is { } copied) WriteItem(copied, dstPath);
    }

    /// <summary>Host file system to dataset: the user's own files, read by PowerShell, written through the engine.</summary>
    private void CopyFromHost(IStorage storage, string hostPath, ZfsLocation dst, string dstPath, bool recurse)
    {
        if (Directory.Exists(hostPath))
        {
            if (storage.Files.TryGet(dst.Dataset, dst.FilePath, Ct) is null)
                storage.Files.CreateDirectory(dst.Dataset, dst.FilePath, false, Ct);
            if (recurse)
            {
                foreach (var entry in new DirectoryInfo(hostPath).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
                {
                    if (Stopping) return;
                    CopyFromHost(storage, entry.FullName, dst with { FilePath = Join(dst.FilePath, entry.Name) }, MakePath(dstPath, entry.Name), recurse);
                }
            }
        }
        else if (new FileInfo(hostPath) is { LinkTarget: { } target })
        {
            storage.Files.CreateSymlink(dst.Dataset, dst.FilePath, target, Ct);
        }
        else
        {
            using var input = new FileStream(hostPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            using (var output = storage.Files.OpenWrite(dst.Dataset, dst.FilePath, FileMode.Create, Ct))
                input.CopyTo(output, CopyBuffer);
            var times = File.GetLastWriteTimeUtc(hostPath);
            storage.Files.SetAttributes(dst.Dataset, dst.FilePath, null, null, null, null, new DateTimeOffset(times, TimeSpan.Zero), Ct);
        }
        if (storage.Files.TryGet(dst.Dataset, dst.FilePath, Ct) is { } copied) WriteItem(copied, dstPath);
    }

    /// <summary>Dataset to host file system.</summary>
    private void CopyToHost(IStorage storage, ZfsLocation src, string hostPath, bool recurse)
    {
        var info = storage.Files.TryGet(src.Dataset, src.FilePath, Ct)
            ?? throw IllumosException.NotFound("PathNotFound", $"'{src.ProviderPath}' does not exist.", src.ProviderPath);
        switch (info.Type)
        {
            case ZFileType.Symlink:
                File.CreateSymbolicLink(hostPath, info.LinkTarget ?? "");
                WriteItemObject(new FileInfo(hostPath), hostPath, false);
                return;
            case ZFileType.File:
                using (var input = storage.Files.OpenRead(src.Dataset, src.FilePath, Ct))
                using (var output = new FileStream(hostPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan))
                    input.CopyTo(output, CopyBuffer);
                File.SetLastWriteTimeUtc(hostPath, info.ModifyTime.UtcDateTime);
                WriteItemObject(new FileInfo(hostPath), hostPath, false);
                return;
            default:
                var dir = Directory.CreateDirectory(hostPath);
                WriteItemObject(dir, hostPath, true);
                if (!recurse) return;
                foreach (var child in storage.Files.List(src.Dataset, src.FilePath, Ct))
                {
                    if (Stopping) return;
                    CopyToHost(storage, src with { FilePath = Join(src.FilePath, child.Name) }, Path.Combine(hostPath, child.Name), recurse);
                }
                return;
        }
    }

    private static string Join(string dir, string name) => dir == "/" ? "/" + name : dir + "/" + name;

    // ---- content ----

    public object GetContentReaderDynamicParameters(string path) => new ZfsContentReaderParameters();

    public object GetContentWriterDynamicParameters(string path) => new ZfsContentWriterParameters();

    public object? ClearContentDynamicParameters(string path) => null;

    public IContentReader? GetContentReader(string path)
    {
        path = Normalize(path);
        if (FileFor(path, forWriting: false) is not { } f) return null;
        IContentReader? reader = null;
        Guard(path, () => reader = new ZfsContentReader(f.Storage.Files.OpenRead(f.Location.Dataset, f.Location.FilePath, Ct),
            DynamicParameters as ZfsContentReaderParameters, path));
        return reader;
    }

    public IContentWriter? GetContentWriter(string path)
    {
        path = Normalize(path);
        if (FileFor(path, forWriting: true) is not { } f) return null;
        IContentWriter? writer = null;
        // OpenOrCreate: Set-Content has cleared the file already; Add-Content seeks to the end.
        Guard(path, () => writer = new ZfsContentWriter(f.Storage.Files.OpenWrite(f.Location.Dataset, f.Location.FilePath, FileMode.OpenOrCreate, Ct),
            DynamicParameters as ZfsContentWriterParameters, path));
        return writer;
    }

    public void ClearContent(string path)
    {
        path = Normalize(path);
        if (FileFor(path, forWriting: true) is not { } f) return;
        if (!ShouldProcess(path, "Clear content")) return;
        Guard(path, () =>
        {
            if (f.Storage.Files.TryGet(f.Location.Dataset, f.Location.FilePath, Ct) is not null)
                f.Storage.Files.Truncate(f.Location.Dataset, f.Location.FilePath, 0, Ct);
        });
    }

    /// <summary>The file a content cmdlet addresses: inside a filesystem, not a directory, writable when writing.</summary>
    private (ZfsLocation Location, IStorage Storage)? FileFor(string path, bool forWriting)
    {
        var loc = Locate(path);
        if (loc is null || loc.Kind != ZfsLocationKind.File)
        {
            if (loc is not null && forWriting)
            {
                EnsureWritable(StorageFor(path), loc, path);
                return null;
            }
            WriteError(ZfsContentException.Record(loc?.Kind == ZfsLocationKind.Host ? "HostPathContent" : "NotAFile",
                ErrorCategory.InvalidArgument,
                loc?.Kind == ZfsLocationKind.Host
                    ? $"'{path}' is a host path; read and write it with the FileSystem provider."
                    : $"'{path}' is not a file inside a ZFS filesystem.", path));
            return null;
        }
        var storage = StorageFor(path);
        if (forWriting && !EnsureWritable(storage, loc, path)) return null;
        var info = Info(storage, loc);
        if (info is { Type: ZFileType.Directory })
        {
            WriteError(ZfsContentException.Record("ContentOfDirectory", ErrorCategory.InvalidOperation,
                $"'{path}' is a directory; content cmdlets read and write files.", path));
            return null;
        }
        if (info is null && !forWriting)
        {
            WriteError(new ErrorRecord(new ItemNotFoundException($"Cannot find path '{path}' because it does not exist."),
                "PathNotFound", ErrorCategory.ObjectNotFound, path));
            return null;
        }
        return (loc, storage);
    }

    // ---- properties (Get-ItemProperty, Set-ItemProperty) ----

    private static readonly string[] SettableProperties = ["Mode", "Uid", "Gid", "AccessTime", "ModifyTime"];

    public void GetProperty(string path, Collection<string>? providerSpecificPickList)
    {
        path = Normalize(path);
        if (LocateExisting(path) is not { } found || found.Location.Kind == ZfsLocationKind.Host) return;
        Guard(path, () =>
        {
            if (Info(found.Storage, found.Location) is not { } info) return;
            var all = PSObject.AsPSObject(Stamped(info, path));
            var result = new PSObject();
            var wanted = providerSpecificPickList is { Count: > 0 }
                ? providerSpecificPickList.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList()
                : null;
            foreach (var prop in all.Properties)
            {
                if (wanted is not null && !wanted.Any(w => w.IsMatch(prop.Name))) continue;
                result.Properties.Add(new PSNoteProperty(prop.Name, prop.Value));
            }
            if (wanted is not null)
                foreach (var n in providerSpecificPickList!.Where(n => !WildcardPattern.ContainsWildcardCharacters(n)))
                    if (result.Properties[n] is null)
                        WriteError(ZfsContentException.Record("PropertyNotFound", ErrorCategory.ObjectNotFound, $"'{path}' has no property '{n}'.", n));
            WritePropertyObject(result, path);
        });
    }

    public object? GetPropertyDynamicParameters(string path, Collection<string>? providerSpecificPickList) => null;

    public void SetProperty(string path, PSObject propertyValue)
    {
        path = Normalize(path);
        if (LocateExisting(path) is not { } found) return;
        var loc = found.Location;
        if (loc.Kind == ZfsLocationKind.Host || !EnsureWritable(found.Storage, loc, path)) return;
        int? mode = null, uid = null, gid = null;
        DateTimeOffset? atime = null, mtime = null;
        foreach (var p in propertyValue.Properties)
        {
            try
            {
                switch (p.Name.ToLowerInvariant())
                {
                    case "mode": mode = p.Value is string s ? Convert.ToInt32(s, 8) : LanguagePrimitives.ConvertTo<int>(p.Value); break;
                    case "uid": uid = LanguagePrimitives.ConvertTo<int>(p.Value); break;
                    case "gid": gid = LanguagePrimitives.ConvertTo<int>(p.Value); break;
                    case "accesstime": atime = LanguagePrimitives.ConvertTo<DateTimeOffset>(p.Value); break;
                    case "modifytime" or "lastwritetime": mtime = LanguagePrimitives.ConvertTo<DateTimeOffset>(p.Value); break;
                    default:
                        WriteError(ZfsContentException.Record("PropertyNotSettable", ErrorCategory.InvalidArgument,
                            $"'{p.Name}' cannot be set; settable properties are {string.Join(", ", SettableProperties)}.", p.Name));
                        return;
                }
            }
            catch (Exception e) when (e is PSInvalidCastException or FormatException or OverflowException or ArgumentException)
            {
                WriteError(new ErrorRecord(e, "InvalidPropertyValue", ErrorCategory.InvalidArgument, p.Value));
                return;
            }
        }
        var text = string.Join(", ", propertyValue.Properties.Select(p => $"{p.Name}={p.Value}"));
        if (!ShouldProcess(path, "Set " + text)) return;
        Guard(path, () =>
        {
            found.Storage.Files.SetAttributes(loc.Dataset, loc.FilePath, mode, uid, gid, atime, mtime, Ct);
            if (Info(found.Storage, loc) is { } info)
            {
                var changed = new PSObject();
                foreach (var p in propertyValue.Properties)
                    changed.Properties.Add(new PSNoteProperty(p.Name, PSObject.AsPSObject(info).Properties[p.Name]?.Value ?? p.Value));
                WritePropertyObject(changed, path);
            }
        });
    }

    public object? SetPropertyDynamicParameters(string path, PSObject propertyValue) => null;

    public void ClearProperty(string path, Collection<string> propertyToClear) =>
        WriteError(ZfsContentException.Record("PropertyNotClearable", ErrorCategory.NotImplemented,
            "File properties of the ZFS provider cannot be cleared; set them with Set-ItemProperty.", path));

    public object? ClearPropertyDynamicParameters(string path, Collection<string> propertyToClear) => null;
}
