using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Illumos.Engine.Tracing;
using E = System.Linq.Expressions.Expression;

namespace Illumos.Engine.Languages.D;

/// <summary>A typed compiled expression.</summary>
internal readonly record struct Ex(E E, DType T, bool IsAction = false, long? Const = null, AggInfo? Agg = null)
{
    public bool IsLong => T.IsLongBacked;
    public bool IsStr => T.IsString;
}

internal sealed class AggInfo
{
    public required string Name { get; init; }
    public required int Id { get; init; }
    public AggFunc Func { get; set; }
    public DType[] Keys { get; set; } = Array.Empty<DType>();
    public long[] Params { get; set; } = Array.Empty<long>();
    public bool Defined { get; set; }
}

/// <summary>
/// Checks a D program and compiles each clause into a .NET delegate through expression trees.
/// Errors carry illumos's D_* tags and the line they were found on.
/// </summary>
public sealed partial class DCompiler
{
    private readonly DCompileOptions _o;
    private readonly TraceOptions _opts;
    private readonly Dictionary<string, VarInfo> _globals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VarInfo> _thread = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VarInfo> _locals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AggInfo> _aggs = new(StringComparer.Ordinal);
    private readonly List<Ecb> _ecbs = new();
    private readonly Dictionary<ProbeSite, long> _timers = new();
    private readonly HashSet<int> _printed = new();
    private readonly List<long> _arrayDims = new();
    private int _gi, _gs, _ga, _li, _ls, _tl;
    private int _epid;
    private readonly ParameterExpression F = E.Parameter(typeof(Frame), "f");
    private int _action;

    private DCompiler(DCompileOptions o)
    {
        _o = o;
        _opts = o.Options ?? new TraceOptions();
        DefineBuiltinConstants();
    }

    /// <summary>Compiles a D program; throws <see cref="DCompileException"/> on the first error.</summary>
    public static CompiledProgram Compile(string source, DCompileOptions? options = null)
    {
        var c = new DCompiler(options ?? new DCompileOptions());
        return c.Build(source);
    }

    /// <summary>
    /// Checks a program without running it; returns every diagnostic it can find (empty when it compiles), in
    /// source order of discovery: the first is the one <see cref="Compile"/> throws. Syntax errors are collected
    /// per statement and per clause; when there are none, semantic errors are collected per pragma, declaration,
    /// predicate and statement (a later error may follow from an earlier one, as with any compiler).
    /// </summary>
    public static IReadOnlyList<DDiagnostic> Check(string source, DCompileOptions? options = null)
    {
        var errors = new List<DDiagnostic>();
        DProgramAst ast;
        try
        {
            ast = new DParser(source).ParseProgram(errors);
        }
        catch (DCompileException e)
        {
            errors.Add(e.Diagnostic);
            return errors;
        }
        if (errors.Count > 0) return errors;
        var c = new DCompiler(options ?? new DCompileOptions()) { _errors = errors };
        try
        {
            c.Build(ast);
        }
        catch (DCompileException e)
        {
            c.Report(e);
        }
        catch (Exception) when (errors.Count > 0)
        {
            // the tree is only partly checked after an error; what was found stands
        }
        return errors;
    }

    /// <summary>Where <see cref="Check"/> collects errors; null while compiling (the first error is thrown).</summary>
    private List<DDiagnostic>? _errors;

    private void Report(DCompileException e)
    {
        if (!_errors!.Contains(e.Diagnostic)) _errors.Add(e.Diagnostic);
    }

    /// <summary>Runs one check; while collecting, its error is recorded and checking goes on with the next item.</summary>
    private void Guard(Action check)
    {
        if (_errors is null) { check(); return; }
        try { check(); }
        catch (DCompileException e) { Report(e); }
    }

    private CompiledProgram Build(string source) => Build(new DParser(source).ParseProgram());

