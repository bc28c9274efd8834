using System.Text.Json;

namespace Illumos.Engine.Storage.Embedded;

/// <summary>etc/zfs/zpool.cache: the imported pools of this host and their device paths (absolute), written atomically.</summary>
public sealed class PoolCache
{
    public sealed record Entry(string Name, ulong Guid, List<string> Devices);

    public List<Entry> Pools { get; set; } = new();

    public static PoolCache Load(string path)
    {
        if (!File.Exists(path)) return new PoolCache();
        try { return JsonSerializer.Deserialize<PoolCache>(File.ReadAllBytes(path)) ?? new PoolCache(); }
        catch (JsonException e) { throw new IllumosException(ErrorKind.InvalidData, "PoolCacheCorrupt", $"'{path}' is not a readable pool cache: {e.Message}", path, e); }
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true }));
}
