using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>zpool add, attach, detach, offline, online and replace.</summary>
public class DeviceTests
{

    [Fact]
    public void Add_a_vdev_then_attach_replace_and_detach()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var a = StorageFixture.Bytes(3 << 20, 1);
        f.WriteFile("tank/fs", "/a", a);
        f.NewDevice("d2");
        ulong before = f.Storage.GetPools(default)[0].Size;
        f.Storage.AddVdevs("tank", VdevSpec.Parse([f.Dev("d2")]), false, default);
        Assert.True(f.Storage.GetPools(default)[0].Size > before);
        var b = StorageFixture.Bytes(3 << 20, 2);
        f.WriteFile("tank/fs", "/b", b);
        Assert.Equal(2, f.Storage.GetStatus("tank", false, default).Config.Children.Count);

        // Attach a mirror side to d1 and let it resilver; then d1 can be lost.
        f.NewDevice("d1m");
        f.Storage.AttachDevice("tank", f.Dev("d1"), f.Dev("d1m"), false, default);
        f.Storage.WaitForScrub("tank");
        var st = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZScanFunction.Resilver, st.Scan.Function);
        Assert.Equal("mirror", st.Config.Children[0].Type);
        var e = Assert.Throws<IllumosException>(() => f.Storage.DetachDevice("tank", f.Dev("d2"), default));
        Assert.Equal("DetachNotMirror", e.ErrorId);
        f.Storage.DetachDevice("tank", f.Dev("d1"), default);
        Assert.Null(Illumos.Engine.Storage.Embedded.EmbeddedStorage.TryReadLabel(f.Dev("d1")));
        f.Reopen();
        Assert.Equal(a, f.ReadFile("tank/fs", "/a"));
        Assert.Equal(b, f.ReadFile("tank/fs", "/b"));

        // Replace the plain disk d2 by d3: copied from d2, then d2 leaves the pool.
        f.NewDevice("d3");
        f.Storage.ReplaceDevice("tank", f.Dev("d2"), f.Dev("d3"), false, default);
        Assert.DoesNotContain(f.Storage.GetStatus("tank", false, default).Config.Flatten(), v => v.Path == f.Dev("d2"));
        File.Delete(f.Dev("d2"));
        f.Reopen();
        Assert.Equal(b, f.ReadFile("tank/fs", "/b"));
        e = Assert.Throws<IllumosException>(() => f.Storage.ReplaceDevice("tank", f.Dev("d3"), null, false, default));
        Assert.Equal("ReplaceNoRedundancy", e.ErrorId);
    }

    [Fact]
    public void Raidz_device_replaced_by_a_blank_one_is_rebuilt()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "raidz1", "r0", "r1", "r2");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var a = StorageFixture.Bytes(2 << 20, 3);
        f.WriteFile("tank/fs", "/a", a);
        f.NewDevice("r9");
        f.Storage.ReplaceDevice("tank", f.Dev("r1"), f.Dev("r9"), false, default);
        var st = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZScanState.Finished, st.Scan.State);
        Assert.True(st.Scan.Repaired > 0);
        f.Storage.ClearErrors("tank", null, default);
        f.Storage.Dispose();
        // Now lose a different device entirely: the rebuilt r9 and r2 carry the data.
        using (var fs = new FileStream(f.Dev("r0"), FileMode.Open)) { fs.Position = 4 << 20; fs.Write(new byte[40 << 20]); }
        f.Reopen();
        Assert.Equal(a, f.ReadFile("tank/fs", "/a"));
    }

    [Fact]
    public void Offline_refuses_to_lose_the_last_replica_and_online_resilvers()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.Storage.OfflineDevice("tank", f.Dev("d1"), false, default);
        Assert.Equal(ZHealth.DEGRADED, f.Storage.GetStatus("tank", false, default).State);
        var e = Assert.Throws<IllumosException>(() => f.Storage.OfflineDevice("tank", f.Dev("d2"), false, default));
        Assert.Equal("OfflineNoReplicas", e.ErrorId);
        var data = StorageFixture.Bytes(1 << 20, 5);
        f.WriteFile("tank", "/while-offline", data);
        f.Storage.OnlineDevice("tank", f.Dev("d1"), false, default);
        f.Storage.WaitForScrub("tank");
        var st = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZHealth.ONLINE, st.State);
        Assert.True(st.Scan.Repaired >= 1 << 20);
    }

    [Fact]
    public void Cache_device_serves_blocks_the_ARC_evicted()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1", "cache", "c1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var data = StorageFixture.Bytes(40 << 20, 8);
        f.WriteFile("tank/fs", "/big", data);
        var s = f.Reopen(arc: 16 << 20);
        Assert.Equal(data, f.ReadFile("tank/fs", "/big")); // a single pass is not admitted to the ARC (ghost entries only)
        Assert.Equal(data, f.ReadFile("tank/fs", "/big")); // re-read: admitted; the ARC fills and spills into the cache device
        Assert.Equal(data, f.ReadFile("tank/fs", "/big")); // early blocks now come from the cache device
        var cache = s.GetIOStats("tank", true, default).Single(x => x.Class == ZVdevClass.Cache);
        Assert.True(cache.CacheHits > 50, $"hits {cache.CacheHits}");
        Assert.True(cache.WriteBytes > 10 << 20);
        s.RemoveDevice("tank", f.Dev("c1"), default);
        Assert.DoesNotContain(s.GetStatus("tank", false, default).Config.Flatten(), v => v.Class == ZVdevClass.Cache);
        Assert.Equal(data, f.ReadFile("tank/fs", "/big"));
    }

    [Fact]
    public void Missing_device_imports_degraded_when_redundancy_allows_and_is_replaced()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.CreatePool("flat", "s1", "s2");
        var data = StorageFixture.Bytes(1 << 20, 6);
        f.WriteFile("tank", "/f", data);
        f.Storage.ExportPool("tank", false, default);
        f.Storage.ExportPool("flat", false, default);
        File.Delete(f.Dev("d2"));
        File.Delete(f.Dev("s2"));
        var found = f.Storage.FindImportablePools([f.DevDir], default).ToDictionary(p => p.Name);
        Assert.Equal(ZHealth.DEGRADED, found["tank"].State);
        Assert.Equal(ZHealth.UNAVAIL, found["flat"].State);
        var e = Assert.Throws<IllumosException>(() => f.Storage.ImportPool("flat", null, [f.DevDir], false, null, default));
        Assert.Equal("PoolInsufficientReplicas", e.ErrorId);
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        var st = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZHealth.DEGRADED, st.State);
        Assert.Equal(ZHealth.UNAVAIL, st.Config.Flatten().Single(v => v.Path == f.Dev("d2")).State);
        Assert.Equal(data, f.ReadFile("tank", "/f"));
        // A blank disk at the same path takes the missing one's place and is resilvered.
        f.NewDevice("d2");
        f.Storage.ReplaceDevice("tank", f.Dev("d2"), null, false, default);
        Assert.Equal(ZHealth.ONLINE, f.Storage.GetStatus("tank", false, default).State);
        f.Storage.Dispose();
        using (var fs = new FileStream(f.Dev("d1"), FileMode.Open)) { fs.Position = 4 << 20; fs.Write(new byte[40 << 20]); }
        f.Reopen();
        Assert.Equal(data, f.ReadFile("tank", "/f"));
    }

    private static ZPoolVdev Leaf(StorageFixture f, string name) =>
        f.Storage.GetStatus("tank", false, default).Config.Flatten().Single(v => v.Path == f.Dev(name) && v.Type == "file");

    [Fact]
    public void Offline_persists_across_import_but_a_temporary_offline_does_not()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2", "d3");
        f.Storage.OfflineDevice("tank", f.Dev("d1"), false, default);
        f.Storage.OfflineDevice("tank", f.Dev("d2"), true, default);
        var data = StorageFixture.Bytes(1 << 20, 11);
        f.WriteFile("tank", "/f", data);
        f.ExportImport();
        // d1 stays offline (recorded in the labels); d2 comes back and is resilvered, as it missed txgs.
        Assert.Equal(ZHealth.OFFLINE, Leaf(f, "d1").State);
        Assert.Equal(ZHealth.ONLINE, Leaf(f, "d2").State);
        f.Storage.WaitForScrub("tank");
        var st = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZScanFunction.Resilver, st.Scan.Function);
        Assert.Equal(ZScanState.Finished, st.Scan.State);
        Assert.True(st.Scan.Repaired >= 1 << 20);
        Assert.Equal(ZHealth.DEGRADED, st.State);
        // A new process on the host directory (pool cache, not import) sees the same.
        f.Reopen();
        Assert.Equal(ZHealth.OFFLINE, Leaf(f, "d1").State);
        f.Storage.OnlineDevice("tank", f.Dev("d1"), false, default);
        f.Storage.WaitForScrub("tank");
        f.ExportImport();
        Assert.Equal(ZHealth.ONLINE, f.Storage.GetStatus("tank", false, default).State);
        // d2 and d1 alone hold everything now.
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("d3"));
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(data, f.ReadFile("tank", "/f"));
    }

    [Fact]
    public void Too_many_io_errors_fault_a_device_until_cleared_and_counters_reset_on_import()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        var pool = f.Storage.PoolForTests("tank");
        var d2 = pool.Tops[0].Leaves.Single(l => l.Path == f.Dev("d2"));
        d2.InjectIoErrors = true;
        for (int i = 0; i < 12; i++) f.WriteFile("tank", "/f" + i, StorageFixture.Bytes(8192, i));
        f.Storage.Commit("tank");
        var leaf = Leaf(f, "d2");
        Assert.Equal(ZHealth.FAULTED, leaf.State);
        Assert.True(leaf.WriteErrors > 10);
        Assert.Equal("too many errors", leaf.Note);
        Assert.Equal(ZHealth.DEGRADED, f.Storage.GetStatus("tank", false, default).State);
        d2.InjectIoErrors = false;
        f.ExportImport();
        leaf = Leaf(f, "d2");
        Assert.Equal(ZHealth.FAULTED, leaf.State); // recorded in the labels
        Assert.Equal(0UL, leaf.WriteErrors);       // counters are not
        f.Storage.ClearErrors("tank", f.Dev("d2"), default);
        f.Storage.WaitForScrub("tank");
        var st = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZHealth.ONLINE, st.State);
        Assert.Equal(ZScanFunction.Resilver, st.Scan.Function);
        Assert.True(st.Scan.Repaired > 0);
        f.ExportImport();
        Assert.Equal(ZHealth.ONLINE, Leaf(f, "d2").State);
    }

    [Fact]
    public void Checksum_errors_outside_scrub_degrade_a_device_but_scrub_errors_do_not()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off", ["recordsize"] = "16K" }, false, default);
        var data = StorageFixture.Bytes(2 << 20, 12);
        f.WriteFile("tank/fs", "/f", data);
        f.Storage.Dispose();
        using (var fs = new FileStream(f.Dev("d2"), FileMode.Open)) { fs.Position = 4 << 20; fs.Write(StorageFixture.Bytes(40 << 20, 13)); }
        f.Reopen();
        f.Storage.StartScrub("tank", default);
        f.Storage.WaitForScrub("tank");
        Assert.Equal(ZHealth.ONLINE, Leaf(f, "d2").State);
        Assert.True(Leaf(f, "d2").ChecksumErrors > 10);
        f.Storage.ClearErrors("tank", null, default);
        f.Storage.Dispose();
        using (var fs = new FileStream(f.Dev("d2"), FileMode.Open)) { fs.Position = 4 << 20; fs.Write(StorageFixture.Bytes(40 << 20, 14)); }
        f.Reopen();
        Assert.Equal(data, f.ReadFile("tank/fs", "/f"));
        Assert.Equal(data, f.ReadFile("tank/fs", "/f"));
        var leaf = Leaf(f, "d2");
        Assert.Equal(ZHealth.DEGRADED, leaf.State);
        Assert.Equal("too many errors", leaf.Note);
        f.Reopen();
        Assert.Equal(ZHealth.DEGRADED, Leaf(f, "d2").State);
        f.Storage.ClearErrors("tank", null, default);
        Assert.Equal(ZHealth.ONLINE, Leaf(f, "d2").State);
    }

    [Fact]
    public void Log_vdevs_are_removed_after_the_intent_log_is_committed_and_the_last_data_vdev_is_refused()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1", "log", "l1", "log", "mirror", "l2", "l3");
        f.Storage.CreateFileSystem("tank/sync", new Dictionary<string, string> { ["sync"] = "always" }, false, default);
        var logged = StorageFixture.Bytes(100_000, 41);
        var w = f.Storage.Files.OpenWrite("tank/sync", "/a", FileMode.Create, default);
        w.Write(logged); // in the intent log only, until a txg commits it

        var e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("tank", f.Dev("l2"), default));
        Assert.Equal("RemoveLogMember", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("tank", f.Dev("d1"), default));
        Assert.Equal("RemoveLastDataVdev", e.ErrorId);
        f.Storage.RemoveDevice("tank", f.Dev("l1"), default);
        Assert.Null(Illumos.Engine.Storage.Embedded.EmbeddedStorage.TryReadLabel(f.Dev("l1")));
        var logs = f.Storage.GetStatus("tank", false, default).Config.Children.Where(c => c.Class == ZVdevClass.Log).ToList();
        Assert.Equal("mirror-2", Assert.Single(logs).Name);
        w.Dispose();
        Assert.Equal(logged, f.ReadFile("tank/sync", "/a"));

        // Synchronous writes now go to the remaining log mirror; a crash replays them from there.
        var more = StorageFixture.Bytes(50_000, 42);
        ulong before = f.Storage.GetIOStats("tank", true, default).Where(x => x.Class == ZVdevClass.Log).Aggregate(0UL, (a, x) => a + x.WriteBytes);
        var w2 = f.Storage.Files.OpenWrite("tank/sync", "/b", FileMode.Create, default);
        w2.Write(more);
        Assert.True(f.Storage.GetIOStats("tank", true, default).Where(x => x.Class == ZVdevClass.Log).Aggregate(0UL, (a, x) => a + x.WriteBytes) >= before + 50_000);
        f.Storage.CrashForTests();
        f.Reopen();
        Assert.Equal(more, f.ReadFile("tank/sync", "/b"));

        f.Storage.RemoveDevice("tank", "mirror-2", default);
        Assert.DoesNotContain(f.Storage.GetStatus("tank", false, default).Config.Flatten(), v => v.Class == ZVdevClass.Log);
        f.WriteFile("tank/sync", "/c", [7]); // no log device left: committed as a txg
        f.Storage.ExportPool("tank", false, default);
        var found = Assert.Single(f.Storage.FindImportablePools([f.DevDir], default));
        Assert.Equal(ZHealth.ONLINE, found.State);
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(ZHealth.ONLINE, f.Storage.GetStatus("tank", false, default).State);
        Assert.Equal([7], f.ReadFile("tank/sync", "/c"));
        Assert.Equal(logged, f.ReadFile("tank/sync", "/a"));
        // The freed devices can make a new pool.
        f.CreatePool("other", "l1");
    }
}
