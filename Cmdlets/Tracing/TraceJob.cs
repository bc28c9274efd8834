using System.Management.Automation;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Tracing;

/// <summary>
/// Trace-Probe -AsJob: a PowerShell job that runs the trace on a worker thread, one run per session
/// in parallel, and writes the results to its own streams (Receive-Job reads them). Stop-Job ends the
/// runs the way Ctrl+C ends dtrace: END fires and the aggregations are still written.
/// </summary>
public sealed class TraceJob : Job, ITraceOutput
{
    private readonly IReadOnlyList<(IllumosSession Session, TraceRequest Request)> _work;
    private readonly bool _raw;
    private readonly TimeSpan? _timeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly ManualResetEventSlim _finished = new(false);
    private bool _anyFailed;

    internal TraceJob(string command, string? name, IReadOnlyList<(IllumosSession, TraceRequest)> work, bool raw, TimeSpan? timeout)
        : base(command, name)
    {
        _work = work;
        _raw = raw;
        _timeout = timeout;
        PSJobTypeName = "IllumosTraceJob";
    }

    public override string Location => string.Join(", ", _work.Select(w => w.Session.ComputerName).Distinct());

    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Verbose.Count > 0;

    public override string StatusMessage => JobStateInfo.State.ToString();

    internal void Start()
    {
        SetJobState(JobState.Running);
        var worker = new Thread(Work) { IsBackground = true, Name = "Illumos trace job " + Id };
        worker.Start();
    }

    private void Work()
    {
        try
        {
            // one run per session, in parallel; records stream into Output as they are produced
            var runs = _work.Select(w => Task.Run(() =>
            {
                var outcome = TraceExecution.Run(w.Session, w.Request, _timeout, _raw, this, _stop.Token);
                if (outcome.Failure is not null || outcome.Result is { Compiled: false }) _anyFailed = true;
                TraceExecution.Write(outcome, _raw, this);
            })).ToArray();
            Task.WaitAll(runs);
        }
        catch (Exception e)
        {
            // a worker thread must never take the host process down: any failure ends the job as Failed
            _anyFailed = true;
            var cause = e is AggregateException { InnerException: { } inner } ? inner : e;
            Error.Add(new ErrorRecord(cause, "TraceJobFailed", ErrorCategory.NotSpecified, Name));
        }
        finally
        {
            SetJobState(_stop.IsCancellationRequested ? JobState.Stopped : _anyFailed ? JobState.Failed : JobState.Completed);
            _finished.Set();
        }
    }

    public override void StopJob()
    {
        if (IsFinished(JobStateInfo.State)) return;
        SetJobState(JobState.Stopping);
        _stop.Cancel();
        _finished.Wait();
    }

    private static bool IsFinished(JobState s) => s is JobState.Completed or JobState.Failed or JobState.Stopped;

    void ITraceOutput.Object(object value) => Output.Add(PSObject.AsPSObject(value));
    void ITraceOutput.Error(ErrorRecord error) => Error.Add(error);
    void ITraceOutput.Verbose(string message) => Verbose.Add(new VerboseRecord(message));
    void ITraceOutput.Warning(string message) => Warning.Add(new WarningRecord(message));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            // the worker still uses both while it finishes; leave them to the collector if it has not
            if (_finished.Wait(TimeSpan.FromSeconds(10)))
            {
                _stop.Dispose();
                _finished.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
