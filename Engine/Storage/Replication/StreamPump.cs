using System.IO.Pipes;

namespace Illumos.Engine.Storage.Replication;

/// <summary>
/// Send piped into receive: the sender runs on a worker thread writing into an OS pipe, the receiver
/// reads it on the caller's thread (so its progress reaches the caller). Either side failing ends
/// the other; the sender's error wins when it is the cause of the receiver's.
/// </summary>
public static class StreamPump
{
    public static ZReceiveResult Run(IStorage source, SendRequest send, IStorage target, ReceiveRequest receive, IEngineSink sink, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writeEnd = new AnonymousPipeServerStream(PipeDirection.Out);
        var readEnd = new AnonymousPipeClientStream(PipeDirection.In, writeEnd.ClientSafePipeHandle);
        var sender = Task.Run(() =>
        {
            using (writeEnd) source.Send(send, writeEnd, NullSink.Instance, linked.Token);
        }, CancellationToken.None);
        try
        {
            return target.Receive(receive, readEnd, sink, ct);
        }
        catch (Exception)
        {
            // Close the read end first: a sender blocked on a full pipe then fails at once.
            readEnd.Dispose();
            if (SenderFailure(sender, linked) is { } cause) throw cause;
            throw;
        }
        finally
        {
            readEnd.Dispose();
            linked.Cancel();
            try { sender.Wait(CancellationToken.None); } catch (AggregateException) { /* reported above or moot */ }
        }
    }

    private static Exception? SenderFailure(Task sender, CancellationTokenSource linked)
    {
        linked.Cancel();
        try { sender.Wait(CancellationToken.None); } catch (AggregateException) { /* inspected below */ }
        return sender.Exception?.InnerException is IllumosException e ? e : null;
    }
}
