using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Sets dataset properties (zfs set), typed or through -Property, and promotes clones (zfs promote).</summary>
[Cmdlet(VerbsCommon.Set, "ZDataset", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZDataset))]
public sealed class SetZDatasetCommand : DatasetChangeCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Datasets to change; wildcards select among all datasets.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Datasets from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] InputObject { get; set; } = [];

    /// <summary>compression: on, off, lz4, zstd, zstd-1..19, gzip, gzip-1..9, lzjb, zle.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ZCompressionCompleter))]
    public string? Compression { get; set; }

    /// <summary>checksum: on, off, fletcher2, fletcher4, sha256, sha512, skein, edonr, blake3.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ZChecksumCompleter))]
    public string? Checksum { get; set; }

    /// <summary>quota (bytes or 10G); 0 removes it.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? Quota { get; set; }

    /// <summary>refquota (bytes or 10G); 0 removes it.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? RefQuota { get; set; }

    /// <summary>reservation (bytes or 10G); 0 removes it.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? Reservation { get; set; }

    /// <summary>refreservation (bytes or 10G); 0 removes it.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? RefReservation { get; set; }

    /// <summary>recordsize, a power of two from 512 to 1M.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? RecordSize { get; set; }

    /// <summary>mountpoint: a path, none or legacy.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MountPoint { get; set; }

    /// <summary>atime on or off.</summary>
    [Parameter]
    public bool? Atime { get; set; }

    /// <summary>readonly on or off.</summary>
    [Parameter]
    public bool? ReadOnly { get; set; }

    /// <summary>copies: 1, 2 or 3.</summary>
    [Parameter]
    [ValidateRange(1, 3)]
    public int? Copies { get; set; }

    /// <summary>sync: standard, always or disabled.</summary>
    [Parameter]
    [ValidateSet("standard", "always", "disabled")]
    public string? Sync { get; set; }

    /// <summary>sharenfs: on, off or share options.</summary>
    [Parameter]
    public string? ShareNfs { get; set; }

    /// <summary>sharesmb: on, off or share options.</summary>
    [Parameter]
    public string? ShareSmb { get; set; }

    /// <summary>volsize of a volume (bytes or 10G).</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? VolumeSize { get; set; }

    /// <summary>Any other properties, including user properties (module:name), as @{ name = value }.</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>
    /// Sets the values for the filesystem's current mount only (zfs mount -o remount,...): source
    /// temporary, never stored, forgotten at export or when the session closes, not inherited by
    /// children. Only the mount-option properties: atime, relatime, devices, exec, readonly, setuid, xattr, nbmand (on or off).
    /// </summary>
    [Parameter]
    public SwitchParameter Temporary { get; set; }

    /// <summary>Promotes each clone, so that it no longer depends on its origin snapshot (zfs promote).</summary>
    [Parameter]
    public SwitchParameter Promote { get; set; }

    private Dictionary<string, string> Changes()
    {
        var map = Property.ToPropertyMap();
        static string Bytes(ulong v) => v == 0 ? "none" : v.ToString(CultureInfo.InvariantCulture);
        static string OnOff(bool b) => b ? "on" : "off";
        if (Compression is not null) map["compression"] = Compression;
        if (Checksum is not null) map["checksum"] = Checksum;
        if (Quota is { } q) map["quota"] = Bytes(q);
        if (RefQuota is { } rq) map["refquota"] = Bytes(rq);
        if (Reservation is { } r) map["reservation"] = Bytes(r);
        if (RefReservation is { } rr) map["refreservation"] = Bytes(rr);
        if (RecordSize is { } rs) map["recordsize"] = rs.ToString(CultureInfo.InvariantCulture);
        if (MountPoint is not null) map["mountpoint"] = MountPoint;
        if (Atime is { } a) map["atime"] = OnOff(a);
        if (ReadOnly is { } ro) map["readonly"] = OnOff(ro);
        if (Copies is { } c) map["copies"] = c.ToString(CultureInfo.InvariantCulture);
        if (Sync is not null) map["sync"] = Sync;
        if (ShareNfs is not null) map["sharenfs"] = ShareNfs;
        if (ShareSmb is not null) map["sharesmb"] = ShareSmb;
        if (VolumeSize is { } vs) map["volsize"] = vs.ToString(CultureInfo.InvariantCulture);
        return map;
    }

    protected override void ProcessRecord()
    {
        var changes = Changes();
        if (Temporary && changes.Count == 0)
        {
            ThrowTerminatingError(ErrorMapper.Create("NoPropertyGiven", ErrorCategory.InvalidArgument,
                "-Temporary needs mount-option properties to set (for example -ReadOnly $true or -Property @{ atime = 'off' }).", null));
        }
        if (changes.Count == 0 && !Promote)
        {
            ThrowTerminatingError(ErrorMapper.Create("NoPropertyGiven", ErrorCategory.InvalidArgument,
                "Name at least one property to set (for example -Compression lz4 or -Property @{ atime = 'off' }), or -Promote.", null));
        }
        var text = string.Join(", ", changes.Select(kv => $"{kv.Key}={kv.Value}"));
        ForEachDataset(InputObject, Name, ZDatasetType.FileSystem | ZDatasetType.Volume,
            (session, storage, name) => Apply(storage, session, name, changes, text));
    }

    private void Apply(IStorage storage, Engine.Sessions.IllumosSession session, string name, Dictionary<string, string> changes, string text)
    {
        if (changes.Count > 0)
        {
            if (!ShouldProcess(Describe(name, session), (Temporary ? "Set temporarily (until unmounted) " : "Set ") + text)) return;
            if (!Try(() => { if (Temporary) storage.SetTemporaryProperties(name, changes, StopToken); else storage.SetProperties(name, changes, StopToken); }, name)) return;
        }
        if (Promote)
        {
            if (!ShouldProcess(Describe(name, session), "Promote the clone")) return;
            if (!Try(() => storage.Promote(name, StopToken), name)) return;
        }
        if (PassThru && Reload(storage, session, name) is { } d) WriteObject(d);
    }
}
