using System.Management.Automation;
using System.Text.RegularExpressions;
using Illumos.Engine;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Tracing;

/// <summary>Where the results of a trace go: the cmdlet's pipeline, or a job's streams.</summary>
internal interface ITraceOutput
{
    void Object(object value);
    void Error(ErrorRecord error);
    void Verbose(string message);
    void Warning(string message);
}

/// <summary>The outcome of one run on one session: the engine's result, or the engine error that prevented it.</summary>
internal sealed record TraceOutcome(IllumosSession Session, TraceRequest Request, TraceResult? Result, bool TimedOut, TimeSpan? Timeout, IllumosException? Failure);

/// <summary>
/// Runs a request on one session (any thread; nothing here touches PowerShell's pipeline) and turns
/// the outcome into objects, errors and verbose messages for an <see cref="ITraceOutput"/>.
/// </summary>
internal static partial class TraceExecution
{
    /// <summary>
    /// Runs the request, streaming its records (or with <paramref name="raw"/> dtrace's output lines) to
    /// <paramref name="live"/> as the program produces them, and enforcing <paramref name="timeout"/> as a
    /// hard limit: when it expires the run stops as it does for Ctrl+C (END fires, aggregations are kept)
    /// and the outcome is marked timed out. <paramref name="live"/> is called from the engine's threads.
    /// </summary>
    public static TraceOutcome Run(IllumosSession session, TraceRequest request, TimeSpan? timeout, bool raw, ITraceOutput live, CancellationToken stop)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        if (timeout is { } t) limit.CancelAfter(t);
        var lines = new LineSplitter(live.Object);
        var streaming = raw
            ? request with { OnText = lines.Write }
            : request with { OnRecord = r => live.Object(r with { Session = session }) };
        streaming = streaming with { OnWarning = w => live.Warning(WarningText(w, session)) };
        try
        {
            var result = session.Facility<ITracing>().Run(streaming, limit.Token);
            var timedOut = timeout is not null && limit.IsCancellationRequested && !stop.IsCancellationRequested;
            lines.Flush();
            return new TraceOutcome(session, request, result, timedOut, timeout, null);
        }
        catch (IllumosException e)
        {
            return new TraceOutcome(session, request, null, false, timeout, e);
        }
    }

    /// <summary>
    /// Writes what follows a run: the compile errors (the run never started), else the aggregations as
    /// objects (with -Raw they were part of the streamed text), the runtime faults as non-terminating
    /// errors, and a timeout error when -Timeout stopped the run.
    /// </summary>
    public static void Write(TraceOutcome o, bool raw, ITraceOutput output)
    {
        var s = o.Session;
        if (o.Failure is { } failure)
        {
            output.Error(ErrorMapper.ToErrorRecord(failure, s.ComputerName));
            return;
        }
        var r = o.Result!;
        if (!r.Compiled)
        {
            foreach (var d in r.Diagnostics) output.Error(TraceCmdlet.DiagnosticError(d with { Session = s, Script = d.Script ?? o.Request.ScriptName }, o.Request.ScriptName));
            return;
        }
        // records and text were streamed during the run; a host that returns them only at the end has them here
        if (raw)
        {
            foreach (var line in Lines(r.Raw)) output.Object(line);
        }
        else
        {
            foreach (var rec in r.Records) output.Object(rec with { Session = s });
            foreach (var agg in r.Aggregations) output.Object(agg with { Session = s });
        }
        foreach (var w in r.Warnings) output.Warning(WarningText(w, s));
        foreach (var line in r.Errors) output.Error(FaultError(line, s));
        if (o.TimedOut)
            output.Error(ErrorMapper.Create("TraceTimeout", ErrorCategory.OperationTimeout,
                $"The trace of {o.Request.ScriptName} on {s.ComputerName} ran past its -Timeout of {o.Timeout} and was stopped; END ran and the output so far was written.",
                o.Request.ScriptName));
        output.Verbose($"{s.ComputerName}: {o.Request.ScriptName} ended with exit status {r.ExitStatus}.");
    }

    /// <summary>A drop (or other loss) as the warning text: the computer, then dtrace's wording ("12 drops on CPU 0").</summary>
    internal static string WarningText(TraceWarning w, IllumosSession s) => $"{s.ComputerName}: {w.Message}";

    /// <summary>dtrace's output as lines: split at newlines, without the empty piece after the final newline.</summary>
    internal static IEnumerable<string> Lines(string text)
    {
        if (text.Length == 0) yield break;
        var parts = text.Split('\n');
        int n = parts.Length - (text.EndsWith('\n') ? 1 : 0);
        for (int i = 0; i < n; i++) yield return parts[i];
    }

    // illumos: "dtrace: error on enabled probe ID 2 (ID 1: dtrace:::BEGIN): divide-by-zero in action #1 at DIF offset 4"
    // Oracle test convention: "dtrace: error in dt_clause_0 for probe ID 1 (dtrace:::BEGIN): divide-by-zero at BPF pc 1"
    [GeneratedRegex(@"^dtrace: error (?:on enabled probe ID \d+ \(ID (?<id>\d+): (?<probe>[^)]*)\)|in dt_clause_\d+ for probe ID (?<id>\d+) \((?<probe>[^)]*)\)): (?<fault>.*?)(?: in action #\d+ at DIF offset \d+| at BPF pc \d+)?$")]
    private static partial Regex FaultLine();

    private static readonly (string Prefix, string Id)[] Faults =
    [
        ("divide-by-zero", "DTRACEFLT_DIVZERO"), ("invalid address", "DTRACEFLT_BADADDR"), ("invalid alignment", "DTRACEFLT_BADALIGN"),
        ("illegal operation", "DTRACEFLT_ILLOP"), ("out of scratch space", "DTRACEFLT_NOSCRATCH"), ("invalid kernel access", "DTRACEFLT_KPRIV"),
        ("invalid user access", "DTRACEFLT_UPRIV"), ("tuple stack overflow", "DTRACEFLT_TUPOFLOW"), ("bad stack", "DTRACEFLT_BADSTACK"),
    ];

    /// <summary>
    /// A runtime fault dtrace reported on stderr (the ERROR probe has fired for it) as a non-terminating
    /// error: ErrorId DTRACEFLT_* after the fault, category InvalidOperation, target the probe. Other
    /// stderr lines become TraceRuntimeError.
    /// </summary>
    internal static ErrorRecord FaultError(string line, IllumosSession session)
    {
        var text = line.StartsWith("dtrace: ", StringComparison.Ordinal) ? line["dtrace: ".Length..] : line;
        var m = FaultLine().Match(line);
        if (!m.Success)
            return ErrorMapper.Create("TraceRuntimeError", ErrorCategory.InvalidOperation, $"{session.ComputerName}: {text}", session.ComputerName);
        var fault = m.Groups["fault"].Value;
        var id = Faults.FirstOrDefault(f => fault.StartsWith(f.Prefix, StringComparison.Ordinal)).Id ?? "DTRACEFLT_UNKNOWN";
        return ErrorMapper.Create(id, ErrorCategory.InvalidOperation, $"{session.ComputerName}: {text}", m.Groups["probe"].Value);
    }
}

