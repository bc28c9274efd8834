using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>The special allocation class: metadata and small file blocks on a special vdev, as ZFS places them.</summary>
public class SpecialClassTests : IDisposable
{
    private readonly StorageFixture _f = new();
    public void Dispose() => _f.Dispose();

    private (ulong Normal, ulong Special) AllocatedByClass(string pool = "tank")
    {
        var stats = _f.Storage.GetIOStats(pool, true, default).Where(s => s.Depth == 1).ToList();
        return ((ulong)stats.Where(s => s.Class == ZVdevClass.Normal).Sum(s => (decimal)(s.Allocated ?? 0)),
                (ulong)stats.Where(s => s.Class == ZVdevClass.Special).Sum(s => (decimal)(s.Allocated ?? 0)));
    }

    [Fact]
    public void Metadata_goes_to_the_special_vdev_and_large_file_blocks_do_not()
    {
        _f.CreatePool("tank", "d1", "special", "s1");
        _f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var (normal0, special0) = AllocatedByClass();
        Assert.True(special0 > 0, "the MOS and the root dataset's metadata are on the special vdev from the start");

        var big = StorageFixture.Bytes(4 << 20, 1);
        _f.WriteFile("tank/fs", "/big", big);
        for (int i = 0; i < 200; i++) _f.Storage.Files.CreateDirectory("tank/fs", "/dir" + i, false, default);
        _f.Storage.Commit("tank");
        var (normal1, special1) = AllocatedByClass();
        // 4 MiB of 128 KiB records went to the normal vdev; the directories and dnodes to the special one
        Assert.InRange(normal1 - normal0, 4UL << 20, (4UL << 20) + (256UL << 10));
        Assert.True(special1 > special0, $"special grew {special0} -> {special1}");
        Assert.Equal(big, _f.ReadFile("tank/fs", "/big"));
    }

