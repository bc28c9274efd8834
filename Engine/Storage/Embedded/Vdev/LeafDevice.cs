using Microsoft.Win32.SafeHandles;

namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// A leaf vdev backed by a file: four 256 KiB labels (two at each end), a reserved boot region up to
/// 4 MiB, and the allocatable area between. Offsets given to <see cref="ReadData"/>/<see cref="WriteData"/>
/// are relative to the allocatable area. Keeps zpool iostat counters and zpool status error counts.
/// </summary>
public sealed class LeafDevice : IDisposable
{
    public const long LabelSize = 256 * 1024;
    public const long DataStart = 4L << 20;
    public const long MinimumSize = 64L << 20;

    private SafeFileHandle? _handle;

    public LeafDevice(string path, ulong guid, bool create = false)
    {
        Path = path;
        Guid = guid;
        try
        {
            _handle = File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IllumosException(ErrorKind.ResourceUnavailable, "DeviceUnavailable", $"Cannot open device '{path}': {e.Message}", path, e);
        }
        FileSize = RandomAccess.GetLength(_handle);
    }

    private LeafDevice(string path, ulong guid, long size)
    {
        Path = path;
        Guid = guid;
        FileSize = size;
    }

    /// <summary>A device the pool expects but that cannot be opened (UNAVAIL); its size is the one the label recorded.</summary>
    public static LeafDevice Missing(string path, ulong guid, long size) => new(path, guid, size);

    public string Path { get; }
    public ulong Guid { get; set; }
    public long FileSize { get; private set; }
    public bool Offline { get; set; }
    public ZHealth State => Offline ? ZHealth.OFFLINE : _handle is null ? ZHealth.UNAVAIL : ChecksumErrors + ReadErrors + WriteErrors > 64 ? ZHealth.FAULTED : ZHealth.ONLINE;

    /// <summary>Size with the labels' alignment: labels sit at multiples of 256 KiB.</summary>
    public long AlignedSize => FileSize / LabelSize * LabelSize;
    /// <summary>Bytes usable for data between the front reserve and the end labels.</summary>
    public long DataSize => AlignedSize - DataStart - 2 * LabelSize;

    public static long LabelOffset(int label, long alignedSize) => label < 2 ? label * LabelSize : alignedSize - (4 - label) * LabelSize;

    public ulong ReadOps, WriteOps, ReadBytes, WriteBytes, ReadErrors, WriteErrors, ChecksumErrors, CacheHits, CacheMisses;

    public void ReadRaw(long offset, Span<byte> buffer)
    {
        var h = _handle ?? throw Unavailable();
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(h, buffer[done..], offset + done);
            if (n == 0) { buffer[done..].Clear(); break; }
            done += n;
        }
        Interlocked.Increment(ref ReadOps);
        Interlocked.Add(ref ReadBytes, (ulong)buffer.Length);
    }

    public void WriteRaw(long offset, ReadOnlySpan<byte> data)
    {
        var h = _handle ?? throw Unavailable();
        RandomAccess.Write(h, data, offset);
        Interlocked.Increment(ref WriteOps);
        Interlocked.Add(ref WriteBytes, (ulong)data.Length);
    }

    /// <summary>Writes buffers back to back from <paramref name="offset"/> of the data area with one vectored write.</summary>
    public void WriteDataGather(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        long total = 0;
        foreach (var b in buffers) total += b.Length;
        if (offset < 0 || offset + total > DataSize) throw new IllumosException(ErrorKind.InvalidData, "BlockOutOfRange", $"A block address lies outside device '{Path}'.", Path);
        var h = _handle ?? throw Unavailable();
        RandomAccess.Write(h, buffers, DataStart + offset);
        Interlocked.Increment(ref WriteOps);
        Interlocked.Add(ref WriteBytes, (ulong)total);
    }

    public void ReadData(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset + buffer.Length > DataSize) throw new IllumosException(ErrorKind.InvalidData, "BlockOutOfRange", $"A block address lies outside device '{Path}'.", Path);
        ReadRaw(DataStart + offset, buffer);
    }

    public void WriteData(long offset, ReadOnlySpan<byte> data)
    {
        if (offset < 0 || offset + data.Length > DataSize) throw new IllumosException(ErrorKind.InvalidData, "BlockOutOfRange", $"A block address lies outside device '{Path}'.", Path);
        WriteRaw(DataStart + offset, data);
    }

    public void Flush()
    {
        if (_handle is { } h) RandomAccess.FlushToDisk(h);
    }

    private IllumosException Unavailable() => new(ErrorKind.ResourceUnavailable, "DeviceUnavailable", $"Device '{Path}' is not available.", Path);

    public void Dispose()
    {
        _handle?.Dispose();
        _handle = null;
    }
}
