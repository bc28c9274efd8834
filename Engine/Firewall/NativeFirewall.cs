using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Illumos.Engine.Languages.Ipf;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Runners;
using Illumos.Engine.Sessions;

namespace Illumos.Engine.Firewall;

/// <summary>
/// ipfilter on a real illumos host. The rule set is kept as ipf.conf text on the host (/etc/ipf for the global zone,
/// the zone's root /etc/ipf for its own stack, &lt;zonepath&gt;/etc for the global-zone-controlled stack); every change
/// writes the whole file (new file, then rename) and loads it with one ipf invocation that flushes the inactive list,
/// loads the file into it and swaps it in (<c>ipf [-G] -I -Fa -f file -s [zone]</c>). Syntax is checked locally first,
/// so a rule set with errors is never written.
/// </summary>
public sealed partial class NativeFirewall(NativeHost host) : IFirewall
{
    private readonly NativeHost _host = host;

    private CommandResult Run(CancellationToken ct, params string[] argv) => _host.Run(argv, ct);

    private CommandResult RunChecked(CancellationToken ct, params string[] argv) =>
        _host.Run(argv, ct).EnsureSuccess(ErrorKind.InvalidOperation, "FirewallCommandFailed");

    private string Folder(FirewallScope scope, CancellationToken ct)
    {
        RuleSetText.ValidateScope(scope);
        if (scope.IsGlobal) return "/etc/ipf";
        var r = Run(ct, "zonecfg", "-z", scope.Zone, "info", "zonepath");
        var m = ZonePath().Match(r.StdOut);
        if (!r.Succeeded || !m.Success)
            throw IllumosException.NotFound("FirewallZoneNotFound", $"Zone '{scope.Zone}' was not found: {r.StdErr.Trim()}", scope.Zone);
        var zonepath = m.Groups[1].Value.Trim();
        return scope.GlobalControlled ? zonepath + "/etc" : zonepath + "/root/etc/ipf";
    }

    [GeneratedRegex(@"zonepath:\s*(\S+)")]
    private static partial Regex ZonePath();

    private string ReadFile(string path, CancellationToken ct)
    {
        var r = Run(ct, "cat", path);
        if (r.Succeeded) return r.StdOut;
        if (r.StdErr.Contains("No such file", StringComparison.Ordinal)) return "";
        throw new IllumosCommandException("cat", r.Argv, r.ExitCode, r.StdErr, ErrorKind.ReadError, "FirewallReadFailed");
    }

