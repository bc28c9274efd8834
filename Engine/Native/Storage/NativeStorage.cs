using System.Globalization;
using System.Runtime.CompilerServices;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Native.Storage;

/// <summary>
/// The storage facility of a native host: every call maps onto zpool/zfs with their machine-readable
/// forms (<c>-H -p -o</c>, <c>zfs get -Hp</c>, <c>zpool status -P -p</c>; <c>zfs list -j</c> and
/// <c>zpool list -j</c> when the host's probe found OpenZFS 2.3 or later) and returns the records the
/// embedded host returns. Names are validated before anything is sent; a failing command becomes an
/// <see cref="IllumosCommandException"/> whose kind is read from zfs's "cannot ...: reason" message.
/// Listings cost one command each: a whole dataset tree is one <c>zfs list -r</c>.
/// </summary>
public sealed class NativeStorage : IStorage
{
    private readonly NativeHost _host;
    private bool? _json;

    public NativeStorage(NativeHost host)
    {
        _host = host;
        Files = new NativeFiles(this, host);
    }

#pragma warning disable CA2255 // the facility registers itself when the engine loads, as every facility folder does
    [ModuleInitializer]
    internal static void Register() =>
        FacilityRegistry.Register<IStorage>(HostKind.Native, h => new NativeStorage((NativeHost)h), "Storage");
#pragma warning restore CA2255

    /// <summary>
    /// Whether listings ask for JSON (<c>zfs list -j</c>, <c>zpool list -j</c>): decided once per session
    /// from the host's capabilities (probed on first use, cached by the host); a host that cannot be
    /// probed (a replay without a <c>uname</c> recording) gets the -H forms, which every ZFS has.
    /// Set it to pin the choice.
    /// </summary>
    public bool? UseJson
    {
        get => _json;
        set => _json = value;
    }

    private bool Json(CancellationToken ct) => _json ??= SafeProbe(ct)?.SupportsJsonOutput == true;

    // ---------------------------------------------------------------- running

    private CommandResult Run(string[] argv, CancellationToken ct, CommandOptions? options = null)
    {
        var r = _host.Run(argv, ct, options);
        if (r.ExitCode != 0) throw Failure(r);
        return r;
    }

    /// <summary>The kind of a zfs/zpool failure, read from its stderr ("cannot open 'x': dataset does not exist").</summary>
    public static IllumosCommandException Failure(CommandResult r)
    {
        var e = r.StdErr;
        (ErrorKind kind, string id) = e switch
        {
            _ when Has(e, "does not exist") || Has(e, "no such pool") || Has(e, "no such device") || Has(e, "no such tag") || Has(e, "not found") || Has(e, "no pools available") || Has(e, "cannot import") && Has(e, "no such")
                => (ErrorKind.ObjectNotFound, "NativeObjectNotFound"),
            _ when Has(e, "already exists") || Has(e, "tag already exists") || Has(e, "pool already exists")
                => (ErrorKind.ResourceExists, "NativeObjectExists"),
            _ when Has(e, "permission denied") || Has(e, "insufficient privileges") || Has(e, "not permitted")
                => (ErrorKind.PermissionDenied, "NativePermissionDenied"),
            _ when Has(e, "busy") || Has(e, "is in use") || Has(e, "currently in use")
                => (ErrorKind.ResourceBusy, "NativeResourceBusy"),
            _ when Has(e, "out of space") || Has(e, "quota exceeded")
                => (ErrorKind.QuotaExceeded, "NativeQuotaExceeded"),
            _ when Has(e, "has children") || Has(e, "more recent snapshots") || Has(e, "has dependent clones") || Has(e, "not a cloned filesystem") || Has(e, "use '-r'") || Has(e, "use '-f'")
                => (ErrorKind.InvalidOperation, "NativeOperationRefused"),
            _ when Has(e, "invalid") || Has(e, "bad property") || Has(e, "must be one of") || Has(e, "usage:") || Has(e, "unknown property") || Has(e, "bad numeric value")
                => (ErrorKind.InvalidArgument, "NativeInvalidArgument"),
            _ when Has(e, "I/O error") || Has(e, "corrupted") || Has(e, "insufficient replicas")
                => (ErrorKind.DeviceError, "NativeDeviceError"),
            _ => (ErrorKind.NotSpecified, "NativeCommandFailed"),
        };
        return new IllumosCommandException(r.Argv.Count > 0 ? r.Argv[0] : "", r.Argv, r.ExitCode, r.StdErr, kind, id);

        static bool Has(string s, string what) => s.Contains(what, StringComparison.OrdinalIgnoreCase);
    }

