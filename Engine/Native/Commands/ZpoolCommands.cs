using System.Globalization;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Commands;

/// <summary>argv builders for <c>zpool</c>; names are validated here, before anything is sent.</summary>
public static class ZpoolCommands
{
    public const string Tool = "zpool";

    /// <summary><c>zpool list -Hp|-jp -o fields [pool...]</c></summary>
    public static string[] List(IReadOnlyList<string> fields, IReadOnlyList<string>? pools, bool json = false)
    {
        var a = new List<string> { Tool, "list" };
        if (json) { a.Add("-j"); a.Add("-p"); } else a.Add("-Hp");
        a.Add("-o"); a.Add(string.Join(',', fields.Select(NativeNames.Property)));
        if (pools is not null) a.AddRange(pools.Select(NativeNames.Pool));
        return a.ToArray();
    }

    /// <summary><c>zpool get -Hp -o name,property,value,source all|p1,p2 pool</c></summary>
    public static string[] Get(string pool, IReadOnlyList<string>? properties) =>
        [Tool, "get", "-Hp", "-o", "name,property,value,source",
         properties is null || properties.Count == 0 ? "all" : string.Join(',', properties.Select(NativeNames.Property)), NativeNames.Pool(pool)];

    /// <summary><c>zpool set p=v pool</c> (zpool sets one property per command).</summary>
    public static string[] Set(string pool, string property, string value) =>
        [Tool, "set", NativeNames.Property(property) + "=" + NativeNames.PropertyValue(property, value), NativeNames.Pool(pool)];

    /// <summary><c>zpool status -P -p [-v] [pool]</c></summary>
    public static string[] Status(string? pool, bool errorList)
    {
        var a = new List<string> { Tool, "status", "-P", "-p" };
        if (errorList) a.Add("-v");
        if (pool is not null) a.Add(NativeNames.Pool(pool));
        return a.ToArray();
    }

    /// <summary>The vdev words of a spec, each device checked (never an option).</summary>
    public static IEnumerable<string> VdevWords(VdevSpec spec)
    {
        var devices = new HashSet<string>(spec.AllDevices, StringComparer.Ordinal);
        foreach (var raw in spec.Words)
        {
            var w = raw.Trim();
            if (w.Length == 0) continue;
            if (devices.Contains(w)) yield return NativeNames.Device(w);
            else if (w.Length == 0 || w[0] == '-' || w.Contains('\0')) throw IllumosException.Invalid("InvalidVdevWord", $"'{NativeNames.Printable(w)}' is not a vdev keyword or device.", w);
            else yield return w;
        }
    }

    /// <summary><c>zpool create [-n] [-f] [-o p=v]... [-O p=v]... [-m mnt] [-R root] pool vdevs...</c></summary>
    public static string[] Create(PoolCreateRequest r, bool dryRun)
    {
        var a = new List<string> { Tool, "create" };
        if (dryRun) a.Add("-n");
        if (r.Force) a.Add("-f");
        a.AddRange(ZfsCommands.PropertyOptions("-o", r.PoolProperties));
        a.AddRange(ZfsCommands.PropertyOptions("-O", r.FileSystemProperties));
        if (r.MountPoint is { } m) { a.Add("-m"); a.Add(NativeNames.PropertyValue("mountpoint", m)); }
        if (r.AltRoot is { } root) { a.Add("-R"); a.Add(NativeNames.Directory(root)); }
        a.Add(NativeNames.Pool(r.Name));
        a.AddRange(VdevWords(r.Vdevs));
        return a.ToArray();
    }

    public static string[] Destroy(string pool, bool force) => force ? [Tool, "destroy", "-f", NativeNames.Pool(pool)] : [Tool, "destroy", NativeNames.Pool(pool)];

    public static string[] Export(string pool, bool force) => force ? [Tool, "export", "-f", NativeNames.Pool(pool)] : [Tool, "export", NativeNames.Pool(pool)];

    /// <summary><c>zpool import [-d dir]...</c> (the listing of importable pools)</summary>
    public static string[] ImportList(IReadOnlyList<string> dirs)
    {
        var a = new List<string> { Tool, "import" };
        foreach (var d in dirs) { a.Add("-d"); a.Add(NativeNames.Directory(d)); }
        return a.ToArray();
    }

