using System.Management.Automation;
using Illumos.Engine;

namespace Illumos.Cmdlets;

/// <summary>Engine errors become ErrorRecords with the engine's stable ErrorId and the matching category.</summary>
internal static class ErrorMapper
{
    public static ErrorRecord ToErrorRecord(IllumosException e, object? target = null) =>
        new(e, e.ErrorId, ToCategory(e.Kind), target ?? e.Target);

    public static ErrorCategory ToCategory(ErrorKind kind) =>
        Enum.TryParse<ErrorCategory>(kind.ToString(), out var c) ? c : ErrorCategory.NotSpecified;

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target) =>
        new(new IllumosException(Enum.TryParse<ErrorKind>(category.ToString(), out var k) ? k : ErrorKind.NotSpecified, errorId, message, target), errorId, category, target);
}
