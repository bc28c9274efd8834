using System.Numerics;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Engine.Firewall;

/// <summary>The verdict of one packet, as ipftest -b names it.</summary>
public enum Verdict { Pass, Block, NoMatch, BlockReturnRst, BlockReturnIcmp, BlockReturnIcmpAsDest, Auth, Preauth, BadPacket }

/// <summary>Outcome of evaluating one packet: the verdict and the rule that decided it (null for nomatch/state-less defaults).</summary>
public sealed record FilterResult(Verdict Verdict, IpfRule? Rule, bool FromState, bool FromFragment, string? Error = null)
{
    public string Word => Verdict switch
    {
        Verdict.Pass => "pass",
        Verdict.Block => "block",
        Verdict.BlockReturnRst => "block return-rst",
        Verdict.BlockReturnIcmp => "block return-icmp",
        Verdict.BlockReturnIcmpAsDest => "block return-icmp-as-dest",
        Verdict.Auth => "auth",
        Verdict.Preauth => "preauth",
        _ => "nomatch",
    };

    public static Verdict FromRule(IpfRule r) => r.Action switch
    {
        IpfAction.Pass => Verdict.Pass,
        IpfAction.Block => r.Return switch
        {
            IpfReturn.Rst => Verdict.BlockReturnRst,
            IpfReturn.Icmp => Verdict.BlockReturnIcmp,
            IpfReturn.IcmpAsDest => Verdict.BlockReturnIcmpAsDest,
            _ => Verdict.Block,
        },
        IpfAction.Auth => Verdict.Auth,
        IpfAction.Preauth => Verdict.Preauth,
        _ => Verdict.NoMatch,
    };

    public bool IsPass => Verdict == Verdict.Pass || Verdict == Verdict.NoMatch;
}

/// <summary>Tunables of the evaluator (ipftest -T).</summary>
public sealed class FirewallTunables
{
    public int StateMax { get; set; } = 4013;
    public bool UpdateIpId { get; set; }

    public void Set(string name, string value)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n))
            throw IllumosException.Invalid("FirewallTunableValue", $"tunable '{name}' needs a number, got '{value}'.", name);
        switch (name)
        {
            case "fr_statemax" or "state_max": StateMax = n; break;
            case "fr_update_ipid" or "update_ipid": UpdateIpId = n != 0; break;
            default: throw IllumosException.Invalid("FirewallTunableUnknown", $"unknown tunable '{name}'.", name);
        }
    }
}

/// <summary>Hit statistics of one rule.</summary>
public sealed class RuleStats
{
    public long Hits;
    public long Bytes;
}

/// <summary>A rule ready for evaluation: its compiled match delegate, its group, its counters.</summary>
public sealed class CompiledRule
{
    public required IpfRule Rule { get; init; }
    private Func<PacketView, bool>? _match;

    /// <summary>
    /// The compiled match delegate. Rules are compiled on first use, so loading a large rule set is immediate and
    /// rules the candidate index never offers cost nothing.
    /// </summary>
    public Func<PacketView, bool> Match => _match ??= RuleMatcher.Compile(Rule);
    public RuleList? Group { get; set; }
    private FilterResult? _result;
    /// <summary>The result this rule gives when it decides a packet.</summary>
    public FilterResult Result => _result ??= new FilterResult(FilterResult.FromRule(Rule), Rule, false, false);
    public RuleStats Stats { get; } = new();
}

/// <summary>
/// An ordered rule list (the top-level in/out lists and each group) with a candidate index: bitsets per
/// direction and protocol, destination port, and source/destination address prefixes (/8 and /16), ANDed per
/// packet so only rules that can match are run, in rule order.
/// </summary>
public sealed class RuleList
{
    public CompiledRule[] Rules { get; }
    private readonly int _words;
    private readonly ulong[][] _byDirProto = new ulong[512][];
    private readonly PrefixIndex _src, _dst;
    private readonly ulong[] _noPorts;
    private readonly ulong[] _portWild;
    private readonly Dictionary<int, ulong[]> _byDport = new();
    private readonly ulong[][]? _dportDense;

