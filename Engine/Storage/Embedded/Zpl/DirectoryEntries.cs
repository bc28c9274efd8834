using System.Buffers.Binary;
using System.Text;
using Illumos.Engine.Storage.Embedded.Dmu;

namespace Illumos.Engine.Storage.Embedded.Zpl;

/// <summary>
/// Directory contents: name → (object, type), stored as packed records (u64 object, u8 type, u16 name
/// length, UTF-8 name) in the directory object's data. The whole list is rewritten on change; ZFS
/// uses a ZAP here, which this engine does not have yet.
/// </summary>
public static class DirectoryEntries
{
    public static SortedDictionary<string, (ulong Obj, ObjectType Type)> Read(DmuObject dir)
    {
        var result = new SortedDictionary<string, (ulong, ObjectType)>(StringComparer.Ordinal);
        var raw = new byte[dir.Length];
        dir.Read(0, raw);
        int p = 0;
        while (p + 11 <= raw.Length)
        {
            ulong obj = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(p));
            var type = (ObjectType)raw[p + 8];
            int len = BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(p + 9));
            result[Encoding.UTF8.GetString(raw, p + 11, len)] = (obj, type);
            p += 11 + len;
        }
        return result;
    }

    public static void Write(DmuObject dir, SortedDictionary<string, (ulong Obj, ObjectType Type)> entries)
    {
        var ms = new MemoryStream();
        Span<byte> head = stackalloc byte[11];
        foreach (var (name, (obj, type)) in entries)
        {
            var nb = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteUInt64LittleEndian(head, obj);
            head[8] = (byte)type;
            BinaryPrimitives.WriteUInt16LittleEndian(head[9..], (ushort)nb.Length);
            ms.Write(head);
            ms.Write(nb);
        }
        var bytes = ms.ToArray();
        if (dir.Length > bytes.Length) dir.Truncate(bytes.Length);
        dir.Write(0, bytes);
    }
}
