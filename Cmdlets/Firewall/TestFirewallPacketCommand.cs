using System.Management.Automation;
using System.Text;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Runs packets through a zone's rule stacks with ipftest semantics (global-zone-controlled rules first inbound, last
/// outbound; state and NAT tables are used and updated) and returns each verdict with the rule that decided.
/// Packets are given as fields, as FirewallPacket objects, or as ipftest text or hex lines (-Packet, -Path).
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FirewallPacket", DefaultParameterSetName = FieldsSet)]
[OutputType(typeof(FirewallPacketResult))]
public sealed class TestFirewallPacketCommand : FirewallCmdlet
{
    private const string FieldsSet = "Fields";
    private const string PacketSet = "Packet";
    private const string PathSet = "Path";
    private const string InputObjectSet = "InputObject";
    private readonly List<FirewallPacket> _packets = new();

    [Parameter(ParameterSetName = FieldsSet)]
    public FirewallDirection Direction { get; set; } = FirewallDirection.Inbound;

    /// <summary>The interface the packet arrives on or leaves by.</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string? InterfaceAlias { get; set; }

    /// <summary>TCP, UDP, ICMPv4, a protocol name or number; a bare IP packet when omitted.</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string? Protocol { get; set; }

    /// <summary>This host's address: the destination inbound, the source outbound.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string LocalAddress { get; set; } = "";

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateRange(0, 65535)]
    public int? LocalPort { get; set; }

    /// <summary>The peer's address: the source inbound, the destination outbound.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FieldsSet)]
    [ValidateNotNullOrEmpty]
    public string RemoteAddress { get; set; } = "";

    [Parameter(ParameterSetName = FieldsSet)]
    [ValidateRange(0, 65535)]
    public int? RemotePort { get; set; }

    /// <summary>TCP flag letters (S, SA, FA, R, ...), as ipftest reads them.</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ValidatePattern("^[FSRPAUEC]+$")]
    public string? TcpFlags { get; set; }

    /// <summary>ICMP type, or type,code (8 is echo; 3,3 is port unreachable).</summary>
    [Parameter(ParameterSetName = FieldsSet)]
    [ValidatePattern(@"^[a-z]+$|^\d+(,\d+)?$")]
    public string? IcmpType { get; set; }

    /// <summary>ipftest text lines ('in on e1000g0 tcp 10.1.1.1,1025 10.2.2.2,22 S'), or hex packets with -Hex.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PacketSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Packet { get; set; } = [];

    /// <summary>Files of ipftest input: one text packet per line, or with -Hex hex packets separated by blank lines.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The packets are in ipftest's hex form (ipftest -x): [in,if] or [out,if] then hex words.</summary>
    [Parameter(ParameterSetName = PacketSet)]
    [Parameter(ParameterSetName = PathSet)]
    public SwitchParameter Hex { get; set; }

    /// <summary>Packets as objects.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    public FirewallPacket[] InputObject { get; set; } = [];

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case FieldsSet:
                _packets.Add(FromFields());
                break;
            case InputObjectSet:
                _packets.AddRange(InputObject);
                break;
            case PacketSet:
                foreach (var p in Packet) _packets.AddRange(Split(p));
                break;
            case PathSet:
                foreach (var p in Path)
                {
                    var file = GetUnresolvedProviderPathFromPSPath(p);
                    if (File.Exists(file)) _packets.AddRange(Split(File.ReadAllText(file)));
                    else WriteError(ErrorMapper.Create("FirewallFileNotFound", ErrorCategory.ObjectNotFound, $"Cannot find the file '{p}'.", p));
                }
                break;
        }
    }

    /// <summary>All packets go through in one run, in order, so state created by one is seen by the next.</summary>
    protected override void EndProcessing()
    {
        if (_packets.Count == 0) return;
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            var results = Try(() => FirewallOf(s).TestPackets(scope, _packets, StopToken), scope.ToString());
            if (results is not null) WriteRecords(results, s);
        }
    }

    private FirewallPacket FromFields()
    {
        var proto = Protocol is null ? null : FirewallRuleText.Protocol(Protocol);
        bool outbound = Direction == FirewallDirection.Outbound;
        return new FirewallPacket
        {
            Direction = FirewallRuleText.Direction(Direction),
            Interface = InterfaceAlias,
            Protocol = proto,
            Source = outbound ? LocalAddress : RemoteAddress,
            SourcePort = outbound ? LocalPort : RemotePort,
            Destination = outbound ? RemoteAddress : LocalAddress,
            DestinationPort = outbound ? RemotePort : LocalPort,
            Flags = proto is "icmp" or "1" ? IcmpType : TcpFlags,
        };
    }

    /// <summary>Text input: one packet per non-empty line (comments dropped). Hex input: one packet per paragraph.</summary>
    private IEnumerable<FirewallPacket> Split(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (!Hex)
        {
            foreach (var line in lines)
            {
                var hash = line.IndexOf('#');
                var body = (hash >= 0 ? line[..hash] : line).Trim();
                if (body.Length > 0) yield return new FirewallPacket { Raw = body };
            }
            yield break;
        }
        var para = new StringBuilder();
        foreach (var line in lines.Append(""))
        {
            if (line.Trim().Length == 0)
            {
                if (para.Length > 0) yield return new FirewallPacket { Raw = para.ToString(), IsHex = true };
                para.Clear();
                continue;
            }
            var hash = line.IndexOf('#');
            var body = hash >= 0 ? line[..hash] : line;
            if (body.Trim().Length > 0) para.Append(body).Append('\n');
        }
    }
}
