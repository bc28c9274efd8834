using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>Fault injection: damaged devices, reconstruction, scrub and self-healing.</summary>
public class IntegrityTests
{
    /// <summary>Overwrites the data area of a device file (labels kept) with seeded garbage.</summary>
    private static void Damage(string path, int seed, long from = 4L << 20, long to = 48L << 20)
    {
        using var fs = new FileStream(path, FileMode.Open);
        var junk = new byte[1 << 20];
        new Random(seed).NextBytes(junk);
        for (long off = from; off < to; off += junk.Length) { fs.Position = off; fs.Write(junk); }
    }

    private static Dictionary<string, byte[]> Populate(StorageFixture f, string fs)
    {
        f.Storage.CreateFileSystem(fs, new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var files = new Dictionary<string, byte[]>();
        for (int i = 0; i < 6; i++)
        {
            var d = StorageFixture.Bytes(50_000 + i * 97_000, i);
            f.WriteFile(fs, "/file" + i, d);
            files["/file" + i] = d;
        }
        return files;
    }

    [Fact]
    public void Mirror_scrub_repairs_every_block_and_a_second_scrub_finds_nothing()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        var files = Populate(f, "tank/fs");
        f.Storage.CreateSnapshots(["tank/fs@s"], false, null, default);
        f.Storage.Dispose();
        Damage(f.Dev("d2"), 1);
        var s = f.Reopen();
        s.StartScrub("tank", default);
        s.WaitForScrub("tank");
        var st = s.GetStatus("tank", true, default);
        Assert.Equal(ZScanState.Finished, st.Scan.State);
        Assert.True(st.Scan.Repaired > 0);
        Assert.Equal(0UL, st.Scan.Errors);
        Assert.True(st.Config.Flatten().Single(v => v.Path == f.Dev("d2")).ChecksumErrors > 0);
        Assert.Equal(0UL, st.Config.Flatten().Single(v => v.Path == f.Dev("d1")).ChecksumErrors);
        foreach (var (p, d) in files) Assert.Equal(d, f.ReadFile("tank/fs", p));
        s.ClearErrors("tank", null, default);
        s.StartScrub("tank", default);
        s.WaitForScrub("tank");
        st = s.GetStatus("tank", false, default);
        Assert.Equal(0UL, st.Scan.Repaired);
        Assert.True(st.IsHealthy);
        // Now the other side can go bad: everything is still there, because d2 was repaired.
        s.Dispose();
        Damage(f.Dev("d1"), 2);
        f.Reopen();
        foreach (var (p, d) in files) Assert.Equal(d, f.ReadFile("tank/fs", p));
    }

