using Illumos.Engine.Storage.Embedded.Checksums;

namespace Illumos.Engine.Storage.Replication;

/// <summary>
/// The running fletcher-4 of a send stream (zfs.md §2.2). Each buffer is summed from zero with the
/// vectorised code and folded into the running state with the exact combination rule, so a long
/// stream costs what its bytes cost to sum.
/// </summary>
public struct StreamChecksum
{
    public Fletcher4.State State;

    public void Add(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return;
        State = Fletcher4.Combine(State, Fletcher4.Compute(data), data.Length / 4);
    }

    public readonly void WriteTo(Span<byte> dest) => Fletcher4.Write(State, dest);

    public void Reset() => State = default;
}
