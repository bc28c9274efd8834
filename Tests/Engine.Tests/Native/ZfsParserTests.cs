using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Storage;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

public class ZfsParserTests
{
    private static readonly string[] NameUsedAvailReferMount = ["name", "used", "avail", "refer", "mountpoint"];

    [FixtureFact]
    public void List_Hp_smartos_with_expanded_tabs()
    {
        var ds = ZfsListParser.ParseDatasets(Fixtures.Read("zfs-list-Hp-name-used-avail-refer-mountpoint-smartos.txt"), NameUsedAvailReferMount);
        Assert.Equal(3, ds.Count);
        Assert.Equal(("zones", 1004799731712UL, 956926580736UL, 328704UL, "/zones"), (ds[0].Name, ds[0].Used, ds[0].Available, ds[0].Referenced, ds[0].MountPoint));
        Assert.Equal("/data", ds[2].MountPoint);
        Assert.Equal("zones", ds[2].PoolName);
        Assert.Equal("73728", ds[2].Properties["used"]);
    }

    [FixtureFact]
    public void List_Hp_space_columns()
    {
        var ds = ZfsListParser.ParseDatasets(Fixtures.Read("zfs-list-Hp-o-name-avail-used-usedsnap-usedds.txt"), ["name", "avail", "used", "usedsnap", "usedds"]);
        Assert.Equal(["zata", "zata/home", "zata/import", "zata/storage"], ds.Select(d => d.Name));
        Assert.Equal(3601138999296UL, ds[3].UsedBySnapshots);
        Assert.Equal(4954945380352UL, ds[3].UsedByDataset);
        Assert.Equal(10741741326336UL, ds[1].Available);
    }

    [FixtureFact]
    public void List_Hp_snapshots_have_dashes()
    {
        var snaps = ZfsListParser.ParseSnapshots(Fixtures.Read("zfs-list-Hp-t-snapshot-smartos.txt"), NameUsedAvailReferMount);
        Assert.Equal(3, snaps.Count);
        Assert.Equal("zones/f78f9208-9c26-47f7-9e03-881a96d17c04/data", snaps[0].DatasetName);
        Assert.Equal("daily-20120430", snaps[0].SnapshotName);
        Assert.Equal((1024UL, 32768UL), (snaps[2].Used, snaps[2].Referenced));
        Assert.Equal("-", snaps[0].Properties["available"]);
    }

    [FixtureFact]
    public void List_H_human_values()
    {
        var d = Assert.Single(ZfsListParser.ParseDatasets(Fixtures.Read("zfs-list-H-o-name-used-avail-refer-mountpoint.txt"), NameUsedAvailReferMount));
        Assert.Equal(("myzpool", 791UL << 30, 1007UL << 30, 96UL << 10, "/myzpool"), (d.Name, d.Used, d.Available, d.Referenced, d.MountPoint));
        var c = Assert.Single(ZfsListParser.ParseDatasets(Fixtures.Read("zfs-list-H-o-name-canmount-used-avail-compression.txt"), ["name", "canmount", "used", "avail", "compression"]));
        Assert.Equal(("off", "on"), (c.Compression, c.Properties["canmount"]));
        var p = ZfsListParser.ParseDatasets(Fixtures.Read("zfs-list-H-puppet.txt"), NameUsedAvailReferMount);
        Assert.Equal(("rpool/ROOT", "legacy", 21UL << 10), (p[1].Name, p[1].MountPoint, p[1].Referenced));
        Assert.Equal((ulong)Math.Round(32.5 * 1024), p[0].Referenced);
    }

    [FixtureFact]
    public void List_H_empty_fields_keep_their_place_and_a_short_row_is_refused()
    {
        var text = Fixtures.Read("zfs-list-H-empty-fields.txt");
        var first = Assert.Single(ZfsListParser.ParseDatasets(text.Split('\n')[0], NameUsedAvailReferMount));
        Assert.Equal(("myzpool/data", 0UL, "/data"), (first.Name, first.Used, first.MountPoint));
        var e = Assert.Throws<IllumosException>(() => ZfsListParser.ParseDatasets(text, NameUsedAvailReferMount));
        Assert.Equal(ErrorKind.ParserError, e.Kind);
        Assert.Contains("line 2", e.Message);
    }

