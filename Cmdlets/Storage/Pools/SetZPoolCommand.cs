using System.Collections;
using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Sets pool properties (zpool set).</summary>
[Cmdlet(VerbsCommon.Set, "ZPool", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPool))]
public sealed class SetZPoolCommand : ZPoolActionCmdlet
{
    [Parameter]
    [AllowEmptyString]
    public string? Comment { get; set; }

    [Parameter]
    public bool AutoExpand { get; set; }

    [Parameter]
    public bool AutoReplace { get; set; }

    [Parameter]
    public bool AutoTrim { get; set; }

    [Parameter]
    [ValidateSet("wait", "continue", "panic")]
    public string? FailMode { get; set; }

    /// <summary>Any pool properties by name.</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    protected override void ProcessRecord()
    {
        var props = Property.ToPropertyMap();
        var bound = MyInvocation.BoundParameters;
        if (bound.ContainsKey(nameof(Comment))) props["comment"] = Comment ?? "";
        if (bound.ContainsKey(nameof(AutoExpand))) props["autoexpand"] = AutoExpand ? "on" : "off";
        if (bound.ContainsKey(nameof(AutoReplace))) props["autoreplace"] = AutoReplace ? "on" : "off";
        if (bound.ContainsKey(nameof(AutoTrim))) props["autotrim"] = AutoTrim ? "on" : "off";
        if (FailMode is not null) props["failmode"] = FailMode;
        if (props.Count == 0)
            ThrowTerminatingError(ErrorMapper.Create("NoPropertyGiven", ErrorCategory.InvalidArgument, "Name at least one property to set.", null));
        ForEachSelectedPool( (s, storage, pool) =>
        {
            if (!ShouldProcess(pool, "Set " + string.Join(", ", props.Select(p => $"{p.Key}={p.Value}")))) return;
            storage.SetPoolProperties(pool, props, StopToken);
            if (PassThru) WritePool(s, storage, pool);
        });
    }
}
