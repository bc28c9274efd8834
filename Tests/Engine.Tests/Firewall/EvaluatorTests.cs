using CsCheck;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;
using Xunit;

namespace Illumos.Engine.Tests.Firewall;

public class EvaluatorTests
{
    private static FilterEngine Engine(string rules, FirewallTunables? t = null)
    {
        var r = IpfParser.Parse(rules);
        Assert.True(r.Success, string.Join("; ", r.Errors));
        return new FilterEngine(r.Rules, t);
    }

    private static IpPacket Pkt(string line) => Assert.Single(PacketFormats.ReadText(line));

    private static string[] Run(FilterEngine e, params string[] packets) => packets.Select(p => e.Check(Pkt(p)).Word).ToArray();

    [Fact]
    public void Last_match_wins_unless_quick()
    {
        var e = Engine("block in all\npass in proto tcp all\nblock in quick from 9.9.9.9 to any\npass in all\n");
        Assert.Equal(["pass", "block", "nomatch"], Run(e, "in tcp 1.1.1.1,1 2.2.2.2,80", "in tcp 9.9.9.9,1 2.2.2.2,80", "out 1.1.1.1 2.2.2.2"));
    }

    [Fact]
    public void At_positions_insert_into_the_list()
    {
        // Without "@0" the block would be last and win; inserted first, the pass after it wins.
        var e = Engine("pass in all\n@0 block in all\n");
        Assert.Equal(["pass"], Run(e, "in 1.1.1.1 2.2.2.2"));
        // Appended, the 1.1.1.1 pass would come last and win; at position 1 the block after it wins.
        var f = Engine("pass in all\nblock in all\n@1 pass in from 1.1.1.1 to any\n");
        Assert.Equal(["block", "block"], Run(f, "in 1.1.1.1 2.2.2.2", "in 3.3.3.3 2.2.2.2"));
    }

    [Fact]
    public void The_deciding_rule_is_reported()
    {
        var e = Engine("block in all\npass in proto udp from any to any port = 53\n");
        var res = e.Check(Pkt("in udp 1.1.1.1,5000 2.2.2.2,53"));
        Assert.Equal(Verdict.Pass, res.Verdict);
        Assert.Equal(2, res.Rule!.Line);
    }

    [Fact]
    public void Groups_skip_and_count()
    {
        var e = Engine("block in quick proto tcp all head 1\npass in quick from any to any port = 22 group 1\ncount in all\nskip 1 in proto udp all\nblock in proto udp all\n");
        Assert.Equal(["pass", "block", "nomatch"], Run(e, "in tcp 1.1.1.1,9 2.2.2.2,22", "in tcp 1.1.1.1,9 2.2.2.2,23", "in udp 1.1.1.1,9 2.2.2.2,23"));
        var count = e.Rules.Single(r => r.Action == IpfAction.Count);
        Assert.Equal(3, e.StatsOf(count)!.Hits);
    }

    [Fact]
    public void State_lets_replies_through_and_tracks_tcp()
    {
        var e = Engine("pass out quick proto tcp from any to any flags S keep state\nblock in all\n");
        Assert.Equal(["pass", "pass", "block", "pass"], Run(e,
            "out tcp 10.0.0.1,1234 8.8.8.8,443 S",
            "in tcp 8.8.8.8,443 10.0.0.1,1234 SA",
            "in tcp 8.8.8.8,443 10.0.0.1,1235 SA",
            "out tcp 10.0.0.1,1234 8.8.8.8,443 A"));
        var s = Assert.Single(e.States.Entries);
        // The client has sent its ACK; the server has only answered the SYN so far.
        Assert.Equal(TcpState.Established, s.Tcp[0]);
        Assert.Equal(TcpState.SynReceived, s.Tcp[1]);
    }

    [Fact]
    public void A_full_state_table_blocks_or_skips_quick_rules()
    {
        var t = new FirewallTunables();
        t.Set("fr_statemax", "1");
        var e = Engine("pass in proto udp all keep state\n", t);
        Assert.Equal(["pass", "block"], Run(e, "in udp 1.1.1.1,1 2.2.2.2,53", "in udp 1.1.1.1,2 2.2.2.2,53"));
        var q = Engine("pass in quick proto udp all keep state (limit 1)\n");
        Assert.Equal(["pass", "nomatch", "pass"], Run(q, "in udp 1.1.1.1,1 2.2.2.2,53", "in udp 1.1.1.1,2 2.2.2.2,53", "in udp 2.2.2.2,53 1.1.1.1,1"));
        Assert.Throws<IllumosException>(() => t.Set("no_such_tunable", "1"));
    }

    [Fact]
    public void Fragments_pass_through_the_fragment_cache()
    {
        var e = Engine("pass in proto udp from any to any port = 53 keep frags\nblock in proto udp all with frag-body\n");
        var first = Assert.Single(PacketFormats.ReadHex("4500 001c 0007 2000 3f11 0000 0101 0101 0201 0101 0035 0035 0008 0000\n\n"));
        var second = Assert.Single(PacketFormats.ReadHex("4500 001c 0007 0001 3f11 0000 0101 0101 0201 0101 0000 0000 0000 0000\n\n"));
        var other = Assert.Single(PacketFormats.ReadHex("4500 001c 0008 0001 3f11 0000 0101 0101 0201 0101 0000 0000 0000 0000\n\n"));
        Assert.Equal("pass", e.Check(first).Word);
        var r = e.Check(second);
        Assert.Equal("pass", r.Word);
        Assert.True(r.FromFragment);
        Assert.Equal("block", e.Check(other).Word);
    }

