using System.Runtime.CompilerServices;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Engine.Tracing;

/// <summary>
/// What to trace: a whole D program (<see cref="Script"/>), or one probe description with an optional
/// predicate and action (<see cref="Probe"/>, <see cref="Predicate"/>, <see cref="Action"/>), plus
/// options (quiet, aggsortkey, ...), macro arguments ($1...) and limits.
/// </summary>
public sealed record TraceRequest
{
    public string? Script { get; init; }
    public string ScriptName { get; init; } = "script";
    public string? Probe { get; init; }
    public string? Predicate { get; init; }
    public string? Action { get; init; }
    public IReadOnlyDictionary<string, string?> Options { get; init; } = new Dictionary<string, string?>();
    public IReadOnlyList<string> Arguments { get; init; } = Array.Empty<string>();
    /// <summary>Stop after this long, as if exit(0) had been called (END still fires).</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>Stop after this many records.</summary>
    public int? Count { get; init; }
    /// <summary>Hard limit for runaway programs.</summary>
    public TimeSpan? Timeout { get; init; }
    /// <summary>dtrace's default-output convention (CPU/ID columns) or Oracle's test mode.</summary>
    public OutputConvention Convention { get; init; } = OutputConvention.Illumos;
    /// <summary>Streaming: when set, each record is delivered here as it is produced (on the firing thread,
    /// one at a time) and <see cref="TraceResult.Records"/> stays empty.</summary>
    public Action<TraceOutputRecord>? OnRecord { get; init; }
    /// <summary>Streaming: when set, dtrace's standard output is delivered here as it is written (one call at a
    /// time) and <see cref="TraceResult.Raw"/> stays empty.</summary>
    public Action<string>? OnText { get; init; }
    /// <summary>Streaming: when set, warnings (drops) are delivered here as they are noticed and
    /// <see cref="TraceResult.Warnings"/> stays empty.</summary>
    public Action<TraceWarning>? OnWarning { get; init; }

    /// <summary>The D source this request stands for.</summary>
    public string ToSource()
    {
        if (Script is not null) return Script;
        if (Probe is null) throw IllumosException.Invalid("TraceNoProgram", "Give either a script or a probe description.", null);
        var pred = string.IsNullOrWhiteSpace(Predicate) ? "" : $"\n/{Predicate}/";
        return $"{Probe}{pred}\n{{\n{Action ?? ""}\n}}\n";
    }
}

/// <summary>A compile error: the D_* tag, the line and the message.</summary>
public sealed record TraceDiagnostic(string Tag, int Line, string Message) : HostObject
{
    /// <summary>The script the error is in (a file's path, or the name the caller gave it); set by the caller.</summary>
    public string? Script { get; init; }
}

/// <summary>One histogram bucket of a quantize/lquantize/llquantize aggregation.</summary>
public sealed record HistogramBucket(string Label, long Value, long Count);

/// <summary>A quantization, with its buckets and the text dtrace prints for it.</summary>
public sealed record Histogram(IReadOnlyList<HistogramBucket> Buckets, string Text)
{
    public override string ToString() => Text;
}

/// <summary>One tuple of an aggregation after the run.</summary>
public sealed record AggregationRecord(string Aggregation, IReadOnlyList<object> Keys, long Value, Histogram? Histogram) : HostObject
{
    /// <summary>The tuple as dtrace prints it at exit (keys in their types' widths, then the value or the histogram).</summary>
    public string Text { get; init; } = "";
}

/// <summary>One record a clause produced (printf/trace/printa output of one firing).</summary>
public sealed record TraceOutputRecord(string Probe, int ProbeId, int Clause, string Text, IReadOnlyList<TraceRecordItem> Items) : HostObject;

/// <summary>
/// Something the consumer lost or noticed without failing: <c>Kind</c> "drops" (records the buffer had no room
/// for, dtrace's "N drops on CPU 0"), "dynvardrops", "aggdrops", "specdrops"; the count and dtrace's wording.
/// </summary>
public sealed record TraceWarning(string Kind, long Count, string Message) : HostObject;

