using System.Management.Automation;
using Illumos.Cmdlets.Completers;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>
/// I/O statistics of pools and (with -Device) each vdev and device, like zpool iostat [-v].
/// Without -Interval the counts are totals since the pool was opened; with -Interval each sample
/// holds the operations and bytes of that interval.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ZPoolIOStat", DefaultParameterSetName = NameSet)]
[OutputType(typeof(ZPoolIOStat))]
public sealed class GetZPoolIOStatCommand : ZPoolQueryCmdlet
{
    /// <summary>Include every vdev and device, not only the pool totals.</summary>
    [Parameter]
    public SwitchParameter Device { get; set; }

    /// <summary>Seconds between samples.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int Interval { get; set; }

    /// <summary>Number of interval samples (default: until Ctrl+C).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    protected override void ProcessRecord()
    {
        if (Interval == 0)
        {
            ForEachSelectedPool( (s, storage, pool) => WriteRecords(storage.GetIOStats(pool, Device, StopToken), s));
            return;
        }
        var previous = new Dictionary<(int, string, string), ZPoolIOStat>();
        ForEachSelectedPool( (s, storage, pool) => { foreach (var st in storage.GetIOStats(pool, Device, StopToken)) previous[(s.Id, pool, st.Device)] = st; });
        for (int i = 0; Count == 0 || i < Count; i++)
        {
            if (StopToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(Interval))) throw new PipelineStoppedException();
            ForEachSelectedPool( (s, storage, pool) =>
            {
                foreach (var st in storage.GetIOStats(pool, Device, StopToken))
                {
                    var key = (s.Id, pool, st.Device);
                    var delta = previous.TryGetValue(key, out var p)
                        ? st with
                        {
                            ReadOperations = st.ReadOperations - Math.Min(st.ReadOperations, p.ReadOperations),
                            WriteOperations = st.WriteOperations - Math.Min(st.WriteOperations, p.WriteOperations),
                            ReadBytes = st.ReadBytes - Math.Min(st.ReadBytes, p.ReadBytes),
                            WriteBytes = st.WriteBytes - Math.Min(st.WriteBytes, p.WriteBytes),
                            CacheHits = st.CacheHits - Math.Min(st.CacheHits, p.CacheHits),
                            CacheMisses = st.CacheMisses - Math.Min(st.CacheMisses, p.CacheMisses),
                        }
                        : st;
                    previous[key] = st;
                    WriteObject(Stamp(delta, s));
                }
            });
        }
    }
}
