using System.Linq.Expressions;
using Illumos.Engine.Tracing;
using E = System.Linq.Expressions.Expression;

namespace Illumos.Engine.Languages.D;

public sealed partial class DCompiler
{
    private static readonly Dictionary<string, DType> Builtins = new(StringComparer.Ordinal)
    {
        ["arg0"] = DType.Named(DType.LongLong, "int64_t"), ["arg1"] = DType.Named(DType.LongLong, "int64_t"),
        ["arg2"] = DType.Named(DType.LongLong, "int64_t"), ["arg3"] = DType.Named(DType.LongLong, "int64_t"),
        ["arg4"] = DType.Named(DType.LongLong, "int64_t"), ["arg5"] = DType.Named(DType.LongLong, "int64_t"),
        ["arg6"] = DType.Named(DType.LongLong, "int64_t"), ["arg7"] = DType.Named(DType.LongLong, "int64_t"),
        ["arg8"] = DType.Named(DType.LongLong, "int64_t"), ["arg9"] = DType.Named(DType.LongLong, "int64_t"),
        ["timestamp"] = DType.Named(DType.ULongLong, "uint64_t"), ["vtimestamp"] = DType.Named(DType.ULongLong, "uint64_t"),
        ["walltimestamp"] = DType.Named(DType.LongLong, "int64_t"), ["epid"] = DType.Named(DType.UInt, "uint_t"),
        ["id"] = DType.Named(DType.UInt, "uint_t"), ["probeprov"] = DType.String, ["probemod"] = DType.String,
        ["probefunc"] = DType.String, ["probename"] = DType.String, ["pid"] = DType.Named(DType.Int, "pid_t"),
        ["ppid"] = DType.Named(DType.Int, "pid_t"), ["tid"] = DType.Named(DType.Int, "id_t"), ["uid"] = DType.Named(DType.UInt, "uid_t"),
        ["gid"] = DType.Named(DType.UInt, "gid_t"), ["cpu"] = DType.Named(DType.Int, "processorid_t"), ["errno"] = DType.Int,
        ["execname"] = DType.String, ["zonename"] = DType.String, ["curthread"] = DType.VoidPtr, ["ipl"] = DType.UInt,
        ["stackdepth"] = DType.UInt, ["ustackdepth"] = DType.UInt, ["caller"] = DType.Named(DType.ULong, "uintptr_t"),
        ["ucaller"] = DType.Named(DType.ULong, "uint64_t"), ["uregs"] = DType.Long, ["args"] = DType.LongLong,
    };

    private static DType? BuiltinVarType(string name) => Builtins.TryGetValue(name, out var t) ? t : null;

    private Ex GenBuiltin(string name, int line)
    {
        var t = Builtins[name];
        if (name.StartsWith("arg", StringComparison.Ordinal) && name.Length == 4 && char.IsAsciiDigit(name[3]))
            return new Ex(E.ArrayIndex(Fld(nameof(Frame.Args)), E.Constant(name[3] - '0')), t);
        E site = Fld(nameof(Frame.Site));
        E v = name switch
        {
            "timestamp" or "vtimestamp" => E.Call(M(nameof(RT.Timestamp)), F),
            "walltimestamp" => E.Call(Fld(nameof(Frame.R)), typeof(TraceRun).GetMethod(nameof(TraceRun.WallNow))!),
            "epid" => E.Convert(Fld(nameof(Frame.Epid)), typeof(long)),
            "id" => E.Convert(E.Property(site, nameof(ProbeSite.Id)), typeof(long)),
            "probeprov" => E.Property(site, nameof(ProbeSite.Provider)),
            "probemod" => E.Property(site, nameof(ProbeSite.Module)),
            "probefunc" => E.Property(site, nameof(ProbeSite.Function)),
            "probename" => E.Property(site, nameof(ProbeSite.Name)),
            "pid" => L(Environment.ProcessId),
            "ppid" => L(RT.ParentPid),
            "tid" => Fld(nameof(Frame.Tid)),
            "uid" or "gid" => L(RT.Uid),
            "cpu" or "errno" or "ipl" or "stackdepth" or "ustackdepth" or "caller" or "ucaller" or "curthread" => L(0),
            "execname" => E.Constant(RT.ExecName),
            "zonename" => E.Constant("global"),
            _ => throw new DCompileException("D_IDENT_UNDEF", line, $"failed to resolve {name}: Unknown variable name"),
        };
        return new Ex(v, t);
    }

