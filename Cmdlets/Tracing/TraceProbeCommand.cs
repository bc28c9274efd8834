using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Tracing;

/// <summary>
/// Runs a D program (dtrace -s / -n): a whole -Script, a -Path file, or one -Probe description with an
/// optional -Predicate and -Action. Records and aggregations come back as objects, or with -Raw as the
/// text dtrace prints. The run ends at exit(), -Duration, -Count records, -Timeout or Ctrl+C; scripts
/// with errors never run.
/// </summary>
[Cmdlet(VerbsDiagnostic.Trace, "Probe", DefaultParameterSetName = ProbeSet)]
[OutputType(typeof(TraceOutputRecord), typeof(AggregationRecord))]
[OutputType(typeof(string))]
[OutputType(typeof(TraceJob))]
public sealed class TraceProbeCommand : TraceCmdlet
{
    private const string ProbeSet = "Probe";

    /// <summary>Probe descriptions (provider:module:function:name, with * ? [] globs) that the clause enables.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ProbeSet)]
    [ArgumentCompleter(typeof(ProbeDescriptionCompleter))]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Probe { get; set; } = [];

    /// <summary>The clause's predicate, without the slashes.</summary>
    [Parameter(Position = 1, ParameterSetName = ProbeSet)]
    [ValidateNotNullOrEmpty]
    public string? Predicate { get; set; }

    /// <summary>The clause's actions, without the braces. Without it each firing is traced (dtrace's default action).</summary>
    [Parameter(Position = 2, ParameterSetName = ProbeSet)]
    [ValidateNotNull]
    public string? Action { get; set; }

    /// <summary>Stop after this long, as if exit(0) had been called: END fires and aggregations are written.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? Duration { get; set; }

    /// <summary>Stop after this many records (printf/trace output of a firing); END still runs.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? Count { get; set; }

    /// <summary>A hard limit for runaway programs: the run is stopped, END runs, and a TraceTimeout error is written.</summary>
    [Parameter]
    [DurationTransformation]
    public TimeSpan? Timeout { get; set; }

    /// <summary>Write exactly the text dtrace would print, one string per line, instead of objects.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Run as a background job (Receive-Job reads the results; Stop-Job ends the trace like Ctrl+C).</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>A name for the job (with -AsJob).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JobName { get; set; }

    protected override void ProcessRecord()
    {
        var request = ParameterSetName == ProbeSet
            ? BaseRequest() with { Probe = string.Join(",\n", Probe), Predicate = Predicate, Action = Action, ScriptName = string.Join(",", Probe) }
            : ProgramRequest();
        if (request is null) return;
        request = request with { Duration = Duration, Count = Count };
        var sessions = ResolveSessions();

        if (AsJob)
        {
            var job = new TraceJob(MyInvocation.Line, JobName, sessions.Select(s => (s, request)).ToList(), Raw, Timeout);
            JobRepository.Add(job);
            job.Start();
            WriteObject(job);
            return;
        }

        // the engine runs on worker threads (one per session) and streams into a queue; only this, the
        // pipeline thread, writes to the pipeline
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(StopToken);
        using var queue = new QueuedOutput(stop.Token);
        var runs = sessions.Select(s => Task.Run(() =>
        {
            try
            {
                TraceExecution.Write(TraceExecution.Run(s, request, Timeout, Raw, queue, stop.Token), Raw, queue);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // the pipeline stopped while this run still had output to write
            }
        })).ToArray();
        var all = Task.WhenAll(runs).ContinueWith(_ => queue.Complete(), TaskScheduler.Default);
        try
        {
            queue.Pump(new PipelineOutput(this), StopToken);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            // Ctrl+C, or a downstream Select-Object -First, ends the pump early: end the runs too, and wait
            // for them so that nothing writes to a disposed queue
            if (!all.IsCompleted) stop.Cancel();
            all.Wait(TimeSpan.FromSeconds(30));
        }
        foreach (var run in runs) run.GetAwaiter().GetResult();   // an unexpected engine failure surfaces here, on the pipeline thread
    }

    private sealed class PipelineOutput(TraceProbeCommand cmdlet) : ITraceOutput
    {
        public void Object(object value) => cmdlet.WriteObject(value);
        public void Error(ErrorRecord error) => cmdlet.WriteError(error);
        public void Verbose(string message) => cmdlet.WriteVerbose(message);
        public void Warning(string message) => cmdlet.WriteWarning(message);
    }
}
