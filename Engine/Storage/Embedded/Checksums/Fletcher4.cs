using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Illumos.Engine.Storage.Embedded.Checksums;

/// <summary>
/// Fletcher-4 over little-endian 32-bit words with four 64-bit running sums (a, b, c, d), as ZFS
/// defines it. The vectorised forms run N independent lane sums (word j goes to lane
/// j mod N) and folds them back into the scalar result with exact integer coefficients, so both
/// forms give identical checksums for every input.
/// </summary>
public static class Fletcher4
{
    public static State Compute(ReadOnlySpan<byte> data) =>
        data.Length < 256 || !BitConverter.IsLittleEndian ? ComputeScalar(data)
        : Avx512F.IsSupported ? ComputeAvx512(data)
        : Vector256.IsHardwareAccelerated ? ComputeVector(data)
        : ComputeScalar(data);

    public readonly record struct State(ulong A, ulong B, ulong C, ulong D);

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

    /// <summary>Vector256 form: 64-byte steps, 16 lanes.</summary>
    public static State ComputeVector(ReadOnlySpan<byte> data) => ComputeLanes(data);

    /// <summary>
    /// Four sets of 64-bit lane sums over steps of two vector loads. The 32-bit words of each load are
    /// split by mask and shift (no cross-lane shuffles): even words to one set, odd words to the next,
    /// so word l of a step lands in lane l of the fold.
    /// </summary>
    private static State ComputeLanes(ReadOnlySpan<byte> data)
    {
        if (!BitConverter.IsLittleEndian) return ComputeScalar(data);
        int w = Vector256<ulong>.Count;
        int vbytes = w * 8, step = 2 * vbytes;
        int main = data.Length / step * step;
        var mask = Vector256.Create(0xFFFF_FFFFUL);
        Vector256<ulong> a0 = Vector256<ulong>.Zero, b0 = Vector256<ulong>.Zero, c0 = Vector256<ulong>.Zero, d0 = Vector256<ulong>.Zero, a1 = Vector256<ulong>.Zero, b1 = Vector256<ulong>.Zero, c1 = Vector256<ulong>.Zero, d1 = Vector256<ulong>.Zero;
        Vector256<ulong> a2 = Vector256<ulong>.Zero, b2 = Vector256<ulong>.Zero, c2 = Vector256<ulong>.Zero, d2 = Vector256<ulong>.Zero, a3 = Vector256<ulong>.Zero, b3 = Vector256<ulong>.Zero, c3 = Vector256<ulong>.Zero, d3 = Vector256<ulong>.Zero;
        ref ulong p = ref Unsafe.As<byte, ulong>(ref MemoryMarshal.GetReference(data));
        for (int i = 0; i < main / 8; i += 2 * w)
        {
            var v0 = Vector256.LoadUnsafe(ref p, (nuint)i);
            var v1 = Vector256.LoadUnsafe(ref p, (nuint)(i + w));
            a0 += v0 & mask; b0 += a0; c0 += b0; d0 += c0;
            a1 += v0 >>> 32; b1 += a1; c1 += b1; d1 += c1;
            a2 += v1 & mask; b2 += a2; c2 += b2; d2 += c2;
            a3 += v1 >>> 32; b3 += a3; c3 += b3; d3 += c3;
        }
        int n = 4 * w;
        Span<ulong> la = stackalloc ulong[n], lb = stackalloc ulong[n], lc = stackalloc ulong[n], ld = stackalloc ulong[n];
        for (int i = 0; i < w; i++)
        {
            la[2 * i] = a0[i]; la[2 * i + 1] = a1[i]; la[2 * w + 2 * i] = a2[i]; la[2 * w + 2 * i + 1] = a3[i];
            lb[2 * i] = b0[i]; lb[2 * i + 1] = b1[i]; lb[2 * w + 2 * i] = b2[i]; lb[2 * w + 2 * i + 1] = b3[i];
            lc[2 * i] = c0[i]; lc[2 * i + 1] = c1[i]; lc[2 * w + 2 * i] = c2[i]; lc[2 * w + 2 * i + 1] = c3[i];
            ld[2 * i] = d0[i]; ld[2 * i + 1] = d1[i]; ld[2 * w + 2 * i] = d2[i]; ld[2 * w + 2 * i + 1] = d3[i];
        }
        var s = Fold(la, lb, lc, ld);
        return main == data.Length ? s : Continue(s, data[main..]);
    }

    /// <summary>
    /// AVX-512 form: each 32-byte load is zero-extended into eight 64-bit lanes (vpmovzxdq), one set of
    /// four accumulators, 8-lane fold. Falls back to the Vector256 form where AVX-512 is absent.
    /// </summary>
    public static State ComputeAvx512(ReadOnlySpan<byte> data)
    {
        if (!Avx512F.IsSupported || !BitConverter.IsLittleEndian) return ComputeVector(data);
        int main = data.Length / 32 * 32;
        Vector512<ulong> a = default, b = default, c = default, d = default;
        ref byte p = ref MemoryMarshal.GetReference(data);
        for (int i = 0; i < main; i += 32)
        {
            a += Avx512F.ConvertToVector512UInt64(Vector256.LoadUnsafe(ref Unsafe.Add(ref p, i)).AsUInt32());
            b += a;
            c += b;
            d += c;
        }
        Span<ulong> la = stackalloc ulong[8], lb = stackalloc ulong[8], lc = stackalloc ulong[8], ld = stackalloc ulong[8];
        a.CopyTo(la); b.CopyTo(lb); c.CopyTo(lc); d.CopyTo(ld);
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
