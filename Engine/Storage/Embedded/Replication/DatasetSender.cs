using Illumos.Engine.Storage.Embedded.Compression;
using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Dsl;
using Illumos.Engine.Storage.Replication;

namespace Illumos.Engine.Storage.Embedded.Replication;

/// <summary>
/// One substream (BEGIN … END) of a snapshot: every object whose dnode block changed after the base
/// txg gets an OBJECT record, a FREE past its end, WRITEs for its blocks born after the base and FREEs
/// for holes in changed indirect blocks; freed object slots get FREEOBJECTS. A full stream is the
/// same walk with base txg 0. <see cref="Steps"/> yields after each object so the caller can release
/// the storage lock between them; in estimate mode no data block is read.
/// </summary>
internal sealed class DatasetSender(Dataset snapshot, ObjectSet os, SendStreamWriter writer, SubstreamPlan plan, bool estimate)
{
    private const int StepBytes = 1 << 20;

    public IEnumerable<bool> Steps()
    {
        var head = snapshot.Head!;
        bool volume = head.Kind == DatasetKind.Volume;
        var begin = new DrrRecord
        {
            VersionInfo = DrrRecord.SubStream | ((ulong)Features(volume) << 2),
            CreationTime = (ulong)snapshot.Creation,
            ObjsetType = volume ? StreamObjects.ObjsetZvol : StreamObjects.ObjsetZfs,
            BeginFlags = DrrRecord.BeginFlagFreeRecords | (plan.FromOrigin ? DrrRecord.BeginFlagClone : 0),
            BeginToGuid = snapshot.Guid,
            BeginFromGuid = plan.FromGuid,
            ToName = snapshot.FullName,
        };
        writer.Begin(begin, plan.ResumePayload ?? default);
        yield return true;

        if (volume)
        {
            var data = os.Get(StreamObjects.ZvolDataObject);
            foreach (var _ in SendObject(data, StreamObjects.OtZvol, null)) yield return true;
            if (plan.ResumeObject <= StreamObjects.ZvolPropObject)
            {
                writer.Object(StreamObjects.ZvolPropObject, StreamObjects.OtZvolProp, 0, StreamObjects.MicrozapBlockSize, default, (byte)Checksums.ChecksumKind.Fletcher4, (byte)CompressionKind.Off);
                writer.Free(StreamObjects.ZvolPropObject, StreamObjects.MicrozapBlockSize, ulong.MaxValue);
                writer.Write(StreamObjects.ZvolPropObject, StreamObjects.OtZvolProp, 0, StreamObjects.MicrozapBlockSize,
                    StreamObjects.ZvolProperties((ulong)data.Length), (byte)Checksums.ChecksumKind.Fletcher4, 0);
            }
            writer.FreeObjects(StreamObjects.ZvolPropObject + 1, StreamObjects.MaxObject - StreamObjects.ZvolPropObject - 1);
        }
        else
        {
            foreach (var (id, allocated) in os.ChangedSlots(plan.FromTxg))
            {
                if (id < plan.ResumeObject) continue;
                if (!allocated) { writer.FreeObjects(id, 1); continue; }
                var o = os.Get(id);
                foreach (var _ in SendObject(o, StreamObjects.DmuType(o.Dn.Type), StreamObjects.Bonus(o.Dn))) yield return true;
                yield return true;
            }
            writer.FreeObjects(os.NextObject, StreamObjects.MaxObject - os.NextObject);
        }
        writer.End();
        yield return false;
    }

    private StreamFeatures Features(bool volume)
    {
        var f = volume ? StreamFeatures.None : StreamFeatures.EmbeddedZpl;
        if (plan.LargeBlocks) f |= StreamFeatures.LargeBlocks;
        if (plan.Compressed) f |= StreamFeatures.Compressed | StreamFeatures.Lz4;
        if (plan.ResumePayload is not null) f |= StreamFeatures.Resuming;
        return f;
    }

    private IEnumerable<bool> SendObject(DmuObject o, uint type, byte[]? bonus)
    {
        var dn = o.Dn;
        ulong bs = (ulong)dn.BlockSize;
        writer.Object(o.Id, type, bonus is null ? 0 : StreamObjects.OtSa, (uint)bs, bonus, (byte)Checksums.ChecksumKind.Fletcher4, (byte)CompressionKind.Off);
        long blocks = (dn.Length + (long)bs - 1) / (long)bs;
        writer.Free(o.Id, (ulong)blocks * bs, ulong.MaxValue);
        ulong skipBelow = o.Id == plan.ResumeObject ? plan.ResumeOffset : 0;
        long sinceYield = 0;
        foreach (var (first, count, bp) in o.ChangedBlocks(plan.FromTxg))
        {
            if (first >= blocks) break;
            ulong offset = (ulong)first * bs;
            if (bp.IsHole)
            {
                long n = Math.Min(count, blocks - first);
                ulong end = offset + (ulong)n * bs;
                if (end <= skipBelow) continue;
                ulong from = Math.Max(offset, skipBelow);
                writer.Free(o.Id, from, end - from);
                continue;
            }
            if (offset < skipBelow) continue;
            bool asStored = plan.Compressed && bp.Compression == CompressionKind.Lz4;
            if (estimate) writer.CountWrite(asStored ? (ulong)bp.PSize : (ulong)bp.LSize);
            else if (asStored)
            {
                // This engine's lz4 blocks start with a little-endian length; OpenZFS's with a big-endian one.
                var stored = (byte[])os.Zio.ReadPhysical(bp).Clone();
                Array.Reverse(stored, 0, 4);
                writer.Write(o.Id, type, offset, (ulong)bp.LSize, stored, (byte)bp.ChecksumKind, (byte)CompressionKind.Lz4);
            }
            else
            {
                // A streaming read: the block is copied into the stream at once, so the ARC need not keep it.
                var data = os.Zio.Read(bp, streaming: true, out bool transient);
                writer.Write(o.Id, type, offset, (ulong)bp.LSize, data, (byte)bp.ChecksumKind, 0);
                if (transient) os.Zio.Recycle(data);
            }
            sinceYield += bp.LSize;
            if (sinceYield >= StepBytes) { sinceYield = 0; yield return true; }
        }
    }
}

/// <summary>What one substream covers: its base (txg and guid, 0 for full), options and a resume point.</summary>
internal sealed record SubstreamPlan
{
    public ulong FromTxg { get; init; }
    public ulong FromGuid { get; init; }
    public string? FromName { get; init; }
    public bool Compressed { get; init; }
    public bool LargeBlocks { get; init; }
    /// <summary>The base is another dataset's snapshot: the clone's origin (BEGIN flag CLONE); the receiver makes a clone of it.</summary>
    public bool FromOrigin { get; init; }
    public ulong ResumeObject { get; init; }
    public ulong ResumeOffset { get; init; }
    /// <summary>BEGIN's nvlist payload of a resumed stream (resume_object, resume_offset).</summary>
    public byte[]? ResumePayload { get; init; }
}
