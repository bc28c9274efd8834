using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dmu;

/// <summary>
/// An object: a dnode and its copy-on-write block tree. Level-0 blocks hold data; indirect blocks
/// (16 KiB, 128 block pointers) hold the pointers of the level below, each with the child's checksum
/// and birth txg. Writes gather as dirty level-0 buffers; <see cref="Sync"/> writes them and then
/// every dirty indirect block bottom-up, killing the blocks they replace. All-zero blocks become holes.
/// </summary>
public sealed class DmuObject
{
    public const int IndirectShift = 7;
    public const int IndirectCount = 1 << IndirectShift;
    public const int IndirectBlockSize = IndirectCount * BlockPointer.Size;
    /// <summary>Most whole blocks a read hands to the pipeline at once (one device read when they are contiguous).</summary>
    private const int MaxReadRun = 32;

    private readonly Dictionary<long, byte[]> _dirty = new();
    private readonly Dictionary<(int Level, long Index), BlockPointer[]> _ind = new();
    private readonly HashSet<(int Level, long Index)> _dirtyInd = new();

    internal DmuObject(ObjectSet os, ulong id, Dnode dnode)
    {
        Os = os;
        Id = id;
        Dn = dnode;
    }

    public ObjectSet Os { get; }
    public ulong Id { get; }
    public Dnode Dn { get; }
    public int BlockSize => Dn.BlockSize;
    public long Length => Dn.Length;
    public long DirtyBytes => _dirty.Count * (long)Dn.BlockSize;

    /// <summary>Drops the dirty data blocks, keeping the object set's running count of dirty bytes exact.</summary>
    private void ClearDirty()
    {
        Os.DirtyDataBytes -= DirtyBytes;
        _dirty.Clear();
    }

    private long Capacity(int levels) => levels >= 10 ? long.MaxValue : 1L << (IndirectShift * (levels - 1));

    public void MarkDirty() => Os.MarkDirty(this);

    private BlockPointer[] GetIndirect(int level, long index)
    {
        if (_ind.TryGetValue((level, index), out var arr)) return arr;
        BlockPointer bp = level == Dn.NLevels - 1 ? Dn.Root : GetIndirect(level + 1, index >> IndirectShift)[index & (IndirectCount - 1)];
        arr = new BlockPointer[IndirectCount];
        if (bp.IsHole)
        {
            var hole = BlockPointer.Hole(level == 1 ? BlockType.Data : BlockType.Indirect, (byte)(level - 1), level == 1 ? Dn.BlockSize : IndirectBlockSize);
            Array.Fill(arr, hole);
        }
        else
        {
            var raw = Os.Zio.Read(bp);
            for (int i = 0; i < IndirectCount; i++) arr[i] = BlockPointer.Read(raw.AsSpan(i * BlockPointer.Size));
        }
        _ind[(level, index)] = arr;
        return arr;
    }

    public BlockPointer GetBlockPointer(long blkid)
    {
        if (blkid >= Capacity(Dn.NLevels)) return BlockPointer.Hole(BlockType.Data, 0, Dn.BlockSize);
        if (Dn.NLevels == 1) return blkid == 0 ? Dn.Root : BlockPointer.Hole(BlockType.Data, 0, Dn.BlockSize);
        return GetIndirect(1, blkid >> IndirectShift)[blkid & (IndirectCount - 1)];
    }

    /// <summary>A block's contents (shared; do not modify), or null for a hole.</summary>
    public byte[]? ReadBlock(long blkid)
    {
        if (_dirty.TryGetValue(blkid, out var d)) return d;
        var bp = GetBlockPointer(blkid);
        return bp.IsHole ? null : Os.Zio.Read(bp);
    }

    public void WriteBlock(long blkid, byte[] data)
    {
        if (data.Length != Dn.BlockSize) throw new ArgumentException("block size mismatch", nameof(data));
        Os.CheckWritable();
        EnsureLevels(blkid);
        if (!_dirty.ContainsKey(blkid)) Os.DirtyDataBytes += Dn.BlockSize;
        _dirty[blkid] = data;
        MarkDirty();
    }