    // Fields an older host refused ("bad property list: invalid property 'x'"): left out from then on.
    private readonly HashSet<string> _unsupportedFields = new(StringComparer.Ordinal);
    private static readonly System.Text.RegularExpressions.Regex InvalidProperty =
        new(@"invalid property '([^']+)'", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Runs a listing built from a field list; when the host refuses a field it does not know (older
    /// illumos or ZFS releases lack e.g. checkpoint or receive_resume_token), the field is dropped for
    /// this session and the listing retried, so later listings are again one command.
    /// </summary>
    private (string StdOut, string[] Fields) RunListing(string[] fields, Func<string[], string[]> build, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            var use = fields.Where(f => f == "name" || !_unsupportedFields.Contains(f)).ToArray();
            var r = _host.Run(build(use), ct);
            if (r.ExitCode == 0) return (r.StdOut, use);
            var m = InvalidProperty.Match(r.StdErr);
            if (attempt < 8 && m.Success && m.Groups[1].Value != "name" && use.Contains(m.Groups[1].Value) && _unsupportedFields.Add(m.Groups[1].Value)) continue;
            throw Failure(r);
        }
    }

    private static IllumosException NotImplemented(string what, string why) =>
        new(ErrorKind.NotImplemented, "NativeNotImplemented", $"{what} is not available on a native host: {why}", what);

    private static ZPool OnePool(List<ZPool> pools, string name) =>
        pools.FirstOrDefault(p => p.Name == name) ?? throw IllumosException.NotFound("PoolNotFound", $"The pool '{name}' was not listed by zpool.", name);

    // ---------------------------------------------------------------- pools

    /// <summary><c>zpool list -Hp -o name,guid,health,size,allocated,free,capacity,fragmentation,dedupratio,expandsize,checkpoint,altroot</c> (or <c>-j -p</c>).</summary>
    public IReadOnlyList<ZPool> GetPools(CancellationToken ct) => ListPools(null, ct);

    private List<ZPool> ListPools(IReadOnlyList<string>? names, CancellationToken ct)
    {
        bool json = Json(ct);
        var (text, fields) = RunListing(ZpoolListParser.Fields, f => ZpoolCommands.List(f, names, json), ct);
        return json ? ZfsJsonParsers.ParsePoolList(text) : ZpoolListParser.Parse(text, fields);
    }

    /// <summary>
    /// <c>zpool create [-f] [-o p=v]... [-O p=v]... [-m mnt] [-R root] pool vdevs...</c>, then <c>zpool list</c> of the new pool.
    /// With <see cref="PoolCreateRequest.CreateFileDevicesOfSize"/>, missing file devices are made first
    /// with <c>mkfile -n</c> (illumos) or <c>truncate -s</c> (elsewhere).
    /// </summary>
    public ZPool CreatePool(PoolCreateRequest request, IEngineSink sink, CancellationToken ct)
    {
        var argv = ZpoolCommands.Create(request, dryRun: false);
        if (request.CreateFileDevicesOfSize is { } size)
        {
            bool illumos = string.Equals(SafeProbe(ct)?.OperatingSystem, "SunOS", StringComparison.Ordinal);
            foreach (var dev in request.Vdevs.AllDevices.Where(d => d.StartsWith('/')))
            {
                if (_host.Run(["test", "-e", NativeNames.Device(dev)], ct).Succeeded) continue;
                sink.Verbose($"Creating the file device {dev} ({size} bytes).");
                Run(illumos ? ["mkfile", "-n", size.ToString(CultureInfo.InvariantCulture), dev] : ["truncate", "-s", size.ToString(CultureInfo.InvariantCulture), dev], ct);
            }
        }
        sink.Verbose(string.Join(' ', argv));
        Run(argv, ct);
        return OnePool(ListPools([request.Name], ct), request.Name);
    }

    /// <summary><c>zpool create -n ...</c>: the layout zpool would build, nothing created.</summary>
    public ZPoolVdev PlanPool(PoolCreateRequest request, CancellationToken ct) =>
        ZpoolStatusParser.ParseCreateDryRun(Run(ZpoolCommands.Create(request, dryRun: true), ct).StdOut);

    /// <summary><c>zpool destroy [-f] pool</c></summary>
    public void DestroyPool(string pool, bool force, CancellationToken ct) => Run(ZpoolCommands.Destroy(pool, force), ct);

    /// <summary><c>zpool export [-f] pool</c></summary>
    public void ExportPool(string pool, bool force, CancellationToken ct) => Run(ZpoolCommands.Export(pool, force), ct);

    /// <summary><c>zpool import [-d dir]...</c> (the listing); "no pools available" gives an empty list.</summary>
    public IReadOnlyList<ZImportablePool> FindImportablePools(IReadOnlyList<string> searchDirectories, CancellationToken ct)
    {
        var r = _host.Run(ZpoolCommands.ImportList(searchDirectories), ct);
        if (r.ExitCode != 0 && r.StdOut.Trim().Length == 0)
        {
            if (r.StdErr.Contains("no pools available", StringComparison.OrdinalIgnoreCase)) return Array.Empty<ZImportablePool>();
            throw Failure(r);
        }
        return ZpoolStatusParser.ParseImport(r.StdOut);
    }

    /// <summary><c>zpool import [-d dir]... [-f] [-o p=v]... name|guid [newname]</c>, then <c>zpool list</c>.</summary>
    public ZPool ImportPool(string nameOrGuid, string? newName, IReadOnlyList<string> searchDirectories, bool force, IReadOnlyDictionary<string, string>? properties, CancellationToken ct)
    {
        Run(ZpoolCommands.Import(nameOrGuid, newName, searchDirectories, force, properties), ct);
        if (newName is not null) return OnePool(ListPools([newName], ct), newName);
        if (ulong.TryParse(nameOrGuid, NumberStyles.None, CultureInfo.InvariantCulture, out var guid))
            return ListPools(null, ct).FirstOrDefault(p => p.Guid == guid)
                ?? throw IllumosException.NotFound("PoolNotFound", $"No imported pool has the guid {guid}.", nameOrGuid);
        return OnePool(ListPools([nameOrGuid], ct), nameOrGuid);
    }

    /// <summary><c>zpool get -Hp -o name,property,value,source all|props pool</c></summary>
    public IReadOnlyList<ZProperty> GetPoolProperties(string pool, IReadOnlyList<string>? properties, CancellationToken ct) =>
        PropertyParser.Parse(Run(ZpoolCommands.Get(pool, properties), ct).StdOut, PropertyParser.DefaultFields, "zpool get");

    /// <summary><c>zpool set p=v pool</c>, one command per property (zpool sets one at a time); all names are checked first.</summary>
    public void SetPoolProperties(string pool, IReadOnlyDictionary<string, string> properties, CancellationToken ct)
    {
        var commands = properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => ZpoolCommands.Set(pool, p.Key, p.Value)).ToList();
        foreach (var c in commands) Run(c, ct);
    }

