namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// A removed top-level data vdev (ZFS's indirect-N): no device behind it, only the mapping of
/// what was live on it when it was evacuated. Block pointers keep naming it; reads and rewrites
/// (self-heal) go through the mapping to the vdevs that hold the copies (possibly another indirect
/// vdev, when that one was removed later). A block whose copy is split over several runs is read
/// piece by piece and verified whole. It has no allocatable space.
/// </summary>
public sealed class IndirectVdev(int id, ulong guid, int ashift, IndirectMapping mapping, IReadOnlyList<TopVdev> tops)
    : TopVdev(id, guid, "indirect", ZVdevClass.Normal, ashift, [])
{
    public IndirectMapping Mapping { get; } = mapping;
    public override long Asize => 0;
    public override ZHealth State => ZHealth.ONLINE;
    public override long AsizeOf(int psize) => ((long)psize + Sector - 1) >> Ashift << Ashift;

    public override void Write(long offset, ReadOnlySpan<byte> data)
    {
        CountWrite(data.Length);
        int at = 0;
        foreach (var (v, off, len) in Mapping.Translate(offset, data.Length))
        {
            tops[(int)v].Write(off, data.Slice(at, (int)len));
            at += (int)len;
        }
    }

    public override VdevReadResult Read(long offset, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> verify, bool scrub)
    {
        CountRead(buffer.Length);
        var pieces = Mapping.Translate(offset, buffer.Length);
        // The usual case: the block lies within one run, and the vdev holding it verifies (and heals) it.
        if (pieces.Count == 1) return tops[(int)pieces[0].Vdev].Read(pieces[0].Offset, buffer, verify, scrub);
        int at = 0;
        long repaired = 0;
        foreach (var (v, off, len) in pieces)
        {
            var r = tops[(int)v].Read(off, buffer.Slice(at, (int)len), static _ => true, false);
            if (!r.Ok) return new VdevReadResult(false, 0);
            repaired += r.Repaired;
            at += (int)len;
        }
        return new VdevReadResult(verify(buffer), repaired);
    }
}
