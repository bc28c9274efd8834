using System.Collections;
using System.Globalization;
using System.Management.Automation;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Tracing;

/// <summary>
/// Base of the cmdlets that take a D program (Trace-Probe, Test-DTraceScript): the program as -Script
/// text or a -Path file, its $1... macro arguments and dtrace -x options, turned into the engine's
/// <see cref="TraceRequest"/>.
/// </summary>
public abstract class TraceCmdlet : IllumosCmdlet
{
    protected const string ScriptSet = "Script";
    protected const string PathSet = "Path";

    /// <summary>A whole D program.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptSet)]
    [ValidateNotNullOrEmpty]
    public string Script { get; set; } = "";

    /// <summary>A file holding a D program (dtrace -s).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Values for the macro arguments $1, $2, ... (and $$1 ... as strings).</summary>
    [Parameter]
    [AllowEmptyCollection]
    public object[] ArgumentList { get; set; } = [];

    /// <summary>dtrace -x options: @{ quiet = $true; strsize = 512 }.</summary>
    [Parameter]
    public Hashtable? Option { get; set; }

    protected static ITracing TracingOf(IllumosSession session) => session.Facility<ITracing>();

    /// <summary>Where the program of the last <see cref="ProgramRequest"/> came from: the file's full path, or "script".</summary>
    protected string ScriptSource { get; private set; } = "script";

    /// <summary>
    /// The program of the Script or Path parameter set with the arguments and options, or null (after a
    /// non-terminating error) when the file cannot be read.
    /// </summary>
    protected TraceRequest? ProgramRequest()
    {
        if (ParameterSetName != PathSet)
        {
            ScriptSource = "script";
            return BaseRequest() with { Script = Script, ScriptName = ScriptSource };
        }
        try
        {
            var file = GetUnresolvedProviderPathFromPSPath(Path);
            ScriptSource = file;
            return BaseRequest() with { Script = File.ReadAllText(file), ScriptName = System.IO.Path.GetFileName(file) };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ItemNotFoundException or NotSupportedException or PSNotSupportedException)
        {
            var notFound = e is FileNotFoundException or DirectoryNotFoundException or ItemNotFoundException;
            WriteError(ErrorMapper.Create(notFound ? "TraceScriptNotFound" : "TraceScriptUnreadable",
                notFound ? ErrorCategory.ObjectNotFound : ErrorCategory.ReadError, $"Cannot read the D script '{Path}': {e.Message}", Path));
            return null;
        }
    }

    /// <summary>A request with the arguments and options but no program yet.</summary>
    protected TraceRequest BaseRequest() => new()
    {
        Arguments = ArgumentList.Select(ArgumentText).ToArray(),
        Options = OptionMap(Option),
    };

    private static string ArgumentText(object? value) => (value is PSObject p ? p.BaseObject : value) switch
    {
        null => "",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var v => v.ToString() ?? "",
    };

    /// <summary>
    /// -Option as dtrace -x pairs: $true (or a present switch) sets a flag option, $false leaves the
    /// option unset, anything else is the option's value in invariant culture.
    /// </summary>
    internal static Dictionary<string, string?> OptionMap(IDictionary? table)
    {
        var map = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (table is null) return map;
        foreach (DictionaryEntry e in table)
        {
            var key = e.Key?.ToString() ?? "";
            switch (e.Value is PSObject p ? p.BaseObject : e.Value)
            {
                case bool b: if (b) map[key] = null; break;
                case SwitchParameter s: if (s.IsPresent) map[key] = null; break;
                case null: map[key] = null; break;
                case var v: map[key] = ArgumentText(v); break;
            }
        }
        return map;
    }

    /// <summary>
    /// A compile (or option) error as an ErrorRecord: the ErrorId is the D_* tag, the category ParserError
    /// (InvalidArgument for an -Option that dtrace would refuse), the target the diagnostic itself, which
    /// carries the tag, the line and the session.
    /// </summary>
    internal static ErrorRecord DiagnosticError(TraceDiagnostic d, string scriptName)
    {
        var optionError = d.Line == 0 && d.Tag == "D_PRAGMA_OPTSET";
        var where = optionError ? "-Option" : $"{scriptName}, line {d.Line}";
        return ErrorMapper.Create(d.Tag, optionError ? ErrorCategory.InvalidArgument : ErrorCategory.ParserError,
            $"{where}: {d.Message} [{d.Tag}]", d);
    }
}
