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
        Assert.Equal(Fletcher4.ComputeScalar(data), Fletcher4.ComputeVector(data));
        Assert.Equal(Fletcher4.ComputeScalar(data), Fletcher4.ComputeAvx512(data));
        Array.Fill(data, (byte)0xFF); // carries in every lane
        Assert.Equal(Fletcher4.ComputeScalar(data), Fletcher4.ComputeVector(data));
        Assert.Equal(Fletcher4.ComputeScalar(data), Fletcher4.ComputeAvx512(data));
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
