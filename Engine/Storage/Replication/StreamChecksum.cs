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
        State = Combine(State, Fletcher4.Compute(data), (ulong)(data.Length / 4));
    }

    /// <summary>The sums over a prefix (<paramref name="s"/>) followed by <paramref name="n"/> words summed from zero as <paramref name="t"/>.</summary>
    public static Fletcher4.State Combine(Fletcher4.State s, Fletcher4.State t, ulong n)
    {
        UInt128 n1 = n;
        ulong t2 = (ulong)(n1 * (n1 + 1) / 2);
        ulong t3 = (ulong)(n1 * (n1 + 1) * (n1 + 2) / 6);
        return new Fletcher4.State(
            s.A + t.A,
            s.B + n * s.A + t.B,
            s.C + n * s.B + t2 * s.A + t.C,
            s.D + n * s.C + t2 * s.B + t3 * s.A + t.D);
    }

    public readonly void WriteTo(Span<byte> dest) => Fletcher4.Write(State, dest);

    public void Reset() => State = default;
}
