using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Replication;
using Xunit;
using static Illumos.Engine.Tests.Storage.Replication.ReplicationTests;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>The streams the engine sends, judged by OpenZFS's `zstream dump -v` (skipped where zstream is absent).</summary>
public class EngineStreamZstreamTests
{
    /// <summary>Record counts per type as this project's reader sees them, to compare with zstream's.</summary>
    private static Dictionary<string, long> Counts(byte[] stream)
    {
        var counts = new Dictionary<string, long>();
        var reader = new SendStreamReader(new MemoryStream(stream));
        while (reader.Next() is { } r)
        {
            var k = r.Type.ToString().ToUpperInvariant();
            counts[k] = counts.GetValueOrDefault(k) + 1;
        }
        return counts;
    }

    private static void AssertZstreamAccepts(byte[] stream)
    {
        var report = ZstreamDump.Run(stream);
        Assert.True(report.Clean, report.ToString());
        Assert.Equal(stream.Length, report.TotalStreamLength);
        var ours = Counts(stream);
        Assert.Equal(ours.Values.Sum(), report.TotalRecords);
        foreach (var (type, n) in ours) Assert.Equal(n, report.Count(type));
    }

    [ZstreamFact]
    public void Filesystem_volume_incremental_intermediate_and_compressed_streams_dump_clean()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "lz4" }, false, default);
        Populate(f.Storage, "tank/fs", bigFile: 700_000);
        f.Storage.CreateSnapshots(["tank/fs@a"], false, null, default);
        Write(f.Storage, "tank/fs", "/a/b/big", new byte[200_000], offset: 100_000);
        f.Storage.Files.Delete("tank/fs", "/a/small", false, default);
        f.Storage.CreateSnapshots(["tank/fs@b"], false, null, default);
        Write(f.Storage, "tank/fs", "/c", "more"u8.ToArray());
        f.Storage.CreateSnapshots(["tank/fs@c"], false, null, default);
        f.Storage.CreateVolume("tank/vol", 4 << 20, sparse: true, blockSize: null, null, false, default);
        f.Storage.WriteVolume("tank/vol", 65536, StorageFixture.Bytes(50_000, 3), default);
        f.Storage.CreateSnapshots(["tank/vol@v"], false, null, default);

        AssertZstreamAccepts(Send(f.Storage, new SendRequest { Snapshot = "tank/fs@a" }));
        AssertZstreamAccepts(Send(f.Storage, new SendRequest { Snapshot = "tank/fs@b", From = "@a" }));
        AssertZstreamAccepts(Send(f.Storage, new SendRequest { Snapshot = "tank/fs@c", From = "@a", IncludeIntermediate = true }));
        AssertZstreamAccepts(Send(f.Storage, new SendRequest { Snapshot = "tank/fs@c", Compressed = true }));
        AssertZstreamAccepts(Send(f.Storage, new SendRequest { Snapshot = "tank/vol@v" }));
        f.Storage.CreateFileSystem("tank/fs/child", new Dictionary<string, string> { ["com.example:x"] = "y" }, false, default);
        f.Storage.CreateSnapshots(["tank/fs@r"], true, null, default);
        var compound = Send(f.Storage, new SendRequest { Snapshot = "tank/fs@r", Recursive = true });
        AssertZstreamAccepts(compound);
        var report = ZstreamDump.Run(compound);
        Assert.Single(report.BeginNvLists);
        Assert.Contains("tank/fs/child", report.BeginNvLists[0]);
        Assert.Contains("com.example:x", report.BeginNvLists[0]);
    }
}