    private void EnsureLevels(long blkid)
    {
        while (blkid >= Capacity(Dn.NLevels))
        {
            // A new top indirect block whose first pointer is the old root; the old tree moves under it unchanged.
            var top = new BlockPointer[IndirectCount];
            Array.Fill(top, BlockPointer.Hole(Dn.NLevels == 1 ? BlockType.Data : BlockType.Indirect, (byte)(Dn.NLevels - 1), Dn.NLevels == 1 ? Dn.BlockSize : IndirectBlockSize));
            top[0] = Dn.Root;
            Dn.NLevels++;
            _ind[(Dn.NLevels - 1, 0)] = top;
            _dirtyInd.Add((Dn.NLevels - 1, 0));
            Dn.Root = BlockPointer.Hole(BlockType.Indirect, (byte)(Dn.NLevels - 1), IndirectBlockSize); // placeholder until sync
        }
    }

    /// <summary>Changes the block size of an object that has at most one block (a growing small file).</summary>
    public void Resize(int newBlockSize)
    {
        if (newBlockSize == Dn.BlockSize) return;
        if (Dn.NLevels != 1) throw new InvalidOperationException("only single-block objects change block size");
        var old = ReadBlock(0);
        var nb = new byte[newBlockSize];
        if (old is not null) old.AsSpan(0, Math.Min(old.Length, newBlockSize)).CopyTo(nb);
        ClearDirty(); // counted at the old block size
        Dn.BlockSize = newBlockSize;
        WriteBlock(0, nb);
    }

    public int Read(long offset, Span<byte> buffer)
    {
        if (offset >= Dn.Length) return 0;
        int count = (int)Math.Min(buffer.Length, Dn.Length - offset);
        int bs = Dn.BlockSize, done = 0;
        while (done < count)
        {
            long pos = offset + done;
            long blk = pos / bs;
            int inBlk = (int)(pos % bs);
            int n = Math.Min(bs - inBlk, count - done);
            bool dirty = _dirty.TryGetValue(blk, out var d);
            if (!dirty && n == bs)
            {
                // Whole blocks: straight from the devices into the caller's buffer, a run at a time.
                int run = 1;
                while (run < MaxReadRun && (long)(run + 1) * bs <= count - done && !_dirty.ContainsKey(blk + run)) run++;
                var bps = new BlockPointer[run];
                for (int i = 0; i < run; i++) bps[i] = GetBlockPointer(blk + i);
                Os.Zio.ReadRunInto(bps, buffer.Slice(done, run * bs));
                done += run * bs;
                continue;
            }
            bool transient = false;
            byte[]? data = dirty ? d : GetBlockPointer(blk) is var bp && bp.IsHole ? null : Os.Zio.Read(bp, streaming: true, out transient);
            if (data is null) buffer.Slice(done, n).Clear();
            else data.AsSpan(inBlk, n).CopyTo(buffer.Slice(done, n));
            if (transient) Os.Zio.Recycle(data!);
            done += n;
        }
        return count;
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        int bs = Dn.BlockSize, done = 0;
        while (done < data.Length)
        {
            long pos = offset + done;
            long blk = pos / bs;
            int inBlk = (int)(pos % bs);
            int n = Math.Min(bs - inBlk, data.Length - done);
            byte[] buf;
            if (n == bs) buf = Os.Zio.Rent(bs); // fully overwritten below
            else if (_dirty.TryGetValue(blk, out var dirty)) buf = dirty;
            else
            {
                buf = new byte[bs];
                ReadBlock(blk)?.CopyTo(buf, 0);
            }
            data.Slice(done, n).CopyTo(buf.AsSpan(inBlk));
            WriteBlock(blk, buf);
            done += n;
        }
        if (offset + data.Length > Dn.Length) Dn.Length = offset + data.Length;
        MarkDirty();
    }

