using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

public class ZpoolParserTests
{
    private static readonly string[] TelegrafFields = ["name", "health", "size", "alloc", "free", "fragmentation", "capacity", "dedupratio"];

    [FixtureFact]
    public void List_Hp_modern_openzfs_without_suffixes()
    {
        var p = Assert.Single(ZpoolListParser.Parse(Fixtures.Read("zpool-list-Hp-freebsd14.txt"), TelegrafFields));
        Assert.Equal("zroot", p.Name);
        Assert.Equal(ZHealth.ONLINE, p.Health);
        Assert.Equal(67108864000UL, p.Size);
        Assert.Equal(11959578624UL, p.Allocated);
        Assert.Equal(55149285376UL, p.Free);
        Assert.Equal(4, p.Fragmentation);
        Assert.Equal(17, p.Capacity);
        Assert.Equal(1.00, p.DedupRatio);
    }

    [FixtureFact]
    public void List_Hp_old_zfs_keeps_percent_and_x_suffixes()
    {
        var pools = ZpoolListParser.Parse(Fixtures.Read("zpool-list-Hp-freenas-old-suffixes.txt"), TelegrafFields);
        Assert.Equal(["freenas-boot", "red1", "temp1", "temp2"], pools.Select(p => p.Name));
        Assert.Null(pools[0].Fragmentation); // '-' on a boot pool without spacemap_histogram
        Assert.Equal(6, pools[0].Capacity);
        Assert.Equal(8, pools[1].Fragmentation);
        Assert.Equal(1.83, pools[1].DedupRatio, 3);
        Assert.Equal(8933531975680UL, pools[1].Size);
        Assert.Equal(38, pools[2].Fragmentation);
        Assert.Equal(1.28, pools[2].DedupRatio, 3);
    }

    [FixtureFact]
    public void List_Hp_unavailable_pool_prints_dashes()
    {
        var p = Assert.Single(ZpoolListParser.Parse(Fixtures.Read("zpool-list-Hp-unavail-pool-dashes.txt"), TelegrafFields));
        Assert.Equal("temp2", p.Name);
        Assert.Equal(ZHealth.UNAVAIL, p.Health);
        Assert.Equal(0UL, p.Size);
        Assert.Null(p.Fragmentation);
        Assert.Equal(1.0, p.DedupRatio);
    }

    [FixtureFact]
    public void List_H_human_sizes()
    {
        var p = Assert.Single(ZpoolListParser.Parse(Fixtures.Read("zpool-list-H-human.txt"), ["name", "size", "alloc", "free", "cap", "frag", "health"]));
        Assert.Equal("mypool", p.Name);
        Assert.Equal((ulong)Math.Round(1.81 * (1UL << 40)), p.Size);
        Assert.Equal(661UL << 30, p.Allocated);
        Assert.Equal(35, p.Capacity);
        Assert.Equal(11, p.Fragmentation);
        Assert.Equal(ZHealth.ONLINE, p.Health);
    }

    [FixtureFact]
    public void List_H_old_five_columns_with_expanded_tabs()
    {
        var pools = ZpoolListParser.Parse(Fixtures.Read("zpool-list-H-old-5col-puppet.txt"), ["name", "size", "alloc", "free", "cap", "health", "altroot"]);
        Assert.Equal(2, pools.Count);
        Assert.Equal("mypool", pools[1].Name);
        Assert.Equal(36, pools[1].Capacity);
        Assert.Null(pools[1].AltRoot);
    }

    [FixtureTheory]
    [InlineData("zpool-list-human-header.txt", "myzpool", 0, ZHealth.ONLINE)]
    [InlineData("zpool-list-human-ckpoint-omnios.txt", "big", 74, ZHealth.ONLINE)]
    [InlineData("zpool-list-human-faulted-pool.txt", "rpool", 42, ZHealth.ONLINE)]
    public void List_human_with_header(string file, string first, int capacity, ZHealth health)
    {
        var pools = ZpoolListParser.ParseWithHeader(Fixtures.Read(file));
        Assert.Equal(first, pools[0].Name);
        Assert.Equal(capacity, pools[0].Capacity);
        Assert.Equal(health, pools[0].Health);
        if (file.Contains("faulted"))
        {
            var zion = pools.Single(p => p.Name == "zion");
            Assert.Equal(ZHealth.FAULTED, zion.Health);
            Assert.Equal(0UL, zion.Size);
            Assert.Null(zion.Fragmentation);
        }
        if (file.Contains("ckpoint")) Assert.Equal(63, pools.Single(p => p.Name == "rpool").Fragmentation);
    }

    [FixtureFact]
    public void List_v_vdev_rows_are_refused_cleanly()
    {
        var e = Assert.Throws<IllumosException>(() => ZpoolListParser.ParseWithHeader(Fixtures.Read("zpool-list-v-raidz1-expandsz.txt")));
        Assert.Equal(ErrorKind.ParserError, e.Kind);
    }

