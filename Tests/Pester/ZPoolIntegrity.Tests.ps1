BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ZStorageTestHelpers.psm1') -Force
    Import-IllumosModule
    $script:s = New-IllumosSession -Temporary -Name zpool-integrity-tests
    $script:disks = New-ZTestDiskFolder integrity-tests
    function New-Disk([string] $name) { New-ZTestDisk $disks $name }
    function Write-PoolFile([string] $dataset, [string] $path, [byte[]] $data) {
        $w = $s.Facility[Illumos.Engine.Storage.IStorage]().Files.OpenWrite($dataset, $path, 'Create', [Threading.CancellationToken]::None)
        try { $w.Write($data, 0, $data.Length) } finally { $w.Dispose() }
    }
    function Read-PoolFile([string] $dataset, [string] $path) {
        $r = $s.Facility[Illumos.Engine.Storage.IStorage]().Files.OpenRead($dataset, $path, [Threading.CancellationToken]::None)
        try { $m = [System.IO.MemoryStream]::new(); $r.CopyTo($m); , $m.ToArray() } finally { $r.Dispose() }
    }
    function Get-Bytes([int] $n, [int] $seed) { $b = [byte[]]::new($n); [System.Random]::new($seed).NextBytes($b); , $b }
    function Reimport([string] $pool) {
        Export-ZPool -Session $s $pool
        Import-ZPool -Session $s $pool -SearchPath $disks
    }
    function Get-Leaf([string] $pool, [string] $path) {
        (Get-ZPoolStatus -Session $s $pool).Config.Flatten() | Where-Object { $_.Path -eq $path -and $_.Class -ne 'Spare' }
    }
}

AfterAll { Remove-ZTestResources $s $disks }

Describe 'Scrub' {
    It 'repairs a device damaged by hand, and the summary survives export and import' {
        $a = New-Disk sa.img; $b = New-Disk sb.img
        New-ZPool -Session $s scrubpool mirror $a $b | Out-Null
        $data = Get-Bytes 3MB 1
        Write-PoolFile scrubpool /data $data
        Export-ZPool -Session $s scrubpool
        # dd over one side, past its labels and boot area (where the data lives)
        $f = [System.IO.File]::OpenWrite($b); $f.Position = 4MB + 256KB; $f.Write((Get-Bytes 24MB 2), 0, 24MB); $f.Dispose()
        Import-ZPool -Session $s scrubpool -SearchPath $disks
        $st = Start-ZPoolScrub -Session $s scrubpool -Wait -PassThru
        $st.Scan.State | Should -Be 'Finished'
        $st.Scan.Repaired | Should -BeGreaterThan 0
        $st.Scan.Errors | Should -Be 0
        (Get-Leaf scrubpool $b).ChecksumErrors | Should -BeGreaterThan 0
        (Get-Leaf scrubpool $b).State | Should -Be 'ONLINE'   # scrub errors are repaired, not held against the device
        $repaired = $st.Scan.Repaired
        Reimport scrubpool
        $after = Get-ZPoolStatus -Session $s scrubpool
        $after.Scan.State | Should -Be 'Finished'
        $after.Scan.Repaired | Should -Be $repaired
        ($after | Out-String) | Should -Match 'scan: scrub repaired .+ in \d\d:\d\d:\d\d with 0 errors on '
        (Get-Leaf scrubpool $b).ChecksumErrors | Should -Be 0   # counters do not outlive the import
        [System.Linq.Enumerable]::SequenceEqual([byte[]](Read-PoolFile scrubpool /data), $data) | Should -BeTrue
    }

    It 'lists a file an ordinary read could not recover, by path, across export and import' {
        $a = New-Disk single.img
        New-ZPool -Session $s lonepool $a | Out-Null
        New-ZDataset -Session $s lonepool/fs -Property @{ compression = 'off' } | Out-Null
        $data = Get-Bytes 256KB 7
        Write-PoolFile lonepool/fs /report $data
        Export-ZPool -Session $s lonepool
        # one damaged copy, no redundancy: find the data on the device and dd over part of it
        $bytes = [System.IO.File]::ReadAllBytes($a)
        $latin1 = [System.Text.Encoding]::Latin1   # one char per byte, so string search finds byte runs
        $at = $latin1.GetString($bytes).IndexOf($latin1.GetString($data, 0, 4096), [System.StringComparison]::Ordinal)
        $at | Should -BeGreaterThan 0
        $f = [System.IO.File]::OpenWrite($a); $f.Position = $at + 100; $f.Write([byte[]]::new(64), 0, 64); $f.Dispose()
        Import-ZPool -Session $s lonepool -SearchPath $disks
        { Read-PoolFile lonepool/fs /report } | Should -Throw
        Reimport lonepool
        $st = Get-ZPoolStatus -Session $s lonepool -Verbose 4>$null
        $st.Errors.Location | Should -Be 'lonepool/fs:/report'
        ($st | Out-String) | Should -Match 'Permanent errors have been detected in the following files:\s+lonepool/fs:/report'
    }

    It 'refuses to stop or pause when no scrub runs' {
        { Stop-ZPoolScrub -Session $s scrubpool -ErrorAction Stop } | Should -Throw -ErrorId 'NoActiveScrub*'
        { Suspend-ZPoolScrub -Session $s scrubpool -ErrorAction Stop } | Should -Throw -ErrorId 'NoActiveScrub*'
    }
}

