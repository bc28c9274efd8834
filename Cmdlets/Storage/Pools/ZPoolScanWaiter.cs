using System.Globalization;
using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets.Storage.Pools;

/// <summary>Follows a scrub or resilver until it ends, with Write-Progress (percent, rate, time left).</summary>
internal static class ZPoolScanWaiter
{
    public static ZPoolStatus Wait(IStorage storage, string pool, string activity, Action<ProgressRecord> progress, CancellationToken ct)
    {
        int id = Math.Abs(pool.GetHashCode(StringComparison.Ordinal) % 10000);
        try
        {
            while (true)
            {
                var status = storage.GetStatus(pool, false, ct);
                var scan = status.Scan;
                if (scan.State != ZScanState.Scanning) return status;
                var rate = scan.Rate is { } r ? Size.Format((ulong)r) + "/s" : "no estimate yet";
                var record = new ProgressRecord(id, $"{activity} {pool}",
                    $"{scan.PercentDone.ToString("0.0", CultureInfo.InvariantCulture)}% done, {Size.Format(scan.Issued)} of {Size.Format(scan.ToExamine)} issued at {rate}, {Size.Format(scan.Repaired)} repaired")
                {
                    PercentComplete = (int)Math.Clamp(scan.PercentDone, 0, 100),
                    SecondsRemaining = scan.TimeRemaining is { } t ? (int)Math.Min(t.TotalSeconds, int.MaxValue) : -1,
                };
                progress(record);
                if (ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250))) throw new PipelineStoppedException();
            }
        }
        finally
        {
            progress(new ProgressRecord(id, $"{activity} {pool}", "done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
