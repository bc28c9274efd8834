using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Native.Tracing;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>
/// Tracing on a native host through replay recordings of dtrace (Tests/Replay/dtrace-omnios: the shared
/// fixtures hold no dtrace captures, so these are laid out in dtrace's own printf formats).
/// </summary>
public class NativeTracingReplayTests
{
    internal static string ReplayFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Tests", "Replay", "dtrace-omnios");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("Tests/Replay/dtrace-omnios was not found above the test assembly.");
    }

    private static (ITracing Tracing, CountingRunner Counter, NativeHost Host) Open()
    {
        var counter = new CountingRunner(new ReplayRunner(ReplayFolder()));
        var host = new NativeHost(counter, "omnios");
        return (host.Facility<ITracing>(), counter, host);
    }

    private const string QuantizeScript = "syscall::write:entry\n{\n\t@bytes = quantize(arg2);\n\t@calls[execname] = count();\n}\n\nprofile:::tick-1sec\n{\n\tprintf(\"%d writes\\n\", 27);\n\texit(0);\n}\n";

    [Fact]
    public void Native_host_has_the_tracing_facility()
    {
        var (tracing, _, host) = Open();
        using (host) Assert.IsType<NativeTracing>(tracing);
    }

    [Fact]
    public void Quiet_run_sends_the_program_on_stdin_and_parses_records_and_aggregations()
    {
        var (tracing, counter, host) = Open();
        using (host)
        {
            var r = tracing.Run(new TraceRequest { Script = QuantizeScript, Options = new Dictionary<string, string?> { ["quiet"] = null } });
            Assert.Equal(["dtrace", "-q", "-s", "/dev/stdin"], counter.Commands[^1]);
            Assert.Equal(0, r.ExitStatus);
            Assert.Empty(r.Errors);
            var rec = Assert.Single(r.Records);
            Assert.Equal("27 writes\n", rec.Text);
            Assert.StartsWith("27 writes\n\n\n           value  ------------- Distribution ------------- count", r.Raw);

            Assert.Equal(3, r.Aggregations.Count);
            var bytes = r.Aggregations[0];
            Assert.Equal("bytes", bytes.Aggregation.TrimStart('@'));
            Assert.Empty(bytes.Keys);
            Assert.NotNull(bytes.Histogram);
            Assert.Equal([(1L, 10L), (4L, 4L), (16L, 6L)], bytes.Histogram!.Buckets.Select(b => (b.Value, b.Count)));
            Assert.Equal(20, bytes.Value);
            Assert.StartsWith("           value  ------------- Distribution ------------- count", bytes.Histogram.Text);
            Assert.Contains("               1 |@@@@@@@@@@@@@@@@@@@@                     10       \n", bytes.Histogram.Text);

            Assert.Equal(("calls", "sshd", 3L), (r.Aggregations[1].Aggregation.TrimStart('@'), (string)r.Aggregations[1].Keys[0], r.Aggregations[1].Value));
            Assert.Equal(("calls", "bash", 17L), (r.Aggregations[2].Aggregation.TrimStart('@'), (string)r.Aggregations[2].Keys[0], r.Aggregations[2].Value));
            Assert.Null(r.Aggregations[2].Histogram);
        }
    }

    [Fact]
    public void Histogram_objects_match_the_embedded_hosts_for_the_same_data()
    {
        // the embedded host's own printout of the same quantize, parsed back, gives the embedded buckets
        var embedded = new EmbeddedTracing().Run(new TraceRequest
        {
            Script = "BEGIN { @ = quantize(1); @ = quantize(1); @ = quantize(5); @ = quantize(-3); exit(0); }",
            Options = new Dictionary<string, string?> { ["quiet"] = null },
        });
        var agg = Assert.Single(embedded.Aggregations);
        var lines = agg.Histogram!.Text.TrimEnd('\n').Split('\n');
        var parsed = DTraceOutputReader.ParseHistogram(lines, AggFunc.Quantize);
        Assert.Equal(agg.Histogram.Buckets, parsed.Buckets);
        Assert.Equal(agg.Histogram.Text, parsed.Text);
    }

    [Fact]
    public void Lquantize_underflow_and_overflow_buckets_parse()
    {
        var (tracing, _, host) = Open();
        using (host)
        {
            var script = "syscall::write:entry\n{\n\t@sizes[execname] = lquantize(arg2, 0, 100, 25);\n}\n\nprofile:::tick-1sec\n{\n\texit(0);\n}\n";
            var r = tracing.Run(new TraceRequest { Script = script, Options = new Dictionary<string, string?> { ["quiet"] = null } });
            var a = Assert.Single(r.Aggregations);
            Assert.Equal("bash", Assert.Single(a.Keys));
            Assert.Equal([("0", 0L, 5L), ("50", 50L, 3L), (">= 100", 100L, 2L)], a.Histogram!.Buckets.Select(b => (b.Label, b.Value, b.Count)));
            Assert.Empty(r.Records);
        }
    }

    [Fact]
    public void Default_output_gives_one_record_per_firing_with_probe_id_and_function()
    {
        var (tracing, counter, host) = Open();
        using (host)
        {
            var r = tracing.Run(new TraceRequest { Probe = "syscall::read:entry,\nsyscall::write:entry" });
            Assert.Equal(["dtrace", "-s", "/dev/stdin"], counter.Commands[^1]);
            Assert.Equal([(8242, "read:entry"), (8244, "write:entry"), (8242, "read:entry")], r.Records.Select(x => (x.ProbeId, x.Probe)));
            Assert.Empty(r.Errors);   // "matched 2 probes" is a notice, not an error
            Assert.Empty(r.Aggregations);
        }
    }

    [Fact]
    public void Count_stops_after_that_many_records()
    {
        var (tracing, _, host) = Open();
        using (host)
        {
            var r = tracing.Run(new TraceRequest { Probe = "syscall::read:entry,\nsyscall::write:entry", Count = 2 });
            Assert.Equal(2, r.Records.Count);
        }
    }

    [Fact]
    public void Drops_become_warnings_faults_errors_and_arguments_follow_the_script()
    {
        var (tracing, counter, host) = Open();
        using (host)
        {
            var script = "#pragma D option quiet\nsyscall::read:entry\n/pid == $1/\n{\n\tprintf(\"%d\\n\", arg2);\n}\n\nprofile:::tick-1sec\n{\n\ty = 0;\n\tx = 1 / y;\n}\n\nprofile:::tick-2sec\n{\n\texit(0);\n}\n";
            var streamed = new List<TraceWarning>();
            var r = tracing.Run(new TraceRequest
            {
                Script = script, Arguments = ["4711"], Options = new Dictionary<string, string?> { ["bufsize"] = "64k" },
                OnWarning = streamed.Add,
            });
            Assert.Equal(["dtrace", "-q", "-x", "bufsize=64k", "-s", "/dev/stdin", "4711"], counter.Commands[^1]);
            Assert.Equal(["512\n", "8192\n", "512\n"], r.Records.Select(x => x.Text));
            Assert.Equal([("drops", 2048L, "2048 drops on CPU 0"), ("drops", 17L, "17 drops on CPU 1")], streamed.Select(w => (w.Kind, w.Count, w.Message)));
            Assert.Empty(r.Warnings);
            Assert.Equal("dtrace: error on enabled probe ID 3 (ID 61340: profile:::tick-1sec): divide-by-zero in action #1 at DIF offset 12", Assert.Single(r.Errors));
        }
    }

    [Fact]
    public void A_dtrace_that_cannot_start_returns_its_status_and_message()
    {
        var (tracing, _, host) = Open();
        using (host)
        {
            var r = tracing.Run(new TraceRequest { Script = "dtrace:::BEGIN\n{\n\texit(0);\n}\n" });
            Assert.Equal(1, r.ExitStatus);
            Assert.Equal("dtrace: failed to initialize dtrace: DTrace requires additional privileges", Assert.Single(r.Errors));
            Assert.Empty(r.Records);
        }
    }

    [Fact]
    public void Compile_errors_are_reported_locally_and_nothing_is_sent()
    {
        var (tracing, counter, host) = Open();
        using (host)
        {
            int before = counter.Count;
            var r = tracing.Run(new TraceRequest { Script = "syscall::read:entry { x = ; }" });
            Assert.False(r.Compiled);
            Assert.Equal("D_SYNTAX", r.Diagnostics[0].Tag);
            Assert.Equal(before, counter.Count);
            Assert.NotEmpty(tracing.Check(new TraceRequest { Script = "BEGIN { trace(nosuchvar + \"s\"); }" }));
            Assert.Empty(tracing.Check(new TraceRequest { Script = "syscall::read:entry /execname == \"bash\"/ { @[probefunc] = count(); }" }));
            Assert.Equal(before, counter.Count);
        }
    }

    [Fact]
    public void Probe_descriptions_are_matched_by_the_host_not_locally()
    {
        var (tracing, _, host) = Open();
        using (host)
        {
            // no such probe exists in this process; on a native host that is dtrace's business
            Assert.Empty(tracing.Check(new TraceRequest { Script = "fbt:zfs:zfs_write:entry { trace(arg0); }" }));
            Assert.Equal("D_PDESC_ZERO", Assert.Single(new EmbeddedTracing().Check(new TraceRequest { Script = "fbt:zfs:zfs_write:entry { trace(arg0); }" })).Tag);
        }
    }

    [Fact]
    public void Probe_list_parses_empty_and_overflowing_columns()
    {
        var (tracing, counter, host) = Open();
        using (host)
        {
            var all = tracing.ListProbes();
            Assert.Equal(["dtrace", "-l"], counter.Commands[^1]);
            Assert.Equal(13, all.Count);
            Assert.Equal(new ProbeInfo(1, "dtrace", "", "", "BEGIN", []).Name, all[0].Name);
            Assert.Equal(("dtrace", "", "", "BEGIN"), (all[0].Provider, all[0].Module, all[0].Function, all[0].Name));
            Assert.Equal((4, "python18035", "libpython2.7.so.1.0", "PyEval_EvalFrameEx", "function-entry"), (all[3].Id, all[3].Provider, all[3].Module, all[3].Function, all[3].Name));
            Assert.Equal((8242, "syscall", "", "read", "entry"), (all[5].Id, all[5].Provider, all[5].Module, all[5].Function, all[5].Name));
            Assert.Equal((61340, "profile", "", "", "tick-1sec"), (all[9].Id, all[9].Provider, all[9].Module, all[9].Function, all[9].Name));
            Assert.Equal((76155, "fbt", "zfs", "zfs_write", "entry"), (all[10].Id, all[10].Provider, all[10].Module, all[10].Function, all[10].Name));
        }
    }

    [Fact]
    public void Probe_filters_are_passed_to_dtrace_l()
    {
        var (tracing, counter, host) = Open();
        using (host)
        {
            Assert.Equal(4, tracing.ListProbes(provider: "syscall").Count);
            Assert.Equal(["dtrace", "-l", "-P", "syscall"], counter.Commands[^1]);
            Assert.Equal([8242, 8243], tracing.ListProbes(provider: "syscall", function: "read").Select(p => p.Id));
            Assert.Equal(["dtrace", "-l", "-n", "syscall::read:"], counter.Commands[^1]);
            Assert.Empty(tracing.ListProbes(provider: "nosuch"));
        }
    }

    [Fact]
    public void Argv_builder_refuses_bad_fields_and_guards_dash_arguments()
    {
        Assert.Equal(["dtrace", "-q", "-x", "aggsortkey", "-x", "strsize=512", "-s", "/dev/stdin", "a", "--", "-5"],
            DTraceCommands.Run(true, [new("quiet", null), new("aggsortkey", null), new("strsize", "512")], ["a", "-5"]));
        Assert.Equal(["dtrace", "-l", "-m", "zfs"], DTraceCommands.List(null, "zfs", null, null));
        Assert.Equal(["dtrace", "-l", "-n", "entry"], DTraceCommands.List(null, null, null, "entry"));
        var e = Assert.Throws<IllumosException>(() => DTraceCommands.List("sys:call", null, null, null));
        Assert.Equal(("InvalidProbeField", ErrorKind.InvalidArgument), (e.ErrorId, e.Kind));
        e = Assert.Throws<IllumosException>(() => DTraceCommands.Run(false, [new("bad name; rm", null)], []));
        Assert.Equal("InvalidTraceOption", e.ErrorId);
    }

    [Fact]
    public void Stderr_notices_drops_and_errors_are_told_apart()
    {
        var (errors, warnings) = DTraceStderrParser.Parse(
            "dtrace: description 'BEGIN ' matched 1 probe\ndtrace: allowing destructive actions\ndtrace: 5 dynamic variable drops\ndtrace: 3 drops on CPU 2\ndtrace: invalid probe specifier x: syntax error\n");
        Assert.Equal([("dynvardrops", 5L), ("drops", 3L)], warnings.Select(w => (w.Kind, w.Count)));
        Assert.Equal(["dtrace: invalid probe specifier x: syntax error"], errors);
    }

    [Fact]
    public void Output_that_only_looks_like_an_aggregation_block_stays_records()
    {
        var got = new List<TraceOutputRecord>();
        var reader = new DTraceOutputReader(true, [], got.Add);
        foreach (var l in new[] { "first", "", "  indented text", "last" }) reader.Line(l);
        var aggs = reader.Finish();
        Assert.Empty(aggs);
        Assert.Equal(["first\n", "\n", "  indented text\n", "last\n"], got.Select(r => r.Text));
    }
}
