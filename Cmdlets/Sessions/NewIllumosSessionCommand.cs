using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Sessions;

/// <summary>Opens a session on an embedded host directory, a temporary host, this machine, an SSH host or a replay folder.</summary>
[Cmdlet(VerbsCommon.New, "IllumosSession", DefaultParameterSetName = PathSet)]
[OutputType(typeof(IllumosSession))]
public sealed class NewIllumosSessionCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string TemporarySet = "Temporary";
    private const string LocalSet = "Local";
    private const string SshSet = "Ssh";
    private const string ReplaySet = "Replay";
    private readonly CancellationTokenSource _stop = new();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = TemporarySet)]
    public SwitchParameter Temporary { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LocalSet)]
    public SwitchParameter Local { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SshSet)]
    [Alias("ComputerName")]
    [ValidateNotNullOrEmpty]
    public string[] HostName { get; set; } = [];

    [Parameter(ParameterSetName = SshSet)]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    [Parameter(ParameterSetName = SshSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    [Parameter(ParameterSetName = SshSet)]
    [ValidateNotNullOrEmpty]
    public string? KeyFilePath { get; set; }

    /// <summary>Seconds to wait for the SSH connection.</summary>
    [Parameter(ParameterSetName = SshSet)]
    [ValidateRange(1, 600)]
    public int ConnectTimeout { get; set; } = 10;

    [Parameter(Mandatory = true, ParameterSetName = ReplaySet)]
    [ValidateNotNullOrEmpty]
    public string Replay { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    public SwitchParameter Default { get; set; }

    protected override void StopProcessing() => _stop.Cancel();

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case PathSet:
                Open(() => SessionManager.OpenEmbedded(Resolve(Path), Name), Path);
                break;
            case TemporarySet:
                Open(() => SessionManager.OpenTemporary(Name), "temporary");
                break;
            case LocalSet:
                Open(() => SessionManager.OpenNative(new LocalRunner(), Environment.MachineName, Name ?? "Local", cancellationToken: _stop.Token), "local");
                break;
            case ReplaySet:
                var dir = Resolve(Replay);
                Open(() => SessionManager.OpenNative(new ReplayRunner(dir), "replay:" + dir, Name, cancellationToken: _stop.Token), Replay);
                break;
            case SshSet:
                foreach (var h in HostName)
                {
                    var key = KeyFilePath is null ? null : Resolve(KeyFilePath);
                    var target = new SshTarget(h, UserName, Port == 0 ? null : Port, key, ConnectTimeout);
                    Open(() => SessionManager.OpenNative(new SshRunner(target), h, Name ?? h, UserName, Port == 0 ? null : Port, _stop.Token), h);
                }
                break;
        }
    }

    private string Resolve(string path) => GetUnresolvedProviderPathFromPSPath(path);

    private void Open(Func<IllumosSession> open, object target)
    {
        IllumosSession session;
        try
        {
            session = open();
        }
        catch (IllumosException e)
        {
            WriteError(ErrorMapper.ToErrorRecord(e, target));
            return;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        if (Default) SessionManager.SetDefault(session);
        WriteObject(session);
    }
}
