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

    /// <summary>Whether the block is cached (no hit or miss is counted, recency is unchanged).</summary>
    public bool Contains(Key key)
    {
        lock (_gate) return _map.ContainsKey(key);
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
                // Large blocks are data blocks, which readers copy out at once under the storage lock.
                RecycleLocked(last.Value.Data);
            }
        }
    }

    // Recycled large block buffers. Fresh memory is expensive to fault in (and the ARC keeps its
    // buffers alive, so the GC cannot reuse them); buffers the ARC evicts, and dirty buffers a txg
    // has written, are handed to the next read or write of the same size instead.
    private const int RecycleMinimum = 64 * 1024;
    private const long RecycleLimit = 64L << 20;
    private const int GhostLimit = 65536;
    private readonly HashSet<Key> _ghost = new();
    private readonly Queue<Key> _ghostOrder = new();

    /// <summary>
    /// Admission of large data blocks read by streaming readers: the first miss only remembers the
    /// key (a ghost entry, no data); a second miss within the ghost window admits the block. A single
    /// sequential pass over a large file therefore does not flush the cache, while re-read data is cached.
    /// </summary>
    public bool Admit(Key key)
    {
        lock (_gate)
        {
            if (_ghost.Remove(key)) return true;
            _ghost.Add(key);
            _ghostOrder.Enqueue(key);
            while (_ghostOrder.Count > GhostLimit) _ghost.Remove(_ghostOrder.Dequeue());
            return false;
        }
    }
    private readonly Dictionary<int, Stack<byte[]>> _recycled = new();
    private long _recycledBytes;

    /// <summary>A buffer of exactly <paramref name="length"/> bytes with undefined contents; the caller overwrites all of it.</summary>
    public byte[] Rent(int length)
    {
        if (length >= RecycleMinimum)
            lock (_gate)
                if (_recycled.TryGetValue(length, out var s) && s.Count > 0)
                {
                    _recycledBytes -= length;
                    return s.Pop();
                }
        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Gives back a buffer nobody references any more.</summary>
    public void Recycle(byte[] buffer)
    {
        if (buffer.Length < RecycleMinimum) return;
        lock (_gate) RecycleLocked(buffer);
    }

    private void RecycleLocked(byte[] buffer)
    {
        if (_recycledBytes + buffer.Length > RecycleLimit) return;
        if (!_recycled.TryGetValue(buffer.Length, out var s)) _recycled[buffer.Length] = s = new Stack<byte[]>();
        s.Push(buffer);
        _recycledBytes += buffer.Length;
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
            _recycled.Clear();
            _recycledBytes = 0;
            Bytes = 0;
        }
    }
}
