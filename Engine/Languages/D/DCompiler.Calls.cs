using Illumos.Engine.Tracing;
using E = System.Linq.Expressions.Expression;

namespace Illumos.Engine.Languages.D;

public sealed partial class DCompiler
{
    private static readonly Dictionary<string, AggFunc> AggFuncs = new(StringComparer.Ordinal)
    {
        ["count"] = AggFunc.Count, ["sum"] = AggFunc.Sum, ["avg"] = AggFunc.Avg, ["min"] = AggFunc.Min, ["max"] = AggFunc.Max,
        ["stddev"] = AggFunc.Stddev, ["quantize"] = AggFunc.Quantize, ["lquantize"] = AggFunc.LQuantize, ["llquantize"] = AggFunc.LLQuantize,
    };

    private static readonly HashSet<string> Actions = new(StringComparer.Ordinal)
    {
        "trace", "printf", "printa", "exit", "clear", "trunc", "normalize", "denormalize", "setopt", "speculate", "commit", "discard",
        "tracemem", "print", "stop", "raise", "system", "freopen", "breakpoint", "panic", "chill", "stack", "ustack", "jstack",
        "ftruncate", "printm", "pcap",
    };

    private static readonly HashSet<string> Subroutines = new(StringComparer.Ordinal)
    {
        "strlen", "strjoin", "substr", "index", "rindex", "strchr", "strrchr", "strstr", "strtok", "lltostr", "toupper", "tolower",
        "basename", "dirname", "cleanpath", "strtoll", "htons", "htonl", "htonll", "ntohs", "ntohl", "ntohll", "rand", "speculation",
        "alloca", "bcopy", "copyin", "copyinstr", "copyinto", "copyout", "copyoutstr", "progenyof", "getmajor", "getminor", "mutex_owned",
        "mutex_owner", "mutex_type_adaptive", "mutex_type_spin", "rw_read_held", "rw_write_held", "rw_iswriter", "inet_ntoa", "inet_ntoa6",
        "inet_ntop", "json", "msgsize", "msgdsize", "ddi_pathname", "func", "mod", "sym", "ufunc", "umod", "usym", "uaddr", "vstack",
        "d_path", "link_ntop", "memref", "strncmp",
    };

    private static string ArgsWord(int n) => n == 1 ? "arg" : "args";

    private static DCompileException ProtoLen(string fn, int passed, int expected, bool atLeast = false) =>
        new("D_PROTO_LEN", 0, $"{fn}( ) prototype mismatch: {passed} {ArgsWord(passed)} passed, {(atLeast ? "at least " : "")}{expected} expected");

    private static DCompileException WithLine(DCompileException e, int line) =>
        e.Diagnostic.Line != 0 ? e : new DCompileException(e.Diagnostic.Tag, line, e.Diagnostic.Message);

    private static DCompileException ProtoArg(string fn, int n, string proto, string arg, int line) =>
        new("D_PROTO_ARG", line, $"{fn}( ) argument #{n} is incompatible with prototype:\n\tprototype: {proto}\n\t argument: {arg}");

    private Ex GenCall(CallExpr c, bool top)
    {
        if (c.Callee is not IdentExpr id)
            throw new DCompileException("D_FUNC_IDENT", c.Line, "function designator is not of function type");
        string fn = id.Name;
        try
        {
            if (AggFuncs.ContainsKey(fn))
                throw new DCompileException("D_AGG_FUNC", c.Line, $"{fn}( ) may only be used as the right-hand side of an aggregation assignment");
            if (Actions.Contains(fn)) return GenAction(fn, c, top);
            if (Subroutines.Contains(fn)) return GenSubr(fn, c);
        }
        catch (DCompileException e) { throw WithLine(e, c.Line); }
        if (_globals.ContainsKey(fn) || Builtins.ContainsKey(fn))
            throw new DCompileException("D_FUNC_IDENT", c.Line, $"{fn} is not a function");
        throw new DCompileException("D_FUNC_UNDEF", c.Line, $"failed to resolve {fn}: Unknown function name");
    }

    private E SetRecord() => E.Assign(Fld(nameof(Frame.Record)), E.Constant(true));

    private Ex Action(E body) => new(E.Block(typeof(void), SetRecord(), body), DType.ActionT, IsAction: true);