    /// <summary>Bitsets of the rules an address can match: by first octet, and by /16 for rules at least that narrow.</summary>
    private sealed class PrefixIndex
    {
        private readonly ulong[][] _octet = new ulong[256][];
        private readonly Dictionary<uint, ulong[]> _by16 = new();
        private readonly ulong[] _wild16;
        private readonly int _words;

        public PrefixIndex(CompiledRule[] rules, int words, Func<IpfRule, IpfEndpoint> side)
        {
            _words = words;
            for (int i = 0; i < 256; i++) _octet[i] = new ulong[words];
            _wild16 = new ulong[words];
            for (int r = 0; r < rules.Length; r++)
            {
                var ep = side(rules[r].Rule);
                var a = ep.Address;
                ulong bit = 1UL << (r & 63);
                int w = r >> 6;
                bool net = !ep.Negated && a.Kind == IpfAddressKind.Network;
                if (net && (a.Mask >> 24) == 0xff) _octet[a.Address >> 24][w] |= bit;
                else for (int o = 0; o < 256; o++) _octet[o][w] |= bit;
                if (net && (a.Mask >> 16) == 0xffff)
                {
                    if (!_by16.TryGetValue(a.Address >> 16, out var set)) _by16[a.Address >> 16] = set = new ulong[words];
                    set[w] |= bit;
                }
                else _wild16[w] |= bit;
            }
            foreach (var set in _by16.Values)
                for (int i = 0; i < words; i++) set[i] |= _wild16[i];
            if (_by16.Count > 0)
            {
                // A direct table beats a dictionary lookup per packet; it shares the bitsets, so it costs 512 KiB of references.
                _dense = new ulong[65536][];
                Array.Fill(_dense, _wild16);
                foreach (var (k, set) in _by16) _dense[k] = set;
            }
        }

        private ulong[][]? _dense;

        public void And(uint addr, Span<ulong> into)
        {
            var o = _octet[addr >> 24];
            var p = _dense is null ? _wild16 : _dense[addr >> 16];
            for (int i = 0; i < _words; i++) into[i] &= o[i] & p[i];
        }
    }

    public RuleList(CompiledRule[] rules)
    {
        Rules = rules;
        _words = Math.Max(1, (rules.Length + 63) / 64);
        for (int i = 0; i < 512; i++) _byDirProto[i] = new ulong[_words];
        _noPorts = new ulong[_words];
        _portWild = new ulong[_words];
        for (int r = 0; r < rules.Length; r++)
        {
            var rule = rules[r].Rule;
            ulong bit = 1UL << (r & 63);
            int w = r >> 6;
            for (int p = 0; p < 256; p++)
            {
                bool ok = rule.Protocol is not { } rp || rp == p || rp == -1 && p is 6 or 17;
                if (rule.TcpFlags is not null && p != 6) ok = false;
                if (rule.IcmpType is not null && p != 1) ok = false;
                if ((rule.From.Port is not null || rule.To.Port is not null) && p is not (6 or 17)) ok = false;
                if (ok) _byDirProto[(rule.Out ? 256 : 0) + p][w] |= bit;
            }
            if (rule.To.Port is null) _noPorts[w] |= bit;
            if (rule.To.Port is not { Op: PortOp.Eq } pm) _portWild[w] |= bit;
            else
            {
                if (!_byDport.TryGetValue(pm.Low, out var set)) _byDport[pm.Low] = set = new ulong[_words];
                set[w] |= bit;
            }
        }
        foreach (var set in _byDport.Values)
            for (int i = 0; i < _words; i++) set[i] |= _portWild[i];
        if (_byDport.Count > 0)
        {
            _dportDense = new ulong[65536][];
            Array.Fill(_dportDense, _portWild);
            foreach (var (k, set) in _byDport) _dportDense[k] = set;
        }
        _src = new PrefixIndex(rules, _words, r => r.From);
        _dst = new PrefixIndex(rules, _words, r => r.To);
    }

