using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using Illumos.Engine;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Completers;

/// <summary>
/// Base of the module's argument completers: finds the session the command line names (-Session),
/// else the default one, asks the engine for names within a time budget (native hosts may be remote),
/// and returns those that start with what was typed, quoted when they contain spaces.
/// </summary>
public abstract class IllumosCompleter : IArgumentCompleter
{
    /// <summary>How long a completion may take before it gives up (remote hosts).</summary>
    protected virtual TimeSpan Budget => TimeSpan.FromSeconds(3);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        IllumosSession? session = SessionOf(fakeBoundParameters);
        IReadOnlyList<string> names;
        try
        {
            session ??= SessionManager.ResolveDefault();
            using var cts = new CancellationTokenSource(Budget);
            var task = Task.Run(() => GetNames(session, fakeBoundParameters, typed, cts.Token).ToList(), cts.Token);
            if (!task.Wait(Budget)) return [];
            names = task.Result;
        }
        catch (Exception e) when (e is IllumosException or AggregateException or OperationCanceledException)
        {
            return [];
        }
        var pattern = new WildcardPattern(WildcardPattern.Escape(typed) + "*", WildcardOptions.IgnoreCase);
        return names.Where(n => pattern.IsMatch(n))
            .Order(StringComparer.Ordinal)
            .Select(n => new CompletionResult(Quote(n), n, CompletionResultType.ParameterValue, n))
            .ToList();
    }

    /// <summary>The names this parameter can take on <paramref name="session"/>.</summary>
    protected abstract IEnumerable<string> GetNames(IllumosSession session, IDictionary fakeBoundParameters, string typed, CancellationToken ct);

    internal static IllumosSession? SessionOf(IDictionary bound)
    {
        if (!bound.Contains("Session")) return null;
        var v = bound["Session"] is PSObject p ? p.BaseObject : bound["Session"];
        return v switch
        {
            IllumosSession s => s,
            IllumosSession[] a when a.Length > 0 => a[0],
            object[] o => o.Select(x => x is PSObject q ? q.BaseObject : x).OfType<IllumosSession>().FirstOrDefault(),
            _ => null,
        };
    }

    private static string Quote(string name) =>
        name.IndexOfAny([' ', '\t', '\'', '"', '$', '`', '(', ')', '{', '}', ';', '&', '|', '#', ',']) >= 0
            ? "'" + name.Replace("'", "''") + "'"
            : name;
}

/// <summary>Completes session names (Get-IllumosSession, Remove-IllumosSession).</summary>
public sealed class SessionNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var pattern = new WildcardPattern(WildcardPattern.Escape(wordToComplete ?? "") + "*", WildcardOptions.IgnoreCase);
        return SessionManager.List().Select(s => s.Name).Distinct().Where(n => pattern.IsMatch(n)).Order(StringComparer.Ordinal)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
