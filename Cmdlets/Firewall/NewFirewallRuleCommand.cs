using System.Management.Automation;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Adds filter rules to an ordered rule set, from NetSecurity-style parameters translated to ipf.conf text or from the
/// full ipf language with -Rule. The new set is compiled, stored and swapped in atomically.
/// </summary>
[Cmdlet(VerbsCommon.New, "FirewallRule", DefaultParameterSetName = FieldsSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FirewallRule))]
public sealed class NewFirewallRuleCommand : FirewallCmdlet
{
    private const string FieldsSet = "Fields";
    private const string RuleSet = "Rule";

    /// <summary>ipf.conf text: one rule, several lines, or a list that expands into several rules.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RuleSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string Rule { get; set; } = "";

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateSet("Allow", "Block", "Count", "Log", "Auth", "Preauth")]
    public FirewallAction Action { get; set; } = FirewallAction.Allow;

    [Parameter(ParameterSetName = FieldsSet)]
    public FirewallDirection Direction { get; set; } = FirewallDirection.Inbound;

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string? Protocol { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string[]? LocalAddress { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string[]? RemoteAddress { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string[]? LocalPort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string[]? RemotePort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string[]? IcmpType { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateCount(1, 2)]
    [ValidateNotNullOrEmpty]
    public string[]? InterfaceAlias { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public SwitchParameter Quick { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public SwitchParameter Log { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public SwitchParameter KeepState { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public SwitchParameter ReturnReset { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    public SwitchParameter ReturnIcmp { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string? Group { get; set; }

    /// <summary>1-based position the (first) new rule takes; the end by default.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Position { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Before { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? After { get; set; }

    protected override void ProcessRecord()
    {
        var placement = Placement(Position, Before, After);
        string text = "";
        if (!Try(() => { text = ParameterSetName == RuleSet ? Rule : FirewallRuleText.Rule(Fields()); }, Rule)) return;
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            Try(() =>
            {
                // ipf -n: the text is checked before anything is asked or changed.
                var canonical = RuleSetText.ParseOrThrow(text).Select(RuleSetText.Canonical).ToList();
                if (!ShouldProcess($"{Where(scope, s)} {PlacementText(placement)}: {string.Join(" | ", canonical)}", canonical.Count == 1 ? "Add firewall rule" : $"Add {canonical.Count} firewall rules")) return;
                WriteRecords(FirewallOf(s).AddRules(scope, text, placement, StopToken), s);
            }, text);
        }
    }

    private FirewallRuleText.RuleFields Fields() => new()
    {
        Action = Action,
        Direction = Direction,
        Protocol = Protocol,
        LocalAddress = LocalAddress,
        RemoteAddress = RemoteAddress,
        LocalPort = LocalPort,
        RemotePort = RemotePort,
        IcmpType = IcmpType,
        Interfaces = InterfaceAlias,
        Quick = Quick,
        Log = Log,
        KeepState = KeepState,
        ReturnReset = ReturnReset,
        ReturnIcmp = ReturnIcmp,
        Group = Group,
    };
}
