using System.Management.Automation;
using System.Text;
using Illumos.Engine.Firewall;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Loads ipf.conf text (files with -Path, or text piped or given with -Text) into a rule set: appended, or with
/// -Replace as the whole set. All or nothing: if any line of any file has an error, every error is reported with its
/// file, line and column, and nothing is loaded.
/// </summary>
[Cmdlet(VerbsData.Import, "FirewallRule", DefaultParameterSetName = PathSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(FirewallRule))]
public sealed class ImportFirewallRuleCommand : FirewallCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";
    private const string TextSet = "Text";
    private readonly List<(string Source, string Text)> _inputs = new();
    private readonly StringBuilder _piped = new();

    /// <summary>ipf.conf files; wildcards are permitted.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>ipf.conf text; piped lines (Get-Content) are joined into one text.</summary>
    [Parameter(Mandatory = true, ParameterSetName = TextSet, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string[] Text { get; set; } = [];

    /// <summary>The imported rules become the whole rule set instead of being appended.</summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case TextSet:
                foreach (var line in Text) _piped.Append(line).Append('\n');
                break;
            default:
                foreach (var file in ResolveFiles(ParameterSetName == PathSet ? Path : LiteralPath, ParameterSetName == LiteralPathSet))
                    _inputs.Add((file, File.ReadAllText(file)));
                break;
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == TextSet) _inputs.Add(("text", _piped.ToString()));
        if (_inputs.Count == 0) return;
        // ipf -n over every input first: one error (with file, line and column) per problem, and then nothing loads.
        bool bad = false;
        foreach (var (source, text) in _inputs)
        {
            var report = RuleSetText.Check(StripDisabledMarks(text), nat: false);
            foreach (var e in report.Errors)
            {
                bad = true;
                WriteError(ErrorMapper.Create("FirewallRuleSyntax", ErrorCategory.ParserError, $"{source}:{e.Line}:{e.Column}: {e.Message}", e));
            }
        }
        if (bad)
        {
            WriteError(ErrorMapper.Create("FirewallImportRefused", ErrorCategory.InvalidData, "The rules have errors; nothing was loaded.", string.Join(", ", _inputs.Select(i => i.Source))));
            return;
        }
        var all = string.Join("\n", _inputs.Select(i => i.Text.TrimEnd('\n')));
        foreach (var s in ResolveSessions())
        {
            var scope = Scope;
            Try(() =>
            {
                var fw = FirewallOf(s);
                int before = Replace ? 0 : fw.GetRules(scope, StopToken).Count;
                int count = RuleSetText.Read(all).Count;
                if (!ShouldProcess(Where(scope, s), Replace ? $"Replace the rule set with {count} rules" : $"Append {count} rules")) return;
                var now = fw.ImportRules(scope, all, Replace, StopToken);
                if (PassThru) WriteRecords(now.Skip(before), s);
            }, scope.ToString());
        }
    }

    /// <summary>Exported files keep disabled rules as '#disabled: ' lines; they are checked like the others.</summary>
    private static string StripDisabledMarks(string text) =>
        string.Join('\n', text.Replace("\r\n", "\n").Split('\n').Select(l => l.StartsWith(RuleSetText.DisabledPrefix, StringComparison.Ordinal) ? l[RuleSetText.DisabledPrefix.Length..] : l));

    private IEnumerable<string> ResolveFiles(string[] paths, bool literal)
    {
        foreach (var p in paths)
        {
            List<string> found = new();
            try
            {
                if (literal) found.Add(GetUnresolvedProviderPathFromPSPath(p));
                else found.AddRange(GetResolvedProviderPathFromPSPath(p, out _));
            }
            catch (ItemNotFoundException) { }
            var files = found.Where(File.Exists).ToList();
            if (files.Count == 0)
            {
                if (literal || !WildcardPattern.ContainsWildcardCharacters(p))
                    WriteError(ErrorMapper.Create("FirewallFileNotFound", ErrorCategory.ObjectNotFound, $"Cannot find the file '{p}'.", p));
                continue;
            }
            foreach (var f in files) yield return f;
        }
    }
}