    [FixtureTheory]
    [InlineData("zfs-list-human-header.txt", 1, "myzpool/mydataset", "/myzpool/mydataset")]
    [InlineData("zfs-list-human-openzfs.txt", 4, "pool/home/bob", "/export/home/bob")]
    public void List_human_with_header(string file, int count, string last, string mount)
    {
        var ds = ZfsListParser.ParseDatasetsWithHeader(Fixtures.Read(file));
        Assert.Equal(count, ds.Count);
        Assert.Equal((last, mount), (ds[^1].Name, ds[^1].MountPoint));
        Assert.Equal(ds[^1].Referenced, ds[^1].Used > 0 ? ds[^1].Referenced : 0);
    }

    [FixtureFact]
    public void List_json_openzfs23()
    {
        var text = Fixtures.Read("zfs-list-j-json-snapshot-openzfs23.txt");
        var ds = ZfsJsonParsers.ParseDatasets(text);
        Assert.Equal(["pool", "pool/home", "pool/home/bob"], ds.Select(d => d.Name));
        Assert.Equal((ulong)Math.Round(30.5 * (1UL << 30)), ds[0].Available);
        Assert.Equal("/mnt/home/bob", ds[2].MountPoint);
        var snaps = ZfsJsonParsers.ParseSnapshots(text);
        Assert.Contains(snaps, s => s.Name == "pool/home/bob@v1" && s.Referenced == 24UL << 10);
    }

    [FixtureFact]
    public void Get_Hp_all_filesystem_sources()
    {
        var props = PropertyParser.Parse(Fixtures.Read("zfs-get-Hp-all-filesystem-freebsd.txt"));
        var by = props.ToDictionary(p => p.Property);
        Assert.All(props, p => Assert.Equal("z/usr/home", p.Name));
        Assert.Equal(("1493670099", ZPropertySource.None, "-"), (by["creation"].Value, by["creation"].Source, by["creation"].SourceText));
        Assert.Equal(("lz4", ZPropertySource.Inherited, "z", "inherited from z"), (by["compression"].Value, by["compression"].Source, by["compression"].InheritedFrom, by["compression"].SourceText));
        Assert.Equal(ZPropertySource.Local, by["mountpoint"].Source);
        Assert.Equal(ZPropertySource.Default, by["quota"].Source);
        Assert.Equal(ZPropertySource.Temporary, by["xattr"].Source);
        Assert.Equal("1.25x", by["compressratio"].Value);
        Assert.Equal(1.25, ParseText.Ratio(by["compressratio"].Value));
        Assert.Equal("10533576440524459469", by["guid"].Value);
    }

    [FixtureFact]
    public void Get_Hp_snapshot_empty_values_volume_limits_bookmark()
    {
        var snap = PropertyParser.Parse(Fixtures.Read("zfs-get-Hp-all-snapshot-freebsd.txt")).ToDictionary(p => p.Property);
        Assert.Equal("", snap["clones"].Value);
        Assert.Equal("", snap["mlslabel"].Value);
        Assert.Equal("90210", snap["referenced"].Value);
        var vol = PropertyParser.Parse(Fixtures.Read("zfs-get-Hp-all-volume-freebsd.txt")).ToDictionary(p => p.Property);
        Assert.Null(ParseText.Limit(vol["snapshot_limit"].Value, zeroIsNone: false));
        Assert.Equal(68719476736UL, ParseText.UInt(vol["volsize"].Value));
        Assert.Equal(ZPropertySource.Local, vol["volsize"].Source);
        var bm = PropertyParser.Parse(Fixtures.Read("zfs-get-Hp-all-bookmark-freebsd.txt"));
        Assert.Equal(4, bm.Count);
        Assert.All(bm, p => Assert.Equal("z/var/tmp#backup-2019-08-08", p.Name));
        Assert.Equal("bookmark", bm.Single(p => p.Property == "type").Value);
    }

    [FixtureFact]
    public void Get_inherited_with_expanded_tabs_and_not_applicable()
    {
        var props = PropertyParser.Parse(Fixtures.Read("zfs-get-H-compression-inherited-smartos.txt"));
        Assert.Equal(4, props.Count);
        Assert.Equal(ZPropertySource.Local, props[0].Source);
        Assert.Equal(("zones", ZPropertySource.Inherited), (props[2].InheritedFrom, props[2].Source));
        Assert.Equal(("-", ZPropertySource.None), (props[3].Value, props[3].Source));
    }

