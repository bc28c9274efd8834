using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Zio;

namespace Illumos.Engine.Storage.Embedded.Dsl;

/// <summary>
/// The blocks a dataset killed while an earlier snapshot still referenced them (ZFS's deadlist).
/// Persisted as a MOS object of 128-byte block pointers; new entries are appended, so a txg writes
/// only the tail block unless the list was rewritten (snapshot destroy, rollback).
/// </summary>
public sealed class Deadlist
{
    public List<BlockPointer> Entries { get; } = new();
    public ulong ObjectId { get; set; }
    public int PersistedCount { get; set; }
    public bool Rewrite { get; set; }
    public bool IsDirty => Rewrite || Entries.Count != PersistedCount;

    public ulong SpaceBornAfter(ulong minTxgExclusive, ulong maxTxgInclusive = ulong.MaxValue)
    {
        ulong s = 0;
        foreach (var e in Entries) if (e.Birth > minTxgExclusive && e.Birth <= maxTxgInclusive) s += e.Asize;
        return s;
    }

    public static Deadlist Load(ObjectSet mos, ulong obj)
    {
        var dl = new Deadlist { ObjectId = obj };
        if (obj == 0) return dl;
        var o = mos.Get(obj);
        var raw = new byte[o.Length];
        o.Read(0, raw);
        for (int i = 0; i + BlockPointer.Size <= raw.Length; i += BlockPointer.Size) dl.Entries.Add(BlockPointer.Read(raw.AsSpan(i)));
        dl.PersistedCount = dl.Entries.Count;
        return dl;
    }

    /// <summary>Writes new or rewritten entries into the MOS (creating the object on first use).</summary>
    public void Save(ObjectSet mos)
    {
        if (!IsDirty) return;
        DmuObject o;
        if (ObjectId == 0)
        {
            o = mos.Allocate(ObjectType.Deadlist, 16 * 1024);
            ObjectId = o.Id;
            Rewrite = true;
        }
        else o = mos.Get(ObjectId);
        int from = Rewrite ? 0 : PersistedCount;
        if (Rewrite) o.Truncate(0);
        var raw = new byte[(Entries.Count - from) * BlockPointer.Size];
        for (int i = from; i < Entries.Count; i++) Entries[i].Write(raw.AsSpan((i - from) * BlockPointer.Size));
        o.Write((long)from * BlockPointer.Size, raw);
        PersistedCount = Entries.Count;
        Rewrite = false;
    }

    public void Destroy(ObjectSet mos)
    {
        if (ObjectId != 0 && mos.TryGet(ObjectId) is { } o) mos.Free(o);
        ObjectId = 0;
    }
}
