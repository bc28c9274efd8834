using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded.Vdev;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>expandsize, zpool online -e and autoexpand: a grown device file grows the pool only when expanded, for real and for good.</summary>
public class ExpansionTests
{
    private const long Grown = 128L << 20;

    private static void Grow(StorageFixture f, string dev, long size = Grown)
    {
        using var fs = new FileStream(f.Dev(dev), FileMode.Open);
        fs.SetLength(size);
    }

    private static ZPool Pool(StorageFixture f) => f.Storage.GetPools(default).Single();

    /// <summary>The label config at label <paramref name="n"/> of a device, opened at its current file size.</summary>
    private static LabelConfig? LabelAt(StorageFixture f, string dev, int n)
    {
        using var leaf = new LeafDevice(f.Dev(dev), 0);
        return Label.ReadConfig(leaf, n);
    }

    [Fact]
    public void A_grown_file_shows_as_expandsize_until_online_expand_grows_the_pool_for_good()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var before = Pool(f);
        Assert.Null(before.ExpandSize);
        Grow(f, "d1");

        // Not grown by itself, not even by reopening the host or export and import.
        f.Reopen();
        f.ExportImport();
        var stillOld = Pool(f);
        Assert.Equal(before.Size, stillOld.Size);
        Assert.Equal((ulong)(Grown - (long)StorageFixture.DeviceSize), stillOld.ExpandSize);
        Assert.Equal(stillOld.ExpandSize.ToString(), f.Storage.GetPoolProperties("tank", ["expandsize"], default)[0].Value);
        // The end labels are still at the old end, not yet at the new one.
        Assert.Null(LabelAt(f, "d1", 2));

        f.Storage.OnlineDevice("tank", f.Dev("d1"), expand: true, default);
        var grown = Pool(f);
        Assert.Equal(before.Size + (ulong)(Grown - (long)StorageFixture.DeviceSize), grown.Size);
        Assert.Null(grown.ExpandSize);
        Assert.Equal(grown.Size - grown.Allocated, grown.Free);
        Assert.True(grown.Free > before.Free + (60UL << 20));
        // Labels at the new end, recording the new size.
        for (int l = 0; l < 4; l++)
        {
            var cfg = LabelAt(f, "d1", l);
            Assert.NotNull(cfg);
            Assert.Equal(Grown, cfg!.VdevTree.Children[0].Size);
        }

        // More data than the old pool could hold lands in the new space, and reads back after export and import.
        var data = StorageFixture.Bytes(80 << 20, 7);
        f.WriteFile("tank/fs", "/big", data);
        var allocator = f.Storage.PoolForTests("tank").Space.Allocators[0];
        Assert.Contains(allocator.AllocatedExtents(), e => e.Offset + e.Length > (long)before.Size);
        f.ExportImport();
        Assert.Equal(grown.Size, Pool(f).Size);
        Assert.Equal(data, f.ReadFile("tank/fs", "/big"));
        f.Reopen();
        Assert.Equal(grown.Size, Pool(f).Size);
        Assert.Equal(data, f.ReadFile("tank/fs", "/big"));
    }

    [Fact]
    public void A_mirror_grows_only_to_its_smallest_member()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "m0", "m1");
        var before = Pool(f);
        Grow(f, "m0");
        Assert.Null(Pool(f).ExpandSize);
        f.Storage.OnlineDevice("tank", f.Dev("m0"), expand: true, default);
        Assert.Equal(before.Size, Pool(f).Size);

        Grow(f, "m1", 96L << 20);
        Assert.Equal((ulong)(32L << 20), Pool(f).ExpandSize);
        f.Storage.OnlineDevice("tank", f.Dev("m0"), expand: true, default);
        Assert.Equal(before.Size + (32UL << 20), Pool(f).Size);
        f.ExportImport();
        Assert.Equal(before.Size + (32UL << 20), Pool(f).Size);
        Assert.Equal(ZHealth.ONLINE, Pool(f).Health);
    }

    [Fact]
    public void Raidz_grows_to_its_smallest_member_times_its_width_and_survives_losing_a_device()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "raidz1", "r0", "r1", "r2");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var before = Pool(f);
        Grow(f, "r0");
        Grow(f, "r1");
        Grow(f, "r2", 96L << 20);
        Assert.Equal((ulong)(3 * (32L << 20)), Pool(f).ExpandSize);
        f.Storage.OnlineDevice("tank", f.Dev("r1"), expand: true, default);
        Assert.Equal(before.Size + 3 * (32UL << 20), Pool(f).Size);

        var data = StorageFixture.Bytes(100 << 20, 9);
        f.WriteFile("tank/fs", "/big", data);
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("r2")); // the parity rebuilds what it held, including in the new space
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(ZHealth.DEGRADED, Pool(f).Health);
        Assert.Equal(before.Size + 3 * (32UL << 20), Pool(f).Size);
        Assert.Equal(data, f.ReadFile("tank/fs", "/big"));
    }

    [Fact]
    public void Autoexpand_grows_at_import_when_turned_on_and_when_a_device_comes_online()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1", "d2");
        var before = Pool(f);
        f.Storage.SetPoolProperties("tank", new Dictionary<string, string> { ["autoexpand"] = "on" }, default);
        f.Storage.ExportPool("tank", false, default);
        Grow(f, "d1");
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(before.Size + (64UL << 20), Pool(f).Size);
        Assert.Null(Pool(f).ExpandSize);

        // Turning it on grows what already has room.
        f.Storage.SetPoolProperties("tank", new Dictionary<string, string> { ["autoexpand"] = "off" }, default);
        Grow(f, "d2");
        f.Reopen();
        Assert.Equal(64UL << 20, Pool(f).ExpandSize);
        f.Storage.SetPoolProperties("tank", new Dictionary<string, string> { ["autoexpand"] = "on" }, default);
        Assert.Equal(before.Size + (128UL << 20), Pool(f).Size);
        Assert.Contains(f.Storage.GetHistory("tank", true, default), h => h.Command.StartsWith("vdev expand:", StringComparison.Ordinal));
    }

    [Fact]
    public void Autoexpand_grows_a_vdev_when_its_device_comes_back_online()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "m0", "m1");
        var before = Pool(f);
        f.Storage.SetPoolProperties("tank", new Dictionary<string, string> { ["autoexpand"] = "on" }, default);
        Grow(f, "m0");
        f.Storage.OfflineDevice("tank", f.Dev("m1"), false, default);
        Grow(f, "m1");
        Assert.Equal(before.Size, Pool(f).Size); // an offline member holds the vdev back
        f.Storage.OnlineDevice("tank", f.Dev("m1"), expand: false, default);
        f.Storage.WaitForScrub("tank");
        Assert.Equal(before.Size + (64UL << 20), Pool(f).Size);
    }

    [Fact]
    public void Expanding_a_spare_is_refused_and_nothing_to_gain_changes_nothing()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1", "spare", "s1");
        var e = Assert.Throws<IllumosException>(() => f.Storage.OnlineDevice("tank", f.Dev("s1"), expand: true, default));
        Assert.Equal("ExpandAux", e.ErrorId);
        long txg = (long)f.Storage.PoolForTests("tank").LastTxg;
        f.Storage.OnlineDevice("tank", f.Dev("d1"), expand: true, default);
        Assert.Equal(txg, (long)f.Storage.PoolForTests("tank").LastTxg);
    }
}
