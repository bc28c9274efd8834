namespace Illumos.Engine.Native.Commands;

/// <summary>
/// Validation of every name that goes into a native command line, before anything is sent. The rules
/// are ZFS's (zfs_namecheck.c): components of letters, digits, '-', '_', '.', ':' and blank, no empty,
/// "." or ".." components, one '@' (snapshot) or '#' (bookmark), at most 255 characters; pool names
/// start with a letter and avoid zpool's reserved words. Values that are not names (property values,
/// hold tags, device paths) may hold anything but NUL, and never start with '-' where zpool or zfs
/// would take them for an option.
/// </summary>
public static class NativeNames
{
    public const int MaxNameLength = 255;

    private static bool ValidChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or ':' or ' ';

    private static IllumosException Bad(string what, string name, string why) =>
        IllumosException.Invalid("InvalidName", $"'{Printable(name)}' is not a valid {what} name: {why}.", name);

    /// <summary>The name with control characters made visible, for messages.</summary>
    public static string Printable(string s) =>
        string.Concat(s.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));

    public static string Pool(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw Bad("pool", name, "it is empty");
        if (name.Length > MaxNameLength) throw Bad("pool", name, $"it is longer than {MaxNameLength} characters");
        if (!char.IsAsciiLetter(name[0])) throw Bad("pool", name, "it must begin with a letter");
        foreach (var c in name) if (!ValidChar(c)) throw Bad("pool", name, $"the character '{Printable(c.ToString())}' is not allowed");
        // zpool's own vdev words cannot name a pool (OpenZFS and illumos accept names that merely begin
        // with them, such as "sparepool", so only the words themselves and mirror-N/raidzN-N forms are refused).
        if (name is "mirror" or "raidz" or "raidz1" or "raidz2" or "raidz3" or "draid" or "spare" or "log" or "cache" or "special" or "dedup"
            || System.Text.RegularExpressions.Regex.IsMatch(name, @"^(mirror|raidz[123]?|draid[123]?|spare|replacing)-\d+$"))
            throw Bad("pool", name, "the name is reserved by zpool");
        return name;
    }

    /// <summary>A filesystem or volume name ("pool/a/b").</summary>
    public static string Dataset(string name) => Check(name, "dataset", allowSnapshot: false, allowBookmark: false);

    /// <summary>A snapshot name ("pool/a@snap").</summary>
    public static string Snapshot(string name)
    {
        Check(name, "snapshot", allowSnapshot: true, allowBookmark: false);
        if (!name.Contains('@')) throw Bad("snapshot", name, "it has no '@'");
        return name;
    }

    /// <summary>A bookmark name ("pool/a#mark").</summary>
    public static string Bookmark(string name)
    {
        Check(name, "bookmark", allowSnapshot: false, allowBookmark: true);
        if (!name.Contains('#')) throw Bad("bookmark", name, "it has no '#'");
        return name;
    }

    /// <summary>A dataset, snapshot or bookmark name.</summary>
    /// <summary>A receive_resume_token: "1-" then hex fields separated by '-' (nothing a shell could read otherwise).</summary>
    public static string ResumeToken(string token)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(token, @"^[0-9]+-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\z"))
            throw IllumosException.Invalid("ResumeTokenInvalid", "A resume token is a version, two hex numbers and hex data separated by '-', as zfs get receive_resume_token prints it.", token);
        return token;
    }

    public static string Any(string name) => Check(name, "dataset, snapshot or bookmark", allowSnapshot: true, allowBookmark: true);

    private static string Check(string name, string what, bool allowSnapshot, bool allowBookmark)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) throw Bad(what, name, "it is empty");
        if (name.Length > MaxNameLength) throw Bad(what, name, $"it is longer than {MaxNameLength} characters");
        int at = name.IndexOf('@'), hash = name.IndexOf('#');
        if (at >= 0 && hash >= 0) throw Bad(what, name, "it has both '@' and '#'");
        if (at >= 0 && !allowSnapshot) throw Bad(what, name, "a snapshot is not allowed here");
        if (hash >= 0 && !allowBookmark) throw Bad(what, name, "a bookmark is not allowed here");
        int sep = at >= 0 ? at : hash;
        if (sep >= 0 && name.IndexOf(name[sep], sep + 1) >= 0) throw Bad(what, name, $"it has more than one '{name[sep]}'");
        var path = sep >= 0 ? name[..sep] : name;
        var components = path.Split('/');
        Pool(components[0]);
        foreach (var c in components.Skip(1))
        {
            if (c.Length == 0) throw Bad(what, name, "it has an empty component (a doubled or trailing '/')");
            if (c is "." or "..") throw Bad(what, name, "'.' and '..' are not allowed as components");
            foreach (var ch in c) if (!ValidChar(ch)) throw Bad(what, name, $"the character '{Printable(ch.ToString())}' is not allowed");
        }
        if (sep >= 0)
        {
            var tail = name[(sep + 1)..];
            if (tail.Length == 0) throw Bad(what, name, $"nothing follows '{name[sep]}'");
            foreach (var ch in tail) if (!ValidChar(ch)) throw Bad(what, name, $"the character '{Printable(ch.ToString())}' is not allowed");
        }
        return name;
    }

    /// <summary>A snapshot's short name (the part after '@').</summary>
    public static string SnapshotShortName(string name)
    {
        if (name.Length == 0 || name.Length > MaxNameLength || !name.All(ValidChar)) throw Bad("snapshot", name, "only letters, digits, '-', '_', '.', ':' and blanks are allowed");
        return name;
    }

    /// <summary>
    /// A property name: native ([a-z][a-z0-9_]*), user ("module:name", lower-case letters, digits, ':', '-', '.', '_'),
    /// pool features ("feature@name"), or user/group/project quota and usage ("userquota@someone").
    /// </summary>
    public static string Property(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        IllumosException BadProp(string why) => IllumosException.Invalid("InvalidPropertyName", $"'{Printable(name)}' is not a valid property name: {why}.", name);
        if (name.Length == 0) throw BadProp("it is empty");
        if (name.Length > 256) throw BadProp("it is longer than 256 characters");
        int at = name.IndexOf('@');
        if (at > 0)
        {
            var prefix = name[..at];
            var rest = name[(at + 1)..];
            bool known = prefix is "feature" or "unsupported" or "userquota" or "groupquota" or "projectquota" or "userused" or "groupused" or "projectused"
                or "userobjquota" or "groupobjquota" or "projectobjquota" or "userobjused" or "groupobjused" or "projectobjused" or "written";
            if (!known) throw BadProp($"'{prefix}@' is not a property prefix");
            if (rest.Length == 0) throw BadProp("nothing follows '@'");
            if (rest.Any(c => char.IsControl(c) || c == ' ' || c == '=')) throw BadProp("blanks, '=' and control characters are not allowed after '@'");
            return name;
        }
        if (!char.IsAsciiLetterLower(name[0])) throw BadProp("it must begin with a lower-case letter");
        bool user = name.Contains(':');
        foreach (var c in name)
        {
            bool ok = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_' || (user && (c is ':' or '-' or '.'));
            if (!ok) throw BadProp($"the character '{Printable(c.ToString())}' is not allowed");
        }
        return name;
    }

    /// <summary>A property value: anything but NUL (the quoting carries the rest intact).</summary>
    public static string PropertyValue(string property, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0')) throw IllumosException.Invalid("InvalidPropertyValue", $"The value for '{property}' contains a NUL character.", property);
        return value;
    }

    /// <summary>A device (a path or a short disk name): not empty, no NUL or newline, not starting with '-'.</summary>
    public static string Device(string device) => Operand(device, "device", "InvalidDeviceName");

    /// <summary>A hold tag: not empty, no NUL, not starting with '-'.</summary>
    public static string Tag(string tag) => Operand(tag, "hold tag", "InvalidHoldTag", allowNewline: true);

    /// <summary>A directory to search for devices (zpool import -d).</summary>
    public static string Directory(string dir) => Operand(dir, "directory", "InvalidDirectory");

    private static string Operand(string value, string what, string errorId, bool allowNewline = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0) throw IllumosException.Invalid(errorId, $"The {what} name is empty.", value);
        if (value.Length > 4096) throw IllumosException.Invalid(errorId, $"The {what} name is longer than 4096 characters.", value);
        if (value[0] == '-') throw IllumosException.Invalid(errorId, $"The {what} '{Printable(value)}' starts with '-', which the command would read as an option.", value);
        if (value.Contains('\0') || (!allowNewline && (value.Contains('\n') || value.Contains('\r'))))
            throw IllumosException.Invalid(errorId, $"The {what} '{Printable(value)}' contains a control character.", value);
        return value;
    }

    /// <summary>A zone name: letters, digits, '-', '_', '.', starting with a letter or digit, at most 64 characters.</summary>
    public static string Zone(string name)
    {
        if (name.Length is 0 or > 64 || !char.IsAsciiLetterOrDigit(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            throw IllumosException.Invalid("InvalidZoneName", $"'{Printable(name)}' is not a valid zone name.", name);
        return name;
    }

    /// <summary>A datalink name: a letter, then letters, digits, '_' or '.', at most 31 characters.</summary>
    public static string Link(string name)
    {
        if (name.Length is 0 or > 31 || !char.IsAsciiLetter(name[0]) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.'))
            throw IllumosException.Invalid("InvalidLinkName", $"'{Printable(name)}' is not a valid datalink name.", name);
        return name;
    }

    /// <summary>An SMF FMRI or pattern: no blanks or control characters, not starting with '-'.</summary>
    public static string Fmri(string fmri)
    {
        if (fmri.Length == 0 || fmri[0] == '-' || fmri.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            throw IllumosException.Invalid("InvalidFmri", $"'{Printable(fmri)}' is not a valid service FMRI.", fmri);
        return fmri;
    }

    /// <summary>A VM UUID (8-4-4-4-12 hex digits).</summary>
    public static string Uuid(string uuid)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(uuid, "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\z"))
            throw IllumosException.Invalid("InvalidUuid", $"'{Printable(uuid)}' is not a UUID.", uuid);
        return uuid;
    }
}
