using System.Management.Automation;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Sessions;

/// <summary>Lists the sessions of this PowerShell process.</summary>
[Cmdlet(VerbsCommon.Get, "IllumosSession", DefaultParameterSetName = NameSet)]
[OutputType(typeof(IllumosSession))]
public sealed class GetIllumosSessionCommand : PSCmdlet
{
    private const string NameSet = "Name";
    private const string IdSet = "Id";
    private const string DefaultSet = "Default";

    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completers.SessionNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = [];

    /// <summary>Only the default session (the one cmdlets use without -Session), if one is set or was created.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DefaultSet)]
    public SwitchParameter Default { get; set; }

    protected override void ProcessRecord()
    {
        var all = SessionManager.List();
        switch (ParameterSetName)
        {
            case DefaultSet:
                if (SessionManager.DefaultSession is { } d) WriteObject(d);
                return;
            case IdSet:
                foreach (var id in Id)
                {
                    var s = all.FirstOrDefault(x => x.Id == id);
                    if (s is null)
                        WriteError(ErrorMapper.Create("SessionNotFound", ErrorCategory.ObjectNotFound, $"No session has the id {id}.", id));
                    else WriteObject(s);
                }
                return;
        }
        foreach (var s in SessionSelection.ByName(this, all, Name)) WriteObject(s);
    }
}

internal static class SessionSelection
{
    /// <summary>Wildcards filter silently; a literal name that matches nothing is an ObjectNotFound error.</summary>
    public static IEnumerable<IllumosSession> ByName(Cmdlet cmdlet, IReadOnlyList<IllumosSession> all, string[]? names)
    {
        if (names is not { Length: > 0 }) return all;
        var result = new List<IllumosSession>();
        foreach (var n in names)
        {
            var p = new WildcardPattern(n, WildcardOptions.IgnoreCase);
            var hits = all.Where(s => p.IsMatch(s.Name)).ToList();
            if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(n))
                cmdlet.WriteError(ErrorMapper.Create("SessionNotFound", ErrorCategory.ObjectNotFound, $"No session is named '{n}'.", n));
            result.AddRange(hits.Where(h => !result.Contains(h)));
        }
        return result;
    }
}
