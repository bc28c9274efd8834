using System.Globalization;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Commands;

/// <summary>
/// argv builders for <c>zfs</c>. Every name is validated with <see cref="NativeNames"/> here, so a
/// command that would carry an invalid name is never built. Property lists are emitted in ordinal
/// order so that the same request always gives the same command.
/// </summary>
public static class ZfsCommands
{
    public const string Tool = "zfs";

    private static string Num(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    internal static IEnumerable<string> PropertyOptions(string flag, IReadOnlyDictionary<string, string>? properties)
    {
        if (properties is null) yield break;
        foreach (var (k, v) in properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            yield return flag;
            yield return NativeNames.Property(k) + "=" + NativeNames.PropertyValue(k, v);
        }
    }

    /// <summary><c>zfs list -Hp|-jp -o fields -t types [-r | -d N] [-s createtxg] [names...]</c></summary>
    public static string[] List(IReadOnlyList<string> fields, string types, IReadOnlyList<string>? names, bool recursive, int? depth, bool json = false, string? sortBy = null)
    {
        var a = new List<string> { Tool, "list" };
        if (json) { a.Add("-j"); a.Add("-p"); } else a.Add("-Hp");
        a.Add("-o"); a.Add(string.Join(',', fields.Select(NativeNames.Property)));
        a.Add("-t"); a.Add(types);
        if (depth is { } d)
        {
            if (d < 0) throw IllumosException.Invalid("InvalidDepth", "The depth must be zero or more.", d);
            a.Add("-d"); a.Add(d.ToString(CultureInfo.InvariantCulture));
        }
        else if (recursive) a.Add("-r");
        if (sortBy is not null) { a.Add("-s"); a.Add(NativeNames.Property(sortBy)); }
        if (names is not null) a.AddRange(names.Select(NativeNames.Any));
        return a.ToArray();
    }

    /// <summary><c>zfs get -Hp -o name,property,value,source [-r] all|p1,p2 name</c></summary>
    public static string[] Get(string name, IReadOnlyList<string>? properties, bool recursive = false, bool json = false)
    {
        var a = new List<string> { Tool, "get" };
        if (json) { a.Add("-j"); a.Add("-p"); } else { a.Add("-Hp"); a.Add("-o"); a.Add("name,property,value,source"); }
        if (recursive) a.Add("-r");
        a.Add(properties is null || properties.Count == 0 ? "all" : string.Join(',', properties.Select(NativeNames.Property)));
        a.Add(NativeNames.Any(name));
        return a.ToArray();
    }

    /// <summary><c>zfs create [-p] [-o p=v]... name</c></summary>
    public static string[] CreateFileSystem(string name, IReadOnlyDictionary<string, string>? properties, bool parents)
    {
        var a = new List<string> { Tool, "create" };
        if (parents) a.Add("-p");
        a.AddRange(PropertyOptions("-o", properties));
        a.Add(NativeNames.Dataset(name));
        return a.ToArray();
    }

    /// <summary><c>zfs create [-p] [-s] [-b bs] [-o p=v]... -V size name</c></summary>
    public static string[] CreateVolume(string name, ulong size, bool sparse, ulong? blockSize, IReadOnlyDictionary<string, string>? properties, bool parents)
    {
        if (size == 0) throw IllumosException.Invalid("InvalidVolumeSize", "A volume needs a size greater than zero.", name);
        var a = new List<string> { Tool, "create" };
        if (parents) a.Add("-p");
        if (sparse) a.Add("-s");
        if (blockSize is { } bs) { a.Add("-b"); a.Add(Num(bs)); }
        a.AddRange(PropertyOptions("-o", properties));
        a.Add("-V"); a.Add(Num(size));
        a.Add(NativeNames.Dataset(name));
        return a.ToArray();
    }

    /// <summary><c>zfs clone [-p] [-o p=v]... snapshot name</c></summary>
    public static string[] Clone(string snapshot, string name, IReadOnlyDictionary<string, string>? properties, bool parents)
    {
        var a = new List<string> { Tool, "clone" };
        if (parents) a.Add("-p");
        a.AddRange(PropertyOptions("-o", properties));
        a.Add(NativeNames.Snapshot(snapshot));
        a.Add(NativeNames.Dataset(name));
        return a.ToArray();
    }

    public static string[] Promote(string clone) => [Tool, "promote", NativeNames.Dataset(clone)];

    /// <summary><c>zfs rename [-p] old new</c> (datasets) or <c>zfs rename [-r] snap newsnap</c>.</summary>
    public static string[] Rename(string name, string newName, bool parents, bool recursive = false)
    {
        var a = new List<string> { Tool, "rename" };
        if (parents) a.Add("-p");
        if (recursive) a.Add("-r");
        if (name.Contains('@')) { a.Add(NativeNames.Snapshot(name)); a.Add(NativeNames.Snapshot(newName)); }
        else { a.Add(NativeNames.Dataset(name)); a.Add(NativeNames.Dataset(newName)); }
        return a.ToArray();
    }

    /// <summary><c>zfs destroy [-n] -v -p [-r] [-R] name</c>: -vp lists what goes (in order) in both the real and the dry run.</summary>
    public static string[] Destroy(string name, bool recursive, bool recursiveDependents, bool dryRun)
    {
        var a = new List<string> { Tool, "destroy" };
        if (dryRun) a.Add("-n");
        a.Add("-v"); a.Add("-p");
        if (recursive) a.Add("-r");
        if (recursiveDependents) a.Add("-R");
        a.Add(NativeNames.Any(name));
        return a.ToArray();
    }

    /// <summary><c>zfs set p=v [p=v]... name</c> (several properties in one command).</summary>
    public static string[] Set(string name, IReadOnlyDictionary<string, string> properties)
    {
        if (properties.Count == 0) throw IllumosException.Invalid("NoProperties", "No property to set.", name);
        var a = new List<string> { Tool, "set" };
        a.AddRange(properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => NativeNames.Property(p.Key) + "=" + NativeNames.PropertyValue(p.Key, p.Value)));
        a.Add(NativeNames.Any(name));
        return a.ToArray();
    }

