using CsCheck;
using Illumos.Engine.Storage.Replication;
using Xunit;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>Random nvlists of every type, nested a few levels, for the property tests.</summary>
internal static class NvGen
{
    private static readonly Gen<string> Text = Gen.Char["abxyz_.@é€ "].Array[0, 9].Select(a => new string(a));
    // Names are never empty here: libnvpair's XDR decoder refuses empty names (see the test for them below).
    private static readonly Gen<string> Name = Gen.Char["abcxyz_é"].Array[1, 7].Select(a => new string(a));

    private static Gen<(NvType, object?)> Leaf => Gen.OneOf(
        Gen.Const((NvType.Boolean, (object?)null)),
        Gen.Bool.Select(v => (NvType.BooleanValue, (object?)v)),
        Gen.Byte.Select(v => (NvType.Byte, (object?)v)),
        Gen.Byte.Select(v => (NvType.UInt8, (object?)v)),
        Gen.SByte.Select(v => (NvType.Int8, (object?)v)),
        Gen.Short.Select(v => (NvType.Int16, (object?)v)),
        Gen.UShort.Select(v => (NvType.UInt16, (object?)v)),
        Gen.Int.Select(v => (NvType.Int32, (object?)v)),
        Gen.UInt.Select(v => (NvType.UInt32, (object?)v)),
        Gen.Long.Select(v => (NvType.Int64, (object?)v)),
        Gen.Long.Select(v => (NvType.HrTime, (object?)v)),
        Gen.ULong.Select(v => (NvType.UInt64, (object?)v)),
        Gen.Double.Select(v => (NvType.Double, (object?)v)),
        Text.Select(v => (NvType.String, (object?)v)),
        Gen.Byte.Array[0, 11].Select(v => (NvType.ByteArray, (object?)v)),
        Gen.Byte.Array[0, 11].Select(v => (NvType.UInt8Array, (object?)v)),
        Gen.SByte.Array[0, 5].Select(v => (NvType.Int8Array, (object?)v)),
        Gen.Short.Array[0, 5].Select(v => (NvType.Int16Array, (object?)v)),
        Gen.UShort.Array[0, 5].Select(v => (NvType.UInt16Array, (object?)v)),
        Gen.Int.Array[0, 5].Select(v => (NvType.Int32Array, (object?)v)),
        Gen.UInt.Array[0, 5].Select(v => (NvType.UInt32Array, (object?)v)),
        Gen.Long.Array[0, 5].Select(v => (NvType.Int64Array, (object?)v)),
        Gen.ULong.Array[0, 5].Select(v => (NvType.UInt64Array, (object?)v)),
        Gen.Bool.Array[0, 5].Select(v => (NvType.BooleanArray, (object?)v)),
        Text.Array[0, 4].Select(v => (NvType.StringArray, (object?)v)));

    private static readonly Gen<uint> Flags = Gen.OneOfConst(NvList.UniqueName, NvList.UniqueName, 0u, NvList.UniqueNameType);

    private static Gen<NvList> Build(Gen<(NvType, object?)> pair) =>
        Gen.Select(Flags, Gen.Select(Name, pair).Array[0, 6]).Select(x =>
        {
            var l = new NvList(x.Item1);
            foreach (var (name, (type, value)) in x.Item2) l.Add(name, type, value);
            return l;
        });

    /// <summary>Lists nested up to <paramref name="depth"/> levels below the top.</summary>
    public static Gen<NvList> List(int depth)
    {
        if (depth == 0) return Build(Leaf);
        var inner = List(depth - 1);
        return Build(Gen.Frequency(
            (6, Leaf),
            (1, inner.Select(v => (NvType.NvList, (object?)v))),
            (1, inner.Array[0, 3].Select(v => (NvType.NvListArray, (object?)v)))));
    }

    public static readonly Gen<NvEncoding> Encoding = Gen.OneOfConst(NvEncoding.Native, NvEncoding.Xdr);
}

public class NvListTests
{
    private static byte[] Hex(string s) => Convert.FromHexString(string.Concat(s.Where(Uri.IsHexDigit)));

    // ---------------------------------------------------------------- golden vectors, by hand from nvpair.c

