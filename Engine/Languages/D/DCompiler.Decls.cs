using Illumos.Engine.Tracing;

namespace Illumos.Engine.Languages.D;

public enum VarScope { Global, Thread, Local }
public enum VarKind { Scalar, Assoc, Array }

/// <summary>A D variable known to the compiler.</summary>
public sealed class VarInfo
{
    public required string Name { get; init; }
    public VarScope Scope { get; init; }
    public VarKind Kind { get; set; }
    public DType Type { get; set; } = DType.Int;
    public DType[]? Keys { get; set; }
    public int Slot { get; set; } = -1;
    public int Static { get; set; } = -1;           // memory-backed (struct/union/array) storage
    public bool Declared { get; set; }
}

/// <summary>Options for compiling a D program.</summary>
public sealed class DCompileOptions
{
    public string ScriptName { get; init; } = "script";
    public IReadOnlyList<string> MacroArgs { get; init; } = Array.Empty<string>();
    public TraceOptions? Options { get; init; }
    public bool ErrTags { get; init; } = true;
    /// <summary>
    /// Match probe descriptions against this process's probes (the embedded host). False for a native host,
    /// whose own dtrace matches them: descriptions are then only checked for syntax, and every args[] is an int64.
    /// </summary>
    public bool MatchLocalProbes { get; init; } = true;
}

public sealed partial class DCompiler
{
    private readonly Dictionary<string, DType> _typedefs = new(DType.Builtins, StringComparer.Ordinal);
    private readonly Dictionary<string, DType> _tags = new(StringComparer.Ordinal);     // "struct foo" -> type
    private readonly Dictionary<string, (long Value, DType Type)> _enumConsts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (DType Type, DExpr Expr)> _inlines = new(StringComparer.Ordinal);

    private void DefineBuiltinConstants()
    {
        _enumConsts["NULL"] = (0, DType.VoidPtr);
        string[] faults = { "DTRACEFLT_UNKNOWN", "DTRACEFLT_BADADDR", "DTRACEFLT_BADALIGN", "DTRACEFLT_ILLOP", "DTRACEFLT_DIVZERO",
            "DTRACEFLT_NOSCRATCH", "DTRACEFLT_KPRIV", "DTRACEFLT_UPRIV", "DTRACEFLT_TUPOFLOW", "DTRACEFLT_BADSTACK" };
        for (int i = 0; i < faults.Length; i++) _enumConsts[faults[i]] = (i, DType.Int);
        _enumConsts["DTRACEFLT_LIBRARY"] = (1000, DType.Int);
        _builtinConsts.UnionWith(_enumConsts.Keys);
    }

    private readonly HashSet<string> _builtinConsts = new(StringComparer.Ordinal);

    /// <summary>Resolves a written type to a D type, reporting D_DECL_COMBO / D_UNKNOWN like dtrace.</summary>
    public DType ResolveType(DTypeName tn)
    {
        DType t = ResolveBase(tn);
        for (int i = 0; i < tn.Pointers; i++) t = DType.PointerTo(t);
        for (int i = tn.Dims.Count - 1; i >= 0; i--)
        {
            var d = tn.Dims[i];
            if (d.Size is not null)
            {
                var c = ConstEval(d.Size);
                if (c is null) throw new DCompileException("D_DECL_ARRSUB", tn.Line, "array dimension must be an integer constant");
                t = DType.ArrayOf(t, c.Value);
            }
        }
        return t;
    }

    private DType ResolveBase(DTypeName tn)
    {
        if (tn.TagKind is not null) return ResolveTagged(tn);
        int sign = 0, shorts = 0, longs = 0;
        var bases = new List<string>();
        foreach (var w in tn.Words)
        {
            switch (w)
            {
                case "signed": if (sign != 0) throw Combo(tn); sign = 1; break;
                case "unsigned": if (sign != 0) throw Combo(tn); sign = 2; break;
                case "short": shorts++; break;
                case "long": longs++; break;
                default: bases.Add(w); break;
            }
        }
        if (bases.Count > 1) throw Combo(tn);
        string? b = bases.Count == 1 ? bases[0] : null;
        if (b is not null && _typedefs.TryGetValue(b, out var td))
        {
            if (sign != 0 || shorts != 0 || longs != 0) throw Combo(tn);
            return td;
        }
        if (shorts > 0 && longs > 0)
        {
            var words = new List<string>();
            if (sign == 1) words.Add("signed"); else if (sign == 2) words.Add("unsigned");
            for (int i = 0; i < shorts; i++) words.Add("short");
            for (int i = 0; i < longs; i++) words.Add("long");
            if (b is not null) words.Add(b);
            throw new DCompileException("D_UNKNOWN", tn.Line, $"failed to resolve type {string.Join(" ", words)} : Unknown type name");
        }
        if (shorts > 1 || longs > 2) throw Combo(tn);
        switch (b)
        {
            case "void": if (sign + shorts + longs != 0) throw Combo(tn); return DType.Void;
            case "string": if (sign + shorts + longs != 0) throw Combo(tn); return DType.String;
            case "float": if (sign + shorts + longs != 0) throw Combo(tn); return DType.Float;
            case "double":
                if (sign != 0 || shorts != 0 || longs > 1) throw Combo(tn);
                return longs == 1 ? DType.LongDouble : DType.Double;
            case "char":
                if (shorts != 0 || longs != 0) throw Combo(tn);
                return sign == 2 ? DType.UChar : sign == 1 ? DType.SChar : DType.Char;
            case null:
            case "int":
                if (b is null && sign == 0 && shorts == 0 && longs == 0) throw Combo(tn);
                if (shorts == 1) return sign == 2 ? DType.UShort : DType.Short;
                if (longs == 1) return sign == 2 ? DType.ULong : DType.Long;
                if (longs == 2) return sign == 2 ? DType.ULongLong : DType.LongLong;
                return sign == 2 ? DType.UInt : DType.Int;
        }
        throw new DCompileException("D_UNKNOWN", tn.Line, $"failed to resolve type {string.Join(" ", tn.Words)} : Unknown type name");
    }

