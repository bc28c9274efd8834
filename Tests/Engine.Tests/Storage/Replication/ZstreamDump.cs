using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Illumos.Engine.Tests.Storage.Replication;

/// <summary>
/// What `zstream dump -v` (OpenZFS, cmd/zstream/zstream_dump.c) said about a stream. Its exit code is 0
/// even after a bad checksum or a cut stream (zfs.md §2.5), so the verdict comes from the text.
/// </summary>
public sealed record ZstreamReport(
    int ExitCode,
    string Output,
    string ErrorOutput,
    long? TotalRecords,
    IReadOnlyDictionary<string, long> RecordCounts,
    bool EndChecksumSeen,
    long? TotalStreamLength,
    IReadOnlyList<string> ErrorLines,
    IReadOnlyList<string> BeginNvLists)
{
    /// <summary>Exit 0, no error line, an END checksum seen and the summary printed.</summary>
    public bool Clean => ExitCode == 0 && ErrorLines.Count == 0 && EndChecksumSeen && TotalRecords is not null;

    /// <summary>A record type's count from the summary ("BEGIN", "WRITE", ...), 0 when absent.</summary>
    public long Count(string type) => RecordCounts.TryGetValue(type, out var n) ? n : 0;

    public override string ToString() => $"zstream dump exit {ExitCode}\n{Output}\n{ErrorOutput}";
}

/// <summary>Finds and runs OpenZFS's `zstream dump -v`; tests use <see cref="ZstreamFactAttribute"/> to skip without it.</summary>
public static partial class ZstreamDump
{
    /// <summary>The zstream executable: on PATH, else /usr/sbin or /sbin; null when absent.</summary>
    public static readonly string? Executable = Locate();

    public static string? SkipReason => Executable is null
        ? "zstream is absent: install Debian's zfsutils-linux (contrib component; .ci/run does) to check streams with OpenZFS's `zstream dump`."
        : null;

    private static string? Locate()
    {
        if (OperatingSystem.IsWindows()) return null;
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin"]);
        return dirs.Select(d => Path.Combine(d, "zstream")).FirstOrDefault(File.Exists);
    }

    /// <summary>Runs `zstream dump -v` on <paramref name="file"/>; a run past <paramref name="timeout"/> is killed and reported as an error line.</summary>
    public static ZstreamReport Run(string file, TimeSpan? timeout = null)
    {
        if (Executable is null) throw new InvalidOperationException(SkipReason);
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("dump");
        psi.ArgumentList.Add("-v");
        psi.ArgumentList.Add(file);
        psi.Environment["LC_ALL"] = "C";
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60));
        if (!exited) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        var report = Parse(exited ? p.ExitCode : -1, stdout.Result, stderr.Result);
        return exited ? report : report with { ErrorLines = [.. report.ErrorLines, $"zstream dump did not finish within {timeout ?? TimeSpan.FromSeconds(60)}"] };
    }

    /// <summary>Writes <paramref name="stream"/> to a temporary file and dumps it.</summary>
    public static ZstreamReport Run(byte[] stream, TimeSpan? timeout = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"zstream-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(file, stream);
        try { return Run(file, timeout); }
        finally { File.Delete(file); }
    }

    private static readonly string[] ErrorMarkers =
        ["invalid checksum", "Incorrect checksum", "Expected checksum differs", "INVALID", "bad magic", "Aborting"];

    [GeneratedRegex(@"^\s*Total DRR_(\w+) records = (\d+)")]
    private static partial Regex RecordCountLine();
    [GeneratedRegex(@"^\s*Total records = (\d+)")]
    private static partial Regex TotalRecordsLine();
    [GeneratedRegex(@"^\s*Total stream length = (\d+)")]
    private static partial Regex StreamLengthLine();
    /// <summary>The lines that start a record in -v output, or the summary: they end a BEGIN's nvlist.</summary>
    [GeneratedRegex(@"^(BEGIN record|END checksum|OBJECT|FREEOBJECTS|WRITE|WRITE_BYREF|WRITE_EMBEDDED|FREE|SPILL|OBJECT_RANGE|REDACT|SUMMARY:|Incorrect|Expected|INVALID)\b")]
    private static partial Regex RecordStart();

    public static ZstreamReport Parse(int exitCode, string stdout, string stderr)
    {
        var counts = new Dictionary<string, long>();
        long? total = null, length = null;
        bool end = false;
        var errors = new List<string>();
        var nvlists = new List<string>();
        List<string>? nv = null; // a BEGIN's nvlist_print lines, from "nvlist version:" to the next record
        bool inBegin = false;
        foreach (var raw in stdout.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (nv is not null)
            {
                if (RecordStart().IsMatch(line))
                {
                    nvlists.Add(string.Join('\n', nv).TrimEnd('\n'));
                    nv = null;
                }
                else { nv.Add(line); continue; }
            }
            if (RecordStart().IsMatch(line)) inBegin = line.StartsWith("BEGIN record", StringComparison.Ordinal);
            if (inBegin && line.StartsWith("nvlist version:", StringComparison.Ordinal)) { nv = [line]; continue; }
            if (line.StartsWith("END checksum", StringComparison.Ordinal)) end = true;
            if (RecordCountLine().Match(line) is { Success: true } c) counts[c.Groups[1].Value] = long.Parse(c.Groups[2].Value, CultureInfo.InvariantCulture);
            else if (TotalRecordsLine().Match(line) is { Success: true } t) total = long.Parse(t.Groups[1].Value, CultureInfo.InvariantCulture);
            else if (StreamLengthLine().Match(line) is { Success: true } s) length = long.Parse(s.Groups[1].Value, CultureInfo.InvariantCulture);
            if (ErrorMarkers.Any(m => line.Contains(m, StringComparison.Ordinal))) errors.Add(line);
        }
        if (nv is not null) nvlists.Add(string.Join('\n', nv).TrimEnd('\n'));
        // Everything on stderr is a complaint: "invalid checksum", nvlist_unpack's perror, read errors.
        errors.AddRange(stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).Select(l => "stderr: " + l));
        return new ZstreamReport(exitCode, stdout, stderr, total, counts, end, length, errors, nvlists);
    }
}

/// <summary>Skipped, with the reason, where zstream is not installed.</summary>
public sealed class ZstreamFactAttribute : FactAttribute
{
    public ZstreamFactAttribute() { if (ZstreamDump.SkipReason is { } why) Skip = why; }
}
