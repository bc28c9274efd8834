using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Languages;

public class VdevSpecTests
{
    [Fact]
    public void Parses_groups_classes_and_stripes()
    {
        var s = VdevSpec.Parse(["mirror", "a", "b", "mirror", "c", "d", "log", "mirror", "l1", "l2", "cache", "c1", "spare", "s1", "s2"]);
        Assert.Equal(
            ["mirror:Normal:a,b", "mirror:Normal:c,d", "mirror:Log:l1,l2", "disk:Cache:c1", "disk:Spare:s1", "disk:Spare:s2"],
            s.Groups.Select(g => $"{g.KindText}:{g.Class}:{string.Join(',', g.Devices)}"));
        Assert.Equal(["a", "b", "c", "d", "l1", "l2", "c1", "s1", "s2"], s.AllDevices);
    }

    [Theory]
    [InlineData("raidz2 a b", "VdevTooFewDevices")]
    [InlineData("raidz3 a b c", "VdevTooFewDevices")]
    [InlineData("mirror a", "VdevTooFewDevices")]
    [InlineData("a a", "VdevDuplicateDevice")]
    [InlineData("a log", "VdevClassEmpty")]
    [InlineData("a cache mirror b c", "VdevClassNoRedundancy")]
    [InlineData("a log raidz b c", "VdevClassNoRedundancy")]
    [InlineData("-f a", "VdevBadWord")]
    [InlineData("", "VdevSpecEmpty")]
    public void Refuses_bad_grammar(string words, string errorId)
    {
        var e = Assert.Throws<IllumosException>(() => VdevSpec.Parse(words.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Raidz_parity_follows_the_keyword()
    {
        Assert.Equal(1, VdevSpec.Parse(["raidz", "a", "b"]).Groups[0].Parity);
        Assert.Equal(3, VdevSpec.Parse(["raidz3", "a", "b", "c", "d"]).Groups[0].Parity);
        Assert.Equal(ZVdevClass.Normal, VdevSpec.Parse(["raidz3", "a", "b", "c", "d"]).Groups[0].Class);
    }
}