    private Ex Gen(DExpr e, bool top = false)
    {
        switch (e)
        {
            case IntLit l:
            {
                var t = LitType(l.Type);
                return new Ex(L(t.Normalize((long)l.Value)), t, Const: t.Normalize((long)l.Value));
            }
            case StrLit s:
                return new Ex(E.Constant(s.Value), DType.String);
            case MacroExpr m:
                return GenMacro(m);
            case IdentExpr id:
                return GenIdent(id);
            case AggExpr ag:
            {
                if (!_aggs.TryGetValue(ag.Name, out var ai))
                    throw new DCompileException("D_IDENT_UNDEF", ag.Line, $"failed to resolve {ag.Name}: Unknown variable name");
                return new Ex(E.Constant(0L), DType.Agg, Agg: ai);
            }
            case MemberExpr me:
                return GenMember(me);
            case IndexExpr ix:
                return GenIndexLoad(ix);
            case BinaryExpr b:
                return GenBinary(b);
            case UnaryExpr u:
                return GenUnary(u);
            case PostfixExpr pf:
                return GenIncDec(pf.Operand, pf.Op, post: true, pf.Line);
            case AssignExpr a:
                if (a.Target is AggExpr || a.Target is IndexExpr { Target: AggExpr })
                    throw new DCompileException("D_AGG_SCALAR", a.Line, "aggregation assignment may only be used as a statement");
                return GenAssign(a);
            case TernaryExpr t:
                return GenTernary(t);
            case CallExpr c:
                return GenCall(c, top);
            case CastExpr c:
            {
                var ty = ResolveType(c.Type);
                var x = Gen(c.Operand);
                if (x.IsAction) throw new DCompileException("D_CAST_INVAL", c.Line, $"invalid cast expression: \"void\" to \"{ty.Name}\"");
                if (ty.IsVoid) return new Ex(E.Block(typeof(void), x.E), DType.Void);
                if (ty.IsLongBacked)
                {
                    if (!x.IsLong) throw new DCompileException("D_CAST_INVAL", c.Line, $"invalid cast expression: \"{x.T.Name}\" to \"{ty.Name}\"");
                    return new Ex(Norm(x.E, ty), ty, Const: x.Const is { } cv ? ty.Normalize(cv) : null);
                }
                if (ty.IsString && x.IsStr) return new Ex(x.E, ty);
                if (ty.IsStructLike && x.T.IsStructLike && ty.Name == x.T.Name) return new Ex(x.E, ty);
                if (ty.IsString && (IsCharArray(x.T) || IsCharPtr(x.T))) return AsStr(x);
                if (ty.IsString && x.IsLong) return new Ex(E.Call(M(nameof(RT.MString)), F, x.E, L(_opts.StrSize)), ty);
                throw new DCompileException("D_CAST_INVAL", c.Line, $"invalid cast expression: \"{x.T.Name}\" to \"{ty.Name}\"");
            }
            case SizeofExpr so:
            {
                long size;
                if (so.Type is not null)
                {
                    var st = ResolveType(so.Type);
                    if (st.IsVoid || (st.IsStructLike && !st.Complete)) throw new DCompileException("D_SIZEOF_TYPE", so.Line, "cannot apply sizeof to an operand of unknown size");
                    size = st.IsString ? _opts.StrSize : st.Size;
                }
                else
                {
                    var x = Gen(so.Operand!);
                    if (x.IsAction) throw new DCompileException("D_SIZEOF_TYPE", so.Line, "sizeof operator cannot be applied to a void expression");
                    size = so.Operand is StrLit sl ? sl.Value.Length + 1 : x.IsStr ? _opts.StrSize : x.T.Size;
                }
                return new Ex(L(size), DType.Named(DType.ULong, "size_t"), Const: size);
            }
            case StringofExpr sf:
            {
                var x = Gen(sf.Operand);
                if (x.IsAction || x.T.IsVoid) throw new DCompileException("D_STRINGOF_TYPE", sf.Line, "cannot apply stringof to a value of type void");
                x = AsStr(x);
                if (x.IsStr) return x;
                if (!x.T.IsScalar) throw new DCompileException("D_STRINGOF_TYPE", sf.Line, "stringof( ) operand must be an integer or string");
                return new Ex(E.Call(M(nameof(RT.IntString)), x.E, E.Constant(x.T.Signed)), DType.String);
            }
            case XlateExpr xe:
                return GenXlate(xe);
            case OffsetofExpr oo:
            {
                var ty = ResolveType(oo.Type);
                if (!ty.IsStructLike) throw new DCompileException("D_OFFSETOF_TYPE", oo.Line, "offsetof operand must be a struct or union type");
                var m = ty.Members?.FirstOrDefault(mm => mm.Name == oo.Member)
                    ?? throw new DCompileException("D_UNKNOWN", oo.Line, $"failed to determine offset of {oo.Member}: Member name not found");
                if (m.BitWidth >= 0) throw new DCompileException("D_OFFSETOF_BITFIELD", oo.Line, $"cannot take offset of a bit-field: {oo.Member}");
                return new Ex(L(m.Offset), DType.Named(DType.ULong, "size_t"), Const: m.Offset);
            }
        }
        throw new DCompileException("D_SYNTAX", e.Line, "unsupported expression");
    }

    private static DType LitType(string t) => t switch
    {
        "char" => DType.Char,
        "int" => DType.Int,
        "unsigned int" => DType.UInt,
        "long" => DType.Long,
        "unsigned long" => DType.ULong,
        "long long" => DType.LongLong,
        _ => DType.ULongLong,
    };