    /// <summary>{ a = uint64 1 }, NATIVE.</summary>
    private const string OneUInt64Native =
        "00 01 00 00" +             // nvs_header_t: encoding NATIVE (0), endian 1 (little), 2 reserved bytes
        "00 00 00 00 01 00 00 00" + // nvl_version 0, nvl_nvflag NV_UNIQUE_NAME (1)
        "20 00 00 00" +             // nvp_size 32 = NVP_SIZE_CALC(2, 8) = NV_ALIGN(16 + 2) + NV_ALIGN(8) = 24 + 8
        "02 00 00 00" +             // nvp_name_sz 2 ("a" and its NUL), 2 reserved bytes
        "01 00 00 00 08 00 00 00" + // nvp_value_elem 1, nvp_type DATA_TYPE_UINT64 (8)
        "61 00 00 00 00 00 00 00" + // "a\0" padded from byte 18 to 24 of the pair
        "01 00 00 00 00 00 00 00" + // the value, little-endian
        "00 00 00 00";              // end of the list (nvs_native_nvl_fini)

    /// <summary>{ a = uint64 1 }, XDR.</summary>
    private const string OneUInt64Xdr =
        "01 01 00 00" +             // nvs_header_t: encoding XDR (1), endian 1 (the packing host's), reserved
        "00 00 00 00 00 00 00 01" + // nvl_version 0, nvl_nvflag 1, as XDR ints (big-endian)
        "00 00 00 20" +             // encoded size 32 = 4+4 (sizes) + 4+NV_ALIGN4(1) (name) + 4+4 (type, nelem) + 8
        "00 00 00 20" +             // decoded size 32 = the native nvp_size, which nvlist_unpack checks
        "00 00 00 01 61 00 00 00" + // name: XDR string, length 1, "a" padded to 4
        "00 00 00 08 00 00 00 01" + // type UINT64, nelem 1
        "00 00 00 00 00 00 00 01" + // the value as an XDR unsigned hyper
        "00 00 00 00 00 00 00 00";  // end of the list: encoded and decoded size both 0

    private static NvList Nested() => new NvList().AddBoolean("flag").Add("s", "hi").Add("n", new NvList().Add("x", 7UL));

    /// <summary>{ flag (boolean), s = "hi", n = { x = uint64 7 } }, NATIVE.</summary>
    private const string NestedNative =
        "00 01 00 00 00 00 00 00 01 00 00 00" +                     // header, version 0, nvflag 1
        "18 00 00 00 05 00 00 00 00 00 00 00 01 00 00 00" +         // flag: size 24 = NV_ALIGN(16+5) + 0, name_sz 5, nelem 0, BOOLEAN
        "66 6c 61 67 00 00 00 00" +                                 // "flag\0" padded to 8; a BOOLEAN has no value
        "20 00 00 00 02 00 00 00 01 00 00 00 09 00 00 00" +         // s: size 32 = 24 + NV_ALIGN(3), name_sz 2, nelem 1, STRING
        "73 00 00 00 00 00 00 00 68 69 00 00 00 00 00 00" +         // "s\0" padded, "hi\0" padded to 8
        "30 00 00 00 02 00 00 00 01 00 00 00 13 00 00 00" +         // n: size 48 = 24 + NV_ALIGN(sizeof nvlist_t = 24), NVLIST (19)
        "6e 00 00 00 00 00 00 00" +                                 // "n\0" padded
        "00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" + // nvlist_t: version 0, nvflag 1, priv 0, flag 0, pad 0
        "20 00 00 00 02 00 00 00 01 00 00 00 08 00 00 00" +         // the embedded pairs follow the pair: x, UINT64
        "78 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00" +         // "x\0", 7
        "00 00 00 00" +                                             // end of the embedded list
        "00 00 00 00";                                              // end of the top list

    /// <summary>The same list, XDR.</summary>
    private const string NestedXdr =
        "01 01 00 00 00 00 00 00 00 00 00 01" +                     // header, version 0, nvflag 1
        "00 00 00 18 00 00 00 18" +                                 // flag: encoded 24 = 8 + 4+4 ("flag") + 8; decoded 24 (native)
        "00 00 00 04 66 6c 61 67 00 00 00 01 00 00 00 00" +         // "flag", BOOLEAN, nelem 0: no value follows
        "00 00 00 20 00 00 00 20" +                                 // s: encoded 32 = 24 + 4+NV_ALIGN4(2); decoded 32
        "00 00 00 01 73 00 00 00 00 00 00 09 00 00 00 01" +         // "s", STRING, nelem 1
        "00 00 00 02 68 69 00 00" +                                 // "hi" as an XDR string
        "00 00 00 48 00 00 00 30" +                                 // n: encoded 72 = 24 + 48 (the embedded list); decoded 48 (native)
        "00 00 00 01 6e 00 00 00 00 00 00 13 00 00 00 01" +         // "n", NVLIST, nelem 1
        "00 00 00 00 00 00 00 01" +                                 // embedded list inline (nvs_embedded): version 0, nvflag 1,
        "00 00 00 20 00 00 00 20 00 00 00 01 78 00 00 00" +         //   x: encoded 32, decoded 32, "x",
        "00 00 00 08 00 00 00 01 00 00 00 00 00 00 00 07" +         //   UINT64, nelem 1, 7
        "00 00 00 00 00 00 00 00" +                                 //   end of the embedded list (16 = 8 + 8 of its size)
        "00 00 00 00 00 00 00 00";                                  // end of the top list

