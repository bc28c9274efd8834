namespace Illumos.Engine.Storage.Replication;

/// <summary>
/// Writes one substream (BEGIN … END) with OpenZFS's framing and checksum chain: each record's first
/// 280 bytes are summed, the sum is stored in the record's last 32 bytes (except BEGIN's), those are
/// summed too, then the payload; END carries the sum of everything before it. Adjacent FREE and
/// FREEOBJECTS records are merged as the kernel merges them.
/// </summary>
public sealed class SendStreamWriter(Stream output)
{
    private StreamChecksum _zc;
    private ulong _toGuid;
    private (ulong Obj, ulong Off, ulong Len)? _free;
    private (ulong First, ulong Count)? _freeObjects;

    public long BytesWritten { get; private set; }
    public long RecordCount { get; private set; }
    /// <summary>Called after each record with the total bytes written so far.</summary>
    public Action<long>? Progress { get; set; }

    public void Begin(DrrRecord begin, ReadOnlySpan<byte> payload)
    {
        _zc.Reset();
        begin.Type = DrrType.Begin;
        begin.Magic = DrrRecord.BeginMagic;
        begin.PayloadLength = (uint)payload.Length;
        _toGuid = begin.BeginToGuid;
        Emit(begin, payload);
    }

    public void Object(ulong obj, uint type, uint bonusType, uint blockSize, ReadOnlySpan<byte> bonus, byte checksum, byte compress)
    {
        Flush();
        var r = New(DrrType.Object);
        r.ObjectId = obj;
        r.ObjectType = type;
        r.BonusType = bonusType;
        r.BlockSize = blockSize;
        r.BonusLength = (uint)bonus.Length;
        r.ObjectChecksumType = checksum;
        r.ObjectCompress = compress;
        r.DnodeSlots = 1;
        int padded = (bonus.Length + 7) & ~7;
        Span<byte> p = padded <= 512 ? stackalloc byte[padded] : new byte[padded];
        p.Clear();
        bonus.CopyTo(p);
        Emit(r, p);
    }

    /// <summary>A block of data: logical bytes, or with <paramref name="compression"/> ≠ 0 the block as stored (payload = compressed size).</summary>
    public void Write(ulong obj, uint type, ulong offset, ulong logicalSize, ReadOnlySpan<byte> payload, byte checksum, byte compression)
    {
        Flush();
        if ((payload.Length & 7) != 0) throw new ArgumentException("payloads are whole 8-byte words", nameof(payload));
        var r = New(DrrType.Write);
        r.ObjectId = obj;
        r.WriteObjectType = type;
        r.WriteOffset = offset;
        r.LogicalSize = logicalSize;
        r.WriteChecksumType = checksum;
        r.CompressionType = compression;
        r.CompressedSize = compression != 0 ? (ulong)payload.Length : 0;
        Emit(r, payload);
    }

    /// <summary>Estimate mode: accounts for a WRITE record and its payload without writing them.</summary>
    public void CountWrite(ulong payloadLength)
    {
        Flush();
        BytesWritten += DrrRecord.Size + (long)payloadLength;
        RecordCount++;
    }

    /// <summary>Frees a byte range of an object (<see cref="ulong.MaxValue"/> length: to the end); merged with an adjacent FREE.</summary>
    public void Free(ulong obj, ulong offset, ulong length)
    {
        FlushFreeObjects();
        if (_free is { } f && f.Obj == obj && f.Len != ulong.MaxValue && f.Off + f.Len == offset)
        {
            _free = (obj, f.Off, length == ulong.MaxValue ? ulong.MaxValue : f.Len + length);
            return;
        }
        FlushFree();
        _free = (obj, offset, length);
    }

    public void FreeObjects(ulong first, ulong count)
    {
        if (count == 0) return;
        FlushFree();
        if (_freeObjects is { } f && f.First + f.Count == first) { _freeObjects = (f.First, f.Count + count); return; }
        FlushFreeObjects();
        _freeObjects = (first, count);
    }

    public void End()
    {
        Flush();
        var r = New(DrrType.End);
        _zc.WriteTo(r.Bytes.AsSpan(8, 32));
        Emit(r, default);
        _zc.Reset();
    }

    private void Flush() { FlushFree(); FlushFreeObjects(); }

    private void FlushFree()
    {
        if (_free is not { } f) return;
        _free = null;
        var r = New(DrrType.Free);
        r.ObjectId = f.Obj;
        r.FreeOffset = f.Off;
        r.FreeLength = f.Len;
        Emit(r, default);
    }

    private void FlushFreeObjects()
    {
        if (_freeObjects is not { } f) return;
        _freeObjects = null;
        var r = New(DrrType.FreeObjects);
        r.FirstObject = f.First;
        r.ObjectCount = f.Count;
        Emit(r, default);
    }

    private DrrRecord New(DrrType type)
    {
        var r = new DrrRecord { Type = type };
        r.SetRecordToGuid(_toGuid);
        return r;
    }

    private void Emit(DrrRecord r, ReadOnlySpan<byte> payload)
    {
        _zc.Add(r.Bytes.AsSpan(0, DrrRecord.ChecksumOffset));
        if (r.Type != DrrType.Begin) _zc.WriteTo(r.Bytes.AsSpan(DrrRecord.ChecksumOffset, 32));
        _zc.Add(r.Bytes.AsSpan(DrrRecord.ChecksumOffset, 32));
        output.Write(r.Bytes);
        if (!payload.IsEmpty)
        {
            _zc.Add(payload);
            output.Write(payload);
        }
        BytesWritten += DrrRecord.Size + payload.Length;
        RecordCount++;
        Progress?.Invoke(BytesWritten);
    }
}
