using Illumos.Engine.Storage;
using Xunit;
using static Illumos.Engine.Tests.Storage.Replication.ReplicationTests;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>zfs receive -s and zfs send -t: a cut stream leaves a token; sending with it continues where it stopped.</summary>
public class ResumeTests
{
    private static string Token(StorageFixture f, string dataset) => f.Storage.GetProperties(dataset, ["receive_resume_token"], default)[0].Value;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cut_stream_resumes_from_its_token_until_complete(bool incremental)
    {
        using var src = new StorageFixture();
        using var dst = new StorageFixture();
        src.CreatePool("tank", "d1");
        dst.CreatePool("backup", "d1");
        src.Storage.CreateFileSystem("tank/fs", null, false, default);
        Populate(src.Storage, "tank/fs", bigFile: 1_500_000);
        src.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        Write(src.Storage, "tank/fs", "/later", StorageFixture.Bytes(900_000, 8));
        Write(src.Storage, "tank/fs", "/a/b/big", StorageFixture.Bytes(300_000, 9), offset: 400_000);
        src.Storage.CreateSnapshots(["tank/fs@b"], false, null, default);
        if (incremental) Receive(dst.Storage, "backup/fs", Send(src.Storage, new SendRequest { Snapshot = "tank/fs@a" }));
        if (incremental) Assert.Equal("-", Token(dst, "backup/fs"));

        var stream = Send(src.Storage, incremental ? new SendRequest { Snapshot = "tank/fs@b", From = "@a" } : new SendRequest { Snapshot = "tank/fs@b" });
        var e = Assert.Throws<IllumosException>(() => Receive(dst.Storage, "backup/fs", stream[..(stream.Length / 3)], resumable: true));
        Assert.Equal("StreamTruncated", e.ErrorId);
        var token = Token(dst, "backup/fs");
        Assert.StartsWith("1-", token);
        var info = Illumos.Engine.Storage.Replication.ResumeToken.DecodeInfo(token);
        Assert.Equal("tank/fs@b", info.ToName);
        Assert.True(info.Bytes > 0);

        // The resumed stream is shorter, and itself cut and resumed once more (from a new process).
        var resumed = Send(src.Storage, new SendRequest { ResumeToken = token });
        Assert.True(resumed.Length < stream.Length, $"{resumed.Length} vs {stream.Length}");
        Assert.Throws<IllumosException>(() => Receive(dst.Storage, "backup/fs", resumed[..(resumed.Length / 2)]));
        dst.Reopen();
        var token2 = Token(dst, "backup/fs");
        Assert.NotEqual(token, token2);
        var stale = Assert.Throws<IllumosException>(() => Receive(dst.Storage, "backup/fs", resumed));
        Assert.Equal("ReceiveResumePointMismatch", stale.ErrorId);
        var r = Receive(dst.Storage, "backup/fs", Send(src.Storage, new SendRequest { ResumeToken = token2 }));
        Assert.True(r.Resumed);
        Assert.Equal(["backup/fs@b"], r.Snapshots);
        Assert.Equal(Tree(src.Storage, "tank/fs@b"), Tree(dst.Storage, "backup/fs"));
        Assert.Equal("-", Token(dst, "backup/fs"));
        Assert.Equal(src.Storage.GetSnapshots("tank/fs@b", false, default)[0].Guid, dst.Storage.GetSnapshots("backup/fs@b", false, default)[0].Guid);
    }

    [Fact]
    public void A_token_for_a_snapshot_that_is_gone_is_refused()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        Populate(f.Storage, "tank/fs", bigFile: 800_000);
        f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        var stream = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@a" });
        Assert.Throws<IllumosException>(() => Receive(f.Storage, "tank/copy", stream[..(stream.Length / 2)], resumable: true));
        var token = Token(f, "tank/copy");
        Assert.Equal("DatasetReceiving", Assert.Throws<IllumosException>(() => f.Storage.Files.List("tank/copy", "/", default)).ErrorId);
        f.Storage.Destroy("tank/fs@a", false, false, false, default);
        var e = Assert.Throws<IllumosException>(() => Send(f.Storage, new SendRequest { ResumeToken = token }));
        Assert.Equal("SnapshotNotFound", e.ErrorId);
        e = Assert.Throws<IllumosException>(() => Send(f.Storage, new SendRequest { ResumeToken = "1-abc-10-0011" }));
        Assert.Equal("ResumeTokenInvalid", e.ErrorId);
    }
}