    /// <summary><c>zpool import [-d dir]... [-f] [-o p=v]... name|guid [newname]</c></summary>
    public static string[] Import(string nameOrGuid, string? newName, IReadOnlyList<string> dirs, bool force, IReadOnlyDictionary<string, string>? properties)
    {
        var a = new List<string> { Tool, "import" };
        foreach (var d in dirs) { a.Add("-d"); a.Add(NativeNames.Directory(d)); }
        if (force) a.Add("-f");
        a.AddRange(ZfsCommands.PropertyOptions("-o", properties));
        a.Add(ulong.TryParse(nameOrGuid, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? nameOrGuid : NativeNames.Pool(nameOrGuid));
        if (newName is not null) a.Add(NativeNames.Pool(newName));
        return a.ToArray();
    }

    /// <summary><c>zpool add [-n] [-f] pool vdevs...</c></summary>
    public static string[] Add(string pool, VdevSpec vdevs, bool force, bool dryRun = false)
    {
        var a = new List<string> { Tool, "add" };
        if (dryRun) a.Add("-n");
        if (force) a.Add("-f");
        a.Add(NativeNames.Pool(pool));
        a.AddRange(VdevWords(vdevs));
        return a.ToArray();
    }

    public static string[] Attach(string pool, string existing, string device, bool force) =>
        force ? [Tool, "attach", "-f", NativeNames.Pool(pool), NativeNames.Device(existing), NativeNames.Device(device)]
              : [Tool, "attach", NativeNames.Pool(pool), NativeNames.Device(existing), NativeNames.Device(device)];

    public static string[] Detach(string pool, string device) => [Tool, "detach", NativeNames.Pool(pool), NativeNames.Device(device)];

    public static string[] Remove(string pool, string device) => [Tool, "remove", NativeNames.Pool(pool), NativeNames.Device(device)];

    /// <summary><c>zpool history -l [-i] pool</c></summary>
    public static string[] History(string pool, bool includeInternal) =>
        includeInternal ? [Tool, "history", "-il", NativeNames.Pool(pool)] : [Tool, "history", "-l", NativeNames.Pool(pool)];

    /// <summary><c>zpool iostat [-v] pool</c> (human form: illumos has no -H/-p for iostat)</summary>
    public static string[] IOStat(string pool, bool perDevice) =>
        perDevice ? [Tool, "iostat", "-v", NativeNames.Pool(pool)] : [Tool, "iostat", NativeNames.Pool(pool)];

    /// <summary><c>zpool scrub [-s|-p] pool</c></summary>
    public static string[] Scrub(string pool, string? flag = null) =>
        flag is null ? [Tool, "scrub", NativeNames.Pool(pool)] : [Tool, "scrub", flag, NativeNames.Pool(pool)];

    public static string[] Online(string pool, string device, bool expand) =>
        expand ? [Tool, "online", "-e", NativeNames.Pool(pool), NativeNames.Device(device)] : [Tool, "online", NativeNames.Pool(pool), NativeNames.Device(device)];

    public static string[] Offline(string pool, string device, bool temporary) =>
        temporary ? [Tool, "offline", "-t", NativeNames.Pool(pool), NativeNames.Device(device)] : [Tool, "offline", NativeNames.Pool(pool), NativeNames.Device(device)];

    /// <summary><c>zpool replace [-f] pool old [new]</c></summary>
    public static string[] Replace(string pool, string oldDevice, string? newDevice, bool force)
    {
        var a = new List<string> { Tool, "replace" };
        if (force) a.Add("-f");
        a.Add(NativeNames.Pool(pool));
        a.Add(NativeNames.Device(oldDevice));
        if (newDevice is not null) a.Add(NativeNames.Device(newDevice));
        return a.ToArray();
    }

    public static string[] Clear(string pool, string? device) =>
        device is null ? [Tool, "clear", NativeNames.Pool(pool)] : [Tool, "clear", NativeNames.Pool(pool), NativeNames.Device(device)];
}

/// <summary>argv builders for the read-only listings of zones, datalinks, services, VMs and IP Filter rules.</summary>
public static class SystemCommands
{
    public static string[] ZoneList() => ["zoneadm", "list", "-cp"];

    public static string[] ShowLink(string? link) => link is null
        ? ["dladm", "show-link", "-p", "-o", string.Join(',', Parsers.DladmParser.LinkFields)]
        : ["dladm", "show-link", "-p", "-o", string.Join(',', Parsers.DladmParser.LinkFields), NativeNames.Link(link)];