    /// <summary><c>zpool add [-f] pool vdevs...</c></summary>
    public void AddVdevs(string pool, VdevSpec vdevs, bool force, CancellationToken ct) => Run(ZpoolCommands.Add(pool, vdevs, force), ct);

    /// <summary><c>zpool attach [-f] pool existing new</c></summary>
    public void AttachDevice(string pool, string existingDevice, string newDevice, bool force, CancellationToken ct) =>
        Run(ZpoolCommands.Attach(pool, existingDevice, newDevice, force), ct);

    /// <summary><c>zpool detach pool device</c></summary>
    public void DetachDevice(string pool, string device, CancellationToken ct) => Run(ZpoolCommands.Detach(pool, device), ct);

    /// <summary><c>zpool remove pool device</c></summary>
    public void RemoveDevice(string pool, string device, CancellationToken ct) => Run(ZpoolCommands.Remove(pool, device), ct);

    /// <summary><c>zpool history -l [-i] pool</c></summary>
    public IReadOnlyList<ZPoolHistoryEntry> GetHistory(string pool, bool includeInternal, CancellationToken ct) =>
        ZpoolHistoryParser.Parse(Run(ZpoolCommands.History(pool, includeInternal), ct).StdOut, pool);

    /// <summary><c>zpool iostat [-v] pool</c> (human figures: since-import averages per second, approximate).</summary>
    public IReadOnlyList<ZPoolIOStat> GetIOStats(string pool, bool perDevice, CancellationToken ct) =>
        ZpoolIOStatParser.Parse(Run(ZpoolCommands.IOStat(pool, perDevice), ct).StdOut);

    // ---------------------------------------------------------------- integrity

