using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Illumos.Engine.Storage.Embedded;

namespace Illumos.Engine.Tests.Storage;

/// <summary>A temporary host directory with an embedded storage engine over file devices.</summary>
public sealed class StorageFixture : IDisposable
{
    public const ulong DeviceSize = 64UL << 20;

    public StorageFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "illumos-storage-test-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(DevDir);
        Storage = Open();
    }

    public string Root { get; }
    public string DevDir => Path.Combine(Root, "dev");
    public string ZfsDir => Path.Combine(Root, "etc", "zfs");
    public EmbeddedStorage Storage { get; private set; }

    public EmbeddedStorage Open(long arc = 64L << 20) => new(ZfsDir, arc);

    /// <summary>Closes the engine and opens a new one on the same host directory (a new process, in effect).</summary>
    public EmbeddedStorage Reopen(long arc = 64L << 20)
    {
        Storage.Dispose();
        Storage = Open(arc);
        return Storage;
    }

    /// <summary>Seeded random bytes.</summary>
    public static byte[] Bytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    public string Dev(string name) => Path.Combine(DevDir, name);

    /// <summary>A blank device file of the default size.</summary>
    public void NewDevice(string name)
    {
        using var fs = new FileStream(Dev(name), FileMode.CreateNew);
        fs.SetLength((long)DeviceSize);
    }

    /// <summary>zpool export, then zpool import -d of the device directory.</summary>
    public void ExportImport(string pool = "tank")
    {
        Storage.ExportPool(pool, false, default);
        Storage.ImportPool(pool, null, [DevDir], false, null, default);
    }

    public ZPool CreatePool(string name, params string[] words)
    {
        var spec = VdevSpec.Parse(words.Select(w => w is "mirror" or "log" or "cache" or "spare" or "special" or "dedup" or "raidz" or "raidz1" or "raidz2" or "raidz3" ? w : Dev(w)).ToList());
        return Storage.CreatePool(new PoolCreateRequest { Name = name, Vdevs = spec, CreateFileDevicesOfSize = DeviceSize }, NullSink.Instance, default);
    }

    public void WriteFile(string dataset, string path, byte[] data, FileMode mode = FileMode.Create)
    {
        using var s = Storage.Files.OpenWrite(dataset, path, mode, default);
        s.Write(data);
    }

    public byte[] ReadFile(string dataset, string path)
    {
        using var s = Storage.Files.OpenRead(dataset, path, default);
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    public void Dispose()
    {
        Storage.Dispose();
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
