using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>Temporary (mount option) property values: effective while imported, never stored, not inherited.</summary>
public class TemporaryPropertyTests
{
    private static ZProperty Prop(StorageFixture f, string ds, string name) => f.Storage.GetProperties(ds, [name], default).Single();

    private static void SetTemp(StorageFixture f, string ds, string name, string value) =>
        f.Storage.SetTemporaryProperties(ds, new Dictionary<string, string> { [name] = value }, default);

    private static StorageFixture WithFileSystems()
    {
        var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        f.Storage.CreateFileSystem("tank/fs/child", null, false, default);
        return f;
    }

    [Fact]
    public void Temporary_readonly_refuses_writes_is_not_inherited_and_never_reaches_disk()
    {
        using var f = WithFileSystems();
        f.WriteFile("tank/fs", "/a", [1, 2, 3]);
        SetTemp(f, "tank/fs", "readonly", "on");
        var p = Prop(f, "tank/fs", "readonly");
        Assert.Equal(("on", ZPropertySource.Temporary), (p.Value, p.Source));
        Assert.Equal("temporary", p.SourceText);
        Assert.True(f.Storage.GetDatasets("tank/fs", 0, ZDatasetType.FileSystem, default)[0].ReadOnly);
        var e = Assert.Throws<IllumosException>(() => f.WriteFile("tank/fs", "/b", [4]));
        Assert.Equal("DatasetReadOnly", e.ErrorId);
        Assert.Equal(new byte[] { 1, 2, 3 }, f.ReadFile("tank/fs", "/a"));
        // The child is its own mount: it keeps the stored value.
        Assert.Equal(("off", ZPropertySource.Default), (Prop(f, "tank/fs/child", "readonly").Value, Prop(f, "tank/fs/child", "readonly").Source));
        f.WriteFile("tank/fs/child", "/c", [5]);

        // Commits in between do not store it; closing the host forgets it.
        f.Storage.CreateSnapshots(["tank/fs/child@s"], false, null, default);
        f.Reopen();
        Assert.Equal(("off", ZPropertySource.Default), (Prop(f, "tank/fs", "readonly").Value, Prop(f, "tank/fs", "readonly").Source));
        f.WriteFile("tank/fs", "/b", [4]);

        SetTemp(f, "tank/fs", "readonly", "on");
        f.ExportImport();
        Assert.Equal(ZPropertySource.Default, Prop(f, "tank/fs", "readonly").Source);
    }

    [Fact]
    public void Temporary_noatime_stops_access_time_updates_and_clearing_it_restarts_them()
    {
        using var f = WithFileSystems();
        f.WriteFile("tank/fs", "/a", [1, 2, 3]);
        var written = f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime;
        Thread.Sleep(20);
        f.ReadFile("tank/fs", "/a");
        var read = f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime;
        Assert.True(read > written, "atime=on: a read updates the access time");

        SetTemp(f, "tank/fs", "atime", "off");
        Assert.Equal(("off", ZPropertySource.Temporary), (Prop(f, "tank/fs", "atime").Value, Prop(f, "tank/fs", "atime").Source));
        Thread.Sleep(20);
        f.ReadFile("tank/fs", "/a");
        Assert.Equal(read, f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime);

        f.Storage.ClearTemporaryProperty("tank/fs", "atime", false, default);
        Assert.Equal(ZPropertySource.Default, Prop(f, "tank/fs", "atime").Source);
        Thread.Sleep(20);
        f.ReadFile("tank/fs", "/a");
        var again = f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime;
        Assert.True(again > read);
        // The update is committed with the next txg.
        f.Reopen();
        Assert.Equal(again, f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime);
    }

