using CsCheck;
using System.Buffers.Binary;
using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Compression;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

public class ChecksumTests
{
    [Fact]
    public void Fletcher4_known_vector()
    {
        var data = new byte[16];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(i * 4), (uint)(i + 1));
        var s = Fletcher4.ComputeScalar(data);
        Assert.Equal(new Fletcher4.State(10, 20, 35, 56), s);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(200)]
    [InlineData(512)]
    [InlineData(4096 + 36)]
    [InlineData(131072)]
    [InlineData(1 << 20)]
    public void Fletcher4_vector_equals_scalar(int size)
    {
        var rnd = new Random(size);
        var data = new byte[size];
        rnd.NextBytes(data);
        AssertAllFormsEqualScalar(data);
        Array.Fill(data, (byte)0xFF); // carries in every lane
        AssertAllFormsEqualScalar(data);
    }

    private static void AssertAllFormsEqualScalar(byte[] data)
    {
        var expected = Fletcher4.ComputeScalar(data);
        Assert.Equal(expected, Fletcher4.Compute(data));
        Assert.Equal(expected, Fletcher4.ComputeVector128(data));
        Assert.Equal(expected, Fletcher4.ComputeVector256(data));
        Assert.Equal(expected, Fletcher4.ComputeVector512(data));
    }

    /// <summary>Every vector form equals the scalar definition on random data of random whole-word lengths.</summary>
    [Fact]
    public void Fletcher4_vector_forms_equal_scalar_property()
    {
        var gen = Gen.Int[0, 1 << 15].SelectMany(words => Gen.Byte.Array[words * 4]);
        gen.Sample(data => AssertAllFormsEqualScalar(data), iter: 300);
    }

    /// <summary>Summing a buffer in pieces (Continue over random cut points) equals summing it whole.</summary>
    [Fact]
    public void Fletcher4_incremental_equals_whole_property()
    {
        var gen = Gen.Int[0, 1 << 14].SelectMany(words => Gen.Byte.Array[words * 4])
            .SelectMany(data => Gen.Int[0, data.Length / 4].Array[0, 6].Select(cuts => (data, cuts)));
        gen.Sample(t =>
        {
            var (data, cuts) = t;
            var points = cuts.Select(c => c * 4).Append(0).Append(data.Length).Distinct().Order().ToArray();
            var s = default(Fletcher4.State);
            for (int i = 0; i + 1 < points.Length; i++) s = Fletcher4.Continue(s, data.AsSpan(points[i], points[i + 1] - points[i]));
            Assert.Equal(Fletcher4.ComputeScalar(data), s);
        }, iter: 300);
    }

    [Fact]
    public void Fletcher4_combine_of_parts_equals_whole()
    {
        var data = new byte[1 << 16];
        new Random(7).NextBytes(data);
        var whole = Fletcher4.ComputeScalar(data);
        var head = Fletcher4.Compute(data.AsSpan(0, 4100));
        var tail = Fletcher4.Compute(data.AsSpan(4100));
        Assert.Equal(whole, Fletcher4.Combine(head, tail, (data.Length - 4100) / 4));
    }

    [Fact]
    public void Fletcher4_detects_a_flipped_bit_and_swapped_words()
    {
        var data = new byte[4096];
        new Random(1).NextBytes(data);
        var a = BlockChecksum.Compute(ChecksumKind.Fletcher4, data);
        data[1000] ^= 1;
        Assert.NotEqual(a, BlockChecksum.Compute(ChecksumKind.Fletcher4, data));
        data[1000] ^= 1;
        (data[0], data[4]) = (data[4], data[0]);
        Assert.NotEqual(a, BlockChecksum.Compute(ChecksumKind.Fletcher4, data));
    }

    [Fact]
    public void Sha256_and_blake3_match_their_definitions()
    {
        var abc = "abc"u8.ToArray();
        var sha = BlockChecksum.Compute(ChecksumKind.Sha256, abc);
        Assert.Equal(0xba7816bf8f01cfeaUL, BinaryPrimitives.ReverseEndianness(sha.W0));
        var b3 = BlockChecksum.Compute(ChecksumKind.Blake3, abc);
        Assert.Equal(0x6437b3ac38465133UL, BinaryPrimitives.ReverseEndianness(b3.W0)); // BLAKE3("abc") = 6437b3ac38465133...
    }

    [Theory]
    [InlineData("lz4")]
    [InlineData("zstd")]
    [InlineData("gzip-1")]
    [InlineData("gzip-9")]
    public void Compression_round_trips_and_refuses_what_does_not_shrink(string name)
    {
        var kind = BlockCompression.Parse(name, out int level);
        var text = new byte[131072];
        for (int i = 0; i < text.Length; i++) text[i] = (byte)"the quick brown fox "[i % 20];
        var packed = BlockCompression.Compress(kind, level, text, 512);
        Assert.NotNull(packed);
        Assert.True(packed!.Length <= text.Length - text.Length / 8);
        Assert.Equal(0, packed.Length % 512);
        var back = new byte[text.Length];
        BlockCompression.Decompress(kind, packed, back);
        Assert.Equal(text, back);
        var noise = new byte[131072];
        new Random(7).NextBytes(noise);
        Assert.Null(BlockCompression.Compress(kind, level, noise, 512));
    }
}