/// <summary>
/// Output produced on engine threads, queued for the pipeline thread: <see cref="Pump"/> writes it
/// there (WriteObject may only be called from the cmdlet's own thread) until <see cref="Complete"/>.
/// </summary>
internal sealed class QueuedOutput(CancellationToken stop) : ITraceOutput, IDisposable
{
    /// <summary>How far the engine may run ahead of the pipeline; beyond it the engine's consumer waits, and its
    /// buffer then drops records (reported as warnings) instead of holding an unbounded backlog.</summary>
    public const int Capacity = 10_000;

    private readonly System.Collections.Concurrent.BlockingCollection<(int Kind, object Value)> _queue = new(Capacity);

    // Add waits while the queue is full and gives up (OperationCanceledException) when the pipeline stops
    public void Object(object value) => _queue.Add((0, value), stop);
    public void Error(ErrorRecord error) => _queue.Add((1, error), stop);
    public void Verbose(string message) => _queue.Add((2, message), stop);
    public void Warning(string message) => _queue.Add((3, message), stop);

    public void Complete() => _queue.CompleteAdding();

    /// <summary>Writes queued output to <paramref name="target"/> until everything is written, or <paramref name="stop"/> (Ctrl+C).</summary>
    public void Pump(ITraceOutput target, CancellationToken stop)
    {
        foreach (var (kind, value) in _queue.GetConsumingEnumerable(stop))
        {
            switch (kind)
            {
                case 0: target.Object(value); break;
                case 1: target.Error((ErrorRecord)value); break;
                case 2: target.Verbose((string)value); break;
                default: target.Warning((string)value); break;
            }
        }
    }

    public void Dispose() => _queue.Dispose();
}
