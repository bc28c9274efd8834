using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Illumos.Engine.Storage.Embedded.Checksums;

/// <summary>
/// Fletcher-4 over little-endian 32-bit words with four 64-bit running sums (a, b, c, d), as ZFS
/// defines it. The vectorised form runs <see cref="Lanes"/> independent lane sums (word j goes to lane
/// j mod Lanes) and folds them back into the scalar result with exact integer coefficients, so both
/// forms give identical checksums for every input.
/// </summary>
public static class Fletcher4
{
    /// <summary>Lanes of the vectorised form: two Vector256 sets of four 64-bit lanes.</summary>
    public const int Lanes = 8;

    public readonly record struct State(ulong A, ulong B, ulong C, ulong D);

    public static State Compute(ReadOnlySpan<byte> data) =>
        Vector256.IsHardwareAccelerated && data.Length >= Lanes * 4 * 4 ? ComputeVector(data) : ComputeScalar(data);

    public static State ComputeScalar(ReadOnlySpan<byte> data) => Continue(default, data);

    /// <summary>Continues the scalar sums over more words (the tail after the vector part).</summary>
    public static State Continue(State s, ReadOnlySpan<byte> data)
    {
        if ((data.Length & 3) != 0) throw new ArgumentException("fletcher4 needs whole 32-bit words", nameof(data));
        ulong a = s.A, b = s.B, c = s.C, d = s.D;
        var words = MemoryMarshal.Cast<byte, uint>(data);
        if (BitConverter.IsLittleEndian)
        {
            foreach (var w in words) { a += w; b += a; c += b; d += c; }
        }
        else
        {
            foreach (var w in words) { a += BinaryPrimitives.ReverseEndianness(w); b += a; c += b; d += c; }
        }
        return new State(a, b, c, d);
    }

    public static State ComputeVector(ReadOnlySpan<byte> data)
    {
        if (!BitConverter.IsLittleEndian) return ComputeScalar(data);
        int step = Lanes * 4; // bytes per iteration
        int main = data.Length / step * step;
        var a0 = Vector256<ulong>.Zero; var b0 = a0; var c0 = a0; var d0 = a0;
        var a1 = a0; var b1 = a0; var c1 = a0; var d1 = a0;
        ref byte p = ref MemoryMarshal.GetReference(data);
        for (int i = 0; i < main; i += step)
        {
            var v = Vector256.LoadUnsafe(ref Unsafe.Add(ref p, i)).AsUInt32();
            var (lo, hi) = Vector256.Widen(v);
            a0 += lo; b0 += a0; c0 += b0; d0 += c0;
            a1 += hi; b1 += a1; c1 += b1; d1 += c1;
        }
        Span<ulong> la = stackalloc ulong[Lanes], lb = stackalloc ulong[Lanes], lc = stackalloc ulong[Lanes], ld = stackalloc ulong[Lanes];
        a0.CopyTo(la); a1.CopyTo(la[4..]);
        b0.CopyTo(lb); b1.CopyTo(lb[4..]);
        c0.CopyTo(lc); c1.CopyTo(lc[4..]);
        d0.CopyTo(ld); d1.CopyTo(ld[4..]);
        var s = Fold(la, lb, lc, ld);
        return main == data.Length ? s : Continue(s, data[main..]);
    }

    /// <summary>
    /// Folds lane sums into the scalar sums. With N lanes and word j = N*k + l (t = m - k, x = N*t - l),
    /// the scalar weights are 1, x, x(x+1)/2 and x(x+1)(x+2)/6; expanding them in powers of t and
    /// substituting the lane sums gives integer coefficients (exact modulo 2^64).
    /// </summary>
    private static State Fold(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, ReadOnlySpan<ulong> c, ReadOnlySpan<ulong> d)
    {
        long n = a.Length;
        ulong A = 0, B = 0, C = 0, D = 0;
        unchecked
        {
            for (int l = 0; l < a.Length; l++)
            {
                long L = l;
                A += a[l];
                B += (ulong)n * b[l] - (ulong)L * a[l];
                C += (ulong)(n * n) * c[l] - (ulong)(n * (n - 1) / 2 + n * L) * b[l] + (ulong)(L * (L - 1) / 2) * a[l];
                long bc = (n * n * n - 3 * n * n + 3 * n * n * L + 3 * n * L * L - 6 * n * L + 2 * n) / 6;
                D += (ulong)(n * n * n) * d[l] - (ulong)(n * n * (n - 1 + L)) * c[l] + (ulong)bc * b[l] - (ulong)(L * (L - 1) * (L - 2) / 6) * a[l];
            }
        }
        return new State(A, B, C, D);
    }

    /// <summary>The 32-byte checksum value: a, b, c, d as little-endian 64-bit words.</summary>
    public static void Write(State s, Span<byte> dest)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(dest, s.A);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[8..], s.B);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[16..], s.C);
        BinaryPrimitives.WriteUInt64LittleEndian(dest[24..], s.D);
    }
}
