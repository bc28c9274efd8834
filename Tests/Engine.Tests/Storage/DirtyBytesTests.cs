using Illumos.Engine.Storage.Embedded.Dmu;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

/// <summary>The object set's running count of dirty bytes stays exact through writes, truncates, resizes, frees and commits.</summary>
public class DirtyBytesTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_running_count_matches_the_objects_and_is_zero_after_a_commit(int seed)
    {
        using var f = new StorageFixture();
        f.CreatePool("tank", "d1");
        f.Storage.CreateFileSystem("tank/fs", null, false, default);
        var pool = f.Storage.PoolForTests("tank");
        var os = pool.Dsl.OpenObjectSet(pool.Dsl.TryHead("tank/fs")!);
        var rng = new Random(seed);
        var objects = new List<DmuObject>();
        for (int step = 0; step < 400; step++)
        {
            switch (rng.Next(6))
            {
                case 0: objects.Add(os.Allocate(ObjectType.File, 512 << rng.Next(0, 6))); break;
                case 1 when objects.Count > 0:
                {
                    var o = objects[rng.Next(objects.Count)];
                    var data = new byte[rng.Next(1, 3 * o.BlockSize)];
                    rng.NextBytes(data);
                    o.Write(rng.Next(0, 4 * o.BlockSize), data);
                    break;
                }
                case 2 when objects.Count > 0:
                {
                    var o = objects[rng.Next(objects.Count)];
                    o.Truncate(rng.Next(0, (int)Math.Max(1, o.Length)));
                    break;
                }
                case 3 when objects.Count > 0:
                {
                    var o = objects[rng.Next(objects.Count)];
                    if (o.Dn.NLevels == 1 && o.BlockSize < 131072) o.Resize(o.BlockSize * 2);
                    break;
                }
                case 4 when objects.Count > 0:
                {
                    var o = objects[rng.Next(objects.Count)];
                    os.Free(o);
                    objects.Remove(o);
                    break;
                }
                case 5 when rng.Next(8) == 0:
                    pool.Sync();
                    Assert.Equal(0, os.DirtyBytes);
                    break;
            }
            Assert.Equal(objects.Sum(o => o.DirtyBytes), os.DirtyBytes);
        }
        pool.Sync();
        Assert.Equal(0, os.DirtyBytes);
    }
}
