namespace Illumos.Engine.Storage.Embedded.Vdev;

/// <summary>
/// RAID-Z with one to three parity columns. The vdev's address space is sectors laid round-robin
/// over the children (sector s on child s mod n at row s / n); a block starting at sector b is split
/// into columns as ZFS's raidz map does: p parity columns then data columns, the first
/// (s mod (n-p)) + p columns one sector longer. P is XOR, Q and R are Reed-Solomon syndromes over
/// GF(2^8) with generators 2 and 4. A read whose data fails its checksum tries every combination of
/// up to p columns as the bad ones, reconstructs them, and accepts the combination that verifies.
/// </summary>
public sealed class RaidzVdev : TopVdev
{
    private readonly int _parity;

    public RaidzVdev(int id, ulong guid, int parity, ZVdevClass cls, int ashift, IReadOnlyList<LeafDevice> leaves)
        : base(id, guid, "raidz" + parity, cls, ashift, leaves)
    {
        _parity = parity;
        long childSectors = leaves.Min(l => l.DataSize) >> ashift;
        Asize = childSectors * leaves.Count << ashift;
    }

    public override long Asize { get; }
    public override int Parity => _parity;
    private int N => Leaves.Count;
    private int DataCols => N - _parity;

    public override ZHealth State
    {
        get
        {
            int bad = Leaves.Count(l => l.State != ZHealth.ONLINE);
            int gone = Leaves.Count(l => !l.Usable);
            return bad == 0 ? ZHealth.ONLINE : gone <= _parity ? ZHealth.DEGRADED : ZHealth.FAULTED;
        }
    }

    public override long AsizeOf(int psize)
    {
        long s = ((long)psize + Sector - 1) >> Ashift;
        long rows = (s + DataCols - 1) / DataCols;
        long tot = s + (long)_parity * rows;
        tot = (tot + _parity) / (_parity + 1) * (_parity + 1);
        return tot << Ashift;
    }

    private readonly record struct Column(int Child, long Offset, int Size);

    /// <summary>The columns of a block: child, byte offset on the child's data area, byte length.</summary>
    private Column[] Map(long offset, int psize)
    {
        long b = offset >> Ashift;
        long s = ((long)psize + Sector - 1) >> Ashift;
        long q = s / DataCols, r = s % DataCols;
        long bc = r == 0 ? 0 : r + _parity;
        long acols = q == 0 ? bc : N;
        int first = (int)(b % N);
        long o = b / N;
        var cols = new Column[acols];
        for (int c = 0; c < acols; c++)
        {
            int col = first + c;
            long coff = o;
            if (col >= N) { col -= N; coff++; }
            long size = c < bc ? q + 1 : q;
            cols[c] = new Column(col, coff << Ashift, (int)(size << Ashift));
        }
        return cols;
    }

    private static byte Coefficient(int parityRow, int dataIndex) => GaloisField.Pow((byte)(1 << parityRow), dataIndex);

    private void ComputeParity(byte[][] data, byte[][] parity)
    {
        for (int j = 0; j < _parity; j++)
        {
            Array.Clear(parity[j]);
            for (int i = 0; i < data.Length; i++) GaloisField.MulAdd(parity[j], data[i], Coefficient(j, i));
        }
    }

    /// <summary>Column buffers, each as long as the parity columns; data is copied in column order, zero-padded.</summary>
    private byte[][] Buffers(Column[] cols)
    {
        int len = cols[0].Size;
        var bufs = new byte[cols.Length][];
        for (int c = 0; c < cols.Length; c++) bufs[c] = new byte[len];
        return bufs;
    }

    public override void Write(long offset, ReadOnlySpan<byte> data)
    {
        CountWrite(data.Length);
        var cols = Map(offset, data.Length);
        var bufs = Buffers(cols);
        int pos = 0;
        for (int c = _parity; c < cols.Length; c++)
        {
            int n = Math.Min(cols[c].Size, data.Length - pos);
            if (n > 0) data.Slice(pos, n).CopyTo(bufs[c]);
            pos += cols[c].Size;
        }
        ComputeParity(bufs[_parity..], bufs[.._parity]);
        int failed = 0;
        for (int c = 0; c < cols.Length; c++)
        {
            var leaf = Leaves[cols[c].Child];
            if (!Usable(leaf) || !TryWrite(leaf, cols[c].Offset, bufs[c].AsSpan(0, cols[c].Size))) failed++;
        }
        if (failed > _parity)
            throw new IllumosException(ErrorKind.DeviceError, "VdevWriteFailed", $"Too many devices of {Type} vdev {Id} failed the write.", Id);
    }

    private void Assemble(Column[] cols, byte[][] bufs, Span<byte> buffer)
    {
        int pos = 0;
        for (int c = _parity; c < cols.Length && pos < buffer.Length; c++)
        {
            int n = Math.Min(cols[c].Size, buffer.Length - pos);
            bufs[c].AsSpan(0, n).CopyTo(buffer[pos..]);
            pos += cols[c].Size;
        }
    }

