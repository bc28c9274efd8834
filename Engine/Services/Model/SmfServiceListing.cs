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

    // Filled in by Get-SmfService -Detailed (svcs -l, svcs -p, svcprop); empty otherwise.
    /// <summary>The persistent enabled state (general/enabled); null when not read.</summary>
    public bool? Enabled { get; init; }
    /// <summary>The state svcadm -t set for this boot only (general_ovr/enabled, "true (temporary)" in svcs -l); null when none.</summary>
    public bool? EnabledTemporary { get; init; }
    /// <summary>The effective enabled state: the temporary override when there is one.</summary>
    public bool? EffectiveEnabled => EnabledTemporary ?? Enabled;
    /// <summary>svcs -l state_time as printed (locale-formatted).</summary>
    public string? StateTime { get; init; }
    public string? Logfile { get; init; }
    public string? AltLogfile { get; init; }
    public string? Restarter { get; init; }
    public IReadOnlyList<string> Manifests { get; init; } = Array.Empty<string>();
    public IReadOnlyList<SmfDependency> Dependencies { get; init; } = Array.Empty<SmfDependency>();
    public IReadOnlyList<SmfProcess> Processes { get; init; } = Array.Empty<SmfProcess>();
    public IReadOnlyList<SmfProperty> Properties { get; init; } = Array.Empty<SmfProperty>();
    public bool IsLegacy => Fmri.StartsWith("lrc:", StringComparison.Ordinal);
    public override string ToString() => Fmri;
}

/// <summary>
/// One dependency line of <c>svcs -l</c>: grouping (require_all, require_any, optional_all, exclude_all),
/// restart_on (none, error, restart, refresh), the FMRIs and the state svcs shows for them.
/// </summary>
public sealed record SmfDependency(string Grouping, string RestartOn, IReadOnlyList<string> Fmris, string? State)
{
    public override string ToString() => $"{Grouping}/{RestartOn} {string.Join(' ', Fmris)}" + (State is null ? "" : $" ({State})");
}

/// <summary>A process of a service's contract as <c>svcs -p</c> lists it.</summary>
public sealed record SmfProcess(int Pid, string? StartTime, string Command)
{
    public override string ToString() => $"{Pid} {Command}";
}

/// <summary>One property as <c>svcprop</c> prints it: pg/name, type and its values (unquoted).</summary>
public sealed record SmfProperty(string PropertyGroup, string Name, string Type, IReadOnlyList<string> Values)
{
    public string Path => PropertyGroup + "/" + Name;
    /// <summary>The single value, or null for none; several values joined by a space.</summary>
    public string? Value => Values.Count == 0 ? null : string.Join(' ', Values);
    public override string ToString() => $"{Path} {Type} {string.Join(' ', Values)}".TrimEnd();
}

/// <summary>
/// Why a service is not running, as <c>svcs -x</c> / <c>svcs -xv</c> explain it: state and since when,
/// the reason, where to read more (See:), the dependency chain at fault (Path:, -xv) and the impact
/// with the dependents that are not running (-xv).
/// </summary>
public sealed record SmfServiceExplanation : HostObject
{
    public required string Fmri { get; init; }
    public string? Description { get; init; }
    public string? State { get; init; }
    /// <summary>The time after "since", as printed.</summary>
    public string? Since { get; init; }
    public string? Reason { get; init; }
    public IReadOnlyList<string> SeeAlso { get; init; } = Array.Empty<string>();
    /// <summary>The dependency chain from this service to the one at fault (svcs -xv).</summary>
    public IReadOnlyList<string> Path { get; init; } = Array.Empty<string>();
    public string? Impact { get; init; }
    /// <summary>The dependents that are not running (svcs -xv).</summary>
    public IReadOnlyList<string> ImpactedServices { get; init; } = Array.Empty<string>();
    public override string ToString() => Fmri;
}
