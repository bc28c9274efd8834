using System.Management.Automation;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Lists the state table of a rule set (ipfstat -sl): the connections that keep-state rules let through.</summary>
[Cmdlet(VerbsCommon.Get, "FirewallSession")]
[OutputType(typeof(FirewallSession))]
public sealed class GetFirewallSessionCommand : FirewallCmdlet
{
    /// <summary>Only sessions of these protocols (tcp, udp, icmp, ...).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Protocol { get; set; }

    /// <summary>Only sessions with one of these addresses as source or destination.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Address { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            var sessions = Try(() => FirewallOf(s).GetSessions(scope, StopToken), scope.ToString());
            if (sessions is null) continue;
            IEnumerable<FirewallSession> selected = sessions;
            if (Protocol is { Length: > 0 })
            {
                var names = Protocol.Select(p => FirewallRuleText.Protocol(p) ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase);
                selected = selected.Where(x => names.Contains(x.Protocol));
            }
            if (Address is { Length: > 0 }) selected = selected.Where(x => Address.Contains(x.Source) || Address.Contains(x.Destination));
            WriteRecords(selected, s);
        }
    }
}
