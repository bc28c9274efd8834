namespace Illumos.Engine.Languages.Vdev;

/// <summary>A top-level vdev kind in zpool's grammar. Disk is a single device (a stripe member).</summary>
public enum VdevKind { Disk, Mirror, RaidZ1, RaidZ2, RaidZ3 }

/// <summary>One top-level vdev to create: its kind, class and devices.</summary>
public sealed record VdevGroup(VdevKind Kind, Storage.ZVdevClass Class, IReadOnlyList<string> Devices)
{
    public int Parity => Kind switch { VdevKind.RaidZ1 => 1, VdevKind.RaidZ2 => 2, VdevKind.RaidZ3 => 3, _ => 0 };

    public string KindText => Kind switch
    {
        VdevKind.Disk => "disk",
        VdevKind.Mirror => "mirror",
        _ => "raidz" + Parity,
    };
}

/// <summary>
/// A parsed zpool vdev list, e.g. <c>mirror d1 d2 mirror d3 d4 log l1 cache c1 spare s1</c>.
/// The grammar is zpool's: a class word (log, cache, spare, special, dedup) switches the class of the
/// groups after it; mirror/raidz[1-3] start a group that takes the devices up to the next keyword;
/// a bare device is a one-device top-level vdev. Words are kept as given so the native host can pass
/// them to zpool unchanged.
/// </summary>
public sealed record VdevSpec(IReadOnlyList<VdevGroup> Groups, IReadOnlyList<string> Words)
{
    public IEnumerable<string> AllDevices => Groups.SelectMany(g => g.Devices);

    public static VdevSpec Parse(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
            throw IllumosException.Invalid("VdevSpecEmpty", "No devices were given; name at least one device (or mirror/raidz group).", null);
        var groups = new List<VdevGroup>();
        var cls = Storage.ZVdevClass.Normal;
        VdevKind? open = null;
        var devices = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool classHasGroup = true;
        string? classWord = null;

        void Close()
        {
            if (open is not { } kind) return;
            int min = kind switch { VdevKind.Mirror => 2, VdevKind.RaidZ1 => 2, VdevKind.RaidZ2 => 3, VdevKind.RaidZ3 => 4, _ => 1 };
            var g = new VdevGroup(kind, cls, devices.ToArray());
            if (devices.Count < min)
                throw IllumosException.Invalid("VdevTooFewDevices",
                    $"A {g.KindText} vdev needs at least {min} devices; {devices.Count} given ({string.Join(' ', devices)}).", string.Join(' ', words));
            groups.Add(g);
            devices.Clear();
            open = null;
        }

        foreach (var raw in words)
        {
            var w = raw.Trim();
            if (w.Length == 0) continue;
            switch (w.ToLowerInvariant())
            {
                case "log" or "cache" or "spare" or "special" or "dedup":
                    Close();
                    if (!classHasGroup)
                        throw IllumosException.Invalid("VdevClassEmpty", $"'{classWord}' is followed by no devices.", string.Join(' ', words));
                    cls = w.ToLowerInvariant() switch
                    {
                        "log" => Storage.ZVdevClass.Log,
                        "cache" => Storage.ZVdevClass.Cache,
                        "spare" => Storage.ZVdevClass.Spare,
                        "special" => Storage.ZVdevClass.Special,
                        _ => Storage.ZVdevClass.Dedup,
                    };
                    classWord = w;
                    classHasGroup = false;
                    continue;
                case "mirror" or "raidz" or "raidz1" or "raidz2" or "raidz3":
                    Close();
                    if (cls is Storage.ZVdevClass.Cache or Storage.ZVdevClass.Spare)
                        throw IllumosException.Invalid("VdevClassNoRedundancy", $"{cls.ToString().ToLowerInvariant()} devices cannot be grouped in a {w}.", string.Join(' ', words));
                    if (cls == Storage.ZVdevClass.Log && w != "mirror")
                        throw IllumosException.Invalid("VdevClassNoRedundancy", $"log devices can be mirrored but not grouped in a {w}.", string.Join(' ', words));
                    open = w switch { "mirror" => VdevKind.Mirror, "raidz" or "raidz1" => VdevKind.RaidZ1, "raidz2" => VdevKind.RaidZ2, _ => VdevKind.RaidZ3 };
                    classHasGroup = true;
                    continue;
            }
            if (w.StartsWith('-'))
                throw IllumosException.Invalid("VdevBadWord", $"'{w}' is not a device or vdev keyword.", string.Join(' ', words));
            if (!seen.Add(w))
                throw IllumosException.Invalid("VdevDuplicateDevice", $"The device '{w}' is named more than once.", w);
            classHasGroup = true;
            if (open is not null) devices.Add(w);
            else groups.Add(new VdevGroup(VdevKind.Disk, cls, [w]));
        }
        Close();
        if (!classHasGroup)
            throw IllumosException.Invalid("VdevClassEmpty", $"'{classWord}' is followed by no devices.", string.Join(' ', words));
        return new VdevSpec(groups, words.ToArray());
    }

    public override string ToString() => string.Join(' ', Words);
}
