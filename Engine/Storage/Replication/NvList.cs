using System.Buffers.Binary;
using System.Collections;
using System.Text;

namespace Illumos.Engine.Storage.Replication;

/// <summary>libnvpair's data_type_t, with its numbering (sys/nvpair.h).</summary>
public enum NvType
{
    Boolean = 1, Byte = 2, Int16 = 3, UInt16 = 4, Int32 = 5, UInt32 = 6, Int64 = 7, UInt64 = 8, String = 9,
    ByteArray = 10, Int16Array = 11, UInt16Array = 12, Int32Array = 13, UInt32Array = 14, Int64Array = 15,
    UInt64Array = 16, StringArray = 17, HrTime = 18, NvList = 19, NvListArray = 20, BooleanValue = 21,
    Int8 = 22, UInt8 = 23, BooleanArray = 24, Int8Array = 25, UInt8Array = 26, Double = 27,
}

/// <summary>The two packed forms of an nvlist (NV_ENCODE_NATIVE, NV_ENCODE_XDR).</summary>
public enum NvEncoding { Native = 0, Xdr = 1 }

/// <summary>
/// One name/value pair. The CLR type of <see cref="Value"/> follows <see cref="Type"/>: null for
/// BOOLEAN (a flag without value), bool, byte (BYTE, UINT8), sbyte, short, ushort, int, uint, long
/// (INT64, HRTIME), ulong, double, string, <see cref="NvList"/>, and arrays of those (byte[] for
/// BYTE_ARRAY and UINT8_ARRAY, bool[] for BOOLEAN_ARRAY).
/// </summary>
public sealed class NvPair : IEquatable<NvPair>
{
    internal NvPair(string name, NvType type, object? value) { Name = name; Type = type; Value = value; }

    public string Name { get; }
    public NvType Type { get; }
    public object? Value { get; }

    /// <summary>nvp_value_elem: 0 for BOOLEAN, the length of an array, otherwise 1.</summary>
    public int ElementCount => Type == NvType.Boolean ? 0 : Value is Array a ? a.Length : 1;

    public bool Equals(NvPair? other) =>
        other is not null && Name == other.Name && Type == other.Type && ValueEquals(Value, other.Value);

    public override bool Equals(object? obj) => Equals(obj as NvPair);
    public override int GetHashCode() => HashCode.Combine(Name, Type);
    public override string ToString() => $"{Name} ({Type}) = {NvList.Format(Value)}";

    private static bool ValueEquals(object? a, object? b)
    {
        if (a is double x && b is double y) return BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y);
        if (a is Array aa && b is Array ba)
        {
            if (aa.GetType() != ba.GetType() || aa.Length != ba.Length) return false;
            for (int i = 0; i < aa.Length; i++)
                if (!ValueEquals(aa.GetValue(i), ba.GetValue(i))) return false;
            return true;
        }
        return Equals(a, b);
    }
}

/// <summary>
/// libnvpair's nvlist: an ordered list of named, typed values, packed and unpacked bit-exactly in
/// both of libnvpair's encodings (module/nvpair/nvpair.c):
/// <list type="bullet">
/// <item>NATIVE, little-endian (resume tokens, BEGIN payloads of resumed/raw streams): the in-memory
/// nvpair_t images, each pair's size computed by NVP_SIZE_CALC, embedded lists after their pair,
/// each list ended by a zero int.</item>
/// <item>XDR, big-endian (the BEGIN payload of compound `zfs send -R` streams): per pair its encoded
/// size, its decoded (native) size, name, type, element count and value; lists ended by two zero ints.</item>
/// </list>
/// With the default flag NV_UNIQUE_NAME, adding a name removes earlier pairs of that name and appends the
/// new pair at the end, as nvlist_add_* do. Nested lists are stored by reference (libnvpair copies them).
/// </summary>
public sealed class NvList : IEnumerable<NvPair>, IEquatable<NvList>
{
    public const uint UniqueName = 1, UniqueNameType = 2;
    /// <summary>libnvpair's user-space nvpair_max_recursion: how deeply lists may nest.</summary>
    public const int MaxDepth = 100;

    private readonly List<NvPair> _pairs = [];

    /// <summary>A new list; like nvlist_alloc, only the NV_UNIQUE_NAME and NV_UNIQUE_NAME_TYPE bits of <paramref name="flags"/> are kept.</summary>
    public NvList(uint flags = UniqueName) => Flags = flags & (UniqueName | UniqueNameType);

    /// <summary>A decoded list keeps nvl_nvflag as the stream has it where libnvpair does (top level; XDR embedded lists).</summary>
    private NvList(uint flags, bool raw) => Flags = raw ? flags : flags & (UniqueName | UniqueNameType);

    /// <summary>nvl_nvflag: <see cref="UniqueName"/>, <see cref="UniqueNameType"/> or 0.</summary>
    public uint Flags { get; }
    public int Count => _pairs.Count;
    public NvPair this[int index] => _pairs[index];
    public IEnumerator<NvPair> GetEnumerator() => _pairs.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // ---------------------------------------------------------------- building