    private Ex GenAction(string fn, CallExpr c, bool top)
    {
        var args = c.Args;
        switch (fn)
        {
            case "trace":
            {
                if (args.Count != 1) throw ProtoLen(fn, args.Count, 1);
                var x = AsStr(Gen(args[0]));
                if (x.IsAction || x.T.IsVoid) throw new DCompileException("D_TRACE_VOID", c.Line, "trace( ) may not be applied to a void expression");
                if (x.T.Kind == DKind.Agg) throw new DCompileException("D_TRACE_AGG", c.Line, "trace( ) may not be applied to an aggregation");
                if (x.IsStr) return Action(E.Call(M(nameof(RT.TraceStr)), F, x.E));
                if (!x.IsLong) throw new DCompileException("D_TRACE_VOID", c.Line, "trace( ) may not be applied to a void expression");
                return Action(E.Call(M(nameof(RT.TraceInt)), F, x.E, E.Constant(x.T.Size), E.Constant(x.T.Signed)));
            }
            case "printf":
            case "system":
            {
                if (args.Count < 1) throw ProtoLen(fn, args.Count, 1, atLeast: true);
                var fx = Gen(args[0]);
                if (!fx.IsStr) throw ProtoArg(fn, 1, "string", TypeName(fx), c.Line);
                if (args[0] is not StrLit sl) throw new DCompileException("D_PRINTF_ARG_FMT", c.Line, $"{fn}( ) argument #1 must be a non-zero-length string literal");
                var fmt = PrintfFormat.Parse(sl.Value, c.Line);
                var vals = args.Skip(1).Select(a => Gen(a)).ToList();
                for (int vi = 0; vi < vals.Count; vi++)
                {
                    int ci = 0, ai = 0;
                    foreach (var cv in fmt.Convs)
                    {
                        if (cv.Conv == '%') continue;
                        if (cv.Width == -2) ai++;
                        if (cv.Prec == -2) ai++;
                        if (ai == vi && cv.Conv is 's' or 'S') vals[vi] = AsStr(vals[vi]);
                        ai++; ci++;
                    }
                }
                fmt.Check(fn, vals.Select(v => v.IsAction ? DType.Void : v.T).ToList(), c.Line);
                var arr = E.NewArrayInit(typeof(object), vals.Select(Box));
                var types = vals.Select(v => v.T).ToArray();
                if (fn == "system") return Action(E.Call(M(nameof(RT.SystemAction)), F, E.Constant(fmt), arr, E.Constant(types)));
                return Action(E.Call(M(nameof(RT.Printf)), F, E.Constant(fmt), arr, E.Constant(types)));
            }
            case "printa":
            {
                if (args.Count < 1) throw ProtoLen(fn, args.Count, 1, atLeast: true);
                PrintfFormat? fmt = null;
                int first = 0;
                if (args[0] is StrLit sl)
                {
                    fmt = PrintfFormat.Parse(sl.Value, c.Line, printa: true);
                    first = 1;
                    if (args.Count < 2) throw new DCompileException("D_PRINTA_PROTO", c.Line, $"printa( ) prototype mismatch: {args.Count} args passed, 2 expected");
                }
                var aggs = new List<AggInfo>();
                for (int i = first; i < args.Count; i++)
                {
                    var x = Gen(args[i]);
                    if (x.Agg is null) throw new DCompileException("D_PRINTA_AGGARG", c.Line, $"printa( ) argument #{i + 1} is incompatible with prototype:\n\tprototype: aggregation\n\t argument: {TypeName(x)}");
                    aggs.Add(x.Agg);
                    _printed.Add(x.Agg.Id);
                }
                for (int i = 1; i < aggs.Count; i++)
                    if (aggs[i].Keys.Length != aggs[0].Keys.Length || aggs[i].Keys.Zip(aggs[0].Keys).Any(p => p.First.IsString != p.Second.IsString))
                        throw new DCompileException("D_PRINTA_AGGKEY", c.Line, $"printa( ): aggregation key signatures do not match: {aggs[0].Name} and {aggs[i].Name}");
                if (fmt is not null && aggs.Count > 0)
                {
                    var keyConvs = fmt.Convs.Where(cv => cv.Conv != '%' && !cv.AggValue).ToList();
                    if (keyConvs.Count > aggs[0].Keys.Length)
                    {
                        var extra = keyConvs[aggs[0].Keys.Length];
                        throw new DCompileException("D_PRINTF_ARG_PROTO", c.Line, $"printa( ) prototype mismatch: conversion #{extra.Index} (%{extra.Length}{extra.Conv}) is missing a corresponding value argument");
                    }
                }
                var ids = aggs.Select(a => a.Id).ToArray();
                return Action(E.Call(M(nameof(RT.Printa)), F, E.Constant(ids), E.Constant(fmt, typeof(PrintfFormat))));
            }
            case "exit":
            {
                if (args.Count != 1) throw ProtoLen(fn, args.Count, 1);
                var x = Gen(args[0]);
                if (!x.IsLong || x.IsAction) throw ProtoArg(fn, 1, "int", TypeName(x), c.Line);
                return Action(E.Call(M(nameof(RT.Exit)), F, x.E));
            }
            case "clear":
            case "denormalize":
            {
                if (args.Count != 1) throw new DCompileException(fn == "clear" ? "D_CLEAR_PROTO" : "D_NORMALIZE_PROTO", c.Line, $"{fn}( ) prototype mismatch: {args.Count} args passed, 1 expected");
                var x = Gen(args[0]);
                if (x.Agg is null) throw new DCompileException(fn == "clear" ? "D_CLEAR_AGGARG" : "D_NORMALIZE_AGGARG", c.Line, $"{fn}( ) argument #1 is incompatible with prototype:\n\tprototype: aggregation\n\t argument: {TypeName(x)}");
                return Action(E.Call(M(fn == "clear" ? nameof(RT.Clear) : nameof(RT.Denormalize)), F, E.Constant(x.Agg.Id)));
            }
            case "trunc":
            {
                if (args.Count is < 1 or > 2) throw new DCompileException("D_TRUNC_PROTO", c.Line, $"trunc( ) prototype mismatch: {args.Count} args passed, 1 or 2 expected");
                var x = Gen(args[0]);
                if (x.Agg is null) throw new DCompileException("D_TRUNC_AGGARG", c.Line, $"trunc( ) argument #1 is incompatible with prototype:\n\tprototype: aggregation\n\t argument: {TypeName(x)}");
                E n = L(0);
                bool has = false;
                if (args.Count == 2)
                {
                    var nx = Gen(args[1]);
                    if (!nx.IsLong) throw new DCompileException("D_TRUNC_SCALAR", c.Line, "trunc( ) argument #2 must be of scalar type");
                    n = nx.E; has = true;
                }
                return Action(E.Call(M(nameof(RT.Trunc2)), F, E.Constant(x.Agg.Id), n, E.Constant(has)));
            }
            case "normalize":
            {
                if (args.Count != 2) throw new DCompileException("D_NORMALIZE_PROTO", c.Line, $"normalize( ) prototype mismatch: {args.Count} args passed, 2 expected");
                var x = Gen(args[0]);
                if (x.Agg is null) throw new DCompileException("D_NORMALIZE_AGGARG", c.Line, $"normalize( ) argument #1 is incompatible with prototype:\n\tprototype: aggregation\n\t argument: {TypeName(x)}");
                var nx = Gen(args[1]);
                if (!nx.IsLong) throw new DCompileException("D_NORMALIZE_SCALAR", c.Line, "normalize( ) argument #2 must be of scalar type");
                return Action(E.Call(M(nameof(RT.Normalize)), F, E.Constant(x.Agg.Id), nx.E));
            }
            case "setopt":
            {
                if (args.Count < 1) throw ProtoLen(fn, args.Count, 1, atLeast: true);
                if (args.Count > 2) throw new DCompileException("D_PROTO_LEN", c.Line, $"setopt( ) prototype mismatch: {args.Count} args passed, at most 2 expected");
                var o = Gen(args[0]);
                if (!o.IsStr) throw ProtoArg(fn, 1, "char *", TypeName(o), c.Line);
                E v = E.Constant(null, typeof(string));
                if (args.Count == 2) { var vx = Gen(args[1]); if (!vx.IsStr) throw ProtoArg(fn, 2, "const char *", TypeName(vx), c.Line); v = vx.E; }
                return new Ex(E.Call(M(nameof(RT.SetOpt)), F, o.E, v), DType.ActionT, IsAction: true);
            }
            case "speculate":
            case "commit":
            case "discard":
            {
                if (args.Count != 1) throw ProtoLen(fn, args.Count, 1);
                var x = Gen(args[0]);
                if (!x.IsLong) throw ProtoArg(fn, 1, "int", TypeName(x), c.Line);
                string m = fn switch { "speculate" => nameof(RT.Speculate), "commit" => nameof(RT.Commit), _ => nameof(RT.Discard) };
                return new Ex(E.Call(M(m), F, x.E), DType.ActionT, IsAction: true);
            }
            case "tracemem":
            {
                if (args.Count < 2) throw ProtoLen(fn, args.Count, 2, atLeast: true);
                if (args.Count > 3) throw new DCompileException("D_PROTO_LEN", c.Line, $"tracemem( ) prototype mismatch: {args.Count} args passed, at most 3 expected");
                var a = Gen(args[0]);
                var n = Gen(args[1]);
                if (!n.IsLong) throw ProtoArg(fn, 2, "size_t", TypeName(n), c.Line);
                if (n.Const is { } nc && nc <= 0) throw new DCompileException("D_TRACEMEM_SIZE", c.Line, "tracemem( ) argument #2 must be a positive integer constant");
                if (args.Count == 3) { var d = Gen(args[2]); if (!d.IsLong) throw ProtoArg(fn, 3, "size_t", TypeName(d), c.Line); }
                return Action(E.Call(M(nameof(RT.TraceMem)), F, Box(a), n.E));
            }
            case "print":
            {
                if (args.Count != 1) throw ProtoLen(fn, args.Count, 1);
                var x = Gen(args[0]);
                if (x.IsAction) throw new DCompileException("D_PRINT_VOID", c.Line, "print( ) may not be applied to a void expression");
                return Action(E.Call(M(nameof(RT.Print)), F, Box(x), E.Constant(x.T)));
            }
            case "stop":
            case "raise":
            case "breakpoint":
            case "panic":
            case "chill":
            case "freopen":
            case "ftruncate":
                if (!_opts.Destructive && fn is not ("freopen" or "ftruncate"))
                    throw new DCompileException("D_ACT_DESTRUCT", c.Line, $"{fn}( ) is a destructive action; use -w to enable");
                foreach (var a in args) Gen(a);
                return Action(E.Empty());
            default:
                throw new DCompileException("D_ACT_UNSUP", c.Line, $"{fn}( ) is not supported");
        }
    }

