using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>The commands (and with -Internal the internal events) that changed a pool (zpool history -il).</summary>
[Cmdlet(VerbsCommon.Get, "ZPoolHistory", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZPoolHistoryEntry))]
public sealed class GetZPoolHistoryCommand : ZPoolQueryCmdlet
{
    /// <summary>Include internal events (txg syncs, property changes by the engine, scrub events).</summary>
    [Parameter]
    public SwitchParameter Internal { get; set; }

    protected override void ProcessRecord() =>
        ForEachSelectedPool(
            (s, storage, pool) => WriteRecords(storage.GetHistory(pool, Internal, StopToken), s));
}
