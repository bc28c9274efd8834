using System.Buffers.Binary;
using System.Text;
using Illumos.Engine.Storage.Embedded.Dmu;

namespace Illumos.Engine.Storage.Embedded.Replication;

/// <summary>
/// How this engine's objects appear in a send stream (docs/send-stream.md). Volumes use OpenZFS's
/// own zvol layout (object 1 = data, object 2 = a microzap holding "size"), so their streams work
/// with real zfs receive. Filesystems keep this engine's ZPL layout: OBJECT records carry the DMU
/// type numbers of the nearest OpenZFS kinds and a bonus in the engine's attribute format, and the
/// stream is marked with <see cref="Illumos.Engine.Storage.Replication.StreamFeatures.EmbeddedZpl"/>.
/// </summary>
internal static class StreamObjects
{
    public const uint OtPlainFile = 19, OtDirectory = 20, OtMasterNode = 21, OtZvol = 23, OtZvolProp = 24, OtSa = 44;
    public const uint ObjsetZfs = 2, ObjsetZvol = 3;
    public const ulong ZvolDataObject = 1, ZvolPropObject = 2;
    /// <summary>DN_MAX_OBJECT: the trailing FREEOBJECTS reaches it.</summary>
    public const ulong MaxObject = 1UL << 48;

    public static uint DmuType(ObjectType t) => t switch
    {
        ObjectType.File or ObjectType.Symlink => OtPlainFile,
        ObjectType.Directory => OtDirectory,
        ObjectType.MasterNode => OtMasterNode,
        ObjectType.ZvolData => OtZvol,
        _ => throw new InvalidOperationException($"object type {t} is not sent"),
    };

    // ---- the attribute bonus of filesystem objects ----
    // 0 u8 engine object type · 4 u32 mode · 8 u32 uid · 12 u32 gid · 16 u32 links · 24 u64 parent
    // 32/40/48/56 i64 atime/mtime/ctime/crtime (unix ns) · 64 u64 generation · 72 i64 length
    // 80 u32 extra length · 88 extra bytes (a symlink's target).
    public const int AttributeSize = 88;

    public static byte[] Bonus(Dnode dn)
    {
        var b = new byte[AttributeSize + dn.Bonus.Length];
        b[0] = (byte)dn.Type;
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), dn.Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), dn.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), dn.Gid);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(16), dn.Links);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(24), dn.Parent);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(32), dn.ATime);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(40), dn.MTime);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(48), dn.CTime);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(56), dn.CrTime);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(64), dn.Generation);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(72), dn.Length);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(80), dn.Bonus.Length);
        dn.Bonus.CopyTo(b, AttributeSize);
        return b;
    }

    public readonly record struct Attributes(ObjectType Type, long Length, Action<Dnode> Apply);

    public static Attributes ReadBonus(ReadOnlySpan<byte> b, ulong obj)
    {
        if (b.Length < AttributeSize) throw Bad($"object {obj} has a bonus of {b.Length} bytes; this engine's attributes need {AttributeSize}");
        var type = (ObjectType)b[0];
        if (type is not (ObjectType.File or ObjectType.Symlink or ObjectType.Directory or ObjectType.MasterNode))
            throw Bad($"object {obj} has an unknown object type {(byte)type}");
        int extra = BinaryPrimitives.ReadInt32LittleEndian(b[80..]);
        if (extra < 0 || extra > Dnode.BonusSize || AttributeSize + extra > b.Length) throw Bad($"object {obj} has a bad bonus length");
        uint mode = BinaryPrimitives.ReadUInt32LittleEndian(b[4..]), uid = BinaryPrimitives.ReadUInt32LittleEndian(b[8..]);
        uint gid = BinaryPrimitives.ReadUInt32LittleEndian(b[12..]), links = BinaryPrimitives.ReadUInt32LittleEndian(b[16..]);
        ulong parent = BinaryPrimitives.ReadUInt64LittleEndian(b[24..]), gen = BinaryPrimitives.ReadUInt64LittleEndian(b[64..]);
        long at = BinaryPrimitives.ReadInt64LittleEndian(b[32..]), mt = BinaryPrimitives.ReadInt64LittleEndian(b[40..]);
        long ct = BinaryPrimitives.ReadInt64LittleEndian(b[48..]), crt = BinaryPrimitives.ReadInt64LittleEndian(b[56..]);
        long length = BinaryPrimitives.ReadInt64LittleEndian(b[72..]);
        if (length < 0) throw Bad($"object {obj} has a negative length");
        var bonus = b.Slice(AttributeSize, extra).ToArray();
        return new Attributes(type, length, dn =>
        {
            dn.Mode = mode; dn.Uid = uid; dn.Gid = gid; dn.Links = links; dn.Parent = parent;
            dn.ATime = at; dn.MTime = mt; dn.CTime = ct; dn.CrTime = crt; dn.Generation = gen; dn.Bonus = bonus;
        });
    }

    // ---- the zvol property microzap (ZBT_MICRO header, 64-byte entries {u64 value, u32 cd, u16 pad, char name[50]}) ----
    public const int MicrozapBlockSize = 512;
    private const ulong ZbtMicro = (1UL << 63) | 3;

    public static byte[] ZvolProperties(ulong volsize)
    {
        var b = new byte[MicrozapBlockSize];
        BinaryPrimitives.WriteUInt64LittleEndian(b, ZbtMicro);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), 0x5A_1D_0C_E5_5A_1D_0C_E5); // mz_salt: any non-zero value
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(64), volsize);
        Encoding.ASCII.GetBytes("size").CopyTo(b, 64 + 14);
        return b;
    }

    /// <summary>The "size" entry of a zvol property microzap, or null when the block holds none.</summary>
    public static ulong? ReadZvolSize(ReadOnlySpan<byte> block)
    {
        if (block.Length < 128 || BinaryPrimitives.ReadUInt64LittleEndian(block) != ZbtMicro) return null;
        for (int e = 64; e + 64 <= block.Length; e += 64)
        {
            var name = block.Slice(e + 14, 50);
            int n = name.IndexOf((byte)0);
            if (n >= 0 && Encoding.ASCII.GetString(name[..n]) == "size") return BinaryPrimitives.ReadUInt64LittleEndian(block[e..]);
        }
        return null;
    }

    public static IllumosException Bad(string what) =>
        new(ErrorKind.InvalidData, "StreamInvalidRecord", $"The send stream is not valid: {what}.", null);
}
