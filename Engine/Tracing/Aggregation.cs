using System.Globalization;
using System.Text;
using Illumos.Engine.Languages.D;

namespace Illumos.Engine.Tracing;

public enum AggFunc { Count, Sum, Avg, Min, Max, Stddev, Quantize, LQuantize, LLQuantize }

/// <summary>The accumulated data of one aggregation tuple.</summary>
public sealed class AggData
{
    public long A;          // count / sum / min / max / avg count
    public long B;          // avg & stddev sum
    public Int128 S2;       // stddev sum of squares
    public long[]? Buckets; // quantize family
    public long Normal = 1;

    public AggData Clone() => new() { A = A, B = B, S2 = S2, Buckets = (long[]?)Buckets?.Clone() };
}

/// <summary>
/// One aggregation (@name): the function, its parameters, key types and the tuples it holds.
/// Updates are called by compiled clauses; printing follows dtrace's formats.
/// </summary>
public sealed class Aggregation
{
    public const int QZero = 63, QBuckets = 127;

    public Aggregation(string name, int id, AggFunc func) { Name = name; Id = id; Func = func; }

    public string Name { get; }
    public int Id { get; }
    public AggFunc Func { get; }
    public DType[] KeyTypes { get; set; } = Array.Empty<DType>();
    public long LBase, LLimit, LStep = 1;                  // lquantize
    public long LLFactor, LLLow, LLHigh, LLSteps;          // llquantize
    public long Normal = 1;
    public readonly Dictionary<TupleKey, AggData> Data = new();
    private AggData? _unkeyed;
    public List<TupleKey> Order = new();                    // first-insertion order

    public int BucketCount => Func switch
    {
        AggFunc.Quantize => QBuckets,
        AggFunc.LQuantize => (int)((LLimit - LBase) / LStep) + 2,
        AggFunc.LLQuantize => LLBucketCount(),
        _ => 0,
    };

    public AggData NewData()
    {
        var d = new AggData();
        if (Func == AggFunc.Min) d.A = long.MaxValue;
        else if (Func == AggFunc.Max) d.A = long.MinValue;
        if (BucketCount > 0) d.Buckets = new long[BucketCount];
        return d;
    }

    public AggData Get(TupleKey key)
    {
        if (!Data.TryGetValue(key, out var d))
        {
            d = NewData();
            Data[key] = d;
            Order.Add(key);
        }
        return d;
    }

    public void ResetUnkeyed() => _unkeyed = null;

    public AggData GetUnkeyed()
    {
        var d = _unkeyed;
        if (d is not null) return d;
        d = Get(TupleKey.Empty);
        _unkeyed = d;
        return d;
    }

    // ---- fast update paths used by compiled code

    public void CountUnkeyed() => GetUnkeyed().A++;
    public void SumUnkeyed(long v) => GetUnkeyed().A += v;
    public void Count(object[] key) => Get(new TupleKey(key)).A++;
    public void Update(object[]? key, long v, long incr = 1) => Apply(key is null ? GetUnkeyed() : Get(new TupleKey(key)), v, incr);

    public void Apply(AggData d, long v, long incr)
    {
        switch (Func)
        {
            case AggFunc.Count: d.A++; break;
            case AggFunc.Sum: d.A += v; break;
            case AggFunc.Avg: d.A++; d.B += v; break;
            case AggFunc.Min: if (v < d.A) d.A = v; break;
            case AggFunc.Max: if (v > d.A) d.A = v; break;
            case AggFunc.Stddev: d.A++; d.B += v; d.S2 += (Int128)v * v; break;
            case AggFunc.Quantize: d.Buckets![QBucket(v)] += incr; break;
            case AggFunc.LQuantize: d.Buckets![LBucket(v)] += incr; break;
            case AggFunc.LLQuantize: d.Buckets![LLBucket(v)] += incr; break;
        }
    }

