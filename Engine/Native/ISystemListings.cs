using Illumos.Engine.Network;
using Illumos.Engine.Services;
using Illumos.Engine.Zones;

namespace Illumos.Engine.Native;

/// <summary>
/// The read-only system listings (zones, datalinks, VNICs, SMF services, SmartOS VMs) a host offers.
/// One interface for now; it splits per facility when the change operations arrive. Only the native
/// host registers it: on an embedded session asking for it gives FacilityNotAvailable.
/// </summary>
public interface ISystemListings
{
    IReadOnlyList<Zone> GetZones(CancellationToken ct);
    IReadOnlyList<Datalink> GetDatalinks(string? link, CancellationToken ct);
    IReadOnlyList<PhysicalLink> GetPhysicalLinks(CancellationToken ct);
    /// <summary>The IP tunnel links with their type and endpoints.</summary>
    IReadOnlyList<IpTunnel> GetIpTunnels(CancellationToken ct);
    /// <summary>The MAC address slots (primary and factory) of every physical link.</summary>
    IReadOnlyList<PhysicalLinkMac> GetPhysicalLinkMacs(CancellationToken ct);
    IReadOnlyList<Vnic> GetVnics(string? link, CancellationToken ct);
    IReadOnlyList<SmfService> GetServices(IReadOnlyList<string>? patterns, bool allZones, CancellationToken ct);
    /// <summary>The instance with its svcs -l details, its processes and its properties filled in.</summary>
    SmfService GetServiceDetail(SmfService service, CancellationToken ct);
    /// <summary>svcs -x explanations: of the given FMRIs or patterns, or of every service with a problem.</summary>
    IReadOnlyList<SmfServiceExplanation> ExplainServices(IReadOnlyList<string>? patterns, bool verbose, CancellationToken ct);
    ZoneConfiguration GetZoneConfiguration(string zone, CancellationToken ct);
    IReadOnlyList<SmartOsVm> GetVms(CancellationToken ct);
    SmartOsVm GetVm(string uuid, CancellationToken ct);
}