    // ---- subroutines

    private Ex GenSubr(string fn, CallExpr c)
    {
        var xs = c.Args.Select(a => Gen(a)).ToList();
        if (fn is not ("alloca" or "bcopy" or "speculation" or "rand")) xs = xs.Select(x => IsCharArray(x.T) ? AsStr(x) : x).ToList();
        void Len(int min, int max)
        {
            if (xs.Count < min || xs.Count > max)
                throw new DCompileException("D_PROTO_LEN", c.Line, $"{fn}( ) prototype mismatch: {xs.Count} {ArgsWord(xs.Count)} passed, {(min == max ? min.ToString(System.Globalization.CultureInfo.InvariantCulture) : xs.Count < min ? "at least " + min : max.ToString(System.Globalization.CultureInfo.InvariantCulture))} expected");
        }
        void Str(int i, string proto = "char *")
        {
            if (xs[i].IsLong && xs[i].Const == 0) { xs[i] = new Ex(E.Call(M(nameof(RT.NullString))), DType.String); return; }
            if (IsCharPtr(xs[i].T)) { xs[i] = AsStr(xs[i]); return; }
            if (!xs[i].IsStr) throw ProtoArg(fn, i + 1, proto, TypeName(xs[i]), c.Line);
        }
        void Int(int i, string proto = "int")
        {
            if (!xs[i].IsLong || xs[i].IsAction) throw ProtoArg(fn, i + 1, proto, TypeName(xs[i]), c.Line);
        }
        E Strs(params int[] ix) => E.Empty();
        _ = Strs();
        var size = DType.Named(DType.ULong, "size_t");
        switch (fn)
        {
            case "strlen": Len(1, 1); Str(0); return new Ex(E.Call(M(nameof(RT.Strlen)), xs[0].E), size);
            case "strjoin": Len(2, 2); Str(0); Str(1); return new Ex(E.Call(M(nameof(RT.Strjoin)), F, xs[0].E, xs[1].E), DType.String);
            case "substr":
                Len(2, 3); Str(0); Int(1);
                if (xs.Count == 3) Int(2);
                return new Ex(E.Call(M(nameof(RT.Substr)), F, xs[0].E, xs[1].E, xs.Count == 3 ? xs[2].E : L(long.MinValue)), DType.String);
            case "index":
            case "rindex":
                Len(2, 3); Str(0); Str(1);
                if (xs.Count == 3) Int(2);
                return new Ex(E.Call(M(fn == "index" ? nameof(RT.Index) : nameof(RT.RIndex)), xs[0].E, xs[1].E, xs.Count == 3 ? xs[2].E : L(long.MinValue)), DType.Int);
            case "strchr":
            case "strrchr":
                Len(2, 2); Str(0); Int(1, "char");
                return new Ex(E.Call(M(fn == "strchr" ? nameof(RT.Strchr) : nameof(RT.Strrchr)), xs[0].E, xs[1].E), DType.String);
            case "strstr": Len(2, 2); Str(0); Str(1); return new Ex(E.Call(M(nameof(RT.Strstr)), xs[0].E, xs[1].E), DType.String);
            case "strtok":
                Len(2, 2); Str(1);
                if (!xs[0].IsStr && !(xs[0].Const == 0)) Str(0);
                return new Ex(E.Call(M(nameof(RT.Strtok)), F, xs[0].IsStr ? xs[0].E : E.Constant(null, typeof(string)), xs[1].E), DType.String);
            case "lltostr":
                Len(1, 2); Int(0, "int64_t");
                if (xs.Count == 2) Int(1);
                return new Ex(E.Call(M(nameof(RT.Lltostr)), xs[0].E, xs.Count == 2 ? xs[1].E : L(10)), DType.String);
            case "toupper": Len(1, 1); Str(0); return new Ex(E.Call(M(nameof(RT.ToUpper)), xs[0].E), DType.String);
            case "tolower": Len(1, 1); Str(0); return new Ex(E.Call(M(nameof(RT.ToLower)), xs[0].E), DType.String);
            case "basename": Len(1, 1); Str(0); return new Ex(E.Call(M(nameof(RT.Basename)), xs[0].E), DType.String);
            case "dirname": Len(1, 1); Str(0); return new Ex(E.Call(M(nameof(RT.Dirname)), xs[0].E), DType.String);
            case "cleanpath": Len(1, 1); Str(0); return new Ex(E.Call(M(nameof(RT.Cleanpath)), xs[0].E), DType.String);
            case "strtoll":
                Len(1, 2); Str(0);
                if (xs.Count == 2) Int(1);
                return new Ex(E.Call(M(nameof(RT.Strtoll)), xs[0].E, xs.Count == 2 ? xs[1].E : L(10)), DType.Named(DType.LongLong, "int64_t"));
            case "htons": case "ntohs": Len(1, 1); Int(0, "uint16_t"); return new Ex(E.Call(M(nameof(RT.Bswap16)), xs[0].E), DType.Named(DType.UShort, "uint16_t"));
            case "htonl": case "ntohl": Len(1, 1); Int(0, "uint32_t"); return new Ex(E.Call(M(nameof(RT.Bswap32)), xs[0].E), DType.Named(DType.UInt, "uint32_t"));
            case "htonll": case "ntohll": Len(1, 1); Int(0, "uint64_t"); return new Ex(E.Call(M(nameof(RT.Bswap64)), xs[0].E), DType.Named(DType.ULongLong, "uint64_t"));
            case "rand": Len(0, 0); return new Ex(E.Call(M(nameof(RT.Rand))), DType.Int);
            case "speculation": Len(0, 0); return new Ex(E.Call(M(nameof(RT.Speculation)), F), DType.Int);
            case "progenyof": Len(1, 1); Int(0, "pid_t"); return new Ex(E.Call(M(nameof(RT.Progenyof)), xs[0].E), DType.Int);
            case "getmajor": case "getminor": Len(1, 1); Int(0, "dev_t"); return new Ex(L(0), DType.Named(DType.UInt, fn == "getmajor" ? "major_t" : "minor_t"));
            case "strncmp": Len(3, 3); Str(0); Str(1); Int(2); return new Ex(E.Call(M(nameof(RT.Strncmp)), xs[0].E, xs[1].E, xs[2].E), DType.Int);
            case "inet_ntoa": Len(1, 1); return new Ex(E.Call(M(nameof(RT.InetNtoa)), xs[0].E), DType.String);
            case "json":
                Len(2, 2); Str(0); Str(1);
                return new Ex(E.Call(M(nameof(RT.Json)), xs[0].E, xs[1].E), DType.String);
            case "alloca":
                Len(1, 1); Int(0, "size_t");
                return new Ex(E.Call(M(nameof(RT.Alloca)), F, xs[0].E), DType.VoidPtr);
            case "bcopy":
                Len(3, 3);
                if (xs[0].IsStr)
                {
                    if (xs[1].T.Kind is not (DKind.Pointer or DKind.Array)) throw ProtoArg(fn, 2, "void *", TypeName(xs[1]), c.Line);
                    Int(2, "size_t");
                    return new Ex(E.Call(M(nameof(RT.BcopyString)), F, xs[0].E, xs[1].E, xs[2].E), DType.ActionT, IsAction: true);
                }
                if (xs[0].T.Kind is not (DKind.Pointer or DKind.Array) && !xs[0].IsLong) throw ProtoArg(fn, 1, "void *", TypeName(xs[0]), c.Line);
                if (xs[1].T.Kind is not (DKind.Pointer or DKind.Array)) throw ProtoArg(fn, 2, "void *", TypeName(xs[1]), c.Line);
                Int(2, "size_t");
                return new Ex(E.Call(M(nameof(RT.Bcopy)), F, xs[0].E, xs[1].E, xs[2].E), DType.ActionT, IsAction: true);
            case "copyin":
            case "copyinstr":
                throw new DCompileException("D_ACT_UNSUP", c.Line, $"{fn}( ) is not supported by the embedded host");
            default:
                throw new DCompileException("D_ACT_UNSUP", c.Line, $"{fn}( ) is not supported by the embedded host");
        }
    }

