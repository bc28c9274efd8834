using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Illumos.Engine.Firewall;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Completers;

/// <summary>
/// Completes rule positions of the rule set the command line names (-ZoneName, -GlobalControlled); the list shows
/// each position with its rule text, since positions alone say little.
/// </summary>
public sealed class FirewallRulePositionCompleter : IArgumentCompleter
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var zone = fakeBoundParameters["ZoneName"] as string ?? FirewallScope.GlobalZone;
        bool gz = fakeBoundParameters["GlobalControlled"] is SwitchParameter { IsPresent: true } or true;
        try
        {
            var session = IllumosCompleter.SessionOf(fakeBoundParameters) ?? SessionManager.ResolveDefault();
            using var cts = new CancellationTokenSource(Budget);
            var task = Task.Run(() => session.Facility<IFirewall>().GetRules(new FirewallScope(zone, gz), cts.Token), cts.Token);
            if (!task.Wait(Budget)) return [];
            return task.Result
                .Where(r => r.Position.ToString(System.Globalization.CultureInfo.InvariantCulture).StartsWith(typed, StringComparison.Ordinal))
                .Select(r =>
                {
                    var n = r.Position.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    return new CompletionResult(n, $"{n}: {r.Text}", CompletionResultType.ParameterValue, r.Text);
                })
                .ToList();
        }
        catch (Exception e) when (e is Engine.IllumosException or AggregateException or OperationCanceledException)
        {
            return [];
        }
    }
}
