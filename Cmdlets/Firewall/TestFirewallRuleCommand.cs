using System.Management.Automation;
using System.Text;
using Illumos.Engine.Firewall;
using Illumos.Engine.Languages.Ipf;

namespace Illumos.Cmdlets.Firewall;

/// <summary>
/// Checks ipf.conf (or, with -Nat, ipnat.conf) text without loading it, like ipf -n: when it is valid the rules are
/// returned in canonical ipf -nv form; otherwise every error is returned as an object with its line and column.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "FirewallRule", DefaultParameterSetName = TextSet)]
[OutputType(typeof(string), typeof(IpfError))]
[OutputType(typeof(bool))]
public sealed class TestFirewallRuleCommand : PSCmdlet
{
    private const string TextSet = "Text";
    private const string PathSet = "Path";
    private readonly StringBuilder _text = new();
    private readonly List<string> _files = new();

    /// <summary>Rule text; piped lines are joined into one text (line numbers count from the first).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = TextSet, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string[] Rule { get; set; } = [];

    /// <summary>Files to check, each on its own.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The text is ipnat.conf (map, bimap, map-block, rdr).</summary>
    [Parameter]
    public SwitchParameter Nat { get; set; }

    /// <summary>Returns only $true or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == TextSet)
        {
            foreach (var line in Rule) _text.Append(line).Append('\n');
            return;
        }
        foreach (var p in Path)
        {
            var file = GetUnresolvedProviderPathFromPSPath(p);
            if (File.Exists(file)) _files.Add(file);
            else WriteError(ErrorMapper.Create("FirewallFileNotFound", ErrorCategory.ObjectNotFound, $"Cannot find the file '{p}'.", p));
        }
    }

    protected override void EndProcessing()
    {
        List<(string? Source, string Text)> inputs = ParameterSetName == TextSet
            ? [(null, _text.ToString())]
            : _files.Select(f => ((string?)f, File.ReadAllText(f))).ToList();
        bool valid = true;
        foreach (var (source, text) in inputs)
        {
            var report = RuleSetText.Check(text, Nat);
            valid &= report.Valid;
            if (Quiet) continue;
            if (!report.Valid)
            {
                foreach (var e in report.Errors)
                {
                    var o = PSObject.AsPSObject(e);
                    if (source is not null) o.Properties.Add(new PSNoteProperty("Path", source));
                    WriteObject(o);
                }
            }
            else foreach (var r in report.Rules) WriteObject(r);
        }
        if (Quiet) WriteObject(valid);
    }
}
