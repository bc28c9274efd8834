namespace Illumos.Engine.Languages.D;

/// <summary>Recursive-descent parser for the D language (programs, declarations, clauses, expressions).</summary>
public sealed class DParser
{
    private readonly DLexer _lx;
    private Token _tok;
    private bool _have;
    private int _noSlash;                      // >0 while parsing a predicate outside parentheses
    private readonly HashSet<string> _typedefs;
    private int _lastLine = 1;

    public static readonly string[] BuiltinTypedefs =
    {
        "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "intptr_t", "uintptr_t",
        "size_t", "ssize_t", "off_t", "off64_t", "uchar_t", "ushort_t", "uint_t", "ulong_t", "u_longlong_t", "longlong_t",
        "u_int", "u_char", "u_short", "u_long", "boolean_t", "caddr_t", "pid_t", "uid_t", "gid_t", "id_t", "zoneid_t", "processorid_t",
        "hrtime_t", "time_t", "dev_t", "major_t", "minor_t", "mode_t", "ino_t", "nlink_t", "clock_t", "int_t", "diskaddr_t", "uintmax_t", "intmax_t",
        "ptrdiff_t", "u_int8_t", "u_int16_t", "u_int32_t", "u_int64_t", "bool", "_Bool", "float_t", "double_t",
    };

    public DParser(string source, IEnumerable<string>? typedefs = null)
    {
        _lx = new DLexer(source);
        _typedefs = new HashSet<string>(BuiltinTypedefs, StringComparer.Ordinal);
        if (typedefs is not null) _typedefs.UnionWith(typedefs);
    }

    private Token Peek()
    {
        if (!_have) { _tok = _lx.Next(); _have = true; }
        return _tok;
    }

    private Token Take()
    {
        var t = Peek();
        _have = false;
        _lastLine = t.Line;
        if (t.Kind != Tk.String)
        {
            if (t.Is("{")) _depth++;
            else if (t.Is("}") && _depth > 0) _depth--;
        }
        return t;
    }

    private int _depth;                        // braces taken and not yet closed (for error recovery)

    private bool Accept(string op)
    {
        if (Peek().Is(op)) { Take(); return true; }
        return false;
    }

    private Token Expect(string op)
    {
        var t = Peek();
        if (!t.Is(op)) throw Syntax(t);
        return Take();
    }

    private DCompileException Syntax(Token t) =>
        new("D_SYNTAX", t.Line, t.Kind == Tk.Eof ? "syntax error near end of input" : $"syntax error near \"{ErrText(t)}\"");

    private static string ErrText(Token t) => t.Kind switch
    {
        Tk.String => t.Text,
        _ => t.Text,
    };

    // ---------------------------------------------------------------- program

    /// <summary>Parses a program; throws <see cref="DCompileException"/> at the first error.</summary>
    public DProgramAst ParseProgram() => ParseProgram(null);

    /// <summary>
    /// Parses a program. With <paramref name="errors"/>, a syntax error is recorded there instead of thrown and
    /// parsing resumes: after a broken statement at the next ';' of its block, after a broken declaration or
    /// clause head at the end of that item, so that each clause and statement can report its own error.
    /// </summary>
    public DProgramAst ParseProgram(List<DDiagnostic>? errors)
    {
        _errors = errors;
        var prog = new DProgramAst();
        int clauseIndex = 0;
        while (true)
        {
            try
            {
                if (!ParseTopLevel(prog, ref clauseIndex)) break;
            }
            catch (DCompileException e) when (errors is not null)
            {
                Record(e);
                if (!SkipItem()) break;
            }
        }
        foreach (var d in _lx.Directives) prog.Directives.Add(new PragmaDirective { Text = d.Text, Line = d.Line });
        return prog;
    }

    private List<DDiagnostic>? _errors;

    private void Record(DCompileException e)
    {
        if (!_errors!.Contains(e.Diagnostic)) _errors.Add(e.Diagnostic);
        _noSlash = 0;
    }

