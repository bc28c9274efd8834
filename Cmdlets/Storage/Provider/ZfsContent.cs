using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Text;
using Illumos.Engine;

namespace Illumos.Cmdlets.Storage.Provider;

/// <summary>
/// An engine failure reported by the provider. PowerShell rethrows provider errors and wraps what
/// content readers and writers throw; an exception that carries its ErrorRecord keeps the engine's
/// ErrorId, category and target through both.
/// </summary>
public sealed class ZfsContentException : Exception, IContainsErrorRecord
{
    public ZfsContentException(IllumosException inner, object? target) : base(inner.Message, inner)
    {
        ErrorRecord = new ErrorRecord(this, inner.ErrorId, ErrorMapper.ToCategory(inner.Kind), target ?? inner.Target);
    }

    /// <summary>The record the provider writes for an engine failure.</summary>
    public static ErrorRecord Record(IllumosException e, object? target) => new ZfsContentException(e, target).ErrorRecord;

    /// <summary>A refusal decided by the provider itself, in the same shape.</summary>
    public static ErrorRecord Record(string errorId, ErrorCategory category, string message, object? target) =>
        Record(new IllumosException(Enum.TryParse<ErrorKind>(category.ToString(), out var k) ? k : ErrorKind.NotSpecified, errorId, message, target), target);

    public ErrorRecord ErrorRecord { get; }

    public static T Guard<T>(Func<T> work, object? target)
    {
        try { return work(); }
        catch (IllumosException e) { throw new ZfsContentException(e, target); }
    }
}

/// <summary>Get-Content on a ZFS file: lines (or delimited pieces), the whole text (-Raw), or bytes (-AsByteStream).</summary>
internal sealed class ZfsContentReader : IContentReader
{
    private readonly Stream _stream;
    private readonly StreamReader? _text;
    private readonly bool _bytes;
    private readonly bool _raw;
    private readonly string? _delimiter;
    private readonly string _target;
    private bool _rawDone;

    public ZfsContentReader(Stream stream, ZfsContentReaderParameters? p, string target)
    {
        _stream = stream;
        _target = target;
        _bytes = p?.AsByteStream == true;
        _raw = p?.Raw == true;
        _delimiter = p?.Delimiter;
        if (!_bytes) _text = new StreamReader(stream, p?.Encoding ?? new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
    }

    public IList Read(long readCount) => ZfsContentException.Guard(() => _bytes ? ReadBytes(readCount) : ReadText(readCount), _target);

    private IList ReadBytes(long readCount)
    {
        if (_raw)
        {
            if (_rawDone) return Array.Empty<object>();
            _rawDone = true;
            using var all = new MemoryStream();
            _stream.CopyTo(all);
            return all.Length == 0 ? Array.Empty<object>() : new object[] { all.ToArray() };
        }
        int want = readCount <= 0 ? int.MaxValue : (int)Math.Min(readCount, int.MaxValue);
        var result = new List<byte>(Math.Min(want, 1 << 16));
        var buffer = new byte[Math.Min(want, 1 << 16)];
        while (result.Count < want)
        {
            int n = _stream.Read(buffer, 0, Math.Min(buffer.Length, want - result.Count));
            if (n <= 0) break;
            result.AddRange(buffer.AsSpan(0, n));
        }
        return result.ToArray();
    }

    private IList ReadText(long readCount)
    {
        var reader = _text!;
        if (_raw)
        {
            if (_rawDone) return Array.Empty<object>();
            _rawDone = true;
            var all = reader.ReadToEnd();
            return all.Length == 0 ? Array.Empty<object>() : new object[] { all };
        }
        var lines = new List<object>();
        while (readCount <= 0 || lines.Count < readCount)
        {
            var piece = _delimiter is null ? reader.ReadLine() : ReadToDelimiter(reader, _delimiter);
            if (piece is null) break;
            lines.Add(piece);
        }
        return lines;
    }

    private static string? ReadToDelimiter(StreamReader reader, string delimiter)
    {
        var sb = new StringBuilder();
        int c;
        while ((c = reader.Read()) >= 0)
        {
            sb.Append((char)c);
            if (sb.Length >= delimiter.Length && sb.ToString(sb.Length - delimiter.Length, delimiter.Length) == delimiter)
                return sb.ToString();
        }
        return sb.Length == 0 ? null : sb.ToString();
    }

    public void Seek(long offset, SeekOrigin origin) => ZfsContentException.Guard(() => _stream.Seek(offset, origin), _target);

    public void Close() => Dispose();

    public void Dispose()
    {
        _text?.Dispose();
        _stream.Dispose();
    }
}

/// <summary>Set-Content / Add-Content on a ZFS file: values as lines of text, or as bytes with -AsByteStream.</summary>
internal sealed class ZfsContentWriter : IContentWriter
{
    private readonly Stream _stream;
    private readonly Encoding _encoding;
    private readonly bool _bytes;
    private readonly bool _noNewline;
    private readonly string _target;
    private bool _wrotePreamble;

    public ZfsContentWriter(Stream stream, ZfsContentWriterParameters? p, string target)
    {
        // PowerShell hands -AsByteStream content over byte by byte; each engine write takes the pool
        // lock and checks quotas, so single bytes are gathered first (a 32 KiB Set-Content took 1.3 s).
        _stream = new BufferedStream(stream, 128 * 1024);
        _target = target;
        _encoding = p?.Encoding ?? new UTF8Encoding(false);
        _bytes = p?.AsByteStream == true;
        _noNewline = p?.NoNewline == true;
    }

    public IList Write(IList content)
    {
        ZfsContentException.Guard(() =>
        {
            foreach (var item in content) WriteItem(item);
            return true;
        }, _target);
        return content;
    }

    private void WriteItem(object? item)
    {
        var value = item is PSObject p ? p.BaseObject : item;
        if (_bytes)
        {
            switch (value)
            {
                case null: return;
                case byte b: _stream.WriteByte(b); return;
                case byte[] a: _stream.Write(a, 0, a.Length); return;
                case IEnumerable e and not string:
                    foreach (var x in e) WriteItem(x);
                    return;
                default: _stream.WriteByte(LanguagePrimitives.ConvertTo<byte>(value)); return;
            }
        }
        if (value is IEnumerable list and not string)
        {
            foreach (var x in list) WriteItem(x);
            return;
        }
        if (!_wrotePreamble && _stream.CanSeek && _stream.Position == 0)
        {
            var preamble = _encoding.GetPreamble();
            if (preamble.Length > 0) _stream.Write(preamble, 0, preamble.Length);
        }
        _wrotePreamble = true;
        var text = (value is null ? "" : LanguagePrimitives.ConvertTo<string>(value)) + (_noNewline ? "" : "\n");
        var bytes = _encoding.GetBytes(text);
        _stream.Write(bytes, 0, bytes.Length);
    }

    public void Seek(long offset, SeekOrigin origin) => ZfsContentException.Guard(() => _stream.Seek(offset, origin), _target);

    public void Close() => Dispose();

    /// <summary>Disposing the engine stream commits the data; a failure there (quota) is reported like a failed write.</summary>
    public void Dispose() => ZfsContentException.Guard(() => { _stream.Dispose(); return true; }, _target);
}