    /// <summary><c>zpool status -P -p [-v] pool</c> (without -P -p on releases that lack them).</summary>
    public ZPoolStatus GetStatus(string pool, bool includeErrorList, CancellationToken ct)
    {
        var argv = ZpoolCommands.Status(pool, includeErrorList);
        var r = _host.Run(argv, ct);
        if (r.ExitCode != 0 && (r.StdErr.Contains("invalid option 'p'", StringComparison.Ordinal) || r.StdErr.Contains("invalid option 'P'", StringComparison.Ordinal)))
            r = _host.Run(argv.Where(a => a is not "-p" and not "-P").ToArray(), ct); // older releases: counters are then abbreviated (4.11K)
        if (r.ExitCode != 0) throw Failure(r);
        var all = ZpoolStatusParser.Parse(r.StdOut);
        return all.FirstOrDefault(s => s.PoolName == pool) ?? (all.Count == 1 ? all[0]
            : throw IllumosException.NotFound("PoolNotFound", $"zpool status printed nothing for the pool '{pool}'.", pool));
    }

    /// <summary><c>zpool scrub pool</c> (also resumes a paused scrub)</summary>
    public void StartScrub(string pool, CancellationToken ct) => Run(ZpoolCommands.Scrub(pool), ct);

    /// <summary><c>zpool scrub -s pool</c></summary>
    public void StopScrub(string pool, CancellationToken ct) => Run(ZpoolCommands.Scrub(pool, "-s"), ct);

    /// <summary><c>zpool scrub -p pool</c></summary>
    public void PauseScrub(string pool, CancellationToken ct) => Run(ZpoolCommands.Scrub(pool, "-p"), ct);

    /// <summary><c>zpool online [-e] pool device</c></summary>
    public void OnlineDevice(string pool, string device, bool expand, CancellationToken ct) => Run(ZpoolCommands.Online(pool, device, expand), ct);

    /// <summary><c>zpool offline [-t] pool device</c></summary>
    public void OfflineDevice(string pool, string device, bool temporary, CancellationToken ct) => Run(ZpoolCommands.Offline(pool, device, temporary), ct);

    /// <summary><c>zpool replace [-f] pool old [new]</c></summary>
    public void ReplaceDevice(string pool, string oldDevice, string? newDevice, bool force, CancellationToken ct) =>
        Run(ZpoolCommands.Replace(pool, oldDevice, newDevice, force), ct);

    /// <summary><c>zpool clear pool [device]</c></summary>
    public void ClearErrors(string pool, string? device, CancellationToken ct) => Run(ZpoolCommands.Clear(pool, device), ct);

    // ---------------------------------------------------------------- datasets

    /// <summary>
    /// One command for the whole tree: <c>zfs list -Hp -o &lt;29 fields&gt; -t filesystem,volume [-r | -d N] [root]</c>
    /// (or <c>zfs list -j -p</c>). Snapshot and bookmark types are served by <see cref="GetSnapshots"/> and <see cref="GetBookmarks"/>.
    /// </summary>
    public IReadOnlyList<ZDataset> GetDatasets(string? root, int? depth, ZDatasetType types, CancellationToken ct)
    {
        var t = types & (ZDatasetType.FileSystem | ZDatasetType.Volume);
        if (t == ZDatasetType.None) return Array.Empty<ZDataset>();
        bool json = Json(ct);
        var (text, fields) = RunListing(ZfsListParser.DatasetFields,
            f => ZfsCommands.List(f, ZfsCommands.Types(t), root is null ? null : [root], recursive: root is not null && depth is null, depth, json), ct);
        return json ? ZfsJsonParsers.ParseDatasets(text) : ZfsListParser.ParseDatasets(text, fields);
    }

    private ZDataset OneDataset(string name, CancellationToken ct) =>
        GetDatasets(name, 0, ZDatasetType.FileSystem | ZDatasetType.Volume, ct).FirstOrDefault(d => d.Name == name)
        ?? throw IllumosException.NotFound("DatasetNotFound", $"The dataset '{name}' was not listed by zfs.", name);

    /// <summary><c>zfs create [-p] [-o p=v]... name</c>, then <c>zfs list -d 0 name</c>.</summary>
    public ZDataset CreateFileSystem(string name, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct)
    {
        Run(ZfsCommands.CreateFileSystem(name, properties, createParents), ct);
        return OneDataset(name, ct);
    }

    /// <summary><c>zfs create [-p] [-s] [-b bs] [-o p=v]... -V size name</c>, then <c>zfs list -d 0 name</c>.</summary>
    public ZDataset CreateVolume(string name, ulong size, bool sparse, ulong? blockSize, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct)
    {
        Run(ZfsCommands.CreateVolume(name, size, sparse, blockSize, properties, createParents), ct);
        return OneDataset(name, ct);
    }

