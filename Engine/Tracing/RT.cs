using System.Globalization;
using System.Text;
using Illumos.Engine.Languages.D;

namespace Illumos.Engine.Tracing;

/// <summary>Run-time helpers that compiled clauses call (string library, variables, actions).</summary>
public static class RT
{
    public static readonly long ParentPid = ReadParentPid();
    public static readonly long Uid = 0;
    public static readonly string ExecName = SafeProcessName();

    private static long ReadParentPid()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var parts = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentException)
        {
            return 1;
        }
    }

    private static string SafeProcessName()
    {
        try { return System.Diagnostics.Process.GetCurrentProcess().ProcessName; }
        catch (InvalidOperationException) { return "dotnet"; }
    }

    public static int Len(string? s) => s?.Length ?? 0;

    /// <summary>The probe's timestamp: taken once per firing, on first use.</summary>
    public static long Timestamp(Frame f) => f.Timestamp != 0 ? f.Timestamp : (f.Timestamp = f.R.Now());

    public static string Trunc(Frame f, string? s)
    {
        s ??= "";
        int max = f.R.Options.StrSize - 1;
        return s.Length > max ? s[..Math.Max(0, max)] : s;
    }

    private static string Cut(Frame f, string s)
    {
        int max = f.R.Options.StrSize - 1;
        return s.Length > max ? s[..Math.Max(0, max)] : s;
    }

    public static string PtrString(long v) => throw new DFault(FaultCode.BadAddr, v);
    public static string IntString(long v, bool signed) => signed ? v.ToString(CultureInfo.InvariantCulture) : ((ulong)v).ToString(CultureInfo.InvariantCulture);

    public static long Arg(Frame f, long i) => i is >= 0 and < 10 ? f.Args[i] : throw new DFault(FaultCode.IllOp);
    /// <summary>A typed string argument (args[i] declared "string" by the provider).</summary>
    public static string ArgStr(Frame f, long i) => i is >= 0 and < 10 ? f.Objs[i] as string ?? "" : throw new DFault(FaultCode.IllOp);
    public static long StrIndex(string s, long i) => i >= 0 && i < s.Length ? (sbyte)(byte)s[(int)i] : 0;
    public static long Deref(long p) => throw new DFault(FaultCode.BadAddr, p);

    public static long Div(long a, long b, bool unsigned)
    {
        if (b == 0) throw new DFault(FaultCode.DivZero);
        if (unsigned) return (long)((ulong)a / (ulong)b);
        if (b == -1) return unchecked(-a);
        return a / b;
    }

    public static long Mod(long a, long b, bool unsigned)
    {
        if (b == 0) throw new DFault(FaultCode.DivZero);
        if (unsigned) return (long)((ulong)a % (ulong)b);
        if (b == -1) return 0;
        return a % b;
    }

    // ---- arrays and dynamic variables

    public static long ArrGet(long[] a, long i) => i >= 0 && i < a.Length ? a[i] : throw new DFault(FaultCode.BadAddr, i);
    public static long ArrSet(long[] a, long i, long v) { if (i < 0 || i >= a.Length) throw new DFault(FaultCode.BadAddr, i); a[i] = v; return v; }

    public static long AGetL(Dictionary<TupleKey, object> d, object[] key) => d.TryGetValue(new TupleKey(key), out var v) ? (long)v : 0;
    public static string AGetS(Dictionary<TupleKey, object> d, object[] key) => d.TryGetValue(new TupleKey(key), out var v) ? (string)v : "";

    public static long ASetL(Dictionary<TupleKey, object> d, object[] key, long v)
    {
        if (v == 0) d.Remove(new TupleKey(key)); else d[new TupleKey(key)] = v;
        return v;
    }

    public static string ASetS(Dictionary<TupleKey, object> d, object[] key, string v)
    {
        if (v.Length == 0) d.Remove(new TupleKey(key)); else d[new TupleKey(key)] = v;
        return v;
    }

    private static TupleKey TKey(Frame f, int slot, object[]? keys)
    {
        var items = new object[2 + (keys?.Length ?? 0)];
        items[0] = (long)slot;
        items[1] = f.Tid;
        keys?.CopyTo(items, 2);
        return new TupleKey(items);
    }

    public static long TGetL(Frame f, int slot, object[]? keys) => f.R.ThreadLocals.TryGetValue(TKey(f, slot, keys), out var v) ? (long)v : 0;
    public static string TGetS(Frame f, int slot, object[]? keys) => f.R.ThreadLocals.TryGetValue(TKey(f, slot, keys), out var v) ? (string)v : "";

    public static long TSetL(Frame f, int slot, object[]? keys, long v)
    {
        var k = TKey(f, slot, keys);
        if (v == 0) f.R.ThreadLocals.Remove(k); else f.R.ThreadLocals[k] = v;
        return v;
    }

    public static string TSetS(Frame f, int slot, object[]? keys, string v)
    {
        var k = TKey(f, slot, keys);
        if (v.Length == 0) f.R.ThreadLocals.Remove(k); else f.R.ThreadLocals[k] = v;
        return v;
    }

    // ---- actions

    public static void TraceInt(Frame f, long v, int size, bool signed)
    {
        if (size < 8) v = signed ? (size == 1 ? (sbyte)v : size == 2 ? (short)v : (int)v) : v & (long)((1UL << (size * 8)) - 1);
        string s = signed || size < 8 ? v.ToString(CultureInfo.InvariantCulture) : ((ulong)v).ToString(CultureInfo.InvariantCulture);
        f.Items.Add(new TraceRecordItem("trace", s, v));
        if (f.R.Options.Quiet) { f.Buf.Append(s); return; }
        int w = size switch { 1 => 3, 2 => 5, 4 => 10, _ => 19 };
        f.Buf.Append(' ').Append(s.PadLeft(w));
    }

    public static void TraceStr(Frame f, string s)
    {
        f.Items.Add(new TraceRecordItem("trace", s, s));
        if (f.R.Options.Quiet) { f.Buf.Append(s); return; }
        f.Buf.Append("  ").Append(s.PadRight(33));
    }

    public static void Printf(Frame f, PrintfFormat fmt, object[] vals, DType[] types)
    {
        int start = f.Buf.Length;
        fmt.Format(f.Buf, vals, types);
        f.Items.Add(new TraceRecordItem("printf", f.Buf.ToString(start, f.Buf.Length - start), null));
    }

    public static void SystemAction(Frame f, PrintfFormat fmt, object[] vals, DType[] types)
    {
        var sb = new StringBuilder();
        fmt.Format(sb, vals, types);
        f.Items.Add(new TraceRecordItem("system", sb.ToString(), null));
    }

    public static void Printa(Frame f, int[] ids, PrintfFormat? fmt)
    {
        var r = f.R;
        int start = f.Buf.Length;
        if (ids.Length == 1)
            f.Buf.Append(r.PrintAgg(r.Aggs[ids[0] - 1], fmt));
        else
            f.Buf.Append(PrintMulti(r, ids.Select(i => r.Aggs[i - 1]).ToArray(), fmt));
        f.Items.Add(new TraceRecordItem("printa", f.Buf.ToString(start, f.Buf.Length - start), null));
    }

    private static string PrintMulti(TraceRun r, Aggregation[] aggs, PrintfFormat? fmt)
    {
        var keys = aggs.SelectMany(a => a.Data.Keys).Distinct().ToList();
        double Val(Aggregation a, TupleKey k) => a.Data.TryGetValue(k, out var d) ? a.SortValue(d) : 0;
        var o = r.Options;
        keys.Sort((x, y) =>
        {
            int c = 0;
            if (o.AggSortKey) c = TupleKey.Compare(x, y, o.AggSortKeyPos);
            for (int i = 0; c == 0 && i < aggs.Length; i++) c = Val(aggs[i], x).CompareTo(Val(aggs[i], y));
            if (c == 0) c = TupleKey.Compare(x, y, o.AggSortKeyPos);
            return o.AggSortRev ? -c : c;
        });
        var sb = new StringBuilder();
        if (fmt is null) sb.Append('\n');
        foreach (var k in keys)
        {
            if (fmt is null)
            {
                for (int i = 0; i < k.Items.Length; i++) sb.Append(Aggregation.KeyText(k.Items[i], i < aggs[0].KeyTypes.Length ? aggs[0].KeyTypes[i] : DType.Long));
                foreach (var a in aggs)
                {
                    a.Data.TryGetValue(k, out var d);
                    sb.Append(' ').Append((d is null ? "0" : a.ValueText(d)).PadLeft(16));
                }
                sb.Append('\n');
            }
            else
                Aggregation.FormatTuple(sb, fmt, k, aggs.Select(a => (a, a.Data.TryGetValue(k, out var d) ? d : null)).ToArray());
        }
        if (fmt is null) sb.Append('\n');
        return sb.ToString();
    }

    public static void Exit(Frame f, long status) => f.ExitStatus = (int)status;

    public static void Clear(Frame f, int id) => f.R.Aggs[id - 1].Clear();

    public static void Denormalize(Frame f, int id) => f.R.Aggs[id - 1].Normal = 1;

    public static void Normalize(Frame f, int id, long n)
    {
        if (n == 0) throw new DFault(FaultCode.IllOp);
        f.R.Aggs[id - 1].Normal = n;
    }

    public static void Trunc2(Frame f, int id, long n, bool has)
    {
        var a = f.R.Aggs[id - 1];
        if (!has || n == 0) { a.Data.Clear(); a.Order.Clear(); a.ResetUnkeyed(); return; }
        var sorted = a.Sorted(new TraceOptions());
        var keep = n > 0 ? sorted.AsEnumerable().Reverse().Take((int)n) : sorted.Take((int)-n);
        var set = keep.Select(kv => kv.Key).ToHashSet();
        foreach (var k in a.Data.Keys.ToList()) if (!set.Contains(k)) a.Data.Remove(k);
        a.ResetUnkeyed();
    }

    public static void SetOpt(Frame f, string name, string? value)
    {
        f.R.Options.Set(name, value);
    }

    public static string NullString() => throw new DFault(FaultCode.BadAddr, 0);

    public static void Speculate(Frame f, long id)
    {
        if (id <= 0 || id >= f.R.Specs.Length || f.R.Specs[id] is not { Busy: true }) throw new ClauseAbort();
        f.Spec = (int)id;
    }

    public static void Commit(Frame f, long id) => f.R.PendingSpecOps.Add((id, true));
    public static void Discard(Frame f, long id) => f.R.PendingSpecOps.Add((id, false));
    public static long Speculation(Frame f) => f.R.Speculation();

    public static void TraceMem(Frame f, object addr, long size)
    {
        byte[] bytes = addr is string s ? Encoding.Latin1.GetBytes(s) : BitConverter.GetBytes((long)addr);
        var sb = new StringBuilder();
        sb.Append('\n').Append("             0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f  0123456789abcdef\n");
        int n = (int)Math.Max(0, size);
        var data = new byte[n];
        Array.Copy(bytes, data, Math.Min(bytes.Length, n));
        for (int off = 0; off < n; off += 16)
        {
            sb.Append(off.ToString("x", CultureInfo.InvariantCulture).PadLeft(9)).Append(": ");
            var chars = new StringBuilder();
            for (int i = 0; i < 16; i++)
            {
                if (off + i < n) { sb.Append(data[off + i].ToString("x2", CultureInfo.InvariantCulture)).Append(' '); chars.Append(data[off + i] is >= 32 and < 127 ? (char)data[off + i] : '.'); }
                else sb.Append("   ");
            }
            sb.Append(' ').Append(chars).Append('\n');
        }
        f.Buf.Append(sb);
    }

    public static void Print(Frame f, object v, DType t)
    {
        string s = v is string str ? str : t.Signed ? ((long)v).ToString(CultureInfo.InvariantCulture) : ((ulong)(long)v).ToString(CultureInfo.InvariantCulture);
        if (v is long l && t.Kind == DKind.Pointer) s = "0x" + ((ulong)l).ToString("x", CultureInfo.InvariantCulture);
        f.Buf.Append(f.R.Options.Quiet ? s : " " + s);
        f.Items.Add(new TraceRecordItem("print", s, v));
    }

    // ---- string library

    public static long Strlen(string s) => s.Length;

    // ---- memory

    public static string MString(Frame f, long addr, long max) => f.Mem.LoadString(addr, (int)Math.Min(max, f.R.Options.StrSize));
    public static long MLoad(Frame f, long addr, int size, bool signed) => f.Mem.Load(addr, size, signed);
    public static long MStore(Frame f, long addr, int size, long v) { f.Mem.Store(addr, size, v); return v; }
    public static long MCopy(Frame f, long dst, long src, long size) { f.Mem.Copy(dst, src, size); return dst; }
    public static string MStoreString(Frame f, long addr, string s, long size) { f.Mem.StoreString(addr, s, (int)size); return s; }
    public static long CheckIndex(long i, long n, long baseAddr, long elemSize) => i >= 0 && i < n ? i : throw new DFault(FaultCode.BadAddr, baseAddr + i * elemSize);

    public static long LoadBits(Frame f, long addr, int unit, int off, int width, bool signed)
    {
        long raw = f.Mem.Load(addr, unit, false);
        ulong v = ((ulong)raw >> off) & (width >= 64 ? ulong.MaxValue : (1UL << width) - 1);
        if (signed && width < 64 && ((v >> (width - 1)) & 1) != 0) v |= ~((1UL << width) - 1);
        return (long)v;
    }

    public static long StoreBits(Frame f, long addr, int unit, int off, int width, long value)
    {
        ulong mask = (width >= 64 ? ulong.MaxValue : (1UL << width) - 1) << off;
        ulong raw = (ulong)f.Mem.Load(addr, unit, false);
        raw = (raw & ~mask) | (((ulong)value << off) & mask);
        f.Mem.Store(addr, unit, (long)raw);
        return value;
    }

    public static long Alloca(Frame f, long size)
    {
        if (size < 0 || size > f.R.ScratchLimit) throw new DFault(FaultCode.NoScratch);
        return f.Mem.Alloc(size, scratch: true);
    }

    /// <summary>bcopy() from a string: the string's bytes (and its terminating NUL, then zeros) up to size.</summary>
    public static void BcopyString(Frame f, string src, long dst, long size)
    {
        if (size < 0 || size > f.R.ScratchLimit) throw new DFault(FaultCode.BadAddr, size);
        if (!f.Mem.IsScratch(dst, size)) throw new DFault(FaultCode.BadAddr, dst);
        for (long i = 0; i < size; i++) f.Mem.Store(dst + i, 1, i < src.Length ? (byte)src[(int)i] : 0);
    }

    public static void Bcopy(Frame f, long src, long dst, long size)
    {
        if (!f.Mem.IsScratch(dst, size)) throw new DFault(FaultCode.BadAddr, dst);
        f.Mem.Copy(dst, src, size);
    }
    public static string Strjoin(Frame f, string a, string b) => Cut(f, a + b);

    public static string Substr(Frame f, string s, long index, long len)
    {
        long n = s.Length, size = f.R.Options.StrSize;
        long remaining = len == long.MinValue ? size : len;
        if (index < 0)
        {
            index += n;
            if (index < 0 && index + remaining > 0) { remaining += index; index = 0; }
        }
        if (index >= n || index < 0) remaining = 0;
        else if (remaining < 0) remaining = Math.Max(0, remaining + n - index);
        else if (index + remaining > size) remaining = size - index;
        if (remaining <= 0) return "";
        long end = Math.Min(n, index + remaining);
        return Cut(f, s.Substring((int)index, (int)(end - index)));
    }

    public static long Index(string s, string t, long start)
    {
        if (start == long.MinValue) start = 0;
        if (start < 0) start = 0;
        if (start > s.Length) return -1;
        return s.IndexOf(t, (int)start, StringComparison.Ordinal);
    }

    public static long RIndex(string s, string t, long start)
    {
        if (start == long.MinValue) start = s.Length;
        if (start < 0) return -1;
        if (start > s.Length - t.Length) start = s.Length - t.Length;
        for (long i = start; i >= 0; i--)
            if (string.CompareOrdinal(s, (int)i, t, 0, t.Length) == 0) return i;
        return -1;
    }

    public static string? Strchr(string s, long c) { int i = s.IndexOf((char)(byte)c); return i < 0 ? null : s[i..]; }
    public static string? Strrchr(string s, long c) { int i = s.LastIndexOf((char)(byte)c); return i < 0 ? null : s[i..]; }
    public static string? Strstr(string s, string t) { int i = s.IndexOf(t, StringComparison.Ordinal); return i < 0 ? null : s[i..]; }

    /// <summary>strtok(): the delimiter that ends a token stays in the saved rest, so the next call
    /// (possibly with other delimiters) starts there; no token left is NULL.</summary>
    public static string? Strtok(Frame f, string? s, string delim)
    {
        var r = f.R;
        if (s is not null) { r.StrtokRest = s; }
        var rest = r.StrtokRest;
        if (rest is null) return null;
        int i = 0;
        while (i < rest.Length && delim.IndexOf(rest[i]) >= 0) i++;
        if (i >= rest.Length) { r.StrtokRest = null; return null; }
        int j = i;
        while (j < rest.Length && delim.IndexOf(rest[j]) < 0) j++;
        string tok = rest[i..j];
        r.StrtokRest = j < rest.Length ? rest[j..] : null;
        return Cut(f, tok);
    }

    public static string Lltostr(long v, long b)
    {
        if (b < 2 || b > 36) throw new DFault(FaultCode.IllOp);
        if (b == 10) return v.ToString(CultureInfo.InvariantCulture);
        ulong u = (ulong)v;
        if (u == 0) return "0";
        var sb = new StringBuilder();
        while (u != 0) { int d = (int)(u % (ulong)b); sb.Insert(0, (char)(d < 10 ? '0' + d : 'a' + d - 10)); u /= (ulong)b; }
        if (b == 16) sb.Insert(0, "0x"); else if (b == 8) sb.Insert(0, "0");
        return sb.ToString();
    }

    public static string ToUpper(string s) => s.ToUpperInvariant();
    public static string ToLower(string s) => s.ToLowerInvariant();

    public static string Basename(string s)
    {
        if (s.Length == 0) return ".";
        var t = s.TrimEnd('/');
        if (t.Length == 0) return "/";
        int i = t.LastIndexOf('/');
        return i < 0 ? t : t[(i + 1)..];
    }

    public static string Dirname(string s)
    {
        if (s.Length == 0) return ".";
        var t = s.TrimEnd('/');
        if (t.Length == 0) return "/";
        int i = t.LastIndexOf('/');
        if (i < 0) return ".";
        var d = t[..i].TrimEnd('/');
        return d.Length == 0 ? "/" : d;
    }

    public static string Cleanpath(string s)
    {
        bool abs = s.StartsWith('/');
        var parts = new List<string>();
        foreach (var p in s.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..") { if (parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1); else if (!abs) parts.Add(p); continue; }
            parts.Add(p);
        }
        var r = (abs ? "/" : "") + string.Join("/", parts);
        if (s.EndsWith('/') && parts.Count > 0) r += "/";
        return r.Length == 0 ? (abs ? "/" : s.Length == 0 ? "" : ".") : r;
    }

    public static long Strtoll(string s, long b)
    {
        if (b is < 0 or 1 or > 36) throw new DFault(FaultCode.IllOp);
        s = s.Trim();
        int i = 0;
        bool neg = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
        if (b == 0)
        {
            if (i + 1 < s.Length && s[i] == '0' && (s[i + 1] is 'x' or 'X')) { b = 16; i += 2; }
            else if (i < s.Length && s[i] == '0') b = 8;
            else b = 10;
        }
        else if (b == 16 && i + 1 < s.Length && s[i] == '0' && (s[i + 1] is 'x' or 'X')) i += 2;
        long v = 0;
        for (; i < s.Length; i++)
        {
            char c = char.ToLowerInvariant(s[i]);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : 99;
            if (d >= b) break;
            v = unchecked(v * b + d);
        }
        return neg ? -v : v;
    }

    public static long Bswap16(long v) => (ushort)System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)v);
    public static long Bswap32(long v) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)v);
    public static long Bswap64(long v) => System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(v);
    public static long Rand() => Random.Shared.Next();
    public static long Progenyof(long pid) => pid == Environment.ProcessId || pid == ParentPid ? 1 : 0;
    public static long Strncmp(string a, string b, long n)
    {
        int c = string.CompareOrdinal(a.Length > n ? a[..(int)n] : a, b.Length > n ? b[..(int)n] : b);
        return Math.Sign(c);
    }

    public static string InetNtoa(long v)
    {
        uint u = (uint)v;
        return $"{u & 0xff}.{(u >> 8) & 0xff}.{(u >> 16) & 0xff}.{u >> 24}";
    }

    public static string Json(string json, string path)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var el = doc.RootElement;
            foreach (var raw in path.Split('.'))
            {
                string part = raw;
                int br = part.IndexOf('[');
                string name = br < 0 ? part : part[..br];
                if (name.Length > 0)
                {
                    if (el.ValueKind != System.Text.Json.JsonValueKind.Object || !el.TryGetProperty(name, out el)) return "";
                }
                while (br >= 0)
                {
                    int close = part.IndexOf(']', br);
                    if (close < 0) return "";
                    if (!int.TryParse(part[(br + 1)..close], out var idx) || el.ValueKind != System.Text.Json.JsonValueKind.Array || idx >= el.GetArrayLength()) return "";
                    el = el[idx];
                    br = part.IndexOf('[', close);
                }
            }
            return el.ValueKind switch
            {
                System.Text.Json.JsonValueKind.String => el.GetString() ?? "",
                System.Text.Json.JsonValueKind.True => "true",
                System.Text.Json.JsonValueKind.False => "false",
                System.Text.Json.JsonValueKind.Null => "null",
                _ => el.GetRawText(),
            };
        }
        catch (System.Text.Json.JsonException) { return ""; }
    }
}

