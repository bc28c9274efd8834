using System.Runtime.CompilerServices;
using Illumos.Engine.Native.Commands;
using Illumos.Engine.Native.Parsers;
using Illumos.Engine.Native.Storage;
using Illumos.Engine.Network;
using Illumos.Engine.Services;
using Illumos.Engine.Sessions;
using Illumos.Engine.Zones;

namespace Illumos.Engine.Native;

/// <summary>
/// Read-only listings of a native host's zones, datalinks, services, SmartOS VMs and IP Filter rules,
/// one command each. The facility issues build their cmdlets on these; each method names its command.
/// </summary>
public sealed class NativeListings(NativeHost host) : ISystemListings
{
#pragma warning disable CA2255 // the facility registers itself when the engine loads, as every facility folder does
    [ModuleInitializer]
    internal static void Register() =>
        FacilityRegistry.Register<ISystemListings>(HostKind.Native, h => new NativeListings((NativeHost)h), "SystemListings");
#pragma warning restore CA2255

    private string Out(string[] argv, CancellationToken ct)
    {
        var r = host.Run(argv, ct);
        if (r.ExitCode != 0) throw NativeStorage.Failure(r);
        return r.StdOut;
    }

    /// <summary><c>zoneadm list -cp</c></summary>
    public IReadOnlyList<Zone> GetZones(CancellationToken ct) => ZoneadmParser.Parse(Out(SystemCommands.ZoneList(), ct));

    /// <summary><c>dladm show-link -p -o link,class,mtu,state,bridge,over [link]</c></summary>
    public IReadOnlyList<Datalink> GetDatalinks(string? link, CancellationToken ct) => DladmParser.ParseLinks(Out(SystemCommands.ShowLink(link), ct));

    /// <summary><c>dladm show-phys -p -o link,media,state,speed,duplex,device</c></summary>
    public IReadOnlyList<PhysicalLink> GetPhysicalLinks(CancellationToken ct) => DladmParser.ParsePhys(Out(SystemCommands.ShowPhys(), ct));

    /// <summary><c>dladm show-vnic -p -o link,over,speed,macaddress,macaddrtype,vid,zone [link]</c></summary>
    public IReadOnlyList<Vnic> GetVnics(string? link, CancellationToken ct) => DladmParser.ParseVnics(Out(SystemCommands.ShowVnic(link), ct));

    /// <summary><c>svcs -H [-a] [-Z] -o state,nstate,stime,ctid[,zone],fmri [pattern...]</c></summary>
    public IReadOnlyList<SmfService> GetServices(IReadOnlyList<string>? patterns, bool allZones, CancellationToken ct)
    {
        var argv = SystemCommands.Svcs(patterns, allZones, out var fields);
        return SvcsParser.Parse(Out(argv, ct), fields);
    }

    /// <summary><c>vmadm list -p -o uuid,type,ram,state,alias</c> (SmartOS)</summary>
    public IReadOnlyList<SmartOsVm> GetVms(CancellationToken ct) => VmadmParser.ParseList(Out(SystemCommands.VmList(), ct));

    /// <summary><c>vmadm get uuid</c> (SmartOS)</summary>
    public SmartOsVm GetVm(string uuid, CancellationToken ct) => VmadmParser.ParseJson(Out(SystemCommands.VmGet(uuid), ct)).Single();

    /// <summary><c>ipfstat -hion [-G zone]</c>: the active rules as text lines; "empty list" on stderr is no error.</summary>
    public IReadOnlyList<IpfRuleLine> GetFirewallRuleLines(string? zone, CancellationToken ct)
    {
        var r = host.Run(SystemCommands.IpfRules(zone), ct);
        if (r.ExitCode != 0 && !(r.StdOut.Length == 0 && IpfstatParser.IsEmptyListNotice(r.StdErr))) throw NativeStorage.Failure(r);
        return IpfstatParser.Parse(r.StdOut, r.StdErr);
    }
}
