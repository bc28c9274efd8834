using Illumos.Engine.Native.Runners;
using Xunit;

namespace Illumos.Engine.Tests.Sessions;

public sealed class ReplayRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Record(string file, string text) => File.WriteAllText(Path.Combine(_dir, file), text);

    [Fact]
    public void Answers_by_tool_subcommand_and_target_preferring_the_best_option_match()
    {
        Record("a.txt", "$ zpool status -P tank\nplain tank\n");
        Record("b.txt", "$ zpool status -P -v tank\nverbose tank\n");
        Record("c.txt", "$ zpool status -P rpool\nplain rpool\n");
        using var r = new ReplayRunner(_dir);
        Assert.Equal("verbose tank\n", r.Run(["zpool", "status", "-v", "-P", "tank"], null, default).StdOut);
        Assert.Equal("plain tank\n", r.Run(["zpool", "status", "-P", "tank"], null, default).StdOut);
        Assert.Equal("plain rpool\n", r.Run(["zpool", "status", "rpool"], null, default).StdOut);
    }

    [Fact]
    public void Option_values_are_not_taken_for_the_target()
    {
        Record("a.txt", "$ zfs list -H -p -o name,used -t filesystem tank/home\ntank/home\t1\n");
        using var r = new ReplayRunner(_dir);
        var res = r.Run(["zfs", "list", "-H", "-p", "-o", "name,used", "-t", "filesystem", "tank/home"], null, default);
        Assert.Equal("tank/home\t1\n", res.StdOut);
        var e = Assert.Throws<IllumosException>(() => r.Run(["zfs", "list", "-H", "-o", "name", "tank"], null, default));
        Assert.Equal("ReplayNoMatch", e.ErrorId);
        Assert.Contains("zfs list -H -o name tank", e.Message);
    }

    [Fact]
    public void Exit_code_and_stderr_lines_are_replayed()
    {
        Record("a.txt", "$ zfs destroy tank/missing\n# exit: 1\n# stderr: cannot open 'tank/missing': dataset does not exist\n");
        using var r = new ReplayRunner(_dir);
        var res = r.Run(["zfs", "destroy", "tank/missing"], null, default);
        Assert.Equal(1, res.ExitCode);
        Assert.Contains("dataset does not exist", res.StdErr);
        Assert.Equal("", res.StdOut);
        var e = Assert.Throws<IllumosCommandException>(() => res.EnsureSuccess());
        Assert.Equal(1, e.ExitCode);
        Assert.Equal("zfs", e.Tool);
    }

    [Fact]
    public void Subcommands_after_value_options_are_found()
    {
        Record("a.txt", "$ zoneadm -z web01 list -p\n1:web01:running:/zones/web01:uuid:ipkg:excl\n");
        using var r = new ReplayRunner(_dir);
        Assert.StartsWith("1:web01", r.Run(["zoneadm", "-z", "web01", "list", "-p"], null, default).StdOut);
    }

    [Fact]
    public void Quoted_words_in_recorded_command_lines_are_understood()
    {
        Record("a.txt", "$ zfs get -H -o value 'com.example:note' 'tank/my data'\nhello\n");
        using var r = new ReplayRunner(_dir);
        Assert.Equal("hello\n", r.Run(["zfs", "get", "-H", "-o", "value", "com.example:note", "tank/my data"], null, default).StdOut);
    }

    [Fact]
    public void Missing_or_empty_folders_are_refused()
    {
        Assert.Equal("ReplayDirectoryNotFound", Assert.Throws<IllumosException>(() => new ReplayRunner(Path.Combine(_dir, "none"))).ErrorId);
        Record("readme.md", "not a recording");
        Assert.Equal("ReplayDirectoryEmpty", Assert.Throws<IllumosException>(() => new ReplayRunner(_dir)).ErrorId);
    }
}
