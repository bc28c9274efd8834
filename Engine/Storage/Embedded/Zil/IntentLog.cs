using System.Buffers.Binary;
using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded.Zil;

/// <summary>One logged write: which dataset and object, where, what.</summary>
public sealed record LogRecord(ulong Seq, ulong Txg, ulong Dataset, ulong Object, long Offset, byte[] Data);

/// <summary>
/// The ZIL on the pool's log devices (the SLOG): synchronous writes are appended as checksummed,
/// sequence-numbered records and flushed before the write returns; the txg that later commits the
/// same change makes them obsolete. Each commit restarts the log at the start of the device with the
/// sequence continuing, so at import the chain read from offset 0 stops at the first record that is
/// torn or out of sequence, and only records newer than the committed txg are replayed.
/// Record: magic u32, data length i32, seq u64, txg u64, dataset u64, object u64, offset i64, data,
/// zero pad to 512, fletcher4 of all that (32 bytes) in the last 32 bytes of the record.
/// </summary>
public sealed class IntentLog
{
    private const uint Magic = 0x5a494c31; // "ZIL1"
    private const int HeaderSize = 48;
    private readonly IReadOnlyList<LeafDevice> _leaves;
    private long _head;
    private ulong _seq = 1;

    public IntentLog(IReadOnlyList<LeafDevice> leaves, ulong firstSeq = 1)
    {
        _leaves = leaves;
        _seq = firstSeq;
    }

    /// <summary>The log on other devices (a log vdev was removed), its sequence continuing.</summary>
    public IntentLog On(IReadOnlyList<LeafDevice> leaves) => new(leaves, _seq);

    public bool Enabled => _leaves.Any(l => l.State == ZHealth.ONLINE);
    private long Capacity => _leaves.Min(l => l.DataSize);

    private static int RecordSize(int dataLength) => (HeaderSize + dataLength + 32 + 511) / 512 * 512;

    /// <summary>Appends a record and flushes the log devices; false when it does not fit (the caller commits a txg instead).</summary>
    public bool Append(ulong txg, ulong dataset, ulong obj, long offset, ReadOnlySpan<byte> data)
    {
        int size = RecordSize(data.Length);
        if (_head + size > Capacity) return false;
        var rec = new byte[size];
        BinaryPrimitives.WriteUInt32LittleEndian(rec, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(rec.AsSpan(4), data.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(rec.AsSpan(8), _seq);
        BinaryPrimitives.WriteUInt64LittleEndian(rec.AsSpan(16), txg);
        BinaryPrimitives.WriteUInt64LittleEndian(rec.AsSpan(24), dataset);
        BinaryPrimitives.WriteUInt64LittleEndian(rec.AsSpan(32), obj);
        BinaryPrimitives.WriteInt64LittleEndian(rec.AsSpan(40), offset);
        data.CopyTo(rec.AsSpan(HeaderSize));
        var sum = BlockChecksum.Compute(ChecksumKind.Fletcher4, rec.AsSpan(0, size - 32));
        sum.Write(rec.AsSpan(size - 32));
        int ok = 0;
        foreach (var l in _leaves)
        {
            if (l.State != ZHealth.ONLINE) continue;
            try { l.WriteData(_head, rec); l.Flush(); ok++; }
            catch (IOException) { Interlocked.Increment(ref l.WriteErrors); }
        }
        if (ok == 0) return false;
        _head += size;
        _seq++;
        return true;
    }

    /// <summary>After a txg commit: everything logged so far is on disk in the pool.</summary>
    public void Reset() => _head = 0;

    public bool IsEmpty => _head == 0;

    /// <summary>The chain at the start of the log, up to the first torn or out-of-sequence record.</summary>
    public List<LogRecord> ReadChain()
    {
        var result = new List<LogRecord>();
        var leaf = _leaves.FirstOrDefault(l => l.State == ZHealth.ONLINE);
        if (leaf is null) return result;
        long pos = 0;
        ulong expect = 0;
        var head = new byte[HeaderSize];
        while (pos + 512 <= Capacity)
        {
            leaf.ReadData(pos, head);
            if (BinaryPrimitives.ReadUInt32LittleEndian(head) != Magic) break;
            int len = BinaryPrimitives.ReadInt32LittleEndian(head.AsSpan(4));
            if (len < 0 || pos + RecordSize(len) > Capacity) break;
            var rec = new byte[RecordSize(len)];
            leaf.ReadData(pos, rec);
            if (BlockChecksum.Compute(ChecksumKind.Fletcher4, rec.AsSpan(0, rec.Length - 32)) != Checksum256.Read(rec.AsSpan(rec.Length - 32))) break;
            ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(8));
            if (expect != 0 && seq != expect) break;
            expect = seq + 1;
            result.Add(new LogRecord(seq, BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(16)), BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(24)),
                BinaryPrimitives.ReadUInt64LittleEndian(rec.AsSpan(32)), BinaryPrimitives.ReadInt64LittleEndian(rec.AsSpan(40)), rec.AsSpan(HeaderSize, len).ToArray()));
            pos += rec.Length;
        }
        if (result.Count > 0) _seq = result[^1].Seq + 1;
        return result;
    }
}
