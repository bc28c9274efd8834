using System.Collections;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Completers;

/// <summary>Completes pool names on the session the command line names.</summary>
public sealed class ZPoolNameCompleter : IllumosCompleter
{
    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct) =>
        session.Facility<IStorage>().GetPools(ct).Select(p => p.Name);
}

/// <summary>Completes the device names of the pool given by -Name.</summary>
public sealed class ZPoolDeviceCompleter : IllumosCompleter
{
    protected override IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct)
    {
        if (fakeBoundParameters["Name"] is not string pool) return [];
        var status = session.Facility<IStorage>().GetStatus(pool, false, ct);
        return status.Config.Flatten().Where(v => v.Children.Count == 0 && v.Depth > 0).Select(v => v.Path ?? v.Name);
    }
}
