using System.Buffers.Binary;
using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Compression;

namespace Illumos.Engine.Storage.Embedded.Zio;

/// <summary>A data virtual address: top-level vdev, byte offset in its allocatable space, allocated size.</summary>
public readonly record struct Dva(uint Vdev, ulong Offset, uint Asize)
{
    public bool IsEmpty => Asize == 0;
}

/// <summary>What a block holds (for traversal, scrub and debugging).</summary>
public enum BlockType : byte { None = 0, Data = 1, Indirect = 2, Dnodes = 3, ObjSet = 4, Meta = 5 }

/// <summary>
/// The 128-byte block pointer: up to three DVAs (the <c>copies</c>), logical and physical size,
/// compression, checksum algorithm, type, level, birth txg, fill count and the child's 256-bit
/// checksum. A hole has no DVA. Layout: DVAs at 0/16/32 (vdev u32, asize u32, offset u64), lsize
/// u32 @48, psize u32 @52, compression @56, checksum @57, type @58, level @59, birth u64 @64,
/// fill u64 @72, checksum @80..112, zero pad to 128.
/// </summary>
public readonly record struct BlockPointer(
    Dva D0, Dva D1, Dva D2, int LSize, int PSize, CompressionKind Compression, ChecksumKind ChecksumKind,
    BlockType Type, byte Level, ulong Birth, ulong Fill, Checksum256 Checksum)
{
    public const int Size = 128;

    public bool IsHole => D0.IsEmpty;

    public static BlockPointer Hole(BlockType type, byte level, int lsize) =>
        new(default, default, default, lsize, 0, CompressionKind.Off, ChecksumKind.Off, type, level, 0, 0, default);

    public int Copies => D2.IsEmpty ? D1.IsEmpty ? D0.IsEmpty ? 0 : 1 : 2 : 3;

    public Dva GetDva(int i) => i switch { 0 => D0, 1 => D1, _ => D2 };

    /// <summary>Allocated bytes of all copies: what this block costs the pool.</summary>
    public ulong Asize => (ulong)D0.Asize + D1.Asize + D2.Asize;

    public void Write(Span<byte> d)
    {
        d[..Size].Clear();
        WriteDva(d, D0); WriteDva(d[16..], D1); WriteDva(d[32..], D2);
        BinaryPrimitives.WriteInt32LittleEndian(d[48..], LSize);
        BinaryPrimitives.WriteInt32LittleEndian(d[52..], PSize);
        d[56] = (byte)Compression; d[57] = (byte)ChecksumKind; d[58] = (byte)Type; d[59] = Level;
        BinaryPrimitives.WriteUInt64LittleEndian(d[64..], Birth);
        BinaryPrimitives.WriteUInt64LittleEndian(d[72..], Fill);
        Checksum.Write(d[80..]);
    }

    public static BlockPointer Read(ReadOnlySpan<byte> s) => new(
        ReadDva(s), ReadDva(s[16..]), ReadDva(s[32..]),
        BinaryPrimitives.ReadInt32LittleEndian(s[48..]), BinaryPrimitives.ReadInt32LittleEndian(s[52..]),
        (CompressionKind)s[56], (ChecksumKind)s[57], (BlockType)s[58], s[59],
        BinaryPrimitives.ReadUInt64LittleEndian(s[64..]), BinaryPrimitives.ReadUInt64LittleEndian(s[72..]),
        Checksum256.Read(s[80..]));

    private static void WriteDva(Span<byte> d, Dva v)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d, v.Vdev);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], v.Asize);
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], v.Offset);
    }

    private static Dva ReadDva(ReadOnlySpan<byte> s) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(s), BinaryPrimitives.ReadUInt64LittleEndian(s[8..]), BinaryPrimitives.ReadUInt32LittleEndian(s[4..]));

    public override string ToString() => IsHole ? $"HOLE L{Level}" :
        $"L{Level} {Type} {LSize:x}L/{PSize:x}P birth={Birth} fill={Fill} {D0.Vdev}:{D0.Offset:x}:{D0.Asize:x} cksum={Checksum}";
}
