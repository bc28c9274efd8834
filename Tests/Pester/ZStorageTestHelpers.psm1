# Shared set-up of the dataset, snapshot, volume and provider suites: a temporary embedded host with
# a file-backed pool, created through the engine (the suites test the dataset cmdlets, not New-ZPool).

function New-ZTestHost {
    param([string] $PoolName = 'tank', [uint64] $DeviceSize = 256MB)
    $s = New-IllumosSession -Temporary
    $storage = $s.Facility[Illumos.Engine.Storage.IStorage]()
    $device = Join-Path $s.HostDirectory "$PoolName-d0.img"
    $request = [Illumos.Engine.Storage.PoolCreateRequest]@{
        Name                    = $PoolName
        Vdevs                   = [Illumos.Engine.Languages.Vdev.VdevSpec]::Parse([string[]]@($device))
        CreateFileDevicesOfSize = $DeviceSize
    }
    $null = $storage.CreatePool($request, [Illumos.Engine.NullSink]::Instance, [Threading.CancellationToken]::None)
    $s
}

function Get-ZTestStorage {
    param([Parameter(Mandatory)] $Session)
    $Session.Facility[Illumos.Engine.Storage.IStorage]()
}

function Invoke-Captured {
    # Runs a script block; returns what it output and every error it produced, written or thrown.
    param([Parameter(Mandatory)] [scriptblock] $Script)
    $errors = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
    $output = [System.Collections.Generic.List[object]]::new()
    try {
        & $Script 2>&1 | ForEach-Object {
            if ($_ -is [System.Management.Automation.ErrorRecord]) { $errors.Add($_) } else { $output.Add($_) }
        }
    } catch {
        $errors.Add($_)
    }
    [pscustomobject]@{ Output = $output.ToArray(); Errors = $errors.ToArray() }
}

function Get-WhatIfText {
    # What -WhatIf printed: ShouldProcess writes to the host, which only a transcript records.
    param([Parameter(Mandatory)] [scriptblock] $Script)
    $file = Join-Path ([System.IO.Path]::GetTempPath()) ("whatif-" + [guid]::NewGuid().ToString('N') + '.txt')
    Start-Transcript -Path $file -UseMinimalHeader | Out-Null
    try { & $Script | Out-Null } finally { Stop-Transcript | Out-Null }
    $text = Get-Content -Raw $file
    Remove-Item $file -ErrorAction SilentlyContinue
    ($text -split "`r?`n" | Where-Object { $_ -match '^What if:' }) -join "`n"
}

function New-ZTestDiskFolder {
    # A folder for device files that outlives Describe blocks (not $TestDrive, which Pester empties after each).
    param([Parameter(Mandatory)] [string] $Prefix)
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("illumos-$Prefix-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $dir | Out-Null
    $dir
}

function New-ZTestDisk {
    # A blank device file; returns its path.
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Name, [long] $Size = 64MB)
    $p = Join-Path $Folder $Name
    $f = [System.IO.File]::Create($p); $f.SetLength($Size); $f.Dispose()
    $p
}

function Remove-ZTestResources {
    param($Session, [string] $Folder)
    if ($Session) { Remove-IllumosSession $Session -Confirm:$false }
    if ($Folder) { Remove-Item $Folder -Recurse -Force -ErrorAction SilentlyContinue }
}

Export-ModuleMember -Function New-ZTestHost, Get-ZTestStorage, Invoke-Captured, Get-WhatIfText, New-ZTestDiskFolder, New-ZTestDisk, Remove-ZTestResources
