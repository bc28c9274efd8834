using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Lists the ordered filter rules of a rule set with their hit counts (ipfstat -hio), filtered like Get-NetFirewallRule.</summary>
[Cmdlet(VerbsCommon.Get, "FirewallRule", DefaultParameterSetName = PositionSet)]
[OutputType(typeof(FirewallRule))]
public sealed class GetFirewallRuleCommand : FirewallCmdlet
{
    private const string PositionSet = "Position";
    private const string RuleSet = "Rule";

    /// <summary>Positions of the rules (1-based); all rules when omitted.</summary>
    [Parameter(Position = 0, ParameterSetName = PositionSet)]
    [ValidateRange(1, int.MaxValue)]
    [ArgumentCompleter(typeof(Completers.FirewallRulePositionCompleter))]
    public int[]? Position { get; set; }

    /// <summary>Rule texts in ipf.conf form; wildcards are permitted.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RuleSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Rule { get; set; }

    [Parameter]
    public FirewallAction[]? Action { get; set; }

    [Parameter]
    public FirewallDirection[]? Direction { get; set; }

    [Parameter]
    public bool Enabled { get; set; }

    /// <summary>Only rules in these rule groups (ipf group).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Group { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            var rules = Try(() => FirewallOf(s).GetRules(scope, StopToken), scope.ToString());
            if (rules is null) continue;
            IEnumerable<FirewallRule> selected = ParameterSetName == RuleSet
                ? SelectByText(rules, Rule!, scope, s)
                : SelectPositions(rules, Position, r => r.Position, "FirewallRule", scope, s);
            if (Action is { Length: > 0 }) selected = selected.Where(r => Action.Contains(FirewallRuleText.ActionOf(r.Action)));
            if (Direction is { Length: > 0 }) selected = selected.Where(r => Direction.Contains(r.Direction == "out" ? FirewallDirection.Outbound : FirewallDirection.Inbound));
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Enabled))) selected = selected.Where(r => r.Enabled == Enabled);
            if (Group is { Length: > 0 }) selected = selected.Where(r => r.Group is { } g && Group.Contains(g, StringComparer.Ordinal));
            WriteRecords(selected, s);
        }
    }
}
