using System.Security.Cryptography;
using Illumos.Engine;
using Illumos.Engine.Storage.Embedded;

// Crash-harness worker: imports pool "tank" from a device directory and mutates tank/fs with a
// seeded random sequence of file writes, deletes and scrub starts, each write or delete one txg,
// until the parent kills it (SIGKILL). Before each mutation it prints the manifest the pool will
// hold once the mutation has committed ("PENDING", "F name sha256" lines, "END"), and after the
// commit "COMMITTED <txg>"; the parent then knows the pool must hold one of the last two manifests.
// Usage: Illumos.CrashWorker <device-dir> <zfs-dir> <seed>

if (args.Length != 3) { Console.Error.WriteLine("usage: Illumos.CrashWorker <device-dir> <zfs-dir> <seed>"); return 2; }
var (devDir, zfsDir, seed) = (args[0], args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
// No background commits: every txg is one the manifest describes.
var storage = new EmbeddedStorage(zfsDir, 32L << 20, backgroundCommits: false);
storage.ImportPool("tank", null, [devDir], false, null, default);
const string Fs = "tank/fs";

var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
foreach (var f in storage.Files.List(Fs, "/", default).Where(f => f.Type == Illumos.Engine.Storage.ZFileType.File))
{
    using var s = storage.Files.OpenRead(Fs, "/" + f.Name, default);
    files[f.Name] = Convert.ToHexString(SHA256.HashData(s));
}

void Announce()
{
    var lines = new List<string> { "PENDING" };
    lines.AddRange(files.Select(kv => $"F {kv.Key} {kv.Value}"));
    lines.Add("END");
    Console.Out.Write(string.Join('\n', lines) + "\n");
}

void Committed() => Console.Out.Write($"COMMITTED {storage.PoolForTests("tank").LastTxg}\n");

Announce();
Committed();
Console.Out.Write("READY\n");
var rng = new Random(seed);
for (int i = 0; i < 1_000_000; i++)
{
    int op = rng.Next(100);
    if (op < 70 || files.Count == 0)
    {
        var name = "f" + rng.Next(32);
        var data = new byte[rng.Next(1, 300_000)];
        rng.NextBytes(data);
        files[name] = Convert.ToHexString(SHA256.HashData(data));
        Announce();
        using (var w = storage.Files.OpenWrite(Fs, "/" + name, FileMode.Create, default)) w.Write(data);
        Committed();
    }
    else if (op < 90)
    {
        var name = files.Keys.ElementAt(rng.Next(files.Count));
        files.Remove(name);
        Announce();
        storage.Files.Delete(Fs, "/" + name, false, default);
        Committed();
    }
    else
    {
        try { storage.StartScrub("tank", default); }
        catch (IllumosException e) when (e.Kind == ErrorKind.ResourceBusy) { }
    }
}
return 0;
