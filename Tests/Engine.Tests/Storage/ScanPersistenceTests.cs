using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>Scrub and resilver state kept in the MOS: export/import, a new process and a crash continue where the scan stopped.</summary>
public class ScanPersistenceTests
{
    private static Dictionary<string, byte[]> Populate(StorageFixture f)
    {
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off", ["recordsize"] = "16K" }, false, default);
        var files = new Dictionary<string, byte[]>();
        for (int i = 0; i < 8; i++)
        {
            var d = StorageFixture.Bytes(300_000 + i * 50_000, 40 + i);
            f.WriteFile("tank/fs", "/f" + i, d);
            files["/f" + i] = d;
        }
        return files;
    }

    private static void Damage(string path, int seed)
    {
        using var fs = new FileStream(path, FileMode.Open);
        var junk = new byte[1 << 20];
        new Random(seed).NextBytes(junk);
        for (long off = 4L << 20; off < 40L << 20; off += junk.Length) { fs.Position = off; fs.Write(junk); }
    }

    /// <summary>Starts a slowed-down scrub and returns once it has examined something.</summary>
    private static void StartSlowScrub(StorageFixture f)
    {
        f.Storage.PoolForTests("tank").ScanThrottleForTests = 3;
        f.Storage.StartScrub("tank", default);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (f.Storage.GetStatus("tank", false, default).Scan.Examined == 0 && DateTime.UtcNow < until) Thread.Sleep(5);
    }

    private static ZScanInfo FullScrub(StorageFixture f)
    {
        f.Storage.StartScrub("tank", default);
        f.Storage.WaitForScrub("tank");
        return f.Storage.GetStatus("tank", false, default).Scan;
    }

    [Fact]
    public void Paused_scrub_survives_export_and_import_and_continues_from_its_bookmark()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        var files = Populate(f);
        long reference = (long)FullScrub(f).Examined;
        f.Reopen();
        Damage(f.Dev("d2"), 7);
        f.Reopen();
        StartSlowScrub(f);
        f.Storage.PauseScrub("tank", default);
        var paused = f.Storage.GetStatus("tank", false, default).Scan;
        Assert.Equal(ZScanState.Paused, paused.State);
        Assert.True(paused.Examined < (ulong)reference, $"paused at {paused.Examined} of {reference}");

        f.Storage.ExportPool("tank", false, default);
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        var imported = f.Storage.GetStatus("tank", false, default).Scan;
        Assert.Equal(ZScanState.Paused, imported.State);
        Assert.Equal(ZScanFunction.Scrub, imported.Function);
        Assert.Equal(paused.Examined, imported.Examined);
        Assert.Equal(paused.Repaired, imported.Repaired);
        Assert.Equal(paused.StartTime!.Value.ToUnixTimeMilliseconds(), imported.StartTime!.Value.ToUnixTimeMilliseconds());
        Assert.NotNull(imported.PauseTime);
        Assert.Contains("scrub paused since", ZPoolStatusText.Render(f.Storage.GetStatus("tank", false, default)));

        // A new process on the same host sees the same paused scrub.
        f.Reopen();
        Assert.Equal(ZScanState.Paused, f.Storage.GetStatus("tank", false, default).Scan.State);

        f.Storage.StartScrub("tank", default); // resumes, does not restart
        f.Storage.WaitForScrub("tank");
        var done = f.Storage.GetStatus("tank", true, default).Scan;
        Assert.Equal(ZScanState.Finished, done.State);
        Assert.Equal(0UL, done.Errors);
        Assert.Equal(paused.StartTime.Value.ToUnixTimeMilliseconds(), done.StartTime!.Value.ToUnixTimeMilliseconds());
        // Continued, not restarted: about one pool's worth examined in total (the MOS changed a little meanwhile).
        Assert.InRange((long)done.Examined, reference * 8 / 10, reference * 12 / 10);
        Assert.True(done.Repaired > paused.Repaired);