    /// <summary>Skips the rest of a broken top-level item: up to a ';' or the '}' that closes its outermost block. False at the end of input (or when the lexer cannot go on).</summary>
    private bool SkipItem()
    {
        try
        {
            while (true)
            {
                var t = Peek();
                if (t.Kind == Tk.Eof) return false;
                Take();
                if (_depth == 0 && t.Kind != Tk.String && (t.Is(";") || t.Is("}"))) return true;
            }
        }
        catch (DCompileException) { return false; }
    }

    /// <summary>Skips the rest of a broken statement: through the next ';' of its block, or up to the '}' that ends the block.</summary>
    private void SkipStatement(int depth)
    {
        while (true)
        {
            var t = Peek();
            if (t.Kind == Tk.Eof) return;
            if (t.Kind != Tk.String && t.Is("}") && _depth == depth) return;
            Take();
            if (t.Kind != Tk.String && t.Is(";") && _depth == depth) return;
        }
    }

    /// <summary>One declaration or clause; false at the end of input.</summary>
    private bool ParseTopLevel(DProgramAst prog, ref int clauseIndex)
    {
        if (_have)
        {
            if (_tok.Kind == Tk.Eof) return false;
            if (_tok.Is(";")) { Take(); return true; }
            if (IsDeclStart(_tok)) { prog.Items.Add(ParseDeclaration()); return true; }
            throw Syntax(_tok);
        }
        _lx.SkipSpace();
        int pos = _lx.Position, line = _lx.Line;
        var t = Peek();
        if (t.Kind == Tk.Eof) return false;
        if (t.Is(";")) { Take(); return true; }
        if (IsDeclStart(t))
        {
            prog.Items.Add(ParseDeclaration());
            return true;
        }
        // a probe description list
        _have = false;
        _lx.Reset(pos, line);
        var clause = new Clause { Line = line, Index = clauseIndex++ };
        while (true)
        {
            var ps = _lx.NextPSpec();
            if (ps.Kind != Tk.PSpec) throw Syntax(ps);
            clause.Probes.Add(ParsePDesc(ps));
            _lastLine = ps.Line;
            var n = Peek();
            if (n.Is(","))
            {
                Take();
                _have = false;
                continue;
            }
            break;
        }
        var nx = Peek();
        if (nx.Is("/"))
        {
            Take();
            _noSlash++;
            clause.Predicate = ParseExpression();
            _noSlash--;
            Expect("/");
            nx = Peek();
        }
        if (!nx.Is("{"))
        {
            if (clause.Predicate is null)
                throw new DCompileException("D_SYNTAX", clause.Probes[^1].Line, "expected predicate and/or actions following probe description");
            throw Syntax(nx);
        }
        Take();
        clause.Body = ParseStatements();
        clause.EndLine = Expect("}").Line;
        prog.Items.Add(clause);
        return true;
    }

    public static ProbeDesc ParsePDesc(Token t)
    {
        var parts = t.Text.Split(':');
        var pd = new ProbeDesc { Text = t.Text, Line = t.Line };
        // fill from the right: name, function, module, provider
        string[] f = { "", "", "", "" };
        int k = 3;
        for (int i = parts.Length - 1; i >= 0 && k >= 0; i--, k--) f[k] = parts[i];
        if (parts.Length > 4) { pd.Provider = "\0"; return pd; }
        pd.Provider = f[0]; pd.Module = f[1]; pd.Function = f[2]; pd.Name = f[3];
        return pd;
    }

    private bool IsTypeStart(Token t) =>
        (t.Kind == Tk.Keyword && t.Text is "char" or "short" or "int" or "long" or "signed" or "unsigned" or "void" or "float"
            or "double" or "string" or "struct" or "union" or "enum" or "const" or "volatile" or "restrict")
        || (t.Kind == Tk.Ident && _typedefs.Contains(t.Text));

    private bool IsDeclStart(Token t) =>
        IsTypeStart(t) || (t.Kind == Tk.Keyword && t.Text is "self" or "this" or "extern" or "static" or "register" or "typedef"
            or "inline" or "auto" or "translator");


