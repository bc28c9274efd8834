namespace Illumos.Engine.Storage.Replication;

/// <summary>
/// Reads a send stream record by record and checks what a receiver must trust before it applies
/// anything: the BEGIN magic, known record types and feature bits, every record's chained checksum,
/// the END checksum, and that the stream does not stop inside a record or before an END. Errors name
/// the record and byte offset.
/// </summary>
public sealed class SendStreamReader(Stream input)
{
    /// <summary>Feature bits this engine can receive.</summary>
    public const StreamFeatures Supported = StreamFeatures.EmbeddedZpl | StreamFeatures.LargeBlocks | StreamFeatures.Compressed
        | StreamFeatures.Lz4 | StreamFeatures.EmbedData | StreamFeatures.SaSpill | StreamFeatures.LargeDnode | StreamFeatures.Resuming
        | StreamFeatures.Holds | StreamFeatures.Zstd;

    private const int MaxPayload = 64 << 20;
    private StreamChecksum _zc;
    private byte[] _payload = new byte[128 * 1024];
    private bool _inSubstream;
    private bool _first = true;

    public long Position { get; private set; }
    public long RecordIndex { get; private set; }
    /// <summary>The payload of the last record read (valid until the next read).</summary>
    public ReadOnlyMemory<byte> Payload { get; private set; }
    /// <summary>True between a BEGIN and its END.</summary>
    public bool InSubstream => _inSubstream;
    public Action<long>? Progress { get; set; }

    /// <summary>The next record, or null at the clean end of the input (after an END).</summary>
    public DrrRecord? Next()
    {
        var rec = new DrrRecord();
        int got = Fill(rec.Bytes);
        if (got == 0)
        {
            if (_inSubstream || _first) throw Truncated("the stream ends before its END record");
            return null;
        }
        if (got < DrrRecord.Size)
        {
            if (_first && (got < 16 || rec.Magic != DrrRecord.BeginMagic))
                throw Bad("StreamNotAStream", $"The input is not a ZFS send stream ({got} bytes, shorter than one record, without the stream magic).");
            throw Truncated($"the stream ends inside record {RecordIndex + 1}");
        }
        long at = Position;
        Position += DrrRecord.Size;
        RecordIndex++;
        if (_first)
        {
            _first = false;
            if (rec.Type != DrrType.Begin || rec.Magic != DrrRecord.BeginMagic)
            {
                if (rec.U64(8) == System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(DrrRecord.BeginMagic))
                    throw Bad("StreamByteSwapped", "The stream was written by a big-endian host; byte-swapped streams are not supported.");
                throw Bad("StreamNotAStream", "The input is not a ZFS send stream (no BEGIN record with the stream magic at its start).");
            }
        }
        if ((uint)rec.Type > (uint)DrrType.Redact) throw Bad("StreamInvalidRecord", $"Record {RecordIndex} at byte {at} has an invalid type {(uint)rec.Type}.");

        if (rec.Type == DrrType.End)
        {
            // END's own field holds the sum of everything before END.
            Span<byte> before = stackalloc byte[32];
            _zc.WriteTo(before);
            if (!rec.Bytes.AsSpan(8, 32).SequenceEqual(before))
                throw Bad("StreamChecksumMismatch", $"The END record at byte {at} does not match the checksum of the stream before it: the stream is damaged.");
        }
        _zc.Add(rec.Bytes.AsSpan(0, DrrRecord.ChecksumOffset));
        if (rec.Type != DrrType.Begin)
        {
            Span<byte> sum = stackalloc byte[32];
            _zc.WriteTo(sum);
            if (!rec.Bytes.AsSpan(DrrRecord.ChecksumOffset, 32).SequenceEqual(sum))
                throw Bad("StreamChecksumMismatch", $"Record {RecordIndex} ({rec.Type.ToString().ToUpperInvariant()}) at byte {at} has a bad checksum: the stream is damaged.");
        }
        _zc.Add(rec.Bytes.AsSpan(DrrRecord.ChecksumOffset, 32));

        if (rec.Type == DrrType.Begin)
        {
            if (rec.Magic != DrrRecord.BeginMagic) throw Bad("StreamNotAStream", $"Record {RecordIndex} at byte {at} is a BEGIN without the stream magic.");
            var unknown = rec.Features & ~Supported;
            if (unknown != 0) throw new IllumosException(ErrorKind.NotImplemented, "StreamUnknownFeature",
                $"The stream needs feature flags this engine does not support: 0x{(uint)unknown:x} ({unknown}).", (uint)unknown);
            _inSubstream = rec.HeaderType == DrrRecord.SubStream;
        }
        ulong size = rec.PayloadSize;
        if (size > MaxPayload) throw Bad("StreamInvalidRecord", $"Record {RecordIndex} at byte {at} announces a payload of {size} bytes.");
        if ((int)size > _payload.Length) _payload = new byte[Math.Max((int)size, _payload.Length * 2)];
        var p = _payload.AsMemory(0, (int)size);
        if (Fill(p.Span) < (int)size) throw Truncated($"the stream ends inside the payload of record {RecordIndex}");
        Position += (long)size;
        if ((size & 3) != 0) throw Bad("StreamInvalidRecord", $"Record {RecordIndex} at byte {at} has a payload that is not whole 32-bit words.");
        _zc.Add(p.Span);
        Payload = p;
        if (rec.Type == DrrType.End)
        {
            _zc.Reset();
            _inSubstream = false;
        }
        Progress?.Invoke(Position);
        return rec;
    }

    private int Fill(Span<byte> buffer)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = input.Read(buffer[done..]);
            if (n == 0) break;
            done += n;
        }
        return done;
    }

    private IllumosException Truncated(string what) =>
        new(ErrorKind.InvalidData, "StreamTruncated", $"The send stream is cut short: {what} (at byte {Position}).", Position);

    private static IllumosException Bad(string id, string message) => new(ErrorKind.InvalidData, id, message, null);
}
