using System.Management.Automation;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Releases user holds on snapshots (zfs release).</summary>
[Cmdlet(VerbsCommon.Unlock, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZSnapshotHold))]
public sealed class UnlockZSnapshotCommand : SnapshotHoldCmdletBase
{
    protected override string Action => "Release the hold with tag " + Tag;

    protected override void Apply(IStorage storage, string snapshot) => storage.Release(snapshot, Tag, Recurse, StopToken);
}
