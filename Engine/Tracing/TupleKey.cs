namespace Illumos.Engine.Tracing;

/// <summary>An immutable key of an associative array or aggregation: a tuple of Int64 and string values.</summary>
public readonly struct TupleKey : IEquatable<TupleKey>
{
    public static readonly TupleKey Empty = new(Array.Empty<object>());
    public readonly object[] Items;

    public TupleKey(object[] items) { Items = items; }

    public bool Equals(TupleKey other)
    {
        var a = Items; var b = other.Items;
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            var x = a[i]; var y = b[i];
            if (x is long lx) { if (y is not long ly || lx != ly) return false; }
            else if (x is string sx) { if (y is not string sy || !string.Equals(sx, sy, StringComparison.Ordinal)) return false; }
            else if (!Equals(x, y)) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is TupleKey k && Equals(k);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var x in Items) h.Add(x is string s ? StringComparer.Ordinal.GetHashCode(s) : x.GetHashCode());
        return h.ToHashCode();
    }

    /// <summary>Key order used when sorting aggregations: integers compare as unsigned, strings ordinally.</summary>
    public static int Compare(TupleKey a, TupleKey b, int startPos = 0)
    {
        int n = Math.Min(a.Items.Length, b.Items.Length);
        for (int k = 0; k < n; k++)
        {
            int i = (k + startPos) % n;
            int c = CompareItem(a.Items[i], b.Items[i]);
            if (c != 0) return c;
        }
        return a.Items.Length.CompareTo(b.Items.Length);
    }

    public static int CompareItem(object x, object y)
    {
        if (x is long lx && y is long ly) return ((ulong)lx).CompareTo((ulong)ly);
        if (x is string sx && y is string sy) return string.CompareOrdinal(sx, sy);
        return (x is long ? 0 : 1) - (y is long ? 0 : 1);
    }

    public override string ToString() => string.Join(", ", Items);
}