    [Fact]
    public void Small_file_blocks_follow_special_small_blocks()
    {
        _f.CreatePool("tank", "d1", "special", "s1");
        _f.Storage.CreateFileSystem("tank/small", new Dictionary<string, string> { ["compression"] = "off", ["special_small_blocks"] = "32K" }, false, default);
        _f.Storage.CreateFileSystem("tank/plain", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        Assert.Equal("32768", _f.Storage.GetProperties("tank/small", ["special_small_blocks"], default).Single().Value);
        _f.Storage.Commit("tank");

        var (n0, s0) = AllocatedByClass();
        var files = Enumerable.Range(0, 64).Select(i => StorageFixture.Bytes(16 << 10, 100 + i)).ToList();
        for (int i = 0; i < files.Count; i++) _f.WriteFile("tank/small", "/f" + i, files[i]);
        _f.Storage.Commit("tank");
        var (n1, s1) = AllocatedByClass();
        Assert.True(s1 - s0 >= 64UL * (16 << 10), $"special grew by {s1 - s0}");
        Assert.True(n1 - n0 < 64UL << 10, $"normal grew by {n1 - n0}");

        // the same files in a dataset without the property land on the normal vdev
        for (int i = 0; i < files.Count; i++) _f.WriteFile("tank/plain", "/f" + i, files[i]);
        _f.Storage.Commit("tank");
        var (n2, _) = AllocatedByClass();
        Assert.True(n2 - n1 >= 64UL * (16 << 10), $"normal grew by {n2 - n1}");

        _f.ExportImport();
        for (int i = 0; i < files.Count; i++)
        {
            Assert.Equal(files[i], _f.ReadFile("tank/small", "/f" + i));
            Assert.Equal(files[i], _f.ReadFile("tank/plain", "/f" + i));
        }
    }

    [Fact]
    public void The_special_class_survives_export_and_a_new_process_and_counts_in_the_pool_size_but_not_in_available()
    {
        _f.CreatePool("tank", "d1", "special", "mirror", "s1", "s2");
        var pool = _f.Storage.GetPools(default).Single();
        var status = _f.Storage.GetStatus("tank", false, default);
        var special = Assert.Single(status.Config.Children, v => v.Class == ZVdevClass.Special);
        Assert.Equal("mirror", special.Type);
        Assert.Equal(2, special.Children.Count);

        var root = _f.Storage.GetDatasets("tank", 0, ZDatasetType.FileSystem, default).Single();
        // size counts both vdevs (two 64 MiB devices less labels); available only the normal one, less slop
        Assert.True(pool.Size > 100UL << 20, $"size {pool.Size}");   // one device alone is under 64 MiB
        Assert.True(root.Available < 64UL << 20, $"available {root.Available}");

        _f.WriteFile("tank", "/x", StorageFixture.Bytes(100_000, 5));
        _f.Reopen();
        _f.ExportImport();
        status = _f.Storage.GetStatus("tank", false, default);
        Assert.Single(status.Config.Children, v => v.Class == ZVdevClass.Special);
        Assert.Equal(StorageFixture.Bytes(100_000, 5), _f.ReadFile("tank", "/x"));
        var (_, s) = AllocatedByClass();
        Assert.True(s > 0);
    }

    [Fact]
    public void A_full_special_vdev_spills_into_the_normal_class()
    {
        _f.CreatePool("tank", "d1", "special", "s1");
        _f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off", ["special_small_blocks"] = "128K" }, false, default);
        // 96 MiB of 128 KiB blocks: small blocks stop at 75% of the 64 MiB special vdev, the rest goes to the normal one
        var data = new List<byte[]>();
        for (int i = 0; i < 12; i++)
        {
            data.Add(StorageFixture.Bytes(8 << 20, 300 + i));
            _f.WriteFile("tank/fs", "/f" + i, data[^1]);
            _f.Storage.Commit("tank");
        }
        var stats = _f.Storage.GetIOStats("tank", true, default).Where(s => s.Depth == 1).ToList();
        var sp = stats.Single(s => s.Class == ZVdevClass.Special);
        Assert.InRange((double)sp.Allocated!.Value / (sp.Allocated.Value + sp.Free!.Value), 0.70, 0.80);
        for (int i = 0; i < data.Count; i++) Assert.Equal(data[i], _f.ReadFile("tank/fs", "/f" + i));
    }

    [Fact]
    public void Special_vdevs_can_be_added_and_dedup_vdevs_are_refused()
    {
        _f.CreatePool("tank", "d1");
        _f.NewDevice("s1");
        _f.Storage.AddVdevs("tank", Illumos.Engine.Languages.Vdev.VdevSpec.Parse(["special", _f.Dev("s1")]), false, default);
        _f.Storage.CreateFileSystem("tank/after", null, false, default);
        _f.Storage.Commit("tank");
        Assert.True(AllocatedByClass().Special > 0);

        _f.NewDevice("x1");
        var e = Assert.Throws<IllumosException>(() =>
            _f.Storage.AddVdevs("tank", Illumos.Engine.Languages.Vdev.VdevSpec.Parse(["dedup", _f.Dev("x1")]), false, default));
        Assert.Equal("VdevClassNotImplemented", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => _f.CreatePool("other", "y1", "dedup", "y2"));
        Assert.Equal("VdevClassNotImplemented", e.ErrorId);
        Assert.DoesNotContain(_f.Storage.GetPools(default), p => p.Name == "other");
    }

    [Theory]
    [InlineData("1000")]
    [InlineData("2M")]
    [InlineData("256")]
    [InlineData("lots")]
    public void Special_small_blocks_takes_zero_or_a_power_of_two_up_to_1M(string value)
    {
        _f.CreatePool("tank", "d1");
        var e = Assert.Throws<IllumosException>(() => _f.Storage.SetProperties("tank", new Dictionary<string, string> { ["special_small_blocks"] = value }, default));
        Assert.Equal("PropertyBadValue", e.ErrorId);
    }
}
