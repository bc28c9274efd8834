using System.Runtime.CompilerServices;
using Illumos.Engine.Languages.Ipf;
using Illumos.Engine.Sessions;

namespace Illumos.Engine.Firewall;

/// <summary>Registers the firewall facility for both host kinds.</summary>
internal static class FirewallRegistration
{
#pragma warning disable CA2255 // facilities register themselves when the engine assembly loads
    [ModuleInitializer]
    internal static void Register()
    {
        FacilityRegistry.Register<IFirewall>(HostKind.Embedded, h => new EmbeddedFirewall((EmbeddedHost)h), "Firewall");
        FacilityRegistry.Register<IFirewall>(HostKind.Native, h => new NativeFirewall((NativeHost)h), "Firewall");
    }
#pragma warning restore CA2255
}

/// <summary>
/// The in-process firewall. Each scope's rules persist as real ipf.conf / ipnat.conf text under the host directory
/// (etc/ipf/ for the global zone, etc/ipf/zones/&lt;zone&gt;/ for a zone, …/gz/ for its global-zone-controlled stack).
/// A change builds and compiles a complete new (inactive) rule set, writes it atomically, then swaps it in; a rule set
/// with an error never becomes active.
/// </summary>
public sealed class EmbeddedFirewall : IFirewall
{
    private readonly EmbeddedHost _host;
    private readonly object _gate = new();
    private readonly Dictionary<FirewallScope, ActiveSet> _active = new();

    private sealed class ActiveSet(List<RuleEntry> rules, List<NatEntry> nat, FilterEngine engine, NatEngine natEngine)
    {
        public readonly List<RuleEntry> Rules = rules;
        public readonly List<NatEntry> Nat = nat;
        public readonly FilterEngine Engine = engine;
        public readonly NatEngine NatEngine = natEngine;
    }

    public EmbeddedFirewall(EmbeddedHost host) => _host = host;

    private string Folder(FirewallScope s) =>
        s.IsGlobal ? _host.PathOf("etc", "ipf")
        : s.GlobalControlled ? _host.PathOf("etc", "ipf", "zones", s.Zone, "gz")
        : _host.PathOf("etc", "ipf", "zones", s.Zone);

    public string RuleFile(FirewallScope s) => Path.Combine(Folder(s), "ipf.conf");
    public string NatFile(FirewallScope s) => Path.Combine(Folder(s), "ipnat.conf");

    private ActiveSet Active(FirewallScope scope)
    {
        RuleSetText.ValidateScope(scope);
        lock (_gate)
        {
            if (_active.TryGetValue(scope, out var a)) return a;
            var rf = RuleFile(scope);
            var nf = NatFile(scope);
            var rules = File.Exists(rf) ? RuleSetText.Read(File.ReadAllText(rf)) : new List<RuleEntry>();
            var nat = File.Exists(nf) ? RuleSetText.ReadNat(File.ReadAllText(nf)) : new List<NatEntry>();
            a = Build(rules, nat, null);
            _active[scope] = a;
            return a;
        }
    }

    private static ActiveSet Build(List<RuleEntry> rules, List<NatEntry> nat, ActiveSet? previous) =>
        new(rules, nat,
            new FilterEngine(rules.Where(r => r.Enabled).Select(r => r.Rule).ToList(), null, previous?.Engine.States),
            new NatEngine(nat.Select(n => n.Rule).ToList(), null));

    /// <summary>Compiles the new set (inactive), persists it atomically, then makes it the active set.</summary>
    private ActiveSet Commit(FirewallScope scope, List<RuleEntry> rules, List<NatEntry> nat)
    {
        lock (_gate)
        {
            var previous = Active(scope);
            // Re-parse the rendered text: what is stored must load back to the same rules.
            var text = RuleSetText.Render(rules);
            var reread = RuleSetText.Read(text);
            var natText = RuleSetText.RenderNat(nat);
            RuleSetText.ReadNat(natText);
            var next = Build(reread, nat, previous);
            Directory.CreateDirectory(Folder(scope));
            AtomicFile.WriteAllText(RuleFile(scope), text);
            AtomicFile.WriteAllText(NatFile(scope), natText);
            _active[scope] = next;
            return next;
        }
    }

