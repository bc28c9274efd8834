namespace Illumos.Engine.Storage.Embedded.Zpl;

/// <summary>A seekable stream over a ZPL file; a writable one commits its txg when disposed.</summary>
public sealed class ZplStream : Stream
{
    private readonly IZplHost _host;
    private readonly ZplFiles _files;
    private readonly string _dataset;
    private readonly ulong _obj;
    private readonly bool _writable;
    private long _length;
    private long _position;
    private bool _disposed;
    private bool _wrote;

    internal ZplStream(IZplHost host, ZplFiles files, string dataset, ulong obj, long length, bool writable)
    {
        _host = host; _files = files; _dataset = dataset; _obj = obj; _length = length; _writable = writable;
    }

    public override bool CanRead => !_disposed;
    public override bool CanSeek => !_disposed;
    public override bool CanWrite => !_disposed && _writable;
    public override long Length => _writable ? _length : _length;
    public override long Position { get => _position; set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value)); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = _files.ReadAt(_dataset, _obj, _position, buffer);
        _position += n;
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_writable) throw new NotSupportedException("The stream was opened for reading.");
        if (buffer.Length == 0) return;
        _length = _files.WriteAt(_dataset, _obj, _position, buffer);
        _position += buffer.Length;
        _wrote = true;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => _length + offset };
        return _position;
    }

    public override void SetLength(long value)
    {
        if (!_writable) throw new NotSupportedException("The stream was opened for reading.");
        _host.Run(_dataset, true, c => { var o = c.Os.Get(_obj); o.Truncate(value); return 0; });
        _length = value;
        _wrote = true;
    }

    /// <summary>fsync: the data is committed before Flush returns.</summary>
    public override void Flush()
    {
        if (_writable && _wrote) { _host.Commit(_dataset); _wrote = false; }
    }

    protected override void Dispose(bool disposing)
    {
        if (!_disposed && disposing) Flush();
        _disposed = true;
        base.Dispose(disposing);
    }
}
