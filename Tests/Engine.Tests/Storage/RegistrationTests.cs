using Illumos.Engine.Languages.Vdev;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

public class RegistrationTests
{
    [Fact]
    public void Embedded_host_provides_storage_and_keeps_pools_in_its_zpool_cache()
    {
        var dir = Path.Combine(Path.GetTempPath(), "illumos-host-test-" + Guid.NewGuid().ToString("N")[..8]);
        var devs = Path.Combine(Path.GetTempPath(), "illumos-devs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(devs);
        try
        {
            using (var host = EmbeddedHost.Open(dir))
            {
                Assert.Contains("Storage", host.Probe(false, default).Facilities);
                var storage = host.Facility<IStorage>();
                var cwd = Environment.CurrentDirectory;
                Environment.CurrentDirectory = devs;
                try
                {
                    storage.CreatePool(new PoolCreateRequest { Name = "tank", Vdevs = VdevSpec.Parse(["d1"]), CreateFileDevicesOfSize = 64UL << 20 }, NullSink.Instance, default);
                }
                finally { Environment.CurrentDirectory = cwd; }
                storage.CreateFileSystem("tank/a", new Dictionary<string, string> { ["org:x"] = "1" }, false, default);
            }
            var cache = File.ReadAllText(Path.Combine(dir, "etc", "zfs", "zpool.cache"));
            Assert.Contains(Path.Combine(devs, "d1"), cache); // relative device path stored absolute
            using (var host = EmbeddedHost.Open(dir))
            {
                var storage = host.Facility<IStorage>();
                Assert.Equal("1", storage.GetProperties("tank/a", ["org:x"], default)[0].Value);
            }
        }
        finally
        {
            try { Directory.Delete(dir, true); Directory.Delete(devs, true); } catch (IOException) { }
        }
    }
}
