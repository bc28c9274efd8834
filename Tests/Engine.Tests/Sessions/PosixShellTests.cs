using System.Diagnostics;
using Illumos.Engine.Native.Runners;
using Xunit;

namespace Illumos.Engine.Tests.Sessions;

public class PosixShellTests
{
    [Theory]
    [InlineData("tank/home", "tank/home")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("", "''")]
    [InlineData("$(rm -rf /)", "'$(rm -rf /)'")]
    public void Quotes_only_what_needs_quoting(string input, string expected) => Assert.Equal(expected, PosixShell.Quote(input));

    [Fact]
    public void Refuses_NUL() =>
        Assert.Equal("ArgumentContainsNul", Assert.Throws<IllumosException>(() => PosixShell.Quote("a\0b")).ErrorId);

    [Fact]
    public void A_real_shell_receives_exactly_the_words()
    {
        if (!File.Exists("/bin/sh")) return;
        string[] words = ["plain", "with space", "quote'in", "dq\"x", "semi;colon", "pipe|x", "$(echo pwned)", "`echo pwned`", "new\nline", "ünïcødé", "*", "~", ""];
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("for a in " + PosixShell.Join(words) + "; do printf '%s\\0' \"$a\"; done");
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(words, output.Split('\0')[..^1]);
    }
}
