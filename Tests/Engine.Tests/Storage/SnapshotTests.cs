using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

public class SnapshotTests
{
    private static ulong Prop(StorageFixture f, string name, string prop) => ulong.Parse(f.Storage.GetProperties(name, [prop], default)[0].Value);

    [Fact]
    public void Snapshot_is_a_read_only_view_of_the_past()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        f.WriteFile("tank/fs", "/f", "old"u8.ToArray());
        f.Storage.CreateSnapshots(["tank/fs@s1"], false, null, default);
        f.WriteFile("tank/fs", "/f", "new!"u8.ToArray());
        f.WriteFile("tank/fs", "/g", "g"u8.ToArray());
        Assert.Equal("old"u8.ToArray(), f.ReadFile("tank/fs@s1", "/f"));
        Assert.Null(f.Storage.Files.TryGet("tank/fs@s1", "/g", default));
        Assert.Equal("new!"u8.ToArray(), f.ReadFile("tank/fs", "/f"));
        var e = Assert.Throws<IllumosException>(() => f.WriteFile("tank/fs@s1", "/f", [1]));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        e = Assert.Throws<IllumosException>(() => f.Storage.Files.Delete("tank/fs@s1", "/f", false, default));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        f.Storage.SetProperties("tank/fs", new Dictionary<string, string> { ["readonly"] = "on" }, default);
        e = Assert.Throws<IllumosException>(() => f.WriteFile("tank/fs", "/h", [1]));
        Assert.Equal(ErrorKind.PermissionDenied, e.Kind);
        f.Reopen();
        Assert.Equal("old"u8.ToArray(), f.ReadFile("tank/fs@s1", "/f"));
        Assert.Single(f.Storage.GetSnapshots("tank/fs", false, default));
    }

    [Fact]
    public void Rollback_restores_and_refuses_past_newer_snapshots_without_the_flag()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        f.WriteFile("tank/fs", "/f", [1]);
        f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        f.WriteFile("tank/fs", "/f", [2]);
        f.Storage.CreateSnapshots(["tank/fs@b"], false, null, default);
        f.WriteFile("tank/fs", "/f", [3]);
        var e = Assert.Throws<IllumosException>(() => f.Storage.Rollback("tank/fs@a", false, false, default));
        Assert.Equal("RollbackNewerSnapshots", e.ErrorId);
        Assert.Equal([3], f.ReadFile("tank/fs", "/f"));
        f.Storage.Rollback("tank/fs@b", false, false, default);
        Assert.Equal([2], f.ReadFile("tank/fs", "/f"));
        f.Storage.Rollback("tank/fs@a", true, false, default);
        Assert.Equal([1], f.ReadFile("tank/fs", "/f"));
        Assert.Equal(["tank/fs@a"], f.Storage.GetSnapshots("tank/fs", false, default).Select(s => s.Name));
        f.Reopen();
        Assert.Equal([1], f.ReadFile("tank/fs", "/f"));
    }

    [Fact]
    public void Clone_is_writable_depends_on_its_origin_and_destroy_needs_the_flags()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        f.WriteFile("tank/fs", "/f", "base"u8.ToArray());
        f.Storage.CreateSnapshots(["tank/fs@s"], false, null, default);
        var c = f.Storage.Clone("tank/fs@s", "tank/c", null, false, default);
        Assert.Equal("tank/fs@s", c.Origin);
        f.WriteFile("tank/c", "/f", "clone"u8.ToArray());
        Assert.Equal("base"u8.ToArray(), f.ReadFile("tank/fs", "/f"));
        Assert.Equal("clone"u8.ToArray(), f.ReadFile("tank/c", "/f"));
        Assert.Equal(["tank/c"], f.Storage.GetSnapshots("tank/fs", false, default)[0].Clones);

        var e = Assert.Throws<IllumosException>(() => f.Storage.Destroy("tank/fs", false, false, false, default));
        Assert.Equal("DatasetHasSnapshots", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.Destroy("tank/fs", true, false, false, default));
        Assert.Equal("SnapshotHasClones", e.ErrorId);
        var plan = f.Storage.Destroy("tank/fs", true, true, dryRun: true, default);
        Assert.Equal(["tank/c", "tank/fs@s", "tank/fs"], plan);
        Assert.Equal(3, f.Storage.GetDatasets("tank", null, ZDatasetType.All, default).Count);
        e = Assert.Throws<IllumosException>(() => f.Storage.Clone("tank/fs@nope", "tank/d", null, false, default));
        Assert.Equal("SnapshotNotFound", e.ErrorId);

        f.Reopen();
        Assert.Equal("clone"u8.ToArray(), f.ReadFile("tank/c", "/f"));
        f.Storage.Destroy("tank/fs", true, true, false, default);
        Assert.Equal(["tank"], f.Storage.GetDatasets(null, null, ZDatasetType.All, default).Select(d => d.Name));
    }

    [Fact]
    public void Space_follows_the_birth_txg_rule()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        ulong poolBefore = f.Storage.GetPools(default)[0].Allocated;
        f.WriteFile("tank/fs", "/big", StorageFixture.Bytes(4 << 20, 1));
        ulong used1 = Prop(f, "tank/fs", "used");
        Assert.InRange(used1, 4UL << 20, (4UL << 20) + (1 << 20));
        f.Storage.CreateSnapshots(["tank/fs@s"], false, null, default);
        Assert.Equal(0UL, Prop(f, "tank/fs", "usedbysnapshots"));
        Assert.Equal(0UL, f.Storage.GetSnapshots("tank/fs", false, default)[0].Used);
        // Overwrite everything: the old blocks stay, held by the snapshot.
        f.WriteFile("tank/fs", "/big", StorageFixture.Bytes(4 << 20, 2));
        ulong snapUsed = Prop(f, "tank/fs", "usedbysnapshots");
        Assert.InRange(snapUsed, 4UL << 20, (4UL << 20) + (1 << 20));
        Assert.Equal(snapUsed, f.Storage.GetSnapshots("tank/fs", false, default)[0].Used);
        ulong allocWithSnap = f.Storage.GetPools(default)[0].Allocated;
        Assert.True(allocWithSnap - poolBefore >= 8UL << 20);
        // Deleting the file now frees only the new blocks; destroying the snapshot frees the old ones.
        f.Storage.Files.Delete("tank/fs", "/big", false, default);
        Assert.True(Prop(f, "tank/fs", "usedbydataset") < 1 << 20);
        f.Storage.Destroy("tank/fs@s", false, false, false, default);
        Assert.Equal(0UL, Prop(f, "tank/fs", "usedbysnapshots"));
        Assert.True(f.Storage.GetPools(default)[0].Allocated < poolBefore + (1 << 20));
        f.Reopen();
        Assert.True(f.Storage.GetPools(default)[0].Allocated < poolBefore + (1 << 20));
    }

    [Fact]
    public void Snapshots_in_the_middle_hand_their_blocks_on_when_destroyed()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        f.WriteFile("tank/fs", "/a", StorageFixture.Bytes(1 << 20, 1));
        f.Storage.CreateSnapshots(["tank/fs@1"], false, null, default);
        f.WriteFile("tank/fs", "/b", StorageFixture.Bytes(1 << 20, 2));
        f.Storage.CreateSnapshots(["tank/fs@2"], false, null, default);
        f.Storage.Files.Delete("tank/fs", "/a", false, default);
        f.Storage.Files.Delete("tank/fs", "/b", false, default);
        var snaps = f.Storage.GetSnapshots("tank/fs", false, default);
        Assert.True(snaps[0].Used < 256 * 1024, "a is shared by @1 and @2");
        Assert.InRange(snaps[1].Used, 1UL << 20, (1UL << 20) + 256 * 1024); // b only in @2
        f.Storage.Destroy("tank/fs@2", false, false, false, default);
        // b was born after @1, so it is gone; a moves to the head's deadlist and @1 now holds it alone.
        var s1 = f.Storage.GetSnapshots("tank/fs", false, default).Single();
        Assert.InRange(s1.Used, 1UL << 20, (1UL << 20) + 256 * 1024);
        Assert.Equal(StorageFixture.Bytes(1 << 20, 1), f.ReadFile("tank/fs@1", "/a"));
    }

    [Fact]
    public void Holds_and_bookmarks()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateSnapshots(["tank@s"], false, null, default);
        f.Storage.Hold("tank@s", "keep", false, default);
        var e = Assert.Throws<IllumosException>(() => f.Storage.Destroy("tank@s", false, false, false, default));
        Assert.Equal("SnapshotHeld", e.ErrorId);
        Assert.Equal("keep", f.Storage.GetHolds("tank@s", false, default).Single().Tag);
        var bm = f.Storage.CreateBookmark("tank@s", "tank#b", default);
        Assert.Equal(f.Storage.GetSnapshots("tank", false, default)[0].Guid, bm.Guid);
        f.Reopen();
        Assert.Equal("tank#b", f.Storage.GetBookmarks("tank", false, default).Single().Name);
        f.Storage.Release("tank@s", "keep", false, default);
        f.Storage.Destroy("tank@s", false, false, false, default);
        Assert.Single(f.Storage.GetBookmarks("tank", false, default));
    }

    [Fact]
    public void Volumes_read_and_write_and_snapshot()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        var v = f.Storage.CreateVolume("tank/vol", 8 << 20, false, 8192, null, false, default);
        Assert.Equal(8UL << 20, v.VolumeSize);
        Assert.Equal(8UL << 20, v.RefReservation);
        var data = StorageFixture.Bytes(20000, 3);
        f.Storage.WriteVolume("tank/vol", 5000, data, default);
        f.Storage.CreateSnapshots(["tank/vol@s"], false, null, default);
        f.Storage.WriteVolume("tank/vol", 5000, new byte[100], default);
        var back = new byte[20000];
        f.Reopen();
        Assert.Equal(20000, f.Storage.ReadVolume("tank/vol@s", 5000, back, default));
        Assert.Equal(data, back);
        f.Storage.ReadVolume("tank/vol", 5000, back, default);
        Assert.Equal(new byte[100], back[..100]);
        var e = Assert.Throws<IllumosException>(() => f.Storage.WriteVolume("tank/vol", (8 << 20) - 10, new byte[20], default));
        Assert.Equal("VolumeRangeInvalid", e.ErrorId);
    }

    [Fact]
    public void Promote_reverses_the_clone_relationship()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        f.WriteFile("tank/fs", "/a", StorageFixture.Bytes(1 << 20, 1));
        f.Storage.CreateSnapshots(["tank/fs@1"], false, null, default);
        f.WriteFile("tank/fs", "/b", StorageFixture.Bytes(1 << 20, 2));
        f.Storage.CreateSnapshots(["tank/fs@2"], false, null, default);
        f.WriteFile("tank/fs", "/c", StorageFixture.Bytes(1 << 20, 3));
        f.Storage.CreateSnapshots(["tank/fs@3"], false, null, default);
        f.Storage.Clone("tank/fs@2", "tank/clone", null, false, default);
        f.WriteFile("tank/clone", "/d", [4]);
        var e = Assert.Throws<IllumosException>(() => f.Storage.Promote("tank/fs", default));
        Assert.Equal("NotAClone", e.ErrorId);
        f.Storage.Promote("tank/clone", default);
        Assert.Equal(["tank/clone@1", "tank/clone@2"], f.Storage.GetSnapshots("tank/clone", false, default).Select(s => s.Name));
        Assert.Equal(["tank/fs@3"], f.Storage.GetSnapshots("tank/fs", false, default).Select(s => s.Name));
        var ds = f.Storage.GetDatasets("tank", null, ZDatasetType.All, default).ToDictionary(d => d.Name);
        Assert.Null(ds["tank/clone"].Origin);
        Assert.Equal("tank/clone@2", ds["tank/fs"].Origin);
        // The snapshots' data now counts against the promoted dataset: a and b (2 MiB) are held there.
        Assert.True(ds["tank/clone"].UsedByDataset >= 2UL << 20, $"clone used {ds["tank/clone"].UsedByDataset}");
        Assert.True(ds["tank/fs"].UsedByDataset < 2UL << 20 && ds["tank/fs"].UsedByDataset >= 1UL << 20);
        f.Reopen();
        Assert.Equal(StorageFixture.Bytes(1 << 20, 1), f.ReadFile("tank/clone@1", "/a"));
        Assert.Equal(StorageFixture.Bytes(1 << 20, 3), f.ReadFile("tank/fs", "/c"));
        // Now the old dataset depends on the clone: destroying the clone needs -R.
        e = Assert.Throws<IllumosException>(() => f.Storage.Destroy("tank/clone", true, false, false, default));
        Assert.Equal("SnapshotHasClones", e.ErrorId);
        f.Storage.Destroy("tank/fs", true, false, false, default);
        Assert.Equal(StorageFixture.Bytes(1 << 20, 2), f.ReadFile("tank/clone", "/b"));
    }
}
