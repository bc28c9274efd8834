using Illumos.Engine.Storage.Embedded.Arc;
using Illumos.Engine.Storage.Embedded.Checksums;
using Illumos.Engine.Storage.Embedded.Compression;

namespace Illumos.Engine.Storage.Embedded.Zio;

/// <summary>
/// How a block is to be written. <paramref name="UserData"/> marks the level-0 blocks of file and
/// volume contents (everything else is metadata, which a special vdev takes); blocks of user data no
/// larger than <paramref name="SpecialSmallBlocks"/> physical bytes go to a special vdev too.
/// </summary>
public readonly record struct WriteProps(ChecksumKind Checksum, CompressionKind Compression, int ZstdLevel, int Copies, BlockType Type, byte Level, bool Logged,
    int SpecialSmallBlocks = 0, bool UserData = false);

/// <summary>
/// The block pipeline. Write: compress (kept only if it saves 12.5%) → checksum → allocate one DVA
/// per copy → write every copy (mirrors write every side). Read: ARC → each DVA in turn, where the
/// vdev verifies each side against the checksum → decompress; copies found bad are rewritten from a
/// good one (self-heal). A block no copy of which verifies is an unrecoverable read error.
/// </summary>
public sealed class ZioPipeline
{
    private readonly SpaceManager _space;
    private readonly AdaptiveCache _arc;

    public ZioPipeline(SpaceManager space, AdaptiveCache arc)
    {
        _space = space;
        _arc = arc;
    }

    public ulong ChecksumErrorsUnrecovered;
    /// <summary>Cache devices (L2ARC) consulted on an ARC miss.</summary>
    public Arc.L2Arc? L2 { get; set; }
    /// <summary>Called when a block cannot be read from any copy (the pool's error log).</summary>
    public Action<BlockPointer>? OnUnrecoverable { get; set; }

    /// <summary>A block buffer to fill completely (recycled when possible).</summary>
    public byte[] Rent(int length) => _arc.Rent(length);

    /// <summary>Returns a buffer that is no longer referenced (a written dirty block); one still queued for writing is recycled after the write.</summary>
    public void Recycle(byte[] buffer)
    {
        if (_pendingArrays.Contains(buffer)) _pendingRecycle.Add(buffer);
        else _arc.Recycle(buffer);
    }

    // Data blocks allocated back to back on one vdev are queued and written with one vectored write
    // per device: fewer calls, and the device files' page cache gets large folios, which later
    // sequential reads of the pool go through much faster.
    private const int PendingLimit = 64;
    private readonly List<ReadOnlyMemory<byte>> _pending = new();
    private readonly HashSet<byte[]> _pendingArrays = new(ReferenceEqualityComparer.Instance);
    private readonly List<byte[]> _pendingRecycle = new();
    private uint _pendingVdev;
    private long _pendingStart, _pendingEnd;

    /// <summary>Writes the queued data blocks (before any read, and before a txg's device flush).</summary>
    public void FlushWrites()
    {
        if (_pending.Count == 0) return;
        try { _space.Tops[(int)_pendingVdev].WriteGather(_pendingStart, _pending); }
        finally
        {
            _pending.Clear();
            _pendingArrays.Clear();
            foreach (var b in _pendingRecycle) _arc.Recycle(b);
            _pendingRecycle.Clear();
        }
    }

    private void Queue(in Dva d, byte[] physical)
    {
        if (_pending.Count > 0 && (d.Vdev != _pendingVdev || (long)d.Offset != _pendingEnd || _pending.Count >= PendingLimit)) FlushWrites();
        if (_pending.Count == 0) { _pendingVdev = d.Vdev; _pendingStart = (long)d.Offset; _pendingEnd = (long)d.Offset; }
        _pending.Add(physical);
        _pendingArrays.Add(physical);
        _pendingEnd += physical.Length;
    }

    /// <summary>Whether <see cref="Write"/> keeps the buffer in the ARC (then it must not be recycled).</summary>
    public static bool CachesOnWrite(in WriteProps p, int length) => p.Type != BlockType.Data || length <= 16384;

