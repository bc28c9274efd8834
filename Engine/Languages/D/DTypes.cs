namespace Illumos.Engine.Languages.D;

public enum DKind { Int, Pointer, String, Void, Struct, Union, Enum, Array, Agg, Action, Float }

/// <summary>A D type: C integer types, pointers, string, void, structs/unions/enums and arrays.</summary>
public sealed class DType
{
    public DKind Kind { get; init; }
    public int Size { get; init; }
    public bool Signed { get; init; }
    public string Name { get; init; } = "";
    public DType? Elem { get; init; }               // pointer target / array element
    public long Count { get; init; }                // array dimension
    public List<DMember>? Members { get; set; }     // struct/union members
    public Dictionary<string, long>? EnumValues { get; set; }
    public bool Complete { get; set; } = true;

    public bool IsInteger => Kind is DKind.Int or DKind.Enum;
    public bool IsArith => Kind is DKind.Int or DKind.Enum or DKind.Float;
    public bool IsScalar => Kind is DKind.Int or DKind.Enum or DKind.Pointer or DKind.Float;
    public bool IsString => Kind == DKind.String;
    public bool IsVoid => Kind == DKind.Void;
    public bool IsStructLike => Kind is DKind.Struct or DKind.Union;

    /// <summary>Values of this type travel as Int64 at run time (integers, enums, pointers).</summary>
    public bool IsLongBacked => Kind is DKind.Int or DKind.Enum or DKind.Pointer;

    public override string ToString() => Name;

    public static readonly DType Char = new() { Kind = DKind.Int, Size = 1, Signed = true, Name = "char" };
    public static readonly DType UChar = new() { Kind = DKind.Int, Size = 1, Signed = false, Name = "unsigned char" };
    public static readonly DType SChar = new() { Kind = DKind.Int, Size = 1, Signed = true, Name = "signed char" };
    public static readonly DType Short = new() { Kind = DKind.Int, Size = 2, Signed = true, Name = "short" };
    public static readonly DType UShort = new() { Kind = DKind.Int, Size = 2, Signed = false, Name = "unsigned short" };
    public static readonly DType Int = new() { Kind = DKind.Int, Size = 4, Signed = true, Name = "int" };
    public static readonly DType UInt = new() { Kind = DKind.Int, Size = 4, Signed = false, Name = "unsigned int" };
    public static readonly DType Long = new() { Kind = DKind.Int, Size = 8, Signed = true, Name = "long" };
    public static readonly DType ULong = new() { Kind = DKind.Int, Size = 8, Signed = false, Name = "unsigned long" };
    public static readonly DType LongLong = new() { Kind = DKind.Int, Size = 8, Signed = true, Name = "long long" };
    public static readonly DType ULongLong = new() { Kind = DKind.Int, Size = 8, Signed = false, Name = "unsigned long long" };
    public static readonly DType String = new() { Kind = DKind.String, Size = 256, Name = "string" };
    public static readonly DType Void = new() { Kind = DKind.Void, Size = 0, Name = "void" };
    public static readonly DType Float = new() { Kind = DKind.Float, Size = 4, Name = "float" };
    public static readonly DType Double = new() { Kind = DKind.Float, Size = 8, Name = "double" };
    public static readonly DType LongDouble = new() { Kind = DKind.Float, Size = 16, Name = "long double" };
    public static readonly DType Agg = new() { Kind = DKind.Agg, Size = 0, Name = "aggregation" };
    public static readonly DType ActionT = new() { Kind = DKind.Action, Size = 0, Name = "void" };
    public static readonly DType VoidPtr = new() { Kind = DKind.Pointer, Size = 8, Name = "void *", Elem = Void };
    public static readonly DType CharPtr = new() { Kind = DKind.Pointer, Size = 8, Name = "char *", Elem = Char };

    public static DType PointerTo(DType t) => new() { Kind = DKind.Pointer, Size = 8, Name = t.Name + " *", Elem = t };

    public static DType ArrayOf(DType t, long n) => new() { Kind = DKind.Array, Size = (int)Math.Min(int.MaxValue, t.Size * n), Name = $"{t.Name} [{n}]", Elem = t, Count = n };

    public static DType Named(DType t, string name) => new()
    {
        Kind = t.Kind, Size = t.Size, Signed = t.Signed, Name = name, Elem = t.Elem, Count = t.Count, Members = t.Members, EnumValues = t.EnumValues,
    };