    private CompiledProgram Build(DProgramAst ast)
    {
        foreach (var p in ast.Directives) Guard(() => Pragma(p));
        foreach (var item in ast.Items)
        {
            if (item is PragmaDirective p) Guard(() => Pragma(p));
            else if (item is Declaration d) Guard(() => Declare(d));
        }
        foreach (var c in ast.Clauses) Guard(() => CompileClause(c));
        var aggs = _aggs.Values.OrderBy(a => a.Id).ToArray();
        return new CompiledProgram
        {
            ScriptName = _o.ScriptName,
            Ecbs = _ecbs,
            Options = _opts,
            GlobalInts = _gi,
            GlobalStrings = _gs,
            GlobalAssocs = _ga,
            ArrayDims = _arrayDims,
            LocalInts = _li,
            LocalStrings = _ls,
            StaticSizes = _statics,
            PrintedAggs = _printed,
            Timers = _timers,
            MakeAggregations = () => aggs.Select(MakeAgg).ToArray(),
        };
    }

    private static Aggregation MakeAgg(AggInfo a)
    {
        var g = new Aggregation(a.Name, a.Id, a.Func) { KeyTypes = a.Keys };
        if (a.Func == AggFunc.LQuantize) { g.LBase = a.Params[0]; g.LLimit = a.Params[1]; g.LStep = a.Params[2]; }
        if (a.Func == AggFunc.LLQuantize) { g.LLFactor = a.Params[0]; g.LLLow = a.Params[1]; g.LLHigh = a.Params[2]; g.LLSteps = a.Params[3]; }
        return g;
    }

    // ------------------------------------------------------------------ pragmas and declarations

    private void Pragma(PragmaDirective p)
    {
        var words = SplitPragma(p.Text);
        if (words.Count == 0) return;
        if (words[0] is "line" || char.IsAsciiDigit(words[0][0]) || words[0] == "ident") return;
        if (words[0].StartsWith('!'))
        {
            // interpreter line: "#!/usr/sbin/dtrace -qs" carries options
            for (int i = 1; i < words.Count; i++)
            {
                var w = words[i];
                if (!w.StartsWith('-')) continue;
                for (int k = 1; k < w.Length; k++)
                {
                    if (w[k] == 'q') _opts.Set("quiet", null);
                    else if (w[k] == 'w') _opts.Set("destructive", null);
                    else if (w[k] == 'x' && i + 1 < words.Count)
                    {
                        var kv = words[++i]; int eq = kv.IndexOf('=');
                        _opts.Set(eq < 0 ? kv : kv[..eq], eq < 0 ? null : kv[(eq + 1)..]);
                        break;
                    }
                }
            }
            return;
        }
        if (words[0] != "pragma")
            throw new DCompileException("D_PRAGMA_INVAL", p.Line, $"invalid control directive: #{words[0]}");
        if (words.Count < 2 || words[1] != "D") return; // #pragma ident etc.
        if (words.Count < 3) throw new DCompileException("D_PRAGMA_MALFORM", p.Line, "malformed #pragma D directive");
        switch (words[2])
        {
            case "option":
                for (int i = 3; i < words.Count; i++)
                {
                    var w = words[i];
                    int eq = w.IndexOf('=');
                    string name = eq < 0 ? w : w[..eq];
                    string? val = eq < 0 ? null : w[(eq + 1)..];
                    var err = _opts.Set(name, val);
                    if (err is not null)
                        throw new DCompileException("D_PRAGMA_OPTSET", p.Line,
                            err == "invalid option name" ? $"failed to set option '{name}': Invalid option name"
                            : $"failed to set option '{name}' to '{val}': Invalid value for specified option");
                }
                break;
            case "error":
                throw new DCompileException("D_PRAGERR", p.Line, "#error: " + string.Concat(words.Skip(3).Select(w => w + " ")));
            case "depends_on":
                if (words.Count < 5) throw new DCompileException("D_PRAGMA_MALFORM", p.Line, "malformed #pragma depends_on <class> <name>");
                if (words[3] == "library") throw new DCompileException("D_PRAGMA_DEPEND", p.Line, "main program may not explicitly depend on a library");
                if (words[3] == "provider" && _o.MatchLocalProbes && !ProbeRegistry.All.Any(s => s.Provider == words[4]) && words[4] is not ("profile" or "dtrace"))
                    throw new DCompileException("D_PRAGMA_DEPEND", p.Line, $"program requires provider {words[4]}, which is not available");
                if (words[3] is not ("provider" or "module")) throw new DCompileException("D_PRAGMA_INVAL", p.Line, $"invalid class {words[3]} specified by #pragma depends_on");
                break;
            case "attributes":
                if (words.Count != 5 || words[3].Split('/').Length != 3) throw new DCompileException("D_PRAGMA_MALFORM", p.Line, "malformed #pragma attributes <attributes> <ident>");
                break;
            case "binding":
                if (words.Count != 5) throw new DCompileException("D_PRAGMA_MALFORM", p.Line, "malformed #pragma binding <version> <ident>");
                break;
            case "ident":
                break;
            default:
                throw new DCompileException("D_PRAGMA_INVAL", p.Line, $"invalid control directive: #pragma D {words[2]}");
        }
    }

