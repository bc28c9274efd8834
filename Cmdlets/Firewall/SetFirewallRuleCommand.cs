using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Changes a rule in place: NetSecurity-style fields (everything else in the rule is kept), a whole new text with
/// -Rule, -Enabled, or its place with -NewPosition/-Before/-After. Each change is one atomic swap of the rule set.
/// </summary>
[Cmdlet(VerbsCommon.Set, "FirewallRule", DefaultParameterSetName = PositionSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FirewallRule))]
public sealed class SetFirewallRuleCommand : FirewallCmdlet
{
    private const string PositionSet = "Position";
    private const string InputObjectSet = "InputObject";

    /// <summary>Position of the rule to change (1-based).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PositionSet)]
    [ValidateRange(1, int.MaxValue)]
    [ArgumentCompleter(typeof(Completers.FirewallRulePositionCompleter))]
    public int Position { get; set; }

    /// <summary>A rule from Get-FirewallRule.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public FirewallRule? InputObject { get; set; }

    /// <summary>The rule's new text in ipf.conf form (one rule).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Rule { get; set; }

    [Parameter]
    [ValidateSet("Allow", "Block", "Count", "Log", "Auth", "Preauth")]
    public FirewallAction Action { get; set; }

    [Parameter]
    public FirewallDirection Direction { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Protocol { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? LocalAddress { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemoteAddress { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? LocalPort { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? RemotePort { get; set; }

    /// <summary>Interfaces (on); an empty array removes the restriction.</summary>
    [Parameter]
    [AllowEmptyCollection]
    [ValidateCount(0, 2)]
    public string[]? InterfaceAlias { get; set; }

    [Parameter]
    public bool Quick { get; set; }

    [Parameter]
    public bool Log { get; set; }

    [Parameter]
    public bool KeepState { get; set; }

    /// <summary>The rule group; an empty string takes the rule out of its group.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Group { get; set; }

    [Parameter]
    public bool Enabled { get; set; }

    /// <summary>Moves the rule to this 1-based position.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? NewPosition { get; set; }

    /// <summary>Moves the rule before the rule now at this position.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Before { get; set; }

    /// <summary>Moves the rule after the rule now at this position.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? After { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var bound = MyInvocation.BoundParameters;
        var changes = new FirewallRuleText.RuleChanges
        {
            Action = bound.ContainsKey(nameof(Action)) ? Action : null,
            Direction = bound.ContainsKey(nameof(Direction)) ? Direction : null,
            Quick = bound.ContainsKey(nameof(Quick)) ? Quick : null,
            Log = bound.ContainsKey(nameof(Log)) ? Log : null,
            KeepState = bound.ContainsKey(nameof(KeepState)) ? KeepState : null,
            Group = bound.ContainsKey(nameof(Group)) ? Group ?? "" : null,
            Interfaces = bound.ContainsKey(nameof(InterfaceAlias)) ? InterfaceAlias ?? [] : null,
            Protocol = Protocol,
            LocalAddress = LocalAddress,
            RemoteAddress = RemoteAddress,
            LocalPort = LocalPort,
            RemotePort = RemotePort,
        };
        var move = Placement(NewPosition, Before, After);
        bool enable = bound.ContainsKey(nameof(Enabled));
        if (Rule is not null && !changes.IsEmpty)
            ThrowInvalid("FirewallRuleAndFields", "Give the new rule text with -Rule, or change fields; not both.", Rule);
        if (Rule is null && changes.IsEmpty && move is null && !enable)
            ThrowInvalid("NoPropertyGiven", "Name at least one change: -Rule, a field such as -Action, -Enabled, or -NewPosition/-Before/-After.", null);

        foreach (var (s, fw, scope, target) in Targets())
        {
            Try(() =>
            {
                int at = Locate(fw.GetRules(scope, StopToken), r => r.Text, target.Position, target.Text, "FirewallRule");
                var text = Rule is not null ? RuleSetText.Canonical(Engine.Languages.Ipf.IpfParser.ParseRule(Rule))
                    : changes.IsEmpty ? target.Text : FirewallRuleText.Modify(target.Text, changes);
                var what = new List<string>();
                if (text != target.Text) what.Add($"rule text to '{text}'");
                if (enable && Enabled != target.Enabled) what.Add(Enabled ? "enable" : "disable");
                if (move is not null) what.Add("move " + PlacementText(move));
                if (!ShouldProcess($"rule {at} '{target.Text}' in {Where(scope, s)}", what.Count == 0 ? "Set firewall rule (no change)" : "Set " + string.Join(", ", what))) return;
                if (text != target.Text) fw.SetRule(scope, at, text, StopToken);
                if (enable && Enabled != target.Enabled) fw.SetRuleEnabled(scope, at, Enabled, StopToken);
                if (move is not null) at = fw.MoveRule(scope, at, move, StopToken).Position;
                if (PassThru) WriteRuleAt(s, fw, scope, at);
            }, target.Text);
        }
    }

    private IEnumerable<(Engine.Sessions.IllumosSession, IFirewall, FirewallScope, FirewallRule)> Targets()
    {
        if (InputObject is { } r)
        {
            foreach (var t in Piped([r], ScopeOf)) yield return t;
            yield break;
        }
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            IFirewall? fw = null;
            IReadOnlyList<FirewallRule>? rules = null;
            if (!Try(() => { fw = FirewallOf(s); rules = fw.GetRules(scope, StopToken); }, scope.ToString())) continue;
            foreach (var hit in SelectPositions(rules!, [Position], x => x.Position, "FirewallRule", scope, s))
                yield return (s, fw!, scope, hit);
        }
    }
}
