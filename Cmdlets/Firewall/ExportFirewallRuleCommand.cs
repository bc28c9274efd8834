using System.Management.Automation;
using System.Text;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Writes a rule set as ipf.conf text: one canonical rule per line, disabled rules as '#disabled: ' comments, ready for
/// Import-FirewallRule or ipf -f. Without -Path the text is written to the pipeline.
/// </summary>
[Cmdlet(VerbsData.Export, "FirewallRule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(string))]
public sealed class ExportFirewallRuleCommand : FirewallCmdlet
{
    /// <summary>The file to write; the text goes to the pipeline when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Do not overwrite an existing file.</summary>
    [Parameter]
    public SwitchParameter NoClobber { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            var text = Try(() => FirewallOf(s).ExportRules(scope, StopToken), scope.ToString());
            if (text is null) continue;
            if (Path is null)
            {
                WriteObject(text);
                continue;
            }
            var file = GetUnresolvedProviderPathFromPSPath(Path);
            if (NoClobber && File.Exists(file))
            {
                WriteError(ErrorMapper.Create("FirewallFileExists", ErrorCategory.ResourceExists, $"The file '{file}' exists and -NoClobber was given.", file));
                continue;
            }
            if (!ShouldProcess(file, $"Write the rules of {Where(scope, s)}")) continue;
            try
            {
                File.WriteAllText(file, text, new UTF8Encoding(false));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(ErrorMapper.Create("FirewallFileWriteFailed", ErrorCategory.WriteError, $"Cannot write '{file}': {e.Message}", file));
            }
        }
    }
}
