using CsCheck;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;
using Xunit;

namespace Illumos.Engine.Tests.Firewall;

/// <summary>Bad input is reported, never thrown: random rule text, random packet bytes and random packet text.</summary>
public class RobustnessTests
{
    private static readonly string[] Words =
    [
        "pass", "block", "in", "out", "quick", "on", "e0", "proto", "tcp", "udp", "from", "to", "any", "!", "port", "=", "<>", "><",
        "1.2.3.4/24", "(", ")", ",", "keep", "state", "frags", "flags", "S/SA", "with", "not", "opt", "lsrr", "head", "group", "1",
        "icmp-type", "echo", "code", "3", "log", "body", "level", "auth.info", "set-tag", "log=1", "nat=x", "@2", "$v", "v=1;", "\\",
        "map", "rdr", "->", "portmap", "auto", "10.0.0.0/8", "0/32", "1000:2000", "pool/1", "pool=(", "\"", "#", "\n",
    ];

    [Fact]
    public void Random_rule_text_never_throws()
    {
        Gen.OneOfConst(Words).Array[0, 25].Select(w => string.Join(' ', w)).Sample(text =>
        {
            var r = IpfParser.Parse(text);
            Assert.True(r.Success || r.Errors.All(e => e.Line >= 1 && e.Column >= 1));
            if (r.Success)
                foreach (var rule in r.Rules)
                {
                    var printed = IpfPrinter.Print(rule);
                    var again = IpfParser.Parse(printed.Replace("(!)", ""));
                    Assert.True(again.Success, $"'{text}' printed as '{printed}' does not parse: {string.Join("; ", again.Errors)}");
                    Assert.Equal(printed, IpfPrinter.Print(again.Rules[0]));
                }
            var n = IpnatParser.Parse(text);
            if (n.Success) foreach (var rule in n.Rules) Assert.True(IpnatParser.Parse(IpnatPrinter.Print(rule)).Success, IpnatPrinter.Print(rule));
        }, iter: 3000);
    }

    [Fact]
    public void Generated_rules_print_to_text_that_parses_back_to_the_same_rule()
    {
        var gen = Gen.Select(
            Gen.OneOfConst("pass", "block", "block return-rst", "block return-icmp(host-unr)", "count", "log", "skip 1", "auth"),
            Gen.OneOfConst("in", "out"),
            Gen.OneOfConst("", "log ", "log body first ", "log level local0.info "),
            Gen.OneOfConst("", "quick "),
            Gen.OneOfConst("", "on e0 ", "on e0,e1 ", "to e1:10.0.0.1 ", "dup-to e2 fastroute "),
            Gen.OneOfConst("", "tos 0x10 ", "ttl 5 "),
            Gen.OneOfConst("all", "proto tcp from 1.2.3.4/16 port > 1023 to !any port = 22 flags S/SA",
                "proto udp from any to 10.0.0.0/8 port 53:54", "proto icmp from any to any icmp-type unreach code 3",
                "from any to any with short,not frag", "from pool/3 to hash/4", "from any to any with opt lsrr,ssrr not opt ts"))
            .Select((a, d, l, q, on, t, body) => (Head: $"{a} {d} {l}{q}{on}{t}{body}", Action: a, Body: body));
        var tail = Gen.OneOfConst("", " keep state", " keep state (limit 9,strict)", " keep frags", " head 5", " group 5", " set-tag(log=3)");
        Gen.Select(gen, tail).Sample((g, t) =>
        {
            var text = g.Head + (g.Body.StartsWith("proto tcp", StringComparison.Ordinal) || !t.Contains("keep") ? t : "");
            var r = IpfParser.Parse(text);
            Assert.True(r.Success, $"'{text}': {string.Join("; ", r.Errors)}");
            var printed = IpfPrinter.Print(r.Rules[0]);
            var again = IpfParser.Parse(printed.Replace("(!)", ""));
            Assert.True(again.Success, $"'{text}' printed as '{printed}' does not parse: {string.Join("; ", again.Errors)}");
            Assert.Equal(printed, IpfPrinter.Print(again.Rules[0]));
        }, iter: 2000);
    }

    [Fact]
    public void Random_packet_bytes_are_decoded_or_refused()
    {
        var engine = new FilterEngine(IpfParser.Parse("pass in proto tcp from any to any port = 22 flags S keep state\nblock in all with short\npass out proto icmp all keep state\n").Rules);
        var nat = new NatEngine(IpnatParser.Parse("map e0 0/0 -> 192.0.2.1/32 portmap tcp/udp 1000:2000\nrdr e0 0/0 port 80 -> 10.0.0.1 port 8080\n").Rules, null);
        Gen.Select(Gen.Byte.Array[0, 80], Gen.Bool).Sample((bytes, outbound) =>
        {
            if (bytes.Length > 0) bytes[0] = (byte)(0x40 | (bytes[0] & 0x0f));
            var copy = (byte[])bytes.Clone();
            var r = IpTest.Process(engine, nat, ref copy, outbound, "e0");
            Assert.NotNull(r.Word);
            PacketFormats.PrintPacket(copy);
            PacketFormats.HexPacket(copy);
        }, iter: 5000);
    }

    [Fact]
    public void Random_packet_text_is_reported_not_thrown()
    {
        var tokens = new[] { "in", "out", "on", "e0", "tcp", "udp", "icmp", "1.1.1.1", "1.1.1.1,80", "2.2.2.2,x", "S", "SA", "echo", "unreach,3", "opt", "lsrr,ts", "[out,e0]", "45", "00", "4500", "\n", "#" };
        Gen.OneOfConst(tokens).Array[0, 30].Select(t => string.Join(' ', t)).Sample(text =>
        {
            var errors = new List<string>();
            PacketFormats.ReadText(text, errors);
            PacketFormats.ReadHex(text + "\n\n", errors);
        }, iter: 3000);
    }
}
