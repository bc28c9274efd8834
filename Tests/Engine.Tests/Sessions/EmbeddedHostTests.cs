using Illumos.Engine.Sessions;
using Xunit;

namespace Illumos.Engine.Tests.Sessions;

public sealed class EmbeddedHostTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "illumos-host-test-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_second_open_is_refused_naming_the_owner_until_the_first_closes()
    {
        using (var first = EmbeddedHost.Open(_dir))
        {
            var e = Assert.Throws<IllumosException>(() => EmbeddedHost.Open(_dir));
            Assert.Equal("HostDirectoryLocked", e.ErrorId);
            Assert.Equal(ErrorKind.ResourceBusy, e.Kind);
            Assert.Contains($"process {Environment.ProcessId}", e.Message);
        }
        using var again = EmbeddedHost.Open(_dir);
        Assert.Equal(Path.GetFullPath(_dir), again.Directory);
    }

    [Fact]
    public void A_non_empty_foreign_directory_is_refused_and_left_alone()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "mine.txt"), "x");
        var e = Assert.Throws<IllumosException>(() => EmbeddedHost.Open(_dir));
        Assert.Equal("HostDirectoryNotEmpty", e.ErrorId);
        Assert.Equal(["mine.txt"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
        // The lock was released: a later open of a cleaned directory works.
        File.Delete(Path.Combine(_dir, "mine.txt"));
        using var h = EmbeddedHost.Open(_dir);
    }

    [Fact]
    public void A_newer_host_format_is_refused()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "illumos-host.json"), "{\"FormatVersion\":99,\"Created\":\"2026-01-01T00:00:00+00:00\"}");
        Assert.Equal("HostFormatUnsupported", Assert.Throws<IllumosException>(() => EmbeddedHost.Open(_dir)).ErrorId);
    }

    [Fact]
    public void Facilities_not_registered_give_a_clear_NotImplemented_error()
    {
        using var h = EmbeddedHost.Open(_dir);
        var e = Assert.Throws<IllumosException>(() => h.Facility<IUnregisteredFacility>());
        Assert.Equal(ErrorKind.NotImplemented, e.Kind);
        Assert.Equal("FacilityNotAvailable", e.ErrorId);
    }

    public interface IUnregisteredFacility;
}
