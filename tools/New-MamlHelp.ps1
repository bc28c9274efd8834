<#
.SYNOPSIS
    Compiles per-cmdlet markdown help (PlatyPS schema 2.0.0) into a MAML file for a binary module.
.DESCRIPTION
    PlatyPS is not available from NuGet, so this script reads the markdown itself: SYNOPSIS,
    DESCRIPTION, EXAMPLES (### titles, a code fence, remarks), PARAMETERS (### -Name with a
    description; types, positions and sets are taken from the compiled cmdlet so they cannot
    drift), INPUTS, OUTPUTS, NOTES and RELATED LINKS. Syntax blocks come from the cmdlet metadata.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$module = Import-Module $ModulePath -PassThru -Force
$common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Split-Sections([string] $text, [string] $level) {
    # Returns an ordered map heading -> body for headings of the given level ("## " or "### ").
    $map = [ordered]@{}
    $current = $null
    $buffer = [System.Text.StringBuilder]::new()
    $inFence = $false
    foreach ($line in $text -split "`r?`n") {
        if ($line -match '^```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($level) -and -not $line.StartsWith($level + '#')) {
            if ($null -ne $current) { $map[$current] = $buffer.ToString().Trim() }
            $current = $line.Substring($level.Length).Trim()
            $buffer.Clear() | Out-Null
        } elseif ($null -ne $current) {
            $buffer.AppendLine($line) | Out-Null
        }
    }
    if ($null -ne $current) { $map[$current] = $buffer.ToString().Trim() }
    return $map
}

function Get-Paragraphs([string] $text) {
    # Paragraphs of prose, without code fences or yaml blocks.
    $clean = [regex]::Replace($text, '(?s)```.*?```', '')
    return @(($clean -split "(`r?`n){2,}") | ForEach-Object { ($_ -replace "`r?`n", ' ').Trim() } | Where-Object { $_ })
}

function Add-Paras($writer, [string[]] $paras) {
    foreach ($p in $paras) { $writer.WriteElementString('maml', 'para', 'http://schemas.microsoft.com/maml/2004/10', $p) }
}

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
New-Item -ItemType Directory -Force -Path (Split-Path $OutputPath) | Out-Null
$w = [System.Xml.XmlWriter]::Create($OutputPath, $settings)
$w.WriteStartDocument()
$w.WriteStartElement('helpItems', 'http://msh')
$w.WriteAttributeString('schema', 'maml')

