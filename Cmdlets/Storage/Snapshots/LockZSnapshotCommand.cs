using System.Management.Automation;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Places a user hold on snapshots (zfs hold), so that they cannot be destroyed until released.</summary>
[Cmdlet(VerbsCommon.Lock, "ZSnapshot", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZSnapshotHold))]
public sealed class LockZSnapshotCommand : SnapshotHoldCmdletBase
{
    protected override string Action => "Hold with tag " + Tag;

    protected override void Apply(IStorage storage, string snapshot) => storage.Hold(snapshot, Tag, Recurse, StopToken);
}