    [Theory]
    [InlineData(NvEncoding.Native, OneUInt64Native)]
    [InlineData(NvEncoding.Xdr, OneUInt64Xdr)]
    public void Golden_single_uint64(NvEncoding encoding, string hex)
    {
        var l = new NvList().Add("a", 1UL);
        Assert.Equal(Convert.ToHexString(Hex(hex)), Convert.ToHexString(l.Pack(encoding)));
        var back = NvList.Unpack(Hex(hex), out var detected);
        Assert.Equal(encoding, detected);
        Assert.Equal(1UL, back.GetUInt64("a"));
    }

    [Theory]
    [InlineData(NvEncoding.Native, NestedNative)]
    [InlineData(NvEncoding.Xdr, NestedXdr)]
    public void Golden_nested(NvEncoding encoding, string hex)
    {
        Assert.Equal(Convert.ToHexString(Hex(hex)), Convert.ToHexString(Nested().Pack(encoding)));
        var back = NvList.Unpack(Hex(hex));
        Assert.Equal(Nested(), back);
        Assert.True(back.HasBoolean("flag"));
        Assert.Equal("hi", back.GetString("s"));
        Assert.Equal(7UL, back.GetNvList("n").GetUInt64("x"));
    }

    /// <summary>
    /// nvlist_size counts an empty array's element count (4 bytes) that the encoder never writes, so the
    /// packed buffer is that much longer than the data, ending in zeros. Checked against libnvpair too.
    /// </summary>
    [Fact]
    public void Xdr_empty_array_keeps_libnvpairs_size()
    {
        var packed = new NvList().Add("e", Array.Empty<ulong>()).Pack(NvEncoding.Xdr);
        Assert.Equal(
            "01010000" + "00000000" + "00000001" +
            "0000001C" + "00000018" +   // encoded 28 = 24 + 4 (the count), decoded 24 (no value bytes)
            "00000001" + "65000000" + "00000010" + "00000000" + // "e", UINT64_ARRAY (16), nelem 0: nothing follows
            "00000000" + "00000000" +   // end of list
            "00000000",                 // the 4 counted bytes
            Convert.ToHexString(packed));
        Assert.Empty(NvList.Unpack(packed).GetUInt64Array("e"));
    }

    // ---------------------------------------------------------------- properties

    [Fact]
    public void An_empty_pair_name_packs_natively_but_not_in_xdr()
    {
        var list = new NvList().Add("", new[] { "" }).Add("x", 1UL);
        Assert.Equal(list, NvList.Unpack(list.Pack(NvEncoding.Native)));
        var e = Assert.Throws<IllumosException>(() => list.Pack(NvEncoding.Xdr));
        Assert.Equal("NvListBadValue", e.ErrorId);
        // A hand-made XDR pack with an empty name (what libnvpair rejects with EFAULT) is refused as corrupt.
        var xdr = new NvList().Add("a", new[] { "" }).Pack(NvEncoding.Xdr);
        int name = Array.IndexOf(xdr, (byte)'a');
        xdr[name - 1] = 0; // the name's XDR length 1 becomes 0
        Assert.Equal("NvListCorrupt", Assert.Throws<IllumosException>(() => NvList.Unpack(xdr)).ErrorId);
    }

    [Fact]
    public void Round_trips_random_nested_lists_in_both_encodings()
    {
        Gen.Select(NvGen.List(3), NvGen.Encoding).Sample((list, encoding) =>
        {
            var packed = list.Pack(encoding);
            var back = NvList.Unpack(packed, out var detected);
            return detected == encoding && back.Equals(list) && back.Pack(encoding).AsSpan().SequenceEqual(packed);
        }, iter: 2000);
    }

    private static void CleanOrValue(byte[] input)
    {
        try { NvList.Unpack(input); }
        catch (IllumosException e) when (e.ErrorId == "NvListCorrupt" && e.Kind == ErrorKind.InvalidData) { }
    }

