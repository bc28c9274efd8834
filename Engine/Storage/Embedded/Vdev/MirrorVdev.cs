namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// A mirror of leaves (one leaf: a plain disk). Every side holds every block. A normal read tries
/// sides in rotation until one verifies; a scrub reads every side. Sides that returned bad data are
/// rewritten from a good copy; known-good sides are never rewritten.
/// </summary>
public sealed class MirrorVdev : TopVdev
{
    private int _rotor;

    public MirrorVdev(int id, ulong guid, string type, ZVdevClass cls, int ashift, IReadOnlyList<LeafDevice> leaves)
        : base(id, guid, type, cls, ashift, leaves)
    {
        Asize = leaves.Min(l => l.DataSize) >> ashift << ashift;
    }

    public override long Asize { get; }

    public override ZHealth State
    {
        get
        {
            int healthy = Leaves.Count(l => l.State == ZHealth.ONLINE);
            if (healthy == 0 && Leaves.Any(l => l.Usable)) return ZHealth.DEGRADED; // only degraded sides left: still serving
            if (healthy == Leaves.Count) return ZHealth.ONLINE;
            return healthy > 0 ? ZHealth.DEGRADED : ZHealth.FAULTED;
        }
    }

    public override long AsizeOf(int psize) => ((long)psize + Sector - 1) >> Ashift << Ashift;

    public override void Write(long offset, ReadOnlySpan<byte> data)
    {
        CountWrite(data.Length);
        int written = 0;
        foreach (var leaf in Leaves)
            if (Usable(leaf) && TryWrite(leaf, offset, data)) written++;
        if (written == 0)
            throw new IllumosException(ErrorKind.DeviceError, "VdevWriteFailed", $"No device of vdev {Id} ({Type}) accepted the write.", Id);
    }

    public override void WriteGather(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        long total = 0;
        foreach (var b in buffers) total += b.Length;
        CountWrite((int)total);
        int written = 0;
        foreach (var leaf in Leaves)
        {
            if (!Usable(leaf)) continue;
            try { leaf.WriteDataGather(offset, buffers); written++; }
            catch (IOException) { Interlocked.Increment(ref leaf.WriteErrors); }
        }
        if (written == 0)
            throw new IllumosException(ErrorKind.DeviceError, "VdevWriteFailed", $"No device of vdev {Id} ({Type}) accepted the write.", Id);
    }

    /// <summary>One side (in rotation) reads the whole range.</summary>
    public override bool TryReadSpan(long offset, Span<byte> buffer)
    {
        int n = Leaves.Count;
        int start = n > 1 ? (int)((uint)Interlocked.Increment(ref _rotor) % (uint)n) : 0;
        for (int i = 0; i < n; i++)
        {
            var leaf = Leaves[(start + i) % n];
            if (!Usable(leaf) || !TryRead(leaf, offset, buffer)) continue;
            CountRead(buffer.Length);
            return true;
        }
        return false;
    }

    public override VdevReadResult Read(long offset, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> verify, bool scrub)
    {
        CountRead(buffer.Length);
        int n = Leaves.Count;
        int start = n > 1 ? (int)((uint)Interlocked.Increment(ref _rotor) % (uint)n) : 0;
        List<LeafDevice>? bad = null;
        byte[]? good = null;
        var scratch = scrub ? new byte[buffer.Length] : null;
        for (int i = 0; i < n; i++)
        {
            var leaf = Leaves[(start + i) % n];
            if (!Usable(leaf)) continue;
            var target = good is null ? buffer : scratch!;
            if (!TryRead(leaf, offset, target)) { (bad ??= new()).Add(leaf); continue; }
            if (verify(target))
            {
                if (good is null)
                {
                    // The common case: the first side read is good and nothing needs healing.
                    if (!scrub && bad is null) return new VdevReadResult(true, 0);
                    good = target.ToArray();
                    if (!scrub) break;
                }
                continue;
            }
            leaf.CountChecksumError(scrub);
            (bad ??= new()).Add(leaf);
        }
        if (good is null) return new VdevReadResult(false, 0);
        good.CopyTo(buffer);
        long repaired = 0;
        if (bad is not null)
            foreach (var b in bad)
                if (TryWrite(b, offset, good)) repaired += good.Length;
        return new VdevReadResult(true, repaired);
    }
}