    /// <summary>Sets the length; blocks past the end become holes (their space is killed), the tail of the last block is zeroed.</summary>
    public void Truncate(long length)
    {
        Os.CheckWritable();
        int bs = Dn.BlockSize;
        long keep = (length + bs - 1) / bs;
        long had = Math.Max((Dn.Length + bs - 1) / bs, _dirty.Count == 0 ? 0 : _dirty.Keys.Max() + 1);
        foreach (var k in _dirty.Keys.Where(k => k >= keep).ToList()) { _dirty.Remove(k); Os.DirtyDataBytes -= bs; }
        if (Dn.NLevels == 1)
        {
            if (keep == 0 && !Dn.Root.IsHole) { Os.Owner.Kill(Dn.Root); Dn.Root = BlockPointer.Hole(BlockType.Data, 0, bs); }
        }
        else
        {
            for (long l1 = keep >> IndirectShift; l1 <= (had - 1) >> IndirectShift && had > 0; l1++)
            {
                if (l1 << IndirectShift >= Capacity(Dn.NLevels)) break;
                var arr = GetIndirect(1, l1);
                bool changed = false;
                for (int i = 0; i < IndirectCount; i++)
                {
                    long blk = (l1 << IndirectShift) + i;
                    if (blk < keep || arr[i].IsHole) continue;
                    Os.Owner.Kill(arr[i]);
                    arr[i] = BlockPointer.Hole(BlockType.Data, 0, bs);
                    changed = true;
                }
                if (changed) MarkIndirectDirty(1, l1);
            }
        }
        if (length % bs != 0 && length < Dn.Length)
        {
            long blk = length / bs;
            var data = ReadBlock(blk);
            if (data is not null)
            {
                var copy = (byte[])data.Clone();
                copy.AsSpan((int)(length % bs)).Clear();
                WriteBlock(blk, copy);
            }
        }
        Dn.Length = length;
        MarkDirty();
    }

    /// <summary>
    /// Send traversal: level-0 blocks born after <paramref name="sinceTxg"/> and hole ranges inside
    /// changed indirect blocks, in block order. Unchanged subtrees are skipped whole. Hole ranges have
    /// a hole <c>Bp</c> and may extend past the object's end.
    /// </summary>
    public IEnumerable<(long FirstBlock, long Count, BlockPointer Bp)> ChangedBlocks(ulong sinceTxg)
    {
        if (_dirty.Count > 0 || _dirtyInd.Count > 0) throw new InvalidOperationException("send reads committed objects only");
        return Walk(Dn.Root, Dn.NLevels - 1, 0);

        IEnumerable<(long, long, BlockPointer)> Walk(BlockPointer bp, int level, long first)
        {
            long span = level == 0 ? 1 : 1L << (IndirectShift * level);
            if (bp.IsHole) { yield return (first, span, bp); yield break; }
            if (bp.Birth <= sinceTxg) yield break;
            if (level == 0) { yield return (first, 1, bp); yield break; }
            var raw = Os.Zio.Read(bp);
            var children = new BlockPointer[IndirectCount];
            for (int i = 0; i < IndirectCount; i++) children[i] = BlockPointer.Read(raw.AsSpan(i * BlockPointer.Size));
            long childSpan = span >> IndirectShift;
            for (int i = 0; i < IndirectCount; i++)
                foreach (var x in Walk(children[i], level - 1, first + i * childSpan)) yield return x;
        }
    }