    public BlockPointer Write(byte[] logical, in WriteProps p, ulong txg, ulong fill)
    {
        if (logical.Length % 512 != 0) throw new ArgumentException("blocks are whole 512-byte sectors", nameof(logical));
        var compression = CompressionKind.Off;
        byte[] physical = logical;
        if (p.Compression != CompressionKind.Off)
        {
            var c = BlockCompression.Compress(p.Compression, p.ZstdLevel, logical, 512);
            if (c is not null) { physical = c; compression = p.Compression; }
        }
        var sum = BlockChecksum.Compute(p.Checksum, physical);
        var dvas = _space.Allocate(physical.Length, Math.Clamp(p.Copies, 1, 3), p.Logged, _space.ClassFor(p, physical.Length));
        if (dvas.Length == 1 && p.Type == BlockType.Data && physical.Length > 16384 && dvas[0].Asize == physical.Length) Queue(dvas[0], physical);
        else
        {
            FlushWrites();
            foreach (var d in dvas) _space.Tops[(int)d.Vdev].Write((long)d.Offset, physical);
        }
        var bp = new BlockPointer(dvas[0], dvas.Length > 1 ? dvas[1] : default, dvas.Length > 2 ? dvas[2] : default,
            logical.Length, physical.Length, compression, p.Checksum, p.Type, p.Level, txg, fill, sum);
        if (CachesOnWrite(p, logical.Length)) _arc.Put(new AdaptiveCache.Key(dvas[0].Vdev, dvas[0].Offset, txg), logical);
        return bp;
    }

    /// <summary>
    /// Reads a block into <paramref name="dest"/> (exactly its logical size) for a streaming reader
    /// that copies the data out at once. A data block that is neither cached nor compressed goes from
    /// the device straight into <paramref name="dest"/> and is verified there (no intermediate buffer,
    /// no copy); the ARC's admission rule still applies. Anything else goes through <see cref="Read(in BlockPointer, bool, out bool)"/>.
    /// </summary>
    public void ReadInto(in BlockPointer bp, Span<byte> dest)
    {
        if (bp.IsHole) { dest.Clear(); return; }
        FlushWrites();
        if (bp.Compression != CompressionKind.Off || bp.PSize != bp.LSize || bp.Type != BlockType.Data || bp.LSize <= 16384 || dest.Length != bp.LSize)
        {
            var data = Read(bp, streaming: true, out bool transient);
            data.AsSpan(0, dest.Length).CopyTo(dest);
            if (transient) _arc.Recycle(data);
            return;
        }
        var key = new AdaptiveCache.Key(bp.D0.Vdev, bp.D0.Offset, bp.Birth);
        if (_arc.Get(key) is { } cached) { cached.CopyTo(dest); return; }
        if (L2?.TryRead(key) is { } fromL2 && fromL2.Length == bp.LSize)
        {
            _arc.Put(key, fromL2);
            fromL2.CopyTo(dest);
            return;
        }
        ReadVerified(bp, dest);
        AdmitStreamed(bp, dest);
    }

    /// <summary>
    /// Reads consecutive blocks of an object into <paramref name="dest"/> (each exactly its logical
    /// size, back to back). Runs of uncached, uncompressed data blocks that also lie back to back on
    /// one vdev are read with one device read, then every block is verified against its own checksum;
    /// a block that fails is read again from every side and copy (self-heal); every other block goes
    /// through <see cref="ReadInto"/>.
    /// </summary>
    public void ReadRunInto(ReadOnlySpan<BlockPointer> bps, Span<byte> dest)
    {
        FlushWrites();
        int at = 0;
        for (int i = 0; i < bps.Length;)
        {
            int j = i;
            long bytes = 0;
            while (j < bps.Length && Direct(bps[j]) && (j == i || Follows(bps[j - 1], bps[j])))
            {
                bytes += bps[j].LSize;
                j++;
            }
            if (j - i >= 2 && _space.Tops[(int)bps[i].D0.Vdev].TryReadSpan((long)bps[i].D0.Offset, dest.Slice(at, (int)bytes)))
            {
                for (int k = i; k < j; k++)
                {
                    var slice = dest.Slice(at, bps[k].LSize);
                    // A bad block: every side is read and checked, and bad sides are rewritten (as a scrub does).
                    if (BlockChecksum.Compute(bps[k].ChecksumKind, slice) != bps[k].Checksum) ReadVerified(bps[k], slice, scrub: true);
                    AdmitStreamed(bps[k], slice);
                    at += bps[k].LSize;
                }
                i = j;
                continue;
            }
            int n = Math.Max(1, j - i);
            for (int k = i; k < i + n; k++)
            {
                ReadInto(bps[k], dest.Slice(at, bps[k].LSize));
                at += bps[k].LSize;
            }
            i += n;
        }
    }

    /// <summary>A block a streaming read takes straight from the device: uncompressed data, not cached, with a checksum.</summary>
    private bool Direct(in BlockPointer bp) =>
        !bp.IsHole && bp.Compression == CompressionKind.Off && bp.PSize == bp.LSize && bp.Type == BlockType.Data && bp.LSize > 16384
        && bp.ChecksumKind != ChecksumKind.Off && bp.D0.Vdev < _space.Tops.Count && bp.D0.Asize == bp.LSize
        && !_arc.Contains(new AdaptiveCache.Key(bp.D0.Vdev, bp.D0.Offset, bp.Birth));

    private static bool Follows(in BlockPointer prev, in BlockPointer next) =>
        next.D0.Vdev == prev.D0.Vdev && next.D0.Offset == prev.D0.Offset + prev.D0.Asize;

