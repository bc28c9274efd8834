using System.IO.Pipes;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded.Zpl;

namespace Illumos.Engine.Native.Storage;

/// <summary>
/// The files inside filesystems on a native host, reached through the dataset's mountpoint with portable
/// POSIX commands (<see cref="PosixFileCommands"/>): each call first asks zfs for the dataset's type,
/// mountpoint, mounted and readonly (one <c>zfs get</c>), then runs one script. Snapshots are read under
/// <c>MOUNTPOINT/.zfs/snapshot/NAME</c>. Paths follow the embedded ZPL's rules (absolute inside the
/// dataset, no "." or ".." components) and the same ErrorIds come back: ZplPathNotFound,
/// ZplParentNotFound, ZplNotDirectory, ZplNotFile, ZplPathExists, ZplDirectoryNotEmpty, SnapshotReadOnly,
/// DatasetReadOnly. Unlike the embedded ZPL, a native filesystem is shared with every other process on
/// the host, so checks and changes are not atomic with respect to them.
/// Tested against GNU userland (Linux) over a real SSH connection and locally; the FreeBSD (stat -f) and
/// illumos (ls -E, dd iseek/oseek) forms are written from those systems' manual pages and are untested.
/// </summary>
internal sealed class NativeFiles(NativeStorage storage, NativeHost host) : IZFiles
{
    private const int StreamBlock = 64 * 1024;

    /// <summary>Where a dataset's files are: its directory on the host, and whether they may change.</summary>
    internal sealed record Place(string Dataset, string Root, bool ReadOnly, PosixUserland Userland);

    internal Place Resolve(string dataset, bool write, CancellationToken ct)
    {
        int at = dataset.IndexOf('@');
        string head = NativeNames.Dataset(at < 0 ? dataset : dataset[..at]);
        if (at >= 0) NativeNames.Snapshot(dataset);
        var userland = storage.Userland(ct);
        string[] argv = ["zfs", "get", "-Hp", "-o", "name,property,value,source", "type,mountpoint,mounted,readonly", head, .. at >= 0 ? new[] { dataset } : []];
        var r = host.Run(argv, ct);
        if (r.ExitCode != 0)
        {
            var e = NativeStorage.Failure(r);
            if (e.Kind != ErrorKind.ObjectNotFound) throw e;
            if (at >= 0 && r.StdErr.Contains(dataset, StringComparison.Ordinal))
                throw IllumosException.NotFound("SnapshotNotFound", $"There is no snapshot '{dataset}'.", dataset);
            throw IllumosException.NotFound("DatasetNotFound", $"There is no dataset named '{head}'.", head);
        }
        var props = PropertyParser.Parse(r.StdOut).Where(p => p.Name == head).ToDictionary(p => p.Property, p => p.Value, StringComparer.Ordinal);
        string Prop(string name) => props.TryGetValue(name, out var v) ? v : "-";
        if (Prop("type") != "filesystem")
            throw IllumosException.Invalid("DatasetNotFileSystem", $"'{dataset}' is a {Prop("type")}; files live in filesystems.", dataset);
        var mountpoint = Prop("mountpoint");
        if (mountpoint is "none" or "legacy" or "-" || !mountpoint.StartsWith('/'))
            throw new IllumosException(ErrorKind.InvalidOperation, "DatasetMountpointUnusable",
                $"'{head}' has mountpoint={mountpoint}; its files are reached through a mountpoint the dataset manages (set one with Set-ZDataset -Property @{{mountpoint='/path'}}).", head);
        if (Prop("mounted") != "yes")
            throw new IllumosException(ErrorKind.ResourceUnavailable, "DatasetNotMounted",
                $"'{head}' is not mounted on {host.ComputerName}; mount it (zfs mount {head}) to reach its files.", head);
        bool snapshot = at >= 0;
        bool readOnly = snapshot || Prop("readonly") == "on";
        if (write && readOnly)
            throw new IllumosException(ErrorKind.PermissionDenied, snapshot ? "SnapshotReadOnly" : "DatasetReadOnly",
                snapshot ? $"'{dataset}' is a snapshot; snapshots are read-only." : $"'{dataset}' is read-only (readonly=on).", dataset);
        var root = mountpoint.TrimEnd('/');
        if (snapshot) root += "/.zfs/snapshot/" + dataset[(at + 1)..];
        return new Place(dataset, root, readOnly, userland);
    }

