using System.Text;
using Illumos.Engine;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Conformance.Ipfilter;

/// <summary>
/// Runs a directory laid out like the IP Filter regression suite (regress/, input/, expected/, test.format) with the
/// semantics of the upstream drivers (dotest, mtest, itest, intest, nattest, natipftest) and compares byte for byte.
/// </summary>
public sealed class IpfilterSuite : IConformanceSuite
{
    public string Name => "ipfilter";

    /// <summary>f tests that load the whole rule file at once (upstream mtest); every other f test is per rule.</summary>
    private static readonly HashSet<string> WholeFile = ["f15", "f16", "f17", "f18"];

    public sealed record TestOutcome(string Id, bool? Passed, string Detail);

    public int Run(string path, string? listFile, TextWriter output)
    {
        var results = RunAll(path, listFile);
        foreach (var r in results)
            output.WriteLine(r.Passed switch { true => $"{r.Id} pass", false => $"{r.Id} FAIL {r.Detail}", null => $"{r.Id} skipped ({r.Detail})" });
        int passed = results.Count(r => r.Passed == true), failed = results.Count(r => r.Passed == false);
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed;
    }

    public List<TestOutcome> RunAll(string path, string? listFile)
    {
        var format = ReadFormat(Path.Combine(path, "test.format"));
        IEnumerable<string> ids = format.Keys;
        if (listFile is not null)
        {
            var wanted = File.ReadAllLines(listFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
            ids = ids.Where(wanted.Contains);
        }
        var results = new List<TestOutcome>();
        foreach (var id in ids)
        {
            var expectedPath = Path.Combine(path, "expected", id);
            if (!File.Exists(expectedPath)) continue;
            var (inFmt, tunable) = format[id];
            string? actual;
            string? why = null;
            try
            {
                actual = Series(id) switch
                {
                    "f" => RunFilter(path, id, inFmt, tunable),
                    "i" => id == "i17" ? RunDump(path, id) : RunPrint(path, id),
                    "in" => RunNatPrint(path, id),
                    "n" => RunNat(path, id, inFmt, tunable),
                    "ni" => RunNatFilter(path, id, tunable),
                    _ => null,
                };
                if (actual is null) why = "not an ipf, ipftest or ipnat series this harness runs";
            }
            catch (Exception e) when (e is IllumosException or IOException or FormatException or InvalidOperationException or NotSupportedException)
            {
                results.Add(new TestOutcome(id, false, "error: " + e.Message.ReplaceLineEndings(" ")));
                continue;
            }
            if (actual is null) { results.Add(new TestOutcome(id, null, why!)); continue; }
            var expected = File.ReadAllText(expectedPath);
            results.Add(actual == expected ? new TestOutcome(id, true, "") : new TestOutcome(id, false, FirstDifference(expected, actual)));
        }
        return results;
    }

    public static string Series(string id)
    {
        if (id.StartsWith("bpf", StringComparison.Ordinal)) return "bpf";
        if (id.StartsWith("ipv6", StringComparison.Ordinal)) return "ipv6";
        int i = 0;
        while (i < id.Length && char.IsLetter(id[i])) i++;
        return id[..i];
    }

    private static Dictionary<string, (string InFmt, string? Tunable)> ReadFormat(string file)
    {
        var d = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(file))
        {
            if (line.StartsWith('#')) continue;
            var w = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (w.Length < 3) continue;
            d[w[0]] = (w[1], w.Length > 3 ? w[3] : null);
        }
        return d;
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end of file>";
            var al = i < a.Length ? a[i] : "<end of file>";
            if (el != al) return $"line {i + 1}: expected '{el}' got '{al}'";
        }
        return "outputs differ";
    }

    private static FirewallTunables Tunables(string? tunable)
    {
        var t = new FirewallTunables();
        if (tunable is not null)
            foreach (var kv in tunable.Split(','))
            {
                var eq = kv.IndexOf('=');
                if (eq > 0) t.Set(kv[..eq], kv[(eq + 1)..]);
            }
        return t;
    }

    public static List<IpPacket> ReadPackets(string file, string fmt)
    {
        var text = File.ReadAllText(file);
        return fmt == "hex" ? PacketFormats.ReadHex(text) : PacketFormats.ReadText(text);
    }

    private static IEnumerable<string> RuleLines(string file) =>
        File.ReadAllLines(file).Where(l => l.Trim().Length > 0);

    private static string RunFilter(string dir, string id, string fmt, string? tunable)
    {
        var packets = ReadPackets(Path.Combine(dir, "input", id), fmt);
        var regress = Path.Combine(dir, "regress", id);
        var sets = WholeFile.Contains(id) ? [File.ReadAllText(regress)] : RuleLines(regress).ToList();
        var sb = new StringBuilder();
        foreach (var set in sets)
        {
            var parsed = IpfParser.Parse(set);
            if (!parsed.Success) throw new InvalidOperationException($"rules do not parse: {parsed.Errors[0]}");
            var engine = new FilterEngine(parsed.Rules, Tunables(tunable));
            foreach (var p in packets) sb.Append(engine.Check(p).Word).Append('\n');
            sb.Append("--------\n");
        }
        return sb.ToString();
    }

    private static string RunPrint(string dir, string id)
    {
        var parsed = IpfParser.Parse(File.ReadAllText(Path.Combine(dir, "regress", id)));
        if (!parsed.Success) throw new InvalidOperationException($"rules do not parse: {parsed.Errors[0]}");
        var sb = new StringBuilder();
        foreach (var r in parsed.Rules)
            foreach (var line in IpfPrinter.PrintWithTables(r)) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    private static string RunDump(string dir, string id)
    {
        var parsed = IpfParser.Parse(File.ReadAllText(Path.Combine(dir, "regress", id)));
        if (!parsed.Success) throw new InvalidOperationException($"rules do not parse: {parsed.Errors[0]}");
        var engine = new FilterEngine(parsed.Rules);
        return IpfTestDump.Dump(engine);
    }

    private static string RunNatPrint(string dir, string id)
    {
        var parsed = IpnatParser.Parse(File.ReadAllText(Path.Combine(dir, "regress", id)));
        if (!parsed.Success) throw new InvalidOperationException($"rules do not parse: {parsed.Errors[0]}");
        var sb = new StringBuilder();
        foreach (var r in parsed.Rules) sb.Append(IpnatPrinter.Print(r)).Append('\n');
        return sb.ToString();
    }

    private static string RunNat(string dir, string id, string fmt, string? tunable)
    {
        var packets = ReadPackets(Path.Combine(dir, "input", id), fmt);
        var sb = new StringBuilder();
        foreach (var line in RuleLines(Path.Combine(dir, "regress", id)))
        {
            var parsed = IpnatParser.Parse(line);
            if (!parsed.Success) throw new InvalidOperationException($"rules do not parse: {parsed.Errors[0]}");
            RunPackets(sb, packets, Array.Empty<IpfRule>(), parsed.Rules, tunable, fmt == "hex");
        }
        return sb.ToString();
    }

    private static string RunNatFilter(string dir, string id, string? tunable)
    {
        var packets = ReadPackets(Path.Combine(dir, "input", id), "hex");
        var ipf = IpfParser.Parse(File.ReadAllText(Path.Combine(dir, "regress", id + ".ipf")));
        if (!ipf.Success) throw new InvalidOperationException($"rules do not parse: {ipf.Errors[0]}");
        var natFile = Path.Combine(dir, "regress", id + ".nat");
        // natipftest "single" runs once per NAT rule line; ni6 ("multi") loads the whole file once.
        var sets = id == "ni6" ? [File.ReadAllText(natFile)] : RuleLines(natFile).ToList();
        var sb = new StringBuilder();
        foreach (var set in sets)
        {
            var parsed = IpnatParser.Parse(set);
            if (!parsed.Success) throw new InvalidOperationException($"rules do not parse: {parsed.Errors[0]}");
            RunPackets(sb, packets, ipf.Rules, parsed.Rules, tunable, hex: true);
        }
        return sb.ToString();
    }

    /// <summary>One ipftest -N -b run: every packet is printed after NAT, whatever the verdict.</summary>
    private static void RunPackets(StringBuilder sb, List<IpPacket> packets, IReadOnlyList<IpfRule> filterRules, IReadOnlyList<IpnatRule> natRules, string? tunable, bool hex)
    {
        var t = Tunables(tunable);
        var nat = new NatEngine(natRules, t);
        var filter = new FilterEngine(filterRules, t);
        foreach (var p in packets)
        {
            var bytes = (byte[])p.Bytes.Clone();
            IpTest.Process(filter, nat, ref bytes, p.Out, p.Interface);
            sb.Append(hex ? PacketFormats.HexPacket(bytes) : PacketFormats.PrintPacket(bytes)).Append('\n');
        }
        sb.Append(new string('-', 31)).Append('\n');
    }
}
