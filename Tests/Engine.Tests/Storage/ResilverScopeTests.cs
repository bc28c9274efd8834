using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>A resilver reads the data that lives on the vdev being rebuilt, not the whole pool.</summary>
public class ResilverScopeTests : IDisposable
{
    private readonly StorageFixture _f = new();
    public void Dispose() => _f.Dispose();

    private ulong ReadBytesOf(string device) =>
        _f.Storage.GetIOStats("tank", true, default).Single(s => s.Device == _f.Dev(device)).ReadBytes;

    /// <summary>Two mirrors; 24 MiB of files spread over both; returns the files.</summary>
    private List<byte[]> TwoMirrorsWithData()
    {
        _f.CreatePool("tank", "mirror", "a1", "a2", "mirror", "b1", "b2");
        _f.Storage.SetProperties("tank", new Dictionary<string, string> { ["compression"] = "off" }, default);
        var files = Enumerable.Range(0, 12).Select(i => StorageFixture.Bytes(2 << 20, 40 + i)).ToList();
        for (int i = 0; i < files.Count; i++) _f.WriteFile("tank", "/f" + i, files[i]);
        _f.Storage.Commit("tank");
        return files;
    }

    [Fact]
    public void Replacing_a_device_of_one_mirror_reads_the_other_mirrors_data_not_at_all()
    {
        var files = TwoMirrorsWithData();
        var onB = _f.Storage.GetIOStats("tank", true, default).Single(s => s.Depth == 1 && s.Device == "mirror-1").Allocated!.Value;
        Assert.True(onB > 8UL << 20, $"mirror-1 holds {onB} bytes");
        ulong b1 = ReadBytesOf("b1"), b2 = ReadBytesOf("b2");

        _f.NewDevice("a3");
        _f.Storage.ReplaceDevice("tank", _f.Dev("a2"), _f.Dev("a3"), false, default);   // waits for the resilver

        // mirror-1's data was not read; only metadata the walk passes through (ditto copies) may live there
        ulong readOnB = ReadBytesOf("b1") - b1 + (ReadBytesOf("b2") - b2);
        Assert.True(readOnB < onB / 8, $"read {readOnB} of mirror-1's {onB} bytes");
        var scan = _f.Storage.GetStatus("tank", false, default).Scan;
        Assert.Equal(ZScanFunction.Resilver, scan.Function);
        Assert.Equal(ZScanState.Finished, scan.State);
        Assert.True(scan.Issued < scan.Examined, $"issued {scan.Issued} of {scan.Examined} examined");

        // the new side holds everything that lives on mirror-0: with a1 offline every file still reads back
        _f.Storage.OfflineDevice("tank", _f.Dev("a1"), false, default);
        _f.Reopen();
        for (int i = 0; i < files.Count; i++) Assert.Equal(files[i], _f.ReadFile("tank", "/f" + i));
        _f.Storage.OnlineDevice("tank", _f.Dev("a1"), false, default);
        WaitScan();   // onlining a1 resilvers it
        var scrub = ScrubAndWait();
        Assert.Equal(0UL, scrub.Errors);
        Assert.Equal(0UL, scrub.Repaired);
    }

    [Fact]
    public void A_scrub_still_reads_everything()
    {
        TwoMirrorsWithData();
        ulong b1 = ReadBytesOf("b1");
        var scrub = ScrubAndWait();
        Assert.Equal(scrub.Examined, scrub.Issued);
        Assert.True(ReadBytesOf("b1") - b1 > 8UL << 20);
    }

    [Fact]
    public void A_resilver_interrupted_by_export_keeps_its_scope_after_import()
    {
        var files = TwoMirrorsWithData();
        _f.NewDevice("a3");
        // attach a third side to mirror-0 and export at once: the resilver resumes at import
        _f.Storage.AttachDevice("tank", _f.Dev("a1"), _f.Dev("a3"), false, default);
        _f.Storage.ExportPool("tank", false, default);
        _f.Storage.ImportPool("tank", null, [_f.DevDir], false, null, default);
        var scan = WaitScan();
        Assert.Equal(ZScanFunction.Resilver, scan.Function);
        Assert.True(scan.Issued < scan.Examined, $"issued {scan.Issued} of {scan.Examined} examined");
        // a3 alone serves mirror-0's blocks
        _f.Storage.OfflineDevice("tank", _f.Dev("a1"), true, default);
        _f.Storage.OfflineDevice("tank", _f.Dev("a2"), true, default);
        _f.Reopen();
        for (int i = 0; i < files.Count; i++) Assert.Equal(files[i], _f.ReadFile("tank", "/f" + i));
    }

    private ZScanInfo ScrubAndWait()
    {
        _f.Storage.StartScrub("tank", default);
        return WaitScan();
    }

    private ZScanInfo WaitScan()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var s = _f.Storage.GetStatus("tank", false, default).Scan;
            if (s.State != ZScanState.Scanning || DateTime.UtcNow > deadline) return s;
            Thread.Sleep(20);
        }
    }
}
