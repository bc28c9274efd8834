using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Replication;
using Xunit;
using static Illumos.Engine.Tests.Storage.Replication.ReplicationTests;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>zfs send -R/-p: dataset trees with their snapshots and properties, full and incremental.</summary>
public class ReplicationStreamTests
{
    private static Dictionary<string, string> Props(StorageFixture f, string name) =>
        f.Storage.GetProperties(name, null, default).Where(p => p.Source is ZPropertySource.Local or ZPropertySource.Received)
            .ToDictionary(p => p.Property, p => $"{p.Value} ({p.Source})");

    private static List<string> Names(StorageFixture f, string root) =>
        f.Storage.GetDatasets(root, null, ZDatasetType.All, default).Select(d => d.Name[root.Length..]).ToList();

    private static List<(string, ulong)> Snaps(StorageFixture f, string root) =>
        f.Storage.GetSnapshots(root, true, default).Select(s => (s.Name[root.Length..], s.Guid)).ToList();

    [Fact]
    public void A_tree_round_trips_with_its_snapshots_and_properties_then_follows_renames_and_destroys()
    {
        using var src = new StorageFixture();
        using var dst = new StorageFixture();
        src.CreatePool("tank", "d1");
        dst.CreatePool("backup", "d1");
        var s = src.Storage;
        s.CreateFileSystem("tank/home", new Dictionary<string, string> { ["compression"] = "lz4", ["com.example:owner"] = "ops" }, false, default);
        s.CreateFileSystem("tank/home/alice", new Dictionary<string, string> { ["recordsize"] = "65536" }, false, default);
        s.CreateFileSystem("tank/home/bob", null, false, default);
        s.CreateVolume("tank/home/swap", 2 << 20, sparse: true, null, null, false, default);
        Write(s, "tank/home/alice", "/notes", StorageFixture.Bytes(200_000, 1));
        Write(s, "tank/home/bob", "/todo", "bob"u8.ToArray());
        s.CreateSnapshots(["tank/home@mon"], recursive: true, new Dictionary<string, string> { ["com.example:why"] = "weekly" }, default);
        Write(s, "tank/home/alice", "/notes", StorageFixture.Bytes(1000, 2), offset: 5000);
        s.CreateSnapshots(["tank/home@tue"], recursive: true, null, default);

        var est = s.EstimateSend(new SendRequest { Snapshot = "tank/home@tue", Recursive = true }, default);
        var full = Send(s, new SendRequest { Snapshot = "tank/home@tue", Recursive = true });
        Assert.Equal((ulong)full.Length, est.Bytes);
        var reader = new SendStreamReader(new MemoryStream(full));
        Assert.Equal(DrrRecord.CompoundStream, reader.Next()!.HeaderType);
        var r = Receive(dst.Storage, "backup/home", full);
        Assert.Equal(8, r.Snapshots.Count); // four datasets, two snapshots each
        Assert.Equal(Names(src, "tank/home"), Names(dst, "backup/home"));
        Assert.Equal(Snaps(src, "tank/home"), Snaps(dst, "backup/home"));
        Assert.Equal(Tree(s, "tank/home/alice@mon"), Tree(dst.Storage, "backup/home/alice@mon"));
        Assert.Equal(Tree(s, "tank/home/alice"), Tree(dst.Storage, "backup/home/alice"));
        Assert.Equal("lz4 (Received)", Props(dst, "backup/home")["compression"]);
        Assert.Equal("ops (Received)", Props(dst, "backup/home")["com.example:owner"]);
        Assert.Equal("65536 (Received)", Props(dst, "backup/home/alice")["recordsize"]);
        Assert.Equal("weekly", dst.Storage.GetProperties("backup/home/bob@mon", ["com.example:why"], default)[0].Value);
        Assert.Equal("lz4", dst.Storage.GetProperties("backup/home/bob", ["compression"], default)[0].Value); // inherited from the received parent

        // On the source: bob becomes robert, a snapshot goes, carol arrives, a new snapshot is taken.
        s.Rename("tank/home/bob", "tank/home/robert", false, default);
        s.Destroy("tank/home/alice@mon", false, false, false, default);
        s.CreateFileSystem("tank/home/carol", null, false, default);
        Write(s, "tank/home/carol", "/hi", "carol"u8.ToArray());
        s.SetProperties("tank/home", new Dictionary<string, string> { ["com.example:owner"] = "devs" }, default);
        s.CreateSnapshots(["tank/home@wed"], recursive: true, null, default);
        var inc = Send(s, new SendRequest { Snapshot = "tank/home@wed", From = "@tue", Recursive = true, IncludeIntermediate = true });
        Assert.True(inc.Length < full.Length);
        Receive(dst.Storage, "backup/home", inc, force: true);
        Assert.Equal(Names(src, "tank/home"), Names(dst, "backup/home"));
        Assert.Equal(Snaps(src, "tank/home"), Snaps(dst, "backup/home"));
        Assert.Equal(Tree(s, "tank/home/robert"), Tree(dst.Storage, "backup/home/robert"));
        Assert.Equal(Tree(s, "tank/home/carol"), Tree(dst.Storage, "backup/home/carol"));
        Assert.Equal("devs (Received)", Props(dst, "backup/home")["com.example:owner"]);
        dst.Reopen();
        Assert.Equal(Snaps(src, "tank/home"), Snaps(dst, "backup/home"));
    }