    [FixtureFact]
    public void List_json_openzfs23()
    {
        var p = Assert.Single(ZfsJsonParsers.ParsePoolList(Fixtures.Read("zpool-list-j-json-openzfs23.txt")));
        Assert.Equal("tank", p.Name);
        Assert.Equal(15220353080205405147UL, p.Guid);
        Assert.Equal(ZHealth.ONLINE, p.Health);
        Assert.Equal(111UL << 30, p.Size);
        Assert.Equal(27, p.Capacity);
        Assert.Equal(0, p.Fragmentation);
        Assert.Null(p.Checkpoint);
    }

    [FixtureFact]
    public void Get_value_with_blanks_is_split_on_tabs_only()
    {
        var p = Assert.Single(PropertyParser.Parse(Fixtures.Read("zpool-get-H-comment-whitespace.txt"), null, "zpool get"));
        Assert.Equal("mypool", p.Name);
        Assert.Equal("comment", p.Property);
        Assert.Equal("my testing pool", p.Value);
        Assert.Equal(ZPropertySource.None, p.Source);
    }

    [FixtureFact]
    public void History_illumos()
    {
        var h = ZpoolHistoryParser.Parse(Fixtures.Read("zpool-history-illumos.txt"));
        Assert.Equal(2, h.Count);
        Assert.All(h, e => Assert.Equal("mypool", e.PoolName));
        Assert.Equal(new DateTimeOffset(2018, 1, 18, 16, 56, 12, TimeSpan.Zero), h[0].Time);
        Assert.Equal("zpool create -f mypool /dev/rdsk/c0t0d0", h[0].Command);
        Assert.Equal("zpool attach -f mypool /dev/rdsk/c0t0d0 /dev/rdsk/c0t0d1", h[1].Command);
        Assert.False(h[1].Internal);
    }

    [Fact]
    public void History_internal_and_long_forms()
    {
        var text = "History for 'tank':\n" +
                   "2024-02-01.10:00:00 zpool create tank c1t0d0 [user 0 (root) on fs1:global]\n" +
                   "2024-02-01.10:00:01 [internal pool create txg:5] pool spa 5000; zfs spa 5000; zpl 5; uts fs1 5.11 [user 0 (root) on fs1]\n" +
                   "2024-02-01.10:00:02 [txg:7] create tank/home (77)  [on fs1]\n" +
                   "2024-02-01.10:00:03 ioctl snapshot\n    input:\n        snaps:\n";
        var h = ZpoolHistoryParser.Parse(text);
        Assert.Equal(4, h.Count);
        Assert.Equal("root", h[0].User);
        Assert.Equal("fs1", h[0].HostName);
        Assert.Equal("global", h[0].Zone);
        Assert.Equal("zpool create tank c1t0d0", h[0].Command);
        Assert.True(h[1].Internal);
        Assert.Equal(5UL, h[1].Txg);
        Assert.StartsWith("pool create pool spa 5000", h[1].Command);
        Assert.Equal(7UL, h[2].Txg);
        Assert.True(h[3].Internal);
        Assert.Contains("snaps:", h[3].Command);
    }

    [FixtureFact]
    public void IOStat_v_illumos()
    {
        var s = ZpoolIOStatParser.Parse(Fixtures.Read("zpool-iostat-v-mirror-illumos.txt"));
        Assert.Equal(["mypool", "mirror", "c2t0d0", "c2t1d0"], s.Select(x => x.Device));
        Assert.Equal([0, 1, 2, 2], s.Select(x => x.Depth));
        Assert.All(s, x => Assert.Equal("mypool", x.PoolName));
        Assert.Equal((ulong)Math.Round(46.7 * (1UL << 30)), s[0].Allocated);
        Assert.Equal(4UL, s[0].ReadOperations);
        Assert.Equal(19UL, s[0].WriteOperations);
        Assert.Equal(113UL * 1024, s[0].ReadBytes);
        Assert.Null(s[2].Allocated);
        Assert.Equal(334UL * 1024, s[3].WriteBytes);
    }

    [FixtureFact]
    public void Status_c_script_columns_and_iostat_vc()
    {
        var text = Fixtures.Read("zpool-status-c-script-columns.txt");
        var parts = text.Split("\n\n", 2);
        var st = Assert.Single(ZpoolStatusParser.Parse("  pool: tank\n state: ONLINE\nconfig:\n\n" + parts[0] + "\n\nerrors: No known data errors\n"));
        Assert.Equal("tank", st.Config.Name);
        Assert.Equal(7, st.Config.Children.Count);
        Assert.Equal("SEAGATE ST8000NM0075 7.3T", st.Config.Children[1].Note);
        var io = ZpoolIOStatParser.Parse(parts[1]);
        Assert.Equal(["rpool", "sda1"], io.Select(x => x.Device));
        Assert.Equal(55UL, io[1].WriteOperations);
    }
}
