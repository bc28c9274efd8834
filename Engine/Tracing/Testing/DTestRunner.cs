using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Illumos.Engine.Tracing.Testing;

/// <summary>
/// Runs D test programs laid out like the DTrace test suite (tst.*, err.*, drp.* with .d.out or .r
/// expectations) on the embedded engine, and judges them the way the suite's harnesses do: exit
/// status by prefix, error/drop tags, stdout against the expected file after the documented
/// normalisation. Used by the conformance harness and the engine tests.
/// </summary>
internal static class DTestRunner
{
    public static TimeSpan TestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public sealed record Result(string Path, bool Pass, string Reason);

    /// <summary>Runs the tests (in parallel, reported in list order) and returns every result.</summary>
    public static List<Result> RunAll(string root, string? listFile, Action<string>? report = null, int parallel = 6)
    {
        var paths = listFile is not null
            ? File.ReadAllLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList()
            : Directory.EnumerateFiles(root, "*.d", SearchOption.AllDirectories)
                .Where(f => Regex.IsMatch(Path.GetFileName(f), @"^(tst|err|drp)\..+\.d$"))
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
        var results = new Result?[paths.Count];
        int next = 0;
        var done = new ConcurrentDictionary<int, bool>();
        int reported = 0;
        object gate = new();
        void Report()
        {
            lock (gate)
            {
                while (reported < paths.Count && results[reported] is { } r)
                {
                    report?.Invoke(r.Pass ? $"{r.Path} pass" : $"{r.Path} FAIL {r.Reason}");
                    reported++;
                }
            }
        }
        var threads = Enumerable.Range(0, Math.Max(1, parallel)).Select(_ => new Thread(() =>
        {
            while (true)
            {
                int i = Interlocked.Increment(ref next) - 1;
                if (i >= paths.Count) return;
                Result res;
                try { res = RunOne(root, paths[i]); }
                catch (Exception e) { res = new Result(paths[i], false, "crash: " + e.GetType().Name + ": " + e.Message.Split('\n')[0]); }
                results[i] = res;
                Report();
            }
        }, 16 * 1024 * 1024) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Report();
        return results.Select(r => r!).ToList();
    }

    public static Result RunOne(string root, string rel)
    {
        string file = Path.Combine(root, rel);
        if (!File.Exists(file)) return new Result(rel, false, "missing file");
        string name = Path.GetFileName(rel);
        bool oracle = rel.StartsWith("oracle/", StringComparison.Ordinal);
        string source = File.ReadAllText(file);
        // options as the source harness passes them
        var opts = new List<KeyValuePair<string, string?>>();
        var macroArgs = new List<string>();
        bool quiet = false, cpp = false, destructive = false;
        if (name.StartsWith("err.D_", StringComparison.Ordinal)) opts.Add(new("errtags", null));
        if (name.StartsWith("drp.", StringComparison.Ordinal)) opts.Add(new("droptags", null));
        bool nosort = false;
        if (oracle)
        {
            nosort = source.Contains("@@nosort", StringComparison.Ordinal);
            var runtestOpts = new List<string>();
            foreach (Match m in Regex.Matches(source, @"@@runtest-opts:\s*(.*)")) runtestOpts.AddRange(SplitArgs(m.Groups[1].Value.Trim()));
            var dir = Path.GetDirectoryName(file)!;
            var to = Path.Combine(dir, "test.options");
            if (File.Exists(to))
                foreach (Match m in Regex.Matches(File.ReadAllText(to), @"@@runtest-opts:\s*(.*)")) runtestOpts.AddRange(SplitArgs(m.Groups[1].Value.Trim()));
            for (int i = 0; i < runtestOpts.Count; i++)
            {
                var a = runtestOpts[i];
                if (a == "-q") quiet = true;
                else if (a == "-C") cpp = true;
                else if (a == "-w") destructive = true;
                else if (a == "-x" && i + 1 < runtestOpts.Count) { var kv = runtestOpts[++i]; int eq = kv.IndexOf('='); opts.Add(eq < 0 ? new(kv, null) : new(kv[..eq], kv[(eq + 1)..])); }
                else if (a.StartsWith("-x", StringComparison.Ordinal)) { var kv = a[2..]; int eq = kv.IndexOf('='); opts.Add(eq < 0 ? new(kv, null) : new(kv[..eq], kv[(eq + 1)..])); }
                else if (a.StartsWith('-')) { }
                else macroArgs.Add(a);
            }
        }
        else cpp = rel.Contains("/preprocessor/", StringComparison.Ordinal);
        string scriptName = oracle ? rel["oracle/".Length..] : name;
        if (cpp) source = Preprocess(source, file);
        var result = DTraceCommand.Run(source, new DTraceCommand.Settings
        {
            ScriptName = scriptName,
            MacroArgs = macroArgs,
            Quiet = quiet,
            Destructive = destructive,
            Options = opts,
            Convention = oracle ? OutputConvention.OracleTesting : OutputConvention.Illumos,
            Timeout = TestTimeout,
        });
        // 1. exit status by prefix
        int want = name.StartsWith("err.", StringComparison.Ordinal) ? 1 : 0;
        if (result.ExitStatus != want)
            return new Result(rel, false, $"exit status {result.ExitStatus}, expected {want}: {FirstLine(result.Stderr)}");
        // 2. tags
        var tag = Regex.Match(name, @"^err\.(D_[A-Z0-9_]+)\.");
        if (tag.Success && !result.Stderr.Contains("[" + tag.Groups[1].Value + "]", StringComparison.Ordinal))
            return new Result(rel, false, $"missing tag [{tag.Groups[1].Value}]: {FirstLine(result.Stderr)}");
        var drop = Regex.Match(name, @"^drp\.([A-Z0-9_]+)\.");
        if (drop.Success && !result.Stderr.Contains("[" + drop.Groups[1].Value + "] ", StringComparison.Ordinal))
            return new Result(rel, false, $"missing drop tag [{drop.Groups[1].Value}]");
        // 3. expected output
        if (oracle)
        {
            string baseName = file[..^2];
            string? r = File.Exists(baseName + ".x86_64.r") ? baseName + ".x86_64.r" : File.Exists(baseName + ".r") ? baseName + ".r" : null;
            if (r is null) return new Result(rel, true, "");
            string actual = result.Stdout + (result.Stderr.Length > 0 ? "-- @@stderr --\n" + result.Stderr : "");
            if (File.Exists(baseName + ".r.p")) actual = Filter(baseName + ".r.p", actual);
            string expected = File.ReadAllText(r);
            actual = NormalizeOracle(actual);
            expected = NormalizeOracle(expected);
            if (!nosort) { actual = SortLines(actual); expected = SortLines(expected); }
            if (actual != expected) return new Result(rel, false, "output differs: " + FirstDiff(expected, actual));
            return new Result(rel, true, "");
        }
        else
        {
            string outFile = file + ".out";
            if (File.Exists(outFile))
            {
                string expected = File.ReadAllText(outFile);
                if (result.Stdout != expected) return new Result(rel, false, "stdout differs: " + FirstDiff(expected, result.Stdout));
            }
            string errFile = file + ".err";
            if (File.Exists(errFile) && File.ReadAllText(errFile) != result.Stderr) return new Result(rel, false, "stderr differs");
            return new Result(rel, true, "");
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0];

    private static List<string> SplitArgs(string s) =>
        Regex.Matches(s, "\"([^\"]*)\"|'([^']*)'|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value).ToList();

    private static string NormalizeOracle(string s)
    {
        s = Regex.Replace(s, "0x[0-9a-f]+", "{ptr}");
        s = Regex.Replace(s, @"at BPF pc \d+", "at BPF pc NNN");
        s = Regex.Replace(s, @"dt_clause_\d+", "dt_clause_N");
        return s;
    }

    private static string SortLines(string s)
    {
        var lines = s.Split('\n').ToList();
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    private static string FirstDiff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string x = i < e.Length ? e[i] : "<eof>", y = i < a.Length ? a[i] : "<eof>";
            if (x != y) return $"line {i + 1}: expected [{Trunc(x)}] got [{Trunc(y)}]";
        }
        return "trailing difference";
    }

    private static string Trunc(string s) => s.Length > 240 ? s[..240] + "..." : s;

    /// <summary>Runs an Oracle .r.p result filter (a sed or awk script) over the output.</summary>
    private static string Filter(string filter, string input)
    {
        string first = File.ReadLines(filter).FirstOrDefault() ?? "";
        string tool = first.Contains("sed", StringComparison.Ordinal) ? "sed" : first.Contains("awk", StringComparison.Ordinal) ? "awk" : "sh";
        var args = tool is "sed" or "awk" ? new[] { "-f", filter } : new[] { filter };
        return Pipe(tool, args, input, null) ?? input;
    }

    /// <summary>dtrace -C: runs the system C preprocessor when one exists.</summary>
    private static string Preprocess(string source, string file) =>
        Pipe("cpp", new[] { "-P", "-undef", "-D__SUNW_D=1", "-D__SUNW_D_VERSION=0x01010000", "-Dsun", "-D__sun", "-D__SVR4", "-D__unix", "-D__illumos", "-D__x86_64", "-D__amd64", "-" },
            source, Path.GetDirectoryName(file)) ?? source;

    /// <summary>Runs a tool with input on stdin; returns its stdout, or null when it is missing or fails.</summary>
    private static string? Pipe(string tool, string[] args, string input, string? cwd)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (cwd is not null) psi.WorkingDirectory = cwd;
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var outTask = p.StandardOutput.ReadToEndAsync();
            _ = p.StandardError.ReadToEndAsync();
            p.StandardInput.Write(input);
            p.StandardInput.Close();
            var o = outTask.Result;
            p.WaitForExit();
            return p.ExitCode == 0 ? o : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
