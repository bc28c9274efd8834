using System.Security.Cryptography;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;
using Illumos.Engine.Storage.Embedded.Spa;
using Illumos.Engine.Storage.Embedded.Vdev;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>zpool remove of top-level data vdevs: evacuation, the indirect mapping, remapped reads and frees, crash safety, refusals.</summary>
public class RemovalTests
{
    private static Dictionary<string, string> Hashes(StorageFixture f, string dataset)
    {
        var d = new Dictionary<string, string>();
        foreach (var file in f.Storage.Files.List(dataset, "/", default).Where(x => x.Type == ZFileType.File))
            d[file.Name] = Convert.ToHexString(SHA256.HashData(f.ReadFile(dataset, "/" + file.Name)));
        return d;
    }

    /// <summary>A pool of d1 + d2 (or the given layout) holding files spread over both vdevs, a snapshot and a clone.</summary>
    private static Dictionary<string, string> Populate(StorageFixture f, params string[] layout)
    {
        f.CreatePool("tank", layout.Length > 0 ? layout : ["d1", "d2"]);
        // atime off: reading the files for their hashes would otherwise dirty them between the figures compared
        f.Storage.SetProperties("tank", new Dictionary<string, string> { ["atime"] = "off" }, default);
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        for (int i = 0; i < 12; i++) f.WriteFile("tank/fs", $"/f{i}", StorageFixture.Bytes(300_000 + i * 77_777, i));
        f.Storage.CreateSnapshots(["tank/fs@before"], false, null, default);
        for (int i = 0; i < 4; i++) f.WriteFile("tank/fs", $"/f{i}", StorageFixture.Bytes(200_000, 100 + i)); // the snapshot keeps the old blocks
        f.Storage.Files.Delete("tank/fs", "/f11", false, default);
        f.Storage.Clone("tank/fs@before", "tank/clone", null, false, default);
        return Hashes(f, "tank/fs");
    }

    private static void AssertIntact(StorageFixture f, Dictionary<string, string> fs, Dictionary<string, string> snap)
    {
        Assert.Equal(fs, Hashes(f, "tank/fs"));
        Assert.Equal(snap, Hashes(f, "tank/clone"));
    }

    [Fact]
    public void Removing_a_data_vdev_copies_its_data_and_reads_go_through_the_mapping_before_and_after_import_and_scrub()
    {
        using var f = new StorageFixture();
        var fs = Populate(f);
        var snap = Hashes(f, "tank/clone");
        var before = f.Storage.GetPools(default).Single();
        var pool = f.Storage.PoolForTests("tank");
        long onD2 = pool.Space.Allocators[1].AllocatedBytes;
        Assert.True(onD2 > 1 << 20, "the test needs data on the vdev it removes");

        f.Storage.RemoveDevice("tank", f.Dev("d2"), default);

        var iv = Assert.IsType<IndirectVdev>(pool.Tops[1]);
        Assert.Equal(onD2, iv.Mapping.MappedBytes);
        Assert.All(iv.Mapping.Entries, e => Assert.Equal(0u, e.DestVdev));
        var after = f.Storage.GetPools(default).Single();
        Assert.Equal(before.Size - (ulong)pool.Space.Allocators[1].Size, after.Size);
        // Allocated stays (give or take the MOS blocks the removal's txg rewrote).
        Assert.InRange((long)after.Allocated - (long)before.Allocated, -(1L << 20), 1L << 20);
        Assert.Null(EmbeddedStorage.TryReadLabel(f.Dev("d2"))); // released
        f.Storage.Dispose();
        f.Reopen(); // a cold ARC: every block is read from the devices
        AssertIntact(f, fs, snap);

        var status = f.Storage.GetStatus("tank", false, default);
        Assert.DoesNotContain(status.Config.Flatten(), v => v.Path == f.Dev("d2") || v.Type == "indirect");
        Assert.NotNull(status.Removal);
        Assert.Equal(1, status.Removal!.Vdev);
        Assert.Equal((ulong)onD2, status.Removal.Copied);
        Assert.Equal((ulong)(iv.Mapping.Entries.Count * IndirectMapping.EntrySize), status.Removal.MappingMemory);
        Assert.Matches(@"remove: Removal of vdev 1 copied \S+ in \d+h\d+m, completed on .+\n\t\S+ memory used for removed device mappings", ZPoolStatusText.Render(status));
        Assert.Contains(f.Storage.GetHistory("tank", false, default), h => h.Command == $"zpool remove tank {f.Dev("d2")}");

        f.ExportImport();
        AssertIntact(f, fs, snap);
        f.Storage.StartScrub("tank", default);
        f.Storage.WaitForScrub("tank");
        var scan = f.Storage.GetStatus("tank", false, default).Scan;
        Assert.Equal(ZScanState.Finished, scan.State);
        Assert.Equal(0UL, scan.Errors);
        Assert.Equal(0UL, scan.Repaired);
        Assert.True(scan.Examined >= (ulong)onD2 / 2, "the scrub read the remapped blocks");
        // The freed device makes a new pool; the removed vdev never needs it again.
        f.CreatePool("other", "d2");
        f.Storage.DestroyPool("other", false, default);
        File.Delete(f.Dev("d2"));
        f.Reopen();
        AssertIntact(f, fs, snap);
        f.ExportImport();
        Assert.Equal(ZHealth.ONLINE, f.Storage.GetStatus("tank", false, default).State);
        AssertIntact(f, fs, snap);
    }

