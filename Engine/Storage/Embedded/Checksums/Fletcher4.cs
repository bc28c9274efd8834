using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Illumos.Engine.Storage.Embedded.Checksums;

/// <summary>
/// Fletcher-4 over little-endian 32-bit words with four 64-bit running sums (a, b, c, d), as ZFS
/// defines it: <c>a += w; b += a; c += b; d += c</c>, all modulo 2^64.
/// <para>
/// The vector forms follow OpenZFS's SIMD fletcher (e.g. its avx2 variant): N independent lanes, word
/// j going to lane j mod N, each lane with its own four accumulators; the lane sums are combined into
/// the scalar result at the end with exact integer coefficients (<see cref="Fold"/>), so every form
/// gives the same checksum for every input.
/// </para>
/// <para>
/// Each vector load of W 64-bit elements carries 2W words (even word in the low half, odd word in the
/// high half). Instead of splitting the halves (mask and shift: two operations and two accumulator
/// sets), one set of accumulators X adds the 64-bit elements whole, so X = E + 2^32·O for the
/// even-word sums E and odd-word sums O, and a second set Y adds the elements shifted right by 32,
/// so Y = O. Everything is linear modulo 2^64, so E = X − (Y &lt;&lt; 32) at all four levels. That is
/// one shift and eight adds per load instead of ten operations.
/// </para>
/// </summary>
public static class Fletcher4
{
    /// <summary>Below this many bytes the scalar loop is as fast as setting up the lanes.</summary>
    private const int VectorThreshold = 256;

    public readonly record struct State(ulong A, ulong B, ulong C, ulong D);

    public static State Compute(ReadOnlySpan<byte> data) =>
        data.Length < VectorThreshold || !BitConverter.IsLittleEndian ? ComputeScalar(data)
        : Vector512.IsHardwareAccelerated ? ComputeVector512(data)
        : Vector256.IsHardwareAccelerated ? ComputeVector256(data)
        : Vector128.IsHardwareAccelerated ? ComputeVector128(data)
        : ComputeScalar(data);

    /// <summary>The definition: one word at a time.</summary>
    public static State ComputeScalar(ReadOnlySpan<byte> data) => ContinueScalar(default, data);

    /// <summary>
    /// Continues the sums over more words, as if the words had followed those already summed
    /// (incremental checksums of streams); large spans take the vector path and are combined.
    /// </summary>
    public static State Continue(State s, ReadOnlySpan<byte> data)
    {
        if ((data.Length & 3) != 0) throw new ArgumentException("fletcher4 needs whole 32-bit words", nameof(data));
        return data.Length < VectorThreshold ? ContinueScalar(s, data) : Combine(s, Compute(data), data.Length / 4);
    }

    private static State ContinueScalar(State s, ReadOnlySpan<byte> data)
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

    /// <summary>
    /// The sums of a concatenation from the sums of its parts: <paramref name="prefix"/> over the first
    /// words, <paramref name="suffix"/> over the following <paramref name="suffixWords"/> words started
    /// from zero (ZFS's fletcher_4_incremental_combine).
    /// </summary>
    public static State Combine(State prefix, State suffix, long suffixWords)
    {
        UInt128 n = (ulong)suffixWords;
        ulong n1 = (ulong)n, n2 = (ulong)(n * (n + 1) / 2), n3 = (ulong)(n * (n + 1) * (n + 2) / 6);
        unchecked
        {
            return new State(
                prefix.A + suffix.A,
                prefix.B + n1 * prefix.A + suffix.B,
                prefix.C + n1 * prefix.B + n2 * prefix.A + suffix.C,
                prefix.D + n1 * prefix.C + n2 * prefix.B + n3 * prefix.A + suffix.D);
        }
    }

    /// <summary>Vector512 form: 16 lanes (8 elements × 2 words), 64 bytes per load.</summary>
    public static State ComputeVector512(ReadOnlySpan<byte> data) =>
        Vector512.IsHardwareAccelerated && BitConverter.IsLittleEndian ? ComputeLanes<V512>(data) : ComputeVector256(data);

    /// <summary>Vector256 (AVX2) form: 8 lanes (4 elements × 2 words), 32 bytes per load.</summary>
    public static State ComputeVector256(ReadOnlySpan<byte> data) =>
        Vector256.IsHardwareAccelerated && BitConverter.IsLittleEndian ? ComputeLanes<V256>(data) : ComputeVector128(data);

    /// <summary>Vector128 (SSE2/NEON) form: 4 lanes (2 elements × 2 words), 16 bytes per load.</summary>
    public static State ComputeVector128(ReadOnlySpan<byte> data) =>
        Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian ? ComputeLanes<V128>(data) : ComputeScalar(data);

