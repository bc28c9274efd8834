using System.Management.Automation;
using Illumos.Engine;
using Illumos.Engine.Sessions;

namespace Illumos.Cmdlets.Sessions;

/// <summary>Closes sessions; a temporary host's directory is deleted with its last session.</summary>
[Cmdlet(VerbsCommon.Remove, "IllumosSession", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveIllumosSessionCommand : PSCmdlet
{
    private const string SessionSet = "Session";
    private const string NameSet = "Name";
    private const string IdSet = "Id";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = SessionSet, ValueFromPipeline = true)]
    [ValidateNotNull]
    public IllumosSession[] Session { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(Completers.SessionNameCompleter))]
    public string[] Name { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = [];

    protected override void ProcessRecord()
    {
        IEnumerable<IllumosSession> targets = ParameterSetName switch
        {
            NameSet => SessionSelection.ByName(this, SessionManager.List(), Name),
            IdSet => Id.Select(id => SessionManager.List().FirstOrDefault(s => s.Id == id) ?? NotFound(id)).OfType<IllumosSession>(),
            _ => Session,
        };
        foreach (var s in targets.ToList())
        {
            var action = s.IsTemporary ? "Close the session and delete its temporary host directory" : "Close the session";
            if (!ShouldProcess($"{s.Name} (Id {s.Id}, {s.ComputerName})", action)) continue;
            try
            {
                SessionManager.Remove(s);
            }
            catch (IllumosException e)
            {
                WriteError(ErrorMapper.ToErrorRecord(e, s));
            }
        }
    }

    private IllumosSession? NotFound(int id)
    {
        WriteError(ErrorMapper.Create("SessionNotFound", ErrorCategory.ObjectNotFound, $"No session has the id {id}.", id));
        return null;
    }
}