    /// <summary>The path relative to the dataset's directory, checked as the embedded ZPL checks it; .zfs is reached through dataset@snapshot.</summary>
    internal static string Relative(string dataset, string path)
    {
        var parts = ZplFiles.Split(path);
        if (parts.Length > 0 && parts[0] == ".zfs")
            throw IllumosException.Invalid("ZplControlDirectory", $"'{path}' is inside the .zfs control directory; address a snapshot's files as '{dataset.Split('@')[0]}@NAME'.", dataset + path);
        return string.Join('/', parts);
    }

    private static string Normal(string relative) => "/" + relative;

    internal CommandResult Run(Place at, string relative, string[] argv, CancellationToken ct, CommandOptions? options = null)
    {
        var r = host.Run(argv, ct, options);
        if (r.ExitCode != 0) throw Failure(r, at, relative);
        return r;
    }

    /// <summary>The scripts' exit codes as the embedded ZPL's errors; anything else from the command's stderr.</summary>
    internal static Exception Failure(CommandResult r, Place at, string relative)
    {
        string target = at.Dataset + Normal(relative);
        string parentPath = Normal(relative.Contains('/') ? relative[..relative.LastIndexOf('/')] : "").TrimEnd('/');
        return r.ExitCode switch
        {
            PosixFileCommands.ExitNotFound => IllumosException.NotFound("ZplPathNotFound", $"'{Normal(relative)}' does not exist in {at.Dataset}.", target),
            PosixFileCommands.ExitParentNotFound => IllumosException.NotFound("ZplParentNotFound", $"The directory '{(parentPath.Length == 0 ? "/" : parentPath)}' does not exist in {at.Dataset}.", target),
            PosixFileCommands.ExitNotDirectory => IllumosException.Invalid("ZplNotDirectory", $"A component of '{Normal(relative)}' is not a directory.", target),
            PosixFileCommands.ExitExists => IllumosException.Exists("ZplPathExists", $"'{Normal(relative)}' already exists in {at.Dataset}.", target),
            PosixFileCommands.ExitNotFile => IllumosException.Invalid("ZplNotFile", $"'{Normal(relative)}' is not a regular file.", target),
            PosixFileCommands.ExitNotEmpty => IllumosException.Refused("ZplDirectoryNotEmpty", $"The directory '{Normal(relative)}' is not empty; remove it recursively.", target),
            PosixFileCommands.ExitThroughSymlink => IllumosException.Refused("ZplPathThroughSymlink", $"'{Normal(relative)}' passes through a symbolic link; links inside a dataset are not followed.", target),
            PosixFileCommands.ExitSymlinkAttributes => new IllumosException(ErrorKind.NotImplemented, "NativeSymlinkAttributes", $"'{Normal(relative)}' is a symbolic link; chmod and touch would change its target, so its attributes are not set on a native host.", target),
            _ when Has(r.StdErr, "Read-only file system") => new IllumosException(ErrorKind.PermissionDenied, "DatasetReadOnly", $"'{at.Dataset}' is mounted read-only: {r.StdErr.Trim()}", target),
            _ when Has(r.StdErr, "Permission denied") || Has(r.StdErr, "Operation not permitted") || Has(r.StdErr, "Not owner") =>
                new IllumosException(ErrorKind.PermissionDenied, "NativePermissionDenied", $"Permission denied on '{target}': {r.StdErr.Trim()}", target),
            _ when Has(r.StdErr, "No space left") || Has(r.StdErr, "quota exceeded") =>
                new IllumosException(ErrorKind.QuotaExceeded, "NativeOutOfSpace", $"No space for '{target}': {r.StdErr.Trim()}", target),
            _ => NativeStorage.Failure(r),
        };

        static bool Has(string s, string what) => s.Contains(what, StringComparison.OrdinalIgnoreCase);
    }