/// <summary>The outcome of a run: exit status, records and aggregations as objects, and the raw text dtrace would print.</summary>
public sealed record TraceResult(int ExitStatus, string Raw, IReadOnlyList<string> Errors, IReadOnlyList<TraceOutputRecord> Records,
    IReadOnlyList<AggregationRecord> Aggregations, IReadOnlyList<TraceDiagnostic> Diagnostics) : HostObject
{
    public bool Compiled => Diagnostics.Count == 0;
    /// <summary>Drops and similar losses (empty when they were streamed to <see cref="TraceRequest.OnWarning"/>).</summary>
    public IReadOnlyList<TraceWarning> Warnings { get; init; } = Array.Empty<TraceWarning>();

    /// <summary>The result of a program that never ran because it did not compile (or an option was refused).</summary>
    public static TraceResult NotCompiled(string scriptName, IReadOnlyList<TraceDiagnostic> diagnostics, int status = 1) =>
        new(status, "", diagnostics.Select(d => status == 2 ? d.Message : $"dtrace: failed to compile script {scriptName}: [{d.Tag}] line {d.Line}: {d.Message}").ToList(),
            Array.Empty<TraceOutputRecord>(), Array.Empty<AggregationRecord>(), diagnostics);
}

/// <summary>
/// The D front end both hosts share: -Option values checked as dtrace -x would, then the program compiled
/// (the embedded host against its own probes; a native host only for syntax and types, its dtrace matches the probes).
/// </summary>
public static class TraceFrontEnd
{
    public static TraceOptions Options(TraceRequest r, out TraceDiagnostic? error)
    {
        error = null;
        var o = new TraceOptions { Convention = r.Convention };
        foreach (var (k, v) in r.Options)
        {
            var e = o.Set(k, v is "" ? null : v);
            if (e is not null) { error = new TraceDiagnostic("D_PRAGMA_OPTSET", 0, $"failed to set option '{k}': {e}"); break; }
        }
        return o;
    }

    private static Languages.D.DCompileOptions CompileOptions(TraceRequest r, TraceOptions o, bool localProbes) =>
        new() { ScriptName = r.ScriptName, MacroArgs = r.Arguments, Options = o, MatchLocalProbes = localProbes };

    /// <summary>Every diagnostic of the request (empty when it compiles).</summary>
    public static IReadOnlyList<TraceDiagnostic> Check(TraceRequest r, bool localProbes)
    {
        var o = Options(r, out var bad);
        if (bad is not null) return new[] { bad };
        return Languages.D.DCompiler.Check(r.ToSource(), CompileOptions(r, o, localProbes))
            .Select(d => new TraceDiagnostic(d.Tag, d.Line, d.Message)).ToList();
    }

    /// <summary>The compiled program, or null with <paramref name="failure"/> set to the result of a program that never ran.</summary>
    public static CompiledProgram? Compile(TraceRequest r, bool localProbes, out TraceResult? failure)
    {
        failure = null;
        var o = Options(r, out var bad);
        if (bad is not null) { failure = TraceResult.NotCompiled(r.ScriptName, new[] { bad }, status: 2); return null; }
        var source = r.ToSource();
        try
        {
            return Languages.D.DCompiler.Compile(source, CompileOptions(r, o, localProbes));
        }
        catch (Languages.D.DCompileException)
        {
            failure = TraceResult.NotCompiled(r.ScriptName, Check(r, localProbes));
            return null;
        }
    }
}

/// <summary>A probe, as dtrace -l lists it.</summary>
public sealed record ProbeInfo(int Id, string Provider, string Module, string Function, string Name, IReadOnlyList<ProbeArgument> Arguments) : HostObject;

/// <summary>
/// The tracing facility: compile-only checks (Test-DTraceScript), runs (Trace-Probe) and the probe
/// list (Get-Probe). Plain data in and out; no PowerShell types.
/// </summary>
public interface ITracing
{
    IReadOnlyList<TraceDiagnostic> Check(TraceRequest request);
    TraceResult Run(TraceRequest request, CancellationToken cancel = default);
    IReadOnlyList<ProbeInfo> ListProbes(string? provider = null, string? module = null, string? function = null, string? name = null);
}

