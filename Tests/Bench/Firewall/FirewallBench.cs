using System.Diagnostics;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Bench.Firewall;

/// <summary>
/// 1,000,000 packets against a 1,000-rule set (mixed addresses, ports, flags, ICMP, a few groups): the compiled
/// evaluator (candidate bitsets + expression-compiled rules) against a linear scan that interprets every rule,
/// in the same run, with identical verdicts required.
/// </summary>
public sealed class FirewallBench : IBenchmark
{
    public string Name => "Firewall";

    private const int RuleCount = 1000;
    private const int DistinctPackets = 20_000;

    public IEnumerable<BenchResult> Run(BenchContext context)
    {
        int total = context.Quick ? 100_000 : 1_000_000;
        var rnd = new Random(20261127);
        var text = BuildRules(rnd);
        var parsed = IpfParser.Parse(text);
        if (!parsed.Success) throw new InvalidOperationException("bench rules do not parse: " + parsed.Errors[0]);
        context.Log.WriteLine($"   {parsed.Rules.Count} rules, {total:N0} packets ({DistinctPackets:N0} distinct)");
        var views = BuildPackets(rnd).Select(p => PacketView.Decode(p)).ToArray();

        var sw = Stopwatch.StartNew();
        var compiled = new FilterEngine(parsed.Rules);
        var buildMs = sw.Elapsed.TotalMilliseconds;
        var linear = new FilterEngine(parsed.Rules) { LinearScan = true };

        // Warm up both paths, then measure.
        var expected = new FilterResult[views.Length];
        for (int i = 0; i < views.Length; i++) expected[i] = linear.Check(views[i]);
        sw.Restart();
        for (int i = 0; i < views.Length; i++)
        {
            var c = compiled.Check(views[i]);
            if (c.Verdict != expected[i].Verdict || !ReferenceEquals(c.Rule, expected[i].Rule))
                throw new InvalidOperationException($"verdicts differ on packet {i}: compiled {c.Word} ({c.Rule}), linear {expected[i].Word} ({expected[i].Rule})");
        }
        var firstPassMs = sw.Elapsed.TotalMilliseconds;

        // The machine is shared: alternate the two measurements and keep each one's best of three rounds.
        double linearRate = 0, compiledRate = 0, compiledCpuRate = 0;
        for (int round = 0; round < 3; round++)
        {
            linearRate = Math.Max(linearRate, Measure(linear, views, round == 0 ? total : total / 2, expected).Wall);
            var (wall, cpu) = Measure(compiled, views, total, expected);
            compiledRate = Math.Max(compiledRate, wall);
            compiledCpuRate = Math.Max(compiledCpuRate, cpu);
        }
        var mix = expected.GroupBy(e => e.Word).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count() * 100.0 / expected.Length:0.#}%");
        context.Log.WriteLine($"   verdict mix: {string.Join(", ", mix)}; index built in {buildMs:0} ms, first pass (rules compiled on demand) {firstPassMs:0} ms; verdicts identical; best of 3 rounds each");
        yield return new BenchResult("compiled evaluator packets/s (vs linear scan)", compiledRate, "pkt/s", linearRate, compiledRate / linearRate, ">=5");
        yield return new BenchResult("compiled evaluator packets/s (vs 1,000,000 goal)", compiledRate, "pkt/s", 1_000_000, compiledRate / 1_000_000, ">=1");
        yield return new BenchResult("linear scan packets/s", linearRate, "pkt/s", null, null, null);
        // On a shared machine wall-clock rates sink with the load; packets per second of this process's CPU time do not.
        yield return new BenchResult("compiled evaluator packets per CPU-second", compiledCpuRate, "pkt/s", null, null, null);
    }

