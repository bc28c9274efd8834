using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// The self-checksummed trailer of labels and uberblocks (ZFS's zio_eck_t): the last 40 bytes of a
/// region hold a magic and a SHA-256 computed with the checksum field set to the region's device
/// offset, so a region copied to the wrong place or torn by a crash fails verification.
/// </summary>
public static class EmbeddedChecksum
{
    public const ulong Magic = 0x210da7ab10c7a11UL;
    public const int TrailerSize = 40;

    public static void Seal(Span<byte> region, long deviceOffset)
    {
        var trailer = region[^TrailerSize..];
        BinaryPrimitives.WriteUInt64LittleEndian(trailer, Magic);
        Verifier(trailer[8..], deviceOffset);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(region, hash);
        hash.CopyTo(trailer[8..]);
    }

    public static bool Verify(ReadOnlySpan<byte> region, long deviceOffset)
    {
        var trailer = region[^TrailerSize..];
        if (BinaryPrimitives.ReadUInt64LittleEndian(trailer) != Magic) return false;
        var copy = region.ToArray();
        Verifier(copy.AsSpan(copy.Length - 32), deviceOffset);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(copy, hash);
        return hash.SequenceEqual(trailer[8..]);
    }

    private static void Verifier(Span<byte> field, long offset)
    {
        field[..32].Clear();
        BinaryPrimitives.WriteInt64LittleEndian(field, offset);
    }
}