    /// <summary>Builtin typedefs (illumos's C and D names).</summary>
    public static readonly Dictionary<string, DType> Builtins = new(StringComparer.Ordinal)
    {
        ["int8_t"] = Named(SChar, "int8_t"), ["int16_t"] = Named(Short, "int16_t"), ["int32_t"] = Named(Int, "int32_t"),
        ["int64_t"] = Named(LongLong, "int64_t"), ["uint8_t"] = Named(UChar, "uint8_t"), ["uint16_t"] = Named(UShort, "uint16_t"),
        ["uint32_t"] = Named(UInt, "uint32_t"), ["uint64_t"] = Named(ULongLong, "uint64_t"), ["intptr_t"] = Named(Long, "intptr_t"),
        ["uintptr_t"] = Named(ULong, "uintptr_t"), ["size_t"] = Named(ULong, "size_t"), ["ssize_t"] = Named(Long, "ssize_t"),
        ["off_t"] = Named(Long, "off_t"), ["off64_t"] = Named(LongLong, "off64_t"), ["uchar_t"] = Named(UChar, "uchar_t"),
        ["ushort_t"] = Named(UShort, "ushort_t"), ["uint_t"] = Named(UInt, "uint_t"), ["ulong_t"] = Named(ULong, "ulong_t"),
        ["u_longlong_t"] = Named(ULongLong, "u_longlong_t"), ["longlong_t"] = Named(LongLong, "longlong_t"),
        ["u_int"] = Named(UInt, "u_int"), ["u_char"] = Named(UChar, "u_char"), ["u_short"] = Named(UShort, "u_short"), ["u_long"] = Named(ULong, "u_long"),
        ["boolean_t"] = Named(Int, "boolean_t"), ["caddr_t"] = Named(CharPtr, "caddr_t"), ["pid_t"] = Named(Int, "pid_t"),
        ["uid_t"] = Named(UInt, "uid_t"), ["gid_t"] = Named(UInt, "gid_t"), ["id_t"] = Named(Int, "id_t"), ["zoneid_t"] = Named(Int, "zoneid_t"),
        ["processorid_t"] = Named(Int, "processorid_t"), ["hrtime_t"] = Named(LongLong, "hrtime_t"), ["time_t"] = Named(Long, "time_t"),
        ["dev_t"] = Named(ULong, "dev_t"), ["major_t"] = Named(UInt, "major_t"), ["minor_t"] = Named(UInt, "minor_t"), ["mode_t"] = Named(UInt, "mode_t"),
        ["ino_t"] = Named(ULong, "ino_t"), ["nlink_t"] = Named(UInt, "nlink_t"), ["clock_t"] = Named(Long, "clock_t"), ["int_t"] = Named(Int, "int_t"),
        ["diskaddr_t"] = Named(ULongLong, "diskaddr_t"), ["uintmax_t"] = Named(ULongLong, "uintmax_t"), ["intmax_t"] = Named(LongLong, "intmax_t"),
        ["ptrdiff_t"] = Named(Long, "ptrdiff_t"), ["u_int8_t"] = Named(UChar, "u_int8_t"), ["u_int16_t"] = Named(UShort, "u_int16_t"),
        ["u_int32_t"] = Named(UInt, "u_int32_t"), ["u_int64_t"] = Named(ULongLong, "u_int64_t"), ["bool"] = Named(UChar, "_Bool"), ["_Bool"] = Named(UChar, "_Bool"),
        ["float_t"] = Named(Float, "float_t"), ["double_t"] = Named(Double, "double_t"),
    };

    /// <summary>Integer rank for the usual arithmetic conversions (bigger wins).</summary>
    public static DType Promote(DType a, DType b)
    {
        static DType Up(DType t) => t.Kind == DKind.Enum ? Int : t.Size < 4 ? Int : t;
        a = Up(a); b = Up(b);
        if (a.Size == 8 || b.Size == 8)
        {
            if ((a.Size == 8 && !a.Signed) || (b.Size == 8 && !b.Signed)) return ULongLong.Size == 8 && (a.Name.Contains("long long") || b.Name.Contains("long long")) ? ULongLong : ULong;
            return a.Size == 8 ? a.Kind == DKind.Int && a.Signed ? a : Long : b;
        }
        if (!a.Signed || !b.Signed) return UInt;
        return Int;
    }

    /// <summary>Brings a 64-bit value into the range of this type (truncate and sign- or zero-extend).</summary>
    public long Normalize(long v) => Size switch
    {
        1 => Signed ? (sbyte)v : (byte)v,
        2 => Signed ? (short)v : (ushort)v,
        4 => Signed ? (int)v : (uint)v,
        _ => v,
    };
}

public sealed record DMember(string Name, DType Type, int Offset, int BitWidth = -1, int BitOffset = 0);