    /// <summary>Whole-block streaming reads (several contiguous blocks per device read) still verify every block and heal the bad side.</summary>
    [Fact]
    public void Large_sequential_reads_verify_each_block_and_heal_the_bad_side()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var data = StorageFixture.Bytes(4 << 20, 5);
        f.WriteFile("tank/fs", "/big", data);
        f.Storage.Dispose();
        Damage(f.Dev("d2"), 3);
        var s = f.Reopen(arc: 512 << 10); // too small to admit 128 KiB blocks: every pass reads the devices
        var buffer = new byte[1 << 20];
        void ReadTwice()
        {
            for (int pass = 0; pass < 2; pass++)
            {
                var ms = new MemoryStream();
                using (var r = s.Files.OpenRead("tank/fs", "/big", default))
                    for (int n; (n = r.Read(buffer)) > 0;) ms.Write(buffer, 0, n);
                Assert.Equal(data, ms.ToArray());
            }
        }
        ulong Errors(string dev) => s.GetStatus("tank", true, default).Config.Flatten().Single(v => v.Path == f.Dev(dev)).ChecksumErrors;
        ReadTwice();
        Assert.True(Errors("d2") > 0);
        // The bad blocks were rewritten: reading everything again (both sides in turn) finds nothing.
        s.ClearErrors("tank", null, default);
        ReadTwice();
        Assert.Equal(0UL, Errors("d2"));
        Assert.Equal(0UL, Errors("d1"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Raidz_recovers_from_damage_up_to_its_parity(int parity)
    {
        using var f = new StorageFixture();
        var devs = Enumerable.Range(0, parity + 3).Select(i => "r" + i).ToArray();
        f.CreatePool("tank", ["raidz" + parity, .. devs]);
        var files = Populate(f, "tank/fs");
        Assert.Equal("raidz" + parity, f.Storage.GetStatus("tank", false, default).Config.Children[0].Type);
        f.Storage.Dispose();
        // Different devices damaged in different regions, never more than `parity` at one place.
        for (int i = 0; i < parity; i++) Damage(f.Dev(devs[i]), 10 + i);
        var s = f.Reopen();
        foreach (var (p, d) in files) Assert.Equal(d, f.ReadFile("tank/fs", p));
        s.StartScrub("tank", default);
        s.WaitForScrub("tank");
        var st = s.GetStatus("tank", true, default);
        Assert.Equal(0UL, st.Scan.Errors);
        Assert.True(st.Scan.Repaired > 0);
        s.ClearErrors("tank", null, default);
        // After the scrub, the same amount of damage elsewhere is survivable again.
        s.Dispose();
        for (int i = 0; i < parity; i++) Damage(f.Dev(devs[devs.Length - 1 - i]), 20 + i);
        f.Reopen();
        foreach (var (p, d) in files) Assert.Equal(d, f.ReadFile("tank/fs", p));
    }

    [Fact]
    public void Damage_beyond_parity_lists_the_affected_files()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var keep = StorageFixture.Bytes(100_000, 1);
        f.WriteFile("tank/fs", "/keep", keep);
        f.Storage.Files.CreateDirectory("tank/fs", "/dir", false, default);
        f.WriteFile("tank/fs", "/dir/lost", StorageFixture.Bytes(1 << 20, 2));
        var info = f.Storage.Files.TryGet("tank/fs", "/dir/lost", default)!;
        f.Storage.Dispose();
        // Find the file's first data block on the device by its content and break it.
        var bytes = File.ReadAllBytes(f.Dev("d1"));
        var needle = StorageFixture.Bytes(1 << 20, 2).AsSpan(0, 4096).ToArray();
        int at = bytes.AsSpan().IndexOf(needle);
        Assert.True(at > 0);
        using (var fs = new FileStream(f.Dev("d1"), FileMode.Open)) { fs.Position = at + 100; fs.Write(new byte[64]); }
        var s = f.Reopen();
        Assert.Equal(keep, f.ReadFile("tank/fs", "/keep"));
        var e = Assert.Throws<IllumosException>(() => f.ReadFile("tank/fs", "/dir/lost"));
        Assert.Equal(ErrorKind.ReadError, e.Kind);
        s.StartScrub("tank", default);
        s.WaitForScrub("tank");
        var st = s.GetStatus("tank", true, default);
        Assert.Equal(1UL, st.Scan.Errors);
        var err = Assert.Single(st.Errors);
        Assert.Equal("tank/fs:/dir/lost", err.Location);
        Assert.Equal(info.ObjectId, err.ObjectId);
    }

    [Fact]
    public void Copies_two_on_a_single_device_heals_one_copy()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off", ["copies"] = "2" }, false, default);
        var data = StorageFixture.Bytes(300_000, 4);
        f.WriteFile("tank/fs", "/f", data);
        f.Storage.Dispose();
        var bytes = File.ReadAllBytes(f.Dev("d1"));
        int first = bytes.AsSpan().IndexOf(data.AsSpan(0, 4096));
        Assert.True(first > 0);
        using (var fs = new FileStream(f.Dev("d1"), FileMode.Open)) { fs.Position = first; fs.Write(new byte[4096]); }
        var s = f.Reopen();
        Assert.Equal(data, f.ReadFile("tank/fs", "/f"));
        s.StartScrub("tank", default);
        s.WaitForScrub("tank");
        Assert.Equal(0UL, s.GetStatus("tank", false, default).Scan.Errors);
        s.Dispose();
        bytes = File.ReadAllBytes(f.Dev("d1"));
        Assert.Equal(data.AsSpan(0, 4096).ToArray(), bytes.AsSpan(first, 4096).ToArray());
    }

    [Fact]
    public void Sync_writes_survive_a_crash_through_the_intent_log()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1", "log", "l1");
        f.Storage.CreateFileSystem("tank/sync", new Dictionary<string, string> { ["sync"] = "always" }, false, default);
        f.Storage.CreateFileSystem("tank/async", null, false, default);
        var logged = StorageFixture.Bytes(200_000, 1);
        var lost = StorageFixture.Bytes(1000, 2);
        var s1 = f.Storage.Files.OpenWrite("tank/sync", "/f", FileMode.Create, default);
        s1.Write(logged);
        var s2 = f.Storage.Files.OpenWrite("tank/async", "/f", FileMode.Create, default);
        s2.Write(lost);
        ulong writesToLog = f.Storage.GetIOStats("tank", true, default).Single(x => x.Class == ZVdevClass.Log).WriteBytes;
        Assert.True(writesToLog >= 200_000);
        f.Storage.CrashForTests(); // no commit: only the log holds the synchronous data
        var s = f.Reopen();
        Assert.Equal(logged, f.ReadFile("tank/sync", "/f"));
        Assert.Null(s.Files.TryGet("tank/async", "/f", default)); // never committed, never logged: gone
        Assert.Contains(s.GetHistory("tank", true, default), h => h.Command.StartsWith("zil replay", StringComparison.Ordinal));
        // Replayed once: a second reopen does not apply the records again on top of newer data.
        f.WriteFile("tank/sync", "/f", [9]);
        f.Reopen();
        Assert.Equal([9], f.ReadFile("tank/sync", "/f"));
    }
}
