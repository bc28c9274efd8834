#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, benchmarks and documents the Illumos module.
.DESCRIPTION
    Tasks:
      Build (default)  builds out/Illumos (manifest, assemblies, formats, types, help) and runs the quick-start
      Test             builds, then runs every test suite; the last line is "N passed, N failed"
      Bench            runs the benchmarks; results go to out/bench/results.json
      Conformance      runs an external conformance suite: -Suite ipfilter|dtrace -Path <dir> [-List <file>]
      Docs             generates MAML help from docs/en-US into out/Illumos/en-US
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1
.EXAMPLE
    dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Bench', 'Conformance', 'Docs', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('ipfilter', 'dtrace')]
    [string] $Suite,
    [string] $Path,
    [string] $List,

    # Long stress runs (tests) and full-size figures (bench).
    [switch] $Extended,
    # Benchmarks with small sizes, for a quick look.
    [switch] $Quick,
    # Only benchmarks, xunit tests (full name) and Pester files (file name) that contain this text.
    [string] $Filter,
    [switch] $SkipQuickStart
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'Illumos'
$Configuration = 'Release'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    param([string] $Exe, [string[]] $Arguments)
    & $Exe @Arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-PwshCommand {
    # The pinned PowerShell from the tool manifest; this process is already it when started with 'dotnet pwsh'.
    $self = (Get-Process -Id $PID).Path
    if ($self -and (Split-Path -Leaf $self) -match '^(pwsh|dotnet)(\.exe)?$') {
        if ((Split-Path -Leaf $self) -match '^dotnet') { return @($self, 'pwsh') }
        return @($self)
    }
    return @('dotnet', 'pwsh')
}

function Invoke-Pwsh {
    param([string[]] $Arguments)
    $cmd = Get-PwshCommand
    $exe = $cmd[0]
    $rest = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive') + $Arguments
    Push-Location $Root
    try { & $exe @rest | Out-Host } finally { Pop-Location }
    return $LASTEXITCODE
}

