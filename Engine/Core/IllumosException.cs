namespace Illumos.Engine;

/// <summary>
/// What kind of failure an engine error is. The names match PowerShell's ErrorCategory so the
/// cmdlet layer maps them one to one without the engine referencing System.Management.Automation.
/// </summary>
public enum ErrorKind
{
    NotSpecified,
    ObjectNotFound,
    ResourceExists,
    ResourceBusy,
    ResourceUnavailable,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    PermissionDenied,
    ConnectionError,
    OperationTimeout,
    OperationStopped,
    NotImplemented,
    NotEnabled,
    DeviceError,
    QuotaExceeded,
    LimitsExceeded,
    ParserError,
    SyntaxError,
    ReadError,
    WriteError,
    ProtocolError,
}

/// <summary>
/// The one exception type engine code throws for expected failures. <see cref="ErrorId"/> is stable
/// (scripts match on it); <see cref="Target"/> is the object the failure is about.
/// </summary>
public class IllumosException : Exception
{
    public IllumosException(ErrorKind kind, string errorId, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorId = errorId;
        Target = target;
    }

    public ErrorKind Kind { get; }
    public string ErrorId { get; }
    public object? Target { get; }

    public static IllumosException NotFound(string errorId, string message, object? target) =>
        new(ErrorKind.ObjectNotFound, errorId, message, target);

    public static IllumosException Exists(string errorId, string message, object? target) =>
        new(ErrorKind.ResourceExists, errorId, message, target);

    public static IllumosException Invalid(string errorId, string message, object? target) =>
        new(ErrorKind.InvalidArgument, errorId, message, target);

    public static IllumosException Refused(string errorId, string message, object? target) =>
        new(ErrorKind.InvalidOperation, errorId, message, target);
}

/// <summary>A native command that failed: the argv, exit code and stderr are kept for the user.</summary>
public sealed class IllumosCommandException : IllumosException
{
    public IllumosCommandException(string tool, IReadOnlyList<string> argv, int exitCode, string stdErr, ErrorKind kind = ErrorKind.NotSpecified, string? errorId = null)
        : base(kind, errorId ?? "NativeCommandFailed",
            $"'{string.Join(' ', argv)}' failed with exit code {exitCode}" + (string.IsNullOrWhiteSpace(stdErr) ? "." : ": " + stdErr.Trim()),
            string.Join(' ', argv))
    {
        Tool = tool;
        Argv = argv;
        ExitCode = exitCode;
        StdErr = stdErr;
    }

    public string Tool { get; }
    public IReadOnlyList<string> Argv { get; }
    public int ExitCode { get; }
    public string StdErr { get; }
}
