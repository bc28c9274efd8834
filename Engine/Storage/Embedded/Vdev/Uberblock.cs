using System.Buffers.Binary;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// The uberblock: the root of a committed txg. One slot of the label's ring (slot = txg mod
/// <see cref="RingSlots"/>) holds magic 0x00bab10c, version, txg, guid sum, timestamp and the MOS
/// root block pointer, sealed with an embedded checksum.
/// </summary>
public readonly record struct Uberblock(ulong Txg, ulong GuidSum, long TimestampSeconds, BlockPointer RootBp)
{
    public const ulong Magic = 0x00bab10cUL;
    public const ulong Version = 5000;
    public const int SlotSize = 1024;
    public const int RingOffset = 128 * 1024;
    public const int RingSlots = 128;

    public static int SlotOf(ulong txg) => (int)(txg % RingSlots);

    public byte[] Encode(long deviceOffset)
    {
        var b = new byte[SlotSize];
        BinaryPrimitives.WriteUInt64LittleEndian(b, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), Version);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(16), Txg);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), GuidSum);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(32), TimestampSeconds);
        RootBp.Write(b.AsSpan(64));
        EmbeddedChecksum.Seal(b, deviceOffset);
        return b;
    }

    public static Uberblock? Decode(ReadOnlySpan<byte> slot, long deviceOffset)
    {
        if (BinaryPrimitives.ReadUInt64LittleEndian(slot) != Magic) return null;
        if (!EmbeddedChecksum.Verify(slot, deviceOffset)) return null;
        return new Uberblock(BinaryPrimitives.ReadUInt64LittleEndian(slot[16..]), BinaryPrimitives.ReadUInt64LittleEndian(slot[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(slot[32..]), BlockPointer.Read(slot[64..]));
    }
}