    [Fact]
    public void Frees_of_remapped_blocks_free_their_copies_and_the_space_survives_import()
    {
        using var f = new StorageFixture();
        Populate(f);
        f.Storage.RemoveDevice("tank", f.Dev("d2"), default);
        var pool = f.Storage.PoolForTests("tank");
        ulong full = f.Storage.GetPools(default).Single().Allocated;
        f.Storage.Destroy("tank/clone", false, false, false, default);
        f.Storage.Destroy("tank/fs@before", false, false, false, default);
        for (int i = 0; i < 11; i++) f.Storage.Files.Delete("tank/fs", $"/f{i}", false, default);
        f.Storage.PoolForTests("tank").Sync();
        f.Storage.PoolForTests("tank").Sync();
        ulong emptied = f.Storage.GetPools(default).Single().Allocated;
        Assert.True(emptied < full / 4, $"frees through the mapping gave space back ({full} -> {emptied})");
        // Import rebuilds the accounting (the old address space from the space map, the copies from
        // the mapping; a copy claimed twice would fail the import), up to the MOS blocks import rewrites.
        long oldSpaceLive = pool.Space.Allocators[1].AllocatedBytes;
        f.Storage.CrashForTests();
        f.Reopen();
        Assert.InRange((long)f.Storage.GetPools(default).Single().Allocated - (long)emptied, -(1L << 20), 1L << 20);
        Assert.InRange(f.Storage.PoolForTests("tank").Space.Allocators[1].AllocatedBytes, 0, oldSpaceLive);
        // The freed space is reused and everything still reads back.
        var data = StorageFixture.Bytes(5_000_000, 9);
        f.WriteFile("tank/fs", "/big", data);
        f.ExportImport();
        Assert.Equal(data, f.ReadFile("tank/fs", "/big"));
    }

    [Fact]
    public void A_mirror_is_removed_and_a_later_removal_chains_through_the_first_mapping()
    {
        using var f = new StorageFixture();
        var fs = Populate(f, "mirror", "d1", "d2", "mirror", "d3", "d4", "mirror", "d5", "d6");
        var snap = Hashes(f, "tank/clone");
        f.Storage.RemoveDevice("tank", "mirror-1", default);
        Assert.Null(EmbeddedStorage.TryReadLabel(f.Dev("d3")));
        Assert.Null(EmbeddedStorage.TryReadLabel(f.Dev("d4")));
        AssertIntact(f, fs, snap);
        f.Storage.RemoveDevice("tank", "mirror-2", default); // may hold copies of mirror-1's data
        f.Reopen();
        AssertIntact(f, fs, snap);
        var status = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(2, status.Removal!.Vdev);
        Assert.Equal(["mirror-0"], status.Config.Children.Select(c => c.Name));
        f.Storage.StartScrub("tank", default);
        f.Storage.WaitForScrub("tank");
        Assert.Equal(0UL, f.Storage.GetStatus("tank", false, default).Scan.Errors);
    }