    /// <summary><c>zfs inherit [-r] [-S] property name</c></summary>
    public static string[] Inherit(string name, string property, bool recursive, bool revertToReceived)
    {
        var a = new List<string> { Tool, "inherit" };
        if (recursive) a.Add("-r");
        if (revertToReceived) a.Add("-S");
        a.Add(NativeNames.Property(property));
        a.Add(NativeNames.Any(name));
        return a.ToArray();
    }

    /// <summary>
    /// <c>zfs mount -o remount,opt[,opt]... name</c>: temporary values of mount-option properties (both
    /// illumos and OpenZFS remount a mounted filesystem when the options include remount).
    /// </summary>
    public static string[] Remount(string name, IEnumerable<string> mountOptions) =>
        [Tool, "mount", "-o", string.Join(',', new[] { "remount" }.Concat(mountOptions)), NativeNames.Dataset(name)];

    /// <summary><c>zfs snapshot [-r] [-o p=v]... snap...</c></summary>
    public static string[] Snapshot(IReadOnlyList<string> snapshots, bool recursive, IReadOnlyDictionary<string, string>? properties)
    {
        if (snapshots.Count == 0) throw IllumosException.Invalid("NoSnapshots", "No snapshot to create.", null);
        var a = new List<string> { Tool, "snapshot" };
        if (recursive) a.Add("-r");
        a.AddRange(PropertyOptions("-o", properties));
        a.AddRange(snapshots.Select(NativeNames.Snapshot));
        return a.ToArray();
    }

    /// <summary><c>zfs rollback [-r] [-R] snapshot</c></summary>
    public static string[] Rollback(string snapshot, bool destroyNewer, bool destroyClones)
    {
        var a = new List<string> { Tool, "rollback" };
        if (destroyNewer) a.Add("-r");
        if (destroyClones) a.Add("-R");
        a.Add(NativeNames.Snapshot(snapshot));
        return a.ToArray();
    }

    public static string[] Hold(string snapshot, string tag, bool recursive) =>
        recursive ? [Tool, "hold", "-r", NativeNames.Tag(tag), NativeNames.Snapshot(snapshot)] : [Tool, "hold", NativeNames.Tag(tag), NativeNames.Snapshot(snapshot)];