    /// <summary><c>zfs clone [-p] [-o p=v]... snapshot name</c>, then <c>zfs list -d 0 name</c>.</summary>
    public ZDataset Clone(string snapshot, string name, IReadOnlyDictionary<string, string>? properties, bool createParents, CancellationToken ct)
    {
        Run(ZfsCommands.Clone(snapshot, name, properties, createParents), ct);
        return OneDataset(name, ct);
    }

    /// <summary><c>zfs promote clone</c></summary>
    public void Promote(string clone, CancellationToken ct) => Run(ZfsCommands.Promote(clone), ct);

    /// <summary><c>zfs rename [-p] name newname</c> (snapshots: <c>zfs rename snap newsnap</c>)</summary>
    public void Rename(string name, string newName, bool createParents, CancellationToken ct) =>
        Run(ZfsCommands.Rename(name, newName, createParents && !name.Contains('@')), ct);

    /// <summary>
    /// <c>zfs destroy [-n] -v -p [-r] [-R] name</c>: the "destroy&lt;TAB&gt;name" lines give the list, in
    /// destruction order; with <paramref name="dryRun"/> zfs's own -n checks and lists without destroying.
    /// </summary>
    public IReadOnlyList<string> Destroy(string name, bool recursive, bool recursiveDependents, bool dryRun, CancellationToken ct)
    {
        var r = Run(ZfsCommands.Destroy(name, recursive, recursiveDependents, dryRun), ct);
        var (names, _) = ZfsDestroyParser.Parse(r.StdOut);
        if (names.Count == 0 && !dryRun) names.Add(name);
        return names;
    }

    /// <summary><c>zfs get -Hp -o name,property,value,source all|props name</c></summary>
    public IReadOnlyList<ZProperty> GetProperties(string name, IReadOnlyList<string>? properties, CancellationToken ct) =>
        PropertyParser.Parse(Run(ZfsCommands.Get(name, properties), ct).StdOut);

