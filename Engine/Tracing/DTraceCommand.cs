using System.Text;
using Illumos.Engine.Languages.D;

namespace Illumos.Engine.Tracing;

/// <summary>The outcome of one dtrace(1)-style run: exit status and the text of stdout and stderr.</summary>
public sealed record DTraceCommandResult(int ExitStatus, string Stdout, string Stderr, IReadOnlyList<TraceRecord> Records);

/// <summary>
/// Runs a D program the way <c>dtrace -s</c> does on the embedded host: compile (reporting
/// "failed to compile script" with the error tag), announce the matched probes, run, print.
/// </summary>
public static class DTraceCommand
{
    public sealed class Settings
    {
        public string ScriptName { get; init; } = "script.d";
        public IReadOnlyList<string> MacroArgs { get; init; } = Array.Empty<string>();
        public bool Quiet { get; init; }
        public bool Destructive { get; init; }
        public IReadOnlyList<KeyValuePair<string, string?>> Options { get; init; } = Array.Empty<KeyValuePair<string, string?>>();
        public OutputConvention Convention { get; init; } = OutputConvention.Illumos;
        public TimeSpan? Timeout { get; init; }
        public CancellationToken Cancel { get; init; }
        public bool CollectRecords { get; init; }
    }

    public static DTraceCommandResult Run(string source, Settings s)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var opts = new TraceOptions { Convention = s.Convention };
        if (s.Quiet) opts.Set("quiet", null);
        if (s.Destructive) opts.Set("destructive", null);
        foreach (var (k, v) in s.Options)
        {
            var err = opts.Set(k, v);
            if (err is not null)
            {
                stderr.Write($"dtrace: failed to set -x {k}{(v is null ? "" : "=" + v)}: {(err == "invalid option name" ? "Invalid option name" : "Invalid value for specified option")}\n");
                return new DTraceCommandResult(2, stdout.ToString(), stderr.ToString(), Array.Empty<TraceRecord>());
            }
        }
        CompiledProgram prog;
        try
        {
            prog = DCompiler.Compile(source, new DCompileOptions { ScriptName = s.ScriptName, MacroArgs = s.MacroArgs, Options = opts });
        }
        catch (DCompileException e)
        {
            stderr.Write($"dtrace: failed to compile script {s.ScriptName}: {e.Diagnostic}\n");
            return new DTraceCommandResult(1, stdout.ToString(), stderr.ToString(), Array.Empty<TraceRecord>());
        }
        if (!prog.Options.Quiet)
        {
            int n = prog.MatchedProbes;
            stderr.Write($"dtrace: script '{s.ScriptName}' matched {n} probe{(n == 1 ? "" : "s")}\n");
        }
        TraceRun run;
        try
        {
            run = new TraceRun(prog, stdout, stderr) { CollectRecords = s.CollectRecords };
        }
        catch (IllumosException e)
        {
            stderr.Write($"dtrace: could not enable tracing: {e.Message}\n");
            return new DTraceCommandResult(1, stdout.ToString(), stderr.ToString(), Array.Empty<TraceRecord>());
        }
        int status = run.Run(new RunLimits { Timeout = s.Timeout, Cancel = s.Cancel });
        return new DTraceCommandResult(status, stdout.ToString(), stderr.ToString(), run.Records);
    }
}
