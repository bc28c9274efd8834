using System.Buffers;
using System.Text;
using System.Text.Json;
using Illumos.Engine.Storage.Embedded.Dmu;

namespace Illumos.Engine.Storage.Embedded.Zpl;

/// <summary>
/// The ZPL: files, directories and symlinks as objects of a filesystem's object set. Object 1 is the
/// master node (JSON: VERSION, ROOT), the root directory is the object it names. Attributes live in
/// the dnode; symlink targets in its bonus buffer. Small files grow their single block in powers of
/// two up to recordsize, as ZFS does.
/// </summary>
public sealed class ZplFiles(IZplHost host) : IZFiles
{
    public const ulong MasterNode = 1;
    public const int DirBlockSize = 16 * 1024;

    public static void InitFileSystem(ObjectSet os)
    {
        var master = os.Allocate(ObjectType.MasterNode, 512);
        var root = os.Allocate(ObjectType.Directory, DirBlockSize);
        SetTimesNow(root.Dn, created: true);
        root.Dn.Mode = 0x1ED; // 0755
        root.Dn.Links = 2;
        root.Dn.Parent = root.Id;
        var json = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, ulong> { ["VERSION"] = 5, ["ROOT"] = root.Id });
        var block = new byte[512];
        json.CopyTo(block, 0);
        master.Write(0, block.AsSpan(0, json.Length));
    }

    private static ulong RootOf(ObjectSet os)
    {
        var m = os.Get(MasterNode);
        var raw = new byte[m.Length];
        m.Read(0, raw);
        return JsonSerializer.Deserialize<Dictionary<string, ulong>>(raw)!["ROOT"];
    }

    private static long NowNs() => (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
    private static DateTimeOffset FromNs(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);
    private static long ToNs(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private static void SetTimesNow(Dnode dn, bool created = false)
    {
        long now = NowNs();
        dn.MTime = dn.CTime = now;
        if (created) dn.ATime = dn.CrTime = now;
    }

    internal static string[] Split(string path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/')
            throw IllumosException.Invalid("ZplPathNotAbsolute", $"'{path}' is not an absolute path inside the dataset (start it with '/').", path);
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var p in parts)
        {
            if (p is "." or "..") throw IllumosException.Invalid("ZplPathDots", $"'{path}' has '.' or '..' components; give a plain path.", path);
            if (Encoding.UTF8.GetByteCount(p) > 255) throw IllumosException.Invalid("ZplNameTooLong", $"A name in '{path}' is longer than 255 bytes.", path);
            if (p.Contains('\0')) throw IllumosException.Invalid("ZplNameBad", "Names cannot contain NUL.", path);
        }
        return parts;
    }

    internal static string Join(string[] parts, int count) => "/" + string.Join('/', parts.Take(count));

    private static DmuObject? Lookup(ObjectSet os, string[] parts, int count)
    {
        var cur = os.Get(RootOf(os));
        for (int i = 0; i < count; i++)
        {
            if (cur.Dn.Type != ObjectType.Directory) return null;
            if (!DirectoryEntries.TryLookup(cur, parts[i], out var e)) return null;
            cur = os.Get(e.Obj);
        }
        return cur;
    }

    private static DmuObject Require(ZplContext c, string path)
    {
        var parts = Split(path);
        return Lookup(c.Os, parts, parts.Length) ?? throw IllumosException.NotFound("ZplPathNotFound", $"'{path}' does not exist in {c.Name}.", c.Name + path);
    }

    private static (DmuObject Dir, string Name) Parent(ZplContext c, string path)
    {
        var parts = Split(path);
        if (parts.Length == 0) throw IllumosException.Refused("ZplRootDirectory", "The root directory cannot be created, moved or removed.", c.Name + path);
        var dir = Lookup(c.Os, parts, parts.Length - 1) ?? throw IllumosException.NotFound("ZplParentNotFound", $"The directory '{Join(parts, parts.Length - 1)}' does not exist in {c.Name}.", c.Name + path);
        if (dir.Dn.Type != ObjectType.Directory) throw IllumosException.Invalid("ZplNotDirectory", $"'{Join(parts, parts.Length - 1)}' is not a directory.", c.Name + path);
        return (dir, parts[^1]);
    }

    private static ZFileInfo Info(ZplContext c, DmuObject o, string path)
    {
        var dn = o.Dn;
        ulong allocated = 0;
        if (dn.Type == ObjectType.File)
        {
            long blocks = (dn.Length + dn.BlockSize - 1) / Math.Max(1, dn.BlockSize);
            if (blocks <= 4096)
                for (long b = 0; b < blocks; b++) { var bp = o.GetBlockPointer(b); if (!bp.IsHole) allocated += (ulong)bp.Asize; else if (o.ReadBlock(b) is not null) allocated += (ulong)dn.BlockSize; }
            else allocated = (ulong)dn.Length;
        }
        return new ZFileInfo
        {
            DatasetName = c.Name, Path = path == "" ? "/" : path,
            Type = dn.Type switch { ObjectType.Directory => ZFileType.Directory, ObjectType.Symlink => ZFileType.Symlink, _ => ZFileType.File },
            Length = dn.Type == ObjectType.Symlink ? (ulong)dn.Bonus.Length : (ulong)dn.Length,
            AllocatedSize = allocated, Mode = (int)dn.Mode, Uid = (int)dn.Uid, Gid = (int)dn.Gid, Links = (int)dn.Links, ObjectId = o.Id,
            AccessTime = FromNs(dn.ATime), ModifyTime = FromNs(dn.MTime), ChangeTime = FromNs(dn.CTime), CreationTime = FromNs(dn.CrTime),
            LinkTarget = dn.Type == ObjectType.Symlink ? Encoding.UTF8.GetString(dn.Bonus) : null,
            ReadOnly = c.ReadOnly,
        };
    }

    private static string Normal(string path) => "/" + string.Join('/', Split(path));

    public ZFileInfo? TryGet(string dataset, string path, CancellationToken ct) => host.Run(dataset, false, c =>
    {
        var parts = Split(path);
        var o = Lookup(c.Os, parts, parts.Length);
        return o is null ? null : Info(c, o, Normal(path));
    });

    public IReadOnlyList<ZFileInfo> List(string dataset, string directory, CancellationToken ct) => host.Run(dataset, false, c =>
    {
        var dir = Require(c, directory);
        if (dir.Dn.Type != ObjectType.Directory) throw IllumosException.Invalid("ZplNotDirectory", $"'{directory}' is not a directory.", dataset + directory);
        string basePath = Normal(directory).TrimEnd('/');
        return (IReadOnlyList<ZFileInfo>)DirectoryEntries.Read(dir).Select(e => Info(c, c.Os.Get(e.Value.Obj), basePath + "/" + e.Key)).ToList();
    });

    private static DmuObject CreateObject(ZplContext c, string path, ObjectType type, int mode, bool exclusive)
    {
        var (dir, name) = Parent(c, path);
        if (DirectoryEntries.TryLookup(dir, name, out var existing))
        {
            if (exclusive) throw IllumosException.Exists("ZplPathExists", $"'{path}' already exists in {c.Name}.", c.Name + path);
            return c.Os.Get(existing.Obj);
        }
        c.ReserveSpace(1024);
        var o = c.Os.Allocate(type, type == ObjectType.Directory ? DirBlockSize : 512);
        SetTimesNow(o.Dn, created: true);
        o.Dn.Mode = (uint)mode;
        o.Dn.Parent = dir.Id;
        o.Dn.Links = type == ObjectType.Directory ? 2u : 1u;
        DirectoryEntries.Set(dir, name, o.Id, type);
        if (type == ObjectType.Directory) dir.Dn.Links++;
        SetTimesNow(dir.Dn);
        dir.MarkDirty();
        return o;
    }

    public ZFileInfo CreateDirectory(string dataset, string path, bool createParents, CancellationToken ct)
    {
        var info = host.Run(dataset, true, c =>
        {
            var parts = Split(path);
            if (parts.Length == 0) throw IllumosException.Exists("ZplPathExists", "The root directory exists.", dataset + "/");
            for (int i = createParents ? 1 : parts.Length; i <= parts.Length; i++)
            {
                var p = Join(parts, i);
                var existing = Lookup(c.Os, parts, i);
                if (existing is not null)
                {
                    if (i == parts.Length) throw IllumosException.Exists("ZplPathExists", $"'{p}' already exists in {c.Name}.", c.Name + p);
                    if (existing.Dn.Type != ObjectType.Directory) throw IllumosException.Invalid("ZplNotDirectory", $"'{p}' is not a directory.", c.Name + p);
                    continue;
                }
                CreateObject(c, p, ObjectType.Directory, 0x1ED, true);
            }
            return Info(c, Lookup(c.Os, parts, parts.Length)!, Join(parts, parts.Length));
        });
        host.Commit(dataset);
        return info;
    }

    public ZFileInfo CreateSymlink(string dataset, string path, string target, CancellationToken ct)
    {
        var info = host.Run(dataset, true, c =>
        {
            var bytes = Encoding.UTF8.GetBytes(target);
            if (bytes.Length == 0 || bytes.Length > Dnode.BonusSize) throw IllumosException.Invalid("ZplSymlinkTarget", $"A symlink target must be 1 to {Dnode.BonusSize} bytes.", target);
            var o = CreateObject(c, path, ObjectType.Symlink, 0x1FF, true);
            o.Dn.Bonus = bytes;
            o.MarkDirty();
            return Info(c, o, Normal(path));
        });
        host.Commit(dataset);
        return info;
    }

    public Stream OpenRead(string dataset, string path, CancellationToken ct)
    {
        var (obj, length) = host.Run(dataset, false, c =>
        {
            var o = Require(c, path);
            if (o.Dn.Type != ObjectType.File) throw IllumosException.Invalid("ZplNotFile", $"'{path}' is not a regular file.", dataset + path);
            if (!c.ReadOnly && AccessTimeDue(c, o.Dn))
            {
                // Committed with the next txg, as ZFS writes access times lazily.
                o.Dn.ATime = NowNs();
                o.MarkDirty();
            }
            return (o.Id, o.Length);
        });
        return new ZplStream(host, this, dataset, obj, length, writable: false);
    }

    private const long DayNs = 86_400L * 1_000_000_000;

    /// <summary>
    /// Whether opening a file to read updates its access time: atime=on does (effective value, so a
    /// temporary noatime stops it); with relatime=on only when the access time is not newer than the
    /// last change, or is a day old (the relatime rule). Read-only filesystems and snapshots never do.
    /// </summary>
    private static bool AccessTimeDue(ZplContext c, Dnode dn)
    {
        if (c.Prop("atime") != "on") return false;
        if (c.Prop("relatime") != "on") return true;
        return dn.ATime <= dn.MTime || dn.ATime <= dn.CTime || NowNs() - dn.ATime >= DayNs;
    }

    public Stream OpenWrite(string dataset, string path, FileMode mode, CancellationToken ct)
    {
        var (obj, length, syncNow) = host.Run(dataset, true, c =>
        {
            var parts = Split(path);
            var o = Lookup(c.Os, parts, parts.Length);
            if (o is not null && o.Dn.Type != ObjectType.File) throw IllumosException.Invalid("ZplNotFile", $"'{path}' is not a regular file.", dataset + path);
            switch (mode)
            {
                case FileMode.CreateNew when o is not null:
                    throw IllumosException.Exists("ZplPathExists", $"'{path}' already exists in {c.Name}.", c.Name + path);
                case FileMode.Open or FileMode.Truncate when o is null:
                    throw IllumosException.NotFound("ZplPathNotFound", $"'{path}' does not exist in {c.Name}.", c.Name + path);
            }
            bool created = o is null;
            o ??= CreateObject(c, path, ObjectType.File, 0x1A4, true);
            bool truncated = false;
            if (mode is FileMode.Create or FileMode.Truncate && o.Length > 0) { o.Truncate(0); SetTimesNow(o.Dn); truncated = true; }
            return (o.Id, o.Length, SyncNow: (created || truncated) && c.Prop("sync") == "always");
        });
        // sync=always: the file must exist on disk before logged writes can refer to it.
        if (syncNow) host.Commit(dataset);
        var s = new ZplStream(host, this, dataset, obj, length, writable: true);
        if (mode == FileMode.Append) s.Position = length;
        return s;
    }

    // The work runs in a lambda (under the storage lock), which cannot capture a span: the bytes pass
    // through a pooled array rather than a fresh one per call (fresh memory is costly to fault in).
    internal unsafe int ReadAt(string dataset, ulong obj, long offset, Span<byte> buffer)
    {
        int len = buffer.Length;
        // The object reads straight into the caller's buffer (pinned for the duration: a lambda cannot capture a span).
        fixed (byte* p = buffer)
        {
            var ptr = (IntPtr)p;
            int n = host.Run(dataset, false, c =>
            {
                var o = c.Os.TryGet(obj) ?? throw IllumosException.NotFound("ZplFileGone", "The file was removed.", dataset);
                try { return o.Read(offset, new Span<byte>((void*)ptr, len)); }
                catch (IllumosException e) when (e.ErrorId == "BlockChecksumMismatch")
                {
                    c.ReportUnrecoverable(obj);
                    throw;
                }
            });
            if (ZfsProbes.Read.Enabled) ZfsProbes.Read.FireWith(dataset, (long)obj, offset, (long)n);
            return n;
        }
    }

    internal long WriteAt(string dataset, ulong obj, long offset, ReadOnlySpan<byte> data)
    {
        if (ZfsProbes.Write.Enabled) ZfsProbes.Write.FireWith(dataset, (long)obj, offset, (long)data.Length);
        int len = data.Length;
        var copy = ArrayPool<byte>.Shared.Rent(len);
        data.CopyTo(copy);
        try
        {
            return host.Run(dataset, true, c =>
            {
                var o = c.Os.TryGet(obj) ?? throw IllumosException.NotFound("ZplFileGone", "The file was removed.", dataset);
                c.ReserveSpace(len);
                GrowBlock(c, o, offset + len);
                o.Write(offset, copy.AsSpan(0, len));
                SetTimesNow(o.Dn);
                if (c.Prop("sync") == "always") c.LogWrite(o.Id, offset, copy.AsSpan(0, len).ToArray());
                return o.Length;
            });
        }
        finally { ArrayPool<byte>.Shared.Return(copy); }
    }

    /// <summary>A file with one block grows that block in powers of two up to recordsize.</summary>
    private static void GrowBlock(ZplContext c, DmuObject o, long end)
    {
        int rs = int.Parse(c.Prop("recordsize"), System.Globalization.CultureInfo.InvariantCulture);
        if (o.Dn.NLevels != 1 || o.BlockSize >= rs) return;
        long want = Math.Max(end, o.Length);
        int bs = want >= rs ? rs : (int)Math.Max(512, System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)want));
        if (bs > o.BlockSize) o.Resize(bs);
    }

    internal long LengthOf(string dataset, ulong obj) => host.Run(dataset, false, c => c.Os.TryGet(obj)?.Length ?? 0);

    internal void Commit(string dataset) => host.Commit(dataset);

    public void Truncate(string dataset, string path, ulong length, CancellationToken ct)
    {
        host.Run(dataset, true, c =>
        {
            var o = Require(c, path);
            if (o.Dn.Type != ObjectType.File) throw IllumosException.Invalid("ZplNotFile", $"'{path}' is not a regular file.", dataset + path);
            if ((long)length > o.Length) { c.ReserveSpace(0); GrowBlock(c, o, (long)length); }
            o.Truncate((long)length);
            SetTimesNow(o.Dn);
            return 0;
        });
        host.Commit(dataset);
    }

    public void Delete(string dataset, string path, bool recursive, CancellationToken ct)
    {
        host.Run(dataset, true, c =>
        {
            var (dir, name) = Parent(c, path);
            if (!DirectoryEntries.TryLookup(dir, name, out var e)) throw IllumosException.NotFound("ZplPathNotFound", $"'{path}' does not exist in {c.Name}.", c.Name + path);
            var o = c.Os.Get(e.Obj);
            if (o.Dn.Type == ObjectType.Directory)
            {
                if (DirectoryEntries.Count(o) > 0 && !recursive)
                    throw IllumosException.Refused("ZplDirectoryNotEmpty", $"The directory '{path}' is not empty; remove it recursively.", c.Name + path);
                FreeTree(c.Os, o);
                dir.Dn.Links--;
            }
            else c.Os.Free(o);
            DirectoryEntries.Remove(dir, name);
            SetTimesNow(dir.Dn);
            dir.MarkDirty();
            return 0;
        });
        host.Commit(dataset);
    }

    private static void FreeTree(ObjectSet os, DmuObject dir)
    {
        foreach (var (_, (obj, type)) in DirectoryEntries.Read(dir))
        {
            var child = os.Get(obj);
            if (type == ObjectType.Directory) FreeTree(os, child);
            else os.Free(child);
        }
        os.Free(dir);
    }

    public void Move(string dataset, string path, string newPath, CancellationToken ct)
    {
        host.Run(dataset, true, c =>
        {
            var (fromDir, fromName) = Parent(c, path);
            var (toDir, toName) = Parent(c, newPath);
            if (!DirectoryEntries.TryLookup(fromDir, fromName, out var e)) throw IllumosException.NotFound("ZplPathNotFound", $"'{path}' does not exist in {c.Name}.", c.Name + path);
            var np = Normal(newPath);
            var op = Normal(path);
            if (np == op) return 0;
            if (e.Type == ObjectType.Directory && np.StartsWith(op + "/", StringComparison.Ordinal))
                throw IllumosException.Invalid("ZplMoveIntoSelf", $"'{path}' cannot be moved into itself.", c.Name + newPath);
            if (DirectoryEntries.TryLookup(toDir, toName, out var target))
            {
                // rename(2) replaces a file, or an empty directory with a directory.
                var t = c.Os.Get(target.Obj);
                if (t.Dn.Type == ObjectType.Directory)
                {
                    if (e.Type != ObjectType.Directory || DirectoryEntries.Count(t) > 0)
                        throw IllumosException.Exists("ZplPathExists", $"'{newPath}' exists and is a directory that cannot be replaced.", c.Name + newPath);
                    c.Os.Free(t);
                    toDir.Dn.Links--;
                }
                else
                {
                    if (e.Type == ObjectType.Directory) throw IllumosException.Exists("ZplPathExists", $"'{newPath}' exists and is not a directory.", c.Name + newPath);
                    c.Os.Free(t);
                }
            }
            DirectoryEntries.Remove(fromDir, fromName);
            DirectoryEntries.Set(toDir, toName, e.Obj, e.Type);
            var moved = c.Os.Get(e.Obj);
            moved.Dn.Parent = toDir.Id;
            moved.Dn.CTime = NowNs();
            moved.MarkDirty();
            if (e.Type == ObjectType.Directory && toDir.Id != fromDir.Id) { fromDir.Dn.Links--; toDir.Dn.Links++; }
            SetTimesNow(fromDir.Dn); SetTimesNow(toDir.Dn);
            fromDir.MarkDirty(); toDir.MarkDirty();
            return 0;
        });
        host.Commit(dataset);
    }

    public void SetAttributes(string dataset, string path, int? mode, int? uid, int? gid, DateTimeOffset? accessTime, DateTimeOffset? modifyTime, CancellationToken ct)
    {
        host.Run(dataset, true, c =>
        {
            var o = Require(c, path);
            if (mode is { } m) { if (m is < 0 or > 0xFFF) throw IllumosException.Invalid("ZplBadMode", $"Mode {m} is outside 0-07777.", m); o.Dn.Mode = (uint)m; }
            if (uid is { } u) { if (u < 0) throw IllumosException.Invalid("ZplBadOwner", "uid must not be negative.", u); o.Dn.Uid = (uint)u; }
            if (gid is { } g) { if (g < 0) throw IllumosException.Invalid("ZplBadOwner", "gid must not be negative.", g); o.Dn.Gid = (uint)g; }
            if (accessTime is { } a) o.Dn.ATime = ToNs(a);
            if (modifyTime is { } mt) o.Dn.MTime = ToNs(mt);
            o.Dn.CTime = NowNs();
            o.MarkDirty();
            return 0;
        });
        host.Commit(dataset);
    }
}
