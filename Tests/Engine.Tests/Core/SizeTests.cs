using Xunit;

namespace Illumos.Engine.Tests.Core;

public class SizeTests
{
    [Theory]
    [InlineData("512", 512UL)]
    [InlineData("64M", 64UL << 20)]
    [InlineData("64m", 64UL << 20)]
    [InlineData("1.5T", 3UL << 39)]
    [InlineData("10GB", 10UL << 30)]
    [InlineData("10GiB", 10UL << 30)]
    [InlineData("4k", 4096UL)]
    [InlineData("100B", 100UL)]
    public void Parses_zfs_and_PowerShell_forms(string text, ulong expected) => Assert.Equal(expected, Size.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("ten")]
    [InlineData("-5M")]
    [InlineData("5Q")]
    [InlineData("99999999999E")]
    public void Refuses_what_is_not_a_size(string text)
    {
        var e = Assert.Throws<IllumosException>(() => Size.Parse(text));
        Assert.Equal("InvalidSize", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Theory]
    [InlineData(0UL, "0")]
    [InlineData(1023UL, "1023")]
    [InlineData(1024UL, "1.00K")]
    [InlineData(1536UL * 1024 * 1024, "1.50G")]
    [InlineData(10UL << 20, "10.0M")]
    [InlineData(100UL << 20, "100M")]
    public void Formats_like_zfs(ulong bytes, string expected) => Assert.Equal(expected, Size.Format(bytes));
}