Describe 'Device states across import' {
    It 'keeps a device offline after export and import, unless it was taken offline with -Temporary' {
        $d = 1..3 | ForEach-Object { New-Disk "o$_.img" }
        New-ZPool -Session $s offpool mirror @d | Out-Null
        Disable-ZPoolDevice -Session $s offpool $d[0]
        Disable-ZPoolDevice -Session $s offpool $d[1] -Temporary
        Write-PoolFile offpool /x (Get-Bytes 1MB 3)
        Reimport offpool
        (Get-Leaf offpool $d[0]).State | Should -Be 'OFFLINE'
        (Get-Leaf offpool $d[1]).State | Should -Be 'ONLINE'
        $st = Get-ZPoolStatus -Session $s offpool
        $st.State | Should -Be 'DEGRADED'
        $st.Status | Should -Match 'taken offline|resilvered'
        Enable-ZPoolDevice -Session $s offpool $d[0]
        $st = Get-ZPoolStatus -Session $s offpool
        while ($st.Scan.State -eq 'Scanning') { Start-Sleep -Milliseconds 100; $st = Get-ZPoolStatus -Session $s offpool }
        $st.State | Should -Be 'ONLINE'
        $st.Scan.Function | Should -Be 'Resilver'
    }

    It 'refuses to take the last replica offline' {
        $err = Invoke-Captured { Disable-ZPoolDevice -Session $s offpool (Join-Path $disks o1.img), (Join-Path $disks o2.img), (Join-Path $disks o3.img) -Confirm:$false }
        @($err.Errors | Where-Object { $_.FullyQualifiedErrorId -like 'OfflineNoReplicas*' }).Count | Should -Be 1
        Enable-ZPoolDevice -Session $s offpool (Join-Path $disks o1.img), (Join-Path $disks o2.img)
    }
}