    [Fact]
    public void Properties_travel_with_a_single_dataset_and_can_be_excluded_or_overridden()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["atime"] = "off", ["com.example:tag"] = "x", ["compression"] = "zstd" }, false, default);
        f.Storage.CreateFileSystem("tank/fs/child", null, false, default);
        f.Storage.CreateSnapshots(["tank/fs@a"], true, null, default);
        var stream = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@a", Properties = true });
        f.Storage.Receive(new ReceiveRequest
        {
            Target = "tank/copy", ExcludeProperties = ["com.example:tag"], SetProperties = new Dictionary<string, string> { ["compression"] = "lz4" },
        }, new MemoryStream(stream), NullSink.Instance, default);
        var props = Props(f, "tank/copy");
        Assert.Equal("off (Received)", props["atime"]);
        Assert.Equal("lz4 (Local)", props["compression"]);
        Assert.False(props.ContainsKey("com.example:tag"));
        Assert.Equal(["", ], Names(f, "tank/copy")); // -p without -R: the one dataset
    }

    [Fact]
    public void Clones_in_a_tree_arrive_as_clones_of_the_received_origin()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        var s = f.Storage;
        s.CreateFileSystem("tank/top", null, false, default);
        s.CreateFileSystem("tank/top/z-base", null, false, default);
        Write(s, "tank/top/z-base", "/big", StorageFixture.Bytes(2 << 20, 5));
        s.CreateSnapshots(["tank/top/z-base@gold"], false, null, default);
        s.Clone("tank/top/z-base@gold", "tank/top/a-clone", null, false, default);
        Write(s, "tank/top/a-clone", "/own", "mine"u8.ToArray());
        s.CreateSnapshots(["tank/top@all"], true, null, default);
        var stream = Send(s, new SendRequest { Snapshot = "tank/top@all", Recursive = true });
        Receive(s, "tank/copy", stream);
        Assert.Equal("tank/copy/z-base@gold", s.GetProperties("tank/copy/a-clone", ["origin"], default)[0].Value);
        Assert.Equal(Tree(s, "tank/top/a-clone"), Tree(s, "tank/copy/a-clone"));
        // The clone shares its origin's blocks: it uses far less than the 2 MiB it references.
        Assert.True(ulong.Parse(s.GetProperties("tank/copy/a-clone", ["used"], default)[0].Value) < 1 << 20);
    }
}
