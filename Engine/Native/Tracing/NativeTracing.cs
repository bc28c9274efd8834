using System.Runtime.CompilerServices;
using System.Text;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Native.Storage;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Engine.Native.Tracing;

/// <summary>
/// Tracing on a native host through its own <c>dtrace</c>. A program is first compiled by the same D front end
/// as the embedded host (syntax, types, options: errors are reported locally and nothing is sent); the host's
/// dtrace then matches the probes and runs it, reading the program from its standard input
/// (<c>dtrace [-q] [-x opt=val]... -s /dev/stdin [args]</c>, LC_ALL=C through the runner). Its output is read as it
/// streams and turned back into the embedded host's records and aggregations (<see cref="DTraceOutputReader"/>).
/// </summary>
/// <remarks>
/// Differences from the embedded host, all from what dtrace's text carries: records have no typed items and,
/// with -q, no probe; without -q the probe is dtrace's FUNCTION:NAME column. Aggregations are those dtrace
/// prints at exit (printa() output stays text), with the printed (normalized) values. -Duration adds a
/// <c>tick</c> clause calling exit(0), so END runs; -Count, -Timeout and Ctrl+C end the remote dtrace, so END
/// does not run and the aggregations are lost (a TraceWarning says so). Kernel types and translators
/// that exist only on the host (args[0]->b_bcount) are not known to the local front end.
/// </remarks>
public sealed class NativeTracing(NativeHost host) : ITracing
{
#pragma warning disable CA2255 // the facility registers itself when the engine loads, as every facility folder does
    [ModuleInitializer]
    internal static void Register() =>
        FacilityRegistry.Register<ITracing>(HostKind.Native, h => new NativeTracing((NativeHost)h), "Tracing");
#pragma warning restore CA2255

    public IReadOnlyList<TraceDiagnostic> Check(TraceRequest request) => TraceFrontEnd.Check(request, localProbes: false);

    public TraceResult Run(TraceRequest request, CancellationToken cancel = default)
    {
        if (TraceFrontEnd.Compile(request, localProbes: false, out var failure) is not { } program) return failure!;
        bool quiet = program.Options.Quiet;
        var source = request.ToSource();
        if (request.Duration is { } d)
            source += $"\nprofile:::tick-{Math.Max(1, (long)Math.Ceiling(d.TotalMilliseconds))}ms\n{{\n\texit(0);\n}}\n";
        var argv = DTraceCommands.Run(quiet, request.Options, request.Arguments);

        var records = new List<TraceOutputRecord>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        bool countReached = false;
        int delivered = 0;
        bool consumerGone = false;
        // the consumer may go away (a stopped pipeline cancels its additions): then the remote dtrace is ended
        void Deliver(Action deliver)
        {
            if (consumerGone) return;
            try { deliver(); }
            catch (OperationCanceledException) { consumerGone = true; stop.Cancel(); }
        }
        var reader = new DTraceOutputReader(quiet, AggregationShape.Of(program), r =>
        {
            if (countReached) return;
            if (request.OnRecord is { } on) Deliver(() => on(r)); else records.Add(r);
            if (++delivered >= request.Count) { countReached = true; stop.Cancel(); }
        });
        var raw = request.OnText is null ? new StringBuilder() : null;
        var sink = new LineStream(text =>
        {
            if (request.OnText is { } onText) Deliver(() => onText(text)); else raw!.Append(text);
        }, reader.Line);
        CommandResult? result = null;
        bool stopped = false;
        using (var stdin = new MemoryStream(Encoding.UTF8.GetBytes(source)))
        {
            try
            {
                result = host.Run(argv, stop.Token, new CommandOptions { StdIn = stdin, StdOut = sink, Timeout = request.Timeout });
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                stopped = true;
            }
            catch (IllumosException e) when (e.Kind == ErrorKind.OperationTimeout)
            {
                stopped = true;
            }
        }
        sink.Finish();
        var aggregations = reader.Finish();
        var (errors, warnings) = DTraceStderrParser.Parse(result?.StdErr ?? "");
        if (stopped)
            warnings.Add(new TraceWarning("stopped", 0, countReached
                ? $"The native dtrace was ended after {request.Count} records: its END clauses did not run and the aggregations it held were not printed."
                : "The native dtrace was ended before exit(): its END clauses did not run and the aggregations it held were not printed."));
        if (result is { ExitCode: not 0 } && reader.RecordCount == 0 && errors.Count == 0 && aggregations.Count == 0 && !stopped)
            throw NativeStorage.Failure(result);
        if (request.OnWarning is { } onWarning)
        {
            foreach (var w in warnings) onWarning(w);
            warnings.Clear();
        }
        return new TraceResult(stopped ? 0 : result!.ExitCode, raw?.ToString() ?? "", errors, records, aggregations, Array.Empty<TraceDiagnostic>())
        {
            Warnings = warnings,
        };
    }

    /// <summary><c>dtrace -l</c> with the filters applied by the host; a description that matches nothing is an empty list.</summary>
    public IReadOnlyList<ProbeInfo> ListProbes(string? provider = null, string? module = null, string? function = null, string? name = null)
    {
        var r = host.Run(DTraceCommands.List(provider, module, function, name), CancellationToken.None);
        if (r.ExitCode != 0)
        {
            if (DTraceListParser.IsNoMatch(r.StdErr)) return Array.Empty<ProbeInfo>();
            throw NativeStorage.Failure(r);
        }
        return DTraceListParser.Parse(r.StdOut);
    }
}

/// <summary>
/// The standard output of a streaming command: UTF-8 decoded as it arrives, each piece of text handed to
/// <c>text</c> and each complete line (without its newline) to <c>line</c>.
/// </summary>
internal sealed class LineStream(Action<string> text, Action<string> line) : Stream
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private readonly LineSplitter _lines = new(line);
    private char[] _chars = new char[4096];

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int need = _decoder.GetCharCount(buffer, flush: false);
        if (need > _chars.Length) _chars = new char[need];
        int n = _decoder.GetChars(buffer, _chars, flush: false);
        if (n == 0) return;
        var piece = new string(_chars, 0, n);
        text(piece);
        _lines.Write(piece);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    /// <summary>Hands on the text after the last newline (dtrace output that did not end with one) as a line.</summary>
    public void Finish() => _lines.Flush();
}
