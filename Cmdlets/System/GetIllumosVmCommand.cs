using System.Management.Automation;
using Illumos.Engine.Native;
using Illumos.Engine.Zones;

namespace Illumos.Cmdlets.SystemListings;

/// <summary>
/// Lists SmartOS VMs (vmadm list -p -o uuid,type,ram,state,alias). Named Get-IllumosVm, not Get-Vm,
/// because Get-VM belongs to Hyper-V and VMware PowerCLI.
/// </summary>
[Cmdlet(VerbsCommon.Get, "IllumosVm")]
[OutputType(typeof(SmartOsVm))]
public sealed class GetIllumosVmCommand : IllumosCmdlet
{
    /// <summary>VM aliases or UUIDs; wildcards allowed.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Alias", "Uuid")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            var vms = Try(() => s.Facility<ISystemListings>().GetVms(StopToken), s.ComputerName);
            if (vms is null) continue;
            if (Name is not { Length: > 0 }) { WriteRecords(vms, s); continue; }
            // A name that is a uuid matches the uuid; any other matches the alias (the uuid when there is none).
            var byUuid = Name.Where(n => Guid.TryParse(n, out _)).ToArray();
            var byAlias = Name.Where(n => !Guid.TryParse(n, out _)).ToArray();
            var hits = new HashSet<SmartOsVm>(ReferenceEqualityComparer.Instance);
            if (byUuid.Length > 0) hits.UnionWith(SelectByName(vms, byUuid, v => v.Uuid, "IllumosVm", s));
            if (byAlias.Length > 0) hits.UnionWith(SelectByName(vms, byAlias, v => v.Alias ?? v.Uuid, "IllumosVm", s));
            WriteRecords(vms.Where(hits.Contains), s);
        }
    }
}
