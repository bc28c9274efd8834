using System.Management.Automation;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Writes bytes, or the contents of a host file, into a volume at an offset.</summary>
[Cmdlet(VerbsCommunications.Write, "ZVolume", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZDataset))]
public sealed class WriteZVolumeCommand : VolumeCmdletBase
{
    /// <summary>The bytes to write; piped bytes are gathered and written once the pipeline ends.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true)]
    [ValidateNotNull]
    public byte[]? Value { get; set; }

    /// <summary>A host file whose contents to write.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Write the volume's record to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly MemoryStream _gathered = new();
    private HostObject? _item;

    protected override void ProcessRecord()
    {
        if (Value is not null) _gathered.Write(Value);
        _item ??= InputObject;
    }

    protected override void EndProcessing()
    {
        if (Path is not null && _gathered.Length > 0)
            ThrowTerminatingError(ErrorMapper.Create("ValueAndPath", ErrorCategory.InvalidArgument,
                "Give either bytes (-Value or the pipeline) or -Path, not both.", Path));
        if (Path is null && _gathered.Length == 0)
            ThrowTerminatingError(ErrorMapper.Create("NothingToWrite", ErrorCategory.InvalidArgument,
                "Give the bytes to write (-Value or the pipeline) or a host file (-Path).", VolumeName));
        var file = Path is null ? null : HostPath(Path, mustExist: true);
        ForEachStorage(_item, (session, storage) =>
        {
            if (FindVolume(storage, session) is not { } volume) return;
            long length = file is null ? _gathered.Length : new FileInfo(file).Length;
            ulong size = volume.VolumeSize ?? 0;
            if (Offset + (ulong)length > size)
            {
                WriteError(ErrorMapper.Create("WriteBeyondVolume", ErrorCategory.InvalidArgument,
                    $"Writing {length} bytes at offset {Offset} would go past the end of {volume.Name} ({size} bytes).", volume.Name));
                return;
            }
            var what = file is null ? $"{length} bytes" : $"'{file}' ({length} bytes)";
            if (!ShouldProcess(Describe(volume.Name, session), $"Write {what} at offset {Offset}")) return;
            bool ok = file is null
                ? Try(() => storage.WriteVolume(volume.Name, (long)Offset, _gathered.GetBuffer().AsSpan(0, (int)_gathered.Length), StopToken), volume.Name)
                : CopyFile(storage, volume.Name, file, length);
            if (ok && PassThru && Reload(storage, session, volume.Name) is { } d) WriteObject(d);
        });
    }

    private bool CopyFile(IStorage storage, string volume, string file, long length)
    {
        var buffer = new byte[ChunkSize];
        long done = 0;
        using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            long at = (long)Offset + done;
            int count = n;
            if (!Try(() => storage.WriteVolume(volume, at, buffer.AsSpan(0, count), StopToken), volume)) return false;
            done += n;
            ReportProgress($"Writing {file} into {volume}", done, length);
        }
        ReportProgress($"Writing {file} into {volume}", done, length, completed: true);
        return true;
    }
}