    private DTopLevel ParseTranslator()
    {
        var t = Expect("translator");
        var tr = new TranslatorDecl { Line = t.Line };
        tr.Output = ParseTypeName();
        Expect("<");
        tr.Input = ParseSpecifiers();
        var d = ParseDeclarator(tr.Input, allowAbstract: false);
        tr.InputName = d.Name ?? "";
        tr.Input = d.Type;
        Expect(">");
        Expect("{");
        while (!Peek().Is("}"))
        {
            var m = Take();
            if (m.Kind != Tk.Ident) throw Syntax(m);
            Expect("=");
            var v = ParseAssignment();
            tr.Members.Add((m.Text, v, m.Line));
            Expect(";");
        }
        tr.EndLine = Expect("}").Line;
        Accept(";");
        return tr;
    }

    private Declaration ParseDeclaration()
    {
        var first = Peek();
        if (first.Is("translator"))
        {
            var tr = ParseTranslator();
            return new Declaration { Line = tr.Line, StorageClass = "translator", BaseType = ((TranslatorDecl)tr).Output, Translator = (TranslatorDecl)tr };
        }
        var decl = new Declaration { Line = first.Line };
        while (Peek().Kind == Tk.Keyword && Peek().Text is "self" or "this" or "extern" or "static" or "register" or "typedef" or "inline" or "auto")
        {
            var c = Take();
            if (decl.StorageClass is not null)
            {
                throw new DCompileException("D_DECL_CLASS", c.Line, "more than one storage class specified");
            }
            decl.StorageClass = c.Text;
        }
        if (decl.StorageClass is "register" or "auto" or "static")
            throw new DCompileException("D_DECL_BADCLASS", first.Line, "specified storage class not appropriate in D");
        if (decl.StorageClass is not null && Peek().Kind == Tk.Ident && !_typedefs.Contains(Peek().Text))
            decl.BaseType = new DTypeName { Line = Peek().Line, Words = new List<string> { "int" } };
        else
            decl.BaseType = ParseSpecifiers();
        if (Peek().Is(";"))
        {
            var semi = Take();
            if (decl.BaseType.TagKind is null || (decl.BaseType.Members is null && decl.BaseType.Enumerators is null && decl.BaseType.TagKind != null && decl.StorageClass != null))
                throw new DCompileException("D_DECL_USELESS", semi.Line, "useless declaration");
            return decl;
        }
        while (true)
        {
            var d = ParseDeclarator(decl.BaseType, allowAbstract: false);
            if (Accept("=")) d.Init = ParseAssignment();
            decl.Declarators.Add(d);
            if (decl.StorageClass == "typedef" && d.Name is not null) _typedefs.Add(d.Name);
            if (!Accept(",")) break;
        }
        Expect(";");
        return decl;
    }

    /// <summary>Type specifiers and qualifiers (no declarator).</summary>
    private DTypeName ParseSpecifiers()
    {
        var tn = new DTypeName { Line = Peek().Line };
        bool any = false;
        while (true)
        {
            var t = Peek();
            if (t.Kind == Tk.Keyword && t.Text is "const" or "volatile" or "restrict") { Take(); continue; }
            if (t.Kind == Tk.Keyword && t.Text is "struct" or "union" or "enum")
            {
                Take();
                tn.TagKind = t.Text;
                if (Peek().Kind == Tk.Ident || Peek().Kind == Tk.Keyword && !Peek().Is("{")) tn.Tag = Take().Text;
                if (Peek().Is("{"))
                {
                    Take();
                    if (t.Text == "enum")
                    {
                        tn.Enumerators = new();
                        while (!Peek().Is("}"))
                        {
                            var id = Take();
                            if (id.Kind != Tk.Ident) throw Syntax(id);
                            DExpr? v = null;
                            int eline = id.Line;
                            if (Accept("=")) { v = ParseConditional(); eline = Peek().Line; }
                            tn.Enumerators.Add((id.Text, v, eline));
                            if (!Accept(",")) break;
                        }
                        Expect("}");
                    }
                    else
                    {
                        tn.Members = new();
                        while (!Peek().Is("}"))
                        {
                            var mt = ParseSpecifiers();
                            while (true)
                            {
                                var md = ParseDeclarator(mt, allowAbstract: true);
                                if (Accept(":")) { var bw = ParseConditional(); md.BitWidth = bw is IntLit or UnaryExpr { Op: "-", Operand: IntLit } ? (int)Math.Clamp(ConstInt(bw), -1000, 1000) : -1000; if (md.BitWidth == -1) md.BitWidth = -2; }
                                tn.Members.Add(md);
                                if (!Accept(",")) break;
                            }
                            Expect(";");
                        }
                        Expect("}");
                    }
                }
                if (tn.Words.Any(w => w is "long" or "short" or "signed" or "unsigned"))
                    throw new DCompileException("D_DECL_LONGINT", Peek().Line, "invalid type declaration: long and long long may only be used with integer or floating-point types");
                tn.Words.Add(t.Text + " " + (tn.Tag ?? "<anon>"));
                any = true;
                continue;
            }
            if (t.Kind == Tk.Keyword && t.Text is "char" or "short" or "int" or "long" or "signed" or "unsigned" or "void" or "float" or "double" or "string")
            {
                Take(); tn.Words.Add(t.Text); any = true; continue;
            }
            if (t.Kind == Tk.Ident && _typedefs.Contains(t.Text) && !any)
            {
                Take(); tn.Words.Add(t.Text); any = true; continue;
            }
            break;
        }
        if (!any) throw Syntax(Peek());
        return tn;
    }