Describe 'Hot spares' {
    It 'a device missing at import is replaced by the spare, shown as a spare group' {
        $a = New-Disk h1.img; $b = New-Disk h2.img; $sp = New-Disk hs.img
        New-ZPool -Session $s sparepool mirror $a $b spare $sp | Out-Null
        $data = Get-Bytes 2MB 4
        Write-PoolFile sparepool /data $data
        Export-ZPool -Session $s sparepool
        Remove-Item $b
        Import-ZPool -Session $s sparepool -SearchPath $disks
        $st = Get-ZPoolStatus -Session $s sparepool
        while ($st.Scan.State -eq 'Scanning') { Start-Sleep -Milliseconds 100; $st = Get-ZPoolStatus -Session $s sparepool }
        $group = $st.Config.Children[0].Children | Where-Object Type -eq spare
        $group.Name | Should -Be 'spare-1'
        $group.Children.Path | Should -Be @($b, $sp)
        $group.Children[0].State | Should -Be 'UNAVAIL'
        ($st.Config.Children | Where-Object Class -eq Spare).State | Should -Be 'INUSE'
        $st.Scan.Function | Should -Be 'Resilver'
        $text = $st | Out-String
        $text | Should -Match 'spare-1\s+DEGRADED'
        $text | Should -Match 'hs\.img\s+INUSE\s+currently in use'
        $text | Should -Match 'status: One or more devices could not be opened'
        [System.Linq.Enumerable]::SequenceEqual([byte[]](Read-PoolFile sparepool /data), $data) | Should -BeTrue
    }

    It 'Repair-ZPool on the missing device returns the spare to AVAIL' {
        $b = Join-Path $disks h2.img
        New-Disk h2.img | Out-Null
        Repair-ZPool -Session $s sparepool -Device $b -Confirm:$false
        $st = Get-ZPoolStatus -Session $s sparepool
        $st.State | Should -Be 'ONLINE'
        ($st.Config.Children | Where-Object Class -eq Spare).State | Should -Be 'AVAIL'
        $st.Config.Children[0].Children.Path | Should -Be @((Join-Path $disks h1.img), $b)
    }

    It 'detaching the failed device makes the spare a permanent member' {
        $a = Join-Path $disks h1.img
        Export-ZPool -Session $s sparepool
        Remove-Item $a
        Import-ZPool -Session $s sparepool -SearchPath $disks
        $st = Get-ZPoolStatus -Session $s sparepool
        while ($st.Scan.State -eq 'Scanning') { Start-Sleep -Milliseconds 100; $st = Get-ZPoolStatus -Session $s sparepool }
        Remove-ZPoolDevice -Session $s sparepool $a -Confirm:$false
        $st = Get-ZPoolStatus -Session $s sparepool
        $st.State | Should -Be 'ONLINE'
        $st.Config.Children[0].Children.Path | Should -Be @((Join-Path $disks hs.img), (Join-Path $disks h2.img))
        $st.Config.Children | Where-Object Class -eq Spare | Should -BeNullOrEmpty
    }

    It 'refuses to remove a spare that is in use' {
        $a = New-Disk u1.img; $b = New-Disk u2.img; $sp = New-Disk us.img
        New-ZPool -Session $s usepool mirror $a $b spare $sp | Out-Null
        Export-ZPool -Session $s usepool
        Remove-Item $b
        Import-ZPool -Session $s usepool -SearchPath $disks
        $storage = $s.Facility[Illumos.Engine.Storage.IStorage]()
        { $storage.RemoveDevice('usepool', $sp, [Threading.CancellationToken]::None) } | Should -Throw '*hot spare in use*'
        # Remove-ZPoolDevice detaches a spare in use (zpool detach): it returns to the spares.
        Remove-ZPoolDevice -Session $s usepool $sp -Confirm:$false
        ((Get-ZPoolStatus -Session $s usepool).Config.Children | Where-Object Class -eq Spare).State | Should -Be 'AVAIL'
    }
}