    private static List<string> SplitPragma(string text)
    {
        var list = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            if (text[i] == '"')
            {
                int j = text.IndexOf('"', i + 1);
                if (j < 0) j = text.Length;
                list.Add(text[(i + 1)..j]);
                i = j + 1;
                continue;
            }
            int s = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            list.Add(text[s..i]);
        }
        return list;
    }

    private void Declare(Declaration d)
    {
        if (d.StorageClass == "translator") { DeclareTranslator(d.Translator!); return; }
        if (d.StorageClass is null && d.Declarators.Count == 0)
        {
            ResolveType(d.BaseType);
            return;
        }
        var baseType = ResolveType(d.BaseType);
        foreach (var dd in d.Declarators)
        {
            if (dd.Name is null) continue;
            if (d.StorageClass == "typedef")
            {
                _typedefs[dd.Name] = DType.Named(ResolveType(dd.Type), dd.Name);
                continue;
            }
            if (d.StorageClass == "inline")
            {
                var t = ResolveType(dd.Type);
                if (dd.Init is null) throw new DCompileException("D_DECL_INLINE", dd.Line, $"inline definition for {dd.Name} requires an initializer");
                if (Subroutines.Contains(dd.Name) || Actions.Contains(dd.Name) || Builtins.ContainsKey(dd.Name) || _inlines.ContainsKey(dd.Name) || _globals.ContainsKey(dd.Name))
                    throw new DCompileException("D_DECL_IDRED", dd.Line, $"identifier redeclared: {dd.Name}\n\t current: inline definition\n\tprevious: {(Subroutines.Contains(dd.Name) || Actions.Contains(dd.Name) ? "function " : "variable ")}");
                var ix = Gen(dd.Init);
                if (!Compatible(t, ix)) throw new DCompileException("D_OP_INCOMPAT", dd.Line, $"inline {dd.Name} definition uses incompatible types: \"{t.Name}\" = \"{TypeName(ix)}\"");
                _inlines[dd.Name] = (t, dd.Init);
                continue;
            }
            if (dd.Init is not null) throw new DCompileException("D_DECL_INIT", dd.Line, "initializers are not permitted for variable declarations");
            var scope = d.StorageClass switch { "self" => VarScope.Thread, "this" => VarScope.Local, _ => VarScope.Global };
            DeclareVar(dd, scope, d.StorageClass == "extern");
        }
        _ = baseType;
    }

    private void DeclareVar(DDeclarator dd, VarScope scope, bool isExtern)
    {
        var tn = dd.Type;
        var v = new VarInfo { Name = dd.Name!, Scope = scope, Declared = true };
        if (tn.Dims.Count > 0)
        {
            var dim = tn.Dims[0];
            var elemTn = new DTypeName { Line = tn.Line, Words = tn.Words, Tag = tn.Tag, TagKind = tn.TagKind, Members = tn.Members, Enumerators = tn.Enumerators, Pointers = tn.Pointers };
            var elem = ResolveType(elemTn);
            if (dim.Empty && isExtern) { v.Kind = VarKind.Scalar; v.Type = DType.PointerTo(elem); goto declared; }
            if (dim.Empty) throw new DCompileException("D_DECL_ARRNULL", dd.Line, $"array declaration requires array dimension or tuple signature: {dd.Name}");
            if (dim.Tuple is not null)
            {
                if (scope == VarScope.Local) throw new DCompileException("D_DECL_LOCASSC", dd.Line, "associative arrays may not be declared as local variables");
                var keys = new List<DType>();
                for (int i = 0; i < dim.Tuple.Count; i++)
                {
                    var kt = ResolveType(dim.Tuple[i]);
                    if (kt.IsVoid) throw new DCompileException("D_DECL_PROTO_TYPE", dd.Line, $"array prototype may not use parameter of type void: (anonymous), parameter #{i + 1}");
                    keys.Add(kt);
                }
                v.Kind = VarKind.Assoc;
                v.Keys = keys.ToArray();
                v.Type = elem;
            }
            else
            {
                var n = ConstEval(dim.Size!);
                if (n is null) throw new DCompileException("D_DECL_ARRSUB", dd.Line, "array dimension must be an integer constant");
                if (n.Value > int.MaxValue / 8 || n.Value * Math.Max(1, elem.Size) > int.MaxValue)
                    throw new DCompileException("D_DECL_ARRBIG", dd.Line, "array dimension too big");
                if (n.Value <= 0) throw new DCompileException("D_DECL_ARRSUB", dd.Line, "array dimension must be a positive integer");
                v.Kind = VarKind.Scalar;
                v.Type = ResolveType(tn);
            }
        }
        else
        {
            v.Type = ResolveType(tn);
            if (v.Type.IsVoid) throw new DCompileException("D_DECL_VOIDOBJ", dd.Line, $"cannot have void object: {dd.Name}");
            if (v.Type.IsStructLike && !v.Type.Complete)
            {
                if (_tags.TryGetValue(v.Type.Name, out var full) && full.Complete && full.Members is not null) v.Type = full;
                else throw new DCompileException("D_DECL_INCOMPLETE", dd.Line, $"incomplete struct/union/enum {v.Type.Name}: {dd.Name}");
            }
        }
        declared:
        var table = scope switch { VarScope.Thread => _thread, VarScope.Local => _locals, _ => _globals };
        if (table.TryGetValue(v.Name, out var old))
        {
            if (old.Type.Name != v.Type.Name || old.Kind != v.Kind)
                throw new DCompileException("D_DECL_IDRED", dd.Line, $"identifier redeclared: {v.Name}");
            return;
        }
        if (scope == VarScope.Global && (BuiltinVarType(v.Name) is not null))
            throw new DCompileException("D_DECL_IDRED", dd.Line, $"identifier redeclared: {v.Name}");
        table[v.Name] = v;
        if (isExtern && IsMemoryType(v.Type)) v.Static = AllocStatic(v.Type, storage: false);
        else AllocSlot(v);
    }

    private void AllocSlot(VarInfo v)
    {
        if (v.Kind == VarKind.Array) return;
        if (v.Kind == VarKind.Scalar && IsMemoryType(v.Type)) { v.Static = AllocStatic(v.Type); return; }
        switch (v.Scope)
        {
            case VarScope.Global:
                if (v.Kind == VarKind.Assoc) v.Slot = _ga++;
                else if (v.Type.IsString) v.Slot = _gs++;
                else v.Slot = _gi++;
                break;
            case VarScope.Local:
                if (v.Type.IsString) v.Slot = _ls++; else v.Slot = _li++;
                break;
            default:
                v.Slot = _tl++;
                break;
        }
    }

    // ------------------------------------------------------------------ probes

    private static readonly string[] TimeUnits = { "nsec", "ns", "usec", "us", "msec", "ms", "sec", "s", "min", "m", "hour", "h", "day", "d", "hz" };

    /// <summary>The period (ns) of a tick-N / profile-N name, or null when it is not one.</summary>
    public static long? TimerPeriod(string name, bool profile)
    {
        string prefix = profile ? "profile-" : "tick-";
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var ns = TraceOptions.ParseRate(name[prefix.Length..]);
        if (ns is null || ns < 200_000) return null;
        return ns;
    }

    private static bool Glob(string pattern, string text)
    {
        if (pattern.Length == 0) return true;
        return GlobAt(pattern, 0, text, 0);
    }

    private static bool GlobAt(string p, int pi, string t, int ti)
    {
        while (pi < p.Length)
        {
            char c = p[pi];
            if (c == '*')
            {
                for (int k = ti; k <= t.Length; k++) if (GlobAt(p, pi + 1, t, k)) return true;
                return false;
            }
            if (ti >= t.Length) return false;
            if (c == '?') { pi++; ti++; continue; }
            if (c == '[')
            {
                int end = p.IndexOf(']', pi + 1);
                if (end < 0) return false;
                string set = p[(pi + 1)..end];
                bool neg = set.StartsWith('!');
                if (neg) set = set[1..];
                bool match = false;
                for (int k = 0; k < set.Length; k++)
                {
                    if (k + 2 < set.Length && set[k + 1] == '-') { if (t[ti] >= set[k] && t[ti] <= set[k + 2]) match = true; k += 2; }
                    else if (set[k] == t[ti]) match = true;
                }
                if (match == neg) return false;
                pi = end + 1; ti++;
                continue;
            }
            if (c == '\\' && pi + 1 < p.Length) { pi++; c = p[pi]; }
            if (c != t[ti]) return false;
            pi++; ti++;
        }
        return ti == t.Length;
    }

    private List<ProbeSite> MatchProbes(ProbeDesc pd)
    {
        var list = new List<ProbeSite>();
        if (pd.Provider == "\0") return list;
        foreach (var s in ProbeRegistry.All)
        {
            if (s.Provider == "profile") continue;
            if (Glob(pd.Provider, s.Provider) && Glob(pd.Module, s.Module) && Glob(pd.Function, s.Function) && Glob(pd.Name, s.Name))
                list.Add(s);
        }
        // the profile provider creates tick-N and profile-N probes on demand
        bool hasWild = pd.Name.IndexOfAny(new[] { '*', '?', '[' }) >= 0;
        if (!hasWild && (pd.Provider.Length == 0 || Glob(pd.Provider, "profile")) && pd.Module.Length == 0 && pd.Function.Length == 0)
        {
            var tick = TimerPeriod(pd.Name, profile: false);
            var prof = TimerPeriod(pd.Name, profile: true);
            var period = tick ?? prof;
            if (period is not null)
            {
                var site = ProbeRegistry.Register("profile", "", "", pd.Name);
                _timers[site] = period.Value;
                list.Add(site);
            }
        }
        return list;
    }

    // ------------------------------------------------------------------ clauses

    private void CompileClause(Clause c)
    {
        var sites = new List<ProbeSite>();
        foreach (var pd in c.Probes)
        {
            if (!_o.MatchLocalProbes) continue;   // the host's own dtrace matches them
            var m = MatchProbes(pd);
            if (m.Count == 0)
            {
                string shown = pd.Provider == "\0" ? pd.Text : $"{pd.Provider}:{pd.Module}:{pd.Function}:{pd.Name}";
                Guard(() => throw new DCompileException("D_PDESC_ZERO", pd.Line, $"probe description {shown} does not match any probes"));
            }
            foreach (var s in m) if (!sites.Contains(s)) sites.Add(s);
        }
        _isErrorClause = sites.Count > 0 && sites.All(s => s == ProbeRegistry.Error);
        _clauseSites = sites;
        _action = 0;
        var body = new List<E>();
        var ret = E.Label(typeof(bool), "ret");
        if (c.Predicate is not null)
            Guard(() =>
            {
                var p = Gen(c.Predicate);
                if (!p.T.IsScalar && !p.T.IsString || p.IsAction)
                    throw new DCompileException("D_PRED_SCALAR", c.EndLine, "predicate result must be of scalar type");
                body.Add(E.IfThen(E.Not(Truth(p)), E.Return(ret, E.Constant(false))));
            });
        bool recording = c.Body.Count == 0;
        Guard(() => CheckActionOrder(c.Body));
        foreach (var st in c.Body)
        {
            if (_errors is null) { body.Add(GenStmt(st, ref recording)); continue; }
            try { body.Add(GenStmt(st, ref recording)); }
            catch (DCompileException e) { Report(e); }
        }
        if (_errors is { Count: > 0 }) return;   // collecting: a clause with errors is not turned into code
        if (recording && c.Body.Count == 0) body.Add(E.Assign(E.Field(F, nameof(Frame.Record)), E.Constant(true)));
        body.Add(E.Label(ret, E.Constant(true)));
        var lambda = E.Lambda<ClauseFn>(E.Block(body), F);
        var fn = lambda.Compile();
        foreach (var s in sites)
            _ecbs.Add(new Ecb { Epid = ++_epid, Fn = fn, Site = s, ClauseIndex = c.Index });
    }

    private bool _isErrorClause;
    private List<ProbeSite> _clauseSites = new();

    /// <summary>True when every probe the clause enables declares args[<paramref name="index"/>] as a string (typed arguments).</summary>
    private bool ArgIsString(long index) =>
        _clauseSites.Count > 0 && _clauseSites.All(s => s.Arguments.Any(a => a.Index == index && a.TypeName == "string"));

    private static readonly HashSet<string> DataRecording = new(StringComparer.Ordinal)
    {
        "trace", "printf", "printa", "tracemem", "print", "stack", "ustack", "jstack", "system", "freopen",
    };

    /// <summary>dtrace's rules for the order of speculate(), commit(), discard() and other actions in a clause.</summary>
    private static void CheckActionOrder(List<DStmt> body)
    {
        bool spec = false, commit = false, data = false;
        foreach (var st in body)
        {
            if (st is not ExprStmt { Expr: var e }) continue;
            bool agg = e is AssignExpr { Target: AggExpr or IndexExpr { Target: AggExpr } };
            string? fn = e is CallExpr { Callee: IdentExpr id } ? id.Name : null;
            if (agg)
            {
                if (spec) throw new DCompileException("D_AGG_SPEC", e.Line, "aggregating actions may not follow speculate( )");
                if (commit) throw new DCompileException("D_AGG_COMM", e.Line, "aggregating actions may not follow commit( )");
                continue;
            }
            switch (fn)
            {
                case "speculate":
                    if (spec) throw new DCompileException("D_SPEC_SPEC", e.Line, "speculate( ) may not follow speculate( )");
                    if (commit) throw new DCompileException("D_SPEC_COMM", e.Line, "speculate( ) may not follow commit( )");
                    if (data) throw new DCompileException("D_SPEC_DREC", e.Line, "speculate( ) may not follow data-recording actions");
                    spec = true;
                    break;
                case "commit":
                case "discard":
                    if (spec) throw new DCompileException(fn == "commit" ? "D_COMM_SPEC" : "D_DISC_SPEC", e.Line, $"{fn}( ) may not follow speculate( )");
                    if (data && fn == "commit") throw new DCompileException("D_COMM_DREC", e.Line, "commit( ) may not follow data-recording actions");
                    if (fn == "commit") commit = true;
                    break;
                case "exit":
                    if (spec) throw new DCompileException("D_ACT_SPEC", e.Line, "destructive actions may not follow speculate( )");
                    if (commit) throw new DCompileException("D_DREC_COMM", e.Line, "data-recording actions may not follow commit( )");
                    data = true;
                    break;
                case not null when DataRecording.Contains(fn):
                    if (commit) throw new DCompileException("D_DREC_COMM", e.Line, "data-recording actions may not follow commit( )");
                    data = true;
                    break;
            }
        }
    }

    private E GenStmt(DStmt st, ref bool recording)
    {
        switch (st)
        {
            case ExprStmt es:
            {
                _action++;
                var x = GenTop(es.Expr);
                var setAction = E.Assign(E.Field(F, nameof(Frame.Action)), E.Constant(_action));
                return E.Block(typeof(void), setAction, x.E.Type == typeof(void) ? x.E : E.Block(typeof(void), x.E));
            }
            case IfStmt ifs:
            {
                var c = Gen(ifs.Cond);
                if (!c.T.IsScalar && !c.T.IsString) throw new DCompileException("D_OP_SCALAR", ifs.Line, "if condition must be of scalar type");
                var thenB = new List<E>();
                foreach (var s in ifs.Then) thenB.Add(GenStmt(s, ref recording));
                thenB.Add(E.Empty());
                if (ifs.Else is null) return E.IfThen(Truth(c), E.Block(thenB));
                var elseB = new List<E>();
                foreach (var s in ifs.Else) elseB.Add(GenStmt(s, ref recording));
                elseB.Add(E.Empty());
                return E.IfThenElse(Truth(c), E.Block(thenB), E.Block(elseB));
            }
            default:
                return E.Empty();
        }
    }

    /// <summary>A statement-level expression: aggregation assignments and actions are allowed here.</summary>
    private Ex GenTop(DExpr e)
    {
        if (e is AssignExpr a && (a.Target is AggExpr || a.Target is IndexExpr { Target: AggExpr }))
            return GenAggAssign(a);
        if (e is AssignExpr a2 && a2.Target is IndexExpr { Target: IndexExpr } mi && BaseAgg(mi) is not null)
            throw new DCompileException("D_AGG_MDIM", e.Line, "multi-dimensional indexing is not permitted for aggregations");
        if (e is AggExpr ag)
        {
            if (!_aggs.ContainsKey(ag.Name))
                throw new DCompileException("D_IDENT_UNDEF", e.Line, $"failed to resolve {ag.Name}: Unknown variable name");
            throw new DCompileException("D_AGG_NULL", e.Line, "expression has null effect");
        }
        if (e is IndexExpr ie && BaseAgg(ie) is not null)
        {
            if (ie.Target is IndexExpr) throw new DCompileException("D_AGG_MDIM", e.Line, "multi-dimensional indexing is not permitted for aggregations");
            throw new DCompileException("D_AGG_NULL", e.Line, "expression has null effect");
        }
        return Gen(e, top: true);
    }

    private static AggExpr? BaseAgg(DExpr e) => e switch
    {
        AggExpr a => a,
        IndexExpr ix => BaseAgg(ix.Target),
        _ => null,
    };

    // ------------------------------------------------------------------ helpers

    private static E L(long v) => E.Constant(v);
    private E Fld(string name) => E.Field(F, name);
    private static MethodInfo M(string name) => typeof(RT).GetMethod(name, BindingFlags.Public | BindingFlags.Static)
        ?? throw new InvalidOperationException("missing runtime helper " + name);

    private static E Truth(Ex x) => x.IsStr ? E.NotEqual(E.Call(M(nameof(RT.Len)), x.E), E.Constant(0))
        : E.NotEqual(x.E, L(0));

    private static E Box(Ex x) => E.Convert(x.E, typeof(object));

    /// <summary>Converts a value to the representation of type <paramref name="t"/> (truncating integers).</summary>
    private static E Norm(E v, DType t)
    {
        if (!t.IsLongBacked || t.Size >= 8) return v;
        return t.Size switch
        {
            1 => t.Signed ? E.Convert(E.Convert(v, typeof(sbyte)), typeof(long)) : E.Convert(E.Convert(v, typeof(byte)), typeof(long)),
            2 => t.Signed ? E.Convert(E.Convert(v, typeof(short)), typeof(long)) : E.Convert(E.Convert(v, typeof(ushort)), typeof(long)),
            _ => t.Signed ? E.Convert(E.Convert(v, typeof(int)), typeof(long)) : E.Convert(E.Convert(v, typeof(uint)), typeof(long)),
        };
    }

    private static string TypeName(Ex x) => x.IsAction ? "void" : x.T.Name;
}
