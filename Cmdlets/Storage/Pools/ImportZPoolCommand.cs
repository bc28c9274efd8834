using System.Collections;
using System.Management.Automation;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Imports a pool by name or guid (zpool import), searching the given directories for its devices.</summary>
[Cmdlet(VerbsData.Import, "ZPool", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPool))]
public sealed class ImportZPoolCommand : IllumosChangeCmdlet
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>The pool's name or its numeric guid.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>An importable pool from Get-ZPool -ListAvailable.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    public ZImportablePool[] InputObject { get; set; } = [];

    /// <summary>Import under this name instead.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? NewName { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? SearchPath { get; set; }

    /// <summary>Import a pool that seems in use by another host (zpool import -f).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public Hashtable? Property { get; set; }

    protected override void ProcessRecord()
    {
        var dirs = (SearchPath ?? []).Select(GetUnresolvedProviderPathFromPSPath).ToArray();
        var targets = ParameterSetName == NameSet
            ? ResolveSessions().Select(s => (Session: s, Id: Name))
            : InputObject.SelectMany(p => SessionsFor(p).Select(s => (Session: s, Id: p.Guid.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        foreach (var (s, id) in targets.ToList())
        {
            if (!ShouldProcess($"{id} on {s.ComputerName}", NewName is null ? "Import pool" : $"Import pool as {NewName}")) continue;
            var pool = Try(() => s.Facility<IStorage>().ImportPool(id, NewName, dirs, Force, Property.ToPropertyMap(), StopToken), id);
            if (pool is not null && PassThru) WriteObject(Stamp(pool, s));
        }
    }
}