    internal static ZFileInfo Info(Place at, FileListingParser.Entry e, string path) => new()
    {
        DatasetName = at.Dataset, Path = path, Type = e.Type, Length = e.Length, AllocatedSize = e.AllocatedSize,
        Mode = e.Mode, Uid = e.Uid, Gid = e.Gid, Links = e.Links, ObjectId = e.ObjectId,
        AccessTime = e.AccessTime, ModifyTime = e.ModifyTime, ChangeTime = e.ChangeTime, CreationTime = e.CreationTime ?? default,
        LinkTarget = e.LinkTarget, ReadOnly = at.ReadOnly,
    };

    private ZFileInfo One(Place at, string relative, string[] argv, CancellationToken ct) =>
        Info(at, FileListingParser.Parse(Run(at, relative, argv, ct).StdOut, at.Userland).Single(), Normal(relative));

    // ---------------------------------------------------------------- IZFiles

    public ZFileInfo? TryGet(string dataset, string path, CancellationToken ct)
    {
        var rel = Relative(dataset, path);
        var at = Resolve(dataset, false, ct);
        var r = host.Run(PosixFileCommands.Stat(at.Userland, at.Root, rel), ct);
        // Missing, or a path through a file or a link: no entry, as the embedded lookup answers.
        if (r.ExitCode is PosixFileCommands.ExitNotFound or PosixFileCommands.ExitThroughSymlink) return null;
        if (r.ExitCode != 0) throw Failure(r, at, rel);
        return Info(at, FileListingParser.Parse(r.StdOut, at.Userland).Single(), Normal(rel));
    }

