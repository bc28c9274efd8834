@{
    RootModule           = 'Illumos.Cmdlets.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0d3a52-7c1e-4f3e-9a7b-2b8f1c9d4e61'
    Author               = 'Illumos for PowerShell'
    CompanyName          = 'Illumos for PowerShell'
    Copyright            = '(c) Illumos for PowerShell contributors.'
    Description          = 'illumos system facilities as PowerShell objects: ZFS pools, datasets and snapshots, zones, virtual machines, dladm networking, the ipfilter firewall, DTrace tracing and SMF services, on an embedded host or on real illumos systems over SSH.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Illumos.Format.ps1xml', 'Illumos.Storage.Format.ps1xml', 'Illumos.Storage.Pools.Format.ps1xml')
    TypesToProcess       = @('Illumos.Types.ps1xml')
    CmdletsToExport      = @(
        'Add-ZPoolDevice'
        'Clear-ZDatasetProperty'
        'Clear-ZPoolError'
        'Disable-ZPoolDevice'
        'Enable-ZPoolDevice'
        'Export-ZPool'
        'Get-IllumosSession'
        'Get-ZBookmark'
        'Get-ZDataset'
        'Get-ZDatasetProperty'
        'Get-ZPool'
        'Get-ZPoolHistory'
        'Get-ZPoolIOStat'
        'Get-ZPoolProperty'
        'Get-ZPoolStatus'
        'Get-ZSnapshot'
        'Get-ZSnapshotHold'
        'Import-ZPool'
        'Lock-ZSnapshot'
        'New-IllumosSession'
        'New-ZBookmark'
        'New-ZDataset'
        'New-ZPool'
        'New-ZSnapshot'
        'Read-ZVolume'
        'Remove-IllumosSession'
        'Remove-ZBookmark'
        'Remove-ZDataset'
        'Remove-ZPool'
        'Remove-ZPoolDevice'
        'Remove-ZSnapshot'
        'Rename-ZDataset'
        'Rename-ZSnapshot'
        'Repair-ZPool'
        'Restore-ZSnapshot'
        'Set-ZDataset'
        'Set-ZPool'
        'Start-ZPoolScrub'
        'Stop-ZPoolScrub'
        'Suspend-ZPoolScrub'
        'Test-IllumosSession'
        'Test-ZPool'
        'Unlock-ZSnapshot'
        'Write-ZVolume'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('illumos', 'ZFS', 'zones', 'bhyve', 'ipfilter', 'DTrace', 'SMF', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
        }
    }
}