    // ---- aggregations

    private Ex GenAggAssign(AssignExpr a)
    {
        if (a.Op != "=") throw new DCompileException("D_AGG_SCALAR", a.Line, $"operator {a.Op} cannot be applied to an aggregation");
        AggExpr ag;
        List<DExpr>? keys = null;
        if (a.Target is AggExpr g) ag = g;
        else
        {
            var ix = (IndexExpr)a.Target;
            ag = (AggExpr)ix.Target;
            keys = ix.Index;
        }
        if (a.Value is not CallExpr call || call.Callee is not IdentExpr fid)
        {
            if (a.Value is CallExpr { Callee: not IdentExpr })
                throw new DCompileException("D_FUNC_IDENT", a.Line, "function designator is not of function type");
            Gen(a.Value);
            throw new DCompileException("D_AGG_FUNC", a.Line, $"{ag.Name} must be assigned the result of an aggregating function");
        }
        string fn = fid.Name;
        if (!AggFuncs.TryGetValue(fn, out var func))
        {
            if (Actions.Contains(fn) || Subroutines.Contains(fn))
                throw new DCompileException("D_AGG_FUNC", a.Line, $"{ag.Name} must be assigned the result of an aggregating function");
            throw new DCompileException("D_FUNC_UNDEF", a.Line, $"failed to resolve {fn}: Unknown function name");
        }
        // keys
        E? keyArr = null;
        DType[] kt = Array.Empty<DType>();
        if (keys is not null)
        {
            if (keys.Count == 0) throw new DCompileException("D_SYNTAX", a.Line, "syntax error near \"]\"");
            keyArr = KeyArray(keys, out kt, a.Line);
        }
        // arguments
        var args = call.Args;
        int need = func switch { AggFunc.Count => 0, AggFunc.LQuantize => 3, AggFunc.LLQuantize => 5, _ => 1 };
        int max = func switch { AggFunc.Count => 0, AggFunc.LQuantize => 5, AggFunc.LLQuantize => 6, AggFunc.Quantize => 2, _ => 1 };
        if (args.Count < need || args.Count > max)
        {
            if (need == max || args.Count > max)
                throw new DCompileException("D_PROTO_LEN", a.Line, $"{fn}( ) prototype mismatch: {args.Count} {ArgsWord(args.Count)} passed, {(need == max ? need.ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Count < need ? "at least " + need : max.ToString(System.Globalization.CultureInfo.InvariantCulture))} expected");
            throw new DCompileException("D_PROTO_LEN", a.Line, $"{fn}( ) prototype mismatch: {args.Count} {ArgsWord(args.Count)} passed, at least {need} expected");
        }
        E val = L(0);
        E incr = L(1);
        long[] prms = Array.Empty<long>();
        if (args.Count > 0)
        {
            var v = Gen(args[0]);
            if (!v.IsLong || v.IsAction) throw new DCompileException("D_AGG_SCALAR", a.Line, $"{fn}( ) argument #1 must be of scalar type");
            val = v.E;
        }
        if (func == AggFunc.Quantize && args.Count == 2) { var ix2 = Gen(args[1]); if (!ix2.IsLong) throw new DCompileException("D_AGG_SCALAR", a.Line, $"{fn}( ) argument #2 must be of scalar type"); incr = ix2.E; }
        if (func == AggFunc.LQuantize) prms = LQuantParams(args, a.Line, out incr);
        if (func == AggFunc.LLQuantize) prms = LLQuantParams(args, a.Line, out incr);
        // definition / redefinition
        if (!_aggs.TryGetValue(ag.Name, out var info))
        {
            info = new AggInfo { Name = ag.Name, Id = _aggs.Count + 1, Func = func, Keys = kt, Params = prms, Defined = true };
            _aggs[ag.Name] = info;
        }
        else
        {
            if (info.Func != func)
                throw new DCompileException("D_AGG_REDEF", a.Line, $"{(ag.Name == "@" ? "@" : ag.Name)} redefined: current function: {fn}( ), previous: {AggName(info.Func)}( )");
            if (info.Keys.Length != kt.Length)
                throw new DCompileException("D_AGG_REDEF", a.Line, $"{ag.Name} redefined: key count {kt.Length} differs from previous {info.Keys.Length}");
            for (int i = 0; i < kt.Length; i++)
                if (info.Keys[i].IsString != kt[i].IsString)
                    throw new DCompileException("D_AGG_REDEF", a.Line, $"{ag.Name} redefined: key #{i + 1} type differs");
            if (func is AggFunc.LQuantize or AggFunc.LLQuantize && !info.Params.SequenceEqual(prms))
            {
                if (func == AggFunc.LQuantize)
                {
                    if (info.Params[0] != prms[0]) throw new DCompileException("D_LQUANT_MATCHBASE", a.Line, $"lquantize( ) base (argument #2) doesn't match previous declaration: expected {info.Params[0]}, found {prms[0]}");
                    if (info.Params[1] != prms[1]) throw new DCompileException("D_LQUANT_MATCHLIM", a.Line, $"lquantize( ) limit (argument #3) doesn't match previous declaration: expected {info.Params[1]}, found {prms[1]}");
                    throw new DCompileException("D_LQUANT_MATCHSTEP", a.Line, $"lquantize( ) step (argument #4) doesn't match previous declaration: expected {info.Params[2]}, found {prms[2]}");
                }
                if (info.Params[0] != prms[0]) throw new DCompileException("D_LLQUANT_FACTORMATCH", a.Line, $"llquantize( ) factor (argument #2) doesn't match previous declaration: expected {info.Params[0]}, found {prms[0]}");
                if (info.Params[1] != prms[1]) throw new DCompileException("D_LLQUANT_LOWMATCH", a.Line, $"llquantize( ) low magnitude (argument #3) doesn't match previous declaration: expected {info.Params[1]}, found {prms[1]}");
                if (info.Params[2] != prms[2]) throw new DCompileException("D_LLQUANT_HIGHMATCH", a.Line, $"llquantize( ) high magnitude (argument #4) doesn't match previous declaration: expected {info.Params[2]}, found {prms[2]}");
                throw new DCompileException("D_LLQUANT_NSTEPMATCH", a.Line, $"llquantize( ) linear steps (argument #5) doesn't match previous declaration: expected {info.Params[3]}, found {prms[3]}");
            }
        }
        var agg = E.ArrayIndex(Fld(nameof(Frame.Aggs)), E.Constant(info.Id - 1));
        E body;
        if (keyArr is null && func == AggFunc.Count) body = E.Call(agg, typeof(Aggregation).GetMethod(nameof(Aggregation.CountUnkeyed))!);
        else if (keyArr is null && func == AggFunc.Sum) body = E.Call(agg, typeof(Aggregation).GetMethod(nameof(Aggregation.SumUnkeyed))!, val);
        else body = E.Call(agg, typeof(Aggregation).GetMethod(nameof(Aggregation.Update))!, keyArr ?? E.Constant(null, typeof(object[])), val, incr);
        return new Ex(body, DType.Void);
    }

