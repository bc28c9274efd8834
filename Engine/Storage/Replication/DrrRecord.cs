using System.Buffers.Binary;
using System.Text;

namespace Illumos.Engine.Storage.Replication;

/// <summary>Record types of a send stream, in OpenZFS's enum order (dmu_replay_record.drr_type).</summary>
public enum DrrType : uint
{
    Begin = 0, Object = 1, FreeObjects = 2, Write = 3, Free = 4, End = 5,
    WriteByRef = 6, Spill = 7, WriteEmbedded = 8, ObjectRange = 9, Redact = 10,
}

/// <summary>The feature bits of BEGIN's versioninfo (bits 2-31, DMU_BACKUP_FEATURE_*).</summary>
[Flags]
public enum StreamFeatures : uint
{
    None = 0,
    Dedup = 1 << 0, DedupProps = 1 << 1, SaSpill = 1 << 2, EmbedData = 1 << 16, Lz4 = 1 << 17,
    LargeBlocks = 1 << 19, Resuming = 1 << 20, Redacted = 1 << 21, Compressed = 1 << 22, LargeDnode = 1 << 23,
    Raw = 1 << 24, Zstd = 1 << 25, Holds = 1 << 26, SwitchToLargeBlocks = 1 << 27, LongName = 1 << 28, LargeMicrozap = 1 << 29,

    /// <summary>
    /// This engine's own ZPL object layout (docs/send-stream.md). OpenZFS does not know the bit and so
    /// refuses such a stream rather than creating a filesystem it could not mount.
    /// </summary>
    EmbeddedZpl = 1u << 30,
}

/// <summary>
/// One 312-byte dmu_replay_record, little-endian, with typed views of the union members this engine
/// writes and reads. Offsets are those of zfs_ioctl.h (zfs.md §2.1). The last 32 bytes of every
/// record except BEGIN hold the running stream checksum.
/// </summary>
public sealed class DrrRecord
{
    public const int Size = 312;
    public const int ChecksumOffset = 280;
    public const ulong BeginMagic = 0x2F5BACBAC;
    public const int SubStream = 1;
    public const int CompoundStream = 2;
    /// <summary>BEGIN's toname is cut here: zstream dump misjudges longer names, whose tail overlaps the checksum (zfs.md §2.5).</summary>
    public const int MaxToName = 223;
    public const uint BeginFlagClone = 1, BeginFlagCiData = 2, BeginFlagFreeRecords = 4, BeginFlagSpillBlock = 8;

    public readonly byte[] Bytes;

    public DrrRecord() => Bytes = new byte[Size];
    public DrrRecord(byte[] bytes) => Bytes = bytes;

    public DrrType Type { get => (DrrType)U32(0); set => SetU32(0, (uint)value); }
    public uint PayloadLength { get => U32(4); set => SetU32(4, value); }

