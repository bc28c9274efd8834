using Illumos.Engine.Languages.D;
using Illumos.Engine.Tracing;
using Xunit;

namespace Illumos.Engine.Tests.Tracing;

/// <summary>Test-DTraceScript's compile check reports every error the front end can recover from, not only the first.</summary>
public class CheckAllErrorsTests
{
    private static List<(string Tag, int Line)> Check(string source) =>
        DCompiler.Check(source).Select(d => (d.Tag, d.Line)).ToList();

    [Fact]
    public void Syntax_errors_of_several_statements_and_clauses_are_all_reported()
    {
        var src = "BEGIN\n{\n\tx = ;\n\ty = 1;\n\tz = * ;\n}\n\nEND\n{\n\tprintf(\"%d\\n\", );\n}\n";
        Assert.Equal([("D_SYNTAX", 3), ("D_SYNTAX", 5), ("D_SYNTAX", 10)], Check(src));
    }

    [Fact]
    public void A_broken_clause_head_does_not_hide_the_next_clause()
    {
        var src = "BEGIN\n/x == /\n{\n\ttrace(1);\n}\n\nEND\n{\n\ttrace(;\n}\n";
        var got = Check(src);
        Assert.Equal(2, got.Count);
        Assert.Equal(("D_SYNTAX", 2), got[0]);
        Assert.Equal(("D_SYNTAX", 9), got[1]);
    }

    [Fact]
    public void Semantic_errors_are_reported_per_statement_and_per_clause_with_their_tags()
    {
        var src = "BEGIN\n{\n\ttrace(nosuch);\n\tx = \"a\" * 2;\n\ttrace(1);\n}\n\nnosuchprovider:::entry\n{\n\ttrace(2);\n}\n\nEND\n/\"str\" - 1/\n{\n\t@a = count(1);\n}\n";
        var got = DCompiler.Check(src);
        Assert.True(got.Count >= 4, string.Join("\n", got));
        Assert.Equal(("D_IDENT_UNDEF", 3), (got[0].Tag, got[0].Line));
        Assert.Contains(got, d => d.Line == 4 && d.Tag.StartsWith("D_OP_", StringComparison.Ordinal));
        Assert.Contains(got, d => d.Tag == "D_PDESC_ZERO" && d.Line == 8);
        Assert.Contains(got, d => d.Line == 16 && d.Tag.StartsWith("D_PROTO", StringComparison.Ordinal));
        Assert.All(got, d => Assert.False(string.IsNullOrEmpty(d.Message)));
    }

    [Fact]
    public void The_first_reported_error_is_the_one_compile_throws()
    {
        foreach (var src in new[] { "BEGIN { x = ; y = ; }", "BEGIN { trace(a); trace(b); }", "BEGIN { @ = count(); @ = sum(1); } nosuch:::x { }" })
        {
            var thrown = Assert.Throws<DCompileException>(() => DCompiler.Compile(src)).Diagnostic;
            Assert.Equal(thrown, DCompiler.Check(src)[0]);
        }
    }

    [Fact]
    public void A_valid_program_has_no_diagnostics_and_errors_stay_in_source_order()
    {
        Assert.Empty(DCompiler.Check("BEGIN { x = 1; printf(\"%d\\n\", x); exit(0); }"));
        var got = new EmbeddedTracing().Check(new TraceRequest { Script = "BEGIN { a = ; }\nEND { b = ; }\ntick-1s { c = ; }" });
        Assert.Equal([1, 2, 3], got.Select(d => d.Line));
    }

    [Fact]
    public void A_lexer_error_stops_recovery_cleanly()
    {
        var got = Check("BEGIN { x = ; }\nEND { s = \"unterminated ; }\n");
        Assert.Equal(("D_SYNTAX", 1), got[0]);
        Assert.True(got.Count >= 2);
    }
}
