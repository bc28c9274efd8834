using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>Hot spares: automatic activation, replace (spare returns), detach (spare stays), persistence.</summary>
public class SpareTests
{

    private static ZPoolStatus Status(StorageFixture f) => f.Storage.GetStatus("tank", false, default);

    private static ZPoolVdev Node(StorageFixture f, string name, ZVdevClass cls = ZVdevClass.Normal) =>
        Status(f).Config.Flatten().Single(v => v.Path == f.Dev(name) && v.Class == cls);

    [Fact]
    public void A_faulted_mirror_side_gets_the_spare_and_replacing_it_returns_the_spare()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2", "spare", "s1");
        var data = StorageFixture.Bytes(3 << 20, 21);
        f.WriteFile("tank", "/f", data);
        var d2 = f.Storage.PoolForTests("tank").Tops[0].Leaves.Single(l => l.Path == f.Dev("d2"));
        d2.InjectIoErrors = true;
        for (int i = 0; i < 12; i++) f.WriteFile("tank", "/g" + i, StorageFixture.Bytes(8192, i));
        f.Storage.Commit("tank");
        f.Storage.WaitForScrub("tank");

        var st = Status(f);
        var group = st.Config.Children[0].Children.Single(c => c.Type == "spare");
        Assert.Equal("spare-1", group.Name);
        Assert.Equal([f.Dev("d2"), f.Dev("s1")], group.Children.Select(c => c.Path));
        Assert.Equal(ZHealth.FAULTED, group.Children[0].State);
        Assert.Equal(ZHealth.ONLINE, group.Children[1].State);
        Assert.Equal(ZHealth.INUSE, Node(f, "s1", ZVdevClass.Spare).State);
        Assert.Equal(ZHealth.DEGRADED, st.State);
        Assert.Equal(ZScanFunction.Resilver, st.Scan.Function);
        Assert.Equal(ZScanState.Finished, st.Scan.State);
        var text = ZPoolStatusText.Render(st);
        Assert.Matches(@"spare-1\s+DEGRADED", text);
        Assert.Matches(@"s1\s+INUSE\s+currently in use", text);
        var e = Assert.Throws<IllumosException>(() => f.Storage.RemoveDevice("tank", f.Dev("s1"), default));
        Assert.Equal("SpareInUse", e.ErrorId);

        // The spare group survives export/import (d2 still faulted in the labels).
        d2.InjectIoErrors = false;
        f.ExportImport();
        Assert.Equal("spare-1", Status(f).Config.Children[0].Children[1].Name);
        Assert.Equal(ZHealth.INUSE, Node(f, "s1", ZVdevClass.Spare).State);

        // Replace the failed device: the new one is resilvered, the spare goes back to AVAIL.
        f.NewDevice("d9");
        f.Storage.ReplaceDevice("tank", f.Dev("d2"), f.Dev("d9"), false, default);
        st = Status(f);
        Assert.Equal(ZHealth.ONLINE, st.State);
        Assert.Equal([f.Dev("d1"), f.Dev("d9")], st.Config.Children[0].Children.Select(c => c.Path));
        Assert.Equal(ZHealth.AVAIL, Node(f, "s1", ZVdevClass.Spare).State);
        Assert.Null(Illumos.Engine.Storage.Embedded.EmbeddedStorage.TryReadLabel(f.Dev("d2")));
        // d9 alone carries everything.
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("d1"));
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(data, f.ReadFile("tank", "/f"));
    }

    [Fact]
    public void A_device_missing_at_import_gets_the_spare_and_detaching_it_makes_the_spare_permanent()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2", "spare", "s1", "s2");
        var data = StorageFixture.Bytes(2 << 20, 22);
        f.WriteFile("tank", "/f", data);
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("d2"));
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        f.Storage.WaitForScrub("tank");
        var group = Status(f).Config.Children[0].Children[1];
        Assert.Equal("spare", group.Type);
        Assert.Equal(ZHealth.UNAVAIL, group.Children[0].State);
        Assert.Equal(f.Dev("s1"), group.Children[1].Path);
        Assert.Equal(ZHealth.AVAIL, Node(f, "s2", ZVdevClass.Spare).State);

        f.Storage.DetachDevice("tank", f.Dev("d2"), default);
        var st = Status(f);
        Assert.Equal(ZHealth.ONLINE, st.State);
        Assert.Equal([f.Dev("d1"), f.Dev("s1")], st.Config.Children[0].Children.Select(c => c.Path));
        Assert.Equal([f.Dev("s2")], st.Config.Children.Where(c => c.Class == ZVdevClass.Spare).Select(c => c.Path));
        f.Reopen();
        Assert.Equal(ZHealth.ONLINE, Status(f).State);
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("d1"));
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(data, f.ReadFile("tank", "/f"));
    }

    [Fact]
    public void Raidz_spare_can_be_detached_back_and_is_not_taken_again_until_the_device_is_cleared()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "raidz1", "r0", "r1", "r2", "spare", "s1");
        var data = StorageFixture.Bytes(2 << 20, 23);
        f.WriteFile("tank", "/f", data);
        var r1 = f.Storage.PoolForTests("tank").Tops[0].Leaves[1];
        r1.InjectIoErrors = true;
        for (int i = 0; i < 12; i++) f.WriteFile("tank", "/g" + i, StorageFixture.Bytes(8192, i));
        f.Storage.Commit("tank");
        f.Storage.WaitForScrub("tank");
        Assert.Equal("spare", Status(f).Config.Children[0].Children[1].Type);
        r1.InjectIoErrors = false;
        // With r1 out of service and s1 rebuilt, another device can be lost.
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("r2"));
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        Assert.Equal(data, f.ReadFile("tank", "/f"));
        Assert.Equal(ZHealth.UNAVAIL, Node(f, "r2").State);

        f.NewDevice("r2");
        f.Storage.ReplaceDevice("tank", f.Dev("r2"), null, false, default);
        f.Storage.DetachDevice("tank", f.Dev("s1"), default);
        Assert.Equal(ZHealth.AVAIL, Node(f, "s1", ZVdevClass.Spare).State);
        Assert.Equal(ZHealth.FAULTED, Node(f, "r1").State); // back in its place, still faulted, and no spare taken again
        f.Storage.ClearErrors("tank", f.Dev("r1"), default);
        f.Storage.WaitForScrub("tank");
        Assert.Equal(ZHealth.ONLINE, Status(f).State);
        Assert.Equal(data, f.ReadFile("tank", "/f"));
    }
}
