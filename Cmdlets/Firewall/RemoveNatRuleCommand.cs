using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Removes NAT rules by position or piped from Get-NatRule; translations already in use stay until they expire.</summary>
[Cmdlet(VerbsCommon.Remove, "NatRule", DefaultParameterSetName = PositionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(NatRule))]
public sealed class RemoveNatRuleCommand : FirewallCmdlet
{
    private const string PositionSet = "Position";
    private const string InputObjectSet = "InputObject";

    /// <summary>Positions of the rules (1-based).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PositionSet)]
    [ValidateRange(1, int.MaxValue)]
    public int[] Position { get; set; } = [];

    /// <summary>Rules from Get-NatRule.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public NatRule[] InputObject { get; set; } = [];

    /// <summary>Writes each removed rule to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var targets = new List<(Engine.Sessions.IllumosSession Session, IFirewall Firewall, FirewallScope Scope, NatRule Item)>();
        if (ParameterSetName == InputObjectSet) targets.AddRange(Piped(InputObject, ScopeOf));
        else
            foreach (var s in ResolveSessions())
            {
                var scope = Scope;
                IFirewall? fw = null;
                IReadOnlyList<NatRule>? rules = null;
                if (!Try(() => { fw = FirewallOf(s); rules = fw.GetNatRules(scope, StopToken); }, scope.ToString())) continue;
                targets.AddRange(SelectPositions(rules!, Position, r => r.Position, "NatRule", scope, s).Select(r => (s, fw!, scope, r)));
            }
        foreach (var (s, fw, scope, rule) in targets.OrderByDescending(t => t.Item.Position))
        {
            Try(() =>
            {
                int at = Locate(fw.GetNatRules(scope, StopToken), r => r.Text, rule.Position, rule.Text, "NatRule");
                if (!ShouldProcess($"NAT rule {at} '{rule.Text}' in {Where(scope, s)}", "Remove NAT rule")) return;
                fw.RemoveNatRule(scope, at, StopToken);
                if (PassThru) WriteObject(Stamp(rule with { Position = at }, s));
            }, rule.Text);
        }
    }
}