    /// <summary>The lane loop, specialised by the JIT for each vector width.</summary>
    private static State ComputeLanes<TV>(ReadOnlySpan<byte> data) where TV : struct, ILanes<TV>
    {
        int w = TV.Width;
        int main = data.Length / (w * 8) * (w * 8);
        TV xa = default, xb = default, xc = default, xd = default, ya = default, yb = default, yc = default, yd = default;
        ref ulong p = ref Unsafe.As<byte, ulong>(ref MemoryMarshal.GetReference(data));
        for (nuint i = 0, end = (nuint)(main / 8); i < end; i += (nuint)w)
        {
            var v = TV.Load(ref p, i);
            xa += v; xb += xa; xc += xb; xd += xc;
            var h = TV.High(v);
            ya += h; yb += ya; yc += yb; yd += yc;
        }
        Span<ulong> acc = stackalloc ulong[8 * w];
        xa.CopyTo(acc); xb.CopyTo(acc[w..]); xc.CopyTo(acc[(2 * w)..]); xd.CopyTo(acc[(3 * w)..]);
        ya.CopyTo(acc[(4 * w)..]); yb.CopyTo(acc[(5 * w)..]); yc.CopyTo(acc[(6 * w)..]); yd.CopyTo(acc[(7 * w)..]);
        return Finish(acc, w, data, main);
    }

    /// <summary>One vector of 64-bit lanes: load, add, and the high words shifted down.</summary>
    private interface ILanes<TSelf> where TSelf : struct, ILanes<TSelf>
    {
        static abstract int Width { get; }
        static abstract TSelf Load(ref ulong p, nuint index);
        static abstract TSelf High(TSelf v);
        static abstract TSelf operator +(TSelf a, TSelf b);
        void CopyTo(Span<ulong> dest);
    }

    private readonly struct V512(Vector512<ulong> v) : ILanes<V512>
    {
        private readonly Vector512<ulong> _v = v;
        public static int Width => Vector512<ulong>.Count;
        public static V512 Load(ref ulong p, nuint index) => new(Vector512.LoadUnsafe(ref p, index));
        public static V512 High(V512 v) => new(v._v >>> 32);
        public static V512 operator +(V512 a, V512 b) => new(a._v + b._v);
        public void CopyTo(Span<ulong> dest) => _v.CopyTo(dest);
    }

    private readonly struct V256(Vector256<ulong> v) : ILanes<V256>
    {
        private readonly Vector256<ulong> _v = v;
        public static int Width => Vector256<ulong>.Count;
        public static V256 Load(ref ulong p, nuint index) => new(Vector256.LoadUnsafe(ref p, index));
        public static V256 High(V256 v) => new(v._v >>> 32);
        public static V256 operator +(V256 a, V256 b) => new(a._v + b._v);
        public void CopyTo(Span<ulong> dest) => _v.CopyTo(dest);
    }

    private readonly struct V128(Vector128<ulong> v) : ILanes<V128>
    {
        private readonly Vector128<ulong> _v = v;
        public static int Width => Vector128<ulong>.Count;
        public static V128 Load(ref ulong p, nuint index) => new(Vector128.LoadUnsafe(ref p, index));
        public static V128 High(V128 v) => new(v._v >>> 32);
        public static V128 operator +(V128 a, V128 b) => new(a._v + b._v);
        public void CopyTo(Span<ulong> dest) => _v.CopyTo(dest);
    }

    /// <summary>
    /// Splits the X/Y accumulators (<paramref name="acc"/>: xa, xb, xc, xd, ya, yb, yc, yd, W elements
    /// each) into the 2W lane sums, folds them, and continues with the scalar loop over the tail.
    /// </summary>
    private static State Finish(ReadOnlySpan<ulong> acc, int w, ReadOnlySpan<byte> data, int main)
    {
        int n = 2 * w;
        Span<ulong> lanes = stackalloc ulong[4 * n];
        for (int level = 0; level < 4; level++)
        {
            var x = acc.Slice(level * w, w);
            var y = acc.Slice((4 + level) * w, w);
            var l = lanes.Slice(level * n, n);
            for (int i = 0; i < w; i++)
            {
                l[2 * i] = unchecked(x[i] - (y[i] << 32));
                l[2 * i + 1] = y[i];
            }
        }
        var s = Fold(lanes[..n], lanes[n..(2 * n)], lanes[(2 * n)..(3 * n)], lanes[(3 * n)..]);
        return main == data.Length ? s : ContinueScalar(s, data[main..]);
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
