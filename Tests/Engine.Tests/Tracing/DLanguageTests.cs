using Illumos.Engine.Languages.D;
using Illumos.Engine.Tracing;
using Xunit;

namespace Illumos.Engine.Tests.Tracing;

public class DLanguageTests
{
    private static DTraceCommandResult Run(string src, bool quiet = true) =>
        DTraceCommand.Run(src, new DTraceCommand.Settings { ScriptName = "t.d", Quiet = quiet, Timeout = TimeSpan.FromSeconds(10) });

    [Theory]
    [InlineData("0x10", 16UL, "int")]
    [InlineData("0xffffffff", 0xffffffffUL, "unsigned int")]
    [InlineData("4294967296", 4294967296UL, "long")]
    [InlineData("10ull", 10UL, "unsigned long long")]
    [InlineData("017", 15UL, "int")]
    public void LexerTypesIntegerConstantsLikeC(string text, ulong value, string type)
    {
        var t = new DLexer(text).Next();
        Assert.Equal(Tk.Int, t.Kind);
        Assert.Equal(value, t.Value);
        Assert.Equal(type, t.IntType);
    }

    [Fact]
    public void LexerReadsProbeDescriptionsAtProgramLevel()
    {
        var ast = new DParser("syscall::read:entry, tick-10ms\n/x > 1/\n{ trace(1); }").ParseProgram();
        var c = Assert.Single(ast.Clauses);
        Assert.Equal(2, c.Probes.Count);
        Assert.Equal("read", c.Probes[0].Function);
        Assert.Equal("tick-10ms", c.Probes[1].Name);
        Assert.IsType<BinaryExpr>(c.Predicate);
    }

    [Fact]
    public void PredicateDivisionNeedsParentheses()
    {
        var ast = new DParser("BEGIN /(x / 2) == 1/ { }").ParseProgram();
        var p = Assert.IsType<BinaryExpr>(Assert.Single(ast.Clauses).Predicate);
        Assert.Equal("==", p.Op);
    }

    [Theory]
    [InlineData("BEGIN\n{\n\t0128;\n}", "D_INT_DIGIT", 3)]
    [InlineData("BEGIN\n{\n\th = '';\n}", "D_CHR_NULL", 3)]
    [InlineData("BEGIN\n{\n\tc = 123/(7-7);\n}", "D_DIV_ZERO", 3)]
    [InlineData("BEGIN\n{\n\t@a = count();\n\t@a = max(1);\n}", "D_AGG_REDEF", 4)]
    [InlineData("BEGIN\n{\n\t@ = count(1);\n}", "D_PROTO_LEN", 3)]
    [InlineData("BEGIN\n{\n\tprintf(\"%d\");\n}", "D_PRINTF_ARG_PROTO", 3)]
    [InlineData("BEGIN\n{\n\tprintf(\"%d\", 1, 2);\n}", "D_PRINTF_ARG_EXTRA", 3)]
    [InlineData("BEGIN\n/x != 0/\n{\n}", "D_IDENT_UNDEF", 2)]
    [InlineData("nosuch:::probe\n{\n}", "D_PDESC_ZERO", 1)]
    [InlineData("BEGIN\n{\n\ta = 3;\n\ta += \"x\";\n}", "D_OP_INCOMPAT", 4)]
    [InlineData("BEGIN\n{\n\ttrace(trace(1));\n}", "D_TRACE_VOID", 3)]
    [InlineData("#pragma D option quiet=please\nBEGIN { }", "D_PRAGMA_OPTSET", 1)]
    [InlineData("BEGIN\n{\n\ti+-;\n}", "D_SYNTAX", 3)]
    [InlineData("int a[5];\nBEGIN\n{\n\ta[5] = 0;\n}", "D_ARR_BOUNDS", 4)]
    [InlineData("struct s { int x; };\nstruct s v;\nBEGIN\n{\n\tv.y = 1;\n}", "D_TYPE_MEMBER", 5)]
    public void ErrorsCarryIllumosTagsAndLines(string src, string tag, int line)
    {
        var d = Assert.Single(DCompiler.Check(src));
        Assert.Equal(tag, d.Tag);
        Assert.Equal(line, d.Line);
    }