    private Ex GenMacro(MacroExpr m)
    {
        string n = m.Name;
        bool str = n.StartsWith("$$", StringComparison.Ordinal);
        string key = n.TrimStart('$');
        if (key.Length > 0 && key.All(char.IsAsciiDigit))
        {
            int i = int.Parse(key, System.Globalization.CultureInfo.InvariantCulture);
            string? val = i == 0 ? _o.ScriptName : i <= _o.MacroArgs.Count ? _o.MacroArgs[i - 1] : null;
            if (val is null)
                throw new DCompileException("D_MACRO_UNDEF", m.Line, $"macro argument {n} is not defined");
            if (str || i == 0) return new Ex(E.Constant(val), DType.String);
            if (TryParseInt(val, out var iv)) return new Ex(L(iv), iv is >= int.MinValue and <= int.MaxValue ? DType.Int : DType.Long, Const: iv);
            throw new DCompileException("D_MACRO_UNUSED", m.Line, $"macro argument {n} is not an integer constant: {val}");
        }
        long? v = key switch
        {
            "pid" or "target" => Environment.ProcessId,
            "ppid" => RT.ParentPid,
            "uid" or "gid" or "euid" or "egid" => RT.Uid,
            "pgid" or "sid" => Environment.ProcessId,
            "projid" or "taskid" => 0,
            _ => null,
        };
        if (v is null) throw new DCompileException("D_MACRO_UNDEF", m.Line, $"macro variable {n} is not defined");
        if (str) return new Ex(E.Constant(v.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)), DType.String);
        return new Ex(L(v.Value), DType.Int, Const: v.Value);
    }

    private static bool TryParseInt(string s, out long v)
    {
        v = 0;
        s = s.Trim();
        bool neg = s.StartsWith('-');
        if (neg) s = s[1..];
        try
        {
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) v = (long)Convert.ToUInt64(s[2..], 16);
            else if (s.Length > 1 && s.StartsWith('0')) v = (long)Convert.ToUInt64(s[1..], 8);
            else if (s.Length > 0 && s.All(char.IsAsciiDigit)) v = (long)ulong.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
            else return false;
        }
        catch (FormatException) { return false; }
        catch (OverflowException) { return false; }
        if (neg) v = -v;
        return true;
    }

    private Ex GenIdent(IdentExpr id)
    {
        string n = id.Name;
        if (n is "self" or "this") throw new DCompileException("D_SYNTAX", id.Line, $"syntax error near \"{n}\"");
        if (_aliases.TryGetValue(n, out var alias)) return alias;
        if (Builtins.ContainsKey(n) && !_globals.ContainsKey(n))
        {
            if (n == "args") throw new DCompileException("D_ARGS_IDX", id.Line, "args[ ] must be indexed");
            return GenBuiltin(n, id.Line);
        }
        if (_enumConsts.TryGetValue(n, out var ec)) return new Ex(L(ec.Value), ec.Type, Const: ec.Value);
        if (_inlines.TryGetValue(n, out var inl))
        {
            var x = Gen(inl.Expr);
            if (inl.Type.IsLongBacked && x.IsLong) return new Ex(Norm(x.E, inl.Type), inl.Type, Const: x.Const is { } c ? inl.Type.Normalize(c) : null);
            return new Ex(x.E, inl.Type);
        }
        if (_globals.TryGetValue(n, out var v))
        {
            if (v.Kind == VarKind.Assoc) throw new DCompileException("D_ARR_INDEX", id.Line, $"associative array {n} must be indexed");
            return LoadScalar(v);
        }
        throw new DCompileException("D_IDENT_UNDEF", id.Line, $"failed to resolve {n}: Unknown variable name");
    }

    private long _arrayDimsCount(VarInfo v) => v.Slot >= 0 && v.Slot < _arrayDims.Count ? _arrayDims[v.Slot] : 0;

    private Ex LoadScalar(VarInfo v)
    {
        if (v.Static >= 0) return new Ex(StaticAddr(v.Static), v.Type);
        switch (v.Scope)
        {
            case VarScope.Global:
                return v.Type.IsString
                    ? new Ex(E.Coalesce(E.ArrayIndex(Fld(nameof(Frame.GS)), E.Constant(v.Slot)), E.Constant("")), v.Type)
                    : new Ex(E.ArrayIndex(Fld(nameof(Frame.GI)), E.Constant(v.Slot)), v.Type);
            case VarScope.Local:
                return v.Type.IsString
                    ? new Ex(E.Coalesce(E.ArrayIndex(Fld(nameof(Frame.LS)), E.Constant(v.Slot)), E.Constant("")), v.Type)
                    : new Ex(E.ArrayIndex(Fld(nameof(Frame.LI)), E.Constant(v.Slot)), v.Type);
            default:
                return v.Type.IsString
                    ? new Ex(E.Call(M(nameof(RT.TGetS)), F, E.Constant(v.Slot), E.Constant(null, typeof(object[]))), v.Type)
                    : new Ex(E.Call(M(nameof(RT.TGetL)), F, E.Constant(v.Slot), E.Constant(null, typeof(object[]))), v.Type);
        }
    }

    private E StoreScalar(VarInfo v, E value)
    {
        switch (v.Scope)
        {
            case VarScope.Global:
                return v.Type.IsString
                    ? E.Assign(E.ArrayAccess(Fld(nameof(Frame.GS)), E.Constant(v.Slot)), value)
                    : E.Assign(E.ArrayAccess(Fld(nameof(Frame.GI)), E.Constant(v.Slot)), value);
            case VarScope.Local:
                return v.Type.IsString
                    ? E.Assign(E.ArrayAccess(Fld(nameof(Frame.LS)), E.Constant(v.Slot)), value)
                    : E.Assign(E.ArrayAccess(Fld(nameof(Frame.LI)), E.Constant(v.Slot)), value);
            default:
                return v.Type.IsString
                    ? E.Call(M(nameof(RT.TSetS)), F, E.Constant(v.Slot), E.Constant(null, typeof(object[])), value)
                    : E.Call(M(nameof(RT.TSetL)), F, E.Constant(v.Slot), E.Constant(null, typeof(object[])), value);
        }
    }

    private (Dictionary<string, VarInfo> Table, VarScope Scope)? MemberScope(MemberExpr me)
    {
        if (me.Target is IdentExpr { Name: "self" } && me.Arrow) return (_thread, VarScope.Thread);
        if (me.Target is IdentExpr { Name: "this" } && me.Arrow) return (_locals, VarScope.Local);
        return null;
    }

    private Ex GenMember(MemberExpr me)
    {
        var sc = MemberScope(me);
        if (sc is null)
        {
            var p = TryPlace(me)!;
            return new Ex(LoadPlace(p), p.Type);
        }
        if (!sc.Value.Table.TryGetValue(me.Member, out var v))
        {
            // an undefined thread-local or clause-local reads as zero
            if (sc.Value.Scope == VarScope.Thread) return new Ex(L(0), DType.LongLong);
            throw new DCompileException("D_IDENT_UNDEF", me.Line, $"failed to resolve {(sc.Value.Scope == VarScope.Local ? "this->" : "self->")}{me.Member}: Unknown variable name");
        }
        if (v.Kind == VarKind.Assoc) throw new DCompileException("D_ARR_INDEX", me.Line, $"associative array {me.Member} must be indexed");
        return LoadScalar(v);
    }

    // ---- associative arrays and indexed loads

    private E KeyArray(List<DExpr> keys, out DType[] types, int line)
    {
        var items = new List<E>();
        var ts = new List<DType>();
        foreach (var k in keys)
        {
            var x = Gen(k);
            if (x.IsAction || x.T.Kind is DKind.Agg or DKind.Void)
                throw new DCompileException("D_KEY_TYPE", line, $"{(x.T.Kind == DKind.Agg ? "aggregation" : "void")} cannot be used as a key");
            if (x.T.IsStructLike) throw new DCompileException("D_KEY_TYPE", line, "struct cannot be used as a key");
            items.Add(Box(x));
            ts.Add(x.T);
        }
        types = ts.ToArray();
        return E.NewArrayInit(typeof(object), items);
    }

    private Ex GenIndexLoad(IndexExpr ix)
    {
        if (ix.Index.Count == 1 && !IsAssocOrSpecial(ix.Target))
        {
            var p = TryPlace(ix);
            if (p is not null) return new Ex(LoadPlace(p), p.Type);
        }
        if (ix.Target is AggExpr ag)
        {
            if (!_aggs.ContainsKey(ag.Name)) throw new DCompileException("D_IDENT_UNDEF", ix.Line, $"failed to resolve {ag.Name}: Unknown variable name");
            throw new DCompileException("D_AGG_NULL", ix.Line, "expression has null effect");
        }
        if (ix.Target is IdentExpr { Name: "args" } && !_globals.ContainsKey("args"))
        {
            if (ix.Index.Count != 1) throw new DCompileException("D_ARGS_IDX", ix.Line, "args[ ] may not be referenced because probe description matches an unstable set of probes");
            var ie = Gen(ix.Index[0]);
            if (ie.Const is { } ci && (ci < 0 || ci > 9)) throw new DCompileException("D_ARGS_IDX", ix.Line, $"index {ci} is out of range for args[ ]");
            if (ie.Const is { } si && ArgIsString(si)) return new Ex(E.Call(M(nameof(RT.ArgStr)), F, ie.E), DType.String);
            return new Ex(E.Call(M(nameof(RT.Arg)), F, ie.E), DType.Named(DType.LongLong, "int64_t"));
        }
        if (ix.Target is IdentExpr gid)
        {
            if (_globals.TryGetValue(gid.Name, out var v))
            {
                if (v.Kind == VarKind.Assoc) return AssocLoad(v, ix);
                var t = LoadScalar(v);
                if (t.IsStr && ix.Index.Count == 1)
                    return new Ex(E.Call(M(nameof(RT.StrIndex)), t.E, Gen(ix.Index[0]).E), DType.Char);
                throw new DCompileException("D_OP_ARRPTR", ix.Line, $"operator [ ] may not be applied to a scalar of type {t.T.Name}");
            }
            if (Builtins.ContainsKey(gid.Name)) { var t = GenBuiltin(gid.Name, gid.Line); throw new DCompileException("D_OP_ARRPTR", ix.Line, $"operator [ ] may not be applied to a scalar of type {t.T.Name}"); }
            throw new DCompileException("D_IDENT_UNDEF", ix.Line, $"failed to resolve {gid.Name}: Unknown variable name");
        }
        if (ix.Target is MemberExpr me0 && MemberScope(me0) is { } sc0 && sc0.Table.TryGetValue(me0.Member, out var sv)
            && sv.Kind == VarKind.Scalar && sv.Type.IsString && ix.Index.Count == 1)
            return new Ex(E.Call(M(nameof(RT.StrIndex)), LoadScalar(sv).E, Gen(ix.Index[0]).E), DType.Char);
        if (ix.Target is MemberExpr me && MemberScope(me) is { } sc)
        {
            if (sc.Scope == VarScope.Local) throw new DCompileException("D_ARR_LOCAL", ix.Line, "local variables may not be used as associative arrays");
            if (sc.Table.TryGetValue(me.Member, out var v))
            {
                if (v.Kind != VarKind.Assoc) throw new DCompileException("D_OP_ARRPTR", ix.Line, $"operator [ ] may not be applied to a scalar of type {v.Type.Name}");
                return AssocLoad(v, ix);
            }
            KeyArray(ix.Index, out _, ix.Line);
            return new Ex(L(0), DType.LongLong);
        }
        var target = Gen(ix.Target);
        if (target.IsStr)
        {
            var ie = Gen(ix.Index[0]);
            return new Ex(E.Call(M(nameof(RT.StrIndex)), target.E, ie.E), DType.Char);
        }
        throw new DCompileException("D_OP_ARRPTR", ix.Line, $"operator [ ] may not be applied to a scalar of type {target.T.Name}");
    }

    private Ex ArrayLoad(VarInfo v, IndexExpr ix)
    {
        if (ix.Index.Count != 1) throw new DCompileException("D_ARR_BADREF", ix.Line, "array subscript must have one index");
        var i = Gen(ix.Index[0]);
        long n = _arrayDims[v.Slot];
        if (i.Const is { } c && (c < 0 || c >= n))
            throw new DCompileException("D_ARR_BOUNDS", ix.Line, $"index outside array bounds: {c}, max is {n}");
        var arr = E.ArrayIndex(Fld(nameof(Frame.GArr)), E.Constant(v.Slot));
        return new Ex(E.Call(M(nameof(RT.ArrGet)), arr, i.E), v.Type);
    }

    private void CheckKeys(VarInfo v, DType[] kt, int line)
    {
        if (v.Keys is null) { v.Keys = kt; return; }
        if (v.Keys.Length != kt.Length)
            throw new DCompileException("D_ARR_BADREF", line, $"{v.Name}[ ] prototype mismatch: {kt.Length} args passed, {v.Keys.Length} expected");
        for (int i = 0; i < kt.Length; i++)
        {
            if (v.Keys[i].IsString != kt[i].IsString)
                throw new DCompileException("D_ARR_BADREF", line, $"{v.Name}[ ] argument #{i + 1} is incompatible with prototype:\n\tprototype: {v.Keys[i].Name}\n\t argument: {kt[i].Name}");
        }
    }

    private Ex AssocLoad(VarInfo v, IndexExpr ix)
    {
        var keys = KeyArray(ix.Index, out var kt, ix.Line);
        CheckKeys(v, kt, ix.Line);
        if (v.Scope == VarScope.Thread)
            return v.Type.IsString
                ? new Ex(E.Call(M(nameof(RT.TGetS)), F, E.Constant(v.Slot), keys), v.Type)
                : new Ex(E.Call(M(nameof(RT.TGetL)), F, E.Constant(v.Slot), keys), v.Type);
        var dict = E.ArrayIndex(Fld(nameof(Frame.GA)), E.Constant(v.Slot));
        return v.Type.IsString
            ? new Ex(E.Call(M(nameof(RT.AGetS)), dict, keys), v.Type)
            : new Ex(E.Call(M(nameof(RT.AGetL)), dict, keys), v.Type);
    }

    // ---- lvalues

    /// <summary>Resolves an assignable location; creates the variable (typed by <paramref name="newType"/>) when allowed.</summary>
    private (Func<E> Load, Func<E, E> Store, DType Type)? LValue(DExpr target, DType? newType, string op, int line)
    {
        bool placeLike = target switch
        {
            MemberExpr me => MemberScope(me) is null,
            IndexExpr ix => ix.Index.Count == 1 && !IsAssocOrSpecial(ix.Target),
            UnaryExpr { Op: "*" } => true,
            _ => false,
        };
        if (placeLike)
        {
            var p = TryPlace(target);
            if (p is null) return null;
            if (p.Type.Kind == DKind.Array && !IsCharArray(p.Type)) throw new DCompileException("D_OP_LVAL", line, $"operator {op} requires modifiable lvalue");
            var tmpAddr = p;
            return (() => LoadPlace(tmpAddr), val => StorePlace(tmpAddr, val), p.Type);
        }
        switch (target)
        {
            case IdentExpr id:
            {
                if (id.Name is "self" or "this") return null;
                if (Builtins.ContainsKey(id.Name) && !_globals.ContainsKey(id.Name))
                    throw new DCompileException("D_VAR_UNSUP", line, $"cannot modify built-in variable {id.Name}");
                if (_enumConsts.ContainsKey(id.Name) || _inlines.ContainsKey(id.Name))
                    throw new DCompileException("D_OP_LVAL", line, $"operator {op} requires modifiable lvalue");
                if (!_globals.TryGetValue(id.Name, out var v))
                {
                    if (newType is null) throw new DCompileException("D_VAR_UNDEF", line, $"{id.Name} has not yet been declared or assigned");
                    v = new VarInfo { Name = id.Name, Scope = VarScope.Global, Type = newType };
                    _globals[id.Name] = v;
                    AllocSlot(v);
                }
                if (v.Kind != VarKind.Scalar) throw new DCompileException("D_OP_LVAL", line, $"operator {op} requires modifiable lvalue");
                var vv = v;
                if (v.Static >= 0)
                {
                    var pl = new Place(StaticAddr(v.Static), v.Type);
                    return (() => LoadPlace(pl), val => StorePlace(pl, val), v.Type);
                }
                return (() => LoadScalar(vv).E, val => StoreScalar(vv, val), v.Type);
            }
            case MemberExpr me when MemberScope(me) is { } sc:
            {
                if (!sc.Table.TryGetValue(me.Member, out var v))
                {
                    if (newType is null && sc.Scope == VarScope.Local) throw new DCompileException("D_VAR_UNDEF", line, $"this->{me.Member} has not yet been declared or assigned");
                    v = new VarInfo { Name = me.Member, Scope = sc.Scope, Type = newType ?? DType.LongLong };
                    sc.Table[me.Member] = v;
                    AllocSlot(v);
                }
                if (v.Kind != VarKind.Scalar) throw new DCompileException("D_OP_LVAL", line, $"operator {op} requires modifiable lvalue");
                var vv = v;
                if (v.Static >= 0)
                {
                    var pl = new Place(StaticAddr(v.Static), v.Type);
                    return (() => LoadPlace(pl), val => StorePlace(pl, val), v.Type);
                }
                return (() => LoadScalar(vv).E, val => StoreScalar(vv, val), v.Type);
            }
            case IndexExpr ix when ix.Target is IdentExpr gid && !(gid.Name == "args" && !_globals.ContainsKey("args")):
            {
                if (Builtins.ContainsKey(gid.Name) && !_globals.ContainsKey(gid.Name))
                    throw new DCompileException("D_VAR_UNSUP", line, $"cannot modify built-in variable {gid.Name}");
                if (!_globals.TryGetValue(gid.Name, out var v))
                {
                    var keysProbe = KeyArray(ix.Index, out var kt0, line);
                    _ = keysProbe;
                    v = new VarInfo { Name = gid.Name, Scope = VarScope.Global, Kind = VarKind.Assoc, Type = newType ?? DType.LongLong, Keys = kt0 };
                    _globals[gid.Name] = v;
                    AllocSlot(v);
                }
                if (v.Kind == VarKind.Scalar) throw new DCompileException("D_OP_ARRPTR", line, $"operator [ ] may not be applied to a scalar of type {v.Type.Name}");
                if (v.Kind == VarKind.Array)
                {
                    if (ix.Index.Count != 1) throw new DCompileException("D_ARR_BADREF", line, "array subscript must have one index");
                    var i = Gen(ix.Index[0]);
                    long n = _arrayDims[v.Slot];
                    if (i.Const is { } c && (c < 0 || c >= n))
                        throw new DCompileException("D_ARR_BOUNDS", line, $"index outside array bounds: {c}, max is {n}");
                    var tmp = E.Variable(typeof(long), "ix");
                    var arr = E.ArrayIndex(Fld(nameof(Frame.GArr)), E.Constant(v.Slot));
                    var vv0 = v;
                    return (() => E.Call(M(nameof(RT.ArrGet)), arr, i.E), val => E.Call(M(nameof(RT.ArrSet)), arr, i.E, val), vv0.Type);
                }
                var keys = KeyArray(ix.Index, out var kt, line);
                CheckKeys(v, kt, line);
                var keyVar = E.Variable(typeof(object[]), "k");
                var dict = E.ArrayIndex(Fld(nameof(Frame.GA)), E.Constant(v.Slot));
                var vv = v;
                // the key array is evaluated once per access
                return (() => vv.Type.IsString ? E.Call(M(nameof(RT.AGetS)), dict, keys) : E.Call(M(nameof(RT.AGetL)), dict, keys),
                        val => vv.Type.IsString ? E.Call(M(nameof(RT.ASetS)), dict, keys, val) : E.Call(M(nameof(RT.ASetL)), dict, keys, val),
                        vv.Type);
            }
            case IndexExpr ix when ix.Target is MemberExpr me && MemberScope(me) is { } sc:
            {
                if (sc.Scope == VarScope.Local) throw new DCompileException("D_ARR_LOCAL", line, "local variables may not be used as associative arrays");
                var keys = KeyArray(ix.Index, out var kt, line);
                if (!sc.Table.TryGetValue(me.Member, out var v))
                {
                    v = new VarInfo { Name = me.Member, Scope = VarScope.Thread, Kind = VarKind.Assoc, Type = newType ?? DType.LongLong, Keys = kt };
                    sc.Table[me.Member] = v;
                    AllocSlot(v);
                }
                if (v.Kind != VarKind.Assoc) throw new DCompileException("D_OP_ARRPTR", line, $"operator [ ] may not be applied to a scalar of type {v.Type.Name}");
                CheckKeys(v, kt, line);
                var vv = v;
                return (() => vv.Type.IsString ? E.Call(M(nameof(RT.TGetS)), F, E.Constant(vv.Slot), keys) : E.Call(M(nameof(RT.TGetL)), F, E.Constant(vv.Slot), keys),
                        val => vv.Type.IsString ? E.Call(M(nameof(RT.TSetS)), F, E.Constant(vv.Slot), keys, val) : E.Call(M(nameof(RT.TSetL)), F, E.Constant(vv.Slot), keys, val),
                        vv.Type);
            }
        }
        return null;
    }

    private static bool Compatible(DType lhs, Ex rhs)
    {
        if (rhs.IsAction || rhs.T.IsVoid) return false;
        if (lhs.IsString) return rhs.IsStr || IsCharArray(rhs.T) || IsCharPtr(rhs.T);
        if (IsCharArray(lhs)) return rhs.IsStr || IsCharArray(rhs.T);
        if (lhs.Kind == DKind.Pointer) return rhs.IsLong || rhs.T.Kind == DKind.Array;
        if (lhs.IsLongBacked) return rhs.IsLong;
        if (lhs.IsStructLike) return rhs.T.IsStructLike && rhs.T.Name == lhs.Name;
        return lhs.Name == rhs.T.Name;
    }

    private static DType StorageTypeFor(Ex rhs) => IsCharArray(rhs.T) ? DType.String : rhs.T;

    private Ex GenAssign(AssignExpr a)
    {
        if (a.Op == "=")
        {
            // the right side is checked first for new variables so its type can be used
            var rhs = Gen(a.Value);
            if (rhs.IsAction || rhs.T.IsVoid)
            {
                var lvx = LValue(a.Target, null, "=", a.Line) ;
                string ln = lvx?.Type.Name ?? "int";
                throw new DCompileException("D_OP_INCOMPAT", a.Line, $"operands have incompatible types: \"{ln}\" = \"void\"");
            }
            if (rhs.T.Kind == DKind.Agg) throw new DCompileException("D_AGG_SCALAR", a.Line, "aggregation may not be used as a scalar");
            var lv = LValue(a.Target, StorageTypeFor(rhs), "=", a.Line) ?? throw new DCompileException("D_OP_LVAL", a.Line, "operator = requires modifiable lvalue");
            if (!Compatible(lv.Type, rhs))
                throw new DCompileException("D_OP_INCOMPAT", a.Line, $"operands have incompatible types: \"{lv.Type.Name}\" = \"{TypeName(rhs)}\"");
            if (lv.Type.IsString || IsCharArray(lv.Type)) rhs = AsStr(rhs);
            var tmp = E.Variable(rhs.IsStr ? typeof(string) : typeof(long), "v");
            E value = rhs.IsStr ? E.Call(M(nameof(RT.Trunc)), F, rhs.E) : rhs.E;
            return new Ex(E.Block(new[] { tmp }, E.Assign(tmp, value), E.Block(typeof(void), lv.Store(tmp)), tmp), lv.Type);
        }
        else
        {
            var lv = LValue(a.Target, null, a.Op, a.Line) ?? throw new DCompileException("D_OP_LVAL", a.Line, $"operator {a.Op} requires modifiable lvalue");
            var rhs = Gen(a.Value);
            if (lv.Type.IsString || !rhs.IsLong)
                throw new DCompileException("D_OP_INCOMPAT", a.Line, $"operands have incompatible types: \"{lv.Type.Name}\" {a.Op} \"{TypeName(rhs)}\"");
            string op = a.Op[..^1];
            var cur = new Ex(lv.Load(), lv.Type);
            var res = Arith(op, cur, rhs, a.Line, null);
            var tmp = E.Variable(typeof(long), "v");
            return new Ex(E.Block(new[] { tmp }, E.Assign(tmp, res.E), E.Block(typeof(void), lv.Store(tmp)), tmp), lv.Type);
        }
    }

    private Ex GenIncDec(DExpr target, string op, bool post, int line)
    {
        var lv = LValue(target, DType.Named(DType.LongLong, "int64_t"), op, line);
        if (lv is null)
        {
            var x = Gen(target);
            throw new DCompileException("D_OP_LVAL", line, $"operator {op} requires modifiable lvalue");
        }
        if (!lv.Value.Type.IsScalar) throw new DCompileException("D_OP_SCALAR", line, $"operator {op} requires operand of scalar type");
        var t = lv.Value.Type;
        long step = t.Kind == DKind.Pointer ? Math.Max(1, t.Elem!.Size) : 1;
        var old = E.Variable(typeof(long), "old");
        var nw = E.Variable(typeof(long), "new");
        var body = E.Block(new[] { old, nw },
            E.Assign(old, lv.Value.Load()),
            E.Assign(nw, op == "++" ? E.Add(old, L(step)) : E.Subtract(old, L(step))),
            E.Block(typeof(void), lv.Value.Store(nw)),
            post ? old : nw);
        return new Ex(body, t);
    }

    // ---- operators

    private Ex GenTernary(TernaryExpr t)
    {
        var c = Gen(t.Cond);
        if (c.IsAction) throw new DCompileException("D_OP_ACT", t.Line, "action cannot be used in a conditional context");
        if (!c.T.IsScalar && !c.IsStr) throw new DCompileException("D_OP_SCALAR", t.Line, "operator ?: expression must be of scalar type");
        if (c.IsStr) throw new DCompileException("D_OP_SCALAR", t.Line, "operator ?: expression must be of scalar type");
        var a = Gen(t.Then);
        var b = Gen(t.Else);
        if (a.IsAction || b.IsAction) throw new DCompileException("D_OP_ACT", t.Line, "action cannot be used in a conditional context");
        if (a.IsStr && b.IsStr) return new Ex(E.Condition(Truth(c), a.E, b.E), DType.String);
        if (a.IsLong && b.IsLong)
        {
            var rt = a.T.Kind == DKind.Pointer ? a.T : b.T.Kind == DKind.Pointer ? b.T : DType.Promote(a.T, b.T);
            long? cv = c.Const is { } cc && a.Const is { } ac && b.Const is { } bc ? (cc != 0 ? ac : bc) : null;
            return new Ex(E.Condition(Truth(c), a.E, b.E), rt, Const: cv);
        }
        throw new DCompileException("D_OP_INCOMPAT", t.Line, $"operator ?: operands must have compatible types: \"{TypeName(a)}\" and \"{TypeName(b)}\"");
    }

    private Ex GenUnary(UnaryExpr u)
    {
        if (u.Op is "++" or "--") return GenIncDec(u.Operand, u.Op, post: false, u.Line);
        if (u.Op == "&") return GenAddrOf(u);
        if (u.Op == "*")
        {
            var p = TryPlace(u)!;
            return new Ex(LoadPlace(p), p.Type);
        }
        var x = Gen(u.Operand);
        switch (u.Op)
        {
            case "-":
            case "+":
                if (!x.T.IsArith || x.IsAction) throw new DCompileException("D_OP_ARITH", u.Line, $"operator {u.Op} requires an operand of arithmetic type");
                {
                    var rt = x.T.Size < 4 ? DType.Int : x.T;
                    if (u.Op == "+") return new Ex(x.E, rt, Const: x.Const);
                    return new Ex(E.Negate(x.E), rt, Const: x.Const is { } c ? -c : null);
                }
            case "~":
                if (!x.T.IsInteger || x.IsAction) throw new DCompileException("D_OP_INT", u.Line, "operator ~ requires an operand of integral type");
                {
                    var rt = x.T.Size < 4 ? DType.Int : x.T;
                    return new Ex(Norm(E.Not(x.E), rt), rt, Const: x.Const is { } c ? rt.Normalize(~c) : null);
                }
            case "!":
                if (x.IsAction || (!x.T.IsScalar && !x.IsStr)) throw new DCompileException("D_OP_SCALAR", u.Line, "operator ! requires an operand of scalar type");
                return new Ex(E.Condition(Truth(x), L(0), L(1)), DType.Int, Const: x.Const is { } c2 ? (c2 == 0 ? 1 : 0) : null);
            case "*":
                if (x.T.Kind != DKind.Pointer) throw new DCompileException("D_DEREF_NONPTR", u.Line, "cannot dereference non-pointer type");
                if (x.T.Elem!.IsVoid) throw new DCompileException("D_DEREF_VOID", u.Line, "cannot dereference pointer to void");
                return new Ex(E.Call(M(nameof(RT.Deref)), x.E), x.T.Elem!.IsLongBacked ? x.T.Elem : DType.LongLong);
            case "&":
                throw new DCompileException("D_ADDROF_LVAL", u.Line, "unacceptable operand for unary & operator");
        }
        throw new DCompileException("D_SYNTAX", u.Line, $"syntax error near \"{u.Op}\"");
    }

    private Ex GenBinary(BinaryExpr b)
    {
        if (b.Op == ",")
        {
            var l0 = Gen(b.Left);
            var r0 = Gen(b.Right);
            return new Ex(E.Block(l0.E.Type == typeof(void) ? l0.E : E.Block(typeof(void), l0.E), r0.E), r0.T, r0.IsAction);
        }
        var l = Gen(b.Left);
        var r = Gen(b.Right);
        switch (b.Op)
        {
            case "&&":
            case "||":
            case "^^":
            {
                if (l.IsAction || r.IsAction || (!l.T.IsScalar && !l.IsStr) || (!r.T.IsScalar && !r.IsStr))
                    throw new DCompileException("D_OP_SCALAR", b.Line, $"operator {b.Op} requires operands of scalar type");
                E res = b.Op switch
                {
                    "&&" => E.AndAlso(Truth(l), Truth(r)),
                    "||" => E.OrElse(Truth(l), Truth(r)),
                    _ => E.NotEqual(Truth(l), Truth(r)),
                };
                long? cv = l.Const is { } lc && r.Const is { } rc ? (b.Op == "&&" ? (lc != 0 && rc != 0 ? 1 : 0) : b.Op == "||" ? (lc != 0 || rc != 0 ? 1 : 0) : ((lc != 0) ^ (rc != 0) ? 1 : 0)) : null;
                return new Ex(E.Condition(res, L(1), L(0)), DType.Int, Const: cv);
            }
            case "==":
            case "!=":
            case "<":
            case ">":
            case "<=":
            case ">=":
                return Compare(b.Op, l, r, b.Line);
        }
        return Arith(b.Op, l, r, b.Line, b);
    }

    private Ex Compare(string op, Ex l, Ex r, int line)
    {
        if (l.IsStr || r.IsStr) { l = AsStr(l); r = AsStr(r); }
        if (op is "==" or "!=" && (l.IsStr ^ r.IsStr) && (l.IsStr ? r : l) is { IsLong: true } other && other.Const == 0)
        {
            var str = l.IsStr ? l : r;
            E isNull = E.ReferenceEqual(str.E, E.Constant(null, typeof(string)));
            return new Ex(E.Condition(op == "==" ? isNull : E.Not(isNull), L(1), L(0)), DType.Int);
        }
        if (l.IsAction || r.IsAction)
            throw new DCompileException("D_OP_SCALAR", line, $"operator {op} requires operands of scalar type");
        E res;
        if (l.IsStr && r.IsStr)
        {
            var cmp = E.Call(typeof(string).GetMethod(nameof(string.CompareOrdinal), new[] { typeof(string), typeof(string) })!, l.E, r.E);
            res = Cmp(op, cmp, E.Constant(0));
        }
        else if ((l.IsStr && r.T.Kind == DKind.Pointer) || (r.IsStr && l.T.Kind == DKind.Pointer))
        {
            E PtrStr(Ex p) => E.Condition(E.Equal(p.E, L(0)), E.Constant(null, typeof(string)), E.Call(M(nameof(RT.MString)), F, p.E, L(_opts.StrSize)));
            var ls = l.IsStr ? l.E : PtrStr(l);
            var rs = r.IsStr ? r.E : PtrStr(r);
            var cmp = E.Call(typeof(string).GetMethod(nameof(string.CompareOrdinal), new[] { typeof(string), typeof(string) })!, ls, rs);
            res = Cmp(op, cmp, E.Constant(0));
        }
        else if (l.IsStr || r.IsStr)
        {
            // a string compared with an integer constant zero (e.g. NULL) is allowed in D only for pointers
            throw new DCompileException("D_OP_INCOMPAT", line, $"operands have incompatible types: \"{TypeName(l)}\" {op} \"{TypeName(r)}\"");
        }
        else if (l.IsLong && r.IsLong)
        {
            var pt = DType.Promote(l.T.Kind == DKind.Pointer ? DType.ULong : l.T, r.T.Kind == DKind.Pointer ? DType.ULong : r.T);
            if (!pt.Signed) res = Cmp(op, E.Convert(l.E, typeof(ulong)), E.Convert(r.E, typeof(ulong)));
            else res = Cmp(op, l.E, r.E);
        }
        else throw new DCompileException("D_OP_INCOMPAT", line, $"operands have incompatible types: \"{TypeName(l)}\" {op} \"{TypeName(r)}\"");
        long? cv = null;
        if (l.Const is { } a && r.Const is { } c)
            cv = op switch { "==" => a == c ? 1 : 0, "!=" => a != c ? 1 : 0, "<" => a < c ? 1 : 0, ">" => a > c ? 1 : 0, "<=" => a <= c ? 1 : 0, _ => a >= c ? 1 : 0 };
        return new Ex(E.Condition(res, L(1), L(0)), DType.Int, Const: cv);
    }

    private static E Cmp(string op, E a, E b) => op switch
    {
        "==" => E.Equal(a, b),
        "!=" => E.NotEqual(a, b),
        "<" => E.LessThan(a, b),
        ">" => E.GreaterThan(a, b),
        "<=" => E.LessThanOrEqual(a, b),
        _ => E.GreaterThanOrEqual(a, b),
    };

    private Ex Arith(string op, Ex l, Ex r, int line, BinaryExpr? node)
    {
        bool integral = op is "<<" or ">>" or "&" or "|" or "^";
        if (integral)
        {
            if (!l.T.IsInteger || !r.T.IsInteger || l.IsAction || r.IsAction)
                throw new DCompileException("D_OP_INT", line, $"operator {op} requires operands of integral type");
        }
        else if (op is "+" or "-" && (l.T.Kind == DKind.Pointer || r.T.Kind == DKind.Pointer))
        {
            var pt = l.T.Kind == DKind.Pointer ? l : r;
            if (pt.T.Elem!.IsVoid || (l.T.Kind == DKind.Pointer && r.T.Kind == DKind.Pointer && op == "+") || !l.IsLong || !r.IsLong)
                throw new DCompileException("D_OP_INCOMPAT", line, $"operands have incompatible types: \"{TypeName(l)}\" {op} \"{TypeName(r)}\"");
            long sz = Math.Max(1, pt.T.Elem!.Size);
            if (l.T.Kind == DKind.Pointer && r.T.Kind == DKind.Pointer)
                return new Ex(E.Divide(E.Subtract(l.E, r.E), L(sz)), DType.Long);
            var other = ReferenceEquals(pt.E, l.E) ? r : l;
            var scaled = E.Multiply(other.E, L(sz));
            return new Ex(op == "+" ? E.Add(pt.E, scaled) : E.Subtract(pt.E, scaled), pt.T);
        }
        else if (!l.T.IsArith || !r.T.IsArith || l.IsAction || r.IsAction)
        {
            if (l.IsStr || r.IsStr || l.IsAction || r.IsAction || l.T.Kind == DKind.Agg || r.T.Kind == DKind.Agg)
            {
                if (l.IsLong || l.IsStr) throw new DCompileException("D_OP_ARITH", line, $"operator {op} requires operands of arithmetic type");
            }
            throw new DCompileException("D_OP_ARITH", line, $"operator {op} requires operands of arithmetic type");
        }
        var t = op is "<<" or ">>" ? (l.T.Size < 4 ? DType.Int : l.T) : DType.Promote(l.T, r.T);
        bool uns = !t.Signed;
        if (op is "/" or "%" && r.Const == 0) throw DivZero((DNode?)node ?? new IntLit { Line = line });
        E res = op switch
        {
            "+" => E.Add(l.E, r.E),
            "-" => E.Subtract(l.E, r.E),
            "*" => E.Multiply(l.E, r.E),
            "/" => E.Call(M(nameof(RT.Div)), l.E, r.E, E.Constant(uns && t.Size == 8)),
            "%" => E.Call(M(nameof(RT.Mod)), l.E, r.E, E.Constant(uns && t.Size == 8)),
            "&" => E.And(l.E, r.E),
            "|" => E.Or(l.E, r.E),
            "^" => E.ExclusiveOr(l.E, r.E),
            "<<" => E.LeftShift(l.E, E.Convert(E.And(r.E, L(63)), typeof(int))),
            ">>" => uns ? E.Convert(E.RightShift(E.Convert(l.E, typeof(ulong)), E.Convert(E.And(r.E, L(63)), typeof(int))), typeof(long))
                        : E.RightShift(l.E, E.Convert(E.And(r.E, L(63)), typeof(int))),
            _ => throw new DCompileException("D_SYNTAX", line, $"syntax error near \"{op}\""),
        };
        long? cv = null;
        if (l.Const is { } a && r.Const is { } c)
        {
            cv = op switch
            {
                "+" => a + c, "-" => a - c, "*" => a * c,
                "/" => uns && t.Size == 8 ? (long)((ulong)a / (ulong)c) : a / c,
                "%" => uns && t.Size == 8 ? (long)((ulong)a % (ulong)c) : a % c,
                "&" => a & c, "|" => a | c, "^" => a ^ c, "<<" => a << (int)(c & 63),
                ">>" => uns ? (long)((ulong)a >> (int)(c & 63)) : a >> (int)(c & 63),
                _ => null,
            };
        }
        return new Ex(res, t, Const: cv);
    }
}