    private static (double Wall, double Cpu) Measure(FilterEngine engine, PacketView[] views, int total, FilterResult[] expected)
    {
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int n = 0; n < total; n++)
        {
            int i = n % views.Length;
            var r = engine.Check(views[i]);
            if (r.Verdict != expected[i].Verdict) throw new InvalidOperationException($"verdict changed on packet {i}");
        }
        var wall = sw.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        return (total / wall, total / Math.Max(cpu, 1e-9));
    }

    private static string Net(Random rnd)
    {
        int kind = rnd.Next(10);
        if (kind < 2) return "any";
        int bits = kind < 5 ? 32 : kind < 8 ? 24 : 16;
        var addr = $"10.{rnd.Next(8)}.{rnd.Next(16)}.{rnd.Next(256)}";
        return (rnd.Next(20) == 0 ? "!" : "") + addr + "/" + bits;
    }

    private static string Port(Random rnd) => rnd.Next(6) switch
    {
        0 => "",
        1 => $" port {1000 + rnd.Next(1000)} >< {3000 + rnd.Next(1000)}",
        2 => $" port > {rnd.Next(1024, 60000)}",
        _ => $" port = {Ports[rnd.Next(Ports.Length)]}",
    };

    private static readonly int[] Ports = [22, 25, 53, 80, 110, 143, 443, 993, 3306, 5432, 8080, 8443, 1194, 123, 161];

    private static string BuildRules(Random rnd)
    {
        var sb = new System.Text.StringBuilder();
        int groups = 0;
        for (int i = 0; sb.Length == 0 || CountLines(sb) < RuleCount; i++)
        {
            string action = rnd.Next(3) == 0 ? "block" : "pass";
            string dir = rnd.Next(4) == 0 ? "out" : "in";
            string quick = rnd.Next(5) == 0 ? "quick " : "";
            string iface = rnd.Next(6) == 0 ? $"on e{rnd.Next(3)} " : "";
            int proto = rnd.Next(10);
            if (groups < 5 && i % 180 == 90)
            {
                // A head rule with members in its group.
                groups++;
                sb.Append($"block {dir} quick proto tcp from any to 10.{groups}.0.0/16 head g{groups}\n");
                for (int m = 0; m < 19; m++)
                    sb.Append($"pass {dir} quick from {Net(rnd)} to any port = {Ports[rnd.Next(Ports.Length)]} group g{groups}\n");
                continue;
            }
            if (proto < 5)
                sb.Append($"{action} {dir} {quick}{iface}proto tcp from {Net(rnd)} to {Net(rnd)}{Port(rnd)}{(rnd.Next(3) == 0 ? " flags S/SA" : "")}\n");
            else if (proto < 8)
                sb.Append($"{action} {dir} {quick}{iface}proto udp from {Net(rnd)}{Port(rnd)} to {Net(rnd)}{Port(rnd)}\n");
            else if (proto < 9)
                sb.Append($"{action} {dir} {quick}{iface}proto icmp from {Net(rnd)} to {Net(rnd)} icmp-type {(rnd.Next(2) == 0 ? "echo" : "unreach")}\n");
            else
                sb.Append($"{action} {dir} {quick}{iface}from {Net(rnd)} to {Net(rnd)}\n");
        }
        return sb.ToString();
    }

    private static int CountLines(System.Text.StringBuilder sb)
    {
        int n = 0;
        for (int i = 0; i < sb.Length; i++) if (sb[i] == '\n') n++;
        return n;
    }

    private static List<IpPacket> BuildPackets(Random rnd)
    {
        var lines = new System.Text.StringBuilder();
        string[] flags = ["S", "SA", "A", "PA", "FA", "R"];
        for (int i = 0; i < DistinctPackets; i++)
        {
            string dir = rnd.Next(4) == 0 ? "out" : "in";
            string src = $"10.{rnd.Next(8)}.{rnd.Next(16)}.{rnd.Next(256)}";
            string dst = $"10.{rnd.Next(8)}.{rnd.Next(16)}.{rnd.Next(256)}";
            int port = rnd.Next(3) == 0 ? rnd.Next(1, 65535) : Ports[rnd.Next(Ports.Length)];
            int p = rnd.Next(10);
            lines.Append($"{dir} on e{rnd.Next(3)} ");
            if (p < 5) lines.Append($"tcp {src},{rnd.Next(1024, 65535)} {dst},{port} {flags[rnd.Next(flags.Length)]}\n");
            else if (p < 8) lines.Append($"udp {src},{rnd.Next(1024, 65535)} {dst},{port}\n");
            else if (p < 9) lines.Append($"icmp {src} {dst} {(rnd.Next(2) == 0 ? "echo" : "unreach,3")}\n");
            else lines.Append($"{src} {dst}\n");
        }
        return PacketFormats.ReadText(lines.ToString());
    }
}
