using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Native.Storage;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// A stand-in native host for file and volume access: Tests/Shims/zfs.sh answers zfs get/list from a
/// table, a real temporary directory is the filesystem's mountpoint (with .zfs/snapshot/NAME under it
/// for a snapshot) and a real file is the zvol device. The commands that touch the files are the real
/// ones of the machine running the tests (GNU coreutils/findutils here).
/// </summary>
public sealed class NativeFilesStage : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "illumos-nfs-" + Guid.NewGuid().ToString("N")[..12]);
    public string Mount => Path.Combine(Dir, "mnt", "tank fs");
    public string Devices => Path.Combine(Dir, "dev");
    public string Device => Path.Combine(Devices, "tank", "vol");
    public const long VolumeSize = 4 << 20;

    public NativeFilesStage()
    {
        Directory.CreateDirectory(Mount);
        Directory.CreateDirectory(Path.Combine(Dir, "mnt", "ro"));
        Directory.CreateDirectory(Path.Combine(Devices, "tank"));
        using (var f = File.Create(Device)) f.SetLength(VolumeSize);
        Table(new()
        {
            ["tank"] = new() { ["type"] = "filesystem", ["mountpoint"] = "/tank", ["mounted"] = "no" },
            ["tank/fs"] = new() { ["type"] = "filesystem", ["mountpoint"] = Mount, ["mounted"] = "yes", ["readonly"] = "off" },
            ["tank/fs@s1"] = new() { ["type"] = "snapshot" },
            ["tank/ro"] = new() { ["type"] = "filesystem", ["mountpoint"] = Path.Combine(Dir, "mnt", "ro"), ["mounted"] = "yes", ["readonly"] = "on" },
            ["tank/legacy"] = new() { ["type"] = "filesystem", ["mountpoint"] = "legacy", ["mounted"] = "yes" },
            ["tank/off"] = new() { ["type"] = "filesystem", ["mountpoint"] = "/nowhere", ["mounted"] = "no" },
            ["tank/vol"] = new() { ["type"] = "volume", ["volsize"] = VolumeSize.ToString(), ["readonly"] = "off" },
            ["tank/vol@s"] = new() { ["type"] = "snapshot", ["volsize"] = VolumeSize.ToString() },
            ["tank/rovol"] = new() { ["type"] = "volume", ["volsize"] = "8192", ["readonly"] = "on" },
        });
    }

    /// <summary>Installs the zfs stand-in and its table into <paramref name="bin"/>.</summary>
    public void InstallShim(string bin)
    {
        Directory.CreateDirectory(bin);
        var zfs = Path.Combine(bin, "zfs");
        File.Copy(ShimSource, zfs, overwrite: true);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(zfs, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Copy(Path.Combine(Dir, "zfs.db"), Path.Combine(bin, "zfs.db"), overwrite: true);
    }

    public void Table(Dictionary<string, Dictionary<string, string>> table)
    {
        var sb = new StringBuilder();
        foreach (var (name, props) in table)
            foreach (var (p, v) in props) sb.Append(name).Append('\t').Append(p).Append('\t').Append(v).Append('\n');
        File.WriteAllText(Path.Combine(Dir, "zfs.db"), sb.ToString());
    }

    public static string ShimSource { get; } = FindShim();

    private static string FindShim()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var p = Path.Combine(d.FullName, "Tests", "Shims", "zfs.sh");
            if (File.Exists(p)) return p;
        }
        throw new InvalidOperationException("Tests/Shims/zfs.sh was not found above the test assembly.");
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The local runner with 'zfs' answered by the stand-in (the test process's PATH is left alone).</summary>
internal sealed class ShimmedLocalRunner(string bin) : ICommandRunner
{
    private readonly LocalRunner _inner = new();
    public HostTransport Transport => HostTransport.Local;
    public string Describe => "local (zfs stand-in)";
    public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken) =>
        _inner.Run(argv[0] == "zfs" ? [Path.Combine(bin, "zfs"), .. argv.Skip(1)] : argv, options, cancellationToken);
    public void Dispose() => _inner.Dispose();
}

