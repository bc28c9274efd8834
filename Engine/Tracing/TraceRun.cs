using System.Diagnostics;
using System.Globalization;
using System.Text;
using Illumos.Engine.Languages.D;

namespace Illumos.Engine.Tracing;

/// <summary>An enabled probe control block: one clause on one probe.</summary>
public sealed class Ecb
{
    public required int Epid { get; init; }
    public required ClauseFn Fn { get; init; }
    public required ProbeSite Site { get; init; }
    public required int ClauseIndex { get; init; }
}

/// <summary>A compiled D program, ready to run (possibly several times).</summary>
public sealed class CompiledProgram
{
    public required string ScriptName { get; init; }
    public required List<Ecb> Ecbs { get; init; }
    public required TraceOptions Options { get; init; }
    public int GlobalInts { get; init; }
    public int GlobalStrings { get; init; }
    public int GlobalAssocs { get; init; }
    public List<long> ArrayDims { get; init; } = new();
    public required Func<Aggregation[]> MakeAggregations { get; init; }
    public int LocalInts { get; init; }
    public int LocalStrings { get; init; }
    public List<long> StaticSizes { get; init; } = new();
    public HashSet<int> PrintedAggs { get; init; } = new();
    /// <summary>Timer probes (tick-N, profile-N) with their periods in nanoseconds.</summary>
    public Dictionary<ProbeSite, long> Timers { get; init; } = new();
    public int MatchedProbes => Ecbs.Count;
}

/// <summary>Limits of one run: a deadline and cancellation (Ctrl+C), plus an optional firing count.</summary>
public sealed class RunLimits
{
    public TimeSpan? Timeout { get; init; }
    /// <summary>Stop after this long as if exit(0) had been called: END fires and aggregations print.</summary>
    public TimeSpan? Duration { get; init; }
    /// <summary>Stop after this many records.</summary>
    public int? MaxRecords { get; init; }
    public CancellationToken Cancel { get; init; }
}

/// <summary>
/// One running instance of a compiled program: its variables, aggregations and speculations, the
/// consumer that prints records, and the loop that fires BEGIN, timers and END.
/// </summary>
public sealed class TraceRun : IProbeConsumer
{
    private readonly CompiledProgram _p;
    private readonly TextWriter _out, _err;
    private readonly Dictionary<ProbeSite, Ecb[]> _bySite;
    private readonly Ecb[]?[] _byId;
    private readonly object _lock = new();
    private readonly Frame _frame;
    private bool _headerDone;
    private readonly long _t0 = Stopwatch.GetTimestamp();
    private readonly long _wall0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
    private int _inError;
    private bool _draining;

    public TraceRun(CompiledProgram program, TextWriter stdout, TextWriter stderr)
    {
        _p = program;
        _out = new TrackingWriter(stdout);
        _err = stderr;
        Options = program.Options;
        GI = new long[program.GlobalInts];
        GS = new string?[program.GlobalStrings];
        GA = new Dictionary<TupleKey, object>[program.GlobalAssocs];
        for (int i = 0; i < GA.Length; i++) GA[i] = new Dictionary<TupleKey, object>();
        GArr = program.ArrayDims.Select(n => new long[n]).ToArray();
        Aggs = program.MakeAggregations();
        try
        {
            Statics = program.StaticSizes.Select(n => n == 0 ? 0 : Mem.Alloc(n)).ToArray();
        }
        catch (DFault)
        {
            throw new IllumosException(ErrorKind.LimitsExceeded, "DTraceStaticTooBig", "The program's variables need more memory than the embedded host allows.");
        }
        _bySite = program.Ecbs.GroupBy(e => e.Site).ToDictionary(g => g.Key, g => g.ToArray());
        _byId = new Ecb[]?[_bySite.Keys.Select(k => k.Id).DefaultIfEmpty(0).Max() + 1];
        foreach (var (k, v) in _bySite) _byId[k.Id] = v;
        _frame = NewFrame();
        Specs = new SpecBuffer[Math.Max(0, Options.NSpec) + 1];
    }

