namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>GF(2^8) with ZFS's raidz polynomial x^8+x^4+x^3+x^2+1 (0x11d); generators 1, 2 and 4 give P, Q and R.</summary>
public static class GaloisField
{
    public static readonly byte[] Exp = new byte[512];
    public static readonly byte[] Log = new byte[256];

    static GaloisField()
    {
        int x = 1;
        for (int i = 0; i < 255; i++)
        {
            Exp[i] = (byte)x;
            Log[x] = (byte)i;
            x <<= 1;
            if ((x & 0x100) != 0) x ^= 0x11d;
        }
        for (int i = 255; i < 512; i++) Exp[i] = Exp[i - 255];
    }

    public static byte Mul(byte a, byte b) => a == 0 || b == 0 ? (byte)0 : Exp[Log[a] + Log[b]];

    public static byte Inv(byte a) => a == 0 ? throw new DivideByZeroException() : Exp[255 - Log[a]];

    /// <summary>g^n for a generator g.</summary>
    public static byte Pow(byte g, int n) => n == 0 ? (byte)1 : g == 0 ? (byte)0 : Exp[Log[g] * n % 255];

    /// <summary>dest ^= c * src, byte by byte.</summary>
    public static void MulAdd(Span<byte> dest, ReadOnlySpan<byte> src, byte c)
    {
        if (c == 0) return;
        if (c == 1)
        {
            for (int i = 0; i < src.Length; i++) dest[i] ^= src[i];
            return;
        }
        int lc = Log[c];
        for (int i = 0; i < src.Length; i++)
        {
            byte s = src[i];
            if (s != 0) dest[i] ^= Exp[Log[s] + lc];
        }
    }

    /// <summary>Inverts a small square matrix over GF(2^8) (Gauss-Jordan); null when singular.</summary>
    public static byte[,]? Invert(byte[,] m)
    {
        int n = m.GetLength(0);
        var a = (byte[,])m.Clone();
        var inv = new byte[n, n];
        for (int i = 0; i < n; i++) inv[i, i] = 1;
        for (int col = 0; col < n; col++)
        {
            int pivot = -1;
            for (int r = col; r < n; r++) if (a[r, col] != 0) { pivot = r; break; }
            if (pivot < 0) return null;
            if (pivot != col)
                for (int k = 0; k < n; k++)
                {
                    (a[col, k], a[pivot, k]) = (a[pivot, k], a[col, k]);
                    (inv[col, k], inv[pivot, k]) = (inv[pivot, k], inv[col, k]);
                }
            byte f = Inv(a[col, col]);
            for (int k = 0; k < n; k++) { a[col, k] = Mul(a[col, k], f); inv[col, k] = Mul(inv[col, k], f); }
            for (int r = 0; r < n; r++)
            {
                if (r == col || a[r, col] == 0) continue;
                byte g = a[r, col];
                for (int k = 0; k < n; k++) { a[r, k] ^= Mul(g, a[col, k]); inv[r, k] ^= Mul(g, inv[col, k]); }
            }
        }
        return inv;
    }
}
