# Shared helpers for the Pester suites.

function Import-IllumosModule {
    # The suites test the built module (out/Illumos), never the source folders.
    $path = $env:ILLUMOS_MODULE_PATH
    if (-not $path) { $path = Join-Path $PSScriptRoot '../../out/Illumos/Illumos.psd1' }
    Import-Module $path -Force -Global -ErrorAction Stop
}

function Get-PwshCommand {
    # Another pwsh process like this one (for cross-process tests).
    $self = (Get-Process -Id $PID).Path
    if ((Split-Path -Leaf $self) -match '^dotnet') { return @($self, 'pwsh') }
    return @($self)
}

function Invoke-OtherPwsh {
    param([Parameter(Mandatory)] [string] $Script)
    $cmd = @(Get-PwshCommand)
    $exe = $cmd[0]
    $rest = @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Script)
    $out = & $exe @rest 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
}

function Get-SharedFolder {
    # ../shared beside the repository, if present.
    $dir = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    while ($dir) {
        $parent = Split-Path $dir
        if (-not $parent) { break }   # the root: Split-Path gives '' and there is nothing above it
        $candidate = Join-Path $parent 'shared'
        if (Test-Path $candidate) { return $candidate }
        if ($parent -eq $dir) { break }
        $dir = $parent
    }
    return $null
}

Export-ModuleMember -Function Import-IllumosModule, Get-PwshCommand, Invoke-OtherPwsh, Get-SharedFolder
