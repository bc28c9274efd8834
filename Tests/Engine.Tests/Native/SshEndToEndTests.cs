using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CsCheck;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// A throwaway OpenSSH server on a loopback port, with its own host key, client key, sshd_config and
/// known_hosts in a temp directory. The remote "illumos commands" are shell scripts on the session's
/// PATH (set by the server's SetEnv) that answer from recorded outputs. Needs Debian's
/// openssh-server and openssh-client; sshd needs its privilege separation directory (/run/sshd),
/// which is created when the tests run as root.
/// </summary>
public sealed class SshdFixture : IDisposable
{
    public const string Sshd = "/usr/sbin/sshd";
    private readonly Process? _sshd;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "illumos-sshd-" + Guid.NewGuid().ToString("N")[..12]);
    public int Port { get; }
    public string? Error { get; }
    public string SshWrapper => Path.Combine(Dir, "ssh");
    public string KeyFile => Path.Combine(Dir, "id");
    public string Rec(string name) => Path.Combine(Dir, "rec", name);

    public SshdFixture()
    {
        if (!File.Exists(Sshd) || OperatingSystem.IsWindows()) { Error = "no sshd"; return; }
        try
        {
            Directory.CreateDirectory(Path.Combine(Dir, "bin"));
            Directory.CreateDirectory(Path.Combine(Dir, "rec"));
            Exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Dir, "hostkey"));
            Exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", KeyFile);
            File.Copy(KeyFile + ".pub", Path.Combine(Dir, "authorized_keys"));
            if (!Directory.Exists("/run/sshd") && Environment.UserName == "root") Directory.CreateDirectory("/run/sshd");
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            Port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            File.WriteAllText(Path.Combine(Dir, "sshd_config"),
                $"Port {Port}\nListenAddress 127.0.0.1\nHostKey {Dir}/hostkey\nAuthorizedKeysFile {Dir}/authorized_keys\n" +
                $"PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile {Dir}/sshd.pid\n" +
                $"PermitRootLogin prohibit-password\nSetEnv PATH={Dir}/bin:/usr/bin:/bin\n");
            var hostKey = File.ReadAllText(Path.Combine(Dir, "hostkey.pub")).Split(' ');
            File.WriteAllText(Path.Combine(Dir, "known_hosts"), $"[127.0.0.1]:{Port} {hostKey[0]} {hostKey[1]}\n");
            Script("ssh", $"exec ssh -o UserKnownHostsFile={Dir}/known_hosts -o StrictHostKeyChecking=yes -o LogLevel=ERROR \"$@\"\n");
            Script("bin/echoargs", "printf '%s\\0' \"$LC_ALL\" \"$@\"\n");
            Script("bin/slowcmd", $"while :; do date +%s%N > {Dir}/rec/alive; echo tick; sleep 0.1; done\n");
            Script("bin/zpool",
                $"case \"$1\" in\n" +
                $"  status) cat {Dir}/rec/zpool-status.txt ;;\n" +
                $"  list) cat {Dir}/rec/zpool-list.txt ;;\n" +
                $"  *) echo \"zpool: unsupported $1\" >&2; exit 2 ;;\n" +
                "esac\n");
            Script("bin/zfs",
                $"case \"$1\" in\n" +
                $"  version) echo zfs-2.1.5-1; echo zfs-kmod-2.1.5-1 ;;\n" +
                $"  list) cat {Dir}/rec/zfs-list.txt ;;\n" +
                $"  get) for a in \"$@\"; do last=\"$a\"; done\n" +
                $"       if [ \"$last\" = tank/missing ]; then echo \"cannot open 'tank/missing': dataset does not exist\" >&2; exit 1; fi\n" +
                $"       cat {Dir}/rec/zfs-get.txt ;;\n" +
                $"  set) printf '%s\\0' \"$@\" > {Dir}/rec/set-args.bin ;;\n" +
                $"  receive) cat > {Dir}/rec/received.bin ;;\n" +
                $"  send) cat {Dir}/rec/send.bin ;;\n" +
                $"  *) echo \"zfs: unsupported $1\" >&2; exit 2 ;;\n" +
                "esac\n");
            var psi = new ProcessStartInfo(Sshd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-D", "-e", "-f", Path.Combine(Dir, "sshd_config") }) psi.ArgumentList.Add(a);
            _sshd = Process.Start(psi)!;
            _sshd.ErrorDataReceived += (_, _) => { };
            _sshd.BeginErrorReadLine();
            _sshd.BeginOutputReadLine();
            var until = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                if (_sshd.HasExited) { Error = $"sshd exited with {_sshd.ExitCode} (is /run/sshd present? run as root or create it)"; return; }
                try { using var c = new TcpClient(); c.Connect(IPAddress.Loopback, Port); break; }
                catch (SocketException) when (DateTime.UtcNow < until) { Thread.Sleep(100); }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Error = e.Message;
        }
    }

    public SshTarget Target(int? port = null, int timeout = 5) =>
        new("127.0.0.1", Environment.UserName, port ?? Port, KeyFile, timeout);

    private void Script(string relative, string body)
    {
        var path = Path.Combine(Dir, relative);
        File.WriteAllText(path, "#!/bin/sh\n" + body);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} failed: {p.StandardError.ReadToEnd()}");
    }

    public void Dispose()
    {
        if (_sshd is { HasExited: false })
        {
            _sshd.Kill();
            _sshd.WaitForExit(5000);
        }
        _sshd?.Dispose();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Skipped with a message when /usr/sbin/sshd is absent.</summary>
public sealed class SshdFactAttribute : FactAttribute
{
    public SshdFactAttribute()
    {
        if (OperatingSystem.IsWindows() || !File.Exists(SshdFixture.Sshd))
            Skip = "/usr/sbin/sshd is absent: install Debian's openssh-server and openssh-client to run the SSH end-to-end tests.";
        else if (Fixtures.Directory is null) Skip = Fixtures.MissingMessage;
    }
}

public sealed class SshEndToEndTests(SshdFixture sshd) : IClassFixture<SshdFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    private SshRunner Runner()
    {
        Assert.True(sshd.Error is null, "the test sshd did not start: " + sshd.Error);
        return new SshRunner(sshd.Target(), sshd.SshWrapper);
    }

    [SshdFact]
    public void Arguments_arrive_exactly_over_ssh()
    {
        using var runner = Runner();
        var atoms = new[] { "a", "Z", "0", " ", "'", "\"", "`", "$", "(", ")", ";", "|", "&", "<", ">", "*", "?", "\\", "\n", "\t", "~", "#", "!", "{", "}", "é", "中", "😀", "$(touch /tmp/pwned-illumos)" };
        Gen.OneOfConst(atoms).Array[1, 12].Select(a => string.Concat(a)).Array[3, 8].Sample(args =>
        {
            var r = runner.Run(["echoargs", .. args], null, None);
            Assert.Equal(0, r.ExitCode);
            var got = r.StdOut.Split('\0');
            Assert.Equal("C", got[0]); // LC_ALL=C reaches the command
            Assert.Equal(args, got[1..^1]);
        }, iter: 8, threads: 1);
        Assert.False(File.Exists("/tmp/pwned-illumos"));
    }

    [SshdFact]
    public void Storage_over_ssh_answers_from_recorded_outputs()
    {
        File.WriteAllText(sshd.Rec("zpool-status.txt"), Fixtures.Read("zpool-status-spare-inuse-faulted-resilvered.txt"));
        File.WriteAllText(sshd.Rec("zfs-list.txt"), FixtureRows.Reorder(Fixtures.Read("zfs-list-Hp-name-used-avail-refer-mountpoint-smartos.txt"), ["name", "used", "avail", "refer", "mountpoint"], ZfsListParser.DatasetFields));
        File.WriteAllText(sshd.Rec("zpool-list.txt"), FixtureRows.Reorder(Fixtures.Read("zpool-list-Hp-freebsd14.txt"), ["name", "health", "size", "alloc", "free", "fragmentation", "capacity", "dedupratio"], ZpoolListParser.Fields, ZpoolListParser.Canonical));
        using var host = new NativeHost(Runner(), "127.0.0.1");
        var caps = host.Probe(false, None);
        Assert.Equal(("Linux", "zfs-2.1.5-1", false), (caps.OperatingSystem, caps.ZfsVersion, caps.SupportsJsonOutput));
        var storage = host.Facility<IStorage>();
        var st = storage.GetStatus("sparepool", false, None);
        Assert.Equal(ZHealth.DEGRADED, st.State);
        Assert.Contains(st.Config.Flatten(), v => v.State == ZHealth.FAULTED && v.WriteErrors > 4000);
        var ds = storage.GetDatasets("zones", null, ZDatasetType.All, None);
        Assert.Equal(3, ds.Count);
        Assert.Equal(1004799731712UL, ds[0].Used);
        Assert.Equal("zroot", Assert.Single(storage.GetPools(None)).Name);
        storage.SetProperties("zones/a b", new Dictionary<string, string> { ["com.example:note"] = "it's $(not) run; `ok`\nline 2" }, None);
        var set = File.ReadAllText(sshd.Rec("set-args.bin")).Split('\0');
        Assert.Equal(["set", "com.example:note=it's $(not) run; `ok`\nline 2", "zones/a b", ""], set);
    }

    [SshdFact]
    public void Streams_stdin_and_stdout_through_ssh()
    {
        var data = RandomNumberGenerator.GetBytes(6 << 20);
        using var runner = Runner();
        var r = runner.Run(["zfs", "receive", "-F", "tank/copy"], new CommandOptions { StdIn = new MemoryStream(data) }, None);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(data, File.ReadAllBytes(sshd.Rec("received.bin")));

        File.WriteAllBytes(sshd.Rec("send.bin"), data);
        var sink = new MemoryStream();
        var s = runner.Run(["zfs", "send", "tank/copy@s"], new CommandOptions { StdOut = sink }, None);
        Assert.Equal(0, s.ExitCode);
        Assert.Equal("", s.StdOut);
        Assert.Equal(data, sink.ToArray());
    }

    [SshdFact]
    public void Send_streams_flow_between_the_embedded_host_and_zfs_over_ssh()
    {
        using var local = new Illumos.Engine.Tests.Storage.StorageFixture();
        local.CreatePool("tank", "d1");
        local.Storage.CreateVolume("tank/vol", 4 << 20, sparse: true, blockSize: null, null, false, None);
        var data = RandomNumberGenerator.GetBytes(300_000);
        local.Storage.WriteVolume("tank/vol", 40_960, data, None);
        local.Storage.CreateSnapshots(["tank/vol@s"], false, null, None);
        var expected = new MemoryStream();
        local.Storage.Send(new SendRequest { Snapshot = "tank/vol@s" }, expected, NullSink.Instance, None);

        using var host = new NativeHost(Runner(), "127.0.0.1");
        var remote = host.Facility<IStorage>();
        // Embedded → zfs receive on the remote host: the stream arrives byte for byte.
        var up = Illumos.Engine.Storage.Replication.StreamPump.Run(local.Storage, new SendRequest { Snapshot = "tank/vol@s" }, remote,
            new ReceiveRequest { Target = "tank/vol", Resumable = true }, NullSink.Instance, None);
        Assert.Equal((ulong)expected.Length, up.Bytes);
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(sshd.Rec("received.bin")));

        // zfs send on the remote host → the embedded host: a zvol stream in OpenZFS's layout becomes a volume.
        File.WriteAllBytes(sshd.Rec("send.bin"), expected.ToArray());
        var down = Illumos.Engine.Storage.Replication.StreamPump.Run(remote, new SendRequest { Snapshot = "far/vol@s" }, local.Storage,
            new ReceiveRequest { Target = "tank/fromfar" }, NullSink.Instance, None);
        Assert.Equal(["tank/fromfar@s"], down.Snapshots);
        var back = new byte[data.Length];
        local.Storage.ReadVolume("tank/fromfar", 40_960, back, None);
        Assert.Equal(data, back);
    }

    [SshdFact]
    public void Exit_codes_and_stderr_come_back()
    {
        using var host = new NativeHost(Runner(), "127.0.0.1");
        var storage = host.Facility<IStorage>();
        File.WriteAllText(sshd.Rec("zfs-get.txt"), "");
        var e = Assert.Throws<IllumosCommandException>(() => storage.GetProperties("tank/missing", null, None));
        Assert.Equal((ErrorKind.ObjectNotFound, 1), (e.Kind, e.ExitCode));
        Assert.Equal("cannot open 'tank/missing': dataset does not exist", e.StdErr.Trim());
        var r = host.Run(["zpool", "bogus"], None);
        Assert.Equal((2, "zpool: unsupported bogus"), (r.ExitCode, r.StdErr.Trim()));
        var missing = host.Run(["no-such-command-here"], None);
        Assert.Equal(127, missing.ExitCode);
    }

    [SshdFact]
    public void Connection_refused_is_a_connection_error()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        using var runner = new SshRunner(sshd.Target(port, timeout: 2), sshd.SshWrapper);
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<IllumosException>(() => runner.Run(["echoargs", "x"], null, None));
        Assert.Equal((ErrorKind.ConnectionError, "SshConnectionFailed"), (e.Kind, e.ErrorId));
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [SshdFact]
    public void Cancelling_stops_a_remote_command()
    {
        using var runner = Runner();
        runner.Run(["echoargs"], null, None); // the master connection is up
        var alive = sshd.Rec("alive");
        File.Delete(alive);
        using var cts = new CancellationTokenSource();
        var cancelledAt = Stopwatch.StartNew();
        var trigger = Task.Run(async () =>
        {
            // cancel once the remote loop is running (remote start-up can be slow on a loaded machine)
            var until = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(alive) && DateTime.UtcNow < until) await Task.Delay(50);
            cancelledAt.Restart();
            cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => runner.Run(["slowcmd"], null, cts.Token));
        trigger.Wait();
        Assert.True(cancelledAt.Elapsed < TimeSpan.FromSeconds(8), $"cancel took {cancelledAt.Elapsed}");
        // the remote loop dies on its next write into the closed channel: its heartbeat file stops changing
        Assert.True(File.Exists(alive));
        Thread.Sleep(1500);
        var before = File.ReadAllText(alive);
        Thread.Sleep(1000);
        Assert.Equal(before, File.ReadAllText(alive));
    }
}