    private IReadOnlyList<FirewallRule> Models(FirewallScope scope, ActiveSet a) =>
        a.Rules.Select((e, i) => RuleSetText.ToModel(scope, i + 1, e, a.Engine.StatsOf(e.Rule))).ToList();

    public IReadOnlyList<FirewallRule> GetRules(FirewallScope scope, CancellationToken ct) => Models(scope, Active(scope));

    public IReadOnlyList<FirewallRule> AddRules(FirewallScope scope, string ruleText, RulePlacement? placement, CancellationToken ct)
    {
        var parsed = RuleSetText.ParseOrThrow(ruleText);
        if (parsed.Count == 0) throw IllumosException.Invalid("FirewallRuleEmpty", "No rule was given.", ruleText);
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Rules.ToList();
            int at = RuleSetText.IndexFor(placement, list.Count);
            list.InsertRange(at, parsed.Select(r => new RuleEntry(RuleSetText.Canonical(r), r, true)));
            var next = Commit(scope, list, a.Nat);
            return Models(scope, next).Skip(at).Take(parsed.Count).ToList();
        }
    }

    public FirewallRule SetRule(FirewallScope scope, int position, string ruleText, CancellationToken ct)
    {
        var rule = IpfParser.ParseRule(ruleText);
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Rules.ToList();
            RuleSetText.Replace(list, position, old => new RuleEntry(RuleSetText.Canonical(rule), rule, old.Enabled));
            return Models(scope, Commit(scope, list, a.Nat))[position - 1];
        }
    }

    public FirewallRule MoveRule(FirewallScope scope, int position, RulePlacement placement, CancellationToken ct)
    {
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Rules.ToList();
            int target = RuleSetText.Move(list, position, placement);
            return Models(scope, Commit(scope, list, a.Nat))[target];
        }
    }

    public void RemoveRule(FirewallScope scope, int position, CancellationToken ct)
    {
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Rules.ToList();
            RuleSetText.Remove(list, position);
            Commit(scope, list, a.Nat);
        }
    }

    public FirewallRule SetRuleEnabled(FirewallScope scope, int position, bool enabled, CancellationToken ct)
    {
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Rules.ToList();
            RuleSetText.Replace(list, position, old => old with { Enabled = enabled });
            return Models(scope, Commit(scope, list, a.Nat))[position - 1];
        }
    }

    public IReadOnlyList<FirewallRule> ImportRules(FirewallScope scope, string text, bool replace, CancellationToken ct)
    {
        var entries = RuleSetText.Read(text);
        lock (_gate)
        {
            var a = Active(scope);
            var list = replace ? entries : a.Rules.Concat(entries).ToList();
            return Models(scope, Commit(scope, list, a.Nat));
        }
    }

    public string ExportRules(FirewallScope scope, CancellationToken ct) => RuleSetText.Render(Active(scope).Rules);

    public FirewallSyntaxReport TestRules(string text, bool nat) => RuleSetText.Check(text, nat);

    public IReadOnlyList<FirewallPacketResult> TestPackets(FirewallScope scope, IReadOnlyList<FirewallPacket> packets, CancellationToken ct)
    {
        RuleSetText.ValidateScope(scope);
        // The global-zone-controlled stack is outermost: inbound it runs first, outbound last.
        var stacks = new List<(string Layer, ActiveSet Set)>();
        if (!scope.IsGlobal && !scope.GlobalControlled) stacks.Add(("global-zone-controlled", Active(scope with { GlobalControlled = true })));
        stacks.Add((scope.GlobalControlled ? "global-zone-controlled" : "zone", Active(scope)));
        var results = new List<FirewallPacketResult>();
        lock (_gate)
        {
            foreach (var (display, packet, error) in RuleSetText.ReadPackets(packets))
            {
                ct.ThrowIfCancellationRequested();
                if (packet is null)
                {
                    results.Add(new FirewallPacketResult { Zone = scope.Zone, Packet = display, Verdict = "bad-packet", Error = error });
                    continue;
                }
                var order = packet.Out ? Enumerable.Reverse(stacks).ToList() : stacks;
                FilterResult? last = null;
                string layer = "";
                ActiveSet? decidingSet = null;
                var bytes = packet.Bytes;
                foreach (var (name, set) in order)
                {
                    var r = IpTest.Process(set.Engine, set.NatEngine, ref bytes, packet.Out, packet.Interface);
                    // A later stack that matches nothing does not hide the decision of an earlier one (state, a rule).
                    if (last is null || r.Verdict != Verdict.NoMatch) { last = r; layer = name; decidingSet = set; }
                    if (!r.IsPass) break;
                }
                int? pos = null;
                if (last?.Rule is { } rule && decidingSet is not null)
                {
                    int idx = decidingSet.Rules.FindIndex(e => ReferenceEquals(e.Rule, rule));
                    if (idx >= 0) pos = idx + 1;
                }
                results.Add(new FirewallPacketResult
                {
                    Zone = scope.Zone,
                    Packet = PacketFormats.PrintPacket(bytes),
                    Verdict = last?.Error is not null ? "bad-packet" : last?.Word ?? "nomatch",
                    Rule = last?.Rule is { } rr ? RuleSetText.Canonical(rr) : null,
                    RulePosition = pos,
                    DecidedBy = last is null ? null : last.FromState ? "state" : last.FromFragment ? "fragment" : last.Rule is null ? null : layer,
                    Error = last?.Error,
                });
            }
        }
        return results;
    }

    public IReadOnlyList<FirewallSession> GetSessions(FirewallScope scope, CancellationToken ct)
    {
        var a = Active(scope);
        lock (_gate)
            return a.Engine.States.Entries.Select(e => new FirewallSession
            {
                Zone = scope.Zone,
                Protocol = IpfNames.ProtocolName(e.Proto),
                Source = IpfNames.FormatIPv4(e.Src),
                SourcePort = e.Proto is 6 or 17 ? e.Sport : null,
                Destination = IpfNames.FormatIPv4(e.Dst),
                DestinationPort = e.Proto is 6 or 17 ? e.Dport : null,
                TcpState = e.Proto == 6 ? $"{e.Tcp[0]}/{e.Tcp[1]}" : null,
                Packets = e.Packets,
                Bytes = e.Bytes,
                Rule = RuleSetText.Canonical(e.Rule),
            }).ToList();
    }

    public IReadOnlyList<NatRule> GetNatRules(FirewallScope scope, CancellationToken ct) =>
        Active(scope).Nat.Select((e, i) => RuleSetText.ToModel(scope, i + 1, e)).ToList();

    public IReadOnlyList<NatRule> AddNatRules(FirewallScope scope, string ruleText, RulePlacement? placement, CancellationToken ct)
    {
        var parsed = RuleSetText.ParseNatOrThrow(ruleText);
        if (parsed.Count == 0) throw IllumosException.Invalid("FirewallRuleEmpty", "No NAT rule was given.", ruleText);
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Nat.ToList();
            int at = RuleSetText.IndexFor(placement, list.Count);
            list.InsertRange(at, parsed.Select(r => new NatEntry(IpnatPrinter.Print(r), r)));
            var next = Commit(scope, a.Rules, list);
            return next.Nat.Select((e, i) => RuleSetText.ToModel(scope, i + 1, e)).Skip(at).Take(parsed.Count).ToList();
        }
    }

    public void RemoveNatRule(FirewallScope scope, int position, CancellationToken ct)
    {
        lock (_gate)
        {
            var a = Active(scope);
            var list = a.Nat.ToList();
            RuleSetText.Remove(list, position);
            Commit(scope, a.Rules, list);
        }
    }

    public IReadOnlyList<NatSession> GetNatSessions(FirewallScope scope, CancellationToken ct)
    {
        var a = Active(scope);
        lock (_gate) return a.NatEngine.Sessions.Select(s => NatEngine.ToModel(scope, s)).ToList();
    }
}