    public static string[] ShowPhys() => ["dladm", "show-phys", "-p", "-o", string.Join(',', Parsers.DladmParser.PhysFields)];

    public static string[] ShowPhysMacs() => ["dladm", "show-phys", "-m", "-p", "-o", string.Join(',', Parsers.DladmParser.PhysMacFields)];

    public static string[] ShowIptun() => ["dladm", "show-iptun", "-p", "-o", string.Join(',', Parsers.DladmParser.IptunFields)];

    public static string[] ShowVnic(string? link) => link is null
        ? ["dladm", "show-vnic", "-p", "-o", string.Join(',', Parsers.DladmParser.VnicFields)]
        : ["dladm", "show-vnic", "-p", "-o", string.Join(',', Parsers.DladmParser.VnicFields), NativeNames.Link(link)];

    /// <summary><c>svcs -aH [-Z] -o state,nstate,stime,ctid[,zone],fmri [pattern...]</c></summary>
    public static string[] Svcs(IReadOnlyList<string>? patterns, bool allZones, out string[] fields)
    {
        fields = allZones ? ["state", "nstate", "stime", "ctid", "zone", "fmri"] : ["state", "nstate", "stime", "ctid", "fmri"];
        var a = new List<string> { "svcs", "-H" };
        if (patterns is null || patterns.Count == 0) a.Add("-a");
        if (allZones) a.Add("-Z");
        a.Add("-o"); a.Add(string.Join(',', fields));
        if (patterns is not null) a.AddRange(patterns.Select(NativeNames.Fmri));
        return a.ToArray();
    }

    public static string[] VmList() => ["vmadm", "list", "-p", "-o", string.Join(',', Parsers.VmadmParser.ListFields)];

    public static string[] VmGet(string uuid) => ["vmadm", "get", NativeNames.Uuid(uuid)];

    /// <summary><c>svcs [-z zone] -l fmri</c>: the detailed view of one instance.</summary>
    public static string[] SvcsLong(string fmri, string? zone) => WithZone(["svcs"], zone, "-l", NativeNames.Fmri(fmri));

    /// <summary><c>svcs [-z zone] -p fmri</c>: the instance and the processes of its contract.</summary>
    public static string[] SvcsProcesses(string fmri, string? zone) => WithZone(["svcs"], zone, "-p", NativeNames.Fmri(fmri));

    /// <summary><c>svcs -x[v] [fmri|pattern...]</c>: why services are not running (every troubled one without operands).</summary>
    public static string[] SvcsExplain(IReadOnlyList<string>? patterns, bool verbose)
    {
        var a = new List<string> { "svcs", verbose ? "-xv" : "-x" };
        if (patterns is not null) a.AddRange(patterns.Select(NativeNames.Fmri));
        return a.ToArray();
    }

    /// <summary><c>svcprop [-z zone] fmri</c>: every property of the instance, composed view.</summary>
    public static string[] Svcprop(string fmri, string? zone) => WithZone(["svcprop"], zone, NativeNames.Fmri(fmri));

    /// <summary>Adds <c>-z zone</c> for a zone other than the global one.</summary>
    private static string[] WithZone(string[] tool, string? zone, params string[] rest) =>
        zone is null or "global" ? [.. tool, .. rest] : [.. tool, "-z", NativeNames.Zone(zone), .. rest];

    /// <summary><c>zonecfg -z zone info</c></summary>
    public static string[] ZonecfgInfo(string zone) => ["zonecfg", "-z", NativeNames.Zone(zone), "info"];

    /// <summary><c>ipnat -l [-G|-z zone]</c>: the loaded NAT rules and the active sessions of a stack.</summary>
    public static string[] IpnatList(string? zone, bool globalControlled) =>
        zone is null or "global" ? ["ipnat", "-l"] : ["ipnat", "-l", globalControlled ? "-G" : "-z", NativeNames.Zone(zone)];

    /// <summary><c>ipf -V</c>: IP Filter's version and whether it is running.</summary>
    public static string[] IpfVersion() => ["ipf", "-V"];

    /// <summary><c>ipfstat -hion [-G zone]</c></summary>
    public static string[] IpfRules(string? zone) => zone is null ? ["ipfstat", "-hion"] : ["ipfstat", "-hion", "-G", NativeNames.Zone(zone)];
}
