using System.Text;

namespace Illumos.Engine.Firewall;

/// <summary>The text of <c>ipftest -D</c>: NAT rules and sessions, host map, state sessions, pools and groups.</summary>
public static class IpfTestDump
{
    public static string Dump(FilterEngine engine)
    {
        var sb = new StringBuilder();
        sb.Append("List of active MAP/Redirect filters:\n\n");
        sb.Append("List of active sessions:\n\n");
        sb.Append("Hostmap table:\n");
        sb.Append("List of active state sessions:\n");
        foreach (var s in engine.States.Entries)
            sb.Append(FirewallSessionText.Describe(s)).Append('\n');
        sb.Append("List of configured pools\n");
        sb.Append("List of configured hash tables\n");
        sb.Append("List of groups configured (set 0)\n");
        sb.Append("List of groups configured (set 1)\n");
        return sb.ToString();
    }
}

/// <summary>One-line descriptions of state entries.</summary>
public static class FirewallSessionText
{
    public static string Describe(StateEntry s) =>
        $"{Languages.Ipf.IpfNames.FormatIPv4(s.Src)}{(s.Proto is 6 or 17 ? "," + s.Sport : "")} -> {Languages.Ipf.IpfNames.FormatIPv4(s.Dst)}{(s.Proto is 6 or 17 ? "," + s.Dport : "")} pr {s.Proto} pkts {s.Packets} bytes {s.Bytes}";
}
