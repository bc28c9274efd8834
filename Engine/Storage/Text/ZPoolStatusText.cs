using System.Globalization;
using System.Text;

namespace Illumos.Engine.Storage;

/// <summary>Renders a <see cref="ZPoolStatus"/> the way <c>zpool status</c> prints it (the default view of Get-ZPoolStatus).</summary>
public static class ZPoolStatusText
{
    public static string Render(ZPoolStatus s)
    {
        var b = new StringBuilder();
        b.Append("  pool: ").AppendLine(s.PoolName);
        b.Append(" state: ").AppendLine(s.State.ToString());
        if (s.Status is { Length: > 0 }) b.Append("status: ").AppendLine(s.Status);
        if (s.Action is { Length: > 0 }) b.Append("action: ").AppendLine(s.Action);
        if (s.See is { Length: > 0 }) b.Append("   see: ").AppendLine(s.See);
        b.Append("  scan: ").AppendLine(ScanLine(s.Scan));
        if (s.Removal is { } r) b.Append("remove: ").AppendLine(RemovalLines(r));
        b.AppendLine("config:");
        b.AppendLine();
        var rows = new List<(string Name, ZPoolVdev? V)>();
        void Walk(ZPoolVdev v, int indent)
        {
            rows.Add((new string(' ', indent * 2) + v.Name, v));
            foreach (var c in v.Children) Walk(c, indent + 1);
        }
        Walk(s.Config with { Children = s.Config.Children.Where(c => c.Class == ZVdevClass.Normal).ToArray() }, 0);
        foreach (var cls in new[] { ZVdevClass.Special, ZVdevClass.Dedup, ZVdevClass.Log, ZVdevClass.Cache, ZVdevClass.Spare })
        {
            var members = s.Config.Children.Where(c => c.Class == cls).ToList();
            if (members.Count == 0) continue;
            rows.Add((cls switch { ZVdevClass.Log => "logs", ZVdevClass.Cache => "cache", ZVdevClass.Spare => "spares", _ => cls.ToString().ToLowerInvariant() }, null));
            foreach (var m in members) Walk(m, 1);
        }
        int width = Math.Max(10, rows.Max(r => r.Name.Length) + 2);
        b.Append('\t').Append("NAME".PadRight(width)).AppendLine("STATE     READ WRITE CKSUM");
        foreach (var (name, v) in rows)
        {
            b.Append('\t').Append(name.PadRight(width));
            if (v is not null)
            {
                bool noCounters = v.Class is ZVdevClass.Cache or ZVdevClass.Spare && v.Depth > 0;
                b.Append(v.State.ToString().PadRight(8));
                if (!noCounters || v.State is not (ZHealth.AVAIL or ZHealth.INUSE))
                    b.Append(Count(v.ReadErrors).PadLeft(6)).Append(Count(v.WriteErrors).PadLeft(6)).Append(Count(v.ChecksumErrors).PadLeft(6));
                if (v.Note is { Length: > 0 }) b.Append("  ").Append(v.Note);
            }
            b.AppendLine();
        }
        b.AppendLine();
        if (s.ErrorCount == 0) b.AppendLine("errors: No known data errors");
        else if (s.Errors.Count == 0) b.AppendLine($"errors: {s.ErrorCount} data errors, use -Verbose for a list");
        else
        {
            b.AppendLine("errors: Permanent errors have been detected in the following files:");
            b.AppendLine();
            foreach (var e in s.Errors) b.Append("        ").AppendLine(e.Location);
        }
        return b.ToString();
    }

    /// <summary>zpool status's remove section: the removal's outcome, then the mappings' memory.</summary>
    public static string RemovalLines(ZRemovalInfo r)
    {
        var took = r.StartTime is { } st && r.EndTime is { } et ? et - st : TimeSpan.Zero;
        var line = $"Removal of vdev {r.Vdev} copied {Size.Format(r.Copied)} in {(long)took.TotalHours}h{took.Minutes}m, completed on {When(r.EndTime)}";
        return r.MappingMemory > 0 ? line + $"\n\t{Size.Format(r.MappingMemory)} memory used for removed device mappings" : line;
    }

    public static string ScanLine(ZScanInfo scan)
    {
        var inv = CultureInfo.InvariantCulture;
        string what = scan.Function switch { ZScanFunction.Resilver => "resilver", ZScanFunction.ErrorScrub => "error scrub", _ => "scrub" };
        switch (scan.State)
        {
            case ZScanState.None:
                return "none requested";
            case ZScanState.Canceled:
                return $"{what} canceled on {When(scan.EndTime)}";
            case ZScanState.Finished:
                var took = scan.StartTime is { } st && scan.EndTime is { } et ? et - st : TimeSpan.Zero;
                return what == "resilver"
                    ? $"resilvered {Size.Format(scan.Repaired)}B in {Duration(took)} with {scan.Errors} errors on {When(scan.EndTime)}"
                    : $"{what} repaired {Size.Format(scan.Repaired)}B in {Duration(took)} with {scan.Errors} errors on {When(scan.EndTime)}";
            default:
                var sb = new StringBuilder();
                sb.Append(what).Append(scan.State == ZScanState.Paused ? " paused since " + When(scan.PauseTime) : " in progress since " + When(scan.StartTime));
                sb.Append("\n\t").Append(Size.Format(scan.Examined)).Append("B scanned, ").Append(Size.Format(scan.Issued)).Append("B issued");
                if (scan.Rate is { } r) sb.Append(" at ").Append(Size.Format((ulong)r)).Append("B/s");
                sb.Append(", ").Append(Size.Format(scan.ToExamine)).Append("B total");
                sb.Append("\n\t").Append(Size.Format(scan.Repaired)).Append("B ").Append(what == "resilver" ? "resilvered" : "repaired")
                  .Append(", ").Append(scan.PercentDone.ToString("0.00", inv)).Append("% done");
                sb.Append(scan.TimeRemaining is { } t ? ", " + Duration(t) + " to go" : ", no estimated completion time");
                return sb.ToString();
        }
    }

    private static string When(DateTimeOffset? t) =>
        t is { } v ? v.ToLocalTime().ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture) : "-";

    private static string Duration(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays} days {t:hh\\:mm\\:ss}" : t.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);

    // zpool prints error counters abbreviated (1.2K) once they pass 4 digits.
    private static string Count(ulong n) => n < 10000 ? n.ToString(CultureInfo.InvariantCulture) : Size.Format(n);
}
