using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// The health of pools as zpool status shows it: the vdev tree with states and error counters, the
/// scrub or resilver in progress, and data errors. With -Verbose the permanent errors are listed
/// with the files they belong to (zpool status -v).
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZPoolStatus", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZPoolStatus))]
public sealed class GetZPoolStatusCommand : ZPoolQueryCmdlet
{
    protected override void ProcessRecord()
    {
        bool verbose = MyInvocation.BoundParameters.TryGetValue("Verbose", out var v) && v is SwitchParameter { IsPresent: true };
        ForEachSelectedPool( (s, storage, pool) =>
        {
            var status = storage.GetStatus(pool, verbose, StopToken);
            foreach (var e in status.Errors) WriteVerbose($"{pool}: permanent error in {e.Location}");
            WriteObject(Stamp(status, s));
        });
    }
}