    [Fact]
    public void CompileErrorIsReportedLikeDtrace()
    {
        var r = Run("BEGIN\n{\n\texit(\"\");\n}");
        Assert.Equal(1, r.ExitStatus);
        Assert.Equal("dtrace: failed to compile script t.d: [D_PROTO_ARG] line 3: exit( ) argument #1 is incompatible with prototype:\n\tprototype: int\n\t argument: string\n", r.Stderr);
    }

    [Fact]
    public void ArithmeticIsSixtyFourBitAndPrintfUsesTheArgumentType()
    {
        var r = Run("BEGIN { i = 0xbeef; j = ~i; x = 0xdeadbeefull; printf(\"%x %x %d\\n\", j, ~x, 7 / 2); exit(0); }");
        Assert.Equal("ffff4110 ffffffff21524110 3\n\n", r.Stdout);
    }

    [Fact]
    public void VariablesOfEveryScope()
    {
        var r = Run(@"
self int t;
BEGIN { g = 1; self->t = 2; this->l = 3; a[""k"", 1] = 4; s = ""str""; }
BEGIN { printf(""%d %d %d %d %s %d\n"", g, self->t, this->l, a[""k"", 1], s, a[""none"", 0]); exit(0); }");
        Assert.Equal("1 2 3 4 str 0\n\n", r.Stdout);
    }

    [Fact]
    public void StringLibrary()
    {
        var r = Run(@"BEGIN { printf(""%d %s %s %d %s %s %s\n"", strlen(""hello""), strjoin(""a"", ""b""), substr(""hello"", 1, 3),
            index(""hello"", ""l""), toupper(""x""), basename(""/a/b/c""), dirname(""/a/b/c"")); exit(0); }");
        Assert.Equal("5 ab ell 2 X c /a/b\n\n", r.Stdout);
    }

    [Fact]
    public void StructsPointersAndAlloca()
    {
        var r = Run(@"
struct point { int x; int y; char name[8]; };
struct point p;
BEGIN { p.x = 3; p.y = 4; p.name = ""pt""; q = &p; this->m = (int *)alloca(8); *this->m = q->x * q->y;
        printf(""%d %s %d %d\n"", q->y, p.name, *this->m, sizeof (struct point)); exit(0); }");
        Assert.Equal("4 pt 12 16\n\n", r.Stdout);
    }

    [Fact]
    public void RuntimeFaultGoesToErrorProbeAndDoesNotCrash()
    {
        var r = Run("BEGIN { x = 0; y = 1 / x; printf(\"not reached\"); }\nERROR { printf(\"fault %d\\n\", arg4); exit(3); }");
        Assert.Equal(3, r.ExitStatus);
        Assert.Equal("fault 4\n\n", r.Stdout);
        Assert.Contains("divide-by-zero", r.Stderr);
    }

    [Fact]
    public void RunawayScriptStopsAtTheTimeout()
    {
        var r = DTraceCommand.Run("tick-1ms { n++; }", new DTraceCommand.Settings { Quiet = true, Timeout = TimeSpan.FromMilliseconds(200) });
        Assert.Equal(0, r.ExitStatus);
    }

    [Fact]
    public void SpeculationCommitsAndDiscards()
    {
        var r = Run(@"#pragma D option nspec=2
BEGIN { s1 = speculation(); s2 = speculation(); }
BEGIN { speculate(s1); printf(""kept\n""); }
BEGIN { speculate(s2); printf(""dropped\n""); }
BEGIN { commit(s1); discard(s2); }
BEGIN { exit(0); }");
        Assert.Equal("kept\n\n", r.Stdout);
        Assert.Single(DCompiler.Check("BEGIN { commit(1); exit(0); }"), d => d.Tag == "D_DREC_COMM");
    }
}
