using System.Text;
using Illumos.Engine.Languages.D;

namespace Illumos.Engine.Tracing;

/// <summary>DTrace fault codes (the ERROR probe's arg4).</summary>
public enum FaultCode
{
    None = 0, BadAddr = 1, BadAlign = 2, IllOp = 3, DivZero = 4, NoScratch = 5, KPriv = 6, UPriv = 7, TupOflow = 8, BadStack = 9,
}

/// <summary>A run-time fault inside a clause: the clause is abandoned and the ERROR probe fires.</summary>
public sealed class DFault : Exception
{
    public DFault(FaultCode code, long addr = 0) : base(code.ToString()) { Code = code; Addr = addr; }
    public FaultCode Code { get; }
    public long Addr { get; }

    public string Describe() => Code switch
    {
        FaultCode.BadAddr => $"invalid address (0x{(ulong)Addr:x})",
        FaultCode.BadAlign => $"invalid alignment (0x{(ulong)Addr:x})",
        FaultCode.IllOp => "illegal operation",
        FaultCode.DivZero => "divide-by-zero",
        FaultCode.NoScratch => "out of scratch space",
        FaultCode.KPriv => $"invalid kernel access (0x{(ulong)Addr:x})",
        FaultCode.UPriv => $"invalid user access (0x{(ulong)Addr:x})",
        FaultCode.TupOflow => "tuple stack overflow",
        FaultCode.BadStack => "bad stack",
        _ => "unknown fault",
    };
}

/// <summary>
/// The state one clause execution sees: the run, the probe's arguments, clause-local variables, and
/// the record buffer its data-recording actions fill. Compiled clauses read these fields directly.
/// </summary>
public sealed class Frame
{
    public TraceRun R = null!;
    public long[] GI = null!;                           // global integer scalars
    public string?[] GS = null!;                        // global string scalars
    public Dictionary<TupleKey, object>[] GA = null!;   // global associative arrays
    public long[][] GArr = null!;                       // declared global arrays
    public Aggregation[] Aggs = null!;
    public DMemory Mem = null!;
    public long[] Statics = null!;                      // addresses of struct/array variables
    public long[] Args = new long[10];
    public object?[] Objs = new object?[10];
    public long[] LI = new long[16];                    // clause-local (this->) integers
    public string?[] LS = new string?[16];              // clause-local strings
    public long Tid;
    public ProbeSite Site = null!;
    public int Epid;
    public int Action;                                  // current action index (for ERROR's arg2)
    public readonly StringBuilder Buf = new();
    public bool Record;                                 // a data-recording action ran
    public int Spec;                                    // speculation this clause records into (0 = none)
    public int? ExitStatus;
    public long Timestamp;
    public List<TraceRecordItem> Items = new();
}

/// <summary>Abandons the current clause without an error (e.g. speculate() on an invalid ID).</summary>
public sealed class ClauseAbort : Exception
{
    public ClauseAbort() : base("clause abandoned") { }
}

/// <summary>One piece of recorded output (for object output: printf text, trace value, printa block).</summary>
public sealed record TraceRecordItem(string Action, string Text, object? Value);

/// <summary>Compiled clause: returns false when its predicate was false.</summary>
public delegate bool ClauseFn(Frame f);