    /// <summary>The ARC's admission rule for a block a streaming reader got from the device.</summary>
    private void AdmitStreamed(in BlockPointer bp, ReadOnlySpan<byte> data)
    {
        var key = new AdaptiveCache.Key(bp.D0.Vdev, bp.D0.Offset, bp.Birth);
        if (!_arc.Admit(key)) return;
        var copy = _arc.Rent(bp.LSize);
        data.CopyTo(copy);
        _arc.Put(key, copy);
    }

    /// <summary>
    /// Reads the physical block into <paramref name="physical"/> from the first copy that verifies
    /// (each vdev checks every side it tries), rewrites copies that failed everywhere (self-heal),
    /// or throws an unrecoverable read error.
    /// </summary>
    private void ReadVerified(in BlockPointer bp, Span<byte> physical, bool scrub = false)
    {
        var expected = bp.Checksum;
        var kind = bp.ChecksumKind;
        bool Verify(ReadOnlySpan<byte> data) => kind == ChecksumKind.Off || BlockChecksum.Compute(kind, data) == expected;
        bool ok = false;
        List<Dva>? badCopies = null;
        for (int i = 0; i < bp.Copies && !ok; i++)
        {
            var d = bp.GetDva(i);
            if (d.Vdev >= _space.Tops.Count) continue;
            if (_space.Tops[(int)d.Vdev].Read((long)d.Offset, physical, Verify, scrub).Ok) ok = true;
            else (badCopies ??= new()).Add(d);
        }
        if (!ok)
        {
            Interlocked.Increment(ref ChecksumErrorsUnrecovered);
            OnUnrecoverable?.Invoke(bp);
            throw new IllumosException(ErrorKind.ReadError, "BlockChecksumMismatch",
                $"A block could not be read from any copy (checksum mismatch or I/O error): {bp}.", bp.ToString());
        }
        // Self-heal the ditto copies that failed on every side.
        if (badCopies is not null) foreach (var d in badCopies) _space.Tops[(int)d.Vdev].Write((long)d.Offset, physical);
    }

    /// <summary>The verified logical contents of a block (shared from the ARC: do not modify).</summary>
    public byte[] Read(in BlockPointer bp) => Read(bp, streaming: false, out _);

    /// <summary>
    /// Reads a block. A streaming reader (one that copies the data out at once) may get a buffer the
    /// ARC did not admit (<paramref name="transient"/>); it hands that back with <see cref="Recycle"/>.
    /// </summary>
    public byte[] Read(in BlockPointer bp, bool streaming, out bool transient)
    {
        transient = false;
        if (bp.IsHole) return new byte[bp.LSize];
        FlushWrites();
        var key = new AdaptiveCache.Key(bp.D0.Vdev, bp.D0.Offset, bp.Birth);
        var cached = _arc.Get(key);
        if (cached is not null) return cached;
        if (L2?.TryRead(key) is { } fromL2 && fromL2.Length == bp.LSize)
        {
            _arc.Put(key, fromL2);
            return fromL2;
        }
        var physical = _arc.Rent(bp.PSize);
        ReadVerified(bp, physical);
        byte[] logical;
        if (bp.Compression == CompressionKind.Off) logical = physical.Length == bp.LSize ? physical : physical[..bp.LSize];
        else
        {
            logical = _arc.Rent(bp.LSize);
            BlockCompression.Decompress(bp.Compression, physical, logical);
            _arc.Recycle(physical);
        }
        if (streaming && bp.Type == BlockType.Data && bp.LSize > 16384 && !_arc.Admit(key))
        {
            transient = true;
            return logical;
        }
        _arc.Put(key, logical);
        return logical;
    }

    /// <summary>A block as stored (compressed bytes), verified against its checksum; for compressed send streams.</summary>
    public byte[] ReadPhysical(in BlockPointer bp)
    {
        if (bp.Compression == CompressionKind.Off) return Read(bp);
        var physical = new byte[bp.PSize];
        var expected = bp.Checksum;
        var kind = bp.ChecksumKind;
        bool Verify(ReadOnlySpan<byte> data) => kind == ChecksumKind.Off || BlockChecksum.Compute(kind, data) == expected;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            for (int i = 0; i < bp.Copies; i++)
            {
                var d = bp.GetDva(i);
                if (d.Vdev < _space.Tops.Count && _space.Tops[(int)d.Vdev].Read((long)d.Offset, physical, Verify, scrub: false).Ok) return physical;
            }
            // No copy verified: the full read path reconstructs and self-heals (or throws), then the stored form is read again.
            if (attempt == 0) Read(bp);
        }
        throw new IllumosException(ErrorKind.ReadError, "BlockChecksumMismatch", $"A block could not be read as stored: {bp}.", bp.ToString());
    }
}
