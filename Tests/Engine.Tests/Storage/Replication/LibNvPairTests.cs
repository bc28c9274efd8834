using System.Runtime.InteropServices;
using CsCheck;
using Illumos.Engine.Storage.Replication;
using Xunit;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>
/// OpenZFS's own libnvpair (Debian's libnvpair3linux, installed with zfsutils-linux), called directly:
/// the same random lists are built with nvlist_add_* and packed by nvlist_pack, and the bytes must equal
/// ours; ours must unpack with nvlist_unpack and pack back to the same bytes.
/// </summary>
internal static partial class LibNvPair
{
    private const string Lib = "libnvpair.so.3";
    private const int KmSleep = 0;

    public static readonly bool Available =
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad(Lib, out var h) && NativeLibrary.TryGetExport(h, "nvlist_pack", out _);

    public const string MissingMessage = "libnvpair.so.3 is absent: install Debian's zfsutils-linux (contrib) to compare with OpenZFS's libnvpair.";

    [DllImport(Lib)] private static extern int nvlist_alloc(out IntPtr nvl, uint flag, int kmflag);
    [DllImport(Lib)] public static extern void nvlist_free(IntPtr nvl);
    [DllImport(Lib)] private static extern int nvlist_size(IntPtr nvl, out nuint size, int encoding);
    [DllImport(Lib)] private static extern int nvlist_pack(IntPtr nvl, ref IntPtr buf, ref nuint len, int encoding, int kmflag);
    [DllImport(Lib)] private static extern int nvlist_unpack(byte[] buf, nuint len, out IntPtr nvl, int kmflag);
    [DllImport(Lib)] private static extern int nvlist_add_boolean(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] private static extern int nvlist_add_boolean_value(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int v);
    [DllImport(Lib)] private static extern int nvlist_add_byte(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte v);
    [DllImport(Lib)] private static extern int nvlist_add_uint8(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte v);
    [DllImport(Lib)] private static extern int nvlist_add_int8(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, sbyte v);
    [DllImport(Lib)] private static extern int nvlist_add_int16(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, short v);
    [DllImport(Lib)] private static extern int nvlist_add_uint16(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ushort v);
    [DllImport(Lib)] private static extern int nvlist_add_int32(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int v);
    [DllImport(Lib)] private static extern int nvlist_add_uint32(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint v);
    [DllImport(Lib)] private static extern int nvlist_add_int64(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, long v);
    [DllImport(Lib)] private static extern int nvlist_add_hrtime(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, long v);
    [DllImport(Lib)] private static extern int nvlist_add_uint64(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ulong v);
    [DllImport(Lib)] private static extern int nvlist_add_double(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, double v);
    [DllImport(Lib)] private static extern int nvlist_add_string(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string v);
    [DllImport(Lib)] private static extern int nvlist_add_nvlist(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr v);
    [DllImport(Lib)] private static extern int nvlist_add_nvlist_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_string_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, IntPtr[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_byte_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_uint8_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_int8_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, sbyte[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_int16_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, short[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_uint16_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ushort[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_int32_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_boolean_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_uint32_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_int64_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, long[] v, uint n);
    [DllImport(Lib)] private static extern int nvlist_add_uint64_array(IntPtr nvl, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ulong[] v, uint n);

    private static void Ok(int err, string what) { if (err != 0) throw new InvalidOperationException($"{what} failed with errno {err}"); }

    /// <summary>The list rebuilt in libnvpair with nvlist_add_*; free it with <see cref="nvlist_free"/>.</summary>
    public static IntPtr Build(NvList list)
    {
        Ok(nvlist_alloc(out var nvl, list.Flags, KmSleep), "nvlist_alloc");
        foreach (var p in list)
        {
            string n = p.Name;
            var v = p.Value;
            int err = p.Type switch
            {
                NvType.Boolean => nvlist_add_boolean(nvl, n),
                NvType.BooleanValue => nvlist_add_boolean_value(nvl, n, (bool)v! ? 1 : 0),
                NvType.Byte => nvlist_add_byte(nvl, n, (byte)v!),
                NvType.UInt8 => nvlist_add_uint8(nvl, n, (byte)v!),
                NvType.Int8 => nvlist_add_int8(nvl, n, (sbyte)v!),
                NvType.Int16 => nvlist_add_int16(nvl, n, (short)v!),
                NvType.UInt16 => nvlist_add_uint16(nvl, n, (ushort)v!),
                NvType.Int32 => nvlist_add_int32(nvl, n, (int)v!),
                NvType.UInt32 => nvlist_add_uint32(nvl, n, (uint)v!),
                NvType.HrTime => nvlist_add_hrtime(nvl, n, (long)v!),
                NvType.Int64 => nvlist_add_int64(nvl, n, (long)v!),
                NvType.UInt64 => nvlist_add_uint64(nvl, n, (ulong)v!),
                NvType.Double => nvlist_add_double(nvl, n, (double)v!),
                NvType.String => nvlist_add_string(nvl, n, (string)v!),
                NvType.NvList => AddNested(nvl, n, (NvList)v!),
                NvType.NvListArray => AddNestedArray(nvl, n, (NvList[])v!),
                NvType.StringArray => AddStrings(nvl, n, (string[])v!),
                NvType.ByteArray => nvlist_add_byte_array(nvl, n, (byte[])v!, (uint)p.ElementCount),
                NvType.UInt8Array => nvlist_add_uint8_array(nvl, n, (byte[])v!, (uint)p.ElementCount),
                NvType.Int8Array => nvlist_add_int8_array(nvl, n, (sbyte[])v!, (uint)p.ElementCount),
                NvType.Int16Array => nvlist_add_int16_array(nvl, n, (short[])v!, (uint)p.ElementCount),
                NvType.UInt16Array => nvlist_add_uint16_array(nvl, n, (ushort[])v!, (uint)p.ElementCount),
                NvType.Int32Array => nvlist_add_int32_array(nvl, n, (int[])v!, (uint)p.ElementCount),
                NvType.BooleanArray => nvlist_add_boolean_array(nvl, n, Array.ConvertAll((bool[])v!, b => b ? 1 : 0), (uint)p.ElementCount),
                NvType.UInt32Array => nvlist_add_uint32_array(nvl, n, (uint[])v!, (uint)p.ElementCount),
                NvType.Int64Array => nvlist_add_int64_array(nvl, n, (long[])v!, (uint)p.ElementCount),
                NvType.UInt64Array => nvlist_add_uint64_array(nvl, n, (ulong[])v!, (uint)p.ElementCount),
                _ => throw new NotSupportedException(p.Type.ToString()),
            };
            Ok(err, $"nvlist_add {p.Type} '{n}'");
        }
        return nvl;
    }

    private static int AddNested(IntPtr nvl, string name, NvList v)
    {
        var child = Build(v);
        try { return nvlist_add_nvlist(nvl, name, child); } finally { nvlist_free(child); }
    }

    private static int AddNestedArray(IntPtr nvl, string name, NvList[] v)
    {
        var children = Array.ConvertAll(v, Build);
        try { return nvlist_add_nvlist_array(nvl, name, children, (uint)children.Length); }
        finally { foreach (var c in children) nvlist_free(c); }
    }

    private static int AddStrings(IntPtr nvl, string name, string[] v)
    {
        var ptrs = Array.ConvertAll(v, Marshal.StringToCoTaskMemUTF8);
        try { return nvlist_add_string_array(nvl, name, ptrs, (uint)ptrs.Length); }
        finally { foreach (var s in ptrs) Marshal.FreeCoTaskMem(s); }
    }

    /// <summary>nvlist_pack into a buffer of nvlist_size bytes.</summary>
    public static byte[] Pack(IntPtr nvl, NvEncoding encoding)
    {
        Ok(nvlist_size(nvl, out var size, (int)encoding), "nvlist_size");
        var buf = new byte[(int)size];
        var handle = GCHandle.Alloc(buf, GCHandleType.Pinned);
        try
        {
            var p = handle.AddrOfPinnedObject();
            var len = size;
            Ok(nvlist_pack(nvl, ref p, ref len, (int)encoding, KmSleep), "nvlist_pack");
        }
        finally { handle.Free(); }
        return buf;
    }

    /// <summary>nvlist_unpack's error number (0 = accepted) and, when accepted, its repack in <paramref name="encoding"/>.</summary>
    public static (int Err, byte[]? Repacked) UnpackAndRepack(byte[] packed, NvEncoding encoding)
    {
        int err = nvlist_unpack(packed, (nuint)packed.Length, out var nvl, KmSleep);
        if (err != 0) return (err, null);
        try { return (0, Pack(nvl, encoding)); } finally { nvlist_free(nvl); }
    }
}

public sealed class LibNvPairFactAttribute : FactAttribute
{
    public LibNvPairFactAttribute() { if (!LibNvPair.Available) Skip = LibNvPair.MissingMessage; }
}

public class LibNvPairTests
{
    [LibNvPairFact]
    public void Our_packs_equal_libnvpairs_for_random_lists()
    {
        Gen.Select(NvGen.List(3), NvGen.Encoding).Sample((list, encoding) =>
        {
            var nvl = LibNvPair.Build(list);
            byte[] theirs;
            try { theirs = LibNvPair.Pack(nvl, encoding); } finally { LibNvPair.nvlist_free(nvl); }
            var ours = list.Pack(encoding);
            Assert.Equal(Convert.ToHexString(theirs), Convert.ToHexString(ours));
            Assert.Equal(list, NvList.Unpack(theirs));
        }, iter: 1000);
    }

    [LibNvPairFact]
    public void Libnvpair_unpacks_ours_and_packs_them_back_identically()
    {
        Gen.Select(NvGen.List(3), NvGen.Encoding).Sample((list, encoding) =>
        {
            var ours = list.Pack(encoding);
            var (err, repacked) = LibNvPair.UnpackAndRepack(ours, encoding);
            Assert.Equal(0, err);
            Assert.Equal(Convert.ToHexString(ours), Convert.ToHexString(repacked!));
        }, iter: 1000);
    }

    /// <summary>What libnvpair refuses we refuse: damaged packs are judged the same way by both (or we are stricter).</summary>
    [LibNvPairFact]
    public void Damaged_packs_that_we_accept_libnvpair_accepts_too()
    {
        Gen.Select(NvGen.List(2), NvGen.Encoding, Gen.Int[0, 1 << 20], Gen.Int[0, 7]).Sample((list, encoding, where, bit) =>
        {
            var packed = list.Pack(encoding);
            packed[where % packed.Length] ^= (byte)(1 << bit);
            NvList? ours = null;
            try { ours = NvList.Unpack(packed); } catch (IllumosException) { }
            if (ours is null) return;
            var (err, repacked) = LibNvPair.UnpackAndRepack(packed, encoding);
            Assert.True(err == 0, $"libnvpair refuses (errno {err}) a pack we accept: {Convert.ToHexString(packed)}");
            Assert.Equal(ours, NvList.Unpack(repacked!));
        }, iter: 5000);
    }
}
