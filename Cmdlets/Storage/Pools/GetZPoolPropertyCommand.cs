using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Pool properties with their sources (zpool get).</summary>
[Cmdlet(VerbsCommon.Get, "ZPoolProperty", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZProperty))]
public sealed class GetZPoolPropertyCommand : ZPoolQueryCmdlet
{
    /// <summary>Property names to return; all when omitted.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string[]? Property { get; set; }

    protected override void ProcessRecord() =>
        ForEachSelectedPool(
            (s, storage, pool) => WriteRecords(storage.GetPoolProperties(pool, Property, StopToken), s));
}
