using System.Diagnostics;
using System.Text.Json;

namespace Illumos.Engine.Sessions;

/// <summary>
/// One process owns a host directory at a time. The lock is an exclusive OS lock on
/// <c>.illumos.lock</c> (flock on Unix, a share-deny handle on Windows), released by the OS if the
/// process dies; the owner's identity sits beside it in <c>.illumos.owner</c> so a refused process
/// can say who holds the directory.
/// </summary>
public sealed class HostLock : IDisposable
{
    private const string LockName = ".illumos.lock";
    private const string OwnerName = ".illumos.owner";
    private FileStream? _handle;
    private readonly string _ownerPath;

    private HostLock(FileStream handle, string ownerPath)
    {
        _handle = handle;
        _ownerPath = ownerPath;
    }

    public static HostLock Acquire(string directory)
    {
        var lockPath = Path.Combine(directory, LockName);
        var ownerPath = Path.Combine(directory, OwnerName);
        FileStream handle;
        try
        {
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new IllumosException(ErrorKind.ResourceBusy, "HostDirectoryLocked",
                $"The host directory '{directory}' is in use by {DescribeOwner(ownerPath)}. Close that session (Remove-IllumosSession) or use another directory.",
                directory);
        }
        var owner = new OwnerInfo(Environment.ProcessId, CurrentProcessName(), Environment.MachineName, DateTimeOffset.Now);
        AtomicFile.WriteAllText(ownerPath, JsonSerializer.Serialize(owner));
        return new HostLock(handle, ownerPath);
    }

    private static string CurrentProcessName()
    {
        try { return Process.GetCurrentProcess().ProcessName; } catch { return "unknown"; }
    }

    private static string DescribeOwner(string ownerPath)
    {
        try
        {
            var o = JsonSerializer.Deserialize<OwnerInfo>(File.ReadAllText(ownerPath));
            if (o is not null)
                return $"process {o.ProcessId} ({o.ProcessName}) on {o.Machine} since {o.Since:yyyy-MM-dd HH:mm:ss}";
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { }
        return "another process";
    }

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, null);
        if (h is null) return;
        try { File.Delete(_ownerPath); } catch (IOException) { }
        h.Dispose();
    }

    private sealed record OwnerInfo(int ProcessId, string ProcessName, string Machine, DateTimeOffset Since);
}
