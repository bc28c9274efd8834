using Illumos.Engine.Tracing;
using E = System.Linq.Expressions.Expression;

namespace Illumos.Engine.Languages.D;

public sealed partial class DCompiler
{
    private readonly List<(DType Output, DType Input, TranslatorDecl Decl)> _translators = new();
    private readonly Dictionary<string, Ex> _aliases = new(StringComparer.Ordinal);

    private void DeclareTranslator(TranslatorDecl t)
    {
        var output = ResolveType(t.Output);
        var input = ResolveType(t.Input);
        if (!output.IsStructLike)
            throw new DCompileException("D_XLATE_SOU", t.EndLine, "translator output type must be a struct or union");
        if (!output.Complete || output.Members is null)
            throw new DCompileException("D_XLATE_SOU", t.EndLine, "translator output type must be a struct or union");
        foreach (var (m, _, line) in t.Members)
            if (output.Members.All(x => x.Name != m))
                throw new DCompileException("D_XLATE_MEMB", t.EndLine, $"translator member {m} is not a member of {output.Name}");
        if (_translators.Any(x => x.Output.Name == output.Name && x.Input.Name == input.Name))
            throw new DCompileException("D_XLATE_REDECL", t.EndLine, $"translator from {input.Name} to {output.Name} has already been declared");
        _translators.Add((output, input, t));
    }

    private static bool XlateInputMatches(DType declared, DType actual)
    {
        if (declared.Name == actual.Name) return true;
        if (declared.IsLongBacked && actual.IsLongBacked && declared.Kind != DKind.Pointer && actual.Kind != DKind.Pointer) return true;
        if (declared.Kind == DKind.Pointer && actual.Kind == DKind.Pointer && (declared.Elem!.IsVoid || actual.Elem!.IsVoid)) return true;
        return false;
    }

    private Ex GenXlate(XlateExpr x)
    {
        var target = ResolveType(x.Type);
        bool ptr = target.Kind == DKind.Pointer;
        var st = ptr ? target.Elem! : target;
        var input = Gen(x.Operand);
        var tr = _translators.FirstOrDefault(t => t.Output.Name == st.Name && XlateInputMatches(t.Input, input.T));
        if (tr.Decl is null)
            throw new DCompileException("D_XLATE_NONE", x.Line, $"cannot translate from \"{input.T.Name}\" to \"{st.Name}\"");
        var outT = tr.Output;
        var addr = E.Variable(typeof(long), "xl");
        var inVar = E.Variable(input.E.Type, "xin");
        var body = new List<E>
        {
            E.Assign(inVar, input.E),
            E.Assign(addr, E.Call(M(nameof(RT.Alloca)), F, L(Math.Max(1, outT.Size)))),
        };
        string name = tr.Decl.InputName;
        bool had = _aliases.TryGetValue(name, out var saved);
        _aliases[name] = new Ex(inVar, input.T);
        try
        {
            foreach (var (m, expr, line) in tr.Decl.Members)
            {
                var mem = FindMember(outT, m, line);
                var v = Gen(expr);
                var place = new Place(E.Add(addr, L(mem.Offset)), mem.Type, mem.BitWidth >= 0 ? mem : null);
                if (mem.Type.IsString || IsCharArray(mem.Type)) v = AsStr(v);
                if (!Compatible(mem.Type, v))
                    throw new DCompileException("D_XLATE_INCOMPAT", line, $"translator member {m} definition uses incompatible types: \"{mem.Type.Name}\" = \"{TypeName(v)}\"");
                body.Add(E.Block(typeof(void), StorePlace(place, v.E)));
            }
        }
        finally
        {
            if (had) _aliases[name] = saved; else _aliases.Remove(name);
        }
        body.Add(addr);
        return new Ex(E.Block(new[] { addr, inVar }, body), ptr ? DType.PointerTo(outT) : outT);
    }
}
