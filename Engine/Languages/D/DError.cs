namespace Illumos.Engine.Languages.D;

/// <summary>One compile error: illumos's D_* tag, the source line and the message.</summary>
public sealed record DDiagnostic(string Tag, int Line, string Message)
{
    public override string ToString() => $"[{Tag}] line {Line}: {Message}";
}

/// <summary>Thrown by the lexer, parser and checker; carries the diagnostic.</summary>
public sealed class DCompileException : IllumosException
{
    public DCompileException(string tag, int line, string message)
        : base(ErrorKind.ParserError, "DTrace" + tag, message) => Diagnostic = new DDiagnostic(tag, line, message);

    public DDiagnostic Diagnostic { get; }
}
