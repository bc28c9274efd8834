# Quick-start: a tour of the module on a temporary embedded host. Run it after Import-Module Illumos.
$ErrorActionPreference = 'Stop'
$session = New-IllumosSession -Temporary -Name QuickStart
try {
    Write-Host "`n# A temporary embedded host" -ForegroundColor Green
    $session | Format-Table -AutoSize | Out-Host
    Write-Host "# What the host is and can do (Test-IllumosSession)" -ForegroundColor Green
    $session | Test-IllumosSession | Format-List | Out-Host
    Write-Host "# Sessions of this process (Get-IllumosSession)" -ForegroundColor Green
    Get-IllumosSession | Format-Table -AutoSize | Out-Host
}
finally {
    Remove-IllumosSession -Session $session -Confirm:$false
}
