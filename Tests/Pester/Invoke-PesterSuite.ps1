<#
.SYNOPSIS
    Runs the Pester suites against the built module and writes a JSON summary for build.ps1.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [string] $Filter = ''
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:ILLUMOS_MODULE_PATH = (Resolve-Path $ModulePath).Path
# The suites never touch the user's real host directory: the implicit default host lives in a throwaway folder.
$env:ILLUMOS_HOME = Join-Path ([System.IO.Path]::GetTempPath()) ("illumos-pester-home-" + [guid]::NewGuid().ToString('N').Substring(0, 8))

$config = New-PesterConfiguration
$config.Run.Path = @(Get-ChildItem (Join-Path $PSScriptRoot '*.Tests.ps1') | Where-Object Name -like "*$Filter*" | ForEach-Object FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Normal'
$config.Should.ErrorAction = 'Continue'
$result = Invoke-Pester -Configuration $config
@{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $SummaryPath
Remove-Item $env:ILLUMOS_HOME -Recurse -Force -ErrorAction SilentlyContinue
