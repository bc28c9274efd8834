using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// Adds vdevs to a pool (zpool add), or with -AttachTo attaches a device to an existing device,
/// making or widening a mirror (zpool attach).
/// </summary>
[Cmdlet(VerbsCommon.Add, "ZPoolDevice", DefaultParameterSetName = NameSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(ZPool))]
public sealed class AddZPoolDeviceCommand : ZPoolDeviceCmdlet
{
    /// <summary>The vdevs to add in zpool's grammar (mirror d1 d2, log l1, cache c1, spare s1), or with -AttachTo the one new device.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromRemainingArguments = true)]
    [ValidateNotNullOrEmpty]
    public string[] Vdev { get; set; } = [];

    /// <summary>An existing device to attach the new device to (zpool attach).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ZPoolDeviceCompleter))]
    [ValidateNotNullOrEmpty]
    public string? AttachTo { get; set; }

    /// <summary>Allow mismatched replication levels or devices that seem in use (-f).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord() =>
        ForTheSelectedPool( (s, storage, pool) =>
        {
            var words = ResolveDeviceWords(s, Vdev);
            if (AttachTo is not null)
            {
                if (words.Length != 1)
                    throw Engine.IllumosException.Invalid("AttachOneDevice", "With -AttachTo, give exactly one new device.", string.Join(' ', Vdev));
                var existing = ResolveDeviceWords(s, [AttachTo])[0];
                if (!ShouldProcess(pool, $"Attach {words[0]} to {existing}")) return;
                storage.AttachDevice(pool, existing, words[0], Force, StopToken);
            }
            else
            {
                var spec = VdevSpec.Parse(words);
                if (!ShouldProcess(pool, "Add " + spec)) return;
                storage.AddVdevs(pool, spec, Force, StopToken);
            }
            if (PassThru) WritePool(s, storage, pool);
        });
}
