namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// A top-level vdev: a single leaf or a mirror of leaves. Reads take a verifier (the block
/// pointer's checksum check) so a bad copy is recognised per side; a read that finds good data
/// rewrites the sides that returned bad data (self-heal), never the known-good ones.
/// </summary>
public sealed class TopVdev : IDisposable
{
    private int _rotor;

    public TopVdev(int id, ulong guid, string type, ZVdevClass cls, int ashift, IReadOnlyList<LeafDevice> leaves)
    {
        Id = id; Guid = guid; Type = type; Class = cls; Ashift = ashift; Leaves = leaves;
        long min = leaves.Min(l => l.DataSize);
        Asize = min >> ashift << ashift;
    }

    public int Id { get; }
    public ulong Guid { get; }
    public string Type { get; }
    public ZVdevClass Class { get; }
    public int Ashift { get; }
    public IReadOnlyList<LeafDevice> Leaves { get; }
    public long Asize { get; }
    public ulong ReadOps, WriteOps, ReadBytes, WriteBytes;

    public bool IsMirror => Type == "mirror";

    public ZHealth State
    {
        get
        {
            int healthy = Leaves.Count(l => l.State == ZHealth.ONLINE);
            if (healthy == Leaves.Count) return ZHealth.ONLINE;
            return healthy > 0 && IsMirror ? ZHealth.DEGRADED : ZHealth.FAULTED;
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Interlocked.Increment(ref WriteOps);
        Interlocked.Add(ref WriteBytes, (ulong)data.Length);
        int written = 0;
        foreach (var leaf in Leaves)
        {
            if (leaf.State is ZHealth.OFFLINE or ZHealth.UNAVAIL) continue;
            try { leaf.WriteData(offset, data); written++; }
            catch (IOException) { Interlocked.Increment(ref leaf.WriteErrors); }
        }
        if (written == 0)
            throw new IllumosException(ErrorKind.DeviceError, "VdevWriteFailed", $"No device of vdev {Id} ({Type}) accepted the write.", Id);
    }

    /// <summary>Reads into <paramref name="buffer"/> a copy that <paramref name="verify"/> accepts, healing bad sides.</summary>
    public bool Read(long offset, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> verify)
    {
        Interlocked.Increment(ref ReadOps);
        Interlocked.Add(ref ReadBytes, (ulong)buffer.Length);
        int n = Leaves.Count;
        int start = IsMirror ? (int)((uint)Interlocked.Increment(ref _rotor) % (uint)n) : 0;
        List<LeafDevice>? bad = null;
        for (int i = 0; i < n; i++)
        {
            var leaf = Leaves[(start + i) % n];
            if (leaf.State is ZHealth.OFFLINE or ZHealth.UNAVAIL) continue;
            try
            {
                leaf.ReadData(offset, buffer);
            }
            catch (IOException)
            {
                Interlocked.Increment(ref leaf.ReadErrors);
                (bad ??= new()).Add(leaf);
                continue;
            }
            if (verify(buffer))
            {
                if (bad is not null)
                {
                    foreach (var b in bad)
                    {
                        try { b.WriteData(offset, buffer); } catch (IOException) { Interlocked.Increment(ref b.WriteErrors); }
                    }
                }
                return true;
            }
            Interlocked.Increment(ref leaf.ChecksumErrors);
            (bad ??= new()).Add(leaf);
        }
        return false;
    }

    public void Flush()
    {
        foreach (var l in Leaves) if (l.State is not (ZHealth.OFFLINE or ZHealth.UNAVAIL)) l.Flush();
    }

    public void Dispose()
    {
        foreach (var l in Leaves) l.Dispose();
    }
}
