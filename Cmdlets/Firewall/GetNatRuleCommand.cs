using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Lists the NAT rules of a rule set in order (the rules section of ipnat -l).</summary>
[Cmdlet(VerbsCommon.Get, "NatRule")]
[OutputType(typeof(NatRule))]
public sealed class GetNatRuleCommand : FirewallCmdlet
{
    /// <summary>Positions of the rules (1-based); all rules when omitted.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    public int[]? Position { get; set; }

    /// <summary>Only rules of these kinds.</summary>
    [Parameter]
    public NatType[]? Type { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            var rules = Try(() => FirewallOf(s).GetNatRules(scope, StopToken), scope.ToString());
            if (rules is null) continue;
            var selected = SelectPositions(rules, Position, r => r.Position, "NatRule", scope, s);
            if (Type is { Length: > 0 }) selected = selected.Where(r => Type.Contains(KindOf(r)));
            WriteRecords(selected, s);
        }
    }

    internal static NatType KindOf(NatRule r) => r.Kind switch
    {
        "map" => NatType.Map,
        "bimap" => NatType.Bimap,
        "map-block" => NatType.MapBlock,
        _ => NatType.Rdr,
    };
}