    private static string AggName(AggFunc f) => f.ToString().ToLowerInvariant();

    private long[] LQuantParams(List<DExpr> args, int line, out E incr)
    {
        incr = L(1);
        long? b = ConstEval(args[1]);
        if (b is null) throw new DCompileException("D_LQUANT_BASETYPE", line, "lquantize( ) argument #2 must be an integer constant");
        long? lim = ConstEval(args[2]);
        if (lim is null) throw new DCompileException("D_LQUANT_LIMTYPE", line, "lquantize( ) argument #3 must be an integer constant");
        long step = 1;
        if (args.Count >= 4)
        {
            var s = ConstEval(args[3]);
            if (s is null) throw new DCompileException("D_LQUANT_STEPTYPE", line, "lquantize( ) argument #4 must be an integer constant");
            step = s.Value;
        }
        if (b < int.MinValue || b > int.MaxValue) throw new DCompileException("D_LQUANT_BASEVAL", line, "lquantize( ) argument #2 must be a 32-bit quantity");
        if (lim < int.MinValue || lim > int.MaxValue) throw new DCompileException("D_LQUANT_LIMVAL", line, "lquantize( ) argument #3 must be a 32-bit quantity");
        if (lim <= b) throw new DCompileException("D_LQUANT_MISMATCH", line, "lquantize( ) base (argument #2) must be less than limit (argument #3)");
        if (step <= 0) throw new DCompileException("D_LQUANT_STEPTYPE", line, "lquantize( ) argument #4 must be a non-zero positive integer constant");
        if (step > ushort.MaxValue) throw new DCompileException("D_LQUANT_STEPVAL", line, "lquantize( ) argument #4 must be a 16-bit quantity");
        if ((lim - b) / step > ushort.MaxValue) throw new DCompileException("D_LQUANT_STEPSMALL", line, "lquantize( ) step (argument #4) too small for given range");
        if (step > lim - b) throw new DCompileException("D_LQUANT_STEPLARGE", line, "lquantize( ) step (argument #4) too large for given range");
        if (args.Count == 5) { var ix = Gen(args[4]); if (!ix.IsLong) throw new DCompileException("D_AGG_SCALAR", line, "lquantize( ) argument #5 must be of scalar type"); incr = ix.E; }
        return new[] { b.Value, lim.Value, step };
    }

