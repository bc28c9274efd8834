namespace Illumos.Engine.Storage.Embedded.Arc;

/// <summary>
/// The ARC, simplified to a byte-bounded LRU of verified, decompressed blocks keyed by
/// (vdev, offset, birth) as ZFS keys it. Cached buffers are shared and must be treated as read-only.
/// The total of cached bytes never exceeds <see cref="MaxBytes"/>.
/// </summary>
public sealed class AdaptiveCache
{
    public readonly record struct Key(uint Vdev, ulong Offset, ulong Birth);

    private readonly Dictionary<Key, LinkedListNode<(Key Key, byte[] Data)>> _map = new();
    private readonly LinkedList<(Key Key, byte[] Data)> _lru = new();
    private readonly object _gate = new();

    public AdaptiveCache(long maxBytes) => MaxBytes = maxBytes;

    public long MaxBytes { get; }
    public long Bytes { get; private set; }
    public ulong Hits, Misses;

    /// <summary>Called with blocks pushed out of the cache (the L2ARC feed hooks here).</summary>
    public Action<Key, byte[]>? Evicted { get; set; }

    public byte[]? Get(Key key)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                Hits++;
                return node.Value.Data;
            }
            Misses++;
            return null;
        }
    }

    public void Put(Key key, byte[] data)
    {
        if (data.Length > MaxBytes / 8) return;
        lock (_gate)
        {
            if (_map.Remove(key, out var old))
            {
                _lru.Remove(old);
                Bytes -= old.Value.Data.Length;
            }
            var node = _lru.AddFirst((key, data));
            _map[key] = node;
            Bytes += data.Length;
            while (Bytes > MaxBytes && _lru.Last is { } last)
            {
                _lru.RemoveLast();
                _map.Remove(last.Value.Key);
                Bytes -= last.Value.Data.Length;
                Evicted?.Invoke(last.Value.Key, last.Value.Data);
            }
        }
    }

    public void Remove(Key key)
    {
        lock (_gate)
        {
            if (_map.Remove(key, out var node))
            {
                _lru.Remove(node);
                Bytes -= node.Value.Data.Length;
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _map.Clear();
            _lru.Clear();
            Bytes = 0;
        }
    }
}
