using System.Diagnostics;
using System.Security.Cryptography;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;
using Illumos.Engine.Storage.Embedded.Vdev;
using Xunit;
using Xunit.Abstractions;

namespace Illumos.Engine.Tests.Storage;

/// <summary>
/// Crash safety. A child process (Tests/CrashWorker) writes, deletes, commits and scrubs in a seeded
/// loop and is killed with SIGKILL at a seeded moment; the pool must then import at (or after) the
/// last txg the worker saw committed, holding exactly the files of that commit or of the one in
/// flight, with a scrub finding nothing wrong. Torn label and uberblock writes are skipped by import.
/// </summary>
public class CrashTests(ITestOutputHelper output)
{
    private const string Fs = "tank/fs";

    private static bool Extended =>
        Environment.GetEnvironmentVariable("ILLUMOS_EXTENDED_TESTS") == "1" || Environment.GetEnvironmentVariable("ILLUMOS_EXTENDED") == "1";

    /// <summary>The worker built beside this test assembly (same configuration).</summary>
    private static string WorkerDll()
    {
        var baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var tfm = Path.GetFileName(baseDir);
        var config = Path.GetFileName(Path.GetDirectoryName(baseDir)!);
        var dll = Path.GetFullPath(Path.Combine(baseDir, "..", "..", "..", "..", "CrashWorker", "bin", config, tfm, "Illumos.CrashWorker.dll"));
        Assert.True(File.Exists(dll), $"The crash worker was not built: {dll}");
        return dll;
    }

    private sealed record Manifest(Dictionary<string, string> Files, ulong? Txg);

    /// <summary>The worker's complete manifests, in order; the last may still lack its COMMITTED line.</summary>
    private static List<Manifest> Parse(IEnumerable<string> lines)
    {
        var result = new List<Manifest>();
        Dictionary<string, string>? open = null;
        foreach (var line in lines)
        {
            if (line == "PENDING") open = new();
            else if (line.StartsWith("F ", StringComparison.Ordinal) && open is not null) { var p = line.Split(' '); open[p[1]] = p[2]; }
            else if (line == "END" && open is not null) { result.Add(new Manifest(open, null)); open = null; }
            else if (line.StartsWith("COMMITTED ", StringComparison.Ordinal) && result.Count > 0 && result[^1].Txg is null)
                result[^1] = result[^1] with { Txg = ulong.Parse(line[10..], System.Globalization.CultureInfo.InvariantCulture) };
        }
        return result;
    }

    private static Dictionary<string, string> Contents(EmbeddedStorage s)
    {
        var d = new Dictionary<string, string>();
        foreach (var f in s.Files.List(Fs, "/", default).Where(f => f.Type == ZFileType.File))
        {
            using var r = s.Files.OpenRead(Fs, f.Path, default);
            d[f.Name] = Convert.ToHexString(SHA256.HashData(r));
        }
        return d;
    }

