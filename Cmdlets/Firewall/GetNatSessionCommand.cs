using System.Management.Automation;

namespace Illumos.Cmdlets.Firewall;

/// <summary>Lists the NAT translations in use (the active sessions section of ipnat -l).</summary>
[Cmdlet(VerbsCommon.Get, "NatSession")]
[OutputType(typeof(Engine.Firewall.NatSession))]
public sealed class GetNatSessionCommand : FirewallCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            var sessions = Try(() => FirewallOf(s).GetNatSessions(scope, StopToken), scope.ToString());
            if (sessions is not null) WriteRecords(sessions, s);
        }
    }
}
