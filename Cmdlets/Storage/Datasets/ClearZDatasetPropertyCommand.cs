using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage;

/// <summary>Removes local property values so that they are inherited again (zfs inherit), or drops temporary (mount option) values.</summary>
[Cmdlet(VerbsCommon.Clear, "ZDatasetProperty", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZDataset))]
public sealed class ClearZDatasetPropertyCommand : DatasetChangeCmdletBase
{
    private const string NameSet = "Name";
    private const string InputObjectSet = "InputObject";

    /// <summary>Datasets to change; wildcards select among all datasets.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ZDatasetNameCompleter))]
    public string[] Name { get; set; } = [];

    /// <summary>Datasets from Get-ZDataset.</summary>
    [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public ZDataset[] InputObject { get; set; } = [];

    /// <summary>The properties whose local values to remove.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePropertyNameCompleter))]
    public string[] Property { get; set; } = [];

    /// <summary>Also clears the properties on all descendants (zfs inherit -r).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Reverts to the received value, if any, instead of inheriting (zfs inherit -S).</summary>
    [Parameter]
    public SwitchParameter Received { get; set; }

    /// <summary>Drops temporary (mount option) values instead, so that the stored values apply again; local values stay.</summary>
    [Parameter]
    public SwitchParameter Temporary { get; set; }

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (Temporary && Received)
            ThrowTerminatingError(ErrorMapper.Create("TemporaryWithReceived", ErrorCategory.InvalidArgument,
                "-Temporary drops temporary values and -Received reverts local ones to received ones; use one or the other.", null));
    }

    protected override void ProcessRecord()
    {
        ForEachDataset(InputObject, Name, ZDatasetType.FileSystem | ZDatasetType.Volume,
            (session, storage, name) => Clear(storage, session, name));
    }

    private void Clear(IStorage storage, Engine.Sessions.IllumosSession session, string name)
    {
        bool changed = false;
        foreach (var p in Property)
        {
            var action = (Temporary ? "Drop the temporary value of " : Received ? "Revert to the received value of " : "Inherit ") + p + (Recurse ? " (and on all descendants)" : "");
            if (!ShouldProcess(Describe(name, session), action)) continue;
            changed |= Temporary
                ? Try(() => storage.ClearTemporaryProperty(name, p, Recurse, StopToken), name)
                : Try(() => storage.InheritProperty(name, p, Recurse, Received, StopToken), name);
        }
        if (PassThru && changed && Reload(storage, session, name) is { } d) WriteObject(d);
    }
}
