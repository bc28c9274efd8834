using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;
using Xunit;

namespace Illumos.Engine.Tests.Firewall;

/// <summary>NetSecurity/NetNat vocabulary to ipf text; the ipf parser must accept everything produced.</summary>
public class FirewallRuleTextTests
{
    [Fact]
    public void Inbound_allow_puts_the_remote_side_in_from_and_the_local_port_in_to()
    {
        var text = FirewallRuleText.Rule(new FirewallRuleText.RuleFields
        {
            Protocol = "TCP", LocalPort = ["22"], RemoteAddress = ["10.0.0.0/8"], KeepState = true, Quick = true,
        });
        Assert.Equal("pass in quick proto tcp from 10.0.0.0/8 to any port = 22 keep state", text);
        IpfParser.ParseRule(text);
    }

    [Fact]
    public void Outbound_block_with_return_reset_ranges_and_interfaces()
    {
        var text = FirewallRuleText.Rule(new FirewallRuleText.RuleFields
        {
            Action = FirewallAction.Block, Direction = FirewallDirection.Outbound, ReturnReset = true, Protocol = "TCP",
            LocalPort = ["1000-2000"], RemoteAddress = ["192.0.2.1"], Interfaces = ["e1000g0"],
        });
        Assert.Equal("block return-rst out on e1000g0 proto tcp from any port 1000:2000 to 192.0.2.1", text);
        IpfParser.ParseRule(text);
    }

    [Theory]
    [InlineData("FirewallPortNeedsProtocol")]
    public void A_port_without_tcp_or_udp_is_refused(string errorId)
    {
        var e = Assert.Throws<IllumosException>(() => FirewallRuleText.Rule(new FirewallRuleText.RuleFields { LocalPort = ["80"] }));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Return_codes_need_block()
    {
        Assert.Equal("FirewallReturnNeedsBlock",
            Assert.Throws<IllumosException>(() => FirewallRuleText.Rule(new FirewallRuleText.RuleFields { ReturnReset = true })).ErrorId);
    }

    [Fact]
    public void Modify_changes_only_the_named_fields()
    {
        var changed = FirewallRuleText.Modify("pass in quick proto tcp from any to any port = 22 flags S/SA keep state",
            new FirewallRuleText.RuleChanges { Action = FirewallAction.Block });
        Assert.StartsWith("block in quick proto tcp", changed);
        Assert.Contains("flags S/SA", changed);
        Assert.Contains("keep state", changed);
    }

    [Fact]
    public void Rdr_sends_the_external_port_to_the_internal_address()
    {
        var text = FirewallRuleText.Nat(new FirewallRuleText.NatFields
        {
            Type = NatType.Rdr, Interface = "net0", Protocol = "TCP", ExternalIPAddress = "203.0.113.5", ExternalPort = "80",
            InternalIPAddress = "10.0.0.5", InternalPort = "8080",
        });
        Assert.Contains("rdr net0 203.0.113.5", text);
        Assert.Contains("-> 10.0.0.5 port 8080", text);
        Assert.Contains("tcp", text);
    }
}