    private static long ConstInt(DExpr e) => e switch { IntLit l => (long)l.Value, UnaryExpr { Op: "-", Operand: IntLit l2 } => -(long)l2.Value, _ => 0 };

    private DDeclarator ParseDeclarator(DTypeName baseType, bool allowAbstract)
    {
        var d = new DDeclarator { Line = Peek().Line };
        int ptrs = 0;
        while (Peek().Is("*")) { Take(); ptrs++; while (Peek().Kind == Tk.Keyword && Peek().Text is "const" or "volatile" or "restrict") Take(); }
        var t = Peek();
        if (t.Kind == Tk.Ident) { d.Name = Take().Text; d.Line = t.Line; }
        else if (!allowAbstract && !t.Is("[")) throw Syntax(t);
        var ty = new DTypeName
        {
            Line = baseType.Line, Words = baseType.Words, Tag = baseType.Tag, TagKind = baseType.TagKind,
            Members = baseType.Members, Enumerators = baseType.Enumerators, Pointers = baseType.Pointers + ptrs,
        };
        while (Peek().Is("["))
        {
            Take();
            var dim = new DArrayDim();
            if (Peek().Is("]")) dim.Empty = true;
            else if (IsTypeStart(Peek()))
            {
                dim.Tuple = new();
                do
                {
                    var pt = ParseSpecifiers();
                    var pd = ParseDeclarator(pt, allowAbstract: true);
                    dim.Tuple.Add(pd.Type);
                } while (Accept(","));
            }
            else dim.Size = ParseConditional();
            Expect("]");
            ty.Dims.Add(dim);
        }
        d.Type = ty;
        return d;
    }

    private DTypeName ParseTypeName()
    {
        var spec = ParseSpecifiers();
        var d = ParseDeclarator(spec, allowAbstract: true);
        if (d.Name is not null) throw new DCompileException("D_SYNTAX", d.Line, $"syntax error near \"{d.Name}\"");
        return d.Type;
    }

    // ---------------------------------------------------------------- statements

    private List<DStmt> ParseStatements()
    {
        var list = new List<DStmt>();
        while (true)
        {
            var t = Peek();
            if (t.Is("}") || t.Kind == Tk.Eof) break;
            if (t.Is(";")) { Take(); continue; }
            if (t.Is("if"))
            {
                list.Add(ParseIf());
                continue;
            }
            if (t.Is("{"))
            {
                Take();
                var inner = ParseStatements();
                Expect("}");
                list.AddRange(inner);
                continue;
            }
            int depth = _depth;
            try
            {
                var e = ParseExpression();
                list.Add(new ExprStmt { Expr = e, Line = e.Line });
                if (Peek().Is("}")) break;
                if (Peek().Is(")")) throw new DCompileException("D_SYNTAX", Peek().Line, "extra ) in input stream");
                Expect(";");
            }
            catch (DCompileException e) when (_errors is not null)
            {
                Record(e);
                SkipStatement(depth);
            }
        }
        return list;
    }

