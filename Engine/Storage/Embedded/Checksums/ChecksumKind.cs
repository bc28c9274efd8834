using System.Security.Cryptography;

namespace Illumos.Engine.Storage.Embedded.Checksums;

/// <summary>Block checksum algorithms; the numbers are OpenZFS's enum zio_checksum values.</summary>
public enum ChecksumKind : byte { Off = 2, Fletcher4 = 7, Sha256 = 8, Blake3 = 14 }

/// <summary>A 256-bit block checksum as stored in a block pointer.</summary>
public readonly record struct Checksum256(ulong W0, ulong W1, ulong W2, ulong W3)
{
    public static Checksum256 Read(ReadOnlySpan<byte> s) => new(
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s[8..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s[16..]),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(s[24..]));

    public void Write(Span<byte> d)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(d, W0);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(d[8..], W1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(d[16..], W2);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(d[24..], W3);
    }

    public override string ToString() => $"{W0:x16}:{W1:x16}:{W2:x16}:{W3:x16}";
}

/// <summary>Computes block checksums by kind.</summary>
public static class BlockChecksum
{
    public static Checksum256 Compute(ChecksumKind kind, ReadOnlySpan<byte> data)
    {
        Span<byte> buf = stackalloc byte[32];
        switch (kind)
        {
            case ChecksumKind.Off:
                return default;
            case ChecksumKind.Fletcher4:
                Fletcher4.Write(Fletcher4.Compute(data), buf);
                break;
            case ChecksumKind.Sha256:
                SHA256.HashData(data, buf);
                break;
            case ChecksumKind.Blake3:
                Blake3.Hasher.Hash(data, buf);
                break;
            default:
                throw new IllumosException(ErrorKind.InvalidData, "ChecksumUnknown", $"Unknown checksum algorithm {(int)kind}.", kind);
        }
        return Checksum256.Read(buf);
    }

    public static ChecksumKind Parse(string value) => value switch
    {
        "on" or "fletcher4" => ChecksumKind.Fletcher4,
        "sha256" => ChecksumKind.Sha256,
        "blake3" => ChecksumKind.Blake3,
        "off" => ChecksumKind.Off,
        _ => throw IllumosException.Invalid("PropertyBadValue", $"'{value}' is not a checksum; use on, off, fletcher4, sha256 or blake3.", value),
    };
}