Describe 'Growing devices (expandsize, Enable-ZPoolDevice -Expand, autoexpand)' {
    BeforeAll {
        function Resize-Disk([string] $path, [long] $size) { $f = [IO.File]::Open($path, 'Open', 'ReadWrite', 'ReadWrite'); try { $f.SetLength($size) } finally { $f.Dispose() } }
    }

    It 'a grown device shows as ExpandSize; -Expand grows the pool into it for good' {
        $d = New-Disk 'x1.img'
        $before = New-ZPool -Session $s xpool $d
        $before.ExpandSize | Should -BeNullOrEmpty
        (Get-ZPoolProperty -Session $s xpool expandsize).Value | Should -Be '-'
        Resize-Disk $d 128MB
        Reimport xpool
        $p = Get-ZPool -Session $s xpool
        $p.Size | Should -Be $before.Size
        $p.ExpandSize | Should -Be 64MB
        (Get-ZPoolProperty -Session $s xpool expandsize).Value | Should -Be "$(64MB)"

        Enable-ZPoolDevice -Session $s xpool $d -Expand
        $p = Get-ZPool -Session $s xpool
        $p.Size | Should -Be ($before.Size + 64MB)
        $p.Free | Should -BeGreaterThan ($before.Free + 60MB)
        $p.ExpandSize | Should -BeNullOrEmpty
        # More than the old pool could hold, read back after export and import.
        $data = Get-Bytes 80MB 11
        Write-PoolFile xpool /big $data
        Reimport xpool
        (Get-ZPool -Session $s xpool).Size | Should -Be ($before.Size + 64MB)
        [Convert]::ToBase64String((Read-PoolFile xpool /big)) | Should -Be ([Convert]::ToBase64String($data))
        (Get-ZPoolHistory -Session $s xpool).Command | Should -Contain "zpool online -e xpool $d"
    }

    It 'a mirror grows only to its smallest member' {
        $m = 'm1.img', 'm2.img' | ForEach-Object { New-Disk $_ }
        New-ZPool -Session $s xmirror mirror @m | Out-Null
        $size = (Get-ZPool -Session $s xmirror).Size
        Resize-Disk $m[0] 128MB
        (Get-ZPool -Session $s xmirror).ExpandSize | Should -BeNullOrEmpty
        Enable-ZPoolDevice -Session $s xmirror $m[0] -Expand
        (Get-ZPool -Session $s xmirror).Size | Should -Be $size
        Resize-Disk $m[1] 96MB
        (Get-ZPool -Session $s xmirror).ExpandSize | Should -Be 32MB
        Enable-ZPoolDevice -Session $s xmirror $m[1] -Expand
        (Get-ZPool -Session $s xmirror).Size | Should -Be ($size + 32MB)
    }

    It 'with autoexpand on, the pool grows at import and when the property is turned on' {
        $d = New-Disk 'a1.img'
        New-ZPool -Session $s apool $d | Out-Null
        $size = (Get-ZPool -Session $s apool).Size
        Set-ZPool -Session $s apool -AutoExpand $true
        Export-ZPool -Session $s apool
        Resize-Disk $d 128MB
        Import-ZPool -Session $s apool -SearchPath $disks
        (Get-ZPool -Session $s apool).Size | Should -Be ($size + 64MB)

        Set-ZPool -Session $s apool -AutoExpand $false
        Resize-Disk $d 160MB
        Reimport apool
        (Get-ZPool -Session $s apool).ExpandSize | Should -Be 32MB
        Set-ZPool -Session $s apool -AutoExpand $true
        (Get-ZPool -Session $s apool).Size | Should -Be ($size + 96MB)
        (Get-ZPool -Session $s apool).ExpandSize | Should -BeNullOrEmpty
    }

    It 'refuses to expand a spare, and -WhatIf expands nothing' {
        $d = New-Disk 'w1.img'
        $sp = New-Disk 'w2.img'
        New-ZPool -Session $s wpool $d spare $sp | Out-Null
        $r = Invoke-Captured { Enable-ZPoolDevice -Session $s wpool $sp -Expand }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ExpandAux,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $r.Errors[0].TargetObject | Should -Be $sp
        $size = (Get-ZPool -Session $s wpool).Size
        Resize-Disk $d 128MB
        Get-WhatIfText { Enable-ZPoolDevice -Session $s wpool $d -Expand -WhatIf } | Should -Match 'grow'
        (Get-ZPool -Session $s wpool).Size | Should -Be $size
        (Get-ZPool -Session $s wpool).ExpandSize | Should -Be 64MB
    }
}

Describe 'Removing log vdevs' {
    It 'removes a log device and a log mirror by name, and refuses the last data vdev' {
        $d = New-Disk ld.img; $l = New-Disk l1.img; $m1 = New-Disk lm1.img; $m2 = New-Disk lm2.img
        New-ZPool -Session $s logpool $d log $l log mirror $m1 $m2 | Out-Null
        Remove-ZPoolDevice -Session $s logpool $l -Confirm:$false
        $logs = @((Get-ZPoolStatus -Session $s logpool).Config.Children | Where-Object Class -eq Log)
        $logs.Name | Should -Be @('mirror-2')
        Remove-ZPoolDevice -Session $s logpool mirror-2 -Confirm:$false
        (Get-ZPoolStatus -Session $s logpool).Config.Children | Where-Object Class -eq Log | Should -BeNullOrEmpty
        Reimport logpool
        (Get-ZPool -Session $s logpool).Health | Should -Be 'ONLINE'
        (Get-ZPoolHistory -Session $s logpool).Command -join "`n" | Should -Match 'zpool remove logpool mirror-2'
        $err = Invoke-Captured { Remove-ZPoolDevice -Session $s logpool $d -Confirm:$false }
        $err.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RemoveLastDataVdev*'
        $err.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Errors[0].TargetObject | Should -Be $d
    }
}

