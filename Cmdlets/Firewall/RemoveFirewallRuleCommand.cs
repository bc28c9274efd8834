using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Removes filter rules from a rule set (by position, text or piped), or every rule with -All (ipf -Fa).</summary>
[Cmdlet(VerbsCommon.Remove, "FirewallRule", DefaultParameterSetName = PositionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(FirewallRule))]
public sealed class RemoveFirewallRuleCommand : FirewallRuleSelectionCmdlet
{
    private const string AllSet = "All";

    /// <summary>Removes every rule of the rule set.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AllSet)]
    public SwitchParameter All { get; set; }

    /// <summary>Writes each removed rule (as it was) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (All)
        {
            foreach (var s in ResolveSessions())
            {
                var scope = Scope;
                Try(() =>
                {
                    var fw = FirewallOf(s);
                    var old = fw.GetRules(scope, StopToken);
                    if (!ShouldProcess(Where(scope, s), $"Remove all {old.Count} firewall rules")) return;
                    fw.ImportRules(scope, "", replace: true, StopToken);
                    if (PassThru) WriteRecords(old, s);
                }, scope.ToString());
            }
            return;
        }
        // Later positions first, so that earlier ones stay where they were selected.
        foreach (var (s, fw, scope, rule) in SelectedRules().OrderByDescending(t => t.Rule.Position).ToList())
        {
            Try(() =>
            {
                int at = Current(fw, scope, rule);
                if (!ShouldProcess(Describe(rule with { Position = at }, s), "Remove firewall rule")) return;
                fw.RemoveRule(scope, at, StopToken);
                if (PassThru) WriteObject(Stamp(rule with { Position = at }, s));
            }, rule.Text);
        }
    }
}