$missing = [System.Collections.Generic.List[string]]::new()
foreach ($cmd in (Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name)) {
    $file = Join-Path $DocsPath "$($cmd.Name).md"
    if (-not (Test-Path $file)) { $missing.Add($cmd.Name); continue }
    $text = Get-Content -Raw $file
    $sections = Split-Sections $text '## '
    $paramDocs = if ($sections.Contains('PARAMETERS')) { Split-Sections $sections['PARAMETERS'] '### ' } else { @{} }

    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)

    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $cmd.Name)
    $w.WriteElementString('command', 'verb', $ns.command, $cmd.Verb)
    $w.WriteElementString('command', 'noun', $ns.command, $cmd.Noun)
    $w.WriteStartElement('maml', 'description', $ns.maml)
    Add-Paras $w (Get-Paragraphs ($sections['SYNOPSIS'] ?? ''))
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('maml', 'description', $ns.maml)
    Add-Paras $w (Get-Paragraphs ($sections['DESCRIPTION'] ?? ''))
    $w.WriteEndElement()

    $writeParam = {
        param($p, $setMeta)
        $doc = $paramDocs["-$($p.Name)"]
        $required = if ($setMeta) { $setMeta.IsMandatory } else { @($p.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0 }
        $position = if ($setMeta -and $setMeta.Position -ge 0) { [string]$setMeta.Position } else { 'named' }
        $pipeline = @()
        $metas = if ($setMeta) { @($setMeta) } else { @($p.ParameterSets.Values) }
        if ($metas | Where-Object ValueFromPipeline) { $pipeline += 'ByValue' }
        if ($metas | Where-Object ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
        $pipelineText = if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }
        $globbing = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
        $w.WriteStartElement('command', 'parameter', $ns.command)
        $w.WriteAttributeString('required', ([string]$required).ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'true')
        $w.WriteAttributeString('globbing', ([string]$globbing).ToLowerInvariant())
        $w.WriteAttributeString('pipelineInput', $pipelineText)
        $w.WriteAttributeString('position', $position)
        $w.WriteAttributeString('aliases', $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }))
        $w.WriteElementString('maml', 'name', $ns.maml, $p.Name)
        $w.WriteStartElement('maml', 'description', $ns.maml)
        if ($doc) { Add-Paras $w (Get-Paragraphs $doc) }
        $w.WriteEndElement()
        $typeName = $p.ParameterType.Name
        if ($p.ParameterType -ne [System.Management.Automation.SwitchParameter]) {
            $w.WriteStartElement('command', 'parameterValue', $ns.command)
            $w.WriteAttributeString('required', 'true')
            $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($typeName)
            $w.WriteEndElement()
        }
        $w.WriteStartElement('dev', 'type', $ns.dev)
        $w.WriteElementString('maml', 'name', $ns.maml, $p.ParameterType.FullName)
        $w.WriteEndElement()
        $w.WriteElementString('dev', 'defaultValue', $ns.dev, 'None')
        $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $cmd.Name)
        foreach ($sp in $set.Parameters | Where-Object { $_.Name -notin $common }) {
            & $writeParam $cmd.Parameters[$sp.Name] ($cmd.Parameters[$sp.Name].ParameterSets[$set.Name] ?? $cmd.Parameters[$sp.Name].ParameterSets['__AllParameterSets'])
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $cmd.Parameters.Values | Where-Object { $_.Name -notin $common }) { & $writeParam $p $null }
    $w.WriteEndElement()

    foreach ($kind in @(@('INPUTS', 'inputTypes', 'inputType'), @('OUTPUTS', 'returnValues', 'returnValue'))) {
        $w.WriteStartElement('command', $kind[1], $ns.command)
        if ($sections.Contains($kind[0])) {
            foreach ($entry in (Split-Sections $sections[$kind[0]] '### ').GetEnumerator()) {
                $w.WriteStartElement('command', $kind[2], $ns.command)
                $w.WriteStartElement('dev', 'type', $ns.dev)
                $w.WriteElementString('maml', 'name', $ns.maml, $entry.Key)
                $w.WriteEndElement()
                $w.WriteStartElement('maml', 'description', $ns.maml)
                Add-Paras $w (Get-Paragraphs $entry.Value)
                $w.WriteEndElement()
                $w.WriteEndElement()
            }
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $ns.maml)
    $w.WriteStartElement('maml', 'alert', $ns.maml)
    Add-Paras $w (Get-Paragraphs ($sections['NOTES'] ?? ''))
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $ns.command)
    if ($sections.Contains('EXAMPLES')) {
        foreach ($ex in (Split-Sections $sections['EXAMPLES'] '### ').GetEnumerator()) {
            $code = [regex]::Match($ex.Value, '(?s)```[a-zA-Z]*\r?\n(.*?)```').Groups[1].Value.TrimEnd()
            $remarks = Get-Paragraphs ([regex]::Replace($ex.Value, '(?s)```.*?```', ''))
            $w.WriteStartElement('command', 'example', $ns.command)
            $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($ex.Key) --------------------------")
            $w.WriteElementString('dev', 'code', $ns.dev, $code)
            $w.WriteStartElement('dev', 'remarks', $ns.dev)
            Add-Paras $w $remarks
            $w.WriteEndElement()
            $w.WriteEndElement()
        }
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    if ($sections.Contains('RELATED LINKS')) {
        foreach ($m in [regex]::Matches($sections['RELATED LINKS'], '\[([^\]]+)\]\(([^)]*)\)')) {
            $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
            $w.WriteElementString('maml', 'linkText', $ns.maml, $m.Groups[1].Value)
            $w.WriteElementString('maml', 'uri', $ns.maml, $m.Groups[2].Value)
            $w.WriteEndElement()
        }
    }
    $w.WriteEndElement()
    $w.WriteEndElement() # command
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()
if ($missing.Count) { Write-Warning "No help markdown for: $($missing -join ', ') (docs/en-US/<Cmdlet>.md)" }
Write-Host "Help: $OutputPath"