    private static DCompileException Combo(DTypeName tn) => new("D_DECL_COMBO", tn.Line, "invalid type combination");

    private readonly Dictionary<object, DType> _bodies = new(ReferenceEqualityComparer.Instance);

    private DType ResolveTagged(DTypeName tn)
    {
        object? body = (object?)tn.Enumerators ?? tn.Members;
        if (body is not null && _bodies.TryGetValue(body, out var done)) return done;
        var r = ResolveTaggedBody(tn);
        if (body is not null) _bodies[body] = r;
        return r;
    }

    private DType ResolveTaggedBody(DTypeName tn)
    {
        string kind = tn.TagKind!;
        string key = kind + " " + (tn.Tag ?? "<anon" + tn.Line + ">");
        if (tn.Enumerators is not null)
        {
            var t = new DType { Kind = DKind.Enum, Size = 4, Signed = true, Name = key, EnumValues = new() };
            long next = 0;
            foreach (var (name, val, line) in tn.Enumerators)
            {
                if (val is not null)
                {
                    var c = ConstEval(val);
                    if (c is null) throw new DCompileException("D_DECL_ENCONST", line, $"enumerator '{name}' must be assigned to an integral constant expression");
                    next = c.Value;
                }
                if (next > int.MaxValue || next < int.MinValue)
                    throw new DCompileException("D_DECL_ENOFLOW", line, $"enumerator '{name}' value overflows INT_MAX ({int.MaxValue})");
                if (t.EnumValues.ContainsKey(name) || (_enumConsts.TryGetValue(name, out var prior) && !_builtinConsts.Contains(name) && !ReferenceEquals(prior.Type, t)))
                    throw new DCompileException("D_UNKNOWN", line, $"failed to define enumerator '{name}': Duplicate member or variable name");
                t.EnumValues[name] = next;
                _enumConsts[name] = (next, t);
                next++;
            }
            foreach (var (n, v) in t.EnumValues) _enumConsts[n] = (v, t);
            if (tn.Tag is not null) _tags[key] = t;
            return t;
        }
        if (tn.Members is not null)
        {
            bool union = kind == "union";
            var t = new DType { Kind = union ? DKind.Union : DKind.Struct, Name = key, Members = new(), Complete = false };
            if (tn.Tag is not null) _tags[key] = t;
            int off = 0, maxSize = 0, align = 1;
            foreach (var m in tn.Members)
            {
                var mt = ResolveType(m.Type);
                if (mt.IsStructLike && !mt.Complete && (!_tags.TryGetValue(mt.Name, out var full) || !full.Complete || full.Members is null))
                    throw new DCompileException("D_DECL_INCOMPLETE", m.Line, $"incomplete struct/union/enum {mt.Name}: {m.Name}");
                if (m.Name is not null && t.Members.Any(x => x.Name == m.Name))
                    throw new DCompileException("D_DECL_MEMBER", m.Line, $"failed to define member '{m.Name}': Duplicate member or variable name");
                int a = Align(mt);
                if (m.BitWidth == -1) align = Math.Max(align, a);
                if (m.BitWidth != -1)
                {
                    if (m.BitWidth <= 0 && m.Name is not null || m.BitWidth < 0)
                        throw new DCompileException("D_DECL_BFCONST", m.Line, "positive integral constant expression expected as bit-field size");
                    if (!mt.IsInteger) throw new DCompileException("D_DECL_BFTYPE", m.Line, $"invalid type for bit-field: {m.Name ?? "(anon)"}");
                    if (m.BitWidth > mt.Size * 8 || m.BitWidth > 64) throw new DCompileException("D_DECL_BFSIZE", m.Line, $"bit-field too big for type: {m.Name}");
                    // each bit-field takes the whole bytes its width needs, aligned to that size
                    int bytes = Math.Max(1, (m.BitWidth + 7) / 8);
                    int unit = bytes <= 1 ? 1 : bytes <= 2 ? 2 : bytes <= 4 ? 4 : 8;
                    var ut = new DType { Kind = mt.Kind, Size = unit, Signed = mt.Signed, Name = mt.Name, EnumValues = mt.EnumValues };
                    if (union) { t.Members.Add(new DMember(m.Name ?? "", ut, 0, m.BitWidth, 0)); maxSize = Math.Max(maxSize, bytes); }
                    else
                    {
                        off = (off + unit - 1) / unit * unit;
                        t.Members.Add(new DMember(m.Name ?? "", ut, off, m.BitWidth, 0));
                        off += bytes;
                    }
                    continue;
                }
                if (union) { t.Members.Add(new DMember(m.Name ?? "", mt, 0)); maxSize = Math.Max(maxSize, mt.Size); }
                else
                {
                    off = (off + a - 1) / a * a;
                    t.Members.Add(new DMember(m.Name ?? "", mt, off));
                    off += mt.Size;
                }
            }
            int size = union ? maxSize : off;
            size = (size + align - 1) / align * align;
            var complete = new DType { Kind = t.Kind, Name = key, Members = t.Members, Size = size };
            if (tn.Tag is not null) _tags[key] = complete;
            return complete;
        }
        if (_tags.TryGetValue(key, out var known)) return known;
        // forward reference: an incomplete type
        var inc = new DType { Kind = kind == "enum" ? DKind.Enum : kind == "union" ? DKind.Union : DKind.Struct, Name = key, Size = 0, Complete = false };
        return inc;
    }

