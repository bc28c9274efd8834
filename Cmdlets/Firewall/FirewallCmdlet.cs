using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Firewall;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Base of the firewall cmdlets: the rule set they address (-ZoneName, -GlobalControlled) and the ipfilter facility of
/// a session. Rules have no names: a rule is its position in an ordered set plus its canonical text, and piped rule
/// objects carry both, with their session and zone.
/// </summary>
public abstract class FirewallCmdlet : IllumosCmdlet
{
    /// <summary>The zone whose rule set is addressed; the global zone by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string ZoneName { get; set; } = FirewallScope.GlobalZone;

    /// <summary>The zone's global-zone-controlled stack (ipf -G) instead of its own rules.</summary>
    [Parameter]
    [Alias("G")]
    public SwitchParameter GlobalControlled { get; set; }

    protected FirewallScope Scope => new(ZoneName, GlobalControlled);

    protected static FirewallScope ScopeOf(FirewallRule r) => new(r.Zone, r.GlobalControlled);
    protected static FirewallScope ScopeOf(NatRule r) => new(r.Zone, r.GlobalControlled);

    protected static IFirewall FirewallOf(IllumosSession session) => session.Facility<IFirewall>();

    protected static string Where(FirewallScope scope, IllumosSession session) =>
        $"{(scope.GlobalControlled ? "the global-zone-controlled rules of zone " + scope.Zone : scope.IsGlobal ? "the global zone" : "zone " + scope.Zone)} on {session.ComputerName}";

    /// <summary>Positions that exist are returned; each one that does not is an ObjectNotFound error.</summary>
    protected IEnumerable<T> SelectPositions<T>(IReadOnlyList<T> items, int[]? positions, Func<T, int> positionOf, string noun, FirewallScope scope, IllumosSession session)
    {
        if (positions is not { Length: > 0 }) return items;
        var result = new List<T>();
        foreach (var p in positions.Distinct())
        {
            var hit = items.FirstOrDefault(i => positionOf(i) == p);
            if (hit is not null) result.Add(hit);
            else WriteError(ErrorMapper.Create(noun + "NotFound", ErrorCategory.ObjectNotFound,
                $"There is no {noun switch { "NatRule" => "NAT rule", _ => "firewall rule" }} at position {p} in {Where(scope, session)} (it has {items.Count}).", p));
        }
        return result.OrderBy(positionOf);
    }

    /// <summary>Rules whose text matches: wildcards filter silently, a literal text (made canonical first) that matches nothing is ObjectNotFound.</summary>
    protected List<FirewallRule> SelectByText(IReadOnlyList<FirewallRule> rules, string[] texts, FirewallScope scope, IllumosSession session)
    {
        var hit = new HashSet<int>();
        foreach (var t in texts)
        {
            if (WildcardPattern.ContainsWildcardCharacters(t))
            {
                var p = new WildcardPattern(t.Trim(), WildcardOptions.IgnoreCase);
                foreach (var r in rules) if (p.IsMatch(r.Text)) hit.Add(r.Position);
                continue;
            }
            var canonical = FirewallRuleText.TryCanonical(t);
            if (canonical is null)
            {
                WriteError(ErrorMapper.Create("FirewallRuleSyntax", ErrorCategory.ParserError, $"'{t}' is not one ipf rule; use Test-FirewallRule to see why.", t));
                continue;
            }
            var found = rules.Where(r => r.Text == canonical).ToList();
            if (found.Count == 0)
                WriteError(ErrorMapper.Create("FirewallRuleNotFound", ErrorCategory.ObjectNotFound, $"No rule '{canonical}' is in {Where(scope, session)}.", t));
            foreach (var r in found) hit.Add(r.Position);
        }
        return rules.Where(r => hit.Contains(r.Position)).ToList();
    }

    /// <summary>
    /// Where a rule selected earlier is now: at its recorded position if the text there is still the same, else the
    /// nearest rule with the same text (earlier changes in the same pipeline move rules). Throws ObjectNotFound when gone.
    /// </summary>
    protected static int Locate<T>(IReadOnlyList<T> current, Func<T, string> textOf, int position, string text, string noun)
    {
        if (position >= 1 && position <= current.Count && textOf(current[position - 1]) == text) return position;
        int best = -1;
        for (int i = 0; i < current.Count; i++)
            if (textOf(current[i]) == text && (best < 0 || Math.Abs(i + 1 - position) < Math.Abs(best - position))) best = i + 1;
        if (best > 0) return best;
        throw IllumosException.NotFound(noun + "NotFound", $"The rule '{text}' is no longer in the rule set.", text);
    }

    /// <summary>Piped rule objects with their own session (else the resolved ones), facility and scope.</summary>
    protected IEnumerable<(IllumosSession Session, IFirewall Firewall, FirewallScope Scope, T Item)> Piped<T>(IEnumerable<T> items, Func<T, FirewallScope> scopeOf)
        where T : HostObject
    {
        foreach (var item in items)
            foreach (var s in SessionsFor(item))
            {
                IFirewall? fw = null;
                if (Try(() => { fw = FirewallOf(s); }, item)) yield return (s, fw!, scopeOf(item), item);
            }
    }