    /// <summary>Adds a pair of any type; <paramref name="value"/> must have the CLR type <see cref="NvPair"/> documents.</summary>
    public NvList Add(string name, NvType type, object? value)
    {
        CheckCString(name, "name");
        if (CLength(name) >= short.MaxValue) throw IllumosException.Invalid("NvListBadValue", "An nvpair name is limited to 32766 bytes.", name);
        if (!ValueFits(type, value))
            throw IllumosException.Invalid("NvListBadValue", $"The value for nvpair '{name}' does not fit type {type}.", name);
        switch (value)
        {
            case string s: CheckCString(s, name); break;
            case string[] ss: foreach (var s in ss) CheckCString(s, name); break;
            case NvList l when ReferenceEquals(l, this): throw IllumosException.Invalid("NvListBadValue", "An nvlist cannot contain itself.", name);
            case NvList[] ls when ls.Any(l => l is null || ReferenceEquals(l, this)):
                throw IllumosException.Invalid("NvListBadValue", $"The nvlist array '{name}' holds a null or the list itself.", name);
        }
        if ((Flags & UniqueName) != 0) _pairs.RemoveAll(p => p.Name == name);
        else if ((Flags & UniqueNameType) != 0) _pairs.RemoveAll(p => p.Name == name && p.Type == type);
        _pairs.Add(new NvPair(name, type, value));
        return this;
    }

    /// <summary>A BOOLEAN pair: a flag whose presence is its value.</summary>
    public NvList AddBoolean(string name) => Add(name, NvType.Boolean, null);
    public NvList Add(string name, bool value) => Add(name, NvType.BooleanValue, value);
    public NvList Add(string name, int value) => Add(name, NvType.Int32, value);
    public NvList Add(string name, uint value) => Add(name, NvType.UInt32, value);
    public NvList Add(string name, long value) => Add(name, NvType.Int64, value);
    public NvList Add(string name, ulong value) => Add(name, NvType.UInt64, value);
    public NvList Add(string name, string value) => Add(name, NvType.String, value);
    public NvList Add(string name, NvList value) => Add(name, NvType.NvList, value);
    /// <summary>A BYTE_ARRAY pair (use <see cref="Add(string, NvType, object?)"/> for UINT8_ARRAY).</summary>
    public NvList Add(string name, byte[] value) => Add(name, NvType.ByteArray, value);
    public NvList Add(string name, ulong[] value) => Add(name, NvType.UInt64Array, value);
    public NvList Add(string name, string[] value) => Add(name, NvType.StringArray, value);
    public NvList Add(string name, NvList[] value) => Add(name, NvType.NvListArray, value);

    /// <summary>Removes every pair called <paramref name="name"/>; true if there was one.</summary>
    public bool Remove(string name) => _pairs.RemoveAll(p => p.Name == name) > 0;

    // ---------------------------------------------------------------- reading

    /// <summary>The first pair with this name (and type, when given), as nvlist_lookup_* finds it.</summary>
    public NvPair? Find(string name, NvType? type = null) =>
        _pairs.Find(p => p.Name == name && (type is null || p.Type == type));

    public bool Contains(string name) => Find(name) is not null;
    /// <summary>True when a BOOLEAN flag of this name is present (nvlist_lookup_boolean).</summary>
    public bool HasBoolean(string name) => Find(name, NvType.Boolean) is not null;

    public bool TryGetUInt64(string name, out ulong value) => TryGet(name, NvType.UInt64, out value);
    public bool TryGetInt64(string name, out long value) => TryGet(name, NvType.Int64, out value);
    public bool TryGetInt32(string name, out int value) => TryGet(name, NvType.Int32, out value);
    public bool TryGetUInt32(string name, out uint value) => TryGet(name, NvType.UInt32, out value);
    public bool TryGetBooleanValue(string name, out bool value) => TryGet(name, NvType.BooleanValue, out value);
    public bool TryGetString(string name, out string value) => TryGet(name, NvType.String, out value);
    public bool TryGetNvList(string name, out NvList value) => TryGet(name, NvType.NvList, out value);
    public bool TryGetUInt64Array(string name, out ulong[] value) => TryGet(name, NvType.UInt64Array, out value);
    public bool TryGetStringArray(string name, out string[] value) => TryGet(name, NvType.StringArray, out value);
    public bool TryGetNvListArray(string name, out NvList[] value) => TryGet(name, NvType.NvListArray, out value);

    /// <summary>A BYTE_ARRAY or UINT8_ARRAY value.</summary>
    public bool TryGetByteArray(string name, out byte[] value) =>
        TryGet(name, NvType.ByteArray, out value) || TryGet(name, NvType.UInt8Array, out value);

    public ulong GetUInt64(string name) => Get<ulong>(name, NvType.UInt64);
    public long GetInt64(string name) => Get<long>(name, NvType.Int64);
    public int GetInt32(string name) => Get<int>(name, NvType.Int32);
    public uint GetUInt32(string name) => Get<uint>(name, NvType.UInt32);
    public bool GetBooleanValue(string name) => Get<bool>(name, NvType.BooleanValue);
    public string GetString(string name) => Get<string>(name, NvType.String);
    public NvList GetNvList(string name) => Get<NvList>(name, NvType.NvList);
    public ulong[] GetUInt64Array(string name) => Get<ulong[]>(name, NvType.UInt64Array);
    public string[] GetStringArray(string name) => Get<string[]>(name, NvType.StringArray);
    public NvList[] GetNvListArray(string name) => Get<NvList[]>(name, NvType.NvListArray);
    public byte[] GetByteArray(string name) =>
        TryGetByteArray(name, out var v) ? v : throw Missing(name, NvType.ByteArray);

