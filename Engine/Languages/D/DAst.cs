namespace Illumos.Engine.Languages.D;

/// <summary>Base of every syntax node; <see cref="Line"/> is the source line errors report.</summary>
public abstract class DNode
{
    public int Line { get; set; }
}

public abstract class DExpr : DNode { }

public sealed class IntLit : DExpr { public ulong Value; public string Type = "int"; public string Text = ""; }
public sealed class StrLit : DExpr { public string Value = ""; }
public sealed class IdentExpr : DExpr { public string Name = ""; }
public sealed class MacroExpr : DExpr { public string Name = ""; }
public sealed class AggExpr : DExpr { public string Name = ""; }
public sealed class BinaryExpr : DExpr { public string Op = ""; public DExpr Left = null!; public DExpr Right = null!; }
public sealed class UnaryExpr : DExpr { public string Op = ""; public DExpr Operand = null!; }
public sealed class PostfixExpr : DExpr { public string Op = ""; public DExpr Operand = null!; }
public sealed class AssignExpr : DExpr { public string Op = "="; public DExpr Target = null!; public DExpr Value = null!; }
public sealed class TernaryExpr : DExpr { public DExpr Cond = null!; public DExpr Then = null!; public DExpr Else = null!; }
public sealed class CallExpr : DExpr { public DExpr Callee = null!; public List<DExpr> Args = new(); }
public sealed class IndexExpr : DExpr { public DExpr Target = null!; public List<DExpr> Index = new(); }
public sealed class MemberExpr : DExpr { public DExpr Target = null!; public string Member = ""; public bool Arrow; }
public sealed class CastExpr : DExpr { public DTypeName Type = null!; public DExpr Operand = null!; }
public sealed class SizeofExpr : DExpr { public DTypeName? Type; public DExpr? Operand; }
public sealed class StringofExpr : DExpr { public DExpr Operand = null!; }
public sealed class OffsetofExpr : DExpr { public DTypeName Type = null!; public string Member = ""; }
public sealed class XlateExpr : DExpr { public DTypeName Type = null!; public DExpr Operand = null!; }

/// <summary>A type as written: specifier words, an optional struct/union/enum body, and declarator pointers/arrays.</summary>
public sealed class DTypeName : DNode
{
    public List<string> Words = new();           // e.g. "unsigned", "long"
    public string? Tag;                           // struct/union/enum name
    public string? TagKind;                       // "struct", "union", "enum"
    public List<DDeclarator>? Members;            // struct/union body
    public List<(string Name, DExpr? Value, int Line)>? Enumerators;
    public int Pointers;
    public List<DArrayDim> Dims = new();
    public override string ToString() => string.Join(" ", Words) + (Pointers > 0 ? " " + new string('*', Pointers) : "");
}

public sealed class DArrayDim
{
    public DExpr? Size;                           // int a[5]
    public List<DTypeName>? Tuple;                // int a[string, int]
    public bool Empty;                            // int a[]
}

public sealed class DDeclarator : DNode
{
    public string? Name;
    public DTypeName Type = null!;                // full type including pointers/dims
    public DExpr? Init;
    public int BitWidth = -1;
}

public abstract class DStmt : DNode { }
public sealed class ExprStmt : DStmt { public DExpr Expr = null!; }
public sealed class IfStmt : DStmt { public DExpr Cond = null!; public List<DStmt> Then = new(); public List<DStmt>? Else; }
public sealed class EmptyStmt : DStmt { }

public abstract class DTopLevel : DNode { }

public sealed class ProbeDesc
{
    public string Text = "";
    public int Line;
    public string Provider = "", Module = "", Function = "", Name = "";
}

public sealed class Clause : DTopLevel
{
    public List<ProbeDesc> Probes = new();
    public DExpr? Predicate;
    public List<DStmt> Body = new();
    public int Index;
    public int EndLine;
}

public sealed class Declaration : DTopLevel
{
    public string? StorageClass;                  // self, this, extern, static, register, typedef, inline
    public DTypeName BaseType = null!;
    public List<DDeclarator> Declarators = new();
    public TranslatorDecl? Translator;
}

public sealed class PragmaDirective : DTopLevel { public string Text = ""; }

public sealed class TranslatorDecl : DTopLevel
{
    public DTypeName Output = null!;
    public DTypeName Input = null!;
    public string InputName = "";
    public int EndLine;
    public List<(string Member, DExpr Value, int Line)> Members = new();
}

public sealed class DProgramAst
{
    public List<DTopLevel> Items = new();
    public List<PragmaDirective> Directives = new();
    public IEnumerable<Clause> Clauses => Items.OfType<Clause>();
}
