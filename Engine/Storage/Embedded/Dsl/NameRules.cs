namespace Illumos.Engine.Storage.Embedded.Dsl;

/// <summary>ZFS's naming rules for pools, datasets, snapshots and bookmarks (zfs_namecheck.c's rules).</summary>
public static class NameRules
{
    public const int MaxNameLength = 255;
    private static readonly string[] ReservedPoolNames = ["mirror", "raidz", "raidz1", "raidz2", "raidz3", "draid", "spare", "log", "cache", "special", "dedup"];

    private static bool ValidChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':' or '.' or ' ';

    public static void CheckPoolName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw Bad("PoolNameInvalid", name, "the name is empty");
        if (name.Length > MaxNameLength) throw Bad("PoolNameInvalid", name, "it is longer than 255 characters");
        if (!char.IsAsciiLetter(name[0])) throw Bad("PoolNameInvalid", name, "it must begin with a letter");
        foreach (var c in name) if (!ValidChar(c)) throw Bad("PoolNameInvalid", name, $"'{c}' is not allowed (letters, digits, '_', '-', ':', '.' and space are)");
        if (ReservedPoolNames.Contains(name) || name.StartsWith("raidz", StringComparison.Ordinal) || name.StartsWith("draid", StringComparison.Ordinal))
            throw Bad("PoolNameReserved", name, "the name is reserved");
        if (name.Length >= 2 && name[0] == 'c' && char.IsAsciiDigit(name[1])) throw Bad("PoolNameReserved", name, "names beginning with c and a digit are reserved for devices");
    }

    /// <summary>Checks a filesystem/volume name (no '@' or '#').</summary>
    public static void CheckDatasetName(string name)
    {
        if (string.IsNullOrEmpty(name)) throw Bad("DatasetNameInvalid", name, "the name is empty");
        if (name.Length > MaxNameLength) throw Bad("DatasetNameTooLong", name, "it is longer than 255 characters");
        if (name.Contains('@') || name.Contains('#')) throw Bad("DatasetNameInvalid", name, "a filesystem or volume name cannot contain '@' or '#'");
        if (name.StartsWith('/') || name.EndsWith('/')) throw Bad("DatasetNameInvalid", name, "it cannot begin or end with '/'");
        foreach (var comp in name.Split('/')) CheckComponent(name, comp);
    }

    private static void CheckComponent(string name, string comp)
    {
        if (comp.Length == 0) throw Bad("DatasetNameInvalid", name, "it has an empty component ('//')");
        if (comp is "." or "..") throw Bad("DatasetNameInvalid", name, "'.' and '..' are not names");
        foreach (var c in comp) if (!ValidChar(c)) throw Bad("DatasetNameInvalid", name, $"'{c}' is not allowed (letters, digits, '_', '-', ':', '.' and space are)");
    }

    /// <summary>Splits "fs@snap" and checks both parts.</summary>
    public static (string Dataset, string Snap) SplitSnapshot(string name)
    {
        int at = name.IndexOf('@');
        if (at < 0) throw Bad("SnapshotNameInvalid", name, "a snapshot name needs '@'");
        if (name.IndexOf('@', at + 1) >= 0) throw Bad("SnapshotNameInvalid", name, "'@' may appear only once");
        if (name.Contains('#')) throw Bad("SnapshotNameInvalid", name, "a snapshot name cannot contain '#'");
        if (name.Length > MaxNameLength) throw Bad("DatasetNameTooLong", name, "it is longer than 255 characters");
        var ds = name[..at];
        var snap = name[(at + 1)..];
        CheckDatasetName(ds);
        if (snap.Length == 0 || snap.Contains('/')) throw Bad("SnapshotNameInvalid", name, "the part after '@' must be a non-empty name without '/'");
        CheckComponent(name, snap);
        return (ds, snap);
    }

    public static (string Dataset, string Bookmark) SplitBookmark(string name)
    {
        int at = name.IndexOf('#');
        if (at < 0 || name.IndexOf('#', at + 1) >= 0 || name.Contains('@')) throw Bad("BookmarkNameInvalid", name, "a bookmark name has exactly one '#' and no '@'");
        var ds = name[..at];
        var bm = name[(at + 1)..];
        CheckDatasetName(ds);
        if (bm.Length == 0 || bm.Contains('/')) throw Bad("BookmarkNameInvalid", name, "the part after '#' must be a non-empty name without '/'");
        CheckComponent(name, bm);
        return (ds, bm);
    }

    private static IllumosException Bad(string id, string name, string why) =>
        IllumosException.Invalid(id, $"'{name}' is not a valid name: {why}.", name);
}
