using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Embedded.Spa;

namespace Illumos.Engine.Storage.Embedded;

/// <summary>
/// Temporary property values: what zfs mount -o does to the mount-option properties. They live in
/// memory beside the dataset and are never committed, so export, import or closing the host forgets
/// them. The engine honours them like stored values (readonly refuses writes, atime=off stops access
/// time updates). The embedded engine has no separate mount step: an imported filesystem counts as mounted.
/// </summary>
public sealed partial class EmbeddedStorage
{
    private static Dataset TemporaryTarget(Pool p, string name)
    {
        var ds = Any(p, name);
        if (ds.Kind != DatasetKind.FileSystem)
            throw IllumosException.Invalid("PropertyNotTemporary", $"'{name}' is not a filesystem; only mounted filesystems take temporary (mount option) values.", name);
        return ds;
    }

    public void SetTemporaryProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var ds = TemporaryTarget(p, name);
        if (properties.Count == 0) throw IllumosException.Invalid("NoProperties", "No property to set.", name);
        var values = properties.ToDictionary(kv => kv.Key, kv => TemporaryProperties.Validate(kv.Key, kv.Value));
        foreach (var (k, v) in values) ds.Temporary[k] = v;
    });

    public void ClearTemporaryProperty(string name, string property, bool recursive, CancellationToken ct) => Locked(() =>
    {
        var p = PoolOf(name);
        var ds = TemporaryTarget(p, name);
        TemporaryProperties.Validate(property, "on");
        ds.Temporary.Remove(property);
        if (recursive)
            foreach (var h in p.Dsl.Heads.Where(h => h.Name.StartsWith(ds.Name + "/", StringComparison.Ordinal))) h.Temporary.Remove(property);
    });

    /// <summary>zfs set and zfs inherit change the live mount too: a temporary value of the property is gone.</summary>
    private static void DropTemporary(Dataset ds, string property) => ds.Temporary.Remove(property);
}
