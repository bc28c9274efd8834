using Illumos.Engine.Native.Runners;
using Illumos.Engine.Native.Storage;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Native;

/// <summary>Temporary values and vdev expansion on a native host: zfs mount -o remount and zpool online -e.</summary>
public class NativeTemporaryPropertyTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static (NativeStorage Storage, List<string> Seen, NativeHost Host) Open(Func<string, string> answer)
    {
        var seen = new List<string>();
        var host = new NativeHost(new FuncRunner(a =>
        {
            var line = PosixShell.Join(a);
            seen.Add(line);
            return new CommandResult(a, 0, answer(line), "");
        }), "x");
        return (new NativeStorage(host) { UseJson = false }, seen, host);
    }

    [Fact]
    public void Temporary_values_become_remount_options()
    {
        var (s, seen, host) = Open(_ => "");
        using (host)
        {
            s.SetTemporaryProperties("tank/a", new Dictionary<string, string> { ["readonly"] = "on", ["atime"] = "off", ["exec"] = "on" }, None);
            Assert.Equal(["zfs mount -o remount,noatime,exec,ro tank/a"], seen);
        }
    }

    [Fact]
    public void Clearing_remounts_with_the_stored_value_only_where_a_temporary_one_shows()
    {
        var (s, seen, host) = Open(line => line.StartsWith("zfs get", StringComparison.Ordinal)
            ? "tank/a\treadonly\ton\ttemporary\ntank/a/b\treadonly\toff\tdefault\ntank/a/c\treadonly\toff\ttemporary\n"
            : "");
        using (host)
        {
            s.ClearTemporaryProperty("tank/a", "readonly", recursive: true, None);
            Assert.Equal(
            [
                "zfs get -Hp -o name,property,value,source -r readonly tank/a",
                "zfs mount -o remount,rw tank/a",
                "zfs mount -o remount,ro tank/a/c",
            ], seen);
        }
    }

    [Theory]
    [InlineData("compression", "off", "PropertyNotTemporary")]
    [InlineData("xattr", "sa", "PropertyBadValue")]
    public void What_cannot_be_temporary_is_refused_before_anything_is_sent(string property, string value, string errorId)
    {
        var (s, seen, host) = Open(_ => "");
        using (host)
        {
            var e = Assert.Throws<IllumosException>(() => s.SetTemporaryProperties("tank/a", new Dictionary<string, string> { [property] = value }, None));
            Assert.Equal(errorId, e.ErrorId);
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
            e = Assert.Throws<IllumosException>(() => s.ClearTemporaryProperty("tank/a", "compression", false, None));
            Assert.Equal("PropertyNotTemporary", e.ErrorId);
            Assert.Empty(seen);
        }
    }

    [Fact]
    public void Online_expand_is_zpool_online_e()
    {
        var (s, seen, host) = Open(_ => "");
        using (host)
        {
            s.OnlineDevice("tank", "/d/a", expand: true, None);
            Assert.Equal(["zpool online -e tank /d/a"], seen);
        }
    }
}
