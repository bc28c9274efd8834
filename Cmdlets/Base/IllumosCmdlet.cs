using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Sessions;
using Illumos.Engine.Storage;

namespace Illumos.Cmdlets;

/// <summary>
/// Base of every facility cmdlet: the -Session parameter and its resolution (explicit sessions, else
/// the default), Ctrl+C as a cancellation token for engine work, engine errors mapped to ErrorRecords,
/// and the engine sink (verbose, warnings, progress) forwarded on the pipeline thread.
/// </summary>
public abstract class IllumosCmdlet : PSCmdlet, IEngineSink
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The hosts to work on; without it, the default session.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public IllumosSession[]? Session { get; set; }

    protected CancellationToken StopToken => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>Explicit sessions, else the default one (created on first use).</summary>
    protected IReadOnlyList<IllumosSession> ResolveSessions()
    {
        if (Session is { Length: > 0 }) return Session;
        try
        {
            return [SessionManager.ResolveDefault()];
        }
        catch (IllumosException e)
        {
            ThrowTerminatingError(ErrorMapper.ToErrorRecord(e));
            throw; // unreachable
        }
    }

    /// <summary>The session of a piped object if it has one, else the resolved sessions.</summary>
    protected IReadOnlyList<IllumosSession> SessionsFor(HostObject? item) =>
        item?.Session is { } s ? [s] : ResolveSessions();

    /// <summary>Stamps a record with the session it came from.</summary>
    protected static T Stamp<T>(T record, IllumosSession session) where T : HostObject => record with { Session = session };

    /// <summary>Runs engine work; an engine failure becomes a non-terminating error about <paramref name="target"/>.</summary>
    protected bool Try(Action action, object? target = null)
    {
        try
        {
            action();
            return true;
        }
        catch (IllumosException e)
        {
            WriteError(ErrorMapper.ToErrorRecord(e, target));
            return false;
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Runs engine work returning a value, or null (after writing the error) when it failed.</summary>
    protected T? Try<T>(Func<T> func, object? target = null) where T : class
    {
        T? result = null;
        Try(() => { result = func(); }, target);
        return result;
    }

    /// <summary>Writes records stamped with their session.</summary>
    protected void WriteRecords<T>(IEnumerable<T> records, IllumosSession session) where T : HostObject
    {
        foreach (var r in records) WriteObject(Stamp(r, session));
    }

    protected void WriteNotFound(string noun, string name, IllumosSession session) =>
        WriteError(ErrorMapper.Create(noun + "NotFound", ErrorCategory.ObjectNotFound,
            $"No {noun.ToLowerInvariant()} named '{name}' was found on {session.ComputerName}.", name));

    /// <summary>
    /// Name selection as Get-Service does it: wildcards filter silently; a literal name that matches
    /// nothing is a non-terminating ObjectNotFound error. Null or empty <paramref name="names"/> selects all.
    /// </summary>
    protected IEnumerable<T> SelectByName<T>(IEnumerable<T> items, string[]? names, Func<T, string> nameOf, string noun, IllumosSession session)
    {
        var list = items as IReadOnlyList<T> ?? items.ToList();
        if (names is not { Length: > 0 }) return list;
        var patterns = names.Select(n => WildcardPattern.ContainsWildcardCharacters(n) ? new WildcardPattern(n, WildcardOptions.IgnoreCase) : null).ToArray();
        var matched = new bool[names.Length];
        var result = new List<T>();
        foreach (var item in list)
        {
            var name = nameOf(item);
            bool any = false;
            for (int i = 0; i < names.Length; i++)
            {
                bool hit = patterns[i] is { } p ? p.IsMatch(name) : string.Equals(name, names[i], StringComparison.Ordinal);
                if (hit) { matched[i] = true; any = true; }
            }
            if (any) result.Add(item);
        }
        for (int i = 0; i < names.Length; i++)
            if (!matched[i] && patterns[i] is null) WriteNotFound(noun, names[i], session);
        return result;
    }

    /// <summary>
    /// The common Get-X shape: on every session, list the objects (an engine failure is a non-terminating
    /// error about that host), select them by <paramref name="names"/> like <see cref="SelectByName{T}"/>,
    /// narrow them with <paramref name="filter"/>, and write them stamped with their session.
    /// </summary>
    protected void WriteListing<T>(Func<IllumosSession, IReadOnlyList<T>> list, string[]? names, Func<T, string> nameOf, string noun,
        Func<IEnumerable<T>, IEnumerable<T>>? filter = null) where T : HostObject
    {
        foreach (var s in ResolveSessions())
        {
            IReadOnlyList<T>? items = null;
            if (!Try(() => { items = list(s); }, s.ComputerName)) continue;
            var selected = SelectByName(items!, names, nameOf, noun, s);
            WriteRecords(filter is null ? selected : filter(selected), s);
        }
    }

    // ---- IEngineSink: the engine reports on the cmdlet's thread ----
    void IEngineSink.Verbose(string message) => WriteVerbose(message);
    void IEngineSink.Warning(string message) => WriteWarning(message);
    void IEngineSink.Progress(EngineProgress p)
    {
        var record = new ProgressRecord(p.Id, p.Activity, string.IsNullOrEmpty(p.Status) ? p.Activity : p.Status)
        {
            PercentComplete = Math.Clamp(p.PercentComplete, -1, 100),
            SecondsRemaining = p.SecondsRemaining,
            CurrentOperation = p.CurrentOperation,
            RecordType = p.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        WriteProgress(record);
    }
}

/// <summary>Base of cmdlets that change state: -PassThru (New-* always output their object).</summary>
public abstract class IllumosChangeCmdlet : IllumosCmdlet
{
    /// <summary>Write the changed object to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }
}
