using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4;

namespace Illumos.Engine.Storage.Embedded.Compression;

/// <summary>Compression algorithms; the numbers are OpenZFS's enum zio_compress values (gzip-N = 4 + N).</summary>
public enum CompressionKind : byte { Off = 2, Gzip1 = 5, Gzip9 = 13, Lz4 = 15, Zstd = 16 }

/// <summary>
/// Block compression through the NuGet codecs. A compressed block is a 4-byte little-endian length of
/// the codec output followed by the output, padded to whole sectors; a block is kept compressed only
/// when it shrinks by at least 12.5% (ZFS's rule), otherwise it is stored as is.
/// </summary>
public static class BlockCompression
{
    public static CompressionKind Parse(string value, out int zstdLevel)
    {
        zstdLevel = 3;
        switch (value)
        {
            case "on" or "lz4": return CompressionKind.Lz4;
            case "off": return CompressionKind.Off;
            case "gzip": return CompressionKind.Gzip1 + 5; // gzip-6
            case "zstd": return CompressionKind.Zstd;
        }
        if (value.StartsWith("gzip-", StringComparison.Ordinal) && int.TryParse(value[5..], out int g) && g is >= 1 and <= 9)
            return (CompressionKind)(4 + g);
        if (value.StartsWith("zstd-", StringComparison.Ordinal) && int.TryParse(value[5..], out int z) && z is >= 1 and <= 19)
        {
            zstdLevel = z;
            return CompressionKind.Zstd;
        }
        throw IllumosException.Invalid("PropertyBadValue", $"'{value}' is not a compression; use on, off, lz4, zstd, zstd-1..19, gzip or gzip-1..9.", value);
    }

    /// <summary>Compresses <paramref name="src"/>; returns the physical bytes (sector-padded) or null when it does not pay.</summary>
    public static byte[]? Compress(CompressionKind kind, int level, ReadOnlySpan<byte> src, int sector)
    {
        if (kind == CompressionKind.Off) return null;
        int limit = src.Length - src.Length / 8; // must save at least 12.5%
        byte[] packed;
        int len;
        switch (kind)
        {
            case CompressionKind.Lz4:
                packed = new byte[LZ4Codec.MaximumOutputSize(src.Length) + 4];
                len = LZ4Codec.Encode(src, packed.AsSpan(4));
                if (len <= 0) return null;
                break;
            case CompressionKind.Zstd:
                using (var z = new ZstdSharp.Compressor(level))
                {
                    packed = new byte[ZstdSharp.Compressor.GetCompressBound(src.Length) + 4];
                    len = z.Wrap(src, packed.AsSpan(4));
                }
                break;
            default:
                {
                    int g = (int)kind - 4;
                    using var ms = new MemoryStream(src.Length / 2 + 64);
                    ms.Position = 4;
                    using (var gz = new ZLibStream(ms, new ZLibCompressionOptions { CompressionLevel = g }, leaveOpen: true))
                        gz.Write(src);
                    len = (int)ms.Length - 4;
                    packed = ms.GetBuffer();
                    break;
                }
        }
        int total = len + 4;
        int padded = (total + sector - 1) / sector * sector;
        if (padded > limit) return null;
        var result = new byte[padded];
        packed.AsSpan(4, len).CopyTo(result.AsSpan(4));
        BinaryPrimitives.WriteInt32LittleEndian(result, len);
        return result;
    }

    public static void Decompress(CompressionKind kind, ReadOnlySpan<byte> physical, Span<byte> dest)
    {
        int len = BinaryPrimitives.ReadInt32LittleEndian(physical);
        if (len < 0 || len > physical.Length - 4) throw Corrupt(kind);
        var body = physical.Slice(4, len);
        int got;
        switch (kind)
        {
            case CompressionKind.Lz4:
                got = LZ4Codec.Decode(body, dest);
                break;
            case CompressionKind.Zstd:
                using (var z = new ZstdSharp.Decompressor())
                    got = z.Unwrap(body, dest);
                break;
            default:
                {
                    using var ms = new MemoryStream(body.ToArray());
                    using var gz = new ZLibStream(ms, CompressionMode.Decompress);
                    got = 0;
                    while (got < dest.Length)
                    {
                        int r = gz.Read(dest[got..]);
                        if (r == 0) break;
                        got += r;
                    }
                    break;
                }
        }
        if (got != dest.Length) throw Corrupt(kind);
    }

    private static IllumosException Corrupt(CompressionKind kind) =>
        new(ErrorKind.InvalidData, "BlockDecompressFailed", $"A {kind} block did not decompress to its logical size.", kind);

    public static string Name(CompressionKind kind, int zstdLevel) => kind switch
    {
        CompressionKind.Off => "off",
        CompressionKind.Lz4 => "lz4",
        CompressionKind.Zstd => zstdLevel == 3 ? "zstd" : "zstd-" + zstdLevel,
        _ => "gzip-" + ((int)kind - 4),
    };
}
