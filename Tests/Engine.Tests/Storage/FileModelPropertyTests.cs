using CsCheck;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>
/// Random sequences of file operations (write, truncate, rename, remove, snapshot, rollback, clone,
/// export+import) applied to the engine and to an in-memory model must leave both identical, for
/// every dataset and every snapshot.
/// </summary>
public class FileModelPropertyTests
{
    private sealed class Model
    {
        public Dictionary<string, Dictionary<string, byte[]>> Live = new();
        public Dictionary<string, Dictionary<string, byte[]>> Snaps = new();
        public Dictionary<string, List<string>> SnapOrder = new();
        public int Counter;

        public static Dictionary<string, byte[]> Copy(Dictionary<string, byte[]> d) => d.ToDictionary(kv => kv.Key, kv => (byte[])kv.Value.Clone());
    }

    private static readonly string[] Files = ["/f0", "/f1", "/d/f2", "/d/f3"];

    private static void Apply(StorageFixture f, Model m, (int Op, int A, int B, int C) step)
    {
        var datasets = m.Live.Keys.Order(StringComparer.Ordinal).ToList();
        var ds = datasets[step.A % datasets.Count];
        var files = m.Live[ds];
        var file = Files[step.B % Files.Length];
        switch (step.Op)
        {
            case 0 or 1: // write (sometimes far out: sparse, sometimes across blocks)
                {
                    int offset = step.Op == 0 ? step.C % 5000 : step.C * 7 % 400_000;
                    int len = 1 + step.C % 70_000;
                    var data = new byte[len];
                    new Random(step.C).NextBytes(data);
                    using (var s = f.Storage.Files.OpenWrite(ds, file, FileMode.OpenOrCreate, default))
                    {
                        s.Position = offset;
                        s.Write(data);
                    }
                    var cur = files.GetValueOrDefault(file) ?? [];
                    var next = new byte[Math.Max(cur.Length, offset + len)];
                    cur.CopyTo(next, 0);
                    data.CopyTo(next, offset);
                    files[file] = next;
                    break;
                }
            case 2: // truncate
                if (!files.TryGetValue(file, out var t)) break;
                {
                    int len = step.C % 300_000;
                    f.Storage.Files.Truncate(ds, file, (ulong)len, default);
                    var n = new byte[len];
                    t.AsSpan(0, Math.Min(len, t.Length)).CopyTo(n);
                    files[file] = n;
                }
                break;
            case 3: // rename over another name
                {
                    var to = Files[step.C % Files.Length];
                    if (!files.ContainsKey(file) || to == file) break;
                    f.Storage.Files.Move(ds, file, to, default);
                    files[to] = files[file];
                    files.Remove(file);
                    break;
                }
            case 4: // remove
                if (!files.ContainsKey(file)) break;
                f.Storage.Files.Delete(ds, file, false, default);
                files.Remove(file);
                break;
            case 5: // snapshot
                {
                    var name = ds + "@s" + m.Counter++;
                    f.Storage.CreateSnapshots([name], false, null, default);
                    m.Snaps[name] = Model.Copy(files);
                    (m.SnapOrder.TryGetValue(ds, out var l) ? l : m.SnapOrder[ds] = new()).Add(name);
                    break;
                }
            case 6: // rollback to the latest snapshot
                if (!m.SnapOrder.TryGetValue(ds, out var order) || order.Count == 0) break;
                f.Storage.Rollback(order[^1], false, false, default);
                m.Live[ds] = Model.Copy(m.Snaps[order[^1]]);
                break;
            case 7: // clone a snapshot
                {
                    if (m.Snaps.Count == 0 || m.Live.Count >= 4) break;
                    var snap = m.Snaps.Keys.Order(StringComparer.Ordinal).ElementAt(step.C % m.Snaps.Count);
                    var name = "tank/c" + m.Counter++;
                    f.Storage.Clone(snap, name, null, false, default);
                    m.Live[name] = Model.Copy(m.Snaps[snap]);
                    break;
                }
            case 8: // export and import
                f.Storage.ExportPool("tank", false, default);
                f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
                break;
        }
    }

    private static void Compare(StorageFixture f, Model m)
    {
        foreach (var (ds, files) in m.Live.Concat(m.Snaps))
        {
            foreach (var (path, content) in files)
                Assert.True(content.AsSpan().SequenceEqual(f.ReadFile(ds, path)), $"{ds}{path} differs");
            foreach (var p in Files)
                if (!files.ContainsKey(p)) Assert.Null(f.Storage.Files.TryGet(ds, p, default));
        }
    }

    [Fact]
    public void Engine_matches_the_model_including_after_export_and_import()
    {
        var step = Gen.Select(Gen.Int[0, 8], Gen.Int[0, 10], Gen.Int[0, 10], Gen.Int[0, 1_000_000]);
        step.Array[5, 30].Sample(steps =>
        {
            using var f = new StorageFixture();
            f.CreatePool("tank", "d1");
            f.Storage.CreateFileSystem("tank/fs", new Dictionary<string, string> { ["recordsize"] = "16K" }, false, default);
            f.Storage.Files.CreateDirectory("tank/fs", "/d", false, default);
            var m = new Model();
            m.Live["tank/fs"] = new();
            foreach (var s in steps) Apply(f, m, s);
            Compare(f, m);
            f.Storage.ExportPool("tank", false, default);
            f.Reopen();
            f.Storage.ImportPool("tank", null, [f.DevDir], false, null, default);
            Compare(f, m);
        }, iter: 25, threads: 1, seed: null);
    }
}
