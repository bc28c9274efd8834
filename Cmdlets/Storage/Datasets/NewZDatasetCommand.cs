using System.Collections;
using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Creates filesystems (zfs create), volumes (zfs create -V) and clones (zfs clone); always outputs the new dataset.</summary>
[Cmdlet(VerbsCommon.New, "ZDataset", DefaultParameterSetName = FileSystemSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZDataset))]
public sealed class NewZDatasetCommand : DatasetCmdletBase
{
    private const string FileSystemSet = "FileSystem";
    private const string VolumeSet = "Volume";
    private const string CloneSet = "Clone";

    /// <summary>Full names of the datasets to create ("tank/home/alice").</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZFileSystemNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Creates a volume of this size (zfs create -V).</summary>
    [Parameter(Mandatory = true, ParameterSetName = VolumeSet)]
    [SizeTransformation]
    [ValidateRange(1UL, ulong.MaxValue)]
    public ulong VolumeSize { get; set; }

    /// <summary>A sparse volume: no reservation for its size (zfs create -s).</summary>
    [Parameter(ParameterSetName = VolumeSet)]
    public SwitchParameter Sparse { get; set; }

    /// <summary>The volume block size (volblocksize, zfs create -b).</summary>
    [Parameter(ParameterSetName = VolumeSet)]
    [SizeTransformation]
    public ulong BlockSize { get; set; }

    /// <summary>Creates a clone of this snapshot (zfs clone).</summary>
    [Parameter(Mandatory = true, ParameterSetName = CloneSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string FromSnapshot { get; set; } = "";

    /// <summary>Properties to set at creation (zfs create -o), e.g. @{ compression = 'lz4'; 'com.example:owner' = 'alice' }.</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>Creates missing parent filesystems (zfs create -p).</summary>
    [Parameter]
    public SwitchParameter Parents { get; set; }

    protected override void ProcessRecord()
    {
        var properties = Property.ToPropertyMap();
        foreach (var session in ResolveSessions())
        {
            if (StorageOf(session) is not { } storage) continue;
            foreach (var name in Name)
            {
                var (action, create) = ParameterSetName switch
                {
                    VolumeSet => ($"Create a {(Sparse ? "sparse " : "")}volume of {Engine.Size.Format(VolumeSize)}",
                        (Func<ZDataset>)(() => storage.CreateVolume(name, VolumeSize, Sparse, BlockSize == 0 ? null : BlockSize, properties, Parents, StopToken))),
                    CloneSet => ($"Clone {FromSnapshot}",
                        () => storage.Clone(FromSnapshot, name, properties, Parents, StopToken)),
                    _ => ("Create a filesystem",
                        () => storage.CreateFileSystem(name, properties, Parents, StopToken)),
                };
                if (!ShouldProcess(Describe(name, session), action)) continue;
                if (Try(create, name) is { } created) WriteObject(Stamp(created, session));
            }
        }
    }
}
