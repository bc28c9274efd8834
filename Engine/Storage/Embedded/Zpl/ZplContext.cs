using Illumos.Engine.Storage.Embedded.Dmu;
using Illumos.Engine.Storage.Embedded.Dsl;

namespace Illumos.Engine.Storage.Embedded.Zpl;

/// <summary>What a ZPL operation runs against: one dataset (or snapshot view) of one pool, under the storage lock.</summary>
public sealed class ZplContext
{
    public required ObjectSet Os { get; init; }
    public required Dataset Dataset { get; init; }
    public required string Name { get; init; }
    public bool ReadOnly { get; init; }
    public bool IsSnapshot { get; init; }
    /// <summary>Refuses a write of this many bytes that would break a quota or fill the pool (ZFS's ENOSPC/EDQUOT).</summary>
    public required Action<long> ReserveSpace { get; init; }
    public required Func<string, string> Prop { get; init; }
    /// <summary>Makes a write durable before returning (sync=always): ZIL record or txg commit.</summary>
    public required Action<ulong, long, byte[]> LogWrite { get; init; }
    /// <summary>Records in the pool's error log that a block of this object could not be read from any copy.</summary>
    public Action<ulong> ReportUnrecoverable { get; init; } = _ => { };
}

/// <summary>Lets the ZPL run work under the storage lock and commit it (implemented by the storage facade).</summary>
public interface IZplHost
{
    T Run<T>(string dataset, bool write, Func<ZplContext, T> work);
    /// <summary>Commits the open txg of the dataset's pool (a stream's Dispose, sync writes).</summary>
    void Commit(string dataset);
}
