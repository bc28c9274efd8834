using Illumos.Engine.Tracing;
using E = System.Linq.Expressions.Expression;

namespace Illumos.Engine.Languages.D;

/// <summary>A location in D memory: its address expression and the type stored there.</summary>
internal sealed record Place(E Addr, DType Type, DMember? Bits = null);

public sealed partial class DCompiler
{
    private readonly List<long> _statics = new();

    private static bool IsMemoryType(DType t) => t.Kind is DKind.Struct or DKind.Union or DKind.Array;

    private int AllocStatic(DType t, bool storage = true)
    {
        // extern variables name kernel symbols: no storage here, so any access faults
        _statics.Add(storage ? Math.Max(1, t.Size) : 0);
        return _statics.Count - 1;
    }

    private E StaticAddr(int idx) => E.ArrayIndex(Fld(nameof(Frame.Statics)), E.Constant(idx));

    private static bool IsCharArray(DType t) => t.Kind == DKind.Array && t.Elem is { Kind: DKind.Int, Size: 1 };
    private static bool IsCharPtr(DType t) => t.Kind == DKind.Pointer && t.Elem is { Kind: DKind.Int, Size: 1 };

    /// <summary>Converts char arrays and char pointers to strings where a string is wanted.</summary>
    private Ex AsStr(Ex x)
    {
        if (IsCharArray(x.T)) return new Ex(E.Call(M(nameof(RT.MString)), F, x.E, L(x.T.Count)), DType.String);
        if (IsCharPtr(x.T) && x.Const is null) return new Ex(E.Call(M(nameof(RT.MString)), F, x.E, L(_opts.StrSize)), DType.String);
        return x;
    }

    private E LoadPlace(Place p)
    {
        var t = p.Type;
        if (IsMemoryType(t)) return p.Addr;
        if (t.IsString) return E.Call(M(nameof(RT.MString)), F, p.Addr, L(_opts.StrSize));
        if (p.Bits is { BitWidth: >= 0 } b)
            return E.Call(M(nameof(RT.LoadBits)), F, p.Addr, E.Constant(t.Size), E.Constant(b.BitOffset), E.Constant(b.BitWidth), E.Constant(t.Signed));
        return E.Call(M(nameof(RT.MLoad)), F, p.Addr, E.Constant(Math.Max(1, t.Size)), E.Constant(t.Signed));
    }

    private E StorePlace(Place p, E value)
    {
        var t = p.Type;
        if (t.IsStructLike) return E.Call(M(nameof(RT.MCopy)), F, p.Addr, value, L(t.Size));
        if (IsCharArray(t) && value.Type == typeof(string)) return E.Call(M(nameof(RT.MStoreString)), F, p.Addr, value, L(t.Count));
        if (t.Kind == DKind.Array) return E.Call(M(nameof(RT.MCopy)), F, p.Addr, value, L(t.Size));
        if (t.IsString) return E.Call(M(nameof(RT.MStoreString)), F, p.Addr, value, L(_opts.StrSize));
        if (p.Bits is { BitWidth: >= 0 } b)
            return E.Call(M(nameof(RT.StoreBits)), F, p.Addr, E.Constant(t.Size), E.Constant(b.BitOffset), E.Constant(b.BitWidth), value);
        return E.Call(M(nameof(RT.MStore)), F, p.Addr, E.Constant(Math.Max(1, t.Size)), value);
    }

    private DMember FindMember(DType st, string name, int line)
    {
        if (!st.Complete || st.Members is null)
        {
            if (_tags.TryGetValue(st.Name, out var full) && full.Members is not null) st = full;
            else throw new DCompileException("D_DECL_INCOMPLETE", line, $"incomplete {st.Name} cannot be used");
        }
        foreach (var m in st.Members)
        {
            if (m.Name == name) return m;
            if (m.Name.Length == 0 && m.Type.IsStructLike)
            {
                var inner = m.Type.Members?.FirstOrDefault(x => x.Name == name);
                if (inner is not null) return inner with { Offset = inner.Offset + m.Offset };
            }
        }
        throw new DCompileException("D_TYPE_MEMBER", line, $"{name} is not a member of {st.Name}");
    }

