using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>The pool's persistent error log: blocks an ordinary read could not recover are listed with their file path, across imports.</summary>
public class ErrorLogTests
{
    [Fact]
    public void An_unrecoverable_read_is_logged_with_its_path_and_survives_a_new_process()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        f.Storage.Files.CreateDirectory("tank/fs", "/docs", false, default);
        var lost = StorageFixture.Bytes(256 << 10, 21);
        f.WriteFile("tank/fs", "/docs/report", lost);
        f.WriteFile("tank/fs", "/fine", StorageFixture.Bytes(5000, 22));
        f.Storage.Dispose();
        var bytes = File.ReadAllBytes(f.Dev("d1"));
        int at = bytes.AsSpan().IndexOf(lost.AsSpan(0, 4096));
        Assert.True(at > 0);
        using (var fs = new FileStream(f.Dev("d1"), FileMode.Open)) { fs.Position = at + 100; fs.Write(new byte[64]); }

        f.Reopen();
        Assert.Equal("No known data errors", f.Storage.GetStatus("tank", true, default).ErrorsText);
        var e = Assert.Throws<IllumosException>(() => f.ReadFile("tank/fs", "/docs/report"));
        Assert.Equal("BlockChecksumMismatch", e.ErrorId);
        Assert.Equal(StorageFixture.Bytes(5000, 22), f.ReadFile("tank/fs", "/fine"));
        f.Storage.Commit("tank");
        var status = f.Storage.GetStatus("tank", true, default);
        Assert.Equal(["tank/fs:/docs/report"], status.Errors.Select(x => x.Location));
        Assert.Equal(1UL, status.ErrorCount);

        f.Reopen();
        status = f.Storage.GetStatus("tank", true, default);
        Assert.Equal("/docs/report", Assert.Single(status.Errors).Path);
        Assert.Equal("1 data errors, use '-v' for a list", status.ErrorsText);
    }
}
