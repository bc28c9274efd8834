using System.Buffers.Binary;
using System.Text;

namespace Illumos.Engine.Tracing;

/// <summary>
/// The byte-addressed memory D programs see on the embedded host: static storage for struct and
/// array variables and per-clause scratch space (alloca). Any access outside a region is a
/// DTRACEFLT_BADADDR fault, never a crash.
/// </summary>
public sealed class DMemory
{
    public const long Base = 0x10000000;
    private readonly List<(long Start, byte[] Data, bool Scratch)> _regions = new();
    private long _next = Base;
    private (long Start, byte[] Data) _last;
    private int _scratch;

    public long Alloc(long size, bool scratch = false)
    {
        if (size < 0 || size > (scratch ? 64L : 256L) * 1024 * 1024) throw new DFault(FaultCode.NoScratch);
        long start = (_next + 15) & ~15L;
        var data = new byte[Math.Max(8, (size + 7) & ~7L)];   // whole words, so bit-field units never run past the end
        _regions.Add((start, data, scratch));
        if (scratch) _scratch++;
        _next = start + data.Length + 16;   // a guard gap between regions
        return start;
    }

    /// <summary>Frees every scratch (alloca) region; called when a clause ends.</summary>
    public void ReleaseScratch()
    {
        if (_scratch == 0) return;
        _scratch = 0;
        _regions.RemoveAll(r => r.Scratch);
        _last = default;
        _next = _regions.Count == 0 ? Base : _regions[^1].Start + _regions[^1].Data.Length + 16;
    }

    private Span<byte> Span(long addr, long size)
    {
        var l = _last;
        if (l.Data is not null && addr >= l.Start && addr + size <= l.Start + l.Data.Length && size >= 0)
            return l.Data.AsSpan((int)(addr - l.Start), (int)size);
        foreach (var r in _regions)
        {
            if (addr >= r.Start && addr < r.Start + r.Data.Length)
            {
                if (size < 0 || addr + size > r.Start + r.Data.Length) throw new DFault(FaultCode.BadAddr, addr + Math.Max(0, r.Start + r.Data.Length - addr));
                _last = (r.Start, r.Data);
                return r.Data.AsSpan((int)(addr - r.Start), (int)size);
            }
        }
        throw new DFault(FaultCode.BadAddr, addr);
    }

    public bool IsScratch(long addr, long size)
    {
        foreach (var r in _regions)
            if (r.Scratch && addr >= r.Start && addr + size <= r.Start + r.Data.Length) return true;
        return false;
    }

    public bool IsValid(long addr, long size)
    {
        foreach (var r in _regions)
            if (addr >= r.Start && addr + size <= r.Start + r.Data.Length) return true;
        return false;
    }

    public long Load(long addr, int size, bool signed)
    {
        if (size > 1 && (addr & (size - 1)) != 0 && size <= 8 && false) throw new DFault(FaultCode.BadAlign, addr);
        var s = Span(addr, size);
        return size switch
        {
            1 => signed ? (sbyte)s[0] : s[0],
            2 => signed ? BinaryPrimitives.ReadInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
            4 => signed ? BinaryPrimitives.ReadInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s),
            _ => BinaryPrimitives.ReadInt64LittleEndian(s),
        };
    }

    public void Store(long addr, int size, long v)
    {
        var s = Span(addr, size);
        switch (size)
        {
            case 1: s[0] = (byte)v; break;
            case 2: BinaryPrimitives.WriteInt16LittleEndian(s, (short)v); break;
            case 4: BinaryPrimitives.WriteInt32LittleEndian(s, (int)v); break;
            default: BinaryPrimitives.WriteInt64LittleEndian(s, v); break;
        }
    }

    public void Copy(long dst, long src, long size)
    {
        if (size <= 0) return;
        var from = Span(src, size).ToArray();
        from.CopyTo(Span(dst, size));
    }

    public void Zero(long addr, long size) { if (size > 0) Span(addr, size).Clear(); }

    public string LoadString(long addr, int max)
    {
        if (addr == 0) throw new DFault(FaultCode.BadAddr, 0);
        var sb = new StringBuilder();
        for (int i = 0; i < max; i++)
        {
            byte b = Span(addr + i, 1)[0];
            if (b == 0) break;
            sb.Append((char)b);
        }
        return sb.ToString();
    }

    public void StoreString(long addr, string s, int size)
    {
        var span = Span(addr, size);
        span.Clear();
        for (int i = 0; i < s.Length && i < size - 1; i++) span[i] = (byte)s[i];
    }

    public byte[] Read(long addr, long size) => Span(addr, size).ToArray();
}
