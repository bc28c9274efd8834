using Illumos.Engine.Languages.Ipf;
using Xunit;

namespace Illumos.Engine.Tests.Firewall;

public class IpfParserTests
{
    [Fact]
    public void Every_error_is_reported_with_line_and_column_and_nothing_loads()
    {
        var text = "pass in all\nblock sideways all\npass in from 1.2.3.4/40 to any\npass in proto tcp all flags S keep state\n";
        var r = IpfParser.Parse(text);
        Assert.False(r.Success);
        Assert.Empty(r.Rules);
        Assert.Equal(2, r.Errors.Count);
        Assert.Equal((2, 7), (r.Errors[0].Line, r.Errors[0].Column));
        Assert.Contains("'in' or 'out'", r.Errors[0].Message);
        Assert.Equal((3, 14), (r.Errors[1].Line, r.Errors[1].Column));
        Assert.Contains("netmask", r.Errors[1].Message);
    }

    [Theory]
    [InlineData("pass in proto udp all flags S", "flags are only valid for tcp rules")]
    [InlineData("pass in from any to any port = nosuchservice", "unknown port")]
    [InlineData("block return-icmp(bogus) in all", "unknown icmp code")]
    [InlineData("pass in all keep", "expected 'state' or 'frags'")]
    [InlineData("pass in on", "unexpected end of rule")]
    [InlineData("pass in all with", "expected a packet property")]
    public void Bad_rules_are_refused_with_a_reason(string text, string reason)
    {
        var r = IpfParser.Parse(text);
        Assert.False(r.Success);
        Assert.Contains(reason, r.Errors[0].Message);
        Assert.Equal(1, r.Errors[0].Line);
    }

    [Theory]
    [InlineData("pass in all")]
    [InlineData("block return-icmp(port-unr) in log body quick on e0(!),e1(!) proto udp from !10.0.0.0/8 port > 1024 to any port 6000 <> 6009 keep state (limit 5,strict) group 100")]
    [InlineData("pass in proto tcp from any to 1.2.3.0/24 port = 22 flags S/SA keep state keep frags (strict) head 7")]
    [InlineData("pass out quick dup-to hme0(!):1.1.1.1 to qe0(!) from any to any with not frag,oow")]
    [InlineData("skip 2 in proto icmp from any to any icmp-type unreach code 3")]
    [InlineData("pass in from 0.0.0.5/0.0.0.255 to pool/7(!) with opt lsrr not opt ssrr")]
    [InlineData("100 count out tos 0x10 ttl 3 from any to any set-tag(log=5, nat=abc)")]
    public void Printing_is_a_fixed_point(string canonical)
    {
        var once = IpfPrinter.Print(IpfParser.ParseRule(canonical.Replace("(!)", "")));
        Assert.Equal(canonical, once);
        Assert.Equal(once, IpfPrinter.Print(IpfParser.ParseRule(once.Replace("(!)", ""))));
    }

    [Fact]
    public void Lists_expand_source_fastest_then_ports_then_destination()
    {
        var r = IpfParser.Parse("pass in proto tcp from (1.1.1.1,2.2.2.2) to (3.3.3.3,4.4.4.4) port = (80,443)");
        Assert.True(r.Success);
        Assert.Equal(
        [
            "pass in proto tcp from 1.1.1.1/32 to 3.3.3.3/32 port = 80",
            "pass in proto tcp from 2.2.2.2/32 to 3.3.3.3/32 port = 80",
            "pass in proto tcp from 1.1.1.1/32 to 4.4.4.4/32 port = 80",
            "pass in proto tcp from 2.2.2.2/32 to 4.4.4.4/32 port = 80",
            "pass in proto tcp from 1.1.1.1/32 to 3.3.3.3/32 port = 443",
            "pass in proto tcp from 2.2.2.2/32 to 3.3.3.3/32 port = 443",
            "pass in proto tcp from 1.1.1.1/32 to 4.4.4.4/32 port = 443",
            "pass in proto tcp from 2.2.2.2/32 to 4.4.4.4/32 port = 443",
        ], r.Rules.Select(IpfPrinter.Print));
    }

    [Fact]
    public void Variables_comments_and_continuations()
    {
        var r = IpfParser.Parse("net = \"10.1.0.0/16\";\n# a comment\npass in from $net \\\n  to any port = ${web} # trailing\nweb=80;\n");
        // ${web} is used before it is defined: that is an error on line 3.
        Assert.False(r.Success);
        Assert.Equal(3, r.Errors[0].Line);
        r = IpfParser.Parse("web=80;\nnet = \"10.1.0.0/16\";\n# a comment\npass in proto tcp from $net \\\n  to any port = ${web} # trailing\n");
        Assert.True(r.Success, string.Join(";", r.Errors));
        Assert.Equal("pass in proto tcp from 10.1.0.0/16 to any port = 80", IpfPrinter.Print(Assert.Single(r.Rules)));
        Assert.Equal(4, r.Rules[0].Line);
    }

    [Fact]
    public void Group_members_inherit_the_head_protocol()
    {
        var r = IpfParser.Parse("block in proto tcp all head 5\npass in from any to any port = 22 group 5\n");
        Assert.True(r.Success);
        Assert.Equal(6, r.Rules[1].Protocol);
        Assert.Equal("pass in proto tcp from any to any port = 22 group 5", IpfPrinter.Print(r.Rules[1]));
    }

    [Fact]
    public void Nat_rules_print_canonically_and_report_errors()
    {
        var r = IpnatParser.Parse("map le0 10.0.0.5/8 -> 1.2.3.4/24 portmap tcpudp 1000:2000\nrdr le0 9.8.7.6/32 port 80 -> 1.1.1.1 port 8080\nmap le0 10.0.0.0/8 => 1.1.1.1/32\n");
        Assert.False(r.Success);
        Assert.Equal(3, Assert.Single(r.Errors).Line);
        r = IpnatParser.Parse("map le0 10.0.0.5/8 -> 1.2.3.4/24 portmap tcpudp 1000:2000\nrdr le0 9.8.7.6/32 port 80 -> 1.1.1.1 port 8080\n");
        Assert.Equal(["map le0 10.0.0.0/8 -> 1.2.3.0/24 portmap tcp/udp 1000:2000", "rdr le0 9.8.7.6/32 port 80 -> 1.1.1.1 port 8080 tcp"],
            r.Rules.Select(IpnatPrinter.Print));
    }
}
