using System.Buffers.Binary;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dmu;

/// <summary>Object types (what a dnode describes).</summary>
public enum ObjectType : byte
{
    None = 0, MetaDnode = 1, MasterNode = 2, Directory = 3, File = 4, Symlink = 5, ZvolData = 6,
    PoolConfig = 10, DslDataset = 11, Deadlist = 12, SpaceMap = 13, History = 14, ErrorLog = 15, ScanState = 16, IndirectMapping = 17,
}

/// <summary>
/// A 512-byte dnode: type, levels, data block size, logical size, the POSIX attributes the ZPL keeps
/// (mode, uid, gid, links, parent, four times, generation), the root block pointer at 128 and a
/// 256-byte bonus buffer (symlink targets) at 256.
/// </summary>
public sealed class Dnode
{
    public const int Size = 512;
    public const int BonusSize = 256;

    public ObjectType Type;
    public byte NLevels = 1;
    public int BlockSize;
    public long Length;
    public uint Mode, Uid, Gid, Links = 1;
    public ulong Parent;
    public long ATime, MTime, CTime, CrTime; // unix nanoseconds
    public ulong Generation;
    public BlockPointer Root;
    public byte[] Bonus = Array.Empty<byte>();

    public void Write(Span<byte> d)
    {
        d[..Size].Clear();
        d[0] = (byte)Type; d[1] = NLevels;
        BinaryPrimitives.WriteInt32LittleEndian(d[4..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[8..], Length);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(d[20..], Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[24..], Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[28..], Links);
        BinaryPrimitives.WriteUInt64LittleEndian(d[32..], Parent);
        BinaryPrimitives.WriteInt64LittleEndian(d[40..], ATime);
        BinaryPrimitives.WriteInt64LittleEndian(d[48..], MTime);
        BinaryPrimitives.WriteInt64LittleEndian(d[56..], CTime);
        BinaryPrimitives.WriteInt64LittleEndian(d[64..], CrTime);
        BinaryPrimitives.WriteUInt64LittleEndian(d[72..], Generation);
        BinaryPrimitives.WriteInt32LittleEndian(d[80..], Bonus.Length);
        Root.Write(d[128..]);
        Bonus.CopyTo(d[256..]);
    }

    public static Dnode Read(ReadOnlySpan<byte> s)
    {
        int bonusLen = Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(s[80..]), 0, BonusSize);
        return new Dnode
        {
            Type = (ObjectType)s[0], NLevels = Math.Max((byte)1, s[1]),
            BlockSize = BinaryPrimitives.ReadInt32LittleEndian(s[4..]),
            Length = BinaryPrimitives.ReadInt64LittleEndian(s[8..]),
            Mode = BinaryPrimitives.ReadUInt32LittleEndian(s[16..]),
            Uid = BinaryPrimitives.ReadUInt32LittleEndian(s[20..]),
            Gid = BinaryPrimitives.ReadUInt32LittleEndian(s[24..]),
            Links = BinaryPrimitives.ReadUInt32LittleEndian(s[28..]),
            Parent = BinaryPrimitives.ReadUInt64LittleEndian(s[32..]),
            ATime = BinaryPrimitives.ReadInt64LittleEndian(s[40..]),
            MTime = BinaryPrimitives.ReadInt64LittleEndian(s[48..]),
            CTime = BinaryPrimitives.ReadInt64LittleEndian(s[56..]),
            CrTime = BinaryPrimitives.ReadInt64LittleEndian(s[64..]),
            Generation = BinaryPrimitives.ReadUInt64LittleEndian(s[72..]),
            Root = BlockPointer.Read(s[128..]),
            Bonus = s.Slice(256, bonusLen).ToArray(),
        };
    }
}
