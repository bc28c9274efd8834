using System.Runtime.CompilerServices;

namespace Illumos.Engine.Tracing;

/// <summary>The type of one probe argument, as D sees it (e.g. "uint64_t", "string").</summary>
public sealed record ProbeArgument(int Index, string TypeName, string? Name = null);

/// <summary>The values a probe passes to its enablings. Integer arguments live in <see cref="Args"/>;
/// string/object arguments (for typed args such as a dataset name) in <see cref="Objects"/>.</summary>
public sealed class ProbeFiring
{
    public readonly long[] Args = new long[10];
    public readonly object?[] Objects = new object?[10];
    public ProbeSite Site = null!;
}

/// <summary>Receives the firings of an enabled probe (implemented by the tracing runtime).</summary>
public interface IProbeConsumer
{
    /// <summary>A firing with arguments of any kind.</summary>
    void Fire(ProbeSite site, ProbeFiring firing);

    /// <summary>A firing with up to five integer arguments (the common, allocation-free path).</summary>
    void Fire(ProbeSite site, long a0, long a1, long a2, long a3, long a4);
}

/// <summary>
/// One probe point <c>provider:module:function:name</c>. Engine code keeps the site in a static
/// readonly field and guards the firing with <see cref="Enabled"/>: a disabled site costs one
/// field load and one branch, e.g.
/// <code>if (ZfsProbes.Write.Enabled) ZfsProbes.Write.Fire(objset, obj, offset, size);</code>
/// </summary>
public sealed class ProbeSite
{
    private volatile IProbeConsumer[]? _consumers;

    internal ProbeSite(int id, string provider, string module, string function, string name, IReadOnlyList<ProbeArgument> args)
    {
        Id = id; Provider = provider; Module = module; Function = function; Name = name; Arguments = args;
    }

    public int Id { get; }
    public string Provider { get; }
    public string Module { get; }
    public string Function { get; }
    public string Name { get; }
    public IReadOnlyList<ProbeArgument> Arguments { get; }
    public string FullName => $"{Provider}:{Module}:{Function}:{Name}";

    /// <summary>True when at least one tracing session has enabled this probe.</summary>
    public bool Enabled
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _consumers is not null;
    }

    [ThreadStatic] private static ProbeFiring? t_firing;

    private static ProbeFiring Rent(ProbeSite s)
    {
        var f = t_firing ??= new ProbeFiring();
        f.Site = s;
        Array.Clear(f.Objects);
        return f;
    }

    /// <summary>Fires the probe with integer arguments (unused ones are zero).</summary>
    public void Fire(long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0)
    {
        var cs = _consumers;
        if (cs is null) return;
        foreach (var c in cs) c.Fire(this, a0, a1, a2, a3, a4);
    }

    /// <summary>Fires the probe with arguments of any kind: integers go to args[], strings and objects to typed args.</summary>
    public void FireWith(params object?[] args)
    {
        var cs = _consumers;
        if (cs is null) return;
        var f = Rent(this);
        for (int i = 0; i < f.Args.Length; i++)
        {
            object? v = i < args.Length ? args[i] : null;
            f.Objects[i] = v;
            f.Args[i] = v switch { null => 0, long l => l, int n => n, uint u => u, ulong ul => (long)ul, short s => s, ushort us => us, byte b => b, sbyte sb => sb, bool bo => bo ? 1 : 0, _ => 0 };
        }
        foreach (var c in cs) c.Fire(this, f);
    }

    internal void Attach(IProbeConsumer consumer)
    {
        lock (this)
        {
            var cur = _consumers ?? Array.Empty<IProbeConsumer>();
            if (Array.IndexOf(cur, consumer) >= 0) return;
            _consumers = [.. cur, consumer];
        }
    }

    internal void Detach(IProbeConsumer consumer)
    {
        lock (this)
        {
            var cur = _consumers;
            if (cur is null) return;
            var next = cur.Where(c => !ReferenceEquals(c, consumer)).ToArray();
            _consumers = next.Length == 0 ? null : next;
        }
    }
}

/// <summary>
/// The process-wide table of probes that engine providers publish. Providers register their sites
/// once (usually in static readonly fields); tracing sessions match descriptions against this table.
/// IDs 1-3 are the dtrace provider's BEGIN, END and ERROR.
/// </summary>
public static class ProbeRegistry
{
    private static readonly List<ProbeSite> Sites = new();

    static ProbeRegistry()
    {
        Register("dtrace", "", "", "BEGIN");
        Register("dtrace", "", "", "END");
        Register("dtrace", "", "", "ERROR",
            new ProbeArgument(0, "uint64_t"), new ProbeArgument(1, "uint64_t", "epid"), new ProbeArgument(2, "uint64_t", "index"),
            new ProbeArgument(3, "uint64_t", "offset"), new ProbeArgument(4, "uint64_t", "fault"), new ProbeArgument(5, "uint64_t", "value"));
    }

    /// <summary>Registers (or returns the existing) probe site with the given name and argument types.</summary>
    public static ProbeSite Register(string provider, string module, string function, string name, params ProbeArgument[] args)
    {
        lock (Sites)
        {
            foreach (var s in Sites)
                if (s.Provider == provider && s.Module == module && s.Function == function && s.Name == name) return s;
            var site = new ProbeSite(Sites.Count + 1, provider, module, function, name, args);
            Sites.Add(site);
            return site;
        }
    }

    /// <summary>Every registered probe, in ID order.</summary>
    public static IReadOnlyList<ProbeSite> All
    {
        get { lock (Sites) return Sites.ToArray(); }
    }

    public static ProbeSite Begin => All[0];
    public static ProbeSite End => All[1];
    public static ProbeSite Error => All[2];
}