    /// <summary>Fills <paramref name="into"/> with the candidate bitset for a packet.</summary>
    public void Candidates(PacketView v, Span<ulong> into)
    {
        var proto = _byDirProto[(v.Out ? 256 : 0) + v.Proto];
        var ports = !v.HasPorts ? _noPorts : _dportDense is null ? _portWild : _dportDense[v.Dport];
        for (int i = 0; i < _words; i++) into[i] = proto[i] & ports[i];
        _src.And(v.Src, into);
        _dst.And(v.Dst, into);
    }

    public int Words => _words;
}

/// <summary>
/// The packet filter with ipftest semantics: fragment cache and state table consulted first, then the rule list
/// (last match wins unless quick; head/group; skip; count rules kept apart), keep state / keep frags after a match.
/// </summary>
public sealed class FilterEngine
{
    private readonly RuleList _in, _out;
    private readonly CompiledRule[] _accounting;
    private readonly Dictionary<IpfRule, CompiledRule> _byRule = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(int, uint, uint, int), IpfRule> _frags = new();
    private readonly PacketView _view = new();

    private static readonly FilterResult NoMatch = new(Verdict.NoMatch, null, false, false);

    public StateTable States { get; }
    public FirewallTunables Tunables { get; }
    public IReadOnlyList<IpfRule> Rules { get; }
    /// <summary>When set, every rule is interpreted from its syntax tree in order (the baseline the bench compares against).</summary>
    public bool LinearScan { get; set; }

    public FilterEngine(IReadOnlyList<IpfRule> rules, FirewallTunables? tunables = null, StateTable? states = null)
    {
        Rules = rules;
        States = states ?? new StateTable();
        Tunables = tunables ?? new FirewallTunables();
        States.Limit = Tunables.StateMax;
        var top = new List<CompiledRule>[2] { new(), new() };
        var groups = new Dictionary<(bool, string), List<CompiledRule>>();
        var acct = new List<CompiledRule>();
        foreach (var r in rules)
        {
            var c = new CompiledRule { Rule = r };
            _byRule[r] = c;
            if (r.Action == IpfAction.Count) { acct.Add(c); continue; }
            List<CompiledRule> list;
            if (r.Group is { } g && g != "0")
            {
                if (!groups.TryGetValue((r.Out, g), out var gl)) groups[(r.Out, g)] = gl = new();
                list = gl;
            }
            else list = top[r.Out ? 1 : 0];
            // "@N rule" inserts at position N of its list instead of appending.
            if (r.InsertAt is { } at) list.Insert(Math.Min(at, list.Count), c);
            else list.Add(c);
        }
        var built = groups.ToDictionary(kv => kv.Key, kv => new RuleList(kv.Value.ToArray()));
        foreach (var c in _byRule.Values)
            if (c.Rule.Head is { } h && built.TryGetValue((c.Rule.Out, h), out var gl)) c.Group = gl;
        _in = new RuleList(top[0].ToArray());
        _out = new RuleList(top[1].ToArray());
        _accounting = acct.ToArray();
    }

    public RuleStats? StatsOf(IpfRule rule) => _byRule.TryGetValue(rule, out var c) ? c.Stats : null;

    /// <summary>Evaluates one packet.</summary>
    public FilterResult Check(IpPacket p) => Check(p.Bytes, p.Out, p.Interface);

    public FilterResult Check(byte[] bytes, bool outbound, string iface)
    {
        var v = _view;
        v.Out = outbound;
        v.Iface = iface;
        v.Fill(bytes);
        return Check(v);
    }