    [Fact]
    public void Random_bytes_give_a_value_or_the_clean_error()
    {
        var header = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2]).Select(h => new byte[] { (byte)h.Item1, (byte)h.Item2, 0, 0, 0, 0, 0, 0 });
        Gen.Select(header, Gen.Byte.Array[0, 200], Gen.Bool).Sample((h, body, withHeader) =>
            CleanOrValue(withHeader ? [.. h, .. body] : body), iter: 20000);
    }

    [Fact]
    public void Damaged_packs_give_a_value_or_the_clean_error()
    {
        var damage = Gen.Select(NvGen.List(2), NvGen.Encoding, Gen.Int[0, 1 << 20], Gen.Int[0, 7], Gen.Int[0, 2]);
        damage.Sample((list, encoding, where, bit, how) =>
        {
            var packed = list.Pack(encoding);
            int at = where % packed.Length;
            switch (how)
            {
                case 0: CleanOrValue(packed[..at]); break;                      // truncated
                case 1: packed[at] ^= (byte)(1 << bit); CleanOrValue(packed); break; // one bit flipped
                default: packed[at] = 0xFF; CleanOrValue(packed); break;         // a byte made huge
            }
        }, iter: 20000);
    }

    [Fact]
    public void Every_truncation_of_a_valid_pack_fails_cleanly()
    {
        var big = Nested().Add("arr", new[] { Nested(), new NvList() }).Add("ss", new[] { "a", "" }).Add("u", new ulong[] { 1, 2 });
        foreach (var encoding in new[] { NvEncoding.Native, NvEncoding.Xdr })
        {
            var packed = big.Pack(encoding);
            for (int n = 0; n < packed.Length; n++)
            {
                var e = Assert.Throws<IllumosException>(() => NvList.Unpack(packed.AsSpan(0, n)));
                Assert.Equal("NvListCorrupt", e.ErrorId);
            }
        }
    }

    [Fact]
    public void Huge_counts_are_refused_without_allocating()
    {
        // XDR UINT64_ARRAY claiming 0x7fffffff elements: refused by the size rules, not by running out of memory.
        var packed = new NvList().Add("u", new ulong[] { 1 }).Pack(NvEncoding.Xdr);
        packed.AsSpan(32, 4).Fill(0x7F); // nelem (after header 12, sizes 8, name 8, type 4)
        var e = Assert.Throws<IllumosException>(() => NvList.Unpack(packed));
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void Nesting_is_limited_like_libnvpair()
    {
        NvList Deep(int levels)
        {
            var l = new NvList().Add("leaf", 1UL);
            for (int i = 0; i < levels; i++) l = new NvList().Add("n", l);
            return l;
        }
        foreach (var encoding in new[] { NvEncoding.Native, NvEncoding.Xdr })
        {
            Assert.Equal(Deep(NvList.MaxDepth), NvList.Unpack(Deep(NvList.MaxDepth).Pack(encoding)));
            Assert.Equal("NvListTooDeep", Assert.Throws<IllumosException>(() => Deep(NvList.MaxDepth + 1).Pack(encoding)).ErrorId);
        }
    }

    // ---------------------------------------------------------------- API

    [Fact]
    public void Unique_names_replace_and_move_to_the_end_like_nvlist_add()
    {
        var l = new NvList().Add("a", 1UL).Add("b", "x").Add("a", "now a string");
        Assert.Equal(["b", "a"], l.Select(p => p.Name));
        Assert.False(l.TryGetUInt64("a", out _));
        Assert.Equal("now a string", l.GetString("a"));

        var multi = new NvList(0).Add("a", 1UL).Add("a", 2UL);
        Assert.Equal(2, multi.Count);
        Assert.Equal(1UL, multi.GetUInt64("a")); // lookups find the first
        Assert.Equal(multi, NvList.Unpack(multi.Pack()));
    }

    [Fact]
    public void Getters_name_what_is_missing()
    {
        var l = new NvList().Add("n", 5UL).Add("b", new byte[] { 1 }).Add("u8", NvType.UInt8Array, new byte[] { 2 });
        var e = Assert.Throws<IllumosException>(() => l.GetString("n"));
        Assert.Equal("NvListMissingValue", e.ErrorId);
        Assert.Contains("'n'", e.Message);
        Assert.Equal([1], l.GetByteArray("b"));
        Assert.Equal([2], l.GetByteArray("u8"));
        Assert.Throws<IllumosException>(() => l.Add("bad", NvType.UInt64, "not a number"));
        Assert.Throws<IllumosException>(() => l.Add("bad", "nul\0inside"));
    }
}
