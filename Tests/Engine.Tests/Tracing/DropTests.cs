using Illumos.Engine.Tracing;
using Xunit;

namespace Illumos.Engine.Tests.Tracing;

/// <summary>A streaming consumer that cannot keep up loses records to a full buffer; they are counted and reported as dtrace does.</summary>
public class DropTests
{
    private static readonly ProbeSite Site = ProbeRegistry.Register("droptest", "", "", "fire", new ProbeArgument(0, "int64_t"));

    private static (TraceResult Result, int Delivered, List<TraceWarning> Warnings) RunBlocked(int firings, string bufsize, bool raw)
    {
        // The probe must be registered before the script compiles on the worker thread; a static field
        // is initialised lazily on first touch, which would otherwise race the compile.
        var site = Site;
        using var gate = new ManualResetEventSlim();
        int delivered = 0;
        var warnings = new List<TraceWarning>();
        using var cts = new CancellationTokenSource();
        var request = new TraceRequest
        {
            Script = "droptest:::fire { printf(\"%d\\n\", arg0); }",
            Options = new Dictionary<string, string?> { ["quiet"] = null, ["bufsize"] = bufsize },
            OnWarning = w => { lock (warnings) warnings.Add(w); },
        };
        // the consumer blocks on its first delivery until every firing has happened
        Action wait = () => { gate.Wait(); Interlocked.Increment(ref delivered); };
        request = raw ? request with { OnText = _ => wait() } : request with { OnRecord = _ => wait() };
        var run = Task.Run(() => new EmbeddedTracing().Run(request, cts.Token));
        SpinWait.SpinUntil(() => site.Enabled || run.IsCompleted);
        Assert.False(run.IsCompleted, run.IsCompleted ? string.Join("; ", run.Result.Errors) : "");
        for (int i = 0; i < firings; i++) site.Fire(1000 + i);
        gate.Set();
        cts.Cancel();
        var result = run.GetAwaiter().GetResult();
        return (result, delivered, warnings);
    }

    [Fact]
    public void Records_that_do_not_fit_are_dropped_counted_and_reported_as_a_warning()
    {
        var (result, delivered, warnings) = RunBlocked(2000, "256", raw: false);
        long drops = warnings.Where(w => w.Kind == "drops").Sum(w => w.Count);
        Assert.True(drops > 1000, $"drops {drops}");
        Assert.Equal(2000, delivered + drops);   // every firing was either delivered or counted
        Assert.Matches(@"^\d+ drops on CPU 0$", warnings[0].Message);
        Assert.Empty(result.Warnings);           // streamed to OnWarning instead
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Raw_text_goes_through_the_same_buffer()
    {
        var (_, delivered, warnings) = RunBlocked(2000, "512", raw: true);
        long drops = warnings.Sum(w => w.Count);
        Assert.True(drops > 1000, $"drops {drops}");
        // the text pieces: one per record, then the final blank line (which may itself have been dropped)
        Assert.InRange(delivered + drops, 2000, 2001);
    }

    [Fact]
    public void A_consumer_that_keeps_up_loses_nothing()
    {
        var got = new List<string>();
        var r = new EmbeddedTracing().Run(new TraceRequest
        {
            Script = "tick-1ms /i++ < 500/ { printf(\"%d\\n\", i); } tick-1ms /i >= 500/ { exit(0); }",
            Options = new Dictionary<string, string?> { ["quiet"] = null },
            OnRecord = rec => got.Add(rec.Text),
        });
        Assert.Equal(500, got.Count(t => t.Length > 0));   // plus the empty record of the exit() clause
        Assert.Empty(r.Warnings);
    }

    [Fact]
    public void Without_streaming_drops_are_returned_with_the_result()
    {
        using var buffer = new ConsumerBuffer(16, _ => { });
        Assert.True(buffer.Offer(4, () => { }));
        Assert.False(buffer.Offer(100, () => { }));
        buffer.Complete();
        Assert.Equal(1, buffer.Drops);
        Assert.Equal(4L << 20, ConsumerBuffer.SizeOf(new TraceOptions()));
        var o = new TraceOptions();
        o.Set("bufsize", "64k");
        Assert.Equal(64L << 10, ConsumerBuffer.SizeOf(o));
    }
}