    public static int QBucket(long v)
    {
        if (v == 0) return QZero;
        if (v > 0) return QZero + 1 + (63 - System.Numerics.BitOperations.LeadingZeroCount((ulong)v));
        ulong m = v == long.MinValue ? 1UL << 63 : (ulong)(-v);
        return QZero - 1 - (63 - System.Numerics.BitOperations.LeadingZeroCount(m));
    }

    public static long QValue(int i) => i == QZero ? 0 : i > QZero ? 1L << (i - QZero - 1) : -(1L << (QZero - 1 - i));

    private int LBucket(long v)
    {
        if (v < LBase) return 0;
        long idx = (v - LBase) / LStep;
        int n = (int)((LLimit - LBase) / LStep);
        if (idx >= n) return n + 1;
        return (int)idx + 1;
    }

    // llquantize: bucket 0 is "< low"; then for each order of magnitude low..high, nsteps linear steps
    private List<long>? _llEdges;

    private List<long> LLEdges()
    {
        if (_llEdges is not null) return _llEdges;
        var edges = new List<long>();
        long low = 1;
        for (long i = 0; i < LLLow; i++) low *= LLFactor;
        long mag = low;
        for (long m = LLLow; m <= LLHigh; m++)
        {
            long next = mag * LLFactor;
            long step = next > LLSteps ? next / LLSteps : 1;
            for (long v = mag; v < next; v += step)
                if (edges.Count == 0 || v > edges[^1]) edges.Add(v);
            mag = next;
        }
        edges.Add(mag);
        _llEdges = edges;
        return edges;
    }

    private int LLBucketCount() => LLEdges().Count + 1;

    private int LLBucket(long v)
    {
        var e = LLEdges();
        if (v < e[0]) return 0;
        int lo = 0, hi = e.Count - 1;
        while (lo < hi) { int mid = (lo + hi + 1) / 2; if (e[mid] <= v) lo = mid; else hi = mid - 1; }
        return lo + 1;
    }

    // ---- values for sorting and printing

    public long Value(AggData d) => Func switch
    {
        AggFunc.Avg => d.A == 0 ? 0 : d.B / d.A,
        AggFunc.Stddev => Stddev(d),
        AggFunc.Quantize or AggFunc.LQuantize or AggFunc.LLQuantize => d.Buckets!.Sum(),
        _ => d.A,
    };

    private static long Stddev(AggData d)
    {
        if (d.A == 0) return 0;
        Int128 n = d.A;
        Int128 mean = d.B / d.A;
        Int128 var = d.S2 / n - mean * mean;
        if (var < 0) var = 0;
        return (long)Math.Sqrt((double)var);
    }

    /// <summary>The value used for ordering: illumos orders quantizations by weighted bucket sum.</summary>
    public double SortValue(AggData d)
    {
        if (d.Buckets is null) return Func == AggFunc.Avg && d.A != 0 ? (double)d.B / d.A : Value(d);
        double s = 0;
        for (int i = 0; i < d.Buckets.Length; i++) s += (double)d.Buckets[i] * BucketValue(i);
        return s;
    }

    private long BucketValue(int i) => Func switch
    {
        AggFunc.Quantize => QValue(i),
        AggFunc.LQuantize => i == 0 ? LBase - 1 : LBase + (i - 1) * LStep,
        _ => i == 0 ? 0 : LLEdges()[i - 1],
    };

    public bool HasData => Data.Count > 0;

    public void Clear()
    {
        foreach (var k in Data.Keys.ToList())
        {
            var d = NewData();
            Data[k] = d;
        }
        _unkeyed = null;
    }

    /// <summary>Sorted tuples, as dtrace orders them for printing.</summary>
    public List<KeyValuePair<TupleKey, AggData>> Sorted(TraceOptions o)
    {
        var list = Data.ToList();
        Comparison<KeyValuePair<TupleKey, AggData>> byKey = (x, y) => TupleKey.Compare(x.Key, y.Key, o.AggSortKeyPos);
        Comparison<KeyValuePair<TupleKey, AggData>> byVal = (x, y) => SortValue(x.Value).CompareTo(SortValue(y.Value));
        list.Sort((x, y) =>
        {
            int c = o.AggSortKey ? byKey(x, y) : byVal(x, y);
            if (c == 0) c = o.AggSortKey ? byVal(x, y) : byKey(x, y);
            return o.AggSortRev ? -c : c;
        });
        return list;
    }

