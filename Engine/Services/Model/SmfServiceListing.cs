using Illumos.Engine.Storage;

namespace Illumos.Engine.Services;

/// <summary>An SMF service instance as <c>svcs -H -o state,nstate,stime,ctid,zone,fmri</c> shows it.</summary>
public sealed record SmfService : HostObject
{
    public required string Fmri { get; init; }
    /// <summary>online, offline, disabled, maintenance, degraded, uninitialized, legacy_run; '?' when unknown.</summary>
    public required string State { get; init; }
    /// <summary>True when svcs marked the state with '*' (a transition is under way).</summary>
    public bool Transitioning { get; init; }
    public string? NextState { get; init; }
    /// <summary>STIME as printed (a time of day, "Aug_02" or a year).</summary>
    public string? StartTime { get; init; }
    public long? ContractId { get; init; }
    public string? Zone { get; init; }
    public string? Description { get; init; }
    public bool IsLegacy => Fmri.StartsWith("lrc:", StringComparison.Ordinal);
    public override string ToString() => Fmri;
}