        // Every block was repaired on d2 by the two passes together: d1 can now go bad.
        f.Storage.Dispose();
        Damage(f.Dev("d1"), 8);
        f.Reopen();
        foreach (var (p, d) in files) Assert.Equal(d, f.ReadFile("tank/fs", p));
    }

    [Fact]
    public void Running_scrub_continues_by_itself_after_a_crash_and_its_summary_persists()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        Populate(f);
        StartSlowScrub(f);
        Thread.Sleep(100);
        f.Storage.Commit("tank"); // a txg commits the scan's bookmark, as every txg does while it runs
        var before = f.Storage.GetStatus("tank", false, default).Scan;
        f.Storage.CrashForTests();
        var s = f.Reopen();
        var resumed = s.GetStatus("tank", false, default).Scan;
        Assert.True(resumed.State is ZScanState.Scanning or ZScanState.Finished);
        // The scrub thread may commit again between the status read and the crash, so only a lower bound
        // holds: the import starts from a committed bookmark, not from zero ("scrub resumed" below).
        Assert.True(resumed.Examined > 0, $"resumed at {resumed.Examined}, {before.Examined} examined before the crash");
        s.WaitForScrub("tank");
        Assert.Contains(s.GetHistory("tank", true, default), h => h.Command.StartsWith("scrub resumed", StringComparison.Ordinal));
        var done = s.GetStatus("tank", false, default);
        Assert.Equal(ZScanState.Finished, done.Scan.State);

        f.Reopen();
        var again = f.Storage.GetStatus("tank", false, default);
        Assert.Equal(ZScanState.Finished, again.Scan.State);
        Assert.Equal(done.Scan.Examined, again.Scan.Examined);
        Assert.Equal(done.Scan.EndTime!.Value.ToUnixTimeMilliseconds(), again.Scan.EndTime!.Value.ToUnixTimeMilliseconds());
        Assert.Matches(@"scrub repaired 0B in \d\d:\d\d:\d\d with 0 errors on \w{3} \w{3}", ZPoolStatusText.ScanLine(again.Scan));
    }

    [Fact]
    public void Canceled_scrub_and_its_errors_are_remembered_across_import()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["compression"] = "off" }, false, default);
        var lost = StorageFixture.Bytes(1 << 20, 2);
        f.WriteFile("tank/fs", "/lost", lost);
        f.Storage.Dispose();
        var bytes = File.ReadAllBytes(f.Dev("d1"));
        int at = bytes.AsSpan().IndexOf(lost.AsSpan(0, 4096));
        using (var fs = new FileStream(f.Dev("d1"), FileMode.Open)) { fs.Position = at + 10; fs.Write(new byte[64]); }
        f.Reopen();
        var scan = FullScrub(f);
        Assert.Equal(1UL, scan.Errors);
        f.Reopen();
        var st = f.Storage.GetStatus("tank", true, default);
        Assert.Equal(1UL, st.Scan.Errors);
        Assert.Equal("tank/fs:/lost", Assert.Single(st.Errors).Location);

        StartSlowScrub(f);
        f.Storage.StopScrub("tank", default);
        f.Reopen();
        Assert.Equal(ZScanState.Canceled, f.Storage.GetStatus("tank", false, default).Scan.State);
        var e = Assert.Throws<IllumosException>(() => f.Storage.StopScrub("tank", default));
        Assert.Equal("NoActiveScrub", e.ErrorId);
    }

    [Fact]
    public void Resilver_interrupted_by_export_continues_after_import()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        var files = Populate(f);
        f.NewDevice("d2");
        f.Storage.PoolForTests("tank").ScanThrottleForTests = 3;
        f.Storage.AttachDevice("tank", f.Dev("d1"), f.Dev("d2"), false, default);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (f.Storage.GetStatus("tank", false, default).Scan.Examined == 0 && DateTime.UtcNow < until) Thread.Sleep(5);
        var partial = f.Storage.GetStatus("tank", false, default).Scan;
        Assert.Equal(ZScanFunction.Resilver, partial.Function);
        Assert.Equal("ResilverInProgress", Assert.Throws<IllumosException>(() => f.Storage.PauseScrub("tank", default)).ErrorId);
        Assert.Equal("ResilverInProgress", Assert.Throws<IllumosException>(() => f.Storage.StopScrub("tank", default)).ErrorId);
        Assert.Equal("ResilverInProgress", Assert.Throws<IllumosException>(() => f.Storage.StartScrub("tank", default)).ErrorId);
        Assert.Equal(ZScanState.Scanning, partial.State);
        f.ExportImport();
        var resumed = f.Storage.GetStatus("tank", false, default).Scan;
        Assert.Equal(ZScanFunction.Resilver, resumed.Function);
        Assert.Equal(partial.StartTime!.Value.ToUnixTimeMilliseconds(), resumed.StartTime!.Value.ToUnixTimeMilliseconds());
        f.Storage.WaitForScrub("tank");
        Assert.Equal(ZScanState.Finished, f.Storage.GetStatus("tank", false, default).Scan.State);
        // d2 now holds everything.
        f.Storage.ExportPool("tank", false, default);
        File.Delete(f.Dev("d1"));
        f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
        foreach (var (p, d) in files) Assert.Equal(d, f.ReadFile("tank/fs", p));
    }
}