    [Fact]
    public void Relatime_updates_the_access_time_only_when_it_is_not_newer_than_the_last_change()
    {
        using var f = WithFileSystems();
        f.Storage.SetProperties("tank/fs", new Dictionary<string, string> { ["relatime"] = "on" }, default);
        f.WriteFile("tank/fs", "/a", [1]);
        Thread.Sleep(20);
        f.ReadFile("tank/fs", "/a");
        var first = f.Storage.Files.TryGet("tank/fs", "/a", default)!;
        Assert.True(first.AccessTime > first.ModifyTime);
        Thread.Sleep(20);
        f.ReadFile("tank/fs", "/a");
        Assert.Equal(first.AccessTime, f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime);
        // A temporary norelatime makes every read count again.
        SetTemp(f, "tank/fs", "relatime", "off");
        Thread.Sleep(20);
        f.ReadFile("tank/fs", "/a");
        Assert.True(f.Storage.Files.TryGet("tank/fs", "/a", default)!.AccessTime > first.AccessTime);
    }

    [Fact]
    public void A_temporary_value_equal_to_the_stored_one_shows_the_stored_source_and_zfs_set_or_inherit_replace_it()
    {
        using var f = WithFileSystems();
        f.Storage.SetProperties("tank/fs", new Dictionary<string, string> { ["exec"] = "off" }, default);
        SetTemp(f, "tank/fs", "exec", "off");
        Assert.Equal(("off", ZPropertySource.Local), (Prop(f, "tank/fs", "exec").Value, Prop(f, "tank/fs", "exec").Source));
        SetTemp(f, "tank/fs", "exec", "on");
        Assert.Equal(("on", ZPropertySource.Temporary), (Prop(f, "tank/fs", "exec").Value, Prop(f, "tank/fs", "exec").Source));
        // The child inherits the stored value, not the temporary one.
        var child = Prop(f, "tank/fs/child", "exec");
        Assert.Equal(("off", ZPropertySource.Inherited, "tank/fs"), (child.Value, child.Source, child.InheritedFrom));

        f.Storage.SetProperties("tank/fs", new Dictionary<string, string> { ["exec"] = "off" }, default);
        Assert.Equal(ZPropertySource.Local, Prop(f, "tank/fs", "exec").Source);
        SetTemp(f, "tank/fs", "exec", "on");
        f.Storage.InheritProperty("tank/fs", "exec", false, false, default);
        Assert.Equal(("on", ZPropertySource.Default), (Prop(f, "tank/fs", "exec").Value, Prop(f, "tank/fs", "exec").Source));
    }

    [Fact]
    public void Clearing_recursively_drops_the_descendants_temporary_values()
    {
        using var f = WithFileSystems();
        SetTemp(f, "tank/fs", "setuid", "off");
        SetTemp(f, "tank/fs/child", "setuid", "off");
        f.Storage.ClearTemporaryProperty("tank/fs", "setuid", true, default);
        Assert.Equal(ZPropertySource.Default, Prop(f, "tank/fs", "setuid").Source);
        Assert.Equal(ZPropertySource.Default, Prop(f, "tank/fs/child", "setuid").Source);
    }

    [Theory]
    [InlineData("tank/fs", "compression", "off", "PropertyNotTemporary")]
    [InlineData("tank/fs", "xattr", "sa", "PropertyBadValue")]
    [InlineData("tank/vol", "readonly", "on", "PropertyNotTemporary")]
    [InlineData("tank/fs@s", "readonly", "on", "PropertyNotTemporary")]
    [InlineData("tank/nothere", "readonly", "on", "DatasetNotFound")]
    public void What_cannot_be_temporary_is_refused_and_nothing_changes(string ds, string name, string value, string errorId)
    {
        using var f = WithFileSystems();
        f.Storage.CreateVolume("tank/vol", 1 << 20, true, null, null, false, default);
        f.Storage.CreateSnapshots(["tank/fs@s"], false, null, default);
        var e = Assert.Throws<IllumosException>(() => f.Storage.SetTemporaryProperties(ds, new Dictionary<string, string> { ["atime"] = "off", [name] = value }, default));
        Assert.Equal(errorId, e.ErrorId);
        if (ds == "tank/fs") Assert.Equal(ZPropertySource.Default, Prop(f, "tank/fs", "atime").Source);
    }
}
