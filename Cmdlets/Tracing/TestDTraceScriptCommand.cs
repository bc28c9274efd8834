using System.Management.Automation;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Tracing;

/// <summary>
/// Compiles a D program without running it (dtrace -e): writes one TraceDiagnostic (D_* tag, line,
/// message) per error and nothing when the program compiles; with -Quiet, $true or $false.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "DTraceScript", DefaultParameterSetName = ScriptSet)]
[OutputType(typeof(TraceDiagnostic))]
[OutputType(typeof(bool))]
public sealed class TestDTraceScriptCommand : TraceCmdlet
{
    /// <summary>Return $true when the program compiles on every session, else $false, instead of the diagnostics.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        var request = ProgramRequest();
        if (request is null)
        {
            if (Quiet) WriteObject(false);
            return;
        }
        bool valid = true;
        foreach (var s in ResolveSessions())
        {
            var diagnostics = Try(() => TracingOf(s).Check(request), s.ComputerName);
            if (diagnostics is null) { valid = false; continue; }
            if (diagnostics.Count > 0) valid = false;
            if (!Quiet)
                foreach (var d in diagnostics) WriteObject(d with { Session = s, Script = ScriptSource });
        }
        if (Quiet) WriteObject(valid);
    }
}
