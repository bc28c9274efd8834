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
    /// <summary>The device size the pool uses: labels sit at its ends. It stays what the labels recorded when the file grows, until the vdev is expanded.</summary>
    public long FileSize { get; private set; }
    /// <summary>The file's current length, which may exceed <see cref="FileSize"/> after the file grew.</summary>
    public long PhysicalSize => _handle is null ? FileSize : RandomAccess.GetLength(_handle);
    /// <summary>Bytes for data the device would give at <see cref="PhysicalSize"/>.</summary>
    public long PhysicalDataSize => DataSizeOf(PhysicalSize);

    /// <summary>Sets the size the pool uses (the recorded one at import, the physical one on expansion); never beyond the file.</summary>
    public void UseSize(long size)
    {
        if (size < MinimumSize || size > PhysicalSize) throw new ArgumentOutOfRangeException(nameof(size));
        FileSize = size;
    }
    /// <summary>Taken offline (zpool offline); persistent unless <see cref="OfflineTemporary"/>.</summary>
    public bool Offline { get; set; }
    /// <summary>zpool offline -t: not recorded in the labels, so the next import brings the device back.</summary>
    public bool OfflineTemporary { get; set; }
    /// <summary>Taken out of service after too many I/O errors; recorded in the labels until zpool clear.</summary>
    public bool Faulted { get; set; }
    /// <summary>Too many checksum errors outside scrub and resilver: still used, not trusted; recorded until zpool clear.</summary>
    public bool Degraded { get; set; }

    /// <summary>Being rebuilt by a resilver (a spare that took over, a replacement): its checksum errors are expected, not diagnosed.</summary>
    public bool Resilvering { get; set; }

    /// <summary>Its hot spare was detached by the administrator: no spare is activated for it again until it is cleared or replaced.</summary>
    public bool SpareDeclined { get; set; }

    /// <summary>I/O errors (read plus write) after which the device is faulted, and checksum errors after which it is degraded (zed's defaults).</summary>
    public const int ErrorLimit = 10;

    public ZHealth State => Offline ? ZHealth.OFFLINE : _handle is null ? ZHealth.UNAVAIL : Faulted ? ZHealth.FAULTED : Degraded ? ZHealth.DEGRADED : ZHealth.ONLINE;
    /// <summary>Whether I/O goes to this device: online or degraded (a faulted device is out of service).</summary>
    public bool Usable => State is ZHealth.ONLINE or ZHealth.DEGRADED;
    /// <summary>Why zpool status shows it as it does.</summary>
    public string? Note => State switch
    {
        ZHealth.FAULTED or ZHealth.DEGRADED => "too many errors",
        ZHealth.UNAVAIL => "cannot open",
        _ => null,
    };

    private ulong _diagnosedChecksumErrors;

    /// <summary>
    /// Counts a checksum error. As zed does, errors found by scrub or resilver I/O are counted but do
    /// not degrade the device (they are being repaired); others do, past <see cref="ErrorLimit"/>.
    /// </summary>
    public void CountChecksumError(bool scrub)
    {
        if (Resilvering) return; // not yet written: bad data is expected there (ZFS does not even read it)
        Interlocked.Increment(ref ChecksumErrors);
        if (!scrub && !Resilvering && Interlocked.Increment(ref _diagnosedChecksumErrors) > ErrorLimit) Degraded = true;
    }

    /// <summary>Counts a read or write error; past <see cref="ErrorLimit"/> the device is faulted.</summary>
    public void CountIoError(bool write)
    {
        if (write) Interlocked.Increment(ref WriteErrors);
        else Interlocked.Increment(ref ReadErrors);
        if (ReadErrors + WriteErrors > ErrorLimit) Faulted = true;
    }

    /// <summary>zpool clear: counters to zero and the fault or degradation lifted.</summary>
    public void ClearErrors()
    {
        ReadErrors = WriteErrors = ChecksumErrors = _diagnosedChecksumErrors = 0;
        Faulted = Degraded = SpareDeclined = false;
    }

    /// <summary>Fault injection (tests): every data read and write fails with an I/O error, like zinject -e io.</summary>
    internal bool InjectIoErrors { get; set; }

    /// <summary>Size with the labels' alignment: labels sit at multiples of 256 KiB.</summary>
    public long AlignedSize => FileSize / LabelSize * LabelSize;
    /// <summary>Bytes usable for data between the front reserve and the end labels.</summary>
    public long DataSize => DataSizeOf(FileSize);

    private static long DataSizeOf(long fileSize) => fileSize / LabelSize * LabelSize - DataStart - 2 * LabelSize;

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
        if (InjectIoErrors) throw new IOException($"Injected I/O error reading '{Path}'.");
        if (offset < 0 || offset + buffer.Length > DataSize) throw new IllumosException(ErrorKind.InvalidData, "BlockOutOfRange", $"A block address lies outside device '{Path}'.", Path);
        ReadRaw(DataStart + offset, buffer);
    }

    public void WriteData(long offset, ReadOnlySpan<byte> data)
    {
        if (InjectIoErrors) throw new IOException($"Injected I/O error writing '{Path}'.");
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