    private void WriteFile(string path, string text, CancellationToken ct)
    {
        var tmp = path + ".new";
        RunChecked(ct, "mkdir", "-p", path[..path.LastIndexOf('/')]);
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(text));
        _host.Run(["tee", tmp], ct, new CommandOptions { StdIn = input, StdOut = Stream.Null })
            .EnsureSuccess(ErrorKind.WriteError, "FirewallWriteFailed");
        RunChecked(ct, "mv", "-f", tmp, path);
    }

    private static string[] ZoneArgs(FirewallScope scope, params string[] argv)
    {
        var list = new List<string> { argv[0] };
        if (scope.GlobalControlled) list.Add("-G");
        list.AddRange(argv.Skip(1));
        if (!scope.IsGlobal) list.Add(scope.Zone);
        return list.ToArray();
    }

    /// <summary>ipfstat/ipnat address a zone with -z (its own stack) or -G (its global-zone-controlled stack).</summary>
    private static string[] StatArgs(FirewallScope scope, string flags, string tool = "ipfstat") =>
        scope.IsGlobal ? [tool, flags] : [tool, flags, scope.GlobalControlled ? "-G" : "-z", scope.Zone];

    private List<RuleEntry> Load(FirewallScope scope, CancellationToken ct) =>
        RuleSetText.Read(ReadFile(Folder(scope, ct) + "/ipf.conf", ct));

    private List<NatEntry> LoadNat(FirewallScope scope, CancellationToken ct) =>
        RuleSetText.ReadNat(ReadFile(Folder(scope, ct) + "/ipnat.conf", ct));

    private IReadOnlyList<FirewallRule> Commit(FirewallScope scope, List<RuleEntry> rules, CancellationToken ct)
    {
        var text = RuleSetText.Render(rules);
        RuleSetText.Read(text);
        var path = Folder(scope, ct) + "/ipf.conf";
        WriteFile(path, text, ct);
        // One invocation: flush the inactive list, load the file into it, swap it in.
        RunChecked(ct, ZoneArgs(scope, "ipf", "-I", "-Fa", "-f", path, "-s"));
        return Models(scope, rules, ct);
    }

    private IReadOnlyList<FirewallRule> Models(FirewallScope scope, List<RuleEntry> rules, CancellationToken ct)
    {
        var hits = Hits(scope, ct);
        var result = new List<FirewallRule>();
        for (int i = 0; i < rules.Count; i++)
        {
            RuleStats? s = null;
            if (rules[i].Enabled && hits.TryGetValue(rules[i].Text, out var q) && q.Count > 0) s = q.Dequeue();
            result.Add(RuleSetText.ToModel(scope, i + 1, rules[i], s));
        }
        return result;
    }

    /// <summary>Per-rule hit counts from <c>ipfstat -hio</c>, keyed by canonical rule text.</summary>
    private Dictionary<string, Queue<RuleStats>> Hits(FirewallScope scope, CancellationToken ct)
    {
        var d = new Dictionary<string, Queue<RuleStats>>(StringComparer.Ordinal);
        var r = Run(ct, StatArgs(scope, "-hio"));
        if (!r.Succeeded) return d;
        foreach (var raw in r.StdOut.Split('\n'))
        {
            var line = raw.Trim();
            int sp = line.IndexOf(' ');
            if (sp <= 0 || !long.TryParse(line[..sp], NumberStyles.None, CultureInfo.InvariantCulture, out var n)) continue;
            var parsed = IpfParser.Parse(line[(sp + 1)..]);
            if (!parsed.Success || parsed.Rules.Count != 1) continue;
            var key = RuleSetText.Canonical(parsed.Rules[0]);
            if (!d.TryGetValue(key, out var q)) d[key] = q = new Queue<RuleStats>();
            q.Enqueue(new RuleStats { Hits = n });
        }
        return d;
    }

    public IReadOnlyList<FirewallRule> GetRules(FirewallScope scope, CancellationToken ct) => Models(scope, Load(scope, ct), ct);

    public IReadOnlyList<FirewallRule> AddRules(FirewallScope scope, string ruleText, RulePlacement? placement, CancellationToken ct)
    {
        var parsed = RuleSetText.ParseOrThrow(ruleText);
        if (parsed.Count == 0) throw IllumosException.Invalid("FirewallRuleEmpty", "No rule was given.", ruleText);
        var list = Load(scope, ct);
        int at = RuleSetText.IndexFor(placement, list.Count);
        list.InsertRange(at, parsed.Select(r => new RuleEntry(RuleSetText.Canonical(r), r, true)));
        return Commit(scope, list, ct).Skip(at).Take(parsed.Count).ToList();
    }

    public FirewallRule SetRule(FirewallScope scope, int position, string ruleText, CancellationToken ct)
    {
        var rule = IpfParser.ParseRule(ruleText);
        var list = Load(scope, ct);
        RuleSetText.Replace(list, position, old => new RuleEntry(RuleSetText.Canonical(rule), rule, old.Enabled));
        return Commit(scope, list, ct)[position - 1];
    }

    public FirewallRule MoveRule(FirewallScope scope, int position, RulePlacement placement, CancellationToken ct)
    {
        var list = Load(scope, ct);
        int target = RuleSetText.Move(list, position, placement);
        return Commit(scope, list, ct)[target];
    }

    public void RemoveRule(FirewallScope scope, int position, CancellationToken ct)
    {
        var list = Load(scope, ct);
        RuleSetText.Remove(list, position);
        Commit(scope, list, ct);
    }

    public FirewallRule SetRuleEnabled(FirewallScope scope, int position, bool enabled, CancellationToken ct)
    {
        var list = Load(scope, ct);
        RuleSetText.Replace(list, position, old => old with { Enabled = enabled });
        return Commit(scope, list, ct)[position - 1];
    }

    public IReadOnlyList<FirewallRule> ImportRules(FirewallScope scope, string text, bool replace, CancellationToken ct)
    {
        var entries = RuleSetText.Read(text);
        var list = replace ? entries : Load(scope, ct).Concat(entries).ToList();
        return Commit(scope, list, ct);
    }

    public string ExportRules(FirewallScope scope, CancellationToken ct) => RuleSetText.Render(Load(scope, ct));

    public FirewallSyntaxReport TestRules(string text, bool nat) => RuleSetText.Check(text, nat);

    /// <summary>Evaluates packets with this engine against the host's stored rule sets (the same language and semantics as ipftest).</summary>
    public IReadOnlyList<FirewallPacketResult> TestPackets(FirewallScope scope, IReadOnlyList<FirewallPacket> packets, CancellationToken ct)
    {
        var stacks = new List<(string Layer, FilterEngine Filter, NatEngine Nat, List<RuleEntry> Rules)>();
        void Add(FirewallScope s, string layer)
        {
            var rules = Load(s, ct);
            stacks.Add((layer, new FilterEngine(rules.Where(r => r.Enabled).Select(r => r.Rule).ToList()),
                new NatEngine(LoadNat(s, ct).Select(n => n.Rule).ToList(), null), rules));
        }
        if (!scope.IsGlobal && !scope.GlobalControlled) Add(scope with { GlobalControlled = true }, "global-zone-controlled");
        Add(scope, scope.GlobalControlled ? "global-zone-controlled" : "zone");
        var results = new List<FirewallPacketResult>();
        foreach (var (display, packet, error) in RuleSetText.ReadPackets(packets))
        {
            if (packet is null)
            {
                results.Add(new FirewallPacketResult { Zone = scope.Zone, Packet = display, Verdict = "bad-packet", Error = error });
                continue;
            }
            var bytes = packet.Bytes;
            FilterResult? last = null;
            (string Layer, FilterEngine Filter, NatEngine Nat, List<RuleEntry> Rules) decided = default;
            foreach (var st in packet.Out ? Enumerable.Reverse(stacks) : stacks)
            {
                var r = IpTest.Process(st.Filter, st.Nat, ref bytes, packet.Out, packet.Interface);
                // A later stack that matches nothing does not hide the decision of an earlier one (state, a rule).
                if (last is null || r.Verdict != Verdict.NoMatch) { last = r; decided = st; }
                if (!r.IsPass) break;
            }
            int idx = last?.Rule is { } rule && decided.Rules is { } dr ? dr.FindIndex(e => ReferenceEquals(e.Rule, rule)) : -1;
            results.Add(new FirewallPacketResult
            {
                Zone = scope.Zone,
                Packet = PacketFormats.PrintPacket(bytes),
                Verdict = last?.Error is not null ? "bad-packet" : last?.Word ?? "nomatch",
                Rule = last?.Rule is { } rr ? RuleSetText.Canonical(rr) : null,
                RulePosition = idx >= 0 ? idx + 1 : null,
                DecidedBy = last?.Rule is null ? null : last.FromState ? "state" : decided.Layer,
                Error = last?.Error,
            });
        }
        return results;
    }

    [GeneratedRegex(@"^(\d+\.\d+\.\d+\.\d+)(?:,(\d+))?\s+->\s+(\d+\.\d+\.\d+\.\d+)(?:,(\d+))?.*?\bpr\s+(\d+)")]
    private static partial Regex StateLine();

    public IReadOnlyList<FirewallSession> GetSessions(FirewallScope scope, CancellationToken ct)
    {
        var r = RunChecked(ct, StatArgs(scope, "-sl"));
        var list = new List<FirewallSession>();
        foreach (var raw in r.StdOut.Split('\n'))
        {
            var m = StateLine().Match(raw.Trim());
            if (!m.Success) continue;
            int proto = int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture);
            list.Add(new FirewallSession
            {
                Zone = scope.Zone,
                Protocol = IpfNames.ProtocolName(proto),
                Source = m.Groups[1].Value,
                SourcePort = m.Groups[2].Success ? int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : null,
                Destination = m.Groups[3].Value,
                DestinationPort = m.Groups[4].Success ? int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : null,
            });
        }
        return list;
    }

    /// <summary>The loaded NAT list and its translations: <c>ipnat -l [-G|-z zone]</c>.</summary>
    private IpnatListing ListNat(FirewallScope scope, CancellationToken ct)
    {
        RuleSetText.ValidateScope(scope);
        var argv = SystemCommands.IpnatList(scope.IsGlobal ? null : scope.Zone, scope.GlobalControlled);
        return IpnatListParser.Parse(RunChecked(ct, argv).StdOut);
    }

    /// <summary>The rules in effect (ipnat -l), in kernel order, which is the order of the managed ipnat.conf they were loaded from.</summary>
    public IReadOnlyList<NatRule> GetNatRules(FirewallScope scope, CancellationToken ct) =>
        ListNat(scope, ct).Rules.Select((r, i) => RuleSetText.ToModel(scope, i + 1, new NatEntry(IpnatPrinter.Print(r), r))).ToList();

    private void CommitNat(FirewallScope scope, List<NatEntry> list, CancellationToken ct)
    {
        var text = RuleSetText.RenderNat(list);
        RuleSetText.ReadNat(text);
        var path = Folder(scope, ct) + "/ipnat.conf";
        WriteFile(path, text, ct);
        var argv = new List<string> { "ipnat" };
        if (!scope.IsGlobal) { argv.Add(scope.GlobalControlled ? "-G" : "-z"); argv.Add(scope.Zone); }
        argv.AddRange(["-CF", "-f", path]);
        RunChecked(ct, argv.ToArray());
    }

    public IReadOnlyList<NatRule> AddNatRules(FirewallScope scope, string ruleText, RulePlacement? placement, CancellationToken ct)
    {
        var parsed = RuleSetText.ParseNatOrThrow(ruleText);
        if (parsed.Count == 0) throw IllumosException.Invalid("FirewallRuleEmpty", "No NAT rule was given.", ruleText);
        var list = LoadNat(scope, ct);
        int at = RuleSetText.IndexFor(placement, list.Count);
        list.InsertRange(at, parsed.Select(r => new NatEntry(IpnatPrinter.Print(r), r)));
        CommitNat(scope, list, ct);
        return list.Select((e, i) => RuleSetText.ToModel(scope, i + 1, e)).Skip(at).Take(parsed.Count).ToList();
    }

    /// <summary>
    /// Removes the rule at <paramref name="position"/> of the active list (what Get-NatRule shows) from the managed
    /// ipnat.conf and reloads it. A rule that is active but not in the file (loaded by other means) cannot be removed here.
    /// </summary>
    public void RemoveNatRule(FirewallScope scope, int position, CancellationToken ct)
    {
        var active = GetNatRules(scope, ct);
        RuleSetText.CheckPosition(position, active.Count);
        var text = active[position - 1].Text;
        var list = LoadNat(scope, ct);
        int at = -1;
        for (int i = 0; i < list.Count; i++)
            if (list[i].Text == text && (at < 0 || Math.Abs(i + 1 - position) < Math.Abs(at + 1 - position))) at = i;
        if (at < 0)
            throw new IllumosException(ErrorKind.InvalidOperation, "NatRuleNotManaged",
                $"The active NAT rule '{text}' is not in the managed ipnat.conf of {scope}; it was loaded by other means and is left alone.", text);
        list.RemoveAt(at);
        CommitNat(scope, list, ct);
    }

    /// <summary>The "List of active sessions:" part of <c>ipnat -l</c>.</summary>
    public IReadOnlyList<NatSession> GetNatSessions(FirewallScope scope, CancellationToken ct) =>
        ListNat(scope, ct).Sessions.Select(x => new NatSession
        {
            Zone = scope.Zone,
            Kind = x.Kind,
            Protocol = x.InsidePort is null ? "ip" : "tcp/udp",
            Inside = Endpoint(x.Inside, x.InsidePort),
            Outside = Endpoint(x.Outside, x.OutsidePort),
            Remote = Endpoint(x.Remote, x.RemotePort),
        }).ToList();

    private static string Endpoint(string address, int? port) => port is null ? address : $"{address},{port.Value.ToString(CultureInfo.InvariantCulture)}";
}
