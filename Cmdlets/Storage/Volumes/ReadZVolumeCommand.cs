using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Reads a byte range of a volume as a byte array, or copies the volume (or a range) into a host file.</summary>
[Cmdlet(VerbsCommunications.Read, "ZVolume", DefaultParameterSetName = NameSet)]
[OutputType(typeof(byte[]))]
public sealed class ReadZVolumeCommand : VolumeCmdletBase
{
    /// <summary>How many bytes to read (bytes or 4K, 1M ...); without it, up to the end of the volume.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong? Count { get; set; }

    /// <summary>A host file to copy the bytes into instead of returning them.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Overwrites an existing -Path file.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        ForEachStorage(InputObject, (session, storage) =>
        {
            if (FindVolume(storage, session) is not { } volume) return;
            ulong size = volume.VolumeSize ?? 0;
            if (Offset > size)
            {
                WriteError(ErrorMapper.Create("OffsetBeyondVolume", ErrorCategory.InvalidArgument,
                    $"The offset {Offset} is beyond the end of {volume.Name} ({size} bytes).", volume.Name));
                return;
            }
            ulong length = Math.Min(Count ?? size - Offset, size - Offset);
            if (Path is null) ReadToPipeline(storage, volume.Name, length);
            else ReadToFile(storage, volume.Name, length, HostPath(Path, mustExist: false));
        });
    }

    private void ReadToPipeline(IStorage storage, string volume, ulong length)
    {
        if (length > (ulong)Array.MaxLength)
        {
            WriteError(ErrorMapper.Create("RangeTooLarge", ErrorCategory.InvalidArgument,
                $"{length} bytes do not fit in one byte array; use -Count, or -Path to copy into a file.", volume));
            return;
        }
        var buffer = new byte[length];
        int done = 0;
        while (done < buffer.Length)
        {
            int n = 0;
            int want = Math.Min(ChunkSize, buffer.Length - done);
            if (!Try(() => { n = storage.ReadVolume(volume, (long)Offset + done, buffer.AsSpan(done, want), StopToken); }, volume)) return;
            if (n <= 0) break;
            done += n;
        }
        WriteObject(done == buffer.Length ? buffer : buffer[..done], enumerateCollection: false);
    }

    private void ReadToFile(IStorage storage, string volume, ulong length, string file)
    {
        if (File.Exists(file) && !Force)
        {
            WriteError(ErrorMapper.Create("HostFileExists", ErrorCategory.ResourceExists,
                $"'{file}' exists; use -Force to overwrite it.", file));
            return;
        }
        var buffer = new byte[ChunkSize];
        long done = 0;
        using (var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.SequentialScan))
        {
            while ((ulong)done < length)
            {
                int want = (int)Math.Min((ulong)buffer.Length, length - (ulong)done);
                int n = 0;
                if (!Try(() => { n = storage.ReadVolume(volume, (long)Offset + done, buffer.AsSpan(0, want), StopToken); }, volume)) return;
                if (n <= 0) break;
                output.Write(buffer, 0, n);
                done += n;
                ReportProgress($"Reading {volume} into {file}", done, (long)length);
            }
        }
        ReportProgress($"Reading {volume} into {file}", done, (long)length, completed: true);
    }
}
