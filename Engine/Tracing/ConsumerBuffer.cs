namespace Illumos.Engine.Tracing;

/// <summary>
/// The principal buffer between probe context and a streaming consumer, as dtrace has one per CPU: firing
/// threads never wait for the consumer; what does not fit in <c>bufsize</c> bytes is dropped and counted, and
/// the consumer reports the count ("N drops on CPU 0") when it catches up and when the run ends. Records and
/// text share the buffer, so they reach the consumer in the order they were produced.
/// </summary>
internal sealed class ConsumerBuffer : IDisposable
{
    /// <summary>dtrace's default principal buffer size (bufsize=4m).</summary>
    public const long DefaultSize = 4L << 20;
    private const int RecordOverhead = 8;   // the EPID header dtrace puts before each record's data

    private readonly Queue<(Action Deliver, long Size)> _queue = new();
    private readonly long _capacity;
    private readonly Action<TraceWarning> _warn;
    private readonly Thread _consumer;
    private long _used, _drops, _reported;
    private bool _completed, _broken;

    public ConsumerBuffer(long capacity, Action<TraceWarning> warn)
    {
        _capacity = Math.Max(1, capacity);
        _warn = warn;
        _consumer = new Thread(Consume) { IsBackground = true, Name = "dtrace consumer" };
        _consumer.Start();
    }

    /// <summary>The buffer size of a program: its bufsize option, else dtrace's default.</summary>
    public static long SizeOf(TraceOptions options) =>
        options.Raw.TryGetValue("bufsize", out var v) && TraceOptions.ParseSize(v) is { } n ? n : DefaultSize;

    public long Drops
    {
        get { lock (_queue) return _drops; }
    }

    /// <summary>Queues a delivery of <paramref name="bytes"/> bytes, or drops it when the buffer is full. Never blocks.</summary>
    public bool Offer(long bytes, Action deliver)
    {
        long size = bytes + RecordOverhead;
        lock (_queue)
        {
            if (_broken || _used + size > _capacity)
            {
                _drops++;
                return false;
            }
            _queue.Enqueue((deliver, size));
            _used += size;
            Monitor.Pulse(_queue);
            return true;
        }
    }

    private void Consume()
    {
        while (true)
        {
            (Action Deliver, long Size) item;
            long newDrops;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_completed) Monitor.Wait(_queue);
                newDrops = _drops - _reported;
                _reported = _drops;
                if (_queue.Count == 0)
                {
                    Report(newDrops);
                    return;
                }
                item = _queue.Dequeue();
                _used -= item.Size;
            }
            Report(newDrops);
            try
            {
                item.Deliver();
            }
            catch (OperationCanceledException)
            {
                // the consumer went away (the pipeline stopped): nothing more can be delivered
                lock (_queue) { _broken = true; _queue.Clear(); _used = 0; }
            }
        }
    }

    private void Report(long drops)
    {
        if (drops > 0 && !_broken) _warn(new TraceWarning("drops", drops, $"{drops} drop{(drops == 1 ? "" : "s")} on CPU 0"));
    }

    /// <summary>Ends the stream: waits until the consumer has delivered what is queued and reported the last drops.</summary>
    public void Complete()
    {
        lock (_queue)
        {
            _completed = true;
            Monitor.Pulse(_queue);
        }
        _consumer.Join();
    }

    public void Dispose()
    {
        lock (_queue)
        {
            if (_completed) return;
            _broken = true;
            _queue.Clear();
        }
        Complete();
    }
}