/// <summary>IZFiles and ReadVolume/WriteVolume of a native host: over real SSH (a throwaway sshd) and through the local runner.</summary>
public sealed class NativeFilesTests(SshdFixture sshd) : IClassFixture<SshdFixture>, IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly NativeFilesStage _stage = new();

    public void Dispose() => _stage.Dispose();

    private (NativeHost Host, NativeStorage Storage) OverSsh()
    {
        Assert.True(sshd.Error is null, "the test sshd did not start: " + sshd.Error);
        _stage.InstallShim(Path.Combine(sshd.Dir, "bin"));
        var host = new NativeHost(new SshRunner(sshd.Target(), sshd.SshWrapper), "127.0.0.1");
        var storage = (NativeStorage)host.Facility<IStorage>();
        storage.VolumeDeviceDirectory = _stage.Devices;
        return (host, storage);
    }

    private (NativeHost Host, NativeStorage Storage) Local()
    {
        var bin = Path.Combine(_stage.Dir, "bin");
        _stage.InstallShim(bin);
        var host = new NativeHost(new ShimmedLocalRunner(bin), "localhost");
        var storage = (NativeStorage)host.Facility<IStorage>();
        storage.VolumeDeviceDirectory = _stage.Devices;
        return (host, storage);
    }

    private string OnDisk(string path) => Path.Combine(_stage.Mount, path.TrimStart('/'));

    private static void Write(IZFiles files, string ds, string path, byte[] data, FileMode mode = FileMode.Create)
    {
        using var s = files.OpenWrite(ds, path, mode, None);
        s.Write(data);
    }

    private static byte[] Read(IZFiles files, string ds, string path)
    {
        using var s = files.OpenRead(ds, path, None);
        var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static readonly string[] Atoms = [.. "abcXYZ019-_. '\"`$();|&<>*?[]\\\n\t~#!{}=%^,:@".Select(c => c.ToString()), "é", "中", "😀", "$(touch pwned)", "`touch pwned`", "-rf", "--"];

    /// <summary>File names full of shell syntax (never '/', NUL, "." or ".."; at most 60 characters).</summary>
    private static readonly Gen<string> HostileName = Gen.OneOfConst(Atoms).Array[1, 10].Select(a => string.Concat(a)).Where(n => n is not "." and not ".." && n.Length <= 60);

    [SshdFact]
    public void Hostile_names_round_trip_over_ssh()
    {
        var (host, storage) = OverSsh();
        using var _ = host;
        HostileNames(storage.Files, iterations: 3);
        Assert.False(File.Exists(Path.Combine(sshd.Dir, "pwned")));
    }

    [Fact]
    public void Hostile_names_round_trip_locally()
    {
        if (OperatingSystem.IsWindows()) return;
        var (host, storage) = Local();
        using var _ = host;
        HostileNames(storage.Files, iterations: 25);
    }

    private void HostileNames(IZFiles files, int iterations)
    {
        HostileName.Array[2, 2].Where(a => a[0] != a[1]).Sample(names =>
        {
            var (dir, file) = ("/" + names[0], "/" + names[0] + "/" + names[1]);
            var content = Encoding.UTF8.GetBytes("content of " + names[1] + "\n");
            var d = files.CreateDirectory("tank/fs", dir, createParents: false, None);
            Assert.Equal((ZFileType.Directory, dir, names[0]), (d.Type, d.Path, d.Name));
            Assert.True(Directory.Exists(OnDisk(dir)));
            Write(files, "tank/fs", file, content);
            Assert.Equal(content, File.ReadAllBytes(OnDisk(file)));
            Assert.Equal(content, Read(files, "tank/fs", file));
            var listed = Assert.Single(files.List("tank/fs", dir, None));
            Assert.Equal((file, names[1], ZFileType.File, (ulong)content.Length), (listed.Path, listed.Name, listed.Type, listed.Length));
            var link = files.CreateSymlink("tank/fs", dir + "/link", names[1], None);
            Assert.Equal((ZFileType.Symlink, names[1]), (link.Type, link.LinkTarget));
            Assert.Equal(names[1], new FileInfo(OnDisk(dir + "/link")).LinkTarget);
            files.Move("tank/fs", file, dir + "/moved " + names[1], None);
            Assert.False(File.Exists(OnDisk(file)));
            Assert.Equal(content, File.ReadAllBytes(OnDisk(dir + "/moved " + names[1])));
            files.Delete("tank/fs", dir, recursive: true, None);
            Assert.False(Directory.Exists(OnDisk(dir)));
            Assert.Null(files.TryGet("tank/fs", dir, None));
        }, iter: iterations, threads: 1);
        Assert.False(File.Exists(Path.Combine(_stage.Mount, "pwned")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_stage.Mount));
    }

    [SshdFact]
    public void Multi_MiB_files_stream_both_ways_over_ssh_with_seeks()
    {
        var (host, storage) = OverSsh();
        using var _ = host;
        var files = storage.Files;
        var data = RandomNumberGenerator.GetBytes((9 << 20) + 12_345);
        using (var s = files.OpenWrite("tank/fs", "/big.bin", FileMode.CreateNew, None))
            for (int at = 0; at < data.Length; at += 1 << 20) s.Write(data.AsSpan(at, Math.Min(1 << 20, data.Length - at)));
        Assert.Equal(data, File.ReadAllBytes(OnDisk("/big.bin")));
        Assert.Equal(data, Read(files, "tank/fs", "/big.bin"));
        Assert.Equal((ulong)data.Length, files.TryGet("tank/fs", "/big.bin", None)!.Length);

        using (var r = files.OpenRead("tank/fs", "/big.bin", None))
        {
            Assert.Equal(data.Length, r.Length);
            foreach (long at in new long[] { 7_000_001, 3, 65_536 * 5 + 17, data.Length - 10 })
            {
                r.Seek(at, SeekOrigin.Begin);
                var got = new byte[Math.Min(100_000, data.Length - at)];
                r.ReadExactly(got);
                Assert.Equal(data.AsSpan((int)at, got.Length).ToArray(), got);
            }
            Assert.Equal(0, r.Read(new byte[10]));
        }

        // Overwrite in the middle (unaligned: dd obs=1), then append at an unaligned end (cat >>), without truncating.
        var patch = RandomNumberGenerator.GetBytes(5000);
        var tail = RandomNumberGenerator.GetBytes(70_000);
        using (var w = files.OpenWrite("tank/fs", "/big.bin", FileMode.OpenOrCreate, None))
        {
            w.Seek(1_000_003, SeekOrigin.Begin);
            w.Write(patch);
            w.Seek(0, SeekOrigin.End);
            w.Write(tail);
        }
        var expected = data.ToArray();
        patch.CopyTo(expected, 1_000_003);
        expected = [.. expected, .. tail];
        Assert.Equal(expected, File.ReadAllBytes(OnDisk("/big.bin")));

        files.Truncate("tank/fs", "/big.bin", 100, None);
        Assert.Equal(expected[..100], File.ReadAllBytes(OnDisk("/big.bin")));
        files.Truncate("tank/fs", "/big.bin", 1000, None);
        Assert.Equal([.. expected[..100], .. new byte[900]], File.ReadAllBytes(OnDisk("/big.bin")));
        Write(files, "tank/fs", "/big.bin", [1, 2, 3], FileMode.Append);
        Assert.Equal(1003, new FileInfo(OnDisk("/big.bin")).Length);
        Write(files, "tank/fs", "/big.bin", [9], FileMode.Create);
        Assert.Equal([9], File.ReadAllBytes(OnDisk("/big.bin")));
    }

    [SshdFact]
    public void Listing_and_attributes_match_the_real_files_over_ssh()
    {
        var (host, storage) = OverSsh();
        using var _ = host;
        var files = storage.Files;
        Directory.CreateDirectory(OnDisk("/d/e"));
        File.WriteAllBytes(OnDisk("/d/f"), new byte[3000]);
        File.CreateSymbolicLink(OnDisk("/d/l"), "../elsewhere");
        Directory.CreateDirectory(OnDisk("/.zfs/snapshot")); // snapdir=visible: the control directory is not an entry
        var list = files.List("tank/fs", "/d", None);
        Assert.Equal(["/d/e", "/d/f", "/d/l"], list.Select(x => x.Path));
        Assert.Equal([ZFileType.Directory, ZFileType.File, ZFileType.Symlink], list.Select(x => x.Type));
        Assert.Equal("../elsewhere", list[2].LinkTarget);
        var f = list[1];
        var real = new FileInfo(OnDisk("/d/f"));
        Assert.Equal(3000UL, f.Length);
        Assert.Equal(real.LastWriteTimeUtc, f.ModifyTime.UtcDateTime);
        Assert.Equal((int)real.UnixFileMode, f.Mode);
        Assert.Equal(["d"], files.List("tank/fs", "/", None).Select(x => x.Name));

        var when = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
        files.SetAttributes("tank/fs", "/d/f", 0x9ED /* 04755 */, 1234, 2345, when.AddDays(-1), when, None);
        var after = files.TryGet("tank/fs", "/d/f", None)!;
        Assert.Equal((0x9ED, 1234, 2345), (after.Mode, after.Uid, after.Gid));
        Assert.Equal(when, after.ModifyTime);
        Assert.Equal(when.AddDays(-1), after.AccessTime);
        Assert.Equal(when.UtcDateTime, File.GetLastWriteTimeUtc(OnDisk("/d/f")));
        var e = Assert.Throws<IllumosException>(() => files.SetAttributes("tank/fs", "/d/l", 0x1FF, null, null, null, null, None));
        Assert.Equal((ErrorKind.NotImplemented, "NativeSymlinkAttributes"), (e.Kind, e.ErrorId));
    }

    [SshdFact]
    public void Errors_are_the_embedded_ones_over_ssh()
    {
        var (host, storage) = OverSsh();
        using var _ = host;
        var files = storage.Files;
        Directory.CreateDirectory(OnDisk("/dir/sub"));
        File.WriteAllText(OnDisk("/file"), "x");
        void Fails(string id, ErrorKind kind, Action a)
        {
            var e = Assert.ThrowsAny<IllumosException>(a);
            Assert.Equal((kind, id), (e.Kind, e.ErrorId));
        }
        Fails("ZplPathNotFound", ErrorKind.ObjectNotFound, () => files.OpenRead("tank/fs", "/missing", None));
        Fails("ZplPathNotFound", ErrorKind.ObjectNotFound, () => files.List("tank/fs", "/missing", None));
        Fails("ZplPathNotFound", ErrorKind.ObjectNotFound, () => files.Delete("tank/fs", "/missing", false, None));
        Fails("ZplPathNotFound", ErrorKind.ObjectNotFound, () => files.OpenWrite("tank/fs", "/missing", FileMode.Open, None));
        Fails("ZplParentNotFound", ErrorKind.ObjectNotFound, () => files.CreateDirectory("tank/fs", "/no/such", false, None));
        Fails("ZplNotDirectory", ErrorKind.InvalidArgument, () => files.List("tank/fs", "/file", None));
        Fails("ZplNotDirectory", ErrorKind.InvalidArgument, () => files.CreateDirectory("tank/fs", "/file/x", true, None));
        Fails("ZplNotFile", ErrorKind.InvalidArgument, () => files.OpenRead("tank/fs", "/dir", None));
        Fails("ZplNotFile", ErrorKind.InvalidArgument, () => files.OpenWrite("tank/fs", "/dir", FileMode.Create, None));
        Fails("ZplPathExists", ErrorKind.ResourceExists, () => files.CreateDirectory("tank/fs", "/dir", false, None));
        Fails("ZplPathExists", ErrorKind.ResourceExists, () => files.OpenWrite("tank/fs", "/file", FileMode.CreateNew, None));
        Fails("ZplPathExists", ErrorKind.ResourceExists, () => files.Move("tank/fs", "/dir", "/file", None));
        Fails("ZplDirectoryNotEmpty", ErrorKind.InvalidOperation, () => files.Delete("tank/fs", "/dir", false, None));
        Fails("ZplMoveIntoSelf", ErrorKind.InvalidArgument, () => files.Move("tank/fs", "/dir", "/dir/sub/x", None));
        Fails("ZplPathDots", ErrorKind.InvalidArgument, () => files.TryGet("tank/fs", "/dir/../../escape", None));
        Fails("ZplRootDirectory", ErrorKind.InvalidOperation, () => files.Delete("tank/fs", "/", true, None));
        Fails("ZplControlDirectory", ErrorKind.InvalidArgument, () => files.TryGet("tank/fs", "/.zfs/snapshot", None));
        Fails("SnapshotReadOnly", ErrorKind.PermissionDenied, () => files.CreateDirectory("tank/fs@s1", "/x", false, None));
        Fails("DatasetReadOnly", ErrorKind.PermissionDenied, () => files.OpenWrite("tank/ro", "/x", FileMode.Create, None));
        Fails("DatasetNotMounted", ErrorKind.ResourceUnavailable, () => files.List("tank/off", "/", None));
        Fails("DatasetMountpointUnusable", ErrorKind.InvalidOperation, () => files.List("tank/legacy", "/", None));
        Fails("DatasetNotFileSystem", ErrorKind.InvalidArgument, () => files.List("tank/vol", "/", None));
        Fails("DatasetNotFound", ErrorKind.ObjectNotFound, () => files.List("tank/nope", "/", None));
        Fails("SnapshotNotFound", ErrorKind.ObjectNotFound, () => files.List("tank/fs@nope", "/", None));
        Assert.False(File.Exists(Path.Combine(_stage.Dir, "mnt", "ro", "x")));

        // A symlink inside the dataset is never followed out of it.
        var outside = Path.Combine(_stage.Dir, "outside");
        Directory.CreateDirectory(outside);
        File.CreateSymbolicLink(OnDisk("/esc"), outside);
        Fails("ZplPathThroughSymlink", ErrorKind.InvalidOperation, () => Write(files, "tank/fs", "/esc/planted", [1]));
        Fails("ZplPathThroughSymlink", ErrorKind.InvalidOperation, () => files.CreateDirectory("tank/fs", "/esc/a/b", true, None));
        Fails("ZplNotFile", ErrorKind.InvalidArgument, () => files.Truncate("tank/fs", "/esc", 0, None));
        Assert.Null(files.TryGet("tank/fs", "/esc/anything", None));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        // Moving onto a symlink replaces the link, not what it points to.
        files.Move("tank/fs", "/file", "/esc", None);
        Assert.Equal("x", File.ReadAllText(OnDisk("/esc")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
    }

    [SshdFact]
    public void Snapshot_files_are_read_under_dot_zfs_over_ssh()
    {
        var (host, storage) = OverSsh();
        using var _ = host;
        var snap = Path.Combine(_stage.Mount, ".zfs", "snapshot", "s1");
        Directory.CreateDirectory(Path.Combine(snap, "old"));
        File.WriteAllText(Path.Combine(snap, "old", "note"), "from the snapshot");
        var info = storage.Files.TryGet("tank/fs@s1", "/old/note", None)!;
        Assert.Equal(("tank/fs@s1", "/old/note", true), (info.DatasetName, info.Path, info.ReadOnly));
        Assert.Equal("from the snapshot", Encoding.UTF8.GetString(Read(storage.Files, "tank/fs@s1", "/old/note")));
        Assert.Equal(["old"], storage.Files.List("tank/fs@s1", "/", None).Select(x => x.Name));
    }

    [SshdFact]
    public void Volumes_read_and_write_at_unaligned_offsets_over_ssh()
    {
        var (host, storage) = OverSsh();
        using var _ = host;
        Volumes(storage);
    }

    [Fact]
    public void Volumes_read_and_write_at_unaligned_offsets_locally()
    {
        if (OperatingSystem.IsWindows()) return;
        var (host, storage) = Local();
        using var _ = host;
        Volumes(storage);
        // and files through the same local runner
        Write(storage.Files, "tank/fs", "/local.txt", "über"u8.ToArray());
        Assert.Equal("über", File.ReadAllText(OnDisk("/local.txt")));
    }

    private void Volumes(NativeStorage storage)
    {
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        const long at = 12_345;
        storage.WriteVolume("tank/vol", at, data, None);
        var disk = File.ReadAllBytes(_stage.Device);
        Assert.Equal(NativeFilesStage.VolumeSize, disk.Length);
        Assert.Equal(data, disk.AsSpan((int)at, data.Length).ToArray());
        Assert.All(disk.AsSpan(0, (int)at).ToArray(), b => Assert.Equal(0, b));
        Assert.All(disk.AsSpan((int)at + data.Length).ToArray(), b => Assert.Equal(0, b));

        foreach (var (offset, length) in new (long, int)[] { (at, data.Length), (at + 1, 7), (0, 600), (at + 511, 1 << 20), (NativeFilesStage.VolumeSize - 3, 3) })
        {
            var buf = new byte[length];
            Assert.Equal(length, storage.ReadVolume("tank/vol", offset, buf, None));
            Assert.Equal(disk.AsSpan((int)offset, length).ToArray(), buf);
        }
        // a small write inside one sector keeps the sector's other bytes
        storage.WriteVolume("tank/vol", at + 100, [0xAB, 0xCD], None);
        disk[at + 100] = 0xAB; disk[at + 101] = 0xCD;
        Assert.Equal(disk, File.ReadAllBytes(_stage.Device));
        Assert.Equal(2, storage.ReadVolume("tank/vol", NativeFilesStage.VolumeSize - 2, new byte[10], None));
        Assert.Equal(0, storage.ReadVolume("tank/vol", NativeFilesStage.VolumeSize, new byte[10], None));

        void Fails(string id, ErrorKind kind, Action a)
        {
            var e = Assert.ThrowsAny<IllumosException>(a);
            Assert.Equal((kind, id), (e.Kind, e.ErrorId));
        }
        Fails("VolumeRangeInvalid", ErrorKind.InvalidArgument, () => storage.WriteVolume("tank/vol", NativeFilesStage.VolumeSize - 1, [1, 2], None));
        Fails("VolumeRangeInvalid", ErrorKind.InvalidArgument, () => storage.WriteVolume("tank/vol", -1, [1], None));
        Fails("VolumeOffsetInvalid", ErrorKind.InvalidArgument, () => storage.ReadVolume("tank/vol", NativeFilesStage.VolumeSize + 1, new byte[1], None));
        Fails("DatasetReadOnly", ErrorKind.PermissionDenied, () => storage.WriteVolume("tank/rovol", 0, [1], None));
        Fails("SnapshotReadOnly", ErrorKind.PermissionDenied, () => storage.WriteVolume("tank/vol@s", 0, [1], None));
        Fails("DatasetNotVolume", ErrorKind.InvalidArgument, () => storage.ReadVolume("tank/fs", 0, new byte[1], None));
        Fails("VolumeDeviceNotFound", ErrorKind.ObjectNotFound, () => storage.ReadVolume("tank/vol@s", 0, new byte[1], None));
        Assert.Equal(disk, File.ReadAllBytes(_stage.Device));
    }

    [Fact]
    public void Block_sizes_divide_offsets_and_lengths()
    {
        Gen.Select(Gen.Long[0, 1L << 40], Gen.Long[1, 1L << 30]).Sample((o, l) =>
        {
            long bs = PosixFileCommands.BlockSizeFor(1 << 20, o, l);
            Assert.True(bs >= 1 && bs <= 1 << 20 && (bs & (bs - 1)) == 0);
            Assert.Equal((0L, 0L), (o % bs, l % bs));
            Assert.True(bs == 1 << 20 || o % (bs * 2) != 0 || l % (bs * 2) != 0, "not the largest");
        });
    }
}
