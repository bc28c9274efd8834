using System.Collections;
using Illumos.Engine.Sessions;
using Illumos.Engine.Tracing;

namespace Illumos.Cmdlets.Completers;

/// <summary>Base of the probe completers: one field (or the whole description) of every probe the session's tracing lists.</summary>
public abstract class ProbeCompleter : IllumosCompleter
{
    protected abstract string Field(ProbeInfo probe);

    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct) =>
        session.Facility<ITracing>().ListProbes().Select(Field).Where(f => f.Length > 0).Distinct(StringComparer.Ordinal);
}

/// <summary>
/// Completes probe descriptions (provider:module:function:name) with the listed probes, plus the
/// timer probes the profile provider creates on demand (tick-1s, profile-97, ...).
/// </summary>
public sealed class ProbeDescriptionCompleter : ProbeCompleter
{
    private static readonly string[] Timers =
        ["profile:::tick-1s", "profile:::tick-100ms", "profile:::tick-10ms", "profile:::tick-1ms", "profile:::profile-97", "profile:::profile-997"];

    protected override string Field(ProbeInfo probe) => $"{probe.Provider}:{probe.Module}:{probe.Function}:{probe.Name}";

    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct) =>
        base.GetNames(session, fakeBoundParameters, typed, ct).Concat(Timers).Distinct(StringComparer.Ordinal);
}

/// <summary>Completes provider names (Get-Probe -Provider).</summary>
public sealed class ProbeProviderCompleter : ProbeCompleter
{
    protected override string Field(ProbeInfo probe) => probe.Provider;
}

/// <summary>Completes module names (Get-Probe -Module).</summary>
public sealed class ProbeModuleCompleter : ProbeCompleter
{
    protected override string Field(ProbeInfo probe) => probe.Module;
}

/// <summary>Completes function names (Get-Probe -Function).</summary>
public sealed class ProbeFunctionCompleter : ProbeCompleter
{
    protected override string Field(ProbeInfo probe) => probe.Function;
}

/// <summary>Completes probe names (Get-Probe -Name).</summary>
public sealed class ProbeNameCompleter : ProbeCompleter
{
    protected override string Field(ProbeInfo probe) => probe.Name;
}