    /// <summary><c>zfs set p=v [p=v]... name</c> (one command for all properties).</summary>
    public void SetProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken ct) =>
        Run(ZfsCommands.Set(name, properties), ct);

    /// <summary><c>zfs inherit [-r] [-S] property name</c></summary>
    public void InheritProperty(string name, string property, bool recursive, bool revertToReceived, CancellationToken ct) =>
        Run(ZfsCommands.Inherit(name, property, recursive, revertToReceived), ct);

    /// <summary><c>zfs mount -o remount,ro,noatime... name</c>: the options stand for the properties' values until unmount.</summary>
    public void SetTemporaryProperties(string name, IReadOnlyDictionary<string, string> properties, CancellationToken ct)
    {
        if (properties.Count == 0) throw IllumosException.Invalid("NoProperties", "No property to set.", name);
        Run(ZfsCommands.Remount(name, properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => TemporaryProperties.Option(p.Key, TemporaryProperties.Validate(p.Key, p.Value) == "on"))), ct);
    }

    /// <summary>
    /// zfs has no command that drops a mount option; but a value shows as temporary only where it
    /// differs from the stored one, so remounting with the opposite option restores the stored value
    /// (<c>zfs get -H -p -o name,property,value,source [-r] property name</c>, then one remount per temporary value).
    /// </summary>
    public void ClearTemporaryProperty(string name, string property, bool recursive, CancellationToken ct)
    {
        TemporaryProperties.Validate(property, "on");
        var current = PropertyParser.Parse(Run(ZfsCommands.Get(name, [property], recursive), ct).StdOut);
        foreach (var p in current.Where(p => p.Source == ZPropertySource.Temporary && p.Property == property))
            Run(ZfsCommands.Remount(p.Name, [TemporaryProperties.Option(property, p.Value != "on")]), ct);
    }

    // ---------------------------------------------------------------- snapshots, holds, bookmarks

    /// <summary>
    /// <c>zfs snapshot [-r] [-o p=v]... snaps...</c> (atomic), then one <c>zfs list -Hp -t snapshot</c> of
    /// the new snapshots (with -r, of each dataset's tree, keeping the new snapshot names).
    /// </summary>
    public IReadOnlyList<ZSnapshot> CreateSnapshots(IReadOnlyList<string> snapshots, bool recursive, IReadOnlyDictionary<string, string>? properties, CancellationToken ct)
    {
        Run(ZfsCommands.Snapshot(snapshots, recursive, properties), ct);
        if (!recursive) return ListSnapshots(snapshots, recursive: false, depth: null, ct);
        var wanted = snapshots.Select(s => s[(s.IndexOf('@') + 1)..]).ToHashSet(StringComparer.Ordinal);
        var datasets = snapshots.Select(s => s[..s.IndexOf('@')]).Distinct(StringComparer.Ordinal).ToList();
        return ListSnapshots(datasets, recursive: true, depth: null, ct).Where(s => wanted.Contains(s.SnapshotName)).ToList();
    }

    private List<ZSnapshot> ListSnapshots(IReadOnlyList<string>? names, bool recursive, int? depth, CancellationToken ct)
    {
        bool json = Json(ct);
        var (text, fields) = RunListing(ZfsListParser.SnapshotFields, f => ZfsCommands.List(f, "snapshot", names, recursive, depth, json, sortBy: "createtxg"), ct);
        return json ? ZfsJsonParsers.ParseSnapshots(text) : ZfsListParser.ParseSnapshots(text, fields);
    }

    /// <summary><c>zfs list -Hp -t snapshot -o name,used,... -s createtxg [-r | -d 1] [dataset]</c></summary>
    public IReadOnlyList<ZSnapshot> GetSnapshots(string? dataset, bool recursive, CancellationToken ct) =>
        dataset is null ? ListSnapshots(null, true, null, ct)
        : dataset.Contains('@') ? ListSnapshots([dataset], false, null, ct)
        : ListSnapshots([dataset], recursive, recursive ? null : 1, ct);

    /// <summary><c>zfs rename [-r] snapshot newsnapshot</c></summary>
    public void RenameSnapshot(string snapshot, string newSnapshot, bool recursive, CancellationToken ct)
    {
        // zfs accepts "pool/fs@new" or the short "new"; a short name is completed here so it is validated too.
        if (!newSnapshot.Contains('@')) newSnapshot = snapshot[..snapshot.IndexOf('@')] + "@" + NativeNames.SnapshotShortName(newSnapshot);
        Run(ZfsCommands.Rename(snapshot, newSnapshot, parents: false, recursive), ct);
    }

    /// <summary><c>zfs rollback [-r] [-R] snapshot</c></summary>
    // ---------------------------------------------------------------- replication

    /// <summary>zfs send -nvP: "full|incremental ... size" lines per substream and a "size" total line.</summary>
    public ZSendEstimate EstimateSend(SendRequest request, CancellationToken ct)
    {
        var r = Run(ZfsCommands.Send(request, dryRun: true), ct);
        var subs = new List<ZSendSubstream>();
        ulong total = 0;
        foreach (var line in r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('\t');
            if (f[0] == "full" && f.Length >= 3 && ulong.TryParse(f[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var fb)) subs.Add(new ZSendSubstream(f[1], null, fb));
            else if (f[0] == "incremental" && f.Length >= 4 && ulong.TryParse(f[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var ib)) subs.Add(new ZSendSubstream(f[2], f[1], ib));
            else if (f[0] == "size" && f.Length >= 2 && ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var tb)) total = tb;
        }
        if (total == 0) total = (ulong)subs.Sum(s => (long)s.Bytes);
        return new ZSendEstimate { Snapshot = subs.LastOrDefault()?.Snapshot ?? request.Snapshot, From = subs.FirstOrDefault()?.From ?? request.From, Substreams = subs, Bytes = total };
    }

    public void Send(SendRequest request, Stream output, IEngineSink sink, CancellationToken ct) =>
        Run(ZfsCommands.Send(request, dryRun: false), ct, new CommandOptions { StdOut = output });

    public ZReceiveResult Receive(ReceiveRequest request, Stream input, IEngineSink sink, CancellationToken ct)
    {
        var counting = new CountingStream(input);
        var received = ZfsReceiveParser.ReceivedSnapshots(Run(ZfsCommands.Receive(request), ct, new CommandOptions { StdIn = counting }).StdOut);
        return new ZReceiveResult
        {
            // with -d/-e (and for -R packages) the datasets are named by the stream, not by the target given
            Dataset = received.Count > 0 ? received[0].Split('@')[0] : request.Target.Split('@')[0],
            Snapshots = received,
            Bytes = (ulong)counting.BytesRead,
        };
    }

    public void AbortReceive(string dataset, CancellationToken ct) => Run(ZfsCommands.AbortReceive(dataset), ct);

    public void Rollback(string snapshot, bool destroyNewer, bool destroyClones, CancellationToken ct) =>
        Run(ZfsCommands.Rollback(snapshot, destroyNewer, destroyClones), ct);

    /// <summary><c>zfs hold [-r] tag snapshot</c></summary>
    public void Hold(string snapshot, string tag, bool recursive, CancellationToken ct) => Run(ZfsCommands.Hold(snapshot, tag, recursive), ct);

    /// <summary><c>zfs release [-r] tag snapshot</c></summary>
    public void Release(string snapshot, string tag, bool recursive, CancellationToken ct) => Run(ZfsCommands.Release(snapshot, tag, recursive), ct);

    /// <summary><c>zfs holds -H [-r] snapshot</c></summary>
    public IReadOnlyList<ZSnapshotHold> GetHolds(string snapshot, bool recursive, CancellationToken ct) =>
        ZfsHoldsParser.Parse(Run(ZfsCommands.Holds(snapshot, recursive), ct).StdOut);

    /// <summary><c>zfs bookmark snapshot bookmark</c>, then <c>zfs list -Hp -t bookmark bookmark</c>.</summary>
    public ZBookmark CreateBookmark(string source, string bookmark, CancellationToken ct)
    {
        if (!bookmark.Contains('#') && source.Contains('@')) bookmark = source[..source.IndexOf('@')] + "#" + NativeNames.SnapshotShortName(bookmark);
        Run(ZfsCommands.Bookmark(source, bookmark), ct);
        return ListBookmarks([bookmark], false, null, ct).FirstOrDefault(b => b.Name == bookmark)
            ?? throw IllumosException.NotFound("BookmarkNotFound", $"The bookmark '{bookmark}' was not listed by zfs.", bookmark);
    }

    private List<ZBookmark> ListBookmarks(IReadOnlyList<string>? names, bool recursive, int? depth, CancellationToken ct) =>
        ZfsListParser.ParseBookmarks(Run(ZfsCommands.List(ZfsListParser.BookmarkFields, "bookmark", names, recursive, depth, sortBy: "createtxg"), ct).StdOut, ZfsListParser.BookmarkFields);

    /// <summary><c>zfs list -Hp -t bookmark -o name,creation,guid,createtxg -s createtxg [-r | -d 1] [dataset]</c></summary>
    public IReadOnlyList<ZBookmark> GetBookmarks(string? dataset, bool recursive, CancellationToken ct) =>
        dataset is null ? ListBookmarks(null, true, null, ct) : ListBookmarks([dataset], recursive, recursive ? null : 1, ct);

    // ---------------------------------------------------------------- files and volumes

    /// <summary>
    /// The files inside mounted filesystems, through their mountpoints with portable POSIX commands
    /// (<see cref="NativeFiles"/>). Tested with GNU userland; the FreeBSD and illumos forms follow their manual pages.
    /// </summary>
    public IZFiles Files { get; }

    private PosixUserland? _userland;

    /// <summary>The userland of the host's file commands, from the capability probe's OS (SunOS, FreeBSD, Linux); set it to pin the choice.</summary>
    public PosixUserland? PinnedUserland
    {
        get => _userland;
        set => _userland = value;
    }

    internal PosixUserland Userland(CancellationToken ct) => _userland ??= SafeProbe(ct)?.OperatingSystem switch
    {
        "SunOS" => PosixUserland.Illumos,
        "FreeBSD" => PosixUserland.FreeBsd,
        "Linux" => PosixUserland.Gnu,
        var os => throw NotImplemented("File and volume access", $"the host's operating system ({os ?? "not probed"}) has no known userland; SunOS, FreeBSD and Linux are supported."),
    };

    /// <summary>
    /// The directory holding the zvol devices: <c>/dev/zvol/rdsk</c> on illumos (the raw device), <c>/dev/zvol</c>
    /// on Linux and FreeBSD; a volume "pool/vol" is the device DIRECTORY/pool/vol. Set it to use another directory.
    /// </summary>
    public string? VolumeDeviceDirectory { get; set; }

    private const long Sector = 512;
    private const long MaxDdBlock = 1 << 20;

    /// <summary>A volume's device and size, checked before any byte moves: it must be a volume (or a volume's snapshot) and writable when writing.</summary>
    private (string Device, long Size, PosixUserland Userland) Volume(string volume, bool write, CancellationToken ct)
    {
        NativeNames.Any(volume);
        var userland = Userland(ct);
        var props = PropertyParser.Parse(Run(ZfsCommands.Get(volume, ["type", "volsize", "readonly"]), ct).StdOut)
            .ToDictionary(p => p.Property, p => p.Value, StringComparer.Ordinal);
        bool snapshot = volume.Contains('@');
        if (!props.TryGetValue("volsize", out var sizeText) || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            throw IllumosException.Invalid("DatasetNotVolume", $"'{volume}' is not a volume.", volume);
        if (write && (snapshot || props.GetValueOrDefault("readonly") == "on"))
            throw new IllumosException(ErrorKind.PermissionDenied, snapshot ? "SnapshotReadOnly" : "DatasetReadOnly", $"'{volume}' is read-only.", volume);
        var dir = VolumeDeviceDirectory ?? (userland == PosixUserland.Illumos ? "/dev/zvol/rdsk" : "/dev/zvol");
        return (dir.TrimEnd('/') + "/" + volume, size, userland);
    }

    /// <summary>
    /// <c>dd if=/dev/zvol/... bs=B skip=S count=C</c> over the 512-byte sectors that hold the range (raw devices
    /// want whole sectors), B the largest power of two up to 1 MiB dividing the start and length; the bytes
    /// before and after the range are dropped here. The range is checked against volsize first.
    /// </summary>
    public int ReadVolume(string volume, long offset, Span<byte> buffer, CancellationToken ct)
    {
        var (device, size, userland) = Volume(volume, false, ct);
        if (offset < 0 || offset > size) throw IllumosException.Invalid("VolumeOffsetInvalid", $"Offset {offset} lies outside the volume ({size} bytes).", offset);
        int length = (int)Math.Min(buffer.Length, size - offset);
        if (length == 0) return 0;
        var sectors = ReadSectors(volume, device, userland, offset, length, ct);
        sectors.AsSpan((int)(offset % Sector), length).CopyTo(buffer);
        return length;
    }

    private byte[] ReadSectors(string volume, string device, PosixUserland userland, long offset, long length, CancellationToken ct)
    {
        long start = offset / Sector * Sector;
        long end = (offset + length + Sector - 1) / Sector * Sector;
        long bs = PosixFileCommands.BlockSizeFor(MaxDdBlock, start, end - start);
        var into = new MemoryStream((int)(end - start));
        DeviceRun(volume, PosixFileCommands.ReadDevice(userland, device, bs, start / bs, (end - start) / bs), ct, new CommandOptions { StdOut = into });
        if (into.Length != end - start)
            throw new IllumosException(ErrorKind.ReadError, "VolumeShortRead", $"dd read {into.Length} of {end - start} bytes from {device}.", volume);
        return into.GetBuffer();
    }

    /// <summary>
    /// <c>dd of=/dev/zvol/... obs=B seek=S conv=notrunc</c> fed the bytes through stdin, over whole sectors:
    /// a range that starts or ends inside a sector has that sector read first and merged (read-modify-write).
    /// The range is checked against volsize and readonly before anything is sent.
    /// </summary>
    public void WriteVolume(string volume, long offset, ReadOnlySpan<byte> data, CancellationToken ct)
    {
        var (device, size, userland) = Volume(volume, true, ct);
        if (offset < 0 || offset + data.Length > size)
            throw IllumosException.Invalid("VolumeRangeInvalid", $"Bytes {offset}..{offset + data.Length} lie outside the volume ({size} bytes).", offset);
        if (data.Length == 0) return;
        long start = offset / Sector * Sector;
        long end = (offset + data.Length + Sector - 1) / Sector * Sector;
        var block = new byte[end - start];
        if (start != offset) ReadSectors(volume, device, userland, start, Sector, ct).AsSpan(0, (int)Sector).CopyTo(block);
        if (end != offset + data.Length && (end - Sector > start || start == offset))
            ReadSectors(volume, device, userland, end - Sector, Sector, ct).AsSpan(0, (int)Sector).CopyTo(block.AsSpan((int)(end - Sector - start)));
        data.CopyTo(block.AsSpan((int)(offset - start)));
        long bs = PosixFileCommands.BlockSizeFor(MaxDdBlock, start, end - start);
        DeviceRun(volume, PosixFileCommands.WriteDevice(userland, device, bs, start / bs), ct, new CommandOptions { StdIn = new MemoryStream(block, writable: false) });
    }

    private void DeviceRun(string volume, string[] argv, CancellationToken ct, CommandOptions options)
    {
        var r = _host.Run(argv, ct, options);
        if (r.ExitCode == 0) return;
        if (r.StdErr.Contains("No such file or directory", StringComparison.OrdinalIgnoreCase))
            throw IllumosException.NotFound("VolumeDeviceNotFound",
                $"The device of '{volume}' ({argv[1][3..]}) does not exist on {_host.ComputerName}: a snapshot needs snapdev=visible, and on Linux volmode must not be none.", volume);
        throw Failure(r);
    }

    internal HostCapabilities? SafeProbe(CancellationToken ct)
    {
        try { return _host.Probe(false, ct); }
        catch (IllumosException e) when (e.Kind is ErrorKind.ObjectNotFound) { return null; }
    }
}
