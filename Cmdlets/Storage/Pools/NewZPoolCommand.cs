using System.Collections;
using System.Management.Automation;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Creates a pool (zpool create). The vdev list is zpool's own grammar, given as the remaining
/// arguments (<c>New-ZPool tank mirror ./d1.img ./d2.img log ./l.img</c>) or as -Vdev.
/// </summary>
[Cmdlet(VerbsCommon.New, "ZPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPool))]
public sealed class NewZPoolCommand : ZPoolCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromRemainingArguments = true)]
    [ValidateNotNullOrEmpty]
    public string[] Vdev { get; set; } = [];

    /// <summary>Pool properties (zpool create -o).</summary>
    [Parameter]
    public Hashtable? Property { get; set; }

    /// <summary>Properties of the pool's root filesystem (zpool create -O).</summary>
    [Parameter]
    public Hashtable? FileSystemProperty { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MountPoint { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? AltRoot { get; set; }

    /// <summary>Embedded host only: create missing file devices of this size.</summary>
    [Parameter]
    [SizeTransformation]
    public ulong DeviceSize { get; set; }

    /// <summary>Use devices that seem in use by an exported pool, or mixed replication levels (zpool create -f).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var s in ResolveSessions())
        {
            Try(() =>
            {
                var storage = StorageOf(s);
                var request = new PoolCreateRequest
                {
                    Name = Name,
                    Vdevs = VdevSpec.Parse(ResolveDeviceWords(s, Vdev)),
                    PoolProperties = Property.ToPropertyMap(),
                    FileSystemProperties = FileSystemProperty.ToPropertyMap(),
                    MountPoint = MountPoint,
                    AltRoot = AltRoot,
                    Force = Force,
                    CreateFileDevicesOfSize = DeviceSize == 0 ? null : DeviceSize,
                };
                if (!ShouldProcess(Describe(s, storage, request), "Create pool")) return;
                WriteObject(Stamp(storage.CreatePool(request, this, StopToken), s));
            }, Name);
        }
    }

    /// <summary>The WhatIf text: the checked vdev tree the host would build (zpool create -n).</summary>
    private string Describe(IllumosSession s, IStorage storage, PoolCreateRequest request)
    {
        if (!MyInvocation.BoundParameters.ContainsKey("WhatIf")) return $"{Name} on {s.ComputerName}";
        var tree = storage.PlanPool(request, StopToken);
        var lines = tree.Flatten().Select(v => new string(' ', 2 + v.Depth * 2) + (v.Class != ZVdevClass.Normal && v.Depth == 1 ? v.Class.ToString().ToLowerInvariant() + " " : "") + v.Name);
        return $"{Name} on {s.ComputerName}:{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}
