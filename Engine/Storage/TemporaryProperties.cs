namespace Illumos.Engine.Storage;

/// <summary>
/// The properties a mount can override for as long as it lasts (zfs mount -o; zfs get shows the
/// source "temporary"), with the mount options that turn them on and off. illumos has all but
/// relatime, which OpenZFS adds.
/// </summary>
public static class TemporaryProperties
{
    public static readonly IReadOnlyDictionary<string, (string On, string Off)> MountOptions = new Dictionary<string, (string, string)>
    {
        ["atime"] = ("atime", "noatime"), ["relatime"] = ("relatime", "norelatime"), ["devices"] = ("devices", "nodevices"),
        ["exec"] = ("exec", "noexec"), ["readonly"] = ("ro", "rw"), ["setuid"] = ("setuid", "nosetuid"),
        ["xattr"] = ("xattr", "noxattr"), ["nbmand"] = ("nbmand", "nonbmand"),
    };

    /// <summary>Checks a temporary value: only mount-option properties, only on or off.</summary>
    public static string Validate(string property, string value)
    {
        if (!MountOptions.ContainsKey(property))
            throw IllumosException.Invalid("PropertyNotTemporary",
                $"'{property}' cannot be set temporarily; only the mount-option properties can ({string.Join(", ", MountOptions.Keys)}).", property);
        return value is "on" or "off" ? value
            : throw IllumosException.Invalid("PropertyBadValue", $"'{value}' is not a valid temporary value of {property}; expected on or off (a mount option).", value);
    }

    /// <summary>The mount option that gives <paramref name="property"/> the value on or off.</summary>
    public static string Option(string property, bool on) => on ? MountOptions[property].On : MountOptions[property].Off;
}
