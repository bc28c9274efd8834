using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Native.Storage;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>NativeStorage driven through replay sessions built from the fixtures.</summary>
public class NativeStorageReplayTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static (NativeStorage Storage, CountingRunner Counter, NativeHost Host) Open(ReplayDir dir)
    {
        var counter = new CountingRunner(new ReplayRunner(dir.Path));
        var host = new NativeHost(counter, "replay");
        return ((NativeStorage)host.Facility<IStorage>(), counter, host);
    }

    [FixtureFact]
    public void Pools_from_zpool_list()
    {
        using var dir = new ReplayDir();
        dir.Add(ZpoolCommands.List(ZpoolListParser.Fields, null),
            FixtureRows.Reorder(Fixtures.Read("zpool-list-Hp-freenas-old-suffixes.txt"), ["name", "health", "size", "alloc", "free", "fragmentation", "capacity", "dedupratio"], ZpoolListParser.Fields, ZpoolListParser.Canonical));
        var (storage, counter, host) = Open(dir);
        using (host)
        {
            var pools = storage.GetPools(None);
            Assert.Equal(4, pools.Count);
            Assert.Equal((8, 1.83), (pools[1].Fragmentation!.Value, pools[1].DedupRatio));
            Assert.Equal(["zpool", "list", "-Hp", "-o", string.Join(',', ZpoolListParser.Fields)], counter.Commands[^1]);
        }
    }

    [FixtureFact]
    public void Whole_dataset_tree_is_one_command()
    {
        using var dir = new ReplayDir();
        var fields = ZfsListParser.DatasetFields;
        var argv = ZfsCommands.List(fields, "filesystem,volume", ["zones"], recursive: true, depth: null);
        dir.Add(argv, FixtureRows.Reorder(Fixtures.Read("zfs-list-Hp-name-used-avail-refer-mountpoint-smartos.txt"), ["name", "used", "avail", "refer", "mountpoint"], fields));
        var (storage, counter, host) = Open(dir);
        using (host)
        {
            var ds = storage.GetDatasets("zones", null, ZDatasetType.All, None);
            Assert.Equal(3, ds.Count);
            Assert.Equal(956926580736UL, ds[0].Available);
            Assert.Equal("/data", ds[2].MountPoint);
            Assert.Contains(counter.Commands, c => c.SequenceEqual(argv));
            Assert.Equal(1, counter.Commands.Count(c => c[0] == "zfs"));
            int before = counter.Count;
            storage.GetDatasets("zones", null, ZDatasetType.All, None);
            Assert.Equal(1, counter.Count - before); // the session probe is not repeated
        }
    }

    [FixtureFact]
    public void Status_with_errors_list_and_snapshots_and_properties()
    {
        using var dir = new ReplayDir();
        dir.Add(["zpool", "status", "-P", "-p", "-v", "tank"], Fixtures.Read("zpool-status-unavail-permanent-errors-solaris.txt"));
        dir.Add(["zpool", "status", "-P", "-p", "big"], Fixtures.Read("zpool-status-resilver-in-progress-no-eta-omnios.txt"));
        dir.Add(ZfsCommands.Get("z/usr/home", null), Fixtures.Read("zfs-get-Hp-all-filesystem-freebsd.txt"));
        dir.Add(ZfsCommands.List(ZfsListParser.SnapshotFields, "snapshot", ["zones/f78f9208-9c26-47f7-9e03-881a96d17c04/data"], false, 1, sortBy: "createtxg"),
            FixtureRows.Reorder(Fixtures.Read("zfs-list-Hp-t-snapshot-smartos.txt"), ["name", "used", "avail", "refer", "mountpoint"], ZfsListParser.SnapshotFields));
        dir.Add(ZfsCommands.Holds("myzpool/mydataset@baseline", false), Fixtures.Read("zfs-holds-H.txt"));
        dir.Add(ZpoolCommands.History("mypool", false), Fixtures.Read("zpool-history-illumos.txt"));
        dir.Add(ZpoolCommands.IOStat("mypool", true), Fixtures.Read("zpool-iostat-v-mirror-illumos.txt"));
        dir.Add(ZpoolCommands.ImportList(["/vdevs/import"]), Fixtures.Read("zpool-import-multiple-pools.txt"));
        var (storage, _, host) = Open(dir);
        using (host)
        {
            var st = storage.GetStatus("tank", includeErrorList: true, None);
            Assert.Equal((ZHealth.UNAVAIL, 3UL), (st.State, st.ErrorCount));
            Assert.Equal("/tank/data/ccc", st.Errors[2].Path);
            var big = storage.GetStatus("big", includeErrorList: false, None);
            Assert.Equal(ZScanFunction.Resilver, big.Scan.Function);

            var props = storage.GetProperties("z/usr/home", null, None);
            Assert.Equal("inherited from z", props.Single(p => p.Property == "compression").SourceText);

            var snaps = storage.GetSnapshots("zones/f78f9208-9c26-47f7-9e03-881a96d17c04/data", recursive: false, None);
            Assert.Equal(["daily-20120430", "daily-20120501", "daily-20120502"], snaps.Select(s => s.SnapshotName));

            Assert.Equal(2, storage.GetHolds("myzpool/mydataset@baseline", false, None).Count);
            Assert.Equal(2, storage.GetHistory("mypool", false, None).Count);
            Assert.Equal(4, storage.GetIOStats("mypool", true, None).Count);
            Assert.Equal(2, storage.FindImportablePools(["/vdevs/import"], None).Count);
        }
    }

    [Fact]
    public void Destroy_dry_run_lists_in_order_and_real_run_uses_the_same_listing()
    {
        using var dir = new ReplayDir();
        dir.Add(["zfs", "destroy", "-n", "-v", "-p", "-r", "tank/a"], "destroy\ttank/a/b@s\ndestroy\ttank/a/b\ndestroy\ttank/a\nreclaim\t4096\n");
        dir.Add(["zfs", "destroy", "-v", "-p", "tank/c"], "destroy\ttank/c\nreclaim\t0\n");
        var (storage, counter, host) = Open(dir);
        using (host)
        {
            Assert.Equal(["tank/a/b@s", "tank/a/b", "tank/a"], storage.Destroy("tank/a", recursive: true, recursiveDependents: false, dryRun: true, None));
            Assert.Equal(["zfs", "destroy", "-n", "-v", "-p", "-r", "tank/a"], counter.Commands[^1]);
            Assert.Equal(["tank/c"], storage.Destroy("tank/c", false, false, false, None));
        }
    }

    [FixtureFact]
    public void Failing_command_keeps_exit_code_and_stderr()
    {
        using var dir = new ReplayDir();
        var stderr = Fixtures.Read("zfs-errors-stderr.txt").Split('\n')[0];
        var argv = ZfsCommands.List(ZfsListParser.DatasetFields, "filesystem,volume", ["myzpool/mydataset"], true, null);
        dir.Add(argv, "", exit: 1, stderr: stderr);
        var (storage, _, host) = Open(dir);
        using (host)
        {
            var e = Assert.Throws<IllumosCommandException>(() => storage.GetDatasets("myzpool/mydataset", null, ZDatasetType.All, None));
            Assert.Equal((ErrorKind.ObjectNotFound, 1, "zfs"), (e.Kind, e.ExitCode, e.Tool));
            Assert.Contains("dataset does not exist", e.StdErr);
            Assert.Equal(argv, e.Argv);
        }
    }

    [Theory]
    [InlineData("tank/a;rm -rf /")]
    [InlineData("tank/$(reboot)")]
    [InlineData("tank/`id`")]
    [InlineData("tank/a|b")]
    [InlineData("tank/a\nb")]
    [InlineData("tank//a")]
    [InlineData("tank/a/")]
    [InlineData("tank/../etc")]
    [InlineData("-rf")]
    [InlineData("tank/a@b@c")]
    [InlineData("tank/ä")]
    [InlineData("")]
    public void Invalid_names_are_refused_before_anything_is_sent(string name)
    {
        int commands = 0;
        using var host = new NativeHost(new FuncRunner(a => { commands++; return new CommandResult(a, 0, "", ""); }), "counting");
        var storage = new NativeStorage(host) { UseJson = false };
        var calls = new Action[]
        {
            () => storage.GetDatasets(name, null, ZDatasetType.All, None),
            () => storage.CreateFileSystem(name, null, false, None),
            () => storage.SetProperties(name, new Dictionary<string, string> { ["compression"] = "lz4" }, None),
            () => storage.Destroy(name, true, false, true, None),
            () => storage.Rename("tank/ok", name, false, None),
            () => storage.CreateSnapshots([name + "@x"], false, null, None),
            () => storage.Hold(name + "@x", "tag", false, None),
        };
        foreach (var call in calls)
        {
            var e = Assert.Throws<IllumosException>(call);
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        }
        Assert.Equal(0, commands);
    }

    [Fact]
    public void Invalid_properties_devices_and_tags_are_refused()
    {
        int commands = 0;
        using var host = new NativeHost(new FuncRunner(a => { commands++; return new CommandResult(a, 0, "", ""); }), "counting");
        var storage = new NativeStorage(host) { UseJson = false };
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.SetProperties("tank/a", new Dictionary<string, string> { ["Compression;x"] = "on" }, None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.SetProperties("tank/a", new Dictionary<string, string> { ["com:x"] = "a\0b" }, None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.AttachDevice("tank", "c1t0d0", "-f", false, None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.Hold("tank/a@s", "-r", false, None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.DestroyPool("mirror", false, None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.DestroyPool("raidz2", false, None)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<IllumosException>(() => storage.CreatePool(new PoolCreateRequest { Name = "9tank", Vdevs = VdevSpec.Parse(["/d/a"]) }, NullSink.Instance, None)).Kind);
        Assert.Equal(0, commands);
        // user properties, features and quotas are accepted
        storage.SetProperties("tank/a", new Dictionary<string, string> { ["com.example:note"] = "a b; c", ["userquota@bob"] = "10G" }, None);
        storage.SetPoolProperties("tank", new Dictionary<string, string> { ["feature@lz4_compress"] = "enabled", ["comment"] = "my pool" }, None);
        Assert.Equal(3, commands);
    }

    [Fact]
    public void File_and_volume_access_on_a_host_of_unknown_userland_says_so()
    {
        var seen = new List<string>();
        using var host = new NativeHost(new FuncRunner(a =>
        {
            seen.Add(string.Join(' ', a));
            return new CommandResult(a, 0, a[0] == "uname" ? "Darwin 23.1.0 x\n" : "", "");
        }), "x");
        var storage = host.Facility<IStorage>();
        Assert.IsType<NativeStorage>(storage);
        var e = Assert.Throws<IllumosException>(() => storage.Files.List("tank/a", "/", None));
        Assert.Equal((ErrorKind.NotImplemented, "NativeNotImplemented"), (e.Kind, e.ErrorId));
        Assert.Contains("Darwin", e.Message);
        Assert.Equal(ErrorKind.NotImplemented, Assert.Throws<IllumosException>(() => storage.ReadVolume("tank/v", 0, new byte[16], None)).Kind);
        Assert.DoesNotContain(seen, c => c.StartsWith("dd", StringComparison.Ordinal) || c.StartsWith("sh", StringComparison.Ordinal));
        Assert.Contains("Storage", FacilityRegistry.Available(HostKind.Native));
    }

    [Fact]
    public void Commands_map_to_their_native_forms()
    {
        var seen = new List<string>();
        using var host = new NativeHost(new FuncRunner(a =>
        {
            seen.Add(PosixShell.Join(a));
            var line = string.Join(' ', a);
            if (line.StartsWith("zfs list", StringComparison.Ordinal))
                return new CommandResult(a, 0, string.Join('\t', ZfsListParser.DatasetFields.Select(f => f == "name" ? a[^1] : f == "type" ? "filesystem" : "-")) + "\n", "");
            if (line.StartsWith("zpool create -n", StringComparison.Ordinal))
                return new CommandResult(a, 0, "would create 'tank' with the following layout:\n\n\ttank\n\t  mirror\n\t    /d/a\n\t    /d/b\n", "");
            return new CommandResult(a, 0, "", "");
        }), "x");
        var s = new NativeStorage(host) { UseJson = false };
        var req = new PoolCreateRequest { Name = "tank", Vdevs = VdevSpec.Parse(["mirror", "/d/a", "/d/b"]), PoolProperties = new Dictionary<string, string> { ["ashift"] = "12" }, FileSystemProperties = new Dictionary<string, string> { ["compression"] = "lz4" }, MountPoint = "/mnt/tank", Force = true };
        var plan = s.PlanPool(req, None);
        Assert.Equal("mirror", plan.Children[0].Type);
        s.CreateVolume("tank/v", 1UL << 30, sparse: true, blockSize: 8192, new Dictionary<string, string> { ["compression"] = "off" }, createParents: true, None);
        s.Clone("tank/a@s", "tank/c", null, false, None);
        s.InheritProperty("tank/a", "compression", recursive: true, revertToReceived: true, None);
        s.Rollback("tank/a@s", destroyNewer: true, destroyClones: false, None);
        s.RenameSnapshot("tank/a@s", "t", recursive: true, None);
        s.OfflineDevice("tank", "/d/a", temporary: true, None);
        s.ReplaceDevice("tank", "/d/a", "/d/c", force: false, None);
        s.PauseScrub("tank", None);
        s.ClearErrors("tank", null, None);
        s.AddVdevs("tank", VdevSpec.Parse(["log", "mirror", "/d/l1", "/d/l2"]), force: false, None);
        Assert.Equal(
        [
            "zpool create -n -f -o ashift=12 -O compression=lz4 -m /mnt/tank tank mirror /d/a /d/b",
            "zfs create -p -s -b 8192 -o compression=off -V 1073741824 tank/v",
            "zfs list -Hp -o " + string.Join(',', ZfsListParser.DatasetFields) + " -t filesystem,volume -d 0 tank/v",
            "zfs clone tank/a@s tank/c",
            "zfs list -Hp -o " + string.Join(',', ZfsListParser.DatasetFields) + " -t filesystem,volume -d 0 tank/c",
            "zfs inherit -r -S compression tank/a",
            "zfs rollback -r tank/a@s",
            "zfs rename -r tank/a@s tank/a@t",
            "zpool offline -t tank /d/a",
            "zpool replace tank /d/a /d/c",
            "zpool scrub -p tank",
            "zpool clear tank",
            "zpool add tank log mirror /d/l1 /d/l2",
        ], seen);
    }

    [Fact]
    public void Fields_an_older_host_lacks_are_dropped_once()
    {
        var seen = new List<string>();
        using var host = new NativeHost(new FuncRunner(a =>
        {
            var line = string.Join(' ', a);
            seen.Add(line);
            if (line.Contains("receive_resume_token", StringComparison.Ordinal))
                return new CommandResult(a, 2, "", "bad property list: invalid property 'receive_resume_token'\nusage:\n\tlist [-Hp] ...\n");
            if (line.StartsWith("zpool status -P -p", StringComparison.Ordinal))
                return new CommandResult(a, 2, "", "invalid option 'p'\nusage:\n");
            if (line.StartsWith("zpool status", StringComparison.Ordinal))
                return new CommandResult(a, 0, "  pool: tank\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\ttank ONLINE 0 0 0\n\t  c1t0d0 ONLINE 0 1.50K 0\n\nerrors: No known data errors\n", "");
            var fields = a[a.ToList().IndexOf("-o") + 1].Split(',');
            return new CommandResult(a, 0, string.Join('\t', fields.Select(f => f == "name" ? "tank" : f == "type" ? "filesystem" : "0")) + "\n", "");
        }), "old");
        var s = new NativeStorage(host) { UseJson = false };
        Assert.Equal("tank", Assert.Single(s.GetDatasets("tank", null, ZDatasetType.All, None)).Name);
        Assert.Equal(2, seen.Count);
        s.GetDatasets("tank", null, ZDatasetType.All, None);
        Assert.Equal(3, seen.Count); // one command again
        Assert.DoesNotContain("receive_resume_token", seen[^1]);
        var st = s.GetStatus("tank", false, None);
        Assert.Equal(1536UL, st.Config.Children[0].WriteErrors);
        Assert.Equal("zpool status tank", seen[^1]);
    }

    [FixtureFact]
    public void Json_listings_when_the_probe_finds_openzfs_2_3()
    {
        using var dir = new ReplayDir();
        dir.Add(["uname", "-s", "-r", "-v"], "Linux 6.8.0 #1 SMP\n");
        dir.Add(["cat", "/etc/os-release"], "PRETTY_NAME=\"Debian GNU/Linux 13\"\n");
        dir.Add(["zfs", "version"], "zfs-2.3.1-1\nzfs-kmod-2.3.1-1\n");
        dir.Add(ZfsCommands.List(ZfsListParser.DatasetFields, "filesystem,volume", ["pool"], true, null, json: true), Fixtures.Read("zfs-list-j-json-snapshot-openzfs23.txt"));
        var (storage, counter, host) = Open(dir);
        using (host)
        {
            var ds = storage.GetDatasets("pool", null, ZDatasetType.FileSystem, None);
            Assert.Equal(["pool", "pool/home", "pool/home/bob"], ds.Select(d => d.Name));
            Assert.True(storage.UseJson);
            Assert.Contains("-j", counter.Commands[^1]);
            int before = counter.Count;
            storage.GetDatasets("pool", null, ZDatasetType.FileSystem, None);
            Assert.Equal(1, counter.Count - before);
        }
    }
}