    [FixtureFact]
    public void Get_chosen_fields()
    {
        var v = Assert.Single(PropertyParser.Parse(Fixtures.Read("zfs-get-H-o-value.txt"), ["value"]));
        Assert.Equal("on", v.Value);
        var u = Assert.Single(PropertyParser.Parse(Fixtures.Read("zfs-get-Hp-o-name-property-value.txt"), ["name", "property", "value"]));
        Assert.Equal(("myzpool", "used", "906238099456"), (u.Name, u.Property, u.Value));
    }

    [FixtureFact]
    public void Get_human_three_columns_with_header_split_on_blanks()
    {
        var lines = Fixtures.Read("zfs-get-r-s-local-o-name-property-value.txt").Split('\n').Skip(1);
        var props = PropertyParser.Parse(string.Join('\n', lines), ["name", "property", "value"]);
        Assert.Equal([("pool/home/bob", "quota", "20G"), ("pool/home/bob", "compression", "on")], props.Select(p => (p.Name, p.Property, p.Value)));
    }

    [FixtureFact]
    public void Get_json_inherited()
    {
        var props = ZfsJsonParsers.ParseGet(Fixtures.Read("zfs-get-j-json-inherited.txt"));
        Assert.Equal(2, props.Count);
        Assert.Equal(("pool/home/bob", "mountpoint", "/pool/home/bob", ZPropertySource.Default), (props[1].Name, props[1].Property, props[1].Value, props[1].Source));
    }

    [FixtureFact]
    public void Holds_trim_padded_tags()
    {
        var h = ZfsHoldsParser.Parse(Fixtures.Read("zfs-holds-H.txt"));
        Assert.Equal(["important", "release-1.0"], h.Select(x => x.Tag));
        Assert.All(h, x => Assert.Equal("myzpool/mydataset@baseline", x.SnapshotName));
        Assert.Equal(new DateTimeOffset(2015, 12, 23, 21, 6, 0, TimeSpan.Zero), h[0].Timestamp);
    }

    [FixtureFact]
    public void Allow_sections()
    {
        var a = ZfsAllowParser.Parse(Fixtures.Read("zfs-allow-local-descendent.txt"));
        var e = Assert.Single(a);
        Assert.Equal(("tank/cindys", "LocalDescendent", "user", "cindys"), (e.Dataset, e.Scope, e.Kind, e.Who));
        Assert.Equal(["create", "destroy", "mount", "snapshot"], e.Permissions);
        var sets = ZfsAllowParser.Parse(Fixtures.Read("zfs-allow-permission-sets.txt"));
        Assert.Equal(("PermissionSet", "set", "@pset"), (sets[0].Scope, sets[0].Kind, sets[0].Who));
        Assert.Equal(("group", "staff", "@pset"), (sets[1].Kind, sets[1].Who, sets[1].Permissions[0]));
        static string Flat(IEnumerable<ZfsPermissionEntry> l) => string.Join(";", l.Select(x => $"{x.Scope} {x.Kind} {x.Who} {string.Join(',', x.Permissions)}"));
        Assert.Equal(Flat(sets), Flat(ZfsAllowParser.Parse(Fixtures.Read("zfs-allow-after-unallow.txt"))));
        var create = ZfsAllowParser.Parse(Fixtures.Read("zfs-allow-create-time-perms.txt"));
        Assert.Equal(("create", "destroy"), (create[0].Kind, create[0].Permissions[0]));
        Assert.Equal(["create", "mount"], create[1].Permissions);
        var real = ZfsAllowParser.Parse("---- Permissions on tank/users -----\nCreate time permissions:\n\tdestroy\nLocal permissions:\n\teveryone snapshot\n");
        Assert.Equal(("CreateTime", "create"), (real[0].Scope, real[0].Kind));
        Assert.Equal(("Local", "everyone", (string?)null), (real[1].Scope, real[1].Kind, real[1].Who));
    }

