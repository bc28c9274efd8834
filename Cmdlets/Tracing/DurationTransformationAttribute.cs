using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;

namespace Illumos.Cmdlets.Tracing;

/// <summary>
/// Accepts a duration as a TimeSpan, as a number of seconds (5, 0.25), as dtrace writes rates and
/// times ("500ms", "10s", "2m", "1h", "250us", "100ns") or as a TimeSpan string ("00:01:30").
/// A bare number would otherwise become a TimeSpan of that many ticks.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed partial class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    [GeneratedRegex(@"^\s*(?<n>\d+(?:\.\d+)?)\s*(?<unit>ns|nsec|us|usec|ms|msec|s|sec|m|min|h|hour|d|day)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex WithUnit();

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        TimeSpan? span = value switch
        {
            null => null,
            TimeSpan t => t,
            int i => TimeSpan.FromSeconds(i),
            long l => TimeSpan.FromSeconds(l),
            double d when double.IsFinite(d) => TimeSpan.FromSeconds(d),
            decimal m => TimeSpan.FromSeconds((double)m),
            string s => Parse(s),
            _ => null,
        };
        if (span is { } ok && ok > TimeSpan.Zero) return ok;
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a positive duration. Use seconds (5, 0.5), a unit as dtrace writes it (500ms, 10s, 2m) or a TimeSpan (00:01:30).");
    }

    internal static TimeSpan? Parse(string text)
    {
        var m = WithUnit().Match(text);
        if (m.Success)
        {
            var n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
            return m.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "ns" or "nsec" => TimeSpan.FromTicks((long)(n / 100)),
                "us" or "usec" => TimeSpan.FromMicroseconds(n),
                "ms" or "msec" => TimeSpan.FromMilliseconds(n),
                "m" or "min" => TimeSpan.FromMinutes(n),
                "h" or "hour" => TimeSpan.FromHours(n),
                "d" or "day" => TimeSpan.FromDays(n),
                _ => TimeSpan.FromSeconds(n),
            };
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var t) ? t : null;
    }
}