    private static int Align(DType t) => t.Kind switch
    {
        DKind.Array => Align(t.Elem!),
        DKind.Struct or DKind.Union => Math.Max(1, t.Members!.Count == 0 ? 1 : t.Members.Max(m => Align(m.Type))),
        DKind.String => 1,
        _ => Math.Max(1, Math.Min(8, t.Size)),
    };

    /// <summary>Evaluates an integer constant expression, or returns null.</summary>
    public long? ConstEval(DExpr e)
    {
        switch (e)
        {
            case IntLit l: return (long)l.Value;
            case IdentExpr id when _enumConsts.TryGetValue(id.Name, out var ec): return ec.Value;
            case UnaryExpr u:
            {
                var v = ConstEval(u.Operand);
                if (v is null) return null;
                return u.Op switch { "-" => -v, "+" => v, "~" => ~v, "!" => v == 0 ? 1 : 0, _ => null };
            }
            case BinaryExpr b:
            {
                var x = ConstEval(b.Left);
                var y = ConstEval(b.Right);
                if (x is null || y is null) return null;
                long l = x.Value, r = y.Value;
                switch (b.Op)
                {
                    case "+": return l + r;
                    case "-": return l - r;
                    case "*": return l * r;
                    case "/": if (r == 0) throw DivZero(b); return l / r;
                    case "%": if (r == 0) throw DivZero(b); return l % r;
                    case "<<": return l << (int)r;
                    case ">>": return l >> (int)r;
                    case "&": return l & r;
                    case "|": return l | r;
                    case "^": return l ^ r;
                    case "==": return l == r ? 1 : 0;
                    case "!=": return l != r ? 1 : 0;
                    case "<": return l < r ? 1 : 0;
                    case ">": return l > r ? 1 : 0;
                    case "<=": return l <= r ? 1 : 0;
                    case ">=": return l >= r ? 1 : 0;
                    case "&&": return l != 0 && r != 0 ? 1 : 0;
                    case "||": return l != 0 || r != 0 ? 1 : 0;
                    case "^^": return (l != 0) ^ (r != 0) ? 1 : 0;
                }
                return null;
            }
            case TernaryExpr t:
            {
                var c = ConstEval(t.Cond);
                if (c is null) return null;
                return c != 0 ? ConstEval(t.Then) : ConstEval(t.Else);
            }
            case CastExpr c:
            {
                var v = ConstEval(c.Operand);
                if (v is null) return null;
                var ty = ResolveType(c.Type);
                return ty.IsLongBacked ? ty.Normalize(v.Value) : null;
            }
            case SizeofExpr s when s.Type is not null:
                return ResolveType(s.Type).Size;
        }
        return null;
    }

    private static DCompileException DivZero(DNode n) => new("D_DIV_ZERO", n.Line, "expression contains division by zero");
}