    private IfStmt ParseIf()
    {
        var t = Expect("if");
        Expect("(");
        var s = new IfStmt { Line = t.Line, Cond = ParseExpression() };
        Expect(")");
        s.Then = ParseBranch();
        if (Accept("else")) s.Else = ParseBranch();
        return s;
    }

    private List<DStmt> ParseBranch()
    {
        if (Peek().Is("{"))
        {
            Take();
            var b = ParseStatements();
            Expect("}");
            return b;
        }
        if (Peek().Is("if")) return new List<DStmt> { ParseIf() };
        var e = ParseExpression();
        Expect(";");
        return new List<DStmt> { new ExprStmt { Expr = e, Line = e.Line } };
    }

    // ---------------------------------------------------------------- expressions

    public DExpr ParseExpression()
    {
        var e = ParseAssignment();
        while (Peek().Is(","))
        {
            var t = Take();
            var r = ParseAssignment();
            e = new BinaryExpr { Op = ",", Left = e, Right = r, Line = t.Line };
        }
        return e;
    }

    private static readonly HashSet<string> AssignOps = new() { "=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=" };

    private DExpr ParseAssignment()
    {
        var left = ParseConditional();
        var t = Peek();
        if (t.Kind == Tk.Op && AssignOps.Contains(t.Text))
        {
            Take();
            var right = ParseAssignment();
            return new AssignExpr { Op = t.Text, Target = left, Value = right, Line = t.Line };
        }
        return left;
    }

    private DExpr ParseConditional()
    {
        var c = ParseBinary(0);
        if (Peek().Is("?"))
        {
            var t = Take();
            int saved = _noSlash; _noSlash = 0;
            var a = ParseExpression();
            _noSlash = saved;
            Expect(":");
            var b = ParseConditional();
            return new TernaryExpr { Cond = c, Then = a, Else = b, Line = t.Line };
        }
        return c;
    }

    private static readonly string[][] Levels =
    {
        new[] { "||" }, new[] { "^^" }, new[] { "&&" }, new[] { "|" }, new[] { "^" }, new[] { "&" }, new[] { "==", "!=" },
        new[] { "<", ">", "<=", ">=" }, new[] { "<<", ">>" }, new[] { "+", "-" }, new[] { "*", "/", "%" },
    };

    private DExpr ParseBinary(int level)
    {
        if (level == Levels.Length) return ParseCast();
        var left = ParseBinary(level + 1);
        while (true)
        {
            var t = Peek();
            if (t.Kind != Tk.Op || Array.IndexOf(Levels[level], t.Text) < 0) break;
            if (t.Text == "/" && _noSlash > 0) break;
            Take();
            var right = ParseBinary(level + 1);
            left = new BinaryExpr { Op = t.Text, Left = left, Right = right, Line = t.Line };
        }
        return left;
    }

    private DExpr ParseCast()
    {
        var t = Peek();
        if (t.Is("("))
        {
            // look ahead for a type name
            var save = (_lx.Position, _lx.Line, _tok, _have, _lastLine);
            Take();
            if (IsTypeStart(Peek()))
            {
                var tn = ParseTypeName();
                Expect(")");
                var operand = ParseCast();
                return new CastExpr { Type = tn, Operand = operand, Line = t.Line };
            }
            // not a cast: restore
            _lx.Reset(save.Position, save.Line);
            _tok = save._tok; _have = save._have; _lastLine = save._lastLine;
        }
        return ParseUnary();
    }

    private DExpr ParseUnary()
    {
        var t = Peek();
        if (t.Kind == Tk.Op && t.Text is "++" or "--")
        {
            Take();
            var e = ParseUnary();
            return new UnaryExpr { Op = t.Text, Operand = e, Line = t.Line };
        }
        if (t.Kind == Tk.Op && t.Text is "&" or "*" or "+" or "-" or "~" or "!")
        {
            Take();
            var e = ParseCast();
            return new UnaryExpr { Op = t.Text, Operand = e, Line = t.Line };
        }
        if (t.Is("sizeof"))
        {
            Take();
            if (Peek().Is("("))
            {
                var save = (_lx.Position, _lx.Line, _tok, _have, _lastLine);
                Take();
                if (IsTypeStart(Peek()))
                {
                    var tn = ParseTypeName();
                    Expect(")");
                    return new SizeofExpr { Type = tn, Line = t.Line };
                }
                _lx.Reset(save.Position, save.Line);
                _tok = save._tok; _have = save._have; _lastLine = save._lastLine;
            }
            return new SizeofExpr { Operand = ParseUnary(), Line = t.Line };
        }
        if (t.Is("stringof"))
        {
            Take();
            return new StringofExpr { Operand = ParseUnary(), Line = t.Line };
        }
        return ParsePostfix();
    }