    /// <summary>Receive: a FREE record. Whole blocks in the range become holes, partial ones are zeroed; the length is kept.</summary>
    public void FreeRange(long offset, long length)
    {
        Os.CheckWritable();
        long end = length < 0 || offset + length < offset ? long.MaxValue : offset + length;
        int bs = Dn.BlockSize;
        long lastBlock = Math.Max((Dn.Length + bs - 1) / bs, _dirty.Count == 0 ? 0 : _dirty.Keys.Max() + 1);
        for (long blk = offset / bs; blk < lastBlock && blk * bs < end; blk++)
        {
            long from = Math.Max(offset, blk * bs), to = Math.Min(end, (blk + 1) * bs);
            if (!_dirty.ContainsKey(blk) && GetBlockPointer(blk).IsHole) continue;
            var buf = new byte[bs];
            if (to - from < bs) ReadBlock(blk)?.CopyTo(buf, 0);
            buf.AsSpan((int)(from - blk * bs), (int)(to - from)).Clear();
            WriteBlock(blk, buf); // all-zero blocks become holes when synced
        }
    }

    private void MarkIndirectDirty(int level, long index)
    {
        _dirtyInd.Add((level, index));
        MarkDirty();
    }

    public bool IsDirtyTree => _dirty.Count > 0 || _dirtyInd.Count > 0;

    /// <summary>Writes dirty blocks bottom-up; the dnode's root pointer then names the new tree.</summary>
    public void Sync(ulong txg)
    {
        if (_dirty.Count == 0 && _dirtyInd.Count == 0) return;
        var owner = Os.Owner;
        foreach (var blk in _dirty.Keys.Order().ToList())
        {
            var data = _dirty[blk];
            var props = owner.PropsFor(Dn.Type == ObjectType.MetaDnode ? BlockType.Dnodes : BlockType.Data, 0);
            if (Dn.Type is ObjectType.File or ObjectType.ZvolData) props = props with { UserData = true };
            bool hole = data.AsSpan().IndexOfAnyExcept((byte)0) < 0;
            BlockPointer nbp = hole ? BlockPointer.Hole(BlockType.Data, 0, Dn.BlockSize) : Os.Zio.Write(data, props, txg, 1);
            if (hole || !ZioPipeline.CachesOnWrite(props, data.Length)) Os.Zio.Recycle(data);
            if (!nbp.IsHole) owner.Born(nbp);
            SetChild(0, blk, nbp);
        }
        ClearDirty();
        for (int level = 1; level < Dn.NLevels; level++)
        {
            var atLevel = _dirtyInd.Where(k => k.Level == level).Select(k => k.Index).Order().ToList();
            foreach (var idx in atLevel)
            {
                var arr = _ind[(level, idx)];
                ulong fill = 0;
                bool any = false;
                foreach (var c in arr) { if (!c.IsHole) { any = true; fill += c.Fill; } }
                BlockPointer nbp;
                if (!any) nbp = BlockPointer.Hole(BlockType.Indirect, (byte)level, IndirectBlockSize);
                else
                {
                    var raw = new byte[IndirectBlockSize];
                    for (int i = 0; i < IndirectCount; i++) arr[i].Write(raw.AsSpan(i * BlockPointer.Size));
                    nbp = Os.Zio.Write(raw, owner.PropsFor(BlockType.Indirect, (byte)level), txg, fill);
                    owner.Born(nbp);
                }
                _dirtyInd.Remove((level, idx));
                SetChild(level, idx, nbp);
            }
        }
        _dirtyInd.Clear();
    }

    private void SetChild(int level, long index, in BlockPointer nbp)
    {
        BlockPointer old;
        if (level == Dn.NLevels - 1)
        {
            old = Dn.Root;
            Dn.Root = nbp;
        }
        else
        {
            var parent = GetIndirect(level + 1, index >> IndirectShift);
            int slot = (int)(index & (IndirectCount - 1));
            old = parent[slot];
            parent[slot] = nbp;
            _dirtyInd.Add((level + 1, index >> IndirectShift));
        }
        if (!old.IsHole) Os.Owner.Kill(old);
    }

    /// <summary>Drops cached indirect blocks (memory); they are re-read through the ARC when needed.</summary>
    public void DropCaches()
    {
        if (_dirty.Count == 0 && _dirtyInd.Count == 0) _ind.Clear();
    }
}