    /// <summary>The rule now at <paramref name="position"/>, stamped, for -PassThru.</summary>
    protected void WriteRuleAt(IllumosSession s, IFirewall fw, FirewallScope scope, int position)
    {
        var now = fw.GetRules(scope, StopToken);
        if (position >= 1 && position <= now.Count) WriteObject(Stamp(now[position - 1], s));
    }

    /// <summary>A terminating InvalidArgument error for a bad combination of parameters.</summary>
    protected void ThrowInvalid(string errorId, string message, object? target) =>
        ThrowTerminatingError(ErrorMapper.Create(errorId, ErrorCategory.InvalidArgument, message, target));

    /// <summary>The placement of -Position/-Before/-After (at most one of them).</summary>
    protected RulePlacement? Placement(int? position, int? before, int? after)
    {
        int given = (position is null ? 0 : 1) + (before is null ? 0 : 1) + (after is null ? 0 : 1);
        if (given > 1) ThrowInvalid("FirewallPlacementConflict", "Give at most one of -Position, -Before and -After.", null);
        return given == 0 ? null : new RulePlacement(position, before, after);
    }

    protected static string PlacementText(RulePlacement? p) =>
        p?.Position is { } pos ? $"at position {pos}" : p?.Before is { } b ? $"before rule {b}" : p?.After is { } a ? $"after rule {a}" : "at the end";
}

/// <summary>
/// Filter rules selected by -Position (1-based), by -Rule (canonical ipf text, wildcards allowed; a literal text is
/// first brought to canonical form), or piped from Get-FirewallRule. Literal selectors that match nothing are
/// ObjectNotFound errors; wildcards filter silently.
/// </summary>
public abstract class FirewallRuleSelectionCmdlet : FirewallCmdlet
{
    protected const string PositionSet = "Position";
    protected const string RuleSet = "Rule";
    protected const string InputObjectSet = "InputObject";

    /// <summary>Positions of the rules (1-based).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PositionSet)]
    [ValidateRange(1, int.MaxValue)]
    [ArgumentCompleter(typeof(Completers.FirewallRulePositionCompleter))]
    public int[]? Position { get; set; }

    /// <summary>Rule texts in ipf.conf form; wildcards are permitted.</summary>
    [Parameter(Mandatory = true, ParameterSetName = RuleSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Rule { get; set; }

    /// <summary>Rules from Get-FirewallRule; each carries its session, zone and position.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public FirewallRule[]? InputObject { get; set; }

    /// <summary>The selected rules with their session, facility and scope.</summary>
    protected IEnumerable<(IllumosSession Session, IFirewall Firewall, FirewallScope Scope, FirewallRule Rule)> SelectedRules()
    {
        if (ParameterSetName == InputObjectSet)
        {
            foreach (var t in Piped(InputObject ?? [], ScopeOf)) yield return t;
            yield break;
        }
        foreach (var s in ResolveSessions())
        {
            IFirewall? fw = null;
            IReadOnlyList<FirewallRule>? rules = null;
            var scope = Scope;
            if (!Try(() => { fw = FirewallOf(s); rules = fw.GetRules(scope, StopToken); }, scope.ToString())) continue;
            foreach (var r in Filter(rules!, scope, s)) yield return (s, fw!, scope, r);
        }
    }

    /// <summary>The rules of one set that the Position or Rule selectors name.</summary>
    protected IEnumerable<FirewallRule> Filter(IReadOnlyList<FirewallRule> rules, FirewallScope scope, IllumosSession session)
    {
        if (ParameterSetName == RuleSet && Rule is { Length: > 0 }) return SelectByText(rules, Rule, scope, session);
        return SelectPositions(rules, Position, r => r.Position, "FirewallRule", scope, session);
    }

    /// <summary>The current position of a selected rule (see <see cref="FirewallCmdlet.Locate{T}"/>).</summary>
    protected int Current(IFirewall fw, FirewallScope scope, FirewallRule rule) =>
        Locate(fw.GetRules(scope, StopToken), r => r.Text, rule.Position, rule.Text, "FirewallRule");

    /// <summary>Enable-/Disable-FirewallRule: one atomic swap per rule whose state changes.</summary>
    protected void SetEnabled(bool enabled, bool passThru)
    {
        foreach (var (s, fw, scope, rule) in SelectedRules().ToList())
        {
            Try(() =>
            {
                int at = Current(fw, scope, rule);
                if (!ShouldProcess(Describe(rule with { Position = at }, s), enabled ? "Enable firewall rule" : "Disable firewall rule")) return;
                var changed = fw.SetRuleEnabled(scope, at, enabled, StopToken);
                if (passThru) WriteObject(Stamp(changed, s));
            }, rule.Text);
        }
    }

    protected static string Describe(FirewallRule r, IllumosSession s) => $"rule {r.Position} '{r.Text}' in {Where(ScopeOf(r), s)}";
}
