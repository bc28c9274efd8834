using System.Text;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>zfs send/receive on the native host: the argv built, the streams passed, the estimate parsed.</summary>
public class NativeReplicationTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>Keeps each argv and what arrived on stdin; answers with <see cref="StdOut"/> (also written to a stdout stream).</summary>
    private sealed class CapturingRunner : ICommandRunner
    {
        public List<string[]> Commands { get; } = new();
        public byte[] StdIn { get; private set; } = [];
        public string StdOut { get; set; } = "";
        public HostTransport Transport => HostTransport.Replay;
        public string Describe => "capturing";

        public CommandResult Run(IReadOnlyList<string> argv, CommandOptions? options, CancellationToken cancellationToken)
        {
            Commands.Add(argv.ToArray());
            if (options?.StdIn is { } input) { var ms = new MemoryStream(); input.CopyTo(ms); StdIn = ms.ToArray(); }
            if (options?.StdOut is { } output) { output.Write(Encoding.UTF8.GetBytes(StdOut)); return new CommandResult(argv, 0, "", ""); }
            return new CommandResult(argv, 0, StdOut, "");
        }

        public void Dispose() { }
    }

    private static (IStorage, CapturingRunner) Open()
    {
        var runner = new CapturingRunner();
        var host = new NativeHost(runner, "capture");
        return (host.Facility<IStorage>(), runner);
    }

    [Fact]
    public void Send_builds_zfs_send_and_parses_the_dry_run()
    {
        var (storage, runner) = Open();
        runner.StdOut = "incremental\ta\ttank/my fs@b\t123456\nincremental\tb\ttank/my fs@c\t7890\nsize\t131346\n";
        var est = storage.EstimateSend(new SendRequest { Snapshot = "tank/my fs@c", From = "@a", IncludeIntermediate = true, Compressed = true }, None);
        Assert.Equal(["zfs", "send", "-nvP", "-c", "-I", "tank/my fs@a", "tank/my fs@c"], runner.Commands[^1]);
        Assert.Equal(131346UL, est.Bytes);
        Assert.Equal([("tank/my fs@b", "a", 123456UL), ("tank/my fs@c", "b", 7890UL)], est.Substreams.Select(s => (s.Snapshot, s.From, s.Bytes)));

        runner.StdOut = "stream bytes";
        var sink = new MemoryStream();
        storage.Send(new SendRequest { Snapshot = "tank/fs@s", Recursive = true, Properties = true }, sink, NullSink.Instance, None);
        Assert.Equal(["zfs", "send", "-R", "-p", "tank/fs@s"], runner.Commands[^1]);
        Assert.Equal("stream bytes", Encoding.UTF8.GetString(sink.ToArray()));

        storage.Send(new SendRequest { ResumeToken = "1-e604ea4bf-e0-789c63" }, new MemoryStream(), NullSink.Instance, None);
        Assert.Equal(["zfs", "send", "-t", "1-e604ea4bf-e0-789c63"], runner.Commands[^1]);
    }

    [Fact]
    public void Receive_passes_the_stream_to_zfs_receive_with_its_options()
    {
        var (storage, runner) = Open();
        runner.StdOut = "receiving full stream of tank/home@a into backup/home/home@a\n" +
                        "receiving incremental stream of tank/home@b into backup/home/home@b\n" +
                        "received 97.7K stream in 1 seconds (97.7K/sec)\n";
        var data = new byte[100_000];
        new Random(3).NextBytes(data);
        var r = storage.Receive(new ReceiveRequest
        {
            Target = "backup/home", Force = true, Resumable = true, AppendLastName = true,
            SetProperties = new Dictionary<string, string> { ["readonly"] = "on", ["compression"] = "lz4" }, ExcludeProperties = ["mountpoint"],
        }, new MemoryStream(data), NullSink.Instance, None);
        Assert.Equal(["zfs", "receive", "-v", "-F", "-s", "-e", "-o", "compression=lz4", "-o", "readonly=on", "-x", "mountpoint", "backup/home"], runner.Commands[^1]);
        Assert.Equal(data, runner.StdIn);
        Assert.Equal((ulong)data.Length, r.Bytes);
        Assert.Equal("backup/home/home", r.Dataset);   // -e: the last element of the sent name, not the target given
        Assert.Equal(["backup/home/home@a", "backup/home/home@b"], r.Snapshots);
        storage.AbortReceive("backup/home", None);
        Assert.Equal(["zfs", "receive", "-A", "backup/home"], runner.Commands[^1]);
    }

    [Theory]
    [InlineData("receiving full stream of tank/a b@s 1 into back up/a b@s 1", "back up/a b@s 1")]
    [InlineData("receiving incremental stream of tank/x into y@s into bk/x into y@s", "bk/x into y@s")]
    [InlineData("would receive full stream of tank/a@s into bk/a@s", null)]   // dry run: nothing received
    [InlineData("received 1.2K stream in 1 seconds (1.2K/sec)", null)]
    public void Receive_verbose_lines_name_the_snapshots_received(string line, string? expected)
    {
        var got = Illumos.Engine.Native.Parsers.ZfsReceiveParser.ReceivedSnapshots(line + "\n");
        Assert.Equal(expected is null ? [] : [expected], got);
    }

    [Theory]
    [InlineData("1-abc; rm -rf /")]
    [InlineData("$(reboot)")]
    [InlineData("1-ab-cd-ef\n")]
    public void Bad_tokens_and_names_are_refused_before_anything_runs(string token)
    {
        var (storage, runner) = Open();
        var e = Assert.Throws<IllumosException>(() => storage.Send(new SendRequest { ResumeToken = token }, new MemoryStream(), NullSink.Instance, None));
        Assert.Equal("ResumeTokenInvalid", e.ErrorId);
        Assert.Throws<IllumosException>(() => storage.Receive(new ReceiveRequest { Target = "tank/a;b" }, new MemoryStream(), NullSink.Instance, None));
        Assert.DoesNotContain(runner.Commands, c => c.Length > 1 && c[1] is "send" or "receive");
    }
}
