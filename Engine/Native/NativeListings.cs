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

    /// <summary><c>dladm show-phys -m -p -o link,slot,address,inuse,client</c></summary>
    public IReadOnlyList<PhysicalLinkMac> GetPhysicalLinkMacs(CancellationToken ct) => DladmParser.ParsePhysMacs(Out(SystemCommands.ShowPhysMacs(), ct));

    /// <summary><c>dladm show-iptun -p -o link,type,flags,source,destination</c></summary>
    public IReadOnlyList<IpTunnel> GetIpTunnels(CancellationToken ct) => DladmParser.ParseIptun(Out(SystemCommands.ShowIptun(), ct));

    /// <summary><c>dladm show-vnic -p -o link,over,speed,macaddress,macaddrtype,vid,zone [link]</c></summary>
    public IReadOnlyList<Vnic> GetVnics(string? link, CancellationToken ct) => DladmParser.ParseVnics(Out(SystemCommands.ShowVnic(link), ct));

    /// <summary><c>svcs -H [-a] [-Z] -o state,nstate,stime,ctid[,zone],fmri [pattern...]</c></summary>
    public IReadOnlyList<SmfService> GetServices(IReadOnlyList<string>? patterns, bool allZones, CancellationToken ct)
    {
        var argv = SystemCommands.Svcs(patterns, allZones, out var fields);
        return SvcsParser.Parse(Out(argv, ct), fields);
    }

    /// <summary>
    /// <c>svcs -l fmri</c>, then (not for legacy rc services, which have neither) <c>svcs -p fmri</c> and
    /// <c>svcprop fmri</c>, each with <c>-z zone</c> for a service of another zone. The listing's own columns
    /// (STIME, zone) are kept; svcprop's general/enabled and general_ovr/enabled settle the enabled state.
    /// </summary>
    public SmfService GetServiceDetail(SmfService service, CancellationToken ct)
    {
        var zone = service.Zone;
        var longForm = SvcsLongParser.Parse(Out(SystemCommands.SvcsLong(service.Fmri, zone), ct));
        var l = longForm.FirstOrDefault(x => x.Fmri == service.Fmri)
            ?? throw ParseText.Error("svcs -l", $"the output does not describe {service.Fmri}", service.Fmri);
        var detail = service with
        {
            Description = l.Description ?? service.Description,
            State = l.State,
            NextState = l.NextState,
            Transitioning = service.Transitioning || l.Transitioning,
            ContractId = l.ContractId,
            StateTime = l.StateTime,
            Enabled = l.Enabled,
            EnabledTemporary = l.EnabledTemporary,
            Logfile = l.Logfile,
            AltLogfile = l.AltLogfile,
            Restarter = l.Restarter,
            Manifests = l.Manifests,
            Dependencies = l.Dependencies,
        };
        if (service.IsLegacy) return detail;
        var withProcesses = SvcsHumanParser.Parse(Out(SystemCommands.SvcsProcesses(service.Fmri, zone), ct)).FirstOrDefault(x => x.Fmri == service.Fmri)
            ?? throw ParseText.Error("svcs -p", $"the output does not list {service.Fmri}", service.Fmri);
        var props = SvcpropParser.Parse(Out(SystemCommands.Svcprop(service.Fmri, zone), ct));
        bool? Bool(string pg) => props.FirstOrDefault(p => p.PropertyGroup == pg && p.Name == "enabled" && p.Type == "boolean")?.Value switch
        {
            "true" => true,
            "false" => false,
            _ => null,
        };
        var persistent = Bool("general") ?? detail.Enabled;
        var overridden = Bool("general_ovr");
        return detail with
        {
            Processes = withProcesses.Processes,
            Properties = props,
            Enabled = persistent,
            EnabledTemporary = overridden is not null && overridden != persistent ? overridden : detail.EnabledTemporary,
        };
    }

    /// <summary><c>svcs -x [fmri...]</c>, or <c>svcs -xv</c> with <paramref name="verbose"/> (dependency path, impacted dependents).</summary>
    public IReadOnlyList<SmfServiceExplanation> ExplainServices(IReadOnlyList<string>? patterns, bool verbose, CancellationToken ct) =>
        SvcsExplainParser.Parse(Out(SystemCommands.SvcsExplain(patterns, verbose), ct));

    /// <summary><c>zonecfg -z zone info</c></summary>
    public ZoneConfiguration GetZoneConfiguration(string zone, CancellationToken ct) => ZonecfgInfoParser.Parse(Out(SystemCommands.ZonecfgInfo(zone), ct));

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