    public IReadOnlyList<ZFileInfo> List(string dataset, string directory, CancellationToken ct)
    {
        var rel = Relative(dataset, directory);
        var at = Resolve(dataset, false, ct);
        var entries = FileListingParser.Parse(Run(at, rel, PosixFileCommands.List(at.Userland, at.Root, rel), ct).StdOut, at.Userland);
        string basePath = rel.Length == 0 ? "" : "/" + rel;
        return entries
            .Where(e => !(rel.Length == 0 && e.Name == ".zfs")) // the control directory (snapdir=visible) is the provider's own item
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => Info(at, e, basePath + "/" + e.Name))
            .ToList();
    }

    public ZFileInfo CreateDirectory(string dataset, string path, bool createParents, CancellationToken ct)
    {
        var rel = Relative(dataset, path);
        if (rel.Length == 0) throw IllumosException.Exists("ZplPathExists", "The root directory exists.", dataset + "/");
        var at = Resolve(dataset, true, ct);
        return One(at, rel, PosixFileCommands.MakeDirectory(at.Userland, at.Root, rel, createParents), ct);
    }

    public ZFileInfo CreateSymlink(string dataset, string path, string target, CancellationToken ct)
    {
        var rel = NonRoot(dataset, path);
        if (string.IsNullOrEmpty(target) || target.Contains('\0'))
            throw IllumosException.Invalid("ZplSymlinkTarget", "A symlink target must be a non-empty text without NUL.", target);
        var at = Resolve(dataset, true, ct);
        return One(at, rel, PosixFileCommands.Symlink(at.Userland, at.Root, rel, target), ct);
    }

    public Stream OpenRead(string dataset, string path, CancellationToken ct)
    {
        var rel = Relative(dataset, path);
        var info = TryGet(dataset, path, ct) ?? throw IllumosException.NotFound("ZplPathNotFound", $"'{path}' does not exist in {dataset}.", dataset + path);
        if (info.Type != ZFileType.File) throw IllumosException.Invalid("ZplNotFile", $"'{path}' is not a regular file.", dataset + path);
        return new NativeReadStream(this, Resolve(dataset, false, ct), rel, (long)info.Length, ct);
    }

    public Stream OpenWrite(string dataset, string path, FileMode mode, CancellationToken ct)
    {
        var rel = NonRoot(dataset, path);
        var at = Resolve(dataset, true, ct);
        var info = One(at, rel, PosixFileCommands.PrepareWrite(at.Userland, at.Root, rel, mode), ct);
        var s = new NativeWriteStream(this, at, rel, (long)info.Length, ct);
        if (mode == FileMode.Append) s.Position = s.Length;
        return s;
    }

    public void Truncate(string dataset, string path, ulong length, CancellationToken ct)
    {
        var rel = Relative(dataset, path);
        var at = Resolve(dataset, true, ct);
        Run(at, rel, PosixFileCommands.Truncate(at.Userland, at.Root, rel, length), ct);
    }

    public void Delete(string dataset, string path, bool recursive, CancellationToken ct)
    {
        var rel = NonRoot(dataset, path);
        var at = Resolve(dataset, true, ct);
        Run(at, rel, PosixFileCommands.Delete(at.Userland, at.Root, rel, recursive), ct);
    }

    public void Move(string dataset, string path, string newPath, CancellationToken ct)
    {
        var rel = NonRoot(dataset, path);
        var newRel = NonRoot(dataset, newPath);
        if (newRel.StartsWith(rel + "/", StringComparison.Ordinal))
            throw IllumosException.Invalid("ZplMoveIntoSelf", $"'{path}' cannot be moved into itself.", dataset + newPath);
        var at = Resolve(dataset, true, ct);
        Run(at, rel, PosixFileCommands.Move(at.Userland, at.Root, rel, newRel), ct);
    }

    public void SetAttributes(string dataset, string path, int? mode, int? uid, int? gid, DateTimeOffset? accessTime, DateTimeOffset? modifyTime, CancellationToken ct)
    {
        if (mode is < 0 or > 0xFFF) throw IllumosException.Invalid("ZplBadMode", $"Mode {mode} is outside 0-07777.", mode);
        if (uid < 0 || gid < 0) throw IllumosException.Invalid("ZplBadOwner", "uid and gid must not be negative.", uid < 0 ? uid : gid);
        var rel = Relative(dataset, path);
        var at = Resolve(dataset, true, ct);
        Run(at, rel, PosixFileCommands.SetAttributes(at.Userland, at.Root, rel, mode, uid, gid, accessTime, modifyTime), ct);
    }

    private static string NonRoot(string dataset, string path)
    {
        var rel = Relative(dataset, path);
        if (rel.Length == 0) throw IllumosException.Refused("ZplRootDirectory", "The root directory cannot be created, moved or removed.", dataset + "/");
        return rel;
    }

    // ---------------------------------------------------------------- streams

    /// <summary>
    /// A command running in the background with one end of an OS pipe as its stdin or stdout, so a file
    /// streams through the runner (over ssh: one connection) without being held in memory.
    /// </summary>
    internal sealed class PipedCommand : IDisposable
    {
        private readonly AnonymousPipeServerStream _ours;
        private readonly Stream _theirs;
        private readonly CancellationTokenSource _cancel;
        private readonly Task<CommandResult> _run;

        public PipedCommand(NativeHost host, string[] argv, bool feedStdIn, CancellationToken ct)
        {
            _ours = new AnonymousPipeServerStream(feedStdIn ? PipeDirection.Out : PipeDirection.In);
            _theirs = new AnonymousPipeClientStream(feedStdIn ? PipeDirection.In : PipeDirection.Out, _ours.ClientSafePipeHandle);
            _cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var token = _cancel.Token;
            _run = Task.Run(() =>
            {
                try { return host.Run(argv, token, feedStdIn ? new CommandOptions { StdIn = _theirs } : new CommandOptions { StdOut = _theirs }); }
                finally { _theirs.Dispose(); } // our end then sees EOF (reading) or a broken pipe (writing)
            }, CancellationToken.None);
        }

        /// <summary>Our end of the pipe: read the command's stdout from it, or write its stdin into it.</summary>
        public Stream Pipe => _ours;

        /// <summary>Closes our end (the command's stdin ends) and waits for the command's result.</summary>
        public CommandResult Finish()
        {
            _ours.Dispose();
            try { return _run.GetAwaiter().GetResult(); }
            finally { _cancel.Dispose(); }
        }

        /// <summary>Stops the command without waiting for its result.</summary>
        public void Dispose()
        {
            if (!_run.IsCompleted) _cancel.Cancel();
            _ours.Dispose();
            try { _run.Wait(TimeSpan.FromSeconds(5)); }
            catch (AggregateException) { /* cancelled or broken pipe: the caller no longer wants the result */ }
            _cancel.Dispose();
        }
    }

    /// <summary>
    /// A seekable read stream over a remote file: reading streams one <c>dd</c> from the current position to
    /// the end; a seek elsewhere stops it and the next read starts another from the new position.
    /// </summary>
    private sealed class NativeReadStream(NativeFiles files, Place at, string relative, long length, CancellationToken ct) : Stream
    {
        private PipedCommand? _command;
        private long _commandPosition;
        private long _position;
        private bool _disposed;

        public override bool CanRead => !_disposed;
        public override bool CanSeek => !_disposed;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (buffer.Length == 0) return 0;
            if (_command is null || _commandPosition != _position) Start();
            int n = _command!.Pipe.Read(buffer);
            if (n == 0)
            {
                var r = _command.Finish();
                _command = null;
                if (r.ExitCode != 0) throw Failure(r, at, relative);
                return 0;
            }
            _position += n;
            _commandPosition = _position;
            return n;
        }

        private void Start()
        {
            _command?.Dispose();
            long skip = _position / StreamBlock;
            _command = new PipedCommand(files.Host, PosixFileCommands.ReadFile(at.Userland, at.Root, relative, StreamBlock, skip, null), feedStdIn: false, ct);
            // dd starts at a block boundary: the bytes before the position are read and dropped.
            long drop = _position - skip * StreamBlock;
            var sink = new byte[Math.Min(drop, StreamBlock)];
            while (drop > 0)
            {
                int n = _command.Pipe.Read(sink, 0, (int)Math.Min(drop, sink.Length));
                if (n == 0) break;
                drop -= n;
            }
            _commandPosition = _position;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => length + offset };
            return _position;
        }

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException("The stream was opened for reading.");
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The stream was opened for reading.");

        protected override void Dispose(bool disposing)
        {
            if (!_disposed && disposing) { _command?.Dispose(); _command = null; }
            _disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// A seekable write stream over a remote file: sequential writes stream into one command (<c>cat &gt;&gt;</c>
    /// at the end of the file, else <c>dd conv=notrunc</c> at the position); a seek elsewhere, Flush or
    /// Dispose ends it and reports its failure. Data is on the remote file system once Flush or Dispose returns.
    /// </summary>
    private sealed class NativeWriteStream(NativeFiles files, Place at, string relative, long length, CancellationToken ct) : Stream
    {
        private PipedCommand? _command;
        private long _commandPosition;
        private long _position;
        private long _length = length;
        private bool _disposed;

        public override bool CanRead => false;
        public override bool CanSeek => !_disposed;
        public override bool CanWrite => !_disposed;
        public override long Length => _length;
        public override long Position { get => _position; set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (buffer.Length == 0) return;
            if (_command is null || _commandPosition != _position) Start();
            try { _command!.Pipe.Write(buffer); }
            catch (IOException)
            {
                // The command ended early: its exit code says why.
                Finish();
                throw new IllumosException(ErrorKind.WriteError, "NativeWriteFailed", $"Writing '{at.Dataset}/{relative}' stopped early.", at.Dataset + "/" + relative);
            }
            _position += buffer.Length;
            _commandPosition = _position;
            _length = Math.Max(_length, _position);
        }

        private void Start()
        {
            Finish();
            long bs = PosixFileCommands.BlockSizeFor(StreamBlock, _position);
            var argv = _position == _length && _position > 0
                ? PosixFileCommands.AppendFile(at.Userland, at.Root, relative)
                : PosixFileCommands.WriteFile(at.Userland, at.Root, relative, bs, _position / bs);
            _command = new PipedCommand(files.Host, argv, feedStdIn: true, ct);
            _commandPosition = _position;
        }

        private void Finish()
        {
            if (_command is null) return;
            var r = _command.Finish();
            _command = null;
            if (r.ExitCode != 0) throw Failure(r, at, relative);
        }

        public override void Flush() => Finish();

        public override void SetLength(long value)
        {
            Finish();
            files.Run(at, relative, PosixFileCommands.Truncate(at.Userland, at.Root, relative, (ulong)value), ct);
            _length = value;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => _length + offset };
            return _position;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("The stream was opened for writing.");

        protected override void Dispose(bool disposing)
        {
            if (_disposed) return;
            _disposed = true;
            try { if (disposing) Finish(); }
            finally
            {
                _command?.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    internal NativeHost Host => host;
}