function Invoke-BuildTask {
    Write-Host '== Build' -ForegroundColor Cyan
    Invoke-Native dotnet @('build', (Join-Path $Root 'Illumos.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $publish = Join-Path $Out 'obj/publish'
    if (Test-Path $publish) { Remove-Item $publish -Recurse -Force }
    Invoke-Native dotnet @('publish', (Join-Path $Root 'Cmdlets/Illumos.Cmdlets.csproj'), '-c', $Configuration, '-o', $publish, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly', '--no-build')

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    New-Item -ItemType Directory -Path $ModuleOut, (Join-Path $ModuleOut 'en-US') | Out-Null
    Copy-Item (Join-Path $Root 'Illumos.psd1') $ModuleOut
    Get-ChildItem $publish -Filter *.dll | Where-Object Name -NotIn 'System.Management.Automation.dll' | Copy-Item -Destination $ModuleOut
    if (Test-Path (Join-Path $publish 'runtimes')) { Copy-Item (Join-Path $publish 'runtimes') $ModuleOut -Recurse }
    Copy-Item (Join-Path $Root 'Formats/*.ps1xml') $ModuleOut
    Copy-Item (Join-Path $Root 'en-US/*.txt') (Join-Path $ModuleOut 'en-US')
    Copy-Item (Join-Path $Root 'Module/*') $ModuleOut -Recurse
    Invoke-DocsTask
    Write-Host "Module: $ModuleOut"
}

function Invoke-DocsTask {
    Write-Host '== Docs (MAML from docs/en-US)' -ForegroundColor Cyan
    if (-not (Test-Path (Join-Path $ModuleOut 'Illumos.psd1'))) { throw 'Build the module first (./build.ps1 Build).' }
    $code = Invoke-Pwsh @('-File', (Join-Path $Root 'tools/New-MamlHelp.ps1'),
        '-ModulePath', (Join-Path $ModuleOut 'Illumos.psd1'),
        '-DocsPath', (Join-Path $Root 'docs/en-US'),
        '-OutputPath', (Join-Path $ModuleOut 'en-US/Illumos.Cmdlets.dll-Help.xml'))
    if ($code -ne 0) { throw 'Help generation failed.' }
}

function Invoke-QuickStart {
    Write-Host '== Quick-start (temporary embedded host)' -ForegroundColor Cyan
    $code = Invoke-Pwsh @('-Command', "Import-Module '$ModuleOut/Illumos.psd1'; & '$ModuleOut/Examples/QuickStart.ps1'")
    if ($code -ne 0) { throw 'The quick-start failed.' }
}

function Get-PesterModulePath {
    $version = '5.7.1'
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tools/tools.csproj'), '--nologo', '-v', 'quiet')
    $cache = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $psd1 = Join-Path $cache.Trim() "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) { throw "Pester $version was not restored to $psd1" }
    return $psd1
}

function Get-TrxCounts([string] $trx) {
    [xml] $x = Get-Content -Raw $trx
    $c = $x.TestRun.ResultSummary.Counters
    # xunit's skipped tests are counted as not executed in the total, not under notExecuted
    $skipped = [math]::Max([int]$c.notExecuted, [int]$c.total - [int]$c.executed)
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Skipped = $skipped }
}

function Invoke-TestTask {
    Invoke-BuildTask
    $results = Join-Path $Out 'test'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory $results | Out-Null
    $totals = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }

    Write-Host '== xunit: Tests/Engine.Tests' -ForegroundColor Cyan
    $env:ILLUMOS_EXTENDED_TESTS = if ($Extended) { '1' } else { '' }
    # -Filter narrows both suites: xunit tests whose full name contains it, Pester files whose name does.
    $xunitFilter = if ($Filter) { @('--filter', "FullyQualifiedName~$Filter") } else { @() }
    & dotnet test (Join-Path $Root 'Tests/Engine.Tests/Illumos.Engine.Tests.csproj') -c $Configuration --no-build --nologo `
        --logger 'trx;LogFileName=engine.trx' --logger 'console;verbosity=minimal' --results-directory $results @xunitFilter
    $trx = Join-Path $results 'engine.trx'
    if (Test-Path $trx) {
        $x = Get-TrxCounts $trx
        $totals.Passed += $x.Passed; $totals.Failed += $x.Failed; $totals.Skipped += $x.Skipped
        Write-Host "xunit: $($x.Passed) passed, $($x.Failed) failed, $($x.Skipped) skipped"
    } else {
        Write-Host 'xunit: the test run produced no results' -ForegroundColor Red
        $totals.Failed += 1
    }

    Write-Host '== Pester: Tests/Pester' -ForegroundColor Cyan
    $pester = Get-PesterModulePath
    $summary = Join-Path $results 'pester.json'
    $pesterArgs = @('-File', (Join-Path $Root 'Tests/Pester/Invoke-PesterSuite.ps1'),
        '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleOut 'Illumos.psd1'), '-SummaryPath', $summary)
    if ($Filter) { $pesterArgs += @('-Filter', $Filter) }
    $code = Invoke-Pwsh $pesterArgs
    if (Test-Path $summary) {
        $p = Get-Content -Raw $summary | ConvertFrom-Json
        $totals.Passed += $p.Passed; $totals.Failed += $p.Failed; $totals.Skipped += $p.Skipped
        Write-Host "Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
    } else {
        Write-Host "Pester: the run produced no summary (exit $code)" -ForegroundColor Red
        $totals.Failed += 1
    }

    $summaries = if ($Filter) { @() } else {
        @(@{ Suite = 'ipfilter'; Dir = '../shared/conformance/ipfilter'; List = $null },
          @{ Suite = 'dtrace'; Dir = '../shared/conformance/dtrace'; List = 'lists/tier1.txt' }) }
    foreach ($s in $summaries) {
        $dir = Join-Path $Root $s.Dir
        if (-not (Test-Path $dir)) { Write-Host "Conformance $($s.Suite): skipped, $dir is absent"; continue }
        # The suites' targets are asserted by xunit tests; here their summary is shown for the record.
        Write-Host "== Conformance $($s.Suite) (summary; targets are asserted by the xunit suite)" -ForegroundColor Cyan
        $listFile = if ($s.List) { Get-Item (Join-Path $dir $s.List) -ErrorAction SilentlyContinue } else { $null }
        $args2 = @('run', '--project', (Join-Path $Root 'Tests/Conformance'), '-c', $Configuration, '--no-build', '--', $s.Suite, '--path', $dir)
        if ($listFile) { $args2 += @('--list', $listFile.FullName) }
        $lines = & dotnet @args2 2>&1
        if ($LASTEXITCODE -eq 2) { Write-Host "  $($s.Suite): no runner for this suite yet ($($lines | Select-Object -Last 1))" }
        else { $lines | Select-Object -Last 1 | ForEach-Object { Write-Host "  $($s.Suite): $_" } }
    }

    $line = "$($totals.Passed) passed, $($totals.Failed) failed"
    Write-Host ("{0} skipped" -f $totals.Skipped)
    Write-Output $line
    if ($totals.Failed -gt 0) { exit 1 }
}

function Invoke-BenchTask {
    Invoke-BuildTask
    Write-Host '== Bench' -ForegroundColor Cyan
    $env:ILLUMOS_MODULE_PATH = Join-Path $ModuleOut 'Illumos.psd1'
    Invoke-Native dotnet @('build', (Join-Path $Root 'Tests/Bench/Illumos.Bench.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $a = @('run', '--project', (Join-Path $Root 'Tests/Bench'), '-c', $Configuration, '--no-build', '--', '--out', (Join-Path $Out 'bench/results.json'))
    if ($Filter) { $a += @('--filter', $Filter) }
    if ($Quick) { $a += '--quick' }
    Invoke-Native dotnet $a
}

function Invoke-ConformanceTask {
    if (-not $Suite) { throw '-Suite ipfilter|dtrace is required.' }
    if (-not $Path) {
        $Path = Join-Path $Root "../shared/conformance/$Suite"
    }
    if (-not (Test-Path $Path)) { throw "The conformance directory '$Path' does not exist." }
    Invoke-Native dotnet @('build', (Join-Path $Root 'Tests/Conformance/Illumos.Conformance.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-clp:ErrorsOnly')
    $a = @('run', '--project', (Join-Path $Root 'Tests/Conformance'), '-c', $Configuration, '--no-build', '--', $Suite, '--path', (Resolve-Path $Path).Path)
    if ($List) { $a += @('--list', (Resolve-Path $List).Path) }
    & dotnet @a
    exit $LASTEXITCODE
}

switch ($Task) {
    'Build' { Invoke-BuildTask; if (-not $SkipQuickStart) { Invoke-QuickStart } }
    'Docs' { Invoke-DocsTask }
    'Test' { Invoke-TestTask }
    'Bench' { Invoke-BenchTask }
    'Conformance' { Invoke-ConformanceTask }
    'Clean' { if (Test-Path $Out) { Remove-Item $Out -Recurse -Force } }
}
