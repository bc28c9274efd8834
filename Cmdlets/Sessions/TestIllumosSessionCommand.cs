using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Sessions;

/// <summary>Probes a session's host: reachability, kind, OS, ZFS version and output capabilities.</summary>
[Cmdlet(VerbsDiagnostic.Test, "IllumosSession")]
[OutputType(typeof(HostCapabilities), typeof(bool))]
public sealed class TestIllumosSessionCommand : PSCmdlet
{
    private readonly CancellationTokenSource _stop = new();

    [Parameter(Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IllumosSession[]? Session { get; set; }

    /// <summary>Probe again instead of using the capabilities found when the session opened.</summary>
    [Parameter]
    public SwitchParameter Refresh { get; set; }

    /// <summary>Return only $true or $false (reachable or not).</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void StopProcessing() => _stop.Cancel();

    protected override void ProcessRecord()
    {
        IllumosSession[] sessions;
        try
        {
            sessions = Session ?? [SessionManager.ResolveDefault()];
        }
        catch (IllumosException e)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(e));
            return;
        }
        foreach (var s in sessions)
        {
            HostCapabilities caps;
            try
            {
                caps = s.Host.Probe(Refresh, _stop.Token);
            }
            catch (IllumosException e)
            {
                caps = new HostCapabilities { Reachable = false, Kind = s.Kind, Transport = s.Transport, ComputerName = s.ComputerName, Message = e.Message };
                if (!Quiet) WriteVerbose(e.Message);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            if (Quiet) WriteObject(caps.Reachable);
            else WriteObject(caps);
        }
    }
}
