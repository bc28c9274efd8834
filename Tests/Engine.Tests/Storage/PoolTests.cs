using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

public class PoolTests
{
    [Fact]
    public void Pool_with_data_and_properties_survives_close_and_reopen()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.Storage.CreateFileSystem("tank/home", new Dictionary<string, string> { ["compression"] = "zstd", ["org:owner"] = "alice" }, false, default);
        f.Storage.Files.CreateDirectory("tank/home", "/docs/a", true, default);
        var data = new byte[300_000];
        new Random(3).NextBytes(data);
        f.WriteFile("tank/home", "/docs/a/blob.bin", data);
        f.WriteFile("tank/home", "/hello.txt", "hello world"u8.ToArray());
        f.Storage.SetPoolProperties("tank", new Dictionary<string, string> { ["comment"] = "lab pool" }, default);

        var s = f.Reopen();
        Assert.Equal(["tank"], s.GetPools(default).Select(p => p.Name));
        Assert.Equal(data, f.ReadFile("tank/home", "/docs/a/blob.bin"));
        Assert.Equal("hello world"u8.ToArray(), f.ReadFile("tank/home", "/hello.txt"));
        var props = s.GetProperties("tank/home", ["compression", "org:owner"], default);
        Assert.Equal("zstd", props[0].Value);
        Assert.Equal(ZPropertySource.Local, props[0].Source);
        Assert.Equal("alice", props[1].Value);
        Assert.Equal("lab pool", s.GetPoolProperties("tank", ["comment"], default)[0].Value);
        Assert.Contains(s.GetHistory("tank", false, default), h => h.Command.StartsWith("zfs create", StringComparison.Ordinal));
        var status = s.GetStatus("tank", false, default);
        Assert.Equal("mirror", status.Config.Children[0].Type);
        Assert.Equal(2, status.Config.Children[0].Children.Count);
        Assert.True(status.IsHealthy);
    }

    [Fact]
    public void Export_and_import_by_name_and_under_a_new_name()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/a", null, false, default);
        f.WriteFile("tank/a", "/f", [1, 2, 3]);
        f.Storage.ExportPool("tank", false, default);
        Assert.Empty(f.Storage.GetPools(default));
        var found = f.Storage.FindImportablePools([f.DevDir], default);
        Assert.Single(found);
        Assert.Equal("tank", found[0].Name);
        f.Storage.ImportPool("tank", "pond", [f.DevDir], false, null, default);
        var s = f.Reopen();
        Assert.Equal([1, 2, 3], f.ReadFile("pond/a", "/f"));
        Assert.Contains(s.GetDatasets(null, null, ZDatasetType.All, default), d => d.Name == "pond/a");
    }

    [Fact]
    public void Torn_newest_uberblock_falls_back_to_the_previous_txg()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.WriteFile("tank", "/a", [1]);
        f.WriteFile("tank", "/b", [2]);
        f.Storage.Dispose();
        // Tear the newest uberblock in every label: flip a byte in each of the highest-txg slots.
        var path = f.Dev("d1");
        using (var leaf = new Illumos.Engine.Storage.Embedded.Vdev.LeafDevice(path, 0))
        {
            var newest = Illumos.Engine.Storage.Embedded.Vdev.Label.ReadUberblocks(leaf).Max(u => u.Txg);
            for (int l = 0; l < 4; l++)
            {
                long off = Illumos.Engine.Storage.Embedded.Vdev.LeafDevice.LabelOffset(l, leaf.AlignedSize) + 128 * 1024 + (long)(newest % 128) * 1024 + 100;
                var b = new byte[1];
                leaf.ReadRaw(off, b);
                b[0] ^= 0x40;
                leaf.WriteRaw(off, b);
            }
            Assert.DoesNotContain(Illumos.Engine.Storage.Embedded.Vdev.Label.ReadUberblocks(leaf), u => u.Txg == newest);
        }
        var s = f.Reopen();
        // The last commit (file b) is lost, everything before it is intact.
        Assert.NotNull(s.Files.TryGet("tank", "/a", default));
        Assert.Null(s.Files.TryGet("tank", "/b", default));
    }

    [Fact]
    public void Bad_input_is_refused_with_stable_ids_and_nothing_half_done()
    {
        using var f = new StorageFixture();
        File.WriteAllBytes(f.Dev("small"), new byte[1024]);
        var e = Assert.Throws<IllumosException>(() => f.Storage.CreatePool(new PoolCreateRequest { Name = "tank", Vdevs = VdevSpec.Parse([f.Dev("small")]) }, NullSink.Instance, default));
        Assert.Equal("DeviceTooSmall", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.CreatePool(new PoolCreateRequest { Name = "tank", Vdevs = VdevSpec.Parse([f.Dev("nothere")]) }, NullSink.Instance, default));
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
        e = Assert.Throws<IllumosException>(() => f.CreatePool("mirror", "d1"));
        Assert.Equal("PoolNameReserved", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.CreatePool("1tank", "d1"));
        Assert.Equal("PoolNameInvalid", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => VdevSpec.Parse(["raidz2", "a", "b"]));
        Assert.Equal("VdevTooFewDevices", e.ErrorId);
        Assert.False(File.Exists(f.Dev("d1")));

        f.CreatePool("tank", "d1");
        e = Assert.Throws<IllumosException>(() => f.CreatePool("other", "d1"));
        Assert.Equal("DeviceInUse", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.CreatePool("tank", "d2"));
        Assert.Equal("PoolExists", e.ErrorId);
        Assert.False(File.Exists(f.Dev("d2")));

        e = Assert.Throws<IllumosException>(() => f.Storage.CreateFileSystem("tank/a/b", null, false, default));
        Assert.Equal("ParentNotFound", e.ErrorId);
        Assert.DoesNotContain(f.Storage.GetDatasets(null, null, ZDatasetType.All, default), d => d.Name == "tank/a");
        foreach (var bad in new[] { "tank/a@b", "tank//a", "tank/a*", "tank/" + new string('x', 300), "tank/a#b", "tank/." })
        {
            e = Assert.Throws<IllumosException>(() => f.Storage.CreateFileSystem(bad, null, false, default));
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        }
        f.Storage.CreateFileSystem("tank/a", null, false, default);
        e = Assert.Throws<IllumosException>(() => f.Storage.CreateFileSystem("tank/a", null, false, default));
        Assert.Equal("DatasetExists", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.CreateFileSystem("tank/b", new Dictionary<string, string> { ["compression"] = "snappy" }, false, default));
        Assert.Equal("PropertyBadValue", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.SetProperties("tank/a", new Dictionary<string, string> { ["used"] = "5" }, default));
        Assert.Equal("PropertyReadOnly", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.SetProperties("tank/a", new Dictionary<string, string> { ["recordsize"] = "3000" }, default));
        Assert.Equal("PropertyBadValue", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.CreateSnapshots(["tank/a@x@y"], false, null, default));
        Assert.Equal("SnapshotNameInvalid", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.CreatePool("tank2", "d3", "mirror", "d4", "d5"));
        Assert.Equal("VdevMismatchedReplication", e.ErrorId);
        Assert.False(File.Exists(f.Dev("d3")));
    }

    [Fact]
    public void Properties_inherit_with_sources()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/a", new Dictionary<string, string> { ["compression"] = "gzip-3", ["atime"] = "off" }, false, default);
        f.Storage.CreateFileSystem("tank/a/b", null, false, default);
        var p = f.Storage.GetProperties("tank/a/b", ["compression", "atime", "quota", "mountpoint", "recordsize"], default).ToDictionary(x => x.Property);
        Assert.Equal(("gzip-3", ZPropertySource.Inherited, "tank/a"), (p["compression"].Value, p["compression"].Source, p["compression"].InheritedFrom));
        Assert.Equal("inherited from tank/a", p["atime"].SourceText);
        Assert.Equal(("none", ZPropertySource.Default), (p["quota"].Value, p["quota"].Source));
        Assert.Equal("/tank/a/b", p["mountpoint"].Value);
        Assert.Equal("131072", p["recordsize"].Value);
        f.Storage.SetProperties("tank/a/b", new Dictionary<string, string> { ["compression"] = "off", ["quota"] = "10M" }, default);
        Assert.Equal(ZPropertySource.Local, f.Storage.GetProperties("tank/a/b", ["compression"], default)[0].Source);
        Assert.Equal("10485760", f.Storage.GetProperties("tank/a/b", ["quota"], default)[0].Value);
        f.Storage.InheritProperty("tank/a/b", "compression", false, false, default);
        Assert.Equal("gzip-3", f.Storage.GetProperties("tank/a/b", ["compression"], default)[0].Value);
    }

    [Fact]
    public void Quota_refuses_the_write_cleanly_and_keeps_earlier_data()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/q", new Dictionary<string, string> { ["quota"] = "1M", ["compression"] = "off" }, false, default);
        var first = new byte[512 * 1024];
        new Random(1).NextBytes(first);
        f.WriteFile("tank/q", "/first", first);
        var e = Assert.Throws<IllumosException>(() =>
        {
            using var s = f.Storage.Files.OpenWrite("tank/q", "/second", FileMode.Create, default);
            var chunk = new byte[128 * 1024];
            for (int i = 0; i < 16; i++) { new Random(i).NextBytes(chunk); s.Write(chunk); }
        });
        Assert.Equal(ErrorKind.QuotaExceeded, e.Kind);
        Assert.Equal(first, f.ReadFile("tank/q", "/first"));
        f.Reopen();
        Assert.Equal(first, f.ReadFile("tank/q", "/first"));
    }

    [Fact]
    public void Mirror_heals_a_damaged_side_on_read()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.Storage.CreateFileSystem("tank/m", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var data = new byte[2 << 20];
        new Random(5).NextBytes(data);
        f.WriteFile("tank/m", "/big", data);
        f.Storage.Dispose();
        // Overwrite the whole data area of one side (labels kept) with garbage.
        using (var fs = new FileStream(f.Dev("d1"), FileMode.Open))
        {
            var junk = new byte[1 << 20];
            new Random(9).NextBytes(junk);
            for (long off = 4L << 20; off < 40L << 20; off += junk.Length) { fs.Position = off; fs.Write(junk); }
        }
        var s = f.Reopen();
        Assert.Equal(data, f.ReadFile("tank/m", "/big"));
        var leaf = s.GetStatus("tank", false, default).Config.Flatten().Single(v => v.Path == f.Dev("d1"));
        Assert.True(leaf.ChecksumErrors > 0);
        s.ClearErrors("tank", null, default);
        Assert.True(s.GetStatus("tank", false, default).IsHealthy);
    }
}
