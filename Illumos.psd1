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
    FormatsToProcess     = @('Illumos.Format.ps1xml', 'Illumos.Storage.Format.ps1xml')
    TypesToProcess       = @('Illumos.Types.ps1xml')
    CmdletsToExport      = @(
        'Get-IllumosSession'
        'New-IllumosSession'
        'Remove-IllumosSession'
        'Test-IllumosSession'
        'Clear-ZDatasetProperty'
        'Get-ZBookmark'
        'Get-ZDataset'
        'Get-ZDatasetProperty'
        'Get-ZSnapshot'
        'Get-ZSnapshotHold'
        'Lock-ZSnapshot'
        'New-ZBookmark'
        'New-ZDataset'
        'New-ZSnapshot'
        'Read-ZVolume'
        'Remove-ZBookmark'
        'Remove-ZDataset'
        'Remove-ZSnapshot'
        'Rename-ZDataset'
        'Rename-ZSnapshot'
        'Restore-ZSnapshot'
        'Set-ZDataset'
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
