using System.Buffers.Binary;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dmu;

/// <summary>What an object set holds (ZFS's dmu_objset_type).</summary>
public enum ObjectSetType : byte { Meta = 1, ZFS = 2, ZVOL = 3 }

/// <summary>
/// An object set: the meta-dnode (object 0, an array of 512-byte dnodes in 16 KiB blocks) and the
/// objects it describes. Its root is the 1 KiB objset block: the meta-dnode, the type and the next
/// object number. <see cref="Sync"/> writes dirty objects, then their dnodes, then the meta-dnode
/// tree, then the objset block, and returns the block pointer naming the new state.
/// </summary>
public sealed class ObjectSet
{
    public const int DnodeBlockSize = 16 * 1024;
    public const int DnodesPerBlock = DnodeBlockSize / Dnode.Size;
    public const int ObjsetBlockSize = 1024;

    private readonly Dictionary<ulong, DmuObject> _objects = new();
    private readonly HashSet<ulong> _dirty = new();
    private readonly DmuObject _meta;

    private ObjectSet(ZioPipeline zio, IBlockOwner owner, ObjectSetType type, Dnode meta, ulong nextObj, bool readOnly)
    {
        Zio = zio;
        Owner = owner;
        Type = type;
        NextObject = nextObj;
        ReadOnly = readOnly;
        _meta = new DmuObject(this, 0, meta);
    }

    public ZioPipeline Zio { get; }
    public IBlockOwner Owner { get; set; }
    public ObjectSetType Type { get; }
    public ulong NextObject { get; private set; }
    public bool ReadOnly { get; }
    public bool IsDirty => _dirty.Count > 0;
    /// <summary>Called when the set goes from clean to dirty (the DSL keeps the heads a commit must visit).</summary>
    public Action? Dirtied { get; set; }

    private void AddDirty(ulong id)
    {
        if (_dirty.Add(id) && _dirty.Count == 1) Dirtied?.Invoke();
    }
    /// <summary>
    /// Bytes of dirty data blocks of all objects (the meta-dnode included), kept as a running count by
    /// DmuObject: summing over thousands of dirty objects on every write made each create O(n).
    /// </summary>
    public long DirtyBytes => DirtyDataBytes;
    internal long DirtyDataBytes;

    public static ObjectSet Create(ZioPipeline zio, IBlockOwner owner, ObjectSetType type)
    {
        var meta = new Dnode { Type = ObjectType.MetaDnode, BlockSize = DnodeBlockSize, Root = BlockPointer.Hole(BlockType.Dnodes, 0, DnodeBlockSize) };
        return new ObjectSet(zio, owner, type, meta, 1, readOnly: false);
    }