    /// <summary>Rebuilds the data columns in <paramref name="bad"/> from parity columns not in it; false when there are too few.</summary>
    private bool Reconstruct(byte[][] bufs, IReadOnlyList<int> bad)
    {
        var missingData = bad.Where(c => c >= _parity).Select(c => c - _parity).ToList();
        if (missingData.Count == 0) return true;
        var parities = Enumerable.Range(0, _parity).Where(j => !bad.Contains(j)).Take(missingData.Count).ToList();
        if (parities.Count < missingData.Count) return false;
        int k = missingData.Count;
        var m = new byte[k, k];
        for (int r = 0; r < k; r++)
            for (int c = 0; c < k; c++) m[r, c] = Coefficient(parities[r], missingData[c]);
        var inv = GaloisField.Invert(m);
        if (inv is null) return false;
        int len = bufs[0].Length;
        var rhs = new byte[k][];
        int dataCount = bufs.Length - _parity;
        for (int r = 0; r < k; r++)
        {
            rhs[r] = (byte[])bufs[parities[r]].Clone();
            for (int i = 0; i < dataCount; i++)
                if (!missingData.Contains(i)) GaloisField.MulAdd(rhs[r], bufs[_parity + i], Coefficient(parities[r], i));
        }
        for (int c = 0; c < k; c++)
        {
            var d = new byte[len];
            for (int r = 0; r < k; r++) GaloisField.MulAdd(d, rhs[r], inv[c, r]);
            bufs[_parity + missingData[c]] = d;
        }
        return true;
    }

    public override VdevReadResult Read(long offset, Span<byte> buffer, Func<ReadOnlySpan<byte>, bool> verify, bool scrub)
    {
        CountRead(buffer.Length);
        var cols = Map(offset, buffer.Length);
        var bufs = Buffers(cols);
        var missing = new List<int>();
        for (int c = _parity; c < cols.Length; c++)
            if (!TryRead(Leaves[cols[c].Child], cols[c].Offset, bufs[c].AsSpan(0, cols[c].Size))) missing.Add(c);
        if (missing.Count == 0)
        {
            Assemble(cols, bufs, buffer);
            if (verify(buffer))
            {
                if (!scrub) return new VdevReadResult(true, 0);
                return new VdevReadResult(true, CheckParity(cols, bufs));
            }
        }
        // Read parity as well, then try column combinations up to the parity level.
        for (int c = 0; c < _parity; c++)
            if (!TryRead(Leaves[cols[c].Child], cols[c].Offset, bufs[c].AsSpan(0, cols[c].Size))) missing.Add(c);
        if (missing.Count > _parity) return new VdevReadResult(false, 0);
        var original = bufs.Select(b => (byte[])b.Clone()).ToArray();
        var others = Enumerable.Range(0, cols.Length).Where(c => !missing.Contains(c)).ToList();
        for (int extra = 0; extra + missing.Count <= _parity; extra++)
        {
            foreach (var combo in Combinations(others, extra))
            {
                var bad = missing.Concat(combo).ToList();
                for (int c = 0; c < bufs.Length; c++) bufs[c] = (byte[])original[c].Clone();
                if (!Reconstruct(bufs, bad)) continue;
                Assemble(cols, bufs, buffer);
                if (!verify(buffer)) continue;
                // Good data: count and rewrite what was wrong (data columns rebuilt, parity recomputed).
                ComputeParity(bufs[_parity..], bufs[.._parity]);
                long repaired = 0;
                foreach (var c in bad)
                {
                    var leaf = Leaves[cols[c].Child];
                    if (!Usable(leaf)) continue;
                    if (combo.Contains(c) || !missing.Contains(c)) leaf.CountChecksumError(scrub);
                    if (TryWrite(leaf, cols[c].Offset, bufs[c].AsSpan(0, cols[c].Size))) repaired += cols[c].Size;
                }
                if (scrub) repaired += CheckParity(cols, bufs, skip: bad);
                return new VdevReadResult(true, repaired);
            }
        }
        return new VdevReadResult(false, 0);
    }

    /// <summary>Scrub: recomputes parity from verified data and rewrites parity columns that differ.</summary>
    private long CheckParity(Column[] cols, byte[][] bufs, IReadOnlyList<int>? skip = null)
    {
        var expected = new byte[_parity][];
        for (int j = 0; j < _parity; j++) expected[j] = new byte[bufs[0].Length];
        ComputeParity(bufs[_parity..], expected);
        long repaired = 0;
        for (int j = 0; j < _parity; j++)
        {
            if (skip is not null && skip.Contains(j)) continue;
            var leaf = Leaves[cols[j].Child];
            var onDisk = new byte[cols[j].Size];
            if (!TryRead(leaf, cols[j].Offset, onDisk)) continue;
            if (onDisk.AsSpan().SequenceEqual(expected[j].AsSpan(0, cols[j].Size))) continue;
            leaf.CountChecksumError(scrub: true);
            if (TryWrite(leaf, cols[j].Offset, expected[j].AsSpan(0, cols[j].Size))) repaired += cols[j].Size;
        }
        return repaired;
    }

    private static IEnumerable<List<int>> Combinations(List<int> items, int k)
    {
        if (k == 0) { yield return new List<int>(); yield break; }
        for (int i = 0; i <= items.Count - k; i++)
            foreach (var rest in Combinations(items.GetRange(i + 1, items.Count - i - 1), k - 1))
            {
                rest.Insert(0, items[i]);
                yield return rest;
            }
    }
}
