using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Adds NAT rules from NetNat-style parameters (-Type, -InterfaceAlias, -InternalIPAddress, -ExternalIPAddress, ports,
/// -Protocol) translated to ipnat.conf text, or from the full ipnat language with -Rule.
/// </summary>
[Cmdlet(VerbsCommon.New, "NatRule", DefaultParameterSetName = FieldsSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(NatRule))]
public sealed class NewNatRuleCommand : FirewallCmdlet
{
    private const string FieldsSet = "Fields";
    private const string RuleSet = "Rule";

    /// <summary>ipnat.conf text: one or more map, bimap, map-block or rdr rules.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RuleSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string Rule { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = FieldsSet)]
    public NatType Type { get; set; }

    /// <summary>The interface whose traffic is translated.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string InterfaceAlias { get; set; } = "";

    /// <summary>The inside address or network (a.b.c.d/len).</summary>
    [Parameter(Mandatory = true, ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string InternalIPAddress { get; set; } = "";

    /// <summary>The rdr target port (defaults to the external port).</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string? InternalPort { get; set; }

    /// <summary>The outside address or network.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string ExternalIPAddress { get; set; } = "";

    /// <summary>rdr: the redirected port or range; map: the portmap range or auto; map-block: ports per address or auto.</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string? ExternalPort { get; set; }

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateSet("TCP", "UDP", "TCPUDP")]
    public string? Protocol { get; set; }

    /// <summary>1-based position of the (first) new rule; the end by default.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Position { get; set; }

    protected override void ProcessRecord()
    {
        string text = "";
        if (!Try(() =>
        {
            text = ParameterSetName == RuleSet ? Rule : FirewallRuleText.Nat(new FirewallRuleText.NatFields
            {
                Type = Type,
                Interface = InterfaceAlias,
                Protocol = Protocol,
                InternalIPAddress = InternalIPAddress,
                InternalPort = InternalPort,
                ExternalIPAddress = ExternalIPAddress,
                ExternalPort = ExternalPort,
            });
        }, Rule)) return;
        var placement = Position is null ? null : new RulePlacement(Position);
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            Try(() =>
            {
                var canonical = RuleSetText.ParseNatOrThrow(text).Select(Engine.Languages.Ipf.IpnatPrinter.Print).ToList();
                if (!ShouldProcess($"{Where(scope, s)} {PlacementText(placement)}: {string.Join(" | ", canonical)}", "Add NAT rule")) return;
                WriteRecords(FirewallOf(s).AddNatRules(scope, text, placement, StopToken), s);
            }, text);
        }
    }
}