    [Theory]
    [InlineData("copied", false, false)]
    [InlineData("even-labels", false, false)]
    [InlineData("even-labels", false, true)]
    [InlineData("committed", true, false)]
    [InlineData("committed", true, true)]
    public void A_removal_interrupted_by_a_crash_leaves_the_pool_as_before_or_complete_once_committed(string step, bool complete, bool importByScan)
    {
        using var f = new StorageFixture();
        var fs = Populate(f);
        var snap = Hashes(f, "tank/clone");
        var pool = f.Storage.PoolForTests("tank");
        bool armed = false;
        pool.StepForTests = s => { if (s == "copied") armed = true; if (armed && s == step) throw new CrashHere(); };
        Assert.Throws<CrashHere>(() => f.Storage.RemoveDevice("tank", f.Dev("d2"), default));
        f.Storage.CrashForTests();
        if (step == "even-labels") // the labels already describe indirect-1, the uberblocks do not
            Assert.Contains(EmbeddedStorage.TryReadLabel(f.Dev("d1"))!.VdevTree.Children, n => n.Type == "indirect" && n.Evacuated?.Path == f.Dev("d2"));
        if (importByScan)
        {
            // No cache file: the newest label found in the directory describes the pool.
            File.Delete(Path.Combine(f.ZfsDir, "zpool.cache"));
            f.Reopen();
            Assert.Equal(ZHealth.ONLINE, Assert.Single(f.Storage.FindImportablePools([f.DevDir], default)).State);
            f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        }
        else f.Reopen();
        var names = f.Storage.GetStatus("tank", false, default).Config.Children.Select(c => c.Path).ToList();
        if (complete)
        {
            Assert.Equal([f.Dev("d1")], names);
            Assert.Null(EmbeddedStorage.TryReadLabel(f.Dev("d2"))); // released at import
            Assert.NotNull(f.Storage.GetStatus("tank", false, default).Removal);
        }
        else
        {
            Assert.Equal([f.Dev("d1"), f.Dev("d2")], names);
            Assert.Null(f.Storage.GetStatus("tank", false, default).Removal);
        }
        AssertIntact(f, fs, snap);
        f.Storage.StartScrub("tank", default);
        f.Storage.WaitForScrub("tank");
        Assert.Equal(0UL, f.Storage.GetStatus("tank", false, default).Scan.Errors);
        if (!complete)
        {
            // The removal can be done again from there.
            f.Storage.RemoveDevice("tank", f.Dev("d2"), default);
            f.ExportImport();
            AssertIntact(f, fs, snap);
        }
    }

    private sealed class CrashHere : Exception;

    [Fact]
    public void Removals_are_refused_as_zfs_refuses_them()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "raidz", "r1", "r2", "r3");
        f.NewDevice("d1");
        f.Storage.AddVdevs("tank", Illumos.Engine.Languages.Vdev.VdevSpec.Parse([f.Dev("d1")]), true, default);
        var e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("tank", f.Dev("d1"), default));
        Assert.Equal("RemoveRaidzInPool", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidOperation, e.Kind);
        Assert.Equal(2, f.Storage.GetStatus("tank", false, default).Config.Children.Count);

        f.CreatePool("solo", "s1");
        e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("solo", f.Dev("s1"), default));
        Assert.Equal("RemoveLastDataVdev", e.ErrorId);

        // Vdevs added here take the pool's ashift; a pool made elsewhere can mix them.
        f.CreatePool("mixed", "m1", "m2");
        var mixed = f.Storage.PoolForTests("mixed");
        var m2 = mixed.Tops[1];
        mixed.Tops[1] = new MirrorVdev(1, m2.Guid, "file", ZVdevClass.Normal, 9, m2.Leaves);
        e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("mixed", f.Dev("m2"), default));
        Assert.Equal("RemoveAshiftMismatch", e.ErrorId);
        mixed.Tops[1] = m2;

        // Two vdevs, one nearly full: the other cannot take its data.
        f.CreatePool("full", "a1", "a2");
        f.Storage.CreateFileSystem("full/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        f.WriteFile("full/fs", "/big", StorageFixture.Bytes(80 << 20, 3));
        e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("full", f.Dev("a2"), default));
        Assert.Equal("RemoveOutOfSpace", e.ErrorId);
        Assert.Equal(ErrorKind.QuotaExceeded, e.Kind);
        Assert.Equal(2, f.Storage.GetStatus("full", false, default).Config.Children.Count);
        Assert.NotNull(EmbeddedStorage.TryReadLabel(f.Dev("a2")));
    }

    [Fact]
    public void The_mapping_translates_runs_linearly_and_round_trips()
    {
        var m = new IndirectMapping();
        m.Add(new IndirectEntry(0, 8192, 0, 40960));
        m.Add(new IndirectEntry(8192, 4096, 2, 0));
        m.Add(new IndirectEntry(65536, 4096, 0, 4096));
        Assert.Equal([(0u, 45056L, 4096L)], m.Translate(4096, 4096));
        Assert.Equal([(0u, 45056L, 4096L), (2u, 0L, 4096L)], m.Translate(4096, 8192));
        Assert.Throws<IllumosException>(() => m.Translate(12288, 4096)); // never live: unmapped
        Assert.Throws<ArgumentException>(() => m.Add(new IndirectEntry(4096, 4096, 0, 0)));
        var back = IndirectMapping.Deserialize(m.Serialize());
        Assert.Equal(m.Entries, back.Entries);
        Assert.Equal(72, back.MemoryBytes);
    }
}
