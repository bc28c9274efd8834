namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>What a top-level read found: whether a copy verified, and how many bytes were rewritten (self-heal).</summary>
public readonly record struct VdevReadResult(bool Ok, long Repaired);

/// <summary>
/// A top-level vdev: a mirror (a single device is a one-way mirror) or a raidz group. Reads take a
/// verifier (the block pointer's checksum check) so a bad copy or column is recognised; reads that
/// find good data rewrite what was bad (self-heal). A scrub read checks every side and parity.
/// </summary>
public abstract class TopVdev : IDisposable
{
    protected TopVdev(int id, ulong guid, string type, ZVdevClass cls, int ashift, IReadOnlyList<LeafDevice> leaves)
    {
        Id = id; Guid = guid; Type = type; Class = cls; Ashift = ashift; _leaves = leaves.ToList();
    }

    private readonly List<LeafDevice> _leaves;

    public static TopVdev Create(int id, ulong guid, string type, ZVdevClass cls, int ashift, IReadOnlyList<LeafDevice> leaves, int parity) =>
        type == "hole" ? new HoleVdev(id, guid, ashift)
        : type.StartsWith("raidz", StringComparison.Ordinal) ? new RaidzVdev(id, guid, parity, cls, ashift, leaves)
        : new MirrorVdev(id, guid, type, cls, ashift, leaves);

    /// <summary>The name zpool status gives it: mirror-1, raidz2-0 (a plain disk is named by its path).</summary>
    public string Name => Type + "-" + Id;
    /// <summary>No devices behind it: a removed log vdev (hole) or a removed data vdev (indirect); hidden from status and never allocated from.</summary>
    public bool IsHole => Type is "hole" or "indirect";

    public int Id { get; }
    public ulong Guid { get; }
    public string Type { get; }
    public ZVdevClass Class { get; }
    public int Ashift { get; }
    public IReadOnlyList<LeafDevice> Leaves => _leaves;

    /// <summary>Puts a new device in the place of an old one (replace); the caller resilvers it.</summary>
    public void ReplaceLeaf(LeafDevice old, LeafDevice replacement) => _leaves[_leaves.IndexOf(old)] = replacement;
    /// <summary>Bytes of this vdev's address space that can be allocated.</summary>
    public abstract long Asize { get; }
    public virtual int Parity => 0;
    public ulong ReadOps, WriteOps, ReadBytes, WriteBytes;

    public bool IsMirror => Type == "mirror";
    public int Sector => 1 << Ashift;

    public abstract ZHealth State { get; }

    /// <summary>Bytes of address space a block of <paramref name="psize"/> physical bytes takes (parity and padding included).</summary>
    public abstract long AsizeOf(int psize);

    public abstract void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Writes blocks that lie back to back from <paramref name="offset"/> (one vectored write per device where the vdev can).</summary>
    public virtual void WriteGather(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers)
    {
        foreach (var b in buffers)
        {
            Write(offset, b.Span);
            offset += b.Length;
        }
    }

    public abstract VdevReadResult Read(long offset, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> verify, bool scrub);

    /// <summary>
    /// Reads a contiguous range holding several blocks in one device read, unverified (the caller
    /// checks each block and re-reads a bad one through <see cref="Read"/>); false when this vdev
    /// cannot (then the caller reads block by block).
    /// </summary>
    public virtual bool TryReadSpan(long offset, Span<byte> buffer) => false;

    protected void CountRead(int bytes)
    {
        Interlocked.Increment(ref ReadOps);
        Interlocked.Add(ref ReadBytes, (ulong)bytes);
    }

    protected void CountWrite(int bytes)
    {
        Interlocked.Increment(ref WriteOps);
        Interlocked.Add(ref WriteBytes, (ulong)bytes);
    }

    protected static bool Usable(LeafDevice l) => l.Usable;

    /// <summary>Writes to a leaf, counting a failure instead of throwing (the other sides carry the data).</summary>
    protected static bool TryWrite(LeafDevice leaf, long offset, ReadOnlySpan<byte> data)
    {
        try { leaf.WriteData(offset, data); return true; }
        catch (IOException) { leaf.CountIoError(write: true); return false; }
    }

    protected static bool TryRead(LeafDevice leaf, long offset, Span<byte> buffer)
    {
        if (!Usable(leaf)) return false;
        try { leaf.ReadData(offset, buffer); return true; }
        catch (IOException) { leaf.CountIoError(write: false); return false; }
    }

    public void Flush()
    {
        foreach (var l in Leaves) if (Usable(l)) l.Flush();
    }

    public void Dispose()
    {
        foreach (var l in Leaves) l.Dispose();
    }
}