    [Fact]
    public void Malformed_packets_are_reported_not_thrown()
    {
        var e = Engine("block in all\n");
        var res = e.Check([0x45, 0x00], false, "e0");
        Assert.Equal("nomatch", res.Word);
        Assert.NotNull(res.Error);
        var errors = new List<string>();
        Assert.Empty(PacketFormats.ReadText("sideways 1.1.1.1 2.2.2.2\nin tcp 1.1.1.1 2.2.2.2\n", errors));
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Compiled_and_interpreted_evaluation_agree()
    {
        var ruleGen = Gen.Select(
            Gen.OneOfConst("pass", "block", "block return-rst"), Gen.Bool, Gen.OneOfConst("in", "out"),
            Gen.OneOfConst("", "proto tcp ", "proto udp ", "proto tcp/udp ", "proto icmp "),
            Gen.OneOfConst("any", "10.0.0.0/8", "!10.1.0.0/16", "10.1.2.3"), Gen.OneOfConst("", " port = 80", " port > 1000", " port 10 >< 90"),
            Gen.OneOfConst("", " keep state"))
            .Select((a, q, d, p, src, port, ks) =>
                $"{a} {d} {(q ? "quick " : "")}{p}from {src} to any{(p is "proto tcp " or "proto udp " or "proto tcp/udp " ? port : "")}{ks}");
        var pktGen = Gen.Select(Gen.OneOfConst("in", "out"), Gen.OneOfConst("tcp", "udp", "icmp", ""), Gen.Int[0, 255], Gen.Int[0, 3], Gen.OneOfConst(22, 80, 1500, 50))
            .Select((d, p, a, b, port) => p is "tcp" or "udp" ? $"{d} {p} 10.{b}.2.{a},{port} 10.9.9.9,{port}" : $"{d} {p} 10.{b}.2.{a} 10.9.9.9".Replace("  ", " "));
        Gen.Select(ruleGen.Array[1, 30], pktGen.Array[1, 40]).Sample((rules, packets) =>
        {
            var parsed = IpfParser.Parse(string.Join("\n", rules));
            Assert.True(parsed.Success, string.Join(";", parsed.Errors));
            var compiled = new FilterEngine(parsed.Rules);
            var linear = new FilterEngine(parsed.Rules) { LinearScan = true };
            foreach (var p in packets)
            {
                var pk = Pkt(p);
                Assert.Equal(linear.Check(pk).Word, compiled.Check(pk).Word);
            }
        }, iter: 200);
    }

    [Fact]
    public void Nat_maps_outbound_and_translates_replies_back()
    {
        var nat = new NatEngine(IpnatParser.Parse("map e0 10.0.0.0/8 -> 192.0.2.1/32 portmap tcp/udp 20000:20010\n").Rules, null);
        var filter = new FilterEngine(Array.Empty<IpfRule>());
        var o = Pkt("out on e0 tcp 10.1.1.1,5555 8.8.8.8,443 S").Bytes;
        IpTest.Process(filter, nat, ref o, true, "e0");
        Assert.Equal("ip #0 40(20) 6 192.0.2.1,20000 > 8.8.8.8,443 S", PacketFormats.PrintPacket(o));
        Assert.Equal(0, Checksums.Sum(o.AsSpan(0, 20)));
        var i = Pkt("in on e0 tcp 8.8.8.8,443 192.0.2.1,20000 SA").Bytes;
        IpTest.Process(filter, nat, ref i, false, "e0");
        Assert.Equal("ip #0 40(20) 6 8.8.8.8,443 > 10.1.1.1,5555 SA", PacketFormats.PrintPacket(i));
        var recomputed = (byte[])i.Clone();
        Checksums.Fix(recomputed);
        Assert.Equal(recomputed, i);
        Assert.Single(nat.Sessions);
    }

    [Fact]
    public void Rdr_redirects_inbound_and_restores_replies()
    {
        var nat = new NatEngine(IpnatParser.Parse("rdr e0 203.0.113.5/32 port 80 -> 10.0.0.80 port 8080 tcp\n").Rules, null);
        var filter = new FilterEngine(Array.Empty<IpfRule>());
        var i = Pkt("in on e0 tcp 198.51.100.7,4000 203.0.113.5,80 S").Bytes;
        IpTest.Process(filter, nat, ref i, false, "e0");
        Assert.Equal("ip #0 40(20) 6 198.51.100.7,4000 > 10.0.0.80,8080 S", PacketFormats.PrintPacket(i));
        var o = Pkt("out on e0 tcp 10.0.0.80,8080 198.51.100.7,4000 SA").Bytes;
        IpTest.Process(filter, nat, ref o, true, "e0");
        Assert.Equal("ip #0 40(20) 6 203.0.113.5,80 > 198.51.100.7,4000 SA", PacketFormats.PrintPacket(o));
        var other = Pkt("in on e1 tcp 198.51.100.7,4000 203.0.113.5,80 S").Bytes;
        IpTest.Process(filter, nat, ref other, false, "e1");
        Assert.Equal("ip #0 40(20) 6 198.51.100.7,4000 > 203.0.113.5,80 S", PacketFormats.PrintPacket(other));
    }
}