    private DExpr ParsePostfix()
    {
        var e = ParsePrimary();
        while (true)
        {
            var t = Peek();
            if (t.Is("["))
            {
                Take();
                var ix = new IndexExpr { Target = e, Line = t.Line };
                int saved = _noSlash; _noSlash = 0;
                if (!Peek().Is("]"))
                {
                    ix.Index.Add(ParseAssignment());
                    while (Accept(",")) ix.Index.Add(ParseAssignment());
                }
                _noSlash = saved;
                Expect("]");
                e = ix;
            }
            else if (t.Is("("))
            {
                Take();
                if (e is not IdentExpr) throw new DCompileException("D_FUNC_IDENT", t.Line, "function designator is not of function type");
                var call = new CallExpr { Callee = e, Line = t.Line };
                int saved = _noSlash; _noSlash = 0;
                if (!Peek().Is(")"))
                {
                    call.Args.Add(ParseAssignment());
                    while (Accept(",")) call.Args.Add(ParseAssignment());
                }
                _noSlash = saved;
                var close = Expect(")");
                e = call;
                _ = close;
            }
            else if (t.Is(".") || t.Is("->"))
            {
                Take();
                var m = Take();
                if (m.Kind != Tk.Ident && m.Kind != Tk.Keyword) throw Syntax(m);
                e = new MemberExpr { Target = e, Member = m.Text, Arrow = t.Text == "->", Line = m.Line };
            }
            else if (t.Is("++") || t.Is("--"))
            {
                Take();
                e = new PostfixExpr { Op = t.Text, Operand = e, Line = t.Line };
            }
            else break;
        }
        return e;
    }

    private DExpr ParsePrimary()
    {
        var t = Take();
        switch (t.Kind)
        {
            case Tk.Int:
            case Tk.Char:
                return new IntLit { Value = t.Value, Type = t.IntType ?? "int", Text = t.Text, Line = t.Line };
            case Tk.String:
            {
                var s = t.Str ?? "";
                // adjacent string literals concatenate
                while (Peek().Kind == Tk.String) s += Take().Str;
                return new StrLit { Value = s, Line = t.Line };
            }
            case Tk.Ident:
                return new IdentExpr { Name = t.Text, Line = t.Line };
            case Tk.AggName:
                return new AggExpr { Name = t.Text, Line = t.Line };
            case Tk.Macro:
                return new MacroExpr { Name = t.Text, Line = t.Line };
            case Tk.Keyword when t.Text is "self" or "this":
                return new IdentExpr { Name = t.Text, Line = t.Line };
            case Tk.Keyword when t.Text == "offsetof":
            {
                Expect("(");
                var tn = ParseTypeName();
                Expect(",");
                var m = Take();
                if (m.Kind != Tk.Ident) throw Syntax(m);
                Expect(")");
                return new OffsetofExpr { Type = tn, Member = m.Text, Line = t.Line };
            }
            case Tk.Keyword when t.Text == "xlate":
            {
                Expect("<");
                var tn = ParseTypeName();
                Expect(">");
                Expect("(");
                var e = ParseExpression();
                Expect(")");
                return new XlateExpr { Type = tn, Operand = e, Line = t.Line };
            }
            case Tk.Op when t.Text == "(":
            {
                int saved = _noSlash; _noSlash = 0;
                var e = ParseExpression();
                _noSlash = saved;
                Expect(")");
                return e;
            }
            case Tk.Op when t.Text == "`":
            {
                var id = Take();
                return new IdentExpr { Name = "`" + id.Text, Line = id.Line };
            }
        }
        throw Syntax(t);
    }
}
