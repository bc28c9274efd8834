using System.IO.Pipes;
using System.Security.Cryptography;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;
using Illumos.Engine.Storage.Replication;
using Xunit;

namespace Illumos.Engine.Tests.Storage.Replication;

public class ReplicationTests
{
    /// <summary>Everything a round trip must keep: per path its type, mode, owner, times, length, content digest or link target.</summary>
    internal static SortedDictionary<string, string> Tree(EmbeddedStorage s, string dataset)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string dir)
        {
            foreach (var e in s.Files.List(dataset, dir, default))
            {
                string what = e.Type switch
                {
                    ZFileType.Directory => "dir",
                    ZFileType.Symlink => "link->" + e.LinkTarget,
                    _ => "file " + Convert.ToHexString(SHA256.HashData(Read(s, dataset, e.Path))),
                };
                result[e.Path] = $"{what} mode={e.Mode:x} uid={e.Uid} gid={e.Gid} len={e.Length} mtime={e.ModifyTime.UtcTicks} links={e.Links}";
                if (e.Type == ZFileType.Directory) Walk(e.Path);
            }
        }
        Walk("/");
        return result;
    }

    internal static byte[] Read(EmbeddedStorage s, string dataset, string path)
    {
        using var st = s.Files.OpenRead(dataset, path, default);
        var ms = new MemoryStream();
        st.CopyTo(ms);
        return ms.ToArray();
    }

    internal static void Write(EmbeddedStorage s, string dataset, string path, byte[] data, long offset = 0)
    {
        using var st = s.Files.OpenWrite(dataset, path, FileMode.OpenOrCreate, default);
        st.Position = offset;
        st.Write(data);
    }

    internal static byte[] Send(EmbeddedStorage s, SendRequest r)
    {
        var ms = new MemoryStream();
        s.Send(r, ms, NullSink.Instance, default);
        return ms.ToArray();
    }

    internal static ZReceiveResult Receive(EmbeddedStorage s, string target, byte[] stream, bool force = false, bool resumable = false) =>
        s.Receive(new ReceiveRequest { Target = target, Force = force, Resumable = resumable }, new MemoryStream(stream), NullSink.Instance, default);

    /// <summary>A filesystem with directories, a symlink, a sparse file, a multi-level file and changed attributes.</summary>
    internal static void Populate(EmbeddedStorage s, string ds, int bigFile = 3 << 20)
    {
        s.Files.CreateDirectory(ds, "/a/b/c", true, default);
        Write(s, ds, "/a/small", "hello"u8.ToArray());
        Write(s, ds, "/a/b/big", StorageFixture.Bytes(bigFile, 1));
        Write(s, ds, "/sparse", StorageFixture.Bytes(4096, 2), offset: 40L << 20);
        s.Files.CreateSymlink(ds, "/a/link", "../sparse", default);
        s.Files.SetAttributes(ds, "/a/small", 0x180, 1000, 10, null, DateTimeOffset.FromUnixTimeSeconds(1_000_000_000), default);
    }

    [Fact]
    public void Full_and_incremental_streams_round_trip_between_two_hosts()
    {
        using var src = new StorageFixture();
        using var dst = new StorageFixture();
        src.CreatePool("tank", "d1");
        dst.CreatePool("backup", "d1");
        // As in ZFS, reading the copy with atime=on would modify it and the incremental receive would be refused.
        dst.Storage.SetProperties("backup", new Dictionary<string, string> { ["atime"] = "off" }, default);
        src.Storage.CreateFileSystem("tank/fs", null, false, default);
        Populate(src.Storage, "tank/fs");
        src.Storage.CreateSnapshots(["tank/fs@one"], false, null, default);

        var full = Send(src.Storage, new SendRequest { Snapshot = "tank/fs@one" });
        var got = Receive(dst.Storage, "backup/fs", full);
        Assert.Equal(["backup/fs@one"], got.Snapshots);
        Assert.Equal((ulong)full.Length, got.Bytes);
        Assert.Equal(Tree(src.Storage, "tank/fs@one"), Tree(dst.Storage, "backup/fs"));
        Assert.Equal(Tree(src.Storage, "tank/fs@one"), Tree(dst.Storage, "backup/fs@one"));
        Assert.Equal(src.Storage.GetSnapshots("tank/fs@one", false, default)[0].Guid, dst.Storage.GetSnapshots("backup/fs@one", false, default)[0].Guid);

        // Change, remove, rename, truncate, punch: the increment carries exactly that.
        Write(src.Storage, "tank/fs", "/a/b/big", StorageFixture.Bytes(100_000, 3), offset: 1 << 20);
        src.Storage.Files.Delete("tank/fs", "/a/small", false, default);
        src.Storage.Files.Move("tank/fs", "/a/b/c", "/c2", default);
        src.Storage.Files.Truncate("tank/fs", "/sparse", 100, default);
        Write(src.Storage, "tank/fs", "/c2/new", StorageFixture.Bytes(70_000, 4));
        src.Storage.CreateSnapshots(["tank/fs@two"], false, null, default);
        var inc = Send(src.Storage, new SendRequest { Snapshot = "tank/fs@two", From = "@one" });
        Assert.True(inc.Length < full.Length / 4, $"increment {inc.Length} vs full {full.Length}");
        Receive(dst.Storage, "backup/fs", inc);
        Assert.Equal(Tree(src.Storage, "tank/fs@two"), Tree(dst.Storage, "backup/fs"));
        Assert.Equal(Tree(src.Storage, "tank/fs@one"), Tree(dst.Storage, "backup/fs@one"));

        // Another process on the target host sees the same.
        dst.Reopen();
        Assert.Equal(Tree(src.Storage, "tank/fs@two"), Tree(dst.Storage, "backup/fs@two"));
        Assert.Equal(["backup/fs@one", "backup/fs@two"], dst.Storage.GetSnapshots("backup/fs", false, default).Select(x => x.Name));
        Assert.Equal(0, dst.Storage.GetDatasets(null, null, ZDatasetType.All, default).Count(d => d.Name.Contains('%')));
    }

    [Fact]
    public void Intermediate_snapshots_arrive_one_substream_each()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        for (int i = 0; i < 4; i++)
        {
            Write(f.Storage, "tank/fs", $"/f{i}", StorageFixture.Bytes(10_000 + i, i));
            f.Storage.CreateSnapshots([$"tank/fs@s{i}"], false, null, default);
        }
        Receive(f.Storage, "tank/copy", Send(f.Storage, new SendRequest { Snapshot = "tank/fs@s0" }));
        var est = f.Storage.EstimateSend(new SendRequest { Snapshot = "tank/fs@s3", From = "tank/fs@s0", IncludeIntermediate = true }, default);
        Assert.Equal(3, est.Substreams.Count);
        var stream = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@s3", From = "tank/fs@s0", IncludeIntermediate = true });
        Assert.Equal((ulong)stream.Length, est.Bytes);
        var r = Receive(f.Storage, "tank/copy", stream);
        Assert.Equal(["tank/copy@s1", "tank/copy@s2", "tank/copy@s3"], r.Snapshots);
        for (int i = 0; i < 4; i++) Assert.Equal(Tree(f.Storage, $"tank/fs@s{i}"), Tree(f.Storage, $"tank/copy@s{i}"));
    }

    [Fact]
    public void Volumes_use_the_openzfs_zvol_layout_and_round_trip()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateVolume("tank/vol", 8 << 20, sparse: true, blockSize: 8192, null, false, default);
        var data = StorageFixture.Bytes(100_000, 9);
        f.Storage.WriteVolume("tank/vol", 1_000_000, data, default);
        f.Storage.CreateSnapshots(["tank/vol@a"], false, null, default);
        var stream = Send(f.Storage, new SendRequest { Snapshot = "tank/vol@a" });
        var reader = new SendStreamReader(new MemoryStream(stream));
        var begin = reader.Next()!;
        Assert.Equal(3u, begin.ObjsetType);
        Assert.Equal(StreamFeatures.None, begin.Features);
        Receive(f.Storage, "tank/vol2", stream);
        var back = new byte[data.Length];
        f.Storage.ReadVolume("tank/vol2", 1_000_000, back, default);
        Assert.Equal(data, back);
        var props = f.Storage.GetProperties("tank/vol2", ["volsize", "volblocksize"], default);
        Assert.Equal(["8388608", "8192"], props.Select(p => p.Value));
    }

    [Fact]
    public void Compressed_streams_carry_lz4_blocks_as_stored()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "lz4" }, false, default);
        var text = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"line {i % 977}\n")));
        Write(f.Storage, "tank/fs", "/log", text);
        f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        var plain = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@a" });
        var packed = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@a", Compressed = true });
        Assert.True(packed.Length < plain.Length / 2, $"{packed.Length} vs {plain.Length}");
        Assert.Equal((ulong)packed.Length, f.Storage.EstimateSend(new SendRequest { Snapshot = "tank/fs@a", Compressed = true }, default).Bytes);
        Receive(f.Storage, "tank/b", packed);
        Assert.Equal(text, Read(f.Storage, "tank/b", "/log"));
    }

    [Fact]
    public async Task Send_piped_into_a_receive_on_the_same_host()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        Populate(f.Storage, "tank/fs");
        f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        var pipe = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, pipe.ClientSafePipeHandle);
        var sender = Task.Run(() => { using (pipe) f.Storage.Send(new SendRequest { Snapshot = "tank/fs@a" }, pipe, NullSink.Instance, default); });
        f.Storage.Receive(new ReceiveRequest { Target = "tank/copy" }, client, NullSink.Instance, default);
        await sender;
        Assert.Equal(Tree(f.Storage, "tank/fs@a"), Tree(f.Storage, "tank/copy"));
    }

    [Fact]
    public void Force_rolls_a_modified_target_back_to_the_base()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        Write(f.Storage, "tank/fs", "/x", [1, 2, 3]);
        f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        Receive(f.Storage, "tank/copy", Send(f.Storage, new SendRequest { Snapshot = "tank/fs@a" }));
        Write(f.Storage, "tank/fs", "/y", [4]);
        f.Storage.CreateSnapshots(["tank/fs@b"], false, null, default);
        var inc = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@b", From = "@a" });
        Write(f.Storage, "tank/copy", "/local", [9]);
        var e = Assert.Throws<IllumosException>(() => Receive(f.Storage, "tank/copy", inc));
        Assert.Equal("ReceiveTargetModified", e.ErrorId);
        Assert.NotNull(f.Storage.Files.TryGet("tank/copy", "/local", default));
        Receive(f.Storage, "tank/copy", inc, force: true);
        Assert.Equal(Tree(f.Storage, "tank/fs@b"), Tree(f.Storage, "tank/copy"));
        Assert.Null(f.Storage.Files.TryGet("tank/copy", "/local", default));
    }
}
