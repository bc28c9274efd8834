using Illumos.Engine.Storage.Embedded.Compression;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Replication;

namespace Illumos.Engine.Storage.Embedded.Replication;

/// <summary>
/// Applies the records of one substream to the object set being received into (a new dataset or the
/// hidden clone of an incremental), and keeps the resume point in the dataset's receive state. Only
/// records whose checksum has been confirmed by the record after them are handed here.
/// </summary>
internal sealed class DatasetReceiver(Dataset into, ObjectSet os, bool volume)
{
    private DmuObject? _current;
    private long _currentLength = -1;

    public ulong? VolumeSize { get; private set; }

    public void Apply(DrrRecord r, ReadOnlySpan<byte> payload)
    {
        var state = into.Receiving!;
        switch (r.Type)
        {
            case DrrType.Object: ApplyObject(r, payload); break;
            case DrrType.FreeObjects:
                FinishObject();
                if (volume) break; // a zvol has objects 1 and 2 only
                os.FreeObjects(r.FirstObject, r.ObjectCount);
                break;
            case DrrType.Free:
                var f = Target(r.ObjectId);
                if (f is null) break;
                if (r.FreeLength == ulong.MaxValue || r.FreeOffset + r.FreeLength < r.FreeOffset)
                {
                    if ((long)r.FreeOffset < f.Length) f.Truncate((long)r.FreeOffset);
                }
                else f.FreeRange((long)r.FreeOffset, (long)r.FreeLength);
                break;
            case DrrType.Write:
                ApplyWrite(r, payload);
                state.Object = r.ObjectId;
                state.Offset = r.WriteOffset + r.LogicalSize;
                break;
            case DrrType.WriteEmbedded or DrrType.WriteByRef or DrrType.Spill or DrrType.ObjectRange or DrrType.Redact:
                throw new IllumosException(ErrorKind.NotImplemented, "StreamRecordUnsupported",
                    $"The stream has {r.Type.ToString().ToUpperInvariant()} records, which this engine does not receive (send without -e/-D/raw/redaction).", r.Type.ToString());
            case DrrType.End:
                FinishObject();
                break;
        }
        into.Dirty = true;
    }

    private DmuObject? Target(ulong obj)
    {
        if (volume && obj == StreamObjects.ZvolPropObject) return null;
        if (_current?.Id == obj) return _current;
        return os.TryGet(obj) ?? throw StreamObjects.Bad($"a record refers to object {obj}, which the stream has not described");
    }

    private void ApplyObject(DrrRecord r, ReadOnlySpan<byte> bonus)
    {
        FinishObject();
        ulong id = r.ObjectId;
        uint bs = r.BlockSize;
        if (bs < 512 || bs > 16u << 20 || bs % 512 != 0) throw StreamObjects.Bad($"object {id} has block size {bs}");
        into.Receiving!.Object = id;
        into.Receiving.Offset = 0;
        if (volume)
        {
            if (id == StreamObjects.ZvolPropObject) return;
            if (id != StreamObjects.ZvolDataObject || r.ObjectType != StreamObjects.OtZvol) throw StreamObjects.Bad($"a volume stream describes object {id} of type {r.ObjectType}");
            _current = Prepare(id, ObjectType.ZvolData, (int)bs);
            _currentLength = -1;
            return;
        }
        var attrs = StreamObjects.ReadBonus(bonus[..(int)r.BonusLength], id);
        if (StreamObjects.DmuType(attrs.Type) != r.ObjectType) throw StreamObjects.Bad($"object {id} has DMU type {r.ObjectType} but attributes of a {attrs.Type}");
        var o = Prepare(id, attrs.Type, (int)bs);
        attrs.Apply(o.Dn);
        o.MarkDirty();
        _current = o;
        _currentLength = attrs.Length;
    }

    /// <summary>The object to receive into: kept when its kind and block size fit, resized when it is a single block, else made afresh.</summary>
    private DmuObject Prepare(ulong id, ObjectType type, int bs)
    {
        var o = os.TryGet(id);
        if (o is null || o.Dn.Type != type || (o.BlockSize != bs && o.Dn.NLevels != 1)) return os.Claim(id, type, bs);
        if (o.BlockSize != bs) o.Resize(bs);
        return o;
    }

    private void FinishObject()
    {
        if (_current is { } o && _currentLength >= 0 && o.Dn.Length != _currentLength)
        {
            if (o.Dn.Length > _currentLength) o.Truncate(_currentLength);
            o.Dn.Length = _currentLength;
            o.MarkDirty();
        }
        _current = null;
        _currentLength = -1;
    }

    private void ApplyWrite(DrrRecord r, ReadOnlySpan<byte> payload)
    {
        if (volume && r.ObjectId == StreamObjects.ZvolPropObject)
        {
            VolumeSize = StreamObjects.ReadZvolSize(payload) ?? VolumeSize;
            return;
        }
        var o = Target(r.ObjectId)!;
        ulong lsize = r.LogicalSize;
        if (lsize != (ulong)o.BlockSize || r.WriteOffset % lsize != 0)
            throw StreamObjects.Bad($"a WRITE of object {r.ObjectId} at {r.WriteOffset} has size {lsize}, not the object's block size {o.BlockSize}");
        if (r.CompressionType is 0 or (byte)CompressionKind.Off)
        {
            o.Write((long)r.WriteOffset, payload[..(int)lsize]);
            return;
        }
        if (r.CompressionType != (byte)CompressionKind.Lz4)
            throw new IllumosException(ErrorKind.NotImplemented, "StreamCompressionUnsupported",
                $"The stream carries blocks compressed with ZFS compression {r.CompressionType}; this engine receives lz4 or uncompressed blocks (send without -c).", r.CompressionType);
        // OpenZFS's lz4 block: a big-endian length, then the lz4 data; this engine's codec wants a little-endian one.
        var stored = payload.ToArray();
        Array.Reverse(stored, 0, 4);
        var logical = new byte[lsize];
        BlockCompression.Decompress(CompressionKind.Lz4, stored, logical);
        o.Write((long)r.WriteOffset, logical);
    }
}