    public static string[] Release(string snapshot, string tag, bool recursive) =>
        recursive ? [Tool, "release", "-r", NativeNames.Tag(tag), NativeNames.Snapshot(snapshot)] : [Tool, "release", NativeNames.Tag(tag), NativeNames.Snapshot(snapshot)];

    /// <summary><c>zfs holds -H [-r] snapshot</c></summary>
    public static string[] Holds(string snapshot, bool recursive) =>
        recursive ? [Tool, "holds", "-H", "-r", NativeNames.Snapshot(snapshot)] : [Tool, "holds", "-H", NativeNames.Snapshot(snapshot)];

    /// <summary><c>zfs bookmark snapshot|bookmark bookmark</c></summary>
    public static string[] Bookmark(string source, string bookmark) =>
        [Tool, "bookmark", source.Contains('#') ? NativeNames.Bookmark(source) : NativeNames.Snapshot(source), NativeNames.Bookmark(bookmark)];

    /// <summary><c>zfs diff -FHt snapshot [snapshot|filesystem]</c></summary>
    public static string[] Diff(string snapshot, string? other) =>
        other is null ? [Tool, "diff", "-FHt", NativeNames.Snapshot(snapshot)] : [Tool, "diff", "-FHt", NativeNames.Snapshot(snapshot), NativeNames.Any(other)];

    /// <summary><c>zfs allow filesystem</c> (display)</summary>
    public static string[] Allow(string dataset) => [Tool, "allow", NativeNames.Dataset(dataset)];

    /// <summary>The -t word for a set of dataset types.</summary>
    public static string Types(ZDatasetType types)
    {
        var t = new List<string>();
        if (types.HasFlag(ZDatasetType.FileSystem)) t.Add("filesystem");
        if (types.HasFlag(ZDatasetType.Volume)) t.Add("volume");
        if (types.HasFlag(ZDatasetType.Snapshot)) t.Add("snapshot");
        if (types.HasFlag(ZDatasetType.Bookmark)) t.Add("bookmark");
        return string.Join(',', t);
    }

    /// <summary><c>zfs send [-nvP] [-c] [-R] [-p] [-i|-I from] snapshot</c>, or <c>zfs send [-nvP] -t token</c></summary>
    public static string[] Send(SendRequest r, bool dryRun)
    {
        var a = new List<string> { Tool, "send" };
        if (dryRun) a.Add("-nvP");
        if (r.ResumeToken is { } token)
        {
            a.Add("-t");
            a.Add(NativeNames.ResumeToken(token));
            return a.ToArray();
        }
        if (r.Compressed) a.Add("-c");
        if (r.Recursive) a.Add("-R");
        if (r.Properties) a.Add("-p");
        if (r.From is { } from)
        {
            a.Add(r.IncludeIntermediate ? "-I" : "-i");
            a.Add(from.StartsWith('@') || from.StartsWith('#') ? NativeNames.Any(NativeNames.Snapshot(r.Snapshot).Split('@')[0] + from) : NativeNames.Any(from));
        }
        a.Add(NativeNames.Snapshot(r.Snapshot));
        return a.ToArray();
    }

    /// <summary><c>zfs receive [-F] [-s] [-u] [-d|-e] [-o p=v]... [-x p]... target</c></summary>
    public static string[] Receive(ReceiveRequest r)
    {
        var a = new List<string> { Tool, "receive", "-v" };   // -v names each snapshot received (ZfsReceiveParser)
        if (r.Force) a.Add("-F");
        if (r.Resumable) a.Add("-s");
        if (r.AppendNameWithoutPool) a.Add("-d");
        else if (r.AppendLastName) a.Add("-e");
        a.AddRange(PropertyOptions("-o", r.SetProperties));
        foreach (var x in r.ExcludeProperties.Order(StringComparer.Ordinal)) { a.Add("-x"); a.Add(NativeNames.Property(x)); }
        a.Add(NativeNames.Any(r.Target));
        return a.ToArray();
    }

    /// <summary><c>zfs receive -A dataset</c></summary>
    public static string[] AbortReceive(string dataset) => [Tool, "receive", "-A", NativeNames.Dataset(dataset)];
}
