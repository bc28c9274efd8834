using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Disables filter rules: a disabled rule stays in its place in the stored ipf.conf (as a '#disabled:' comment) but is not evaluated.</summary>
[Cmdlet(VerbsLifecycle.Disable, "FirewallRule", DefaultParameterSetName = PositionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FirewallRule))]
public sealed class DisableFirewallRuleCommand : FirewallRuleSelectionCmdlet
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => SetEnabled(false, PassThru);
}
