using CsCheck;
using Illumos.Engine.Storage.Embedded.Zio;
using Xunit;

namespace Illumos.Engine.Tests.Storage;

public class RangeAllocatorTests
{
    /// <summary>Random allocations and frees against a model of sectors: never a range handed out twice, free bytes and extents agree.</summary>
    [Fact]
    public void Allocate_and_free_agree_with_a_sector_model()
    {
        Gen.Select(Gen.Bool, Gen.Int[1, 8], Gen.Int[0, 1000]).Array[1, 200].Sample(ops =>
        {
            const int sectors = 256;
            var a = new RangeAllocator(sectors * 512L, 9);
            var used = new bool[sectors];
            var live = new List<(long Off, long Len)>();
            foreach (var (alloc, n, pick) in ops)
            {
                if (alloc || live.Count == 0)
                {
                    long off = a.Allocate(n * 512L);
                    if (off < 0) continue;
                    for (int s = 0; s < n; s++) { Assert.False(used[off / 512 + s]); used[off / 512 + s] = true; }
                    live.Add((off, n * 512L));
                }
                else
                {
                    var (off, len) = live[pick % live.Count];
                    live.Remove((off, len));
                    a.Free(off, len);
                    for (long s = off / 512; s < (off + len) / 512; s++) used[s] = false;
                    Assert.Throws<IllumosException>(() => a.Free(off, len));
                }
                Assert.Equal(used.Count(u => !u) * 512L, a.FreeBytes);
                var allocated = a.AllocatedExtents().ToList();
                Assert.Equal(used.Count(u => u) * 512L, allocated.Sum(e => e.Length));
                foreach (var (o, l) in allocated) for (long s = o / 512; s < (o + l) / 512; s++) Assert.True(used[s]);
            }
        }, iter: 200);
    }
}
