# Quick-start: a tour of the module on a temporary embedded host. Run it after Import-Module Illumos.
$ErrorActionPreference = 'Stop'
function Show([string] $title) { Write-Host "`n# $title" -ForegroundColor Green }

$session = New-IllumosSession -Temporary -Name QuickStart
try {
    Show 'A temporary embedded host (New-IllumosSession -Temporary)'
    $session | Format-Table -AutoSize | Out-Host

    Show 'A mirror pool from two 128 MiB files (New-ZPool tank mirror d1.img d2.img)'
    $disks = Join-Path $session.HostDirectory 'disks'
    New-Item -ItemType Directory $disks | Out-Null
    $d1 = Join-Path $disks 'd1.img'; $d2 = Join-Path $disks 'd2.img'
    New-ZPool -Session $session tank mirror $d1 $d2 -DeviceSize 128M | Format-Table -AutoSize | Out-Host

    Show 'Datasets with lz4 compression (New-ZDataset)'
    New-ZDataset -Session $session tank/home -Property @{ compression = 'lz4' } | Out-Null
    New-ZDataset -Session $session tank/home/alice | Out-Null
    Get-ZDataset -Session $session tank -Recurse | Format-Table -AutoSize | Out-Host
    Get-ZDatasetProperty -Session $session tank/home/alice -Property compression, mountpoint | Format-Table -AutoSize | Out-Host

    Show 'Files written through the ZFS provider (New-PSDrive -PSProvider ZFS)'
    New-PSDrive -Name home -PSProvider ZFS -Root tank/home/alice -Session $session | Out-Null
    Set-Content home:/notes.txt 'version 1: the plan'
    New-Item home:/docs -ItemType Directory | Out-Null
    Set-Content home:/docs/readme.md ('# Alice''s documents' + "`n" + ('lorem ipsum ' * 2000))
    Get-ChildItem home:/ -Recurse | Format-Table -AutoSize | Out-Host

    Show 'A snapshot, then a change (New-ZSnapshot)'
    New-ZSnapshot -Session $session tank/home/alice@monday | Format-Table -AutoSize | Out-Host
    Set-Content home:/notes.txt 'version 2: the plan, changed'
    Write-Host "now:             $(Get-Content home:/notes.txt)"
    Write-Host "in .zfs/monday:  $(Get-Content home:/.zfs/snapshot/monday/notes.txt)"

    Show 'A clone of the snapshot (New-ZDataset -FromSnapshot)'
    New-ZDataset -Session $session tank/home/alice-monday -FromSnapshot tank/home/alice@monday | Format-Table -AutoSize | Out-Host

    Show 'Rollback to the snapshot (Restore-ZSnapshot)'
    Restore-ZSnapshot -Session $session tank/home/alice@monday -Confirm:$false
    Write-Host "after rollback:  $(Get-Content home:/notes.txt)"

    Show 'The pool, its datasets and snapshots, and its health'
    Get-ZPool -Session $session | Format-Table -AutoSize | Out-Host
    Get-ZDataset -Session $session tank -Recurse | Format-Table -AutoSize | Out-Host
    Get-ZSnapshot -Session $session | Format-Table -AutoSize | Out-Host
    Get-ZPoolStatus -Session $session tank | Out-Host
    Remove-PSDrive home
}
finally {
    Remove-IllumosSession -Session $session -Confirm:$false
}