    private static bool Same(Dictionary<string, string> a, Dictionary<string, string> b) => a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    [Fact]
    public void Killed_worker_leaves_a_pool_that_imports_at_its_last_commit_with_every_committed_file()
    {
        int kills = Extended ? 200 : 5;
        var root = Path.Combine(Path.GetTempPath(), "illumos-crash-" + Guid.NewGuid().ToString("N")[..8]);
        var devDir = Path.Combine(root, "dev");
        Directory.CreateDirectory(devDir);
        try
        {
            using (var s = new EmbeddedStorage(Path.Combine(root, "zfs-setup"), 32L << 20))
            {
                s.CreatePool(new PoolCreateRequest
                {
                    Name = "tank", Vdevs = Illumos.Engine.Languages.Vdev.VdevSpec.Parse(["mirror", Path.Combine(devDir, "a"), Path.Combine(devDir, "b")]),
                    CreateFileDevicesOfSize = 128UL << 20,
                }, NullSink.Instance, default);
                s.CreateFileSystem(Fs, null, false, default);
            }
            var dll = WorkerDll();
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
            var timer = Stopwatch.StartNew();
            for (int i = 0; i < kills; i++)
            {
                var rng = new Random(1000 + i);
                var zfsDir = Path.Combine(root, "zfs-" + i);
                var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "exec", dll, devDir, zfsDir, (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
                var lines = new List<string>();
                var ready = new ManualResetEventSlim();
                using var p = new Process { StartInfo = psi };
                p.OutputDataReceived += (_, e) =>
                {
                    if (e.Data is null) return;
                    lock (lines) lines.Add(e.Data);
                    if (e.Data == "READY") ready.Set();
                };
                var errors = new List<string>();
                p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.Add(e.Data); };
                p.Start();
                p.BeginOutputReadLine();
                p.BeginErrorReadLine();
                if (!ready.Wait(TimeSpan.FromSeconds(180)))
                {
                    p.Kill(true);
                    lock (lines) Assert.Fail($"kill {i}: the worker did not get ready ({lines.Count} lines out): {string.Join('\n', errors)}");
                }
                Thread.Sleep(rng.Next(20, 700));
                Assert.False(p.HasExited, $"kill {i}: the worker died by itself: {string.Join('\n', errors)}");
                p.Kill(entireProcessTree: true); // SIGKILL
                p.WaitForExit();

                List<Manifest> manifests;
                lock (lines) manifests = Parse(lines);
                var committed = manifests.Last(m => m.Txg is not null);
                var pending = manifests[^1].Txg is null ? manifests[^1] : null;

                using var s = new EmbeddedStorage(Path.Combine(root, "check-" + i), 32L << 20);
                s.ImportPool("tank", null, [devDir], false, null, default);
                var pool = s.PoolForTests("tank");
                Assert.True(pool.LastTxg >= committed.Txg, $"kill {i}: imported at txg {pool.LastTxg}, the worker saw txg {committed.Txg} committed");
                var contents = Contents(s);
                Assert.True(Same(contents, committed.Files) || (pending is not null && Same(contents, pending.Files)),
                    $"kill {i}: the pool holds neither the committed manifest (txg {committed.Txg}, {committed.Files.Count} files) nor the pending one; it holds {contents.Count} files");
                s.WaitForScrub("tank"); // a scrub the worker started continues after import
                s.StartScrub("tank", default);
                s.WaitForScrub("tank");
                var st = s.GetStatus("tank", false, default);
                Assert.Equal(ZScanState.Finished, st.Scan.State);
                Assert.Equal(0UL, st.Scan.Errors);
                Assert.All(st.Config.Flatten(), v => Assert.Equal(0UL, v.ChecksumErrors + v.ReadErrors + v.WriteErrors));
                Assert.Equal(ZHealth.ONLINE, st.State);
                output.WriteLine($"kill {i}: after {manifests.Count} manifests, txg {committed.Txg} committed, imported at {pool.LastTxg}, {contents.Count} files, {(pending is not null && Same(contents, pending.Files) && !Same(contents, committed.Files) ? "in-flight commit landed" : "last commit")}");
                s.ExportPool("tank", false, default);
            }
            output.WriteLine($"{kills} kills in {timer.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            try { Directory.Delete(root, true); } catch (IOException) { }
        }
    }

    [Fact]
    public void Torn_uberblock_and_label_writes_are_skipped_at_import()
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "mirror", "d1", "d2");
        f.Storage.CreateFileSystem(Fs, null, false, default);
        var before = StorageFixture.Bytes(200_000, 31);
        f.WriteFile(Fs, "/a", before);
        ulong good = f.Storage.PoolForTests("tank").LastTxg;
        f.WriteFile(Fs, "/a", StorageFixture.Bytes(200_000, 32)); // the txg whose uberblock write is torn
        ulong torn = f.Storage.PoolForTests("tank").LastTxg;
        Assert.Equal(good + 1, torn);
        f.Storage.CrashForTests();

        // The newest uberblock was half written on every device and label (the crash came mid-write);
        // the config of labels 0 and 2 was torn as well.
        foreach (var dev in new[] { f.Dev("d1"), f.Dev("d2") })
        {
            long aligned = new FileInfo(dev).Length / LeafDevice.LabelSize * LeafDevice.LabelSize;
            using var fs = new FileStream(dev, FileMode.Open);
            for (int l = 0; l < 4; l++)
            {
                long slot = LeafDevice.LabelOffset(l, aligned) + Uberblock.RingOffset + (long)Uberblock.SlotOf(torn) * Uberblock.SlotSize;
                fs.Position = slot + Uberblock.SlotSize / 2;
                fs.Write(new byte[Uberblock.SlotSize / 2]);
            }
            foreach (var l in new[] { 0, 2 })
            {
                fs.Position = LeafDevice.LabelOffset(l, aligned) + Label.ConfigOffset + 4096;
                fs.Write(StorageFixture.Bytes(512, 33 + l));
            }
        }
        using (var leaf = new LeafDevice(f.Dev("d1"), 0))
        {
            Assert.Null(Label.ReadConfig(leaf, 0));
            Assert.NotNull(Label.ReadConfig(leaf, 1));
            Assert.DoesNotContain(Label.ReadUberblocks(leaf), u => u.Txg == torn);
        }
        var s = f.Reopen();
        Assert.Equal(good, s.PoolForTests("tank").LastTxg);
        Assert.Equal(before, f.ReadFile(Fs, "/a"));
        s.StartScrub("tank", default);
        s.WaitForScrub("tank");
        var st = s.GetStatus("tank", false, default);
        Assert.Equal(0UL, st.Scan.Errors);
        Assert.All(st.Config.Flatten(), v => Assert.Equal(0UL, v.ChecksumErrors));
        // The pool moves on from the older txg: new commits are found by the next import.
        f.WriteFile(Fs, "/b", [1, 2, 3]);
        f.ExportImport();
        Assert.Equal([1, 2, 3], f.ReadFile(Fs, "/b"));
        Assert.Equal(before, f.ReadFile(Fs, "/a"));
    }
}
