using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>
/// zfs send: writes a snapshot's stream to a file (-Path), or outputs a stream object that
/// Receive-ZSnapshot pulls from this session; -DryRun (or -WhatIf) gives the size without sending.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true)]
[OutputType(typeof(ZSendStream), typeof(ZSendEstimate))]
public sealed class SendZSnapshotCommand : DatasetCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";
    private const string ResumeSet = "Resume";

    /// <summary>The snapshot to send ("tank/home@monday").</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZSnapshotNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A snapshot from Get-ZSnapshot.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZSnapshot? InputObject { get; set; }

    /// <summary>Continues an interrupted receive: the target's receive_resume_token (zfs send -t).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ResumeSet)]
    [ValidateNotNullOrEmpty]
    public string ResumeToken { get; set; } = "";

    /// <summary>An incremental stream from this earlier snapshot or bookmark ("@monday", "tank/home@monday", "tank/home#mark"; zfs send -i).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = InputObjectSet)]
    [ValidateNotNullOrEmpty]
    public string? From { get; set; }

    /// <summary>With -From: every snapshot in between, each as its own substream (zfs send -I).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = InputObjectSet)]
    public SwitchParameter IncludeIntermediate { get; set; }

    /// <summary>The dataset and its descendants with their snapshots and properties (zfs send -R).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = InputObjectSet)]
    public SwitchParameter Recursive { get; set; }

    /// <summary>The dataset's properties travel with the stream (zfs send -p).</summary>
    [Parameter(ParameterSetName = NameSet)]
    [Parameter(ParameterSetName = InputObjectSet)]
    public SwitchParameter IncludeProperties { get; set; }

    /// <summary>Blocks go compressed as they are stored (zfs send -c).</summary>
    [Parameter]
    public SwitchParameter Compressed { get; set; }

    /// <summary>Writes the stream to this file (replaced if it exists; removed again if the send fails).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Outputs the size estimate instead of sending (zfs send -nP).</summary>
    [Parameter]
    public SwitchParameter DryRun { get; set; }

    protected override void ProcessRecord()
    {
        var request = new SendRequest
        {
            Snapshot = ParameterSetName == ResumeSet ? "" : InputObject?.Name ?? Name,
            From = From, IncludeIntermediate = IncludeIntermediate, Recursive = Recursive, Properties = IncludeProperties,
            Compressed = Compressed, ResumeToken = ParameterSetName == ResumeSet ? ResumeToken : null,
        };
        string label = request.ResumeToken is null ? request.Snapshot : "resume token";
        ForEachStorage(InputObject, (session, storage) =>
        {
            var estimate = Try(() => storage.EstimateSend(request, StopToken), label);
            if (estimate is null) return;
            if (DryRun)
            {
                WriteObject(Stamp(estimate, session));
                return;
            }
            var what = (request.From is null ? "Send a full stream" : $"Send an incremental stream from {request.From}") + $" of about {Illumos.Engine.Size.Format(estimate.Bytes)}";
            if (Path is null)
            {
                if (ShouldProcess(Describe(label, session), what)) WriteObject(Stamp(new ZSendStream { Request = request, EstimatedBytes = estimate.Bytes }, session));
                return;
            }
            var file = GetUnresolvedProviderPathFromPSPath(Path);
            if (!ShouldProcess(Describe(label, session), what + " to " + file)) return;
            bool ok = false;
            try
            {
                ok = Try(() =>
                {
                    using var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                    storage.Send(request, output, this, StopToken);
                }, label);
            }
            catch (IOException e)
            {
                WriteError(ErrorMapper.Create("SendFileWriteFailed", ErrorCategory.WriteError, $"Writing the stream to '{file}' failed: {e.Message}", file));
            }
            finally
            {
                if (!ok) File.Delete(file);
            }
        });
    }
}