    public ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes.AsSpan(o));
    public uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(o));
    public void SetU64(int o, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Bytes.AsSpan(o), v);
    public void SetU32(int o, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Bytes.AsSpan(o), v);

    // ---- BEGIN ----
    public ulong Magic { get => U64(8); set => SetU64(8, value); }
    public ulong VersionInfo { get => U64(16); set => SetU64(16, value); }
    public int HeaderType => (int)(VersionInfo & 3);
    public StreamFeatures Features => (StreamFeatures)(uint)(VersionInfo >> 2);
    public ulong CreationTime { get => U64(24); set => SetU64(24, value); }
    public uint ObjsetType { get => U32(32); set => SetU32(32, value); }
    public uint BeginFlags { get => U32(36); set => SetU32(36, value); }
    public ulong BeginToGuid { get => U64(40); set => SetU64(40, value); }
    public ulong BeginFromGuid { get => U64(48); set => SetU64(48, value); }

    public string ToName
    {
        get
        {
            var s = Bytes.AsSpan(56, 256);
            int n = s.IndexOf((byte)0);
            return Encoding.UTF8.GetString(n < 0 ? s : s[..n]);
        }
        set
        {
            var b = Encoding.UTF8.GetBytes(value);
            if (b.Length > MaxToName) b = b[..MaxToName];
            Bytes.AsSpan(56, 256).Clear();
            b.CopyTo(Bytes, 56);
        }
    }

    // ---- OBJECT ----  8 object · 16 type · 20 bonustype · 24 blksz · 28 bonuslen · 32 checksum · 33 compress · 34 dn_slots · 35 flags · 40 toguid
    public ulong ObjectId { get => U64(8); set => SetU64(8, value); }
    public uint ObjectType { get => U32(16); set => SetU32(16, value); }
    public uint BonusType { get => U32(20); set => SetU32(20, value); }
    public uint BlockSize { get => U32(24); set => SetU32(24, value); }
    public uint BonusLength { get => U32(28); set => SetU32(28, value); }
    public byte ObjectChecksumType { get => Bytes[32]; set => Bytes[32] = value; }
    public byte ObjectCompress { get => Bytes[33]; set => Bytes[33] = value; }
    public byte DnodeSlots { get => Bytes[34]; set => Bytes[34] = value; }
    public byte ObjectFlags { get => Bytes[35]; set => Bytes[35] = value; }

    // ---- FREEOBJECTS ---- 8 firstobj · 16 numobjs · 24 toguid
    public ulong FirstObject { get => U64(8); set => SetU64(8, value); }
    public ulong ObjectCount { get => U64(16); set => SetU64(16, value); }

    // ---- WRITE ---- 8 object · 16 type · 24 offset · 32 logical_size · 40 toguid · 48 checksumtype · 49 flags · 50 compressiontype · 96 compressed_size
    public uint WriteObjectType { get => U32(16); set => SetU32(16, value); }
    public ulong WriteOffset { get => U64(24); set => SetU64(24, value); }
    public ulong LogicalSize { get => U64(32); set => SetU64(32, value); }
    public byte WriteChecksumType { get => Bytes[48]; set => Bytes[48] = value; }
    public byte WriteFlags { get => Bytes[49]; set => Bytes[49] = value; }
    public byte CompressionType { get => Bytes[50]; set => Bytes[50] = value; }
    public ulong CompressedSize { get => U64(96); set => SetU64(96, value); }

    // ---- FREE ---- 8 object · 16 offset · 24 length · 32 toguid
    public ulong FreeOffset { get => U64(16); set => SetU64(16, value); }
    public ulong FreeLength { get => U64(24); set => SetU64(24, value); }

    // ---- END ---- 8 checksum (4 × u64) · 40 toguid
    public ulong EndToGuid { get => U64(40); set => SetU64(40, value); }

    /// <summary>The toguid every record but BEGIN and END carries, at its type's offset.</summary>
    public ulong RecordToGuid => Type switch
    {
        DrrType.Object or DrrType.Write or DrrType.WriteByRef => U64(40),
        DrrType.FreeObjects => U64(24),
        DrrType.Free or DrrType.WriteEmbedded => U64(32),
        DrrType.Spill => U64(24),
        DrrType.End => U64(40),
        _ => 0,
    };

    public void SetRecordToGuid(ulong guid)
    {
        switch (Type)
        {
            case DrrType.Object or DrrType.Write or DrrType.End: SetU64(40, guid); break;
            case DrrType.FreeObjects: SetU64(24, guid); break;
            case DrrType.Free: SetU64(32, guid); break;
        }
    }

    private static ulong RoundUp8(ulong v) => (v + 7) & ~7UL;

    /// <summary>The payload that follows the record, by the kernel's rules (DRR_*_PAYLOAD_SIZE).</summary>
    public ulong PayloadSize => Type switch
    {
        DrrType.Begin => PayloadLength,
        DrrType.Object => RoundUp8(BonusLength), // raw streams (raw_bonuslen) are refused before this matters
        DrrType.Write => CompressionType != 0 && CompressedSize != 0 ? CompressedSize : LogicalSize,
        DrrType.Spill => U64(40) != 0 ? U64(40) : U64(16),
        DrrType.WriteEmbedded => RoundUp8(U32(52)),
        _ => 0,
    };

    public override string ToString() => Type switch
    {
        DrrType.Begin => $"BEGIN toname={ToName} toguid={BeginToGuid:x} fromguid={BeginFromGuid:x} features=0x{(uint)Features:x}",
        DrrType.Object => $"OBJECT object={ObjectId} type={ObjectType} blksz={BlockSize} bonuslen={BonusLength}",
        DrrType.FreeObjects => $"FREEOBJECTS firstobj={FirstObject} numobjs={ObjectCount}",
        DrrType.Write => $"WRITE object={ObjectId} offset={WriteOffset} lsize={LogicalSize} psize={CompressedSize}",
        DrrType.Free => $"FREE object={ObjectId} offset={FreeOffset} length={FreeLength}",
        DrrType.End => $"END toguid={EndToGuid:x}",
        _ => Type.ToString().ToUpperInvariant(),
    };
}