    [FixtureFact]
    public void Diff_H_with_times_and_F_with_types()
    {
        var h = ZfsDiffParser.Parse(Fixtures.Read("zfs-diff-H.txt"));
        Assert.Equal(3, h.Count);
        Assert.Equal(('M', (char?)null, "/data/test/"), (h[0].ChangeType, h[0].FileType, h[0].Path));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1517063875).AddTicks(2965923), h[1].Time);
        Assert.Equal(('+', "/data/test/hello"), (h[2].ChangeType, h[2].Path));
        var f = ZfsDiffParser.Parse(Fixtures.Read("zfs-diff-F.txt"));
        Assert.Equal(6, f.Count);
        Assert.Equal(('/', "/tank/test/"), (f[0].FileType!.Value, f[0].Path));
        Assert.Equal(("/tank/test/linked", 1), (f[1].Path, f[1].LinkCountChange!.Value));
        Assert.Equal(('R', "/tank/test/oldname", "/tank/test/newname"), (f[2].ChangeType, f[2].Path, f[2].NewPath));
        Assert.Equal(('-', 'F'), (f[3].ChangeType, f[3].FileType!.Value));
        var esc = Assert.Single(ZfsDiffParser.Parse("+\tF\t/tank/a\\040b\\0303\\0251\n"));
        Assert.Equal("/tank/a bé", esc.Path);
    }

    [FixtureFact]
    public void Stderr_messages_map_to_error_kinds()
    {
        var lines = Fixtures.Read("zfs-errors-stderr.txt").Split('\n');
        ErrorKind KindOf(string prefix) => NativeStorage.Failure(new CommandResult(["zfs", "x"], 1, "", lines.First(l => l.StartsWith(prefix, StringComparison.Ordinal)))).Kind;
        Assert.Equal(ErrorKind.ObjectNotFound, KindOf("cannot open 'myzpool/mydataset'"));
        Assert.Equal(ErrorKind.InvalidArgument, KindOf("cannot open 'myzpool/'"));
        Assert.Equal(ErrorKind.ObjectNotFound, KindOf("cannot create 'myzpool/mydataset': no such pool"));
        Assert.Equal(ErrorKind.ObjectNotFound, KindOf("cannot create 'myzpool/mydataset/mysubdataset'"));
        Assert.Equal(ErrorKind.InvalidOperation, KindOf("cannot destroy"));
        Assert.Equal(ErrorKind.InvalidOperation, KindOf("cannot rollback"));
        Assert.Equal(ErrorKind.InvalidOperation, KindOf("cannot promote"));
        Assert.Equal(ErrorKind.ResourceExists, KindOf("cannot hold"));
        Assert.Equal(ErrorKind.ObjectNotFound, KindOf("cannot release"));
        Assert.Equal(ErrorKind.ResourceExists, KindOf("cannot create snapshot"));
        Assert.Equal(ErrorKind.InvalidArgument, KindOf("cannot set property"));
        var ex = NativeStorage.Failure(new CommandResult(["zfs", "destroy", "a"], 1, "", "cannot destroy 'a': filesystem has children\n"));
        Assert.Equal((1, "zfs"), (ex.ExitCode, ex.Tool));
        Assert.Contains("filesystem has children", ex.Message);
    }

    [Fact]
    public void Destroy_nvp_lines()
    {
        var (names, reclaim) = ZfsDestroyParser.Parse("destroy\ttank/a@1\ndestroy\ttank/a/b\ndestroy\ttank/a\nreclaim\t123456\n");
        Assert.Equal(["tank/a@1", "tank/a/b", "tank/a"], names);
        Assert.Equal(123456UL, reclaim);
        var (old, oldReclaim) = ZfsDestroyParser.Parse("would destroy tank/x\nwould reclaim 1.50M\n");
        Assert.Equal(["tank/x"], old);
        Assert.Equal(3UL << 19, oldReclaim);
    }

    [Theory]
    [InlineData("1.25x", 1.25)]
    [InlineData("1.25", 1.25)]
    [InlineData("1,25x", 1.25)]
    [InlineData("-", null)]
    public void Ratios(string text, double? expected) => Assert.Equal(expected, ParseText.Ratio(text));

    [Theory]
    [InlineData("4.11K", 4209UL)]
    [InlineData("1,81T", 1990116046275UL)]
    [InlineData("0B", 0UL)]
    [InlineData("20.2M/s", 21181235UL)]
    [InlineData("8%", 8UL)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void Numbers(string text, ulong expected) => Assert.Equal(expected, ParseText.UInt(text));

    [Fact]
    public void Limits_none()
    {
        Assert.Null(ParseText.Limit("18446744073709551615", zeroIsNone: false));
        Assert.Null(ParseText.Limit("0", zeroIsNone: true));
        Assert.Null(ParseText.Limit("none", zeroIsNone: true));
        Assert.Equal(5UL, ParseText.Limit("5", zeroIsNone: true));
    }
}