    public TraceOptions Options { get; }
    public long[] GI { get; }
    public string?[] GS { get; }
    public Dictionary<TupleKey, object>[] GA { get; }
    public long[][] GArr { get; }
    public Aggregation[] Aggs { get; }
    public DMemory Mem { get; } = new();
    public long ScratchLimit { get; set; } = 8 * 1024;
    public long[] Statics { get; }
    public readonly Dictionary<TupleKey, object> ThreadLocals = new();
    public bool Exiting { get; private set; }
    public int ExitStatus { get; private set; }
    public long Firings;
    public List<TraceRecord> Records { get; } = new();
    public bool CollectRecords { get; set; }
    /// <summary>When set, each record goes here as it is produced (on the firing thread, under the run's lock) instead of to <see cref="Records"/>.</summary>
    public Action<TraceRecord>? RecordSink { get; set; }

    internal sealed class SpecBuffer
    {
        public bool Busy, Committing, Discarding;
        public readonly List<(Ecb Ecb, string Text, bool Record, int? Exit)> Entries = new();
    }

    internal SpecBuffer[] Specs;
    internal readonly List<(long Id, bool Commit)> PendingSpecOps = new();
    internal string? StrtokRest;

    private Frame NewFrame() => new()
    {
        R = this, GI = GI, GS = GS, GA = GA, GArr = GArr, Aggs = Aggs, Mem = Mem, Statics = Statics,
        LI = new long[Math.Max(1, _p.LocalInts)], LS = new string?[Math.Max(1, _p.LocalStrings)],
    };

    public long Now() => (long)((Stopwatch.GetTimestamp() - _t0) * (1_000_000_000.0 / Stopwatch.Frequency)) + 1_000_000_000;
    public long WallNow() => _wall0 + (Now() - 1_000_000_000);

    /// <summary>Fires an engine probe (called from <see cref="ProbeSite"/> on any thread).</summary>
    public void Fire(ProbeSite site, ProbeFiring firing)
    {
        var byId = _byId;
        if ((uint)site.Id >= (uint)byId.Length || byId[site.Id] is not { } ecbs) return;
        lock (_lock)
        {
            if (Exiting || _draining) return;
            firing.Args.AsSpan().CopyTo(_frame.Args);
            firing.Objects.AsSpan().CopyTo(_frame.Objs);
            _objsDirty = true;
            RunEcbs(ecbs, _frame);
        }
    }

    /// <summary>Fires an engine probe with integer arguments (called from <see cref="ProbeSite"/> on any thread).</summary>
    public void Fire(ProbeSite site, long a0, long a1, long a2, long a3, long a4)
    {
        var byId = _byId;
        if ((uint)site.Id >= (uint)byId.Length || byId[site.Id] is not { } ecbs) return;
        lock (_lock)
        {
            if (Exiting || _draining) return;
            var a = _frame.Args;
            a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3; a[4] = a4;
            a[5] = a[6] = a[7] = a[8] = a[9] = 0;
            if (_objsDirty) { Array.Clear(_frame.Objs); _objsDirty = false; }
            RunEcbs(ecbs, _frame);
        }
    }

    private bool _objsDirty;

    /// <summary>Fires a probe by site with integer args from inside the run loop.</summary>
    public void FireLocal(ProbeSite site, long a0 = 0, long a1 = 0)
    {
        if (!_bySite.TryGetValue(site, out var ecbs)) return;
        lock (_lock)
        {
            Array.Clear(_frame.Args);
            Array.Clear(_frame.Objs);
            _frame.Args[0] = a0; _frame.Args[1] = a1;
            RunEcbs(ecbs, _frame);
        }
    }

    private void RunEcbs(Ecb[] ecbs, Frame f)
    {
        f.Timestamp = 0;   // read lazily: the clock is costly on some hosts
        f.Tid = Environment.CurrentManagedThreadId;
        if (_p.LocalInts > 0) Array.Clear(f.LI);
        if (_p.LocalStrings > 0) Array.Clear(f.LS);
        foreach (var e in ecbs)
        {
            if (Exiting && !_draining) break;
            RunClause(e, f);
        }
    }