    // ---- printing

    public static string KeyText(object k, DType t)
    {
        if (k is string s) return "  " + s.PadRight(50);
        long v = (long)k;
        return t.Size switch
        {
            1 => " " + ((long)(byte)v).ToString(CultureInfo.InvariantCulture).PadLeft(3),
            2 => " " + ((long)(ushort)v).ToString(CultureInfo.InvariantCulture).PadLeft(5),
            4 => " " + ((int)v).ToString(CultureInfo.InvariantCulture).PadLeft(8),
            _ => " " + v.ToString(CultureInfo.InvariantCulture).PadLeft(16),
        };
    }

    /// <summary>Prints every tuple the default way (no format string).</summary>
    public void PrintDefault(StringBuilder sb, TraceOptions o)
    {
        foreach (var (key, d) in Sorted(o))
            PrintTuple(sb, key, d);
    }

    /// <summary>Prints one tuple the default way: its keys, then its value or its histogram.</summary>
    public void PrintTuple(StringBuilder sb, TupleKey key, AggData d)
    {
        for (int i = 0; i < key.Items.Length; i++)
            sb.Append(KeyText(key.Items[i], i < KeyTypes.Length ? KeyTypes[i] : DType.Long));
        if (d.Buckets is not null)
        {
            sb.Append('\n');
            PrintHistogram(sb, d);
            sb.Append('\n');
        }
        else
        {
            sb.Append(' ').Append((Value(d) / Norm).ToString(CultureInfo.InvariantCulture).PadLeft(16)).Append('\n');
        }
    }

    private long Norm => Normal == 0 ? 1 : Normal;

