using Illumos.Engine.Tracing;
using Xunit;

namespace Illumos.Engine.Tests.Tracing;

public class AggregationTests
{
    private static string Out(string src) =>
        DTraceCommand.Run(src, new DTraceCommand.Settings { Quiet = true, Timeout = TimeSpan.FromSeconds(10) }).Stdout;

    [Fact]
    public void UnkeyedValuesPrintInSeventeenColumns()
    {
        Assert.Equal("\n              450\n", Out("BEGIN { @a = avg(400); @a = avg(500); exit(0); }"));
    }

    [Fact]
    public void KeyedRowsSortByValueThenKey()
    {
        var o = Out("BEGIN { @[\"b\"] = count(); @[\"a\"] = count(); @[\"c\"] = count(); @[\"c\"] = count(); exit(0); }");
        var lines = o.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[] { "a", "b", "c" }, lines.Select(l => l.Trim().Split(' ')[0]));
        Assert.Equal("  a" + new string(' ', 49) + new string(' ', 16) + "1", lines[0]);
    }

    [Fact]
    public void AggSortKeyAndReverse()
    {
        var o = Out("#pragma D option aggsortkey\n#pragma D option aggsortrev\nBEGIN { @[1] = sum(5); @[2] = sum(1); @[3] = sum(9); exit(0); }");
        var keys = o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ')[0]);
        Assert.Equal(new[] { "3", "2", "1" }, keys);
    }

    [Fact]
    public void MinMaxSumStddev()
    {
        var o = Out("BEGIN { @mn = min(3); @mn = min(-2); @mx = max(3); @mx = max(9); @s = sum(2); @s = sum(5); @sd = stddev(2); @sd = stddev(4); exit(0); }");
        var vals = o.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => long.Parse(l.Trim())).ToArray();
        Assert.Equal(new long[] { -2, 9, 7, 1 }, vals);
    }

    [Fact]
    public void QuantizeHistogram()
    {
        var o = Out("BEGIN { @ = quantize(1); @ = quantize(2); @ = quantize(3); @ = quantize(8); exit(0); }");
        var expected = "\n\n" +
            "           value  ------------- Distribution ------------- count    \n" +
            "               0 |                                         0        \n" +
            "               1 |@@@@@@@@@@                               1        \n" +
            "               2 |@@@@@@@@@@@@@@@@@@@@                     2        \n" +
            "               4 |                                         0        \n" +
            "               8 |@@@@@@@@@@                               1        \n" +
            "              16 |                                         0        \n\n";
        Assert.Equal(expected, o);
    }

    [Fact]
    public void LquantizeUnderAndOverflowLabels()
    {
        var o = Out("BEGIN { @ = lquantize(-5, 0, 10, 5); @ = lquantize(50, 0, 10, 5); exit(0); }");
        Assert.Contains("             < 0 |@@@@@@@@@@@@@@@@@@@@                     1        ", o);
        Assert.Contains("           >= 10 |@@@@@@@@@@@@@@@@@@@@                     1        ", o);
    }

    [Fact]
    public void PrintaWithFormatAndNormalize()
    {
        var o = Out("BEGIN { @[\"x\"] = sum(100); normalize(@, 10); printa(\"%s=%@d\\n\", @); exit(0); }");
        Assert.Equal("x=10\n\n", o);
    }

    [Fact]
    public void ClearKeepsKeysTruncDropsThem()
    {
        var o = Out("BEGIN { @[1] = count(); @[2] = count(); @[2] = count(); trunc(@, 1); printa(@); clear(@); printa(@); exit(0); }");
        Assert.Equal("\n        2                2\n\n        2                0\n\n", o);
    }
}