Describe 'Removing data vdevs' {
    BeforeAll {
        function Get-Hashes([string] $dataset, [string[]] $names) {
            $names | ForEach-Object { [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData((Read-PoolFile $dataset "/$_"))) }
        }
    }

    It 'evacuates a device: data intact after export and import and a scrub, the pool smaller, the device free for a new pool' {
        $a = New-Disk ra.img; $b = New-Disk rb.img
        New-ZPool -Session $s rmpool $a $b | Out-Null
        # atime off: reading the files for their hashes would otherwise dirty them between the figures compared
        New-ZDataset -Session $s rmpool/fs -Property @{ compression = 'off'; atime = 'off' } | Out-Null
        $names = 0..7 | ForEach-Object { "f$_" }
        foreach ($i in 0..7) { Write-PoolFile rmpool/fs "/f$i" (Get-Bytes (400KB + $i * 50KB) $i) }
        New-ZSnapshot -Session $s rmpool/fs@keep | Out-Null
        Write-PoolFile rmpool/fs /f0 (Get-Bytes 100KB 99)
        $hashes = Get-Hashes rmpool/fs $names
        $before = Get-ZPool -Session $s rmpool
        $onB = (Get-ZPoolIOStat -Session $s rmpool -Device | Where-Object Device -eq $b).Allocated
        $onB | Should -BeGreaterThan 1MB

        $whatIf = Get-WhatIfText { Remove-ZPoolDevice -Session $s rmpool $b -WhatIf }
        $whatIf | Should -Match ([regex]::Escape("Remove $b (evacuating ") + '.*of allocated data onto the other data vdevs')
        (Get-ZPoolStatus -Session $s rmpool).Config.Children.Path | Should -Be @($a, $b)

        Remove-ZPoolDevice -Session $s rmpool $b -Confirm:$false
        $after = Get-ZPool -Session $s rmpool
        $after.Size | Should -BeLessThan $before.Size
        [math]::Abs([long]$after.Allocated - [long]$before.Allocated) | Should -BeLessThan 1MB
        $st = Get-ZPoolStatus -Session $s rmpool
        $st.Config.Children.Path | Should -Be @($a)
        $st.Removal.Vdev | Should -Be 1
        $st.Removal.Copied | Should -Be $onB
        ($st | Out-String) | Should -Match 'remove: Removal of vdev 1 copied \S+ in \d+h\d+m, completed on'
        ($st | Out-String) | Should -Match 'memory used for removed device mappings'
        (Get-ZPoolHistory -Session $s rmpool).Command | Should -Contain "zpool remove rmpool $b"

        Reimport rmpool
        Get-Hashes rmpool/fs $names | Should -Be $hashes
        $scan = (Start-ZPoolScrub -Session $s rmpool -Wait -PassThru).Scan
        $scan.State | Should -Be 'Finished'
        $scan.Errors | Should -Be 0
        New-ZPool -Session $s reuse $b | Out-Null
        Remove-ZPool -Session $s reuse -Confirm:$false
    }

    It 'removes a mirror named as Get-ZPoolStatus shows it' {
        $m = 1..4 | ForEach-Object { New-Disk "rm$_.img" }
        New-ZPool -Session $s rmmirror mirror $m[0] $m[1] mirror $m[2] $m[3] | Out-Null
        foreach ($i in 0..5) { Write-PoolFile rmmirror "/m$i" (Get-Bytes 500KB (20 + $i)) }
        $hashes = Get-Hashes rmmirror (0..5 | ForEach-Object { "m$_" })
        Remove-ZPoolDevice -Session $s rmmirror mirror-1 -Confirm:$false
        (Get-ZPoolStatus -Session $s rmmirror).Config.Children.Name | Should -Be @('mirror-0')
        Reimport rmmirror
        Get-Hashes rmmirror (0..5 | ForEach-Object { "m$_" }) | Should -Be $hashes
    }

    It 'refuses a pool with raidz, and a removal the other vdevs have no room for' {
        $r = 1..3 | ForEach-Object { New-Disk "rr$_.img" }; $x = New-Disk rx.img
        New-ZPool -Session $s rzpool raidz $r[0] $r[1] $r[2] | Out-Null
        Add-ZPoolDevice -Session $s rzpool $x -Force -Confirm:$false
        $err = Invoke-Captured { Remove-ZPoolDevice -Session $s rzpool $x -Confirm:$false }
        $err.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RemoveRaidzInPool*'
        $err.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Errors[0].Exception.Message | Should -Match 'not be raidz'
        @((Get-ZPoolStatus -Session $s rzpool).Config.Children).Count | Should -Be 2

        $f1 = New-Disk rf1.img; $f2 = New-Disk rf2.img
        New-ZPool -Session $s fullpool $f1 $f2 | Out-Null
        New-ZDataset -Session $s fullpool/fs -Property @{ compression = 'off' } | Out-Null
        Write-PoolFile fullpool/fs /big (Get-Bytes 80MB 5)
        $err = Invoke-Captured { Remove-ZPoolDevice -Session $s fullpool $f2 -Confirm:$false }
        $err.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RemoveOutOfSpace*'
        $err.Errors[0].Exception.Message | Should -Match 'out of space'
        (Get-ZPoolStatus -Session $s fullpool).Config.Children.Path | Should -Be @($f1, $f2)
    }
}
