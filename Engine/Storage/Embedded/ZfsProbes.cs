using System.Runtime.CompilerServices;
using Illumos.Engine.Tracing;

namespace Illumos.Engine.Storage.Embedded;

/// <summary>
/// The <c>zfs</c> provider: probe sites the embedded storage engine fires for D programs
/// (<c>zfs:::write { @[args[0]] = quantize(args[3]); }</c>). A disabled site costs one field load
/// and a branch; arguments are only built when a tracing session enabled the probe.
/// </summary>
internal static class ZfsProbes
{
#pragma warning disable CA2255 // the provider's probes must be listed (Get-Probe, dtrace -l) before any storage code runs
    [ModuleInitializer]
    internal static void Publish() => RuntimeHelpers.RunClassConstructor(typeof(ZfsProbes).TypeHandle);
#pragma warning restore CA2255

    private static readonly ProbeArgument[] FileArgs =
    [
        new(0, "string", "dataset"), new(1, "uint64_t", "object"), new(2, "uint64_t", "offset"), new(3, "uint64_t", "size"),
    ];

    /// <summary>zfs:zpl:write:write (dataset, object, offset, size) — a write into a file, before it is committed.</summary>
    public static readonly ProbeSite Write = ProbeRegistry.Register("zfs", "zpl", "write", "write", FileArgs);

    /// <summary>zfs:zpl:read:read (dataset, object, offset, size) — a read from a file (size = bytes returned).</summary>
    public static readonly ProbeSite Read = ProbeRegistry.Register("zfs", "zpl", "read", "read", FileArgs);

    /// <summary>zfs:spa:sync:txg-synced (pool, txg, dirty bytes) — a transaction group committed to the devices.</summary>
    public static readonly ProbeSite TxgSynced = ProbeRegistry.Register("zfs", "spa", "sync", "txg-synced",
        new ProbeArgument(0, "string", "pool"), new ProbeArgument(1, "uint64_t", "txg"), new ProbeArgument(2, "uint64_t", "dirty"));
}