    public FilterResult Check(PacketView v)
    {
        if (!v.Valid) return new FilterResult(Verdict.NoMatch, null, false, false, v.Error);
        if (_accounting.Length > 0)
            foreach (var a in _accounting)
                if (LinearScan ? RuleMatcher.Matches(a.Rule, v) : a.Match(v)) { a.Stats.Hits++; a.Stats.Bytes += v.Len; }

        bool isFrag = (v.Flags & (uint)PacketFlags.Frag) != 0;
        if (isFrag && v.NonFirstFrag && _frags.TryGetValue((v.Proto, v.Src, v.Dst, v.Id), out var fr))
            return new FilterResult(FilterResult.FromRule(fr), fr, false, true);

        if (States.Count > 0 && States.Match(v) is { } st)
        {
            if (st.Rule.KeepFrags && isFrag && !v.NonFirstFrag) _frags[(v.Proto, v.Src, v.Dst, v.Id)] = st.Rule;
            return new FilterResult(FilterResult.FromRule(st.Rule), st.Rule, true, false);
        }

        IpfRule? decision = null;
        bool stateAdded = false; // reserved for rules that insert state during the scan
        Scan(v.Out ? _out : _in, v, ref decision, ref stateAdded);
        if (decision is null) return NoMatch;
        var verdict = FilterResult.FromRule(decision);
        if (decision.KeepState && !stateAdded)
        {
            if (States.Add(v, decision) is null && verdict == Verdict.Pass) verdict = Verdict.Block;
        }
        if (decision.KeepFrags && isFrag && verdict == Verdict.Pass)
            _frags[(v.Proto, v.Src, v.Dst, v.Id)] = decision;
        // Results are immutable: reuse the one cached for the deciding rule when the verdict is the rule's own.
        var c = _byRule[decision];
        if (verdict == c.Result.Verdict) return c.Result;
        return new FilterResult(verdict, decision, false, false);
    }

    private void Scan(RuleList list, PacketView v, ref IpfRule? decision, ref bool stateAdded)
    {
        var rules = list.Rules;
        if (rules.Length == 0) return;
        if (LinearScan)
        {
            for (int i = 0; i < rules.Length; i++)
            {
                if (!RuleMatcher.Matches(rules[i].Rule, v)) continue;
                int r = Matched(rules[i], v, ref decision, ref stateAdded);
                if (r < 0) return;
                i += r;
            }
            return;
        }
        Span<ulong> bits = stackalloc ulong[list.Words];
        list.Candidates(v, bits);
        int skipUntil = -1;
        for (int w = 0; w < bits.Length; w++)
        {
            ulong word = bits[w];
            while (word != 0)
            {
                int i = (w << 6) + BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                if (i <= skipUntil) continue;
                var c = rules[i];
                if (!c.Match(v)) continue;
                int r = Matched(c, v, ref decision, ref stateAdded);
                if (r < 0) return;
                if (r > 0) skipUntil = i + r;
            }
        }
    }

    /// <summary>Applies a matching rule. Returns -1 to stop scanning (quick), N &gt; 0 to skip N rules, 0 to go on.</summary>
    private int Matched(CompiledRule c, PacketView v, ref IpfRule? decision, ref bool stateAdded)
    {
        var r = c.Rule;
        if (r.Action == IpfAction.Skip) { c.Stats.Hits++; c.Stats.Bytes += v.Len; return r.SkipCount; }
        if (r.Action == IpfAction.Log || r.Action == IpfAction.Call) { c.Stats.Hits++; c.Stats.Bytes += v.Len; return 0; }
        // A quick keep-state rule whose state cannot be created does not match.
        if (r.KeepState && r.Quick && !States.CanAdd(v, r)) return 0;
        c.Stats.Hits++;
        c.Stats.Bytes += v.Len;
        decision = r;
        if (c.Group is { } g)
        {
            var before = decision;
            Scan(g, v, ref decision, ref stateAdded);
            if (!ReferenceEquals(before, decision) && decision is not null && !decision.Quick) return 0;
        }
        return decision is not null && decision.Quick ? -1 : 0;
    }

    /// <summary>Forgets state and fragment entries (a fresh ipftest run).</summary>
    public void Reset()
    {
        States.Clear();
        _frags.Clear();
    }
}
