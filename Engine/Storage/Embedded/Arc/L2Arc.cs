using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Vdev;

namespace Illumos.Engine.Storage.Embedded.Arc;

/// <summary>
/// The L2ARC: blocks pushed out of the ARC are written round-robin to the cache devices, each as a
/// circular log; an in-memory index maps a block key to its place and checksum. A later ARC miss is
/// served from the cache device when the index has the block and its checksum still matches. The
/// index is not persistent: after import the cache devices start cold (ZFS 2.0 rebuilds it from log
/// blocks; this engine does not yet).
/// </summary>
public sealed class L2Arc
{
    private sealed class Device(LeafDevice leaf)
    {
        public LeafDevice Leaf { get; } = leaf;
        public long Head;
        public readonly Queue<(AdaptiveCache.Key Key, long Offset, int Length)> Order = new();
    }

    private readonly List<Device> _devices;
    private readonly Dictionary<AdaptiveCache.Key, (Device Dev, long Offset, int Length, Checksum256 Sum)> _index = new();
    private readonly object _gate = new();
    private int _rotor;

    public L2Arc(IEnumerable<LeafDevice> devices) => _devices = devices.Select(d => new Device(d)).ToList();

    public void Add(LeafDevice leaf) { lock (_gate) _devices.Add(new Device(leaf)); }

    public void Remove(LeafDevice leaf)
    {
        lock (_gate)
        {
            _devices.RemoveAll(d => d.Leaf == leaf);
            foreach (var k in _index.Where(kv => kv.Value.Dev.Leaf == leaf).Select(kv => kv.Key).ToList()) _index.Remove(k);
        }
    }

    public long IndexedBytes { get { lock (_gate) return _index.Values.Sum(v => (long)v.Length); } }

    /// <summary>The ARC eviction hook: copy the block to the next cache device.</summary>
    public void Feed(AdaptiveCache.Key key, byte[] data)
    {
        lock (_gate)
        {
            if (_devices.Count == 0 || _index.ContainsKey(key)) return;
            var dev = _devices[_rotor++ % _devices.Count];
            if (dev.Leaf.State != ZHealth.ONLINE || data.Length > dev.Leaf.DataSize / 4) return;
            int len = (data.Length + 511) / 512 * 512;
            if (dev.Head + len > dev.Leaf.DataSize) dev.Head = 0;
            // Forget the blocks this write is about to overwrite (the oldest ones: the log is circular).
            while (dev.Order.Count > 0)
            {
                var (k, off, l) = dev.Order.Peek();
                if (off >= dev.Head + len || off + l <= dev.Head) break;
                dev.Order.Dequeue();
                if (_index.TryGetValue(k, out var cur) && cur.Dev == dev && cur.Offset == off) _index.Remove(k);
            }
            var buf = data.Length == len ? data : PadTo(data, len);
            try { dev.Leaf.WriteData(dev.Head, buf); }
            catch (IOException) { Interlocked.Increment(ref dev.Leaf.WriteErrors); return; }
            _index[key] = (dev, dev.Head, data.Length, BlockChecksum.Compute(ChecksumKind.Fletcher4, buf));
            dev.Order.Enqueue((key, dev.Head, len));
            dev.Head += len;
        }
    }

    private static byte[] PadTo(byte[] data, int len)
    {
        var b = new byte[len];
        data.CopyTo(b, 0);
        return b;
    }

    /// <summary>The block from a cache device, or null (a miss, or the copy there no longer verifies).</summary>
    public byte[]? TryRead(AdaptiveCache.Key key)
    {
        (Device Dev, long Offset, int Length, Checksum256 Sum) e;
        lock (_gate)
        {
            if (_devices.Count == 0) return null;
            if (!_index.TryGetValue(key, out e))
            {
                foreach (var d in _devices) Interlocked.Increment(ref d.Leaf.CacheMisses);
                return null;
            }
        }
        var buf = new byte[(e.Length + 511) / 512 * 512];
        try { e.Dev.Leaf.ReadData(e.Offset, buf); }
        catch (IOException) { Interlocked.Increment(ref e.Dev.Leaf.ReadErrors); return null; }
        if (BlockChecksum.Compute(ChecksumKind.Fletcher4, buf) != e.Sum)
        {
            Interlocked.Increment(ref e.Dev.Leaf.ChecksumErrors);
            lock (_gate) _index.Remove(key);
            return null;
        }
        Interlocked.Increment(ref e.Dev.Leaf.CacheHits);
        return buf.Length == e.Length ? buf : buf[..e.Length];
    }
}
