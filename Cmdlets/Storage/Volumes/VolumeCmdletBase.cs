using System.Management.Automation;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Shared by Read-ZVolume and Write-ZVolume: the volume by name or object, its size, host file paths, progress.</summary>
public abstract class VolumeCmdletBase : DatasetCmdletBase
{
    protected const string NameSet = "Name";
    protected const string InputObjectSet = "InputObject";
    protected const int ChunkSize = 1 << 20;

    /// <summary>The volume.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.ZVolumeNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A volume from Get-ZDataset -Type Volume.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset? InputObject { get; set; }

    /// <summary>Byte offset into the volume (bytes or 4K, 1M ...).</summary>
    [Parameter]
    [SizeTransformation]
    public ulong Offset { get; set; }

    protected string VolumeName => InputObject?.Name ?? Name;

    /// <summary>The volume's record, or null after writing why it cannot be used (missing, not a volume).</summary>
    protected ZDataset? FindVolume(IStorage storage, IllumosSession session)
    {
        var found = ResolveDatasets(storage, session, [VolumeName], ZDatasetType.Volume);
        return found.Count == 1 ? found[0] : null;
    }

    /// <summary>An absolute host path for -Path, which must be on the FileSystem provider.</summary>
    protected string HostPath(string path, bool mustExist)
    {
        ProviderInfo provider;
        string resolved;
        try
        {
            if (mustExist)
            {
                var list = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
                if (list.Count != 1) throw new ItemNotFoundException($"'{path}' resolves to {list.Count} files; name one file.");
                resolved = list[0];
            }
            else resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (ItemNotFoundException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "HostFileNotFound", ErrorCategory.ObjectNotFound, path));
            throw;
        }
        if (provider.Name != "FileSystem")
            ThrowTerminatingError(ErrorMapper.Create("NotAFileSystemPath", ErrorCategory.InvalidArgument,
                $"'{path}' is not a file on the host's file system.", path));
        return resolved;
    }

    protected void ReportProgress(string activity, long done, long total, bool completed = false)
    {
        var record = new ProgressRecord(1, activity, $"{Engine.Size.Format((ulong)done)} of {Engine.Size.Format((ulong)total)}")
        {
            PercentComplete = total == 0 ? 100 : (int)Math.Min(100, done * 100 / total),
            RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        WriteProgress(record);
    }
}