    public string ValueText(AggData d)
    {
        if (d.Buckets is not null)
        {
            var sb = new StringBuilder();
            sb.Append('\n');
            PrintHistogram(sb, d);
            return sb.ToString();
        }
        return (Value(d) / Norm).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Prints with a printa format: conversions take keys in order, %@ takes the value.</summary>
    public void PrintFormatted(StringBuilder sb, PrintfFormat fmt, TraceOptions o)
    {
        foreach (var (key, d) in Sorted(o))
            FormatTuple(sb, fmt, key, new (Aggregation, AggData?)[] { (this, d) });
    }

    public static void FormatTuple(StringBuilder sb, PrintfFormat fmt, TupleKey key, (Aggregation Agg, AggData? Data)[] aggs)
    {
        int ki = 0, ai = 0;
        var types = aggs[0].Agg.KeyTypes;
        foreach (var c in fmt.Convs)
        {
            sb.Append(c.Prefix);
            if (c.Conv == '%') { sb.Append('%'); continue; }
            if (c.AggValue)
            {
                if (aggs.Length > 0)
                {
                    var (agg, data) = aggs[Math.Min(ai++, aggs.Length - 1)];
                    data ??= agg.NewData();
                    if (data.Buckets is not null) { sb.Append('\n'); agg.PrintHistogram(sb, data); }
                    else
                    {
                        long val = agg.Value(data) / agg.Norm;
                        var conv = new FmtConv { Conv = c.Conv == '@' ? 'd' : c.Conv, Flags = c.Flags, Width = c.Width, Prec = c.Prec, Length = c.Length };
                        sb.Append(PrintfFormat.FormatOne(conv, c.Flags, c.Width, c.Prec, val, DType.LongLong));
                    }
                }
                continue;
            }
            if (ki < key.Items.Length)
            {
                var t = ki < types.Length ? types[ki] : DType.Long;
                sb.Append(PrintfFormat.FormatOne(c, c.Flags, c.Width, c.Prec, key.Items[ki], t));
                ki++;
            }
        }
        sb.Append(fmt.Tail);
    }

    public void PrintHistogram(StringBuilder sb, AggData d)
    {
        var b = d.Buckets!;
        int first = 0, last = b.Length - 1;
        long norm = Norm;
        bool any = b.Any(x => x != 0);
        int zero = Func == AggFunc.Quantize ? QZero : 0;
        if (!any)
        {
            if (Func == AggFunc.Quantize) { first = QZero - 1; last = QZero + 1; }
            else { first = 0; last = Math.Min(1, b.Length - 1); }
        }
        else
        {
            while (first < b.Length - 1 && b[first] == 0) first++;
            if (first > 0) first--;
            while (last > 0 && b[last] == 0) last--;
            if (last < b.Length - 1) last++;
            if (Func == AggFunc.LQuantize || Func == AggFunc.LLQuantize)
            {
                // keep the underflow/first bucket visible like dtrace does
            }
        }
        _ = zero;
        long total = 0;
        bool negatives = false, positives = false;
        for (int i = 0; i < b.Length; i++) { total += b[i] < 0 ? -b[i] : b[i]; if (b[i] < 0) negatives = true; if (b[i] > 0) positives = true; }
        sb.Append(string.Format(CultureInfo.InvariantCulture, "{0,16} {1,41} {2,-9}\n", "value", "------------- Distribution -------------", "count"));
        for (int i = first; i <= last; i++)
        {
            string label = BucketLabel(i, b.Length);
            // the bar is drawn from the raw counts; the number shown is normalized
            sb.Append(label.PadLeft(16)).Append(' ');
            QuantLine(sb, b[i], total, negatives, positives, b[i] / norm);
        }
    }

    private static void QuantLine(StringBuilder sb, long raw, long total, bool negatives, bool positives, long val)
    {
        double mag = raw < 0 ? -(double)raw : raw;
        const int len = 40;
        if (!negatives)
        {
            int ats = total <= 0 ? 0 : (int)Math.Clamp(mag * len / total + 0.5, 0, len);
            sb.Append('|').Append('@', ats).Append(' ', len - ats).Append(' ').Append(val.ToString(CultureInfo.InvariantCulture).PadRight(9)).Append('\n');
            return;
        }
        if (!positives)
        {
            int ats = total <= 0 ? 0 : (int)Math.Clamp(mag * len / total + 0.5, 0, len);
            sb.Append(' ', len - ats).Append('@', ats).Append("| ").Append(val.ToString(CultureInfo.InvariantCulture).PadRight(9)).Append('\n');
            return;
        }
        int half = len / 2;
        int n = total <= 0 ? 0 : (int)Math.Clamp(mag * half / total + 0.5, 0, half);
        if (raw < 0)
            sb.Append(' ', half - n).Append('@', n).Append('|').Append(' ', half).Append(' ');
        else
            sb.Append(' ', half).Append('|').Append('@', n).Append(' ', half - n).Append(' ');
        sb.Append(val.ToString(CultureInfo.InvariantCulture).PadRight(9)).Append('\n');
    }

    /// <summary>The non-empty range of buckets (as printed) with labels, values and counts.</summary>
    public IEnumerable<(string Label, long Value, long Count)> Buckets(AggData d)
    {
        var b = d.Buckets!;
        for (int i = 0; i < b.Length; i++)
            if (b[i] != 0) yield return (BucketLabel(i, b.Length), BucketValue(i), b[i]);
    }

    private string BucketLabel(int i, int n)
    {
        switch (Func)
        {
            case AggFunc.Quantize:
                return QValue(i).ToString(CultureInfo.InvariantCulture);
            case AggFunc.LQuantize:
                if (i == 0) return "< " + LBase.ToString(CultureInfo.InvariantCulture);
                if (i == n - 1) return ">= " + LLimit.ToString(CultureInfo.InvariantCulture);
                return (LBase + (i - 1) * LStep).ToString(CultureInfo.InvariantCulture);
            default:
            {
                var e = LLEdges();
                if (i == 0) return "< " + e[0].ToString(CultureInfo.InvariantCulture);
                if (i == n - 1) return ">= " + e[^1].ToString(CultureInfo.InvariantCulture);
                return e[i - 1].ToString(CultureInfo.InvariantCulture);
            }
        }
    }
}