    public static ObjectSet Open(ZioPipeline zio, IBlockOwner owner, in BlockPointer root, bool readOnly)
    {
        var raw = zio.Read(root);
        var meta = Dnode.Read(raw);
        var type = (ObjectSetType)raw[512];
        ulong next = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(520));
        return new ObjectSet(zio, owner, type, meta, next, readOnly);
    }

    public void CheckWritable()
    {
        if (ReadOnly) throw new IllumosException(ErrorKind.PermissionDenied, "SnapshotReadOnly", "Snapshots are read-only.", null);
    }

    internal void MarkDirty(DmuObject o)
    {
        CheckWritable();
        if (o.Id != 0) AddDirty(o.Id);
    }

    public DmuObject Allocate(ObjectType type, int blockSize)
    {
        CheckWritable();
        ulong id = NextObject++;
        var dn = new Dnode { Type = type, BlockSize = blockSize, Root = BlockPointer.Hole(BlockType.Data, 0, blockSize), Generation = id };
        var o = new DmuObject(this, id, dn);
        _objects[id] = o;
        AddDirty(id);
        return o;
    }

    public DmuObject? TryGet(ulong id)
    {
        if (id == 0 || id >= NextObject) return null;
        if (_objects.TryGetValue(id, out var o)) return o.Dn.Type == ObjectType.None ? null : o;
        var block = _meta.ReadBlock((long)(id / DnodesPerBlock));
        if (block is null) return null;
        var dn = Dnode.Read(block.AsSpan((int)(id % DnodesPerBlock) * Dnode.Size, Dnode.Size));
        if (dn.Type == ObjectType.None) return null;
        o = new DmuObject(this, id, dn);
        _objects[id] = o;
        return o;
    }

    public DmuObject Get(ulong id) => TryGet(id) ?? throw new IllumosException(ErrorKind.InvalidData, "ObjectMissing", $"Object {id} does not exist.", id);

    /// <summary>Frees an object: its blocks are killed now, its dnode is cleared at sync.</summary>
    public void Free(DmuObject o)
    {
        CheckWritable();
        o.Truncate(0);
        o.Dn.Type = ObjectType.None;
        AddDirty(o.Id);
    }

    /// <summary>Ids of every allocated object (reads the whole meta-dnode).</summary>
    public IEnumerable<ulong> ObjectIds()
    {
        long blocks = (long)((NextObject + DnodesPerBlock - 1) / DnodesPerBlock);
        for (long b = 0; b < blocks; b++)
        {
            var block = _meta.ReadBlock(b);
            for (int i = 0; i < DnodesPerBlock; i++)
            {
                ulong id = (ulong)b * DnodesPerBlock + (ulong)i;
                if (id == 0 || id >= NextObject) continue;
                if (_objects.TryGetValue(id, out var o)) { if (o.Dn.Type != ObjectType.None) yield return id; continue; }
                if (block is not null && block[i * Dnode.Size] != 0) yield return id;
            }
        }
    }

    /// <summary>
    /// The object slots a send must describe for changes after <paramref name="sinceTxg"/>: every slot of
    /// each dnode block born later (or of a dnode block that is a hole), with whether an object lives
    /// there now. Slots of unchanged dnode blocks are skipped.
    /// </summary>
    public IEnumerable<(ulong Id, bool Allocated)> ChangedSlots(ulong sinceTxg)
    {
        long blocks = (long)((NextObject + DnodesPerBlock - 1) / DnodesPerBlock);
        for (long b = 0; b < blocks; b++)
        {
            var bp = _meta.GetBlockPointer(b);
            if (!bp.IsHole && bp.Birth <= sinceTxg) continue;
            var block = bp.IsHole ? null : _meta.ReadBlock(b);
            for (int i = 0; i < DnodesPerBlock; i++)
            {
                ulong id = (ulong)b * DnodesPerBlock + (ulong)i;
                if (id == 0 || id >= NextObject) continue;
                yield return (id, block is not null && block[i * Dnode.Size] != 0);
            }
        }
    }

    /// <summary>Receive: an object at a given number (the sender's), fresh and empty; any object there is freed first.</summary>
    public DmuObject Claim(ulong id, ObjectType type, int blockSize)
    {
        CheckWritable();
        if (id == 0) throw new IllumosException(ErrorKind.InvalidData, "ObjectNumberInvalid", "Object 0 is the meta-dnode.", id);
        if (TryGet(id) is { } old) Free(old);
        if (id >= NextObject) NextObject = id + 1;
        var dn = new Dnode { Type = type, BlockSize = blockSize, Root = BlockPointer.Hole(BlockType.Data, 0, blockSize), Generation = id };
        var o = new DmuObject(this, id, dn);
        _objects[id] = o;
        AddDirty(id);
        return o;
    }

    /// <summary>Receive: frees the objects in [first, first + count) that exist.</summary>
    public void FreeObjects(ulong first, ulong count)
    {
        CheckWritable();
        ulong end = count > NextObject ? NextObject : Math.Min(NextObject, first + count);
        for (ulong id = Math.Max(1, first); id < end; id++)
            if (TryGet(id) is { } o) Free(o);
    }

    public BlockPointer Sync(ulong txg)
    {
        CheckWritable();
        foreach (var id in _dirty.Order().ToList())
        {
            var o = _objects[id];
            o.Sync(txg);
            long blk = (long)(id / DnodesPerBlock);
            var cur = _meta.ReadBlock(blk);
            var copy = cur is null ? new byte[DnodeBlockSize] : (byte[])cur.Clone();
            if (o.Dn.Type == ObjectType.None)
            {
                copy.AsSpan((int)(id % DnodesPerBlock) * Dnode.Size, Dnode.Size).Clear();
                _objects.Remove(id);
            }
            else o.Dn.Write(copy.AsSpan((int)(id % DnodesPerBlock) * Dnode.Size, Dnode.Size));
            _meta.WriteBlock(blk, copy);
        }
        _dirty.Clear();
        _meta.Sync(txg);
        var raw = new byte[ObjsetBlockSize];
        _meta.Dn.Write(raw);
        raw[512] = (byte)Type;
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(520), NextObject);
        var bp = Zio.Write(raw, Owner.PropsFor(BlockType.ObjSet, 0), txg, NextObject);
        Owner.Born(bp);
        return bp;
    }

    /// <summary>Every block of this object set reachable from its root (traversal; holes skipped).</summary>
    public static IEnumerable<BlockPointer> Traverse(ZioPipeline zio, BlockPointer root, ulong minBirthExclusive = 0)
    {
        if (root.IsHole || root.Birth <= minBirthExclusive) yield break;
        yield return root;
        var raw = zio.Read(root);
        var meta = Dnode.Read(raw);
        foreach (var bp in TraverseTree(zio, meta.Root, minBirthExclusive, true)) yield return bp;
    }

    private static IEnumerable<BlockPointer> TraverseTree(ZioPipeline zio, BlockPointer bp, ulong min, bool dnodes)
    {
        if (bp.IsHole || bp.Birth <= min) yield break;
        yield return bp;
        if (bp.Level > 0)
        {
            var raw = zio.Read(bp);
            for (int i = 0; i < DmuObject.IndirectCount; i++)
            {
                var c = BlockPointer.Read(raw.AsSpan(i * BlockPointer.Size));
                foreach (var x in TraverseTree(zio, c, min, dnodes)) yield return x;
            }
        }
        else if (dnodes && bp.Type == BlockType.Dnodes)
        {
            var raw = zio.Read(bp);
            for (int i = 0; i < DnodesPerBlock; i++)
            {
                if (raw[i * Dnode.Size] == 0) continue;
                var dn = Dnode.Read(raw.AsSpan(i * Dnode.Size, Dnode.Size));
                foreach (var x in TraverseTree(zio, dn.Root, min, false)) yield return x;
            }
        }
    }
}