    private void RunClause(Ecb e, Frame f)
    {
        if (f.Buf.Length > 0) f.Buf.Clear();
        if (f.Items.Count > 0) f.Items.Clear();
        f.Record = false;
        f.Spec = 0;
        f.ExitStatus = null;
        f.Action = 0;
        f.Site = e.Site;
        f.Epid = e.Epid;
        Firings++;
        try
        {
            bool fired;
            try { fired = e.Fn(f); }
            finally { Mem.ReleaseScratch(); }
            if (!fired) return;
        }
        catch (ClauseAbort)
        {
            PendingSpecOps.Clear();
            return;
        }
        catch (DFault fault)
        {
            PendingSpecOps.Clear();
            RaiseError(e, f, fault);
            return;
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or IllumosException))
        {
            // any other failure inside a clause is an illegal operation for the ERROR probe, never a host crash
            RaiseError(e, f, new DFault(FaultCode.IllOp));
            return;
        }
        if (!f.Record && f.ExitStatus is null && f.Spec == 0 && PendingSpecOps.Count == 0) return;   // nothing recorded: the hot path
        Commit(e, f.Buf.ToString(), f.Record, f.ExitStatus, f.Spec, f.Items);
        if (PendingSpecOps.Count > 0)
        {
            foreach (var (id, commit) in PendingSpecOps) { if (commit) CommitSpec(id); else DiscardSpec(id); }
            PendingSpecOps.Clear();
        }
    }

    private void RaiseError(Ecb e, Frame f, DFault fault)
    {
        var site = e.Site;
        if (Options.Convention == OutputConvention.OracleTesting)
            _err.Write($"dtrace: error in dt_clause_{e.ClauseIndex} for probe ID {site.Id} ({site.Provider}:{site.Module}:{site.Function}:{site.Name}): {fault.Describe()} at BPF pc {f.Action}\n");
        else
            _err.Write($"dtrace: error on enabled probe ID {e.Epid} (ID {site.Id}: {site.Provider}:{site.Module}:{site.Function}:{site.Name}): {fault.Describe()} in action #{Math.Max(1, f.Action)} at DIF offset {Math.Max(0, f.Action * 4)}\n");
        if (_inError > 0) return;
        if (!_bySite.TryGetValue(ProbeRegistry.Error, out var errs)) return;
        _inError++;
        try
        {
            // ERROR clauses get their own frame so the faulting clause's state is untouched
            var ef = NewFrame();
            ef.Args[0] = 0; ef.Args[1] = e.Epid; ef.Args[2] = Math.Max(1, f.Action); ef.Args[3] = Math.Max(0, f.Action * 4);
            ef.Args[4] = (long)fault.Code; ef.Args[5] = fault.Addr;
            ef.Timestamp = Now();
            ef.Tid = f.Tid;
            foreach (var ee in errs) RunClause(ee, ef);
        }
        finally { _inError--; }
    }

    private void Commit(Ecb e, string text, bool record, int? exit, int spec, List<TraceRecordItem> items)
    {
        if (spec < 0) return;
        if (spec > 0)
        {
            if (spec < Specs.Length && Specs[spec] is { } s && s.Busy && !s.Discarding)
                s.Entries.Add((e, text, record, exit));
            return;
        }
        Emit(e, text, record, items);
        if (exit is not null) DoExit(exit.Value);
    }

    private int _maxRecords = int.MaxValue, _recordCount;

    internal void Emit(Ecb e, string text, bool record, List<TraceRecordItem>? items = null)
    {
        if (!record) return;
        if (++_recordCount >= _maxRecords) Exiting = true;
        if (CollectRecords || RecordSink is not null)
        {
            var rec = new TraceRecord(e.Site.FullName, e.Site.Id, e.ClauseIndex, text, items?.ToArray() ?? Array.Empty<TraceRecordItem>());
            if (RecordSink is { } sink) sink(rec); else Records.Add(rec);
        }
        if (Options.Quiet)
        {
            _out.Write(text);
            return;
        }
        var site = e.Site;
        string fn = site.Function + ":" + site.Name;
        if (Options.Convention == OutputConvention.OracleTesting)
        {
            if (!_headerDone) { _out.Write("FUNCTION:NAME".PadLeft(32) + "\n"); _headerDone = true; }
            _out.Write(fn.PadLeft(32) + " " + text + "\n");
        }
        else
        {
            if (!_headerDone) { _out.Write("CPU".PadLeft(3) + " " + "ID".PadLeft(6) + " " + "FUNCTION:NAME".PadLeft(32) + "\n"); _headerDone = true; }
            _out.Write("0".PadLeft(3) + " " + site.Id.ToString(CultureInfo.InvariantCulture).PadLeft(6) + " " + fn.PadLeft(32) + " " + text + "\n");
        }
    }

    internal void DoExit(int status)
    {
        // the consumer keeps the status of the last exit() it sees, so END may override it
        if (Exiting && !_draining) return;
        Exiting = true;
        ExitStatus = status;
    }

    // ---- speculation

    public long Speculation()
    {
        for (int i = 1; i < Specs.Length; i++)
        {
            Specs[i] ??= new SpecBuffer();
            if (!Specs[i].Busy) { Specs[i].Busy = true; Specs[i].Entries.Clear(); return i; }
        }
        return 0;
    }

    public void CommitSpec(long id)
    {
        if (id <= 0 || id >= Specs.Length || Specs[id] is not { Busy: true } s) return;
        foreach (var (e, text, rec, exit) in s.Entries)
        {
            Emit(e, text, rec);
            if (exit is not null) DoExit(exit.Value);
        }
        s.Entries.Clear();
        s.Busy = false;
    }

    public void DiscardSpec(long id)
    {
        if (id <= 0 || id >= Specs.Length || Specs[id] is not { Busy: true } s) return;
        s.Entries.Clear();
        s.Busy = false;
    }

    // ---- the run loop

    /// <summary>Runs the program: BEGIN, then timers and engine probes until exit() or a limit, then END
    /// and the final aggregation printout. Returns the exit status.</summary>
    public int Run(RunLimits? limits = null)
    {
        limits ??= new RunLimits();
        var deadline = limits.Timeout is { } to ? Stopwatch.GetTimestamp() + (long)(to.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        if (limits.Duration is { } du) deadline = Math.Min(deadline, Stopwatch.GetTimestamp() + (long)(du.TotalSeconds * Stopwatch.Frequency));
        _maxRecords = limits.MaxRecords ?? int.MaxValue;
        foreach (var site in _bySite.Keys.Where(s => s.Provider is not ("dtrace" or "profile"))) site.Attach(this);
        try
        {
            FireLocal(ProbeRegistry.Begin);
            var timers = _p.Timers.Select(kv => (Site: kv.Key, Period: kv.Value, Next: Now() + kv.Value)).ToList();
            while (!Exiting)
            {
                if (limits.Cancel.IsCancellationRequested || Stopwatch.GetTimestamp() >= deadline) break;
                if (timers.Count == 0)
                {
                    limits.Cancel.WaitHandle.WaitOne(20);
                    continue;
                }
                int k = 0;
                for (int i = 1; i < timers.Count; i++) if (timers[i].Next < timers[k].Next) k = i;
                long wait = timers[k].Next - Now();
                if (wait > 0)
                {
                    if (wait > 2_000_000) { limits.Cancel.WaitHandle.WaitOne(TimeSpan.FromTicks(Math.Min(wait - 1_000_000, 200_000_000) / 100)); continue; }
                    while (Now() < timers[k].Next) Thread.SpinWait(50);
                }
                var t = timers[k];
                t.Next += t.Period;
                if (t.Next < Now()) t.Next = Now() + t.Period / 2;   // do not pile up firings after a stall
                timers[k] = t;
                FireLocal(t.Site);
            }
        }
        finally
        {
            foreach (var site in _bySite.Keys.Where(s => s.Provider is not ("dtrace" or "profile"))) site.Detach(this);
        }
        _draining = true;
        FireLocal(ProbeRegistry.End);
        Exiting = true;
        PrintFinal();
        _out.Flush();
        return ExitStatus;
    }

    private void PrintFinal()
    {
        // one blank line, then every aggregation that printa() did not already print
        var sb = new StringBuilder("\n");
        foreach (var a in Aggs)
        {
            if (_p.PrintedAggs.Contains(a.Id) || !a.HasData) continue;
            a.PrintDefault(sb, Options);
        }
        _out.Write(sb.ToString());
    }

    public string PrintAgg(Aggregation a, PrintfFormat? fmt)
    {
        var sb = new StringBuilder();
        if (fmt is null)
        {
            sb.Append('\n');
            a.PrintDefault(sb, Options);
        }
        else a.PrintFormatted(sb, fmt, Options);
        return sb.ToString();
    }
}

/// <summary>Remembers the last character written (dtrace ends output that lacks a newline with one).</summary>
internal sealed class TrackingWriter : TextWriter
{
    private readonly TextWriter _inner;
    public TrackingWriter(TextWriter inner) { _inner = inner; }
    public char? Last { get; private set; }
    public override System.Text.Encoding Encoding => _inner.Encoding;
    public override void Write(char value) { _inner.Write(value); Last = value; }
    public override void Write(string? value)
    {
        if (string.IsNullOrEmpty(value)) return;
        _inner.Write(value);
        Last = value[^1];
    }
    public override void Flush() => _inner.Flush();
}

/// <summary>A record one clause produced (for object output).</summary>
public sealed record TraceRecord(string Probe, int ProbeId, int Clause, string Text, TraceRecordItem[] Items);
