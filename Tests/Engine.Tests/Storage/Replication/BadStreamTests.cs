using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Replication;
using Xunit;
using static Illumos.Engine.Tests.Storage.Replication.ReplicationTests;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>Damaged, cut, foreign and mismatched streams: a clear error and a target exactly as it was.</summary>
public class BadStreamTests : IDisposable
{
    private readonly StorageFixture _f = new();
    private readonly byte[] _full, _inc;

    public BadStreamTests()
    {
        _f.CreatePool("tank", "d1");
        // Reading files (State) must not change them: no access time updates.
        _f.Storage.SetProperties("tank", new Dictionary<string, string> { ["atime"] = "off" }, default);
        _f.Storage.CreateFileSystem("tank/fs", null, false, default);
        Populate(_f.Storage, "tank/fs", bigFile: 600_000);
        _f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        Write(_f.Storage, "tank/fs", "/more", StorageFixture.Bytes(200_000, 5));
        _f.Storage.CreateSnapshots(["tank/fs@b"], false, null, default);
        _full = Send(_f.Storage, new SendRequest { Snapshot = "tank/fs@a" });
        _inc = Send(_f.Storage, new SendRequest { Snapshot = "tank/fs@b", From = "@a" });
        Receive(_f.Storage, "tank/copy", _full);
    }

    public void Dispose() => _f.Dispose();

    /// <summary>What must not change: datasets with their properties, snapshots, and the files of every dataset.</summary>
    private string State()
    {
        var s = _f.Storage;
        var lines = new List<string>();
        foreach (var d in s.GetDatasets(null, null, ZDatasetType.All, default))
        {
            lines.Add(d.Name + " " + string.Join(",", s.GetProperties(d.Name, null, default).Where(p => p.Property is not ("available" or "used" or "usedbychildren" or "logicalused" or "written" or "usedbydataset" or "referenced" or "logicalreferenced" or "compressratio" or "refcompressratio"))
                .Select(p => $"{p.Property}={p.Value}/{p.Source}")));
            if (d.Type == ZDatasetType.FileSystem) lines.AddRange(Tree(s, d.Name).Select(kv => kv.Key + " " + kv.Value));
        }
        lines.AddRange(s.GetSnapshots(null, true, default).Select(x => x.Name + " " + x.Guid));
        return string.Join("\n", lines);
    }

    private void AssertRefused(byte[] stream, string target, string errorId, ErrorKind kind = ErrorKind.InvalidData, bool resumable = false)
    {
        var before = State();
        var e = Assert.Throws<IllumosException>(() => Receive(_f.Storage, target, stream, resumable: resumable));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Equal(before, State());
        _f.Reopen();
        Assert.Equal(before, State());
    }

    [Theory]
    [InlineData(400)]      // inside the first OBJECT record
    [InlineData(20_000)]   // inside a data payload
    [InlineData(-100)]     // in the END record
    public void A_flipped_byte_is_found_and_nothing_changes(int at)
    {
        var bad = (byte[])_inc.Clone();
        bad[at < 0 ? bad.Length + at : at] ^= 0x20;
        AssertRefused(bad, "tank/copy", "StreamChecksumMismatch");
        var badFull = (byte[])_full.Clone();
        badFull[at < 0 ? badFull.Length + at : at] ^= 0x01;
        AssertRefused(badFull, "tank/other", "StreamChecksumMismatch");
    }

    [Theory]
    [InlineData(100)]
    [InlineData(312 * 3 + 17)]
    [InlineData(-1)]
    public void A_cut_stream_is_refused_and_nothing_changes(int keep)
    {
        AssertRefused(_inc[..(keep < 0 ? _inc.Length + keep : keep)], "tank/copy", "StreamTruncated");
        AssertRefused(_full[..(keep < 0 ? _full.Length + keep : keep)], "tank/other", "StreamTruncated");
    }

    [Fact]
    public void A_stream_for_a_different_base_is_refused()
    {
        _f.Storage.CreateFileSystem("tank/unrelated", null, false, default);
        _f.Storage.CreateSnapshots(["tank/unrelated@a"], false, null, default);
        AssertRefused(_inc, "tank/unrelated", "ReceiveBaseMissing", ErrorKind.ObjectNotFound);
    }

    [Fact]
    public void A_stream_with_an_unknown_feature_is_refused()
    {
        var bad = (byte[])_full.Clone();
        var begin = new DrrRecord(bad[..DrrRecord.Size]);
        begin.VersionInfo |= 1UL << 33; // feature bit 31
        begin.Bytes.CopyTo(bad, 0);
        AssertRefused(bad, "tank/other", "StreamUnknownFeature", ErrorKind.NotImplemented);
    }

    [Fact]
    public void A_file_that_is_not_a_stream_is_refused()
    {
        AssertRefused(StorageFixture.Bytes(5000, 1), "tank/other", "StreamNotAStream");
        AssertRefused("hello\n"u8.ToArray(), "tank/other", "StreamNotAStream");
    }

    [Fact]
    public void Existing_targets_and_missing_parents_are_refused_before_reading_data()
    {
        AssertRefused(_full, "tank/copy", "ReceiveTargetExists", ErrorKind.ResourceExists);
        AssertRefused(_full, "tank/no/such", "ParentNotFound", ErrorKind.ObjectNotFound);
        AssertRefused(_inc, "tank/missing", "ReceiveTargetMissing", ErrorKind.ObjectNotFound);
    }

    [Fact]
    public void A_cut_resumable_receive_keeps_its_partial_state_until_aborted()
    {
        var before = State();
        var e = Assert.Throws<IllumosException>(() => Receive(_f.Storage, "tank/copy", _inc[..(_inc.Length * 2 / 3)], resumable: true));
        Assert.Equal("StreamTruncated", e.ErrorId);
        // The target itself is untouched; the partial state waits in a hidden dataset.
        Assert.Equal(Tree(_f.Storage, "tank/fs@a"), Tree(_f.Storage, "tank/copy"));
        var again = Assert.Throws<IllumosException>(() => Receive(_f.Storage, "tank/copy", _inc));
        Assert.Equal("ReceiveResumeStatePresent", again.ErrorId);
        _f.Reopen();
        _f.Storage.AbortReceive("tank/copy", default);
        Assert.Equal(before, State());
        Receive(_f.Storage, "tank/copy", _inc);
        Assert.Equal(Tree(_f.Storage, "tank/fs@b"), Tree(_f.Storage, "tank/copy"));
    }
}