    private bool TryGet<T>(string name, NvType type, out T value)
    {
        if (Find(name, type)?.Value is T v) { value = v; return true; }
        value = default!;
        return false;
    }

    private T Get<T>(string name, NvType type) => TryGet(name, type, out T v) ? v : throw Missing(name, type);

    private static IllumosException Missing(string name, NvType type) =>
        new(ErrorKind.InvalidData, "NvListMissingValue", $"The nvlist has no {type} pair '{name}'.", name);

    // ---------------------------------------------------------------- equality and text

    public bool Equals(NvList? other) => other is not null && Flags == other.Flags && _pairs.SequenceEqual(other._pairs);
    public override bool Equals(object? obj) => Equals(obj as NvList);
    public override int GetHashCode() => HashCode.Combine(Flags, _pairs.Count);

    /// <summary>One "name = value" line per pair, nested lists indented.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Print(sb, 0);
        return sb.ToString();
    }

    private void Print(StringBuilder sb, int indent)
    {
        foreach (var p in _pairs)
        {
            sb.Append(' ', indent * 4).Append(p.Name);
            if (p.Value is NvList l) { sb.Append(":\n"); l.Print(sb, indent + 1); }
            else if (p.Value is NvList[] ls)
            {
                sb.Append(":\n");
                for (int i = 0; i < ls.Length; i++) { sb.Append(' ', indent * 4 + 2).Append('[').Append(i).Append("]:\n"); ls[i].Print(sb, indent + 1); }
            }
            else sb.Append(" = ").Append(Format(p.Value)).Append('\n');
        }
    }

    internal static string Format(object? value) => value switch
    {
        null => "(flag)",
        string s => $"'{s}'",
        byte[] b => Convert.ToHexString(b),
        Array a => "[" + string.Join(", ", a.Cast<object?>().Select(Format)) + "]",
        NvList l => "{" + string.Join(", ", l._pairs) + "}",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "",
    };

    // ---------------------------------------------------------------- type rules (i_get_value_size)

    private static bool IsArray(NvType t) => t is NvType.ByteArray or NvType.Int16Array or NvType.UInt16Array or NvType.Int32Array
        or NvType.UInt32Array or NvType.Int64Array or NvType.UInt64Array or NvType.StringArray or NvType.NvListArray
        or NvType.BooleanArray or NvType.Int8Array or NvType.UInt8Array;

    /// <summary>Bytes per element of the numeric types in native form (0 for the others).</summary>
    private static int Width(NvType t) => t switch
    {
        NvType.Byte or NvType.Int8 or NvType.UInt8 or NvType.ByteArray or NvType.Int8Array or NvType.UInt8Array => 1,
        NvType.Int16 or NvType.UInt16 or NvType.Int16Array or NvType.UInt16Array => 2,
        NvType.Int32 or NvType.UInt32 or NvType.BooleanValue or NvType.Int32Array or NvType.UInt32Array or NvType.BooleanArray => 4,
        NvType.Int64 or NvType.UInt64 or NvType.HrTime or NvType.Double or NvType.Int64Array or NvType.UInt64Array => 8,
        _ => 0,
    };

    /// <summary>The CLR type of a value of type <paramref name="t"/> (null for BOOLEAN, which has none).</summary>
    private static Type? ClrType(NvType t) => t switch
    {
        NvType.BooleanValue => typeof(bool),
        NvType.Byte or NvType.UInt8 => typeof(byte),
        NvType.Int8 => typeof(sbyte),
        NvType.Int16 => typeof(short),
        NvType.UInt16 => typeof(ushort),
        NvType.Int32 => typeof(int),
        NvType.UInt32 => typeof(uint),
        NvType.Int64 or NvType.HrTime => typeof(long),
        NvType.UInt64 => typeof(ulong),
        NvType.Double => typeof(double),
        NvType.String => typeof(string),
        NvType.NvList => typeof(NvList),
        NvType.ByteArray or NvType.UInt8Array => typeof(byte[]),
        NvType.Int8Array => typeof(sbyte[]),
        NvType.Int16Array => typeof(short[]),
        NvType.UInt16Array => typeof(ushort[]),
        NvType.Int32Array => typeof(int[]),
        NvType.UInt32Array => typeof(uint[]),
        NvType.Int64Array => typeof(long[]),
        NvType.UInt64Array => typeof(ulong[]),
        NvType.BooleanArray => typeof(bool[]),
        NvType.StringArray => typeof(string[]),
        NvType.NvListArray => typeof(NvList[]),
        _ => null,
    };

    /// <summary>
    /// Whether <paramref name="v"/> has exactly the CLR type <paramref name="t"/> takes (exactly: the CLR lets
    /// a ulong[] pass as long[], and byte[] as sbyte[]).
    /// </summary>
    private static bool ValueFits(NvType t, object? v) => t == NvType.Boolean
        ? v is null
        : v is not null && v.GetType() == ClrType(t) && (v is not string[] ss || ss.All(s => s is not null));

    /// <summary>
    /// i_get_value_size(type, NULL, nelem): the value size without string bytes, or -1 when the type is
    /// unknown, the element count does not fit the type (BOOLEAN 0, scalars 1) or the size passes INT32_MAX.
    /// </summary>
    private static long BareValueSize(int type, int nelem)
    {
        var t = (NvType)type;
        if (type < 1 || type > 27) return -1;
        if (t == NvType.Boolean ? nelem != 0 : IsArray(t) ? nelem < 0 : nelem != 1) return -1;
        long n = nelem;
        long size = t switch
        {
            NvType.Boolean or NvType.String => 0,
            NvType.StringArray => n * 8,
            NvType.NvList => NvlStructSize,
            NvType.NvListArray => n * (8 + NvlStructSize),
            _ => n * Width(t),
        };
        return size > int.MaxValue ? -1 : size;
    }

    private const int NvpHeader = 16;       // sizeof (nvpair_t): size, name_sz, reserve, value_elem, type
    private const int NvlStructSize = 24;   // NV_ALIGN(sizeof (nvlist_t)): version, nvflag, priv, flag, pad
    private static long Align8(long v) => (v + 7) & ~7L;
    private static long Align4(long v) => (v + 3) & ~3L;
    /// <summary>NVP_SIZE_CALC(name_len, data_len).</summary>
    private static long NvpSizeCalc(long nameSize, long dataSize) => Align8(NvpHeader + nameSize) + Align8(dataSize);

    private static readonly UTF8Encoding Utf8 = new(false, false);
    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>
    /// Decoded text: invalid UTF-8 is corrupt, not replaced, or a damaged string could re-encode to its
    /// old length and pass the size check libnvpair (counting bytes) would fail.
    /// </summary>
    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Corrupt("a name or string is not valid UTF-8"); }
    }
    private static int CLength(string s) => Utf8.GetByteCount(s);

    private static void CheckCString(string s, string what)
    {
        ArgumentNullException.ThrowIfNull(s, what);
        if (s.Contains('\0')) throw IllumosException.Invalid("NvListBadValue", $"The nvpair {what} contains a NUL character.", what);
    }

    /// <summary>The native value size with string bytes: i_get_value_size(type, data, nelem).</summary>
    private static long ValueSize(NvPair p) => p.Value switch
    {
        string s => CLength(s) + 1,
        string[] ss => ss.Length * 8L + ss.Sum(s => CLength(s) + 1L),
        _ => BareValueSize((int)p.Type, p.ElementCount),
    };

    /// <summary>nvp_size of the pair's native image (the "decoded size" of an XDR pair).</summary>
    private static long NativeSize(NvPair p) => NvpSizeCalc(CLength(p.Name) + 1, ValueSize(p));

    /// <summary>The numbers of a numeric value as raw bits (sign-extended for signed types).</summary>
    private static ulong[] Bits(object? v) => v switch
    {
        bool b => [b ? 1UL : 0],
        byte x => [x], sbyte x => [(ulong)x], short x => [(ulong)x], ushort x => [x],
        int x => [(ulong)x], uint x => [x], long x => [(ulong)x], ulong x => [x],
        double x => [BitConverter.DoubleToUInt64Bits(x)],
        bool[] a => Array.ConvertAll(a, b => b ? 1UL : 0),
        byte[] a => Array.ConvertAll(a, x => (ulong)x), sbyte[] a => Array.ConvertAll(a, x => (ulong)x),
        short[] a => Array.ConvertAll(a, x => (ulong)x), ushort[] a => Array.ConvertAll(a, x => (ulong)x),
        int[] a => Array.ConvertAll(a, x => (ulong)x), uint[] a => Array.ConvertAll(a, x => (ulong)x),
        long[] a => Array.ConvertAll(a, x => (ulong)x), ulong[] a => a,
        _ => [],
    };

    /// <summary>The CLR value of a numeric type from raw bits (the inverse of <see cref="Bits"/>).</summary>
    private static object FromBits(NvType t, ulong[] b) => t switch
    {
        NvType.BooleanValue => b[0] != 0,
        NvType.Byte or NvType.UInt8 => (byte)b[0],
        NvType.Int8 => (sbyte)b[0],
        NvType.Int16 => (short)b[0],
        NvType.UInt16 => (ushort)b[0],
        NvType.Int32 => (int)b[0],
        NvType.UInt32 => (uint)b[0],
        NvType.Int64 or NvType.HrTime => (long)b[0],
        NvType.UInt64 => b[0],
        NvType.Double => BitConverter.UInt64BitsToDouble(b[0]),
        NvType.BooleanArray => Array.ConvertAll(b, x => x != 0),
        NvType.ByteArray or NvType.UInt8Array => Array.ConvertAll(b, x => (byte)x),
        NvType.Int8Array => Array.ConvertAll(b, x => (sbyte)x),
        NvType.Int16Array => Array.ConvertAll(b, x => (short)x),
        NvType.UInt16Array => Array.ConvertAll(b, x => (ushort)x),
        NvType.Int32Array => Array.ConvertAll(b, x => (int)x),
        NvType.UInt32Array => Array.ConvertAll(b, x => (uint)x),
        NvType.Int64Array => Array.ConvertAll(b, x => (long)x),
        _ => b, // UInt64Array
    };

    // ---------------------------------------------------------------- packing

    /// <summary>nvlist_pack: the packed bytes in <paramref name="encoding"/>, with the 4-byte nvs_header_t.</summary>
    public byte[] Pack(NvEncoding encoding = NvEncoding.Native)
    {
        var w = new Packer(encoding == NvEncoding.Xdr);
        w.Byte((byte)encoding);
        w.Byte(1); // nvh_endian: the host's, and this engine always writes little-endian hosts' bytes
        w.Byte(0);
        w.Byte(0);
        if (encoding == NvEncoding.Native)
        {
            w.I32(0); // nvl_version
            w.I32((int)Flags);
            PackNative(w, this, 0);
            return w.ToArray();
        }
        if (encoding != NvEncoding.Xdr) throw new ArgumentOutOfRangeException(nameof(encoding));
        PackXdr(w, this, 0);
        // nvlist_size counts 4 bytes for the element count of an empty array, which nvs_xdr_nvp_op does
        // not write (it stops at nelem == 0): nvlist_pack's buffer ends with those zero bytes.
        long size = 4 + XdrListSize(this, 0);
        if (size > int.MaxValue) throw TooLarge();
        w.PadTo((int)size);
        return w.ToArray();
    }

    private static IllumosException TooLarge() => IllumosException.Invalid("NvListTooLarge", "The nvlist packs to more than 2 GiB.", null);

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxDepth)
            throw IllumosException.Invalid("NvListTooDeep", $"The nvlist nests more than {MaxDepth} levels deep (or contains itself).", null);
    }

    /// <summary>
    /// A list's pairs in native form, then the zero int that ends it (nvs_native_nvl_fini). Each pair is its
    /// nvpair_t image: i32 nvp_size, i16 name_sz (with NUL), i16 0, i32 nelem, i32 type, the name and NUL padded
    /// to 8, the value padded to 8. An embedded list's value is a zeroed nvlist_t holding only version and
    /// nvflag; its pairs follow the pair (nvs_embedded), and an nvlist array's lists follow in order.
    /// </summary>
    private static void PackNative(Packer w, NvList list, int depth)
    {
        foreach (var p in list._pairs)
        {
            long size = NativeSize(p);
            if (size > int.MaxValue) throw TooLarge();
            int start = w.Position;
            var name = Utf8.GetBytes(p.Name);
            w.I32((int)size);
            w.I16((short)(name.Length + 1));
            w.I16(0);
            w.I32(p.ElementCount);
            w.I32((int)p.Type);
            w.Bytes(name);
            w.Byte(0);
            w.PadTo(start + (int)Align8(NvpHeader + name.Length + 1));
            switch (p.Value)
            {
                case null: break;
                case string s: w.Bytes(Utf8.GetBytes(s)); w.Byte(0); break;
                case string[] ss:
                    w.Zeros(ss.Length * 8); // the char * array, meaningless packed
                    foreach (var s in ss) { w.Bytes(Utf8.GetBytes(s)); w.Byte(0); }
                    break;
                case NvList l: NvlStruct(w, l); break;
                case NvList[] ls:
                    w.Zeros(ls.Length * 8);
                    foreach (var l in ls) NvlStruct(w, l);
                    break;
                case byte[] b: w.Bytes(b); break;
                default:
                    int width = Width(p.Type);
                    foreach (var x in Bits(p.Value)) w.Native(x, width);
                    break;
            }
            w.PadTo(start + (int)size);
            if (p.Value is NvList child) { CheckDepth(depth); PackNative(w, child, depth + 1); }
            else if (p.Value is NvList[] children)
                foreach (var c in children) { CheckDepth(depth); PackNative(w, c, depth + 1); }
        }
        w.I32(0);
    }

    private static void NvlStruct(Packer w, NvList l)
    {
        w.I32(0);            // nvl_version
        w.I32((int)l.Flags); // nvl_nvflag
        w.Zeros(16);         // nvl_priv (a pointer, zeroed), nvl_flag, nvl_pad
    }

    /// <summary>
    /// A list in XDR form (nvs_xdr_nvlist ... nvs_xdr_nvl_fini): version, nvflag, the pairs, two zero ints.
    /// Each pair: encoded size, decoded (native) size, name as an XDR string, type, nelem, then, unless nelem
    /// is 0, the value: 1-, 2- and 4-byte numbers as one XDR int each, 8-byte ones as a hyper, strings as XDR
    /// strings, BYTE_ARRAY as opaque bytes, other arrays as an XDR array (count, elements), string arrays as
    /// their strings, embedded lists inline as whole lists.
    /// </summary>
    private static void PackXdr(Packer w, NvList list, int depth)
    {
        w.I32(0);
        w.I32((int)list.Flags);
        foreach (var p in list._pairs)
        {
            // libnvpair's XDR decoder refuses a pair with an empty name (EFAULT), so none is written.
            if (p.Name.Length == 0) throw IllumosException.Invalid("NvListBadValue", "An nvpair with an empty name cannot be packed in the XDR encoding (libnvpair refuses to decode it).", p.Name);
            long enc = XdrPairSize(p, depth), dec = NativeSize(p);
            if (enc > int.MaxValue || dec > int.MaxValue) throw TooLarge();
            w.I32((int)enc);
            w.I32((int)dec);
            w.XdrString(p.Name);
            w.I32((int)p.Type);
            w.I32(p.ElementCount);
            if (p.ElementCount == 0) continue;
            switch (p.Value)
            {
                case string s: w.XdrString(s); break;
                case string[] ss: foreach (var s in ss) w.XdrString(s); break;
                case NvList l: CheckDepth(depth); PackXdr(w, l, depth + 1); break;
                case NvList[] ls: foreach (var l in ls) { CheckDepth(depth); PackXdr(w, l, depth + 1); } break;
                case byte[] b when p.Type == NvType.ByteArray: w.Bytes(b); w.PadTo((int)Align4(w.Position)); break;
                default:
                    var bits = Bits(p.Value);
                    if (IsArray(p.Type)) w.I32(bits.Length);
                    foreach (var x in bits) w.XdrNumber(p.Type, x);
                    break;
            }
        }
        w.I32(0);
        w.I32(0);
    }

    /// <summary>nvs_xdr_nvp_size: what an XDR pair is said to take (see the empty-array note in <see cref="Pack"/>).</summary>
    private static long XdrPairSize(NvPair p, int depth)
    {
        long size = 4 + 4 + 4 + Align4(CLength(p.Name)) + 4 + 4;
        int n = p.ElementCount;
        return size + p.Type switch
        {
            NvType.Boolean => 0,
            NvType.String => 4 + Align4(CLength((string)p.Value!)),
            NvType.StringArray => ((string[])p.Value!).Sum(s => 4 + Align4(CLength(s))),
            NvType.ByteArray => Align4(n),
            NvType.NvList => XdrListSize((NvList)p.Value!, depth + 1),
            NvType.NvListArray => ((NvList[])p.Value!).Sum(l => XdrListSize(l, depth + 1)),
            _ when IsArray(p.Type) => 4 + (long)n * Math.Max(4, Width(p.Type)),
            _ => Math.Max(4, Width(p.Type)),
        };
    }

    private static long XdrListSize(NvList l, int depth)
    {
        if (depth > MaxDepth) throw IllumosException.Invalid("NvListTooDeep", $"The nvlist nests more than {MaxDepth} levels deep (or contains itself).", null);
        return 2 * 4 + 8 + l._pairs.Sum(p => XdrPairSize(p, depth));
    }

    private sealed class Packer(bool bigEndian)
    {
        private byte[] _buf = new byte[256];
        public int Position { get; private set; }

        private Span<byte> Take(int n)
        {
            if (Position + n > _buf.Length) Array.Resize(ref _buf, Math.Max(_buf.Length * 2, Position + n));
            var s = _buf.AsSpan(Position, n);
            Position += n;
            return s;
        }

        public void Byte(byte b) => Take(1)[0] = b;
        public void Bytes(ReadOnlySpan<byte> b) => b.CopyTo(Take(b.Length));
        public void Zeros(int n) => Take(n).Clear();
        public void PadTo(int position) { if (position > Position) Zeros(position - Position); }

        public void I16(short v)
        {
            if (bigEndian) BinaryPrimitives.WriteInt16BigEndian(Take(2), v);
            else BinaryPrimitives.WriteInt16LittleEndian(Take(2), v);
        }

        public void I32(int v)
        {
            if (bigEndian) BinaryPrimitives.WriteInt32BigEndian(Take(4), v);
            else BinaryPrimitives.WriteInt32LittleEndian(Take(4), v);
        }

        public void U64(ulong v)
        {
            if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(Take(8), v);
            else BinaryPrimitives.WriteUInt64LittleEndian(Take(8), v);
        }

        /// <summary>A number of <paramref name="width"/> bytes, little-endian (native form).</summary>
        public void Native(ulong v, int width)
        {
            var s = Take(width);
            for (int i = 0; i < width; i++) s[i] = (byte)(v >> (8 * i));
        }

        /// <summary>
        /// One element in XDR: 8-byte types as a hyper; the others as an int, sign-extended for the
        /// types that xdr_char and xdr_short carry (char is signed on the hosts libnvpair runs on), zero-
        /// extended for UINT16 (xdr_u_short).
        /// </summary>
        public void XdrNumber(NvType t, ulong v)
        {
            switch (Width(t))
            {
                case 8: U64(v); break;
                case 4: I32((int)v); break;
                case 2: I32(t is NvType.UInt16 or NvType.UInt16Array ? (ushort)v : (short)v); break;
                default: I32((sbyte)v); break;
            }
        }

        public void XdrString(string s)
        {
            var b = Utf8.GetBytes(s);
            I32(b.Length);
            Bytes(b);
            PadTo((int)Align4(Position));
        }

        public byte[] ToArray() => _buf.AsSpan(0, Position).ToArray();
    }

    // ---------------------------------------------------------------- unpacking

    /// <summary>nvlist_unpack: the encoding is read from the header. Malformed input: NvListCorrupt.</summary>
    public static NvList Unpack(ReadOnlySpan<byte> packed) => Unpack(packed, out _);

    public static NvList Unpack(ReadOnlySpan<byte> packed, out NvEncoding encoding)
    {
        if (packed.Length < 4) throw Corrupt($"{packed.Length} bytes are too short for an nvlist header");
        switch (packed[0])
        {
            case (byte)NvEncoding.Native:
                // libnvpair refuses NATIVE data of the other byte order (ENOTSUP); all of ours is little-endian.
                if (packed[1] != 1) throw Corrupt($"the header's endian byte is {packed[1]}: only little-endian NATIVE packs are read");
                encoding = NvEncoding.Native;
                var r = new Reader(packed, 4, bigEndian: false);
                int version = r.I32();
                uint flags = (uint)r.I32();
                if (version != 0) throw Corrupt($"nvl_version is {version}, not 0");
                return UnpackNative(ref r, new NvList(flags, raw: true), 0);
            case (byte)NvEncoding.Xdr:
                encoding = NvEncoding.Xdr;
                var x = new Reader(packed, 4, bigEndian: true);
                return UnpackXdr(ref x, 0);
            default:
                throw Corrupt($"unknown encoding {packed[0]} in the header");
        }
    }

    internal static IllumosException Corrupt(string what) =>
        new(ErrorKind.InvalidData, "NvListCorrupt", $"The packed nvlist is corrupt: {what}.", null);

    private static NvList UnpackNative(ref Reader r, NvList list, int depth)
    {
        while (true)
        {
            int at = r.Position;
            int size = r.PeekI32();
            if (size == 0) { r.Skip(4); return list; }
            if (size < 0 || size > r.Remaining) throw Corrupt($"the pair at byte {at} says it takes {size} bytes, {r.Remaining} remain");
            if (size < NvpSizeCalc(1, 0)) throw Corrupt($"the pair at byte {at} is {size} bytes, too short for a pair");
            var pair = r.Slice(size);
            var pr = new Reader(pair, 4, r.BigEndian);
            int nameSize = pr.I16();
            pr.Skip(2);
            int nelem = pr.I32();
            int type = pr.I32();
            if (nameSize <= 0 || size < NvpSizeCalc(nameSize, 0)) throw Corrupt($"the pair at byte {at} has a bad name size {nameSize}");
            var nameBytes = pair.Slice(NvpHeader, nameSize);
            if (nameBytes.IndexOf((byte)0) != nameSize - 1) throw Corrupt($"the name of the pair at byte {at} is not NUL-terminated at its size");
            string name = Decode(nameBytes[..^1]);
            long bare = BareValueSize(type, nelem);
            if (bare < 0) throw Corrupt($"pair '{name}' has an invalid type {type} or element count {nelem}");
            int valueOffset = (int)Align8(NvpHeader + nameSize);
            if (NvpSizeCalc(nameSize, bare) > size) throw Corrupt($"pair '{name}' is smaller than its value");
            var v = pair[valueOffset..];
            var t = (NvType)type;
            object? value;
            switch (t)
            {
                case NvType.Boolean: value = null; break;
                case NvType.String: value = CString(v, name, out _); break;
                case NvType.StringArray:
                {
                    var ss = new string[nelem];
                    int off = nelem * 8;
                    for (int i = 0; i < nelem; i++)
                    {
                        ss[i] = CString(v[off..], name, out int length);
                        off += length + 1;
                    }
                    value = ss;
                    break;
                }
                case NvType.NvList:
                    CheckNvlStruct(v, r.BigEndian, name);
                    if (depth >= MaxDepth) throw Corrupt($"lists nest more than {MaxDepth} deep");
                    value = UnpackNative(ref r, new NvList(NvlFlags(v, r.BigEndian)), depth + 1); // nvlist_init masks the flags
                    break;
                case NvType.NvListArray:
                {
                    var ls = new NvList[nelem];
                    if (nelem > 0 && depth >= MaxDepth) throw Corrupt($"lists nest more than {MaxDepth} deep");
                    for (int i = 0; i < nelem; i++)
                    {
                        var s = v.Slice(nelem * 8 + i * NvlStructSize, NvlStructSize);
                        CheckNvlStruct(s, r.BigEndian, name);
                        ls[i] = UnpackNative(ref r, new NvList(NvlFlags(s, r.BigEndian)), depth + 1);
                    }
                    value = ls;
                    break;
                }
                default:
                {
                    int width = Width(t);
                    var vr = new Reader(v, 0, r.BigEndian);
                    var bits = new ulong[nelem];
                    for (int i = 0; i < nelem; i++) bits[i] = vr.Unsigned(width);
                    value = FromBits(t, bits);
                    if (t is NvType.BooleanValue or NvType.BooleanArray && bits.Any(b => b > 1))
                        throw Corrupt($"boolean pair '{name}' holds a value other than 0 or 1");
                    break;
                }
            }
            var p = new NvPair(name, t, value);
            if (NativeSize(p) != size) throw Corrupt($"pair '{name}' says it takes {size} bytes but its value needs {NativeSize(p)}");
            list._pairs.Add(p);
        }
    }

    private static string CString(ReadOnlySpan<byte> s, string pair, out int n)
    {
        n = s.IndexOf((byte)0);
        if (n < 0) throw Corrupt($"a string of pair '{pair}' is not NUL-terminated within the pair");
        return Decode(s[..n]);
    }

    private static void CheckNvlStruct(ReadOnlySpan<byte> s, bool big, string pair)
    {
        int version = big ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s);
        if (version != 0) throw Corrupt($"the embedded list '{pair}' has version {version}, not 0");
    }

    private static uint NvlFlags(ReadOnlySpan<byte> s, bool big) =>
        big ? BinaryPrimitives.ReadUInt32BigEndian(s[4..]) : BinaryPrimitives.ReadUInt32LittleEndian(s[4..]);

    /// <summary>NVS_XDR_MAX_LEN: the largest decoded pair libnvpair believes <paramref name="avail"/> bytes can hold.</summary>
    private static long XdrMaxLength(long avail)
    {
        long data = avail <= 20 ? 0 : avail - 20;
        return NvpSizeCalc(1, 0) + data * 2 + Align4(data / 4);
    }

    private static NvList UnpackXdr(ref Reader r, int depth)
    {
        int version = r.I32();
        uint flags = (uint)r.I32();
        if (version != 0) throw Corrupt($"nvl_version is {version}, not 0");
        var list = new NvList(flags, raw: true);
        while (true)
        {
            int at = r.Position;
            r.I32(); // the encoded size: libnvpair reads it and does not use it
            long dec = r.I32();
            if (dec == 0) return list;
            if (dec < NvpSizeCalc(1, 0) || dec > XdrMaxLength(r.Remaining))
                throw Corrupt($"the pair at byte {at} has an impossible decoded size {dec}");
            string name = r.XdrString(dec - NvpHeader - 1, "a pair name");
            if (name.Length == 0) throw Corrupt($"the pair at byte {at} has an empty name, which libnvpair's XDR decoder refuses");
            int nameSize = Utf8.GetByteCount(name) + 1;
            int type = r.I32();
            int nelem = r.I32();
            long bare = BareValueSize(type, nelem);
            if (bare < 0) throw Corrupt($"pair '{name}' has an invalid type {type} or element count {nelem}");
            var t = (NvType)type;
            long room = dec - Align8(NvpHeader + nameSize);
            if (nelem != 0 && (room <= 0 || room < bare)) throw Corrupt($"pair '{name}' is smaller than its value");
            object? value;
            switch (t)
            {
                case NvType.Boolean: value = null; break;
                case NvType.String: value = r.XdrString(room - 1, $"the value of '{name}'"); break;
                case NvType.StringArray:
                {
                    if (nelem > r.Remaining / 4) throw Corrupt($"pair '{name}' counts {nelem} strings in {r.Remaining} bytes");
                    var ss = new string[nelem];
                    for (int i = 0; i < nelem; i++) ss[i] = r.XdrString(room, $"a string of '{name}'");
                    value = ss;
                    break;
                }
                case NvType.NvList:
                    if (depth >= MaxDepth) throw Corrupt($"lists nest more than {MaxDepth} deep");
                    value = UnpackXdr(ref r, depth + 1);
                    break;
                case NvType.NvListArray:
                {
                    if (nelem > r.Remaining / 16) throw Corrupt($"pair '{name}' counts {nelem} lists in {r.Remaining} bytes");
                    if (nelem > 0 && depth >= MaxDepth) throw Corrupt($"lists nest more than {MaxDepth} deep");
                    var ls = new NvList[nelem];
                    for (int i = 0; i < nelem; i++) ls[i] = UnpackXdr(ref r, depth + 1);
                    value = ls;
                    break;
                }
                case NvType.ByteArray:
                    value = r.Slice(nelem).ToArray(); // xdr_opaque: the bytes, padded to 4
                    r.Skip((int)(Align4(nelem) - nelem));
                    break;
                default:
                {
                    int width = Width(t), unit = Math.Max(4, width);
                    if (IsArray(t) && nelem > 0)
                    {
                        long count = (uint)r.I32();
                        if (count != nelem) throw Corrupt($"pair '{name}' has {nelem} elements but its array counts {count}");
                    }
                    if (nelem > r.Remaining / unit) throw Corrupt($"pair '{name}' has {nelem} elements in {r.Remaining} bytes");
                    var bits = new ulong[nelem];
                    for (int i = 0; i < nelem; i++) bits[i] = unit == 8 ? r.U64() : (uint)r.I32();
                    if (t is NvType.BooleanValue or NvType.BooleanArray && bits.Any(b => b > 1))
                        throw Corrupt($"boolean pair '{name}' holds a value other than 0 or 1");
                    value = FromBits(t, bits);
                    break;
                }
            }
            var p = new NvPair(name, t, value);
            if (NativeSize(p) != dec) throw Corrupt($"pair '{name}' gives its decoded size as {dec}, libnvpair's is {NativeSize(p)}");
            list._pairs.Add(p);
        }
    }

    /// <summary>Bounds-checked reads; every overrun is NvListCorrupt.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data, int position, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        public int Position { get; private set; } = position;
        public readonly bool BigEndian = bigEndian;
        public readonly int Remaining => _data.Length - Position;

        public ReadOnlySpan<byte> Slice(int n)
        {
            if (n < 0 || n > Remaining) throw Corrupt($"it ends at byte {_data.Length} where {n} more bytes were expected at byte {Position}");
            var s = _data.Slice(Position, n);
            Position += n;
            return s;
        }

        public void Skip(int n) => Slice(n);

        public readonly int PeekI32()
        {
            if (Remaining < 4) throw Corrupt($"it ends at byte {_data.Length} before the list's end marker");
            var s = _data.Slice(Position, 4);
            return BigEndian ? BinaryPrimitives.ReadInt32BigEndian(s) : BinaryPrimitives.ReadInt32LittleEndian(s);
        }

        public int I32() => (int)Unsigned(4);
        public int I16() => (short)Unsigned(2);
        public ulong U64() => Unsigned(8);

        public ulong Unsigned(int width)
        {
            var s = Slice(width);
            ulong v = 0;
            for (int i = 0; i < width; i++) v = BigEndian ? v << 8 | s[i] : v | (ulong)s[i] << (8 * i);
            return v;
        }

        /// <summary>An XDR string of at most <paramref name="max"/> bytes, without NULs.</summary>
        public string XdrString(long max, string what)
        {
            long n = (uint)I32();
            if (n > max || n > Remaining) throw Corrupt($"{what} at byte {Position - 4} is {n} bytes long, more than fits");
            var b = Slice((int)n);
            if (b.IndexOf((byte)0) >= 0) throw Corrupt($"{what} at byte {Position - n} contains a NUL");
            Skip((int)(Align4(n) - n));
            return Decode(b);
        }
    }
}