    private long[] LLQuantParams(List<DExpr> args, int line, out E incr)
    {
        incr = L(1);
        var f = ConstEval(args[1]);
        if (f is null) throw new DCompileException("D_LLQUANT_FACTORTYPE", line, "llquantize( ) argument #2 (factor) must be an integer constant");
        if (f < 2 || f > ushort.MaxValue) throw new DCompileException(f < 2 ? "D_LLQUANT_FACTORSMALL" : "D_LLQUANT_FACTORVAL", line, "llquantize( ) argument #2 (factor) must be two or more");
        var lo = ConstEval(args[2]);
        if (lo is null) throw new DCompileException("D_LLQUANT_LOWTYPE", line, "llquantize( ) argument #3 (low magnitude) must be an integer constant");
        if (lo < 0 || lo > ushort.MaxValue) throw new DCompileException("D_LLQUANT_LOWVAL", line, "llquantize( ) argument #3 (low magnitude) must be non-negative");
        var hi = ConstEval(args[3]);
        if (hi is null) throw new DCompileException("D_LLQUANT_HIGHTYPE", line, "llquantize( ) argument #4 (high magnitude) must be an integer constant");
        if (hi < 0 || hi > ushort.MaxValue) throw new DCompileException("D_LLQUANT_HIGHVAL", line, "llquantize( ) argument #4 (high magnitude) must be non-negative");
        if (hi < lo) throw new DCompileException("D_LLQUANT_HIGHVAL", line, "llquantize( ) argument #4 (high magnitude) must be at least argument #3 (low magnitude)");
        var st = ConstEval(args[4]);
        if (st is null) throw new DCompileException("D_LLQUANT_NSTEPTYPE", line, "llquantize( ) argument #5 (nsteps) must be an integer constant");
        if (st <= 0 || st > ushort.MaxValue) throw new DCompileException("D_LLQUANT_NSTEPVAL", line, "llquantize( ) argument #5 (nsteps) must be positive");
        if (f > st ? f % st != 0 : st % f != 0) throw new DCompileException("D_LLQUANT_FACTORNSTEPS", line, "llquantize( ) argument #2 (factor) must evenly divide argument #5 (nsteps)");
        if (f == st || st % f == 0) { }
        double mag = Math.Pow(f.Value, hi.Value + 1);
        if (mag > long.MaxValue) throw new DCompileException("D_LLQUANT_MAGTOOBIG", line, "llquantize( ) factor (argument #2) raised to power of high magnitude (argument #4) plus 1 overflows 64-bits");
        if (args.Count == 6) { var ix = Gen(args[5]); if (!ix.IsLong) throw new DCompileException("D_AGG_SCALAR", line, "llquantize( ) argument #6 must be of scalar type"); incr = ix.E; }
        return new[] { f.Value, lo.Value, hi.Value, st.Value };
    }
}
