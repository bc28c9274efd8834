using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Lists pools (zpool list), or with -ListAvailable the pools that can be imported (zpool import).</summary>
[Cmdlet(VerbsCommon.Get, "ZPool", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZPool), ParameterSetName = [NameSet])]
[OutputType(typeof(ZImportablePool), ParameterSetName = [AvailableSet])]
public sealed class GetZPoolCommand : ZPoolCmdlet
{
    private const string AvailableSet = "ListAvailable";

    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PoolName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ZPoolNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Only pools in these health states.</summary>
    [Parameter(ParameterSetName = NameSet)]
    public ZHealth[]? Health { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AvailableSet)]
    public SwitchParameter ListAvailable { get; set; }

    /// <summary>Directories to search for devices of importable pools.</summary>
    [Parameter(ParameterSetName = AvailableSet)]
    [ValidateNotNullOrEmpty]
    public string[]? SearchPath { get; set; }

    protected override void ProcessRecord()
    {
        if (!ListAvailable)
        {
            WriteListing(s => StorageOf(s).GetPools(StopToken), Name, p => p.Name, "ZPool",
                selected => Health is { Length: > 0 } ? selected.Where(p => Health.Contains(p.Health)) : selected);
            return;
        }
        var dirs = (SearchPath ?? []).Select(GetUnresolvedProviderPathFromPSPath).ToArray();
        foreach (var s in ResolveSessions())
        {
            var found = Try(() => StorageOf(s).FindImportablePools(dirs, StopToken), s.ComputerName);
            if (found is not null) WriteRecords(found, s);
        }
    }
}