    /// <summary>Resolves an expression that names a memory location, or returns null.</summary>
    private Place? TryPlace(DExpr e)
    {
        switch (e)
        {
            case IdentExpr id when _globals.TryGetValue(id.Name, out var v) && v.Slot < 0 && v.Static >= 0:
                return new Place(StaticAddr(v.Static), v.Type);
            case MemberExpr me when MemberScope(me) is { } sc:
                if (sc.Table.TryGetValue(me.Member, out var lv) && lv.Static >= 0) return new Place(StaticAddr(lv.Static), lv.Type);
                return null;
            case MemberExpr me:
            {
                var target = Gen(me.Target);
                DType st;
                E baseAddr;
                if (me.Arrow)
                {
                    if (target.T.Kind == DKind.Pointer && !target.T.Elem!.IsStructLike)
                        throw new DCompileException("D_OP_SOU", me.Line, $"operator -> cannot be applied to pointer to type \"{target.T.Elem!.Name}\"; must be applied to a struct or union pointer");
                    if (target.T.Kind != DKind.Pointer)
                        throw new DCompileException("D_OP_PTR", me.Line, $"operator -> must be applied to a pointer");
                    st = target.T.Elem!;
                    baseAddr = target.E;
                }
                else
                {
                    if (!target.T.IsStructLike)
                    {
                        throw new DCompileException("D_OP_SOU", me.Line, $"operator . cannot be applied to type \"{TypeName(target)}\"; must be applied to a struct or union");
                    }
                    st = target.T;
                    baseAddr = target.E;
                }
                var m = FindMember(st, me.Member, me.Line);
                return new Place(E.Add(baseAddr, L(m.Offset)), m.Type, m.BitWidth >= 0 ? m : null);
            }
            case IndexExpr ix when ix.Index.Count == 1 && !IsAssocOrSpecial(ix.Target):
            {
                var target = Gen(ix.Target);
                if (target.T.Kind is not (DKind.Array or DKind.Pointer)) return null;
                var elem = target.T.Elem!;
                if (elem.IsVoid) throw new DCompileException("D_DEREF_VOID", ix.Line, "cannot dereference pointer to void");
                var i = Gen(ix.Index[0]);
                if (!i.IsLong) throw new DCompileException("D_OP_INT", ix.Line, "operator [ ] requires an index of integral type");
                if (target.T.Kind == DKind.Array && i.Const is { } c && (c < 0 || c >= target.T.Count))
                    throw new DCompileException("D_ARR_BOUNDS", ix.Line, $"index outside array bounds: {c}, max is {target.T.Count}");
                E idx = i.E;
                if (target.T.Kind == DKind.Array && i.Const is null)
                    idx = E.Call(M(nameof(RT.CheckIndex)), i.E, L(target.T.Count), target.E, L(elem.Size));
                return new Place(E.Add(target.E, E.Multiply(idx, L(Math.Max(1, elem.Size)))), elem);
            }
            case UnaryExpr { Op: "*" } u:
            {
                var x = Gen(u.Operand);
                if (x.T.Kind == DKind.Array) return new Place(x.E, x.T.Elem!);
                if (x.T.Kind != DKind.Pointer) throw new DCompileException("D_DEREF_NONPTR", u.Line, $"cannot dereference non-pointer type");
                if (x.T.Elem!.IsVoid) throw new DCompileException("D_DEREF_VOID", u.Line, "cannot dereference pointer to void");
                return new Place(x.E, x.T.Elem!);
            }
        }
        return null;
    }

    private bool IsAssocOrSpecial(DExpr target) => target switch
    {
        AggExpr => true,
        IdentExpr { Name: "args" } when !_globals.ContainsKey("args") => true,
        IdentExpr id when _globals.TryGetValue(id.Name, out var v) && v.Kind == VarKind.Assoc => true,
        IdentExpr id when !_globals.ContainsKey(id.Name) => true,
        MemberExpr me when MemberScope(me) is { } sc && (!sc.Table.TryGetValue(me.Member, out var v2) || v2.Kind == VarKind.Assoc) => true,
        _ => false,
    };

    private Ex GenAddrOf(UnaryExpr u)
    {
        switch (u.Operand)
        {
            case IdentExpr id when _globals.TryGetValue(id.Name, out var v) && (v.Static < 0 || v.Type.Kind == DKind.Array):
                throw new DCompileException("D_ADDROF_VAR", u.Line, "cannot take address of dynamic variable");
            case MemberExpr me when MemberScope(me) is { } sc && (!sc.Table.TryGetValue(me.Member, out var v2) || v2.Static < 0):
                throw new DCompileException("D_ADDROF_VAR", u.Line, "cannot take address of dynamic variable");
            case IndexExpr ix when IsAssocOrSpecial(ix.Target):
                throw new DCompileException("D_ADDROF_VAR", u.Line, "cannot take address of dynamic variable");
        }
        var p = TryPlace(u.Operand);
        if (p is null)
        {
            var x = Gen(u.Operand);
            if (x.IsStr) throw new DCompileException("D_ADDROF_VAR", u.Line, "cannot take address of dynamic variable");
            throw new DCompileException("D_ADDROF_LVAL", u.Line, "unacceptable operand for unary & operator");
        }
        if (p.Bits is not null) throw new DCompileException("D_ADDROF_BITFIELD", u.Line, "cannot take address of bit-field");
        return new Ex(p.Addr, DType.PointerTo(p.Type));
    }
}