/// <summary>The embedded host's tracing: the in-process D compiler and runtime over the engine's probes.</summary>
public sealed class EmbeddedTracing : ITracing
{
#pragma warning disable CA2255 // facilities register themselves when the engine loads (see FacilityRegistry)
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => FacilityRegistry.Register<ITracing>(HostKind.Embedded, _ => new EmbeddedTracing(), "Tracing");

    public IReadOnlyList<TraceDiagnostic> Check(TraceRequest request) => TraceFrontEnd.Check(request, localProbes: true);

    public TraceResult Run(TraceRequest request, CancellationToken cancel = default)
    {
        if (TraceFrontEnd.Compile(request, localProbes: true, out var failure) is not { } prog) return failure!;
        // a streaming consumer reads through a bounded buffer: firings never wait for it, and what does not fit is dropped and counted
        var warnings = new List<TraceWarning>();
        using var buffer = request.OnRecord is not null || request.OnText is not null
            ? new ConsumerBuffer(ConsumerBuffer.SizeOf(prog.Options), request.OnWarning ?? (w => { lock (warnings) warnings.Add(w); }))
            : null;
        TextWriter stdout = request.OnText is { } onText ? new CallbackWriter(t => buffer!.Offer(t.Length, () => onText(t))) : new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var run = new TraceRun(prog, stdout, stderr) { CollectRecords = request.OnRecord is null };
        if (request.OnRecord is { } onRecord)
            run.RecordSink = r =>
            {
                var record = new TraceOutputRecord(r.Probe, r.ProbeId, r.Clause, r.Text, r.Items);
                buffer!.Offer(r.Text.Length, () => onRecord(record));
            };
        int status = run.Run(new RunLimits { Timeout = request.Timeout, Duration = request.Duration, MaxRecords = request.Count, Cancel = cancel });
        buffer?.Complete();
        var records = run.Records.Select(r => new TraceOutputRecord(r.Probe, r.ProbeId, r.Clause, r.Text, r.Items)).ToList();
        var aggs = new List<AggregationRecord>();
        foreach (var a in run.Aggs)
        {
            foreach (var (key, data) in a.Sorted(run.Options))
            {
                Histogram? h = null;
                if (data.Buckets is not null)
                {
                    var sb = new System.Text.StringBuilder();
                    a.PrintHistogram(sb, data);
                    h = new Histogram(a.Buckets(data).Select(b => new HistogramBucket(b.Label, b.Value, b.Count)).ToList(), sb.ToString());
                }
                var tuple = new System.Text.StringBuilder();
                a.PrintTuple(tuple, key, data);
                aggs.Add(new AggregationRecord(a.Name, key.Items, a.Value(data), h) { Text = tuple.ToString() });
            }
        }
        var errors = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new TraceResult(status, stdout is StringWriter text ? text.ToString() : "", errors, records, aggs, Array.Empty<TraceDiagnostic>())
        {
            Warnings = warnings,
        };
    }

    public IReadOnlyList<ProbeInfo> ListProbes(string? provider = null, string? module = null, string? function = null, string? name = null) =>
        ProbeRegistry.All
            .Where(s => Is(s.Provider, provider) && Is(s.Module, module) && Is(s.Function, function) && Is(s.Name, name))
            .Select(s => new ProbeInfo(s.Id, s.Provider, s.Module, s.Function, s.Name, s.Arguments))
            .ToList();

    // as Get-Probe matches (PowerShell's case-insensitive names)
    private static bool Is(string value, string? filter) => filter is null || string.Equals(value, filter, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A writer that hands each piece of text to a callback (streamed standard output).</summary>
internal sealed class CallbackWriter(Action<string> write) : TextWriter
{
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
    public override void Write(char value) => write(value.ToString());
    public override void Write(char[] buffer, int index, int count)
    {
        if (count > 0) write(new string(buffer, index, count));
    }
    public override void Write(string? value)
    {
        if (!string.IsNullOrEmpty(value)) write(value);
    }
}
