BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:ModulePath = (Get-Module Illumos).Path -replace 'Illumos\.Cmdlets\.dll$', 'Illumos.psd1'
    $script:s = New-IllumosSession -Temporary -Name zpool-tests
    # Not $TestDrive: Pester empties it at the end of each Describe, and these pools live across them.
    $script:disks = Join-Path ([System.IO.Path]::GetTempPath()) ("illumos-zpool-tests-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $disks | Out-Null
    function New-Disk([string] $name, [long] $size = 64MB) {
        $p = Join-Path $disks $name
        $f = [System.IO.File]::Create($p); $f.SetLength($size); $f.Dispose()
        $p
    }
}

AfterAll {
    if ($s) { Remove-IllumosSession $s -Confirm:$false }
    if ($disks) { Remove-Item $disks -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'New-ZPool and Get-ZPool' {
    It 'creates a mirror from two files with the zpool vdev grammar as remaining arguments' {
        $a = New-Disk m1.img; $b = New-Disk m2.img
        $p = New-ZPool -Session $s mirrorpool mirror $a $b
        $p.Name | Should -Be 'mirrorpool'
        $p.Health | Should -Be 'ONLINE'
        $p.Size | Should -BeGreaterThan 0
        $p.Size | Should -BeLessThan 64MB
        $p.Allocated + $p.Free | Should -Be $p.Size
        $p.Session.Id | Should -Be $s.Id
        $st = Get-ZPoolStatus -Session $s mirrorpool
        $st.Config.Children[0].Type | Should -Be 'mirror'
        @($st.Config.Children[0].Children).Count | Should -Be 2
        $st.Config.Children[0].Children.Path | Should -Be @($a, $b)
    }

    It 'resolves relative device paths against the current location and creates missing files with -DeviceSize' {
        Push-Location $disks
        try {
            $p = New-ZPool -Session $s relpool ./r1.img -DeviceSize 64M
            (Get-ZPoolStatus -Session $s relpool).Config.Children[0].Path | Should -Be (Join-Path $disks 'r1.img')
            (Get-Item (Join-Path $disks 'r1.img')).Length | Should -Be 64MB
        } finally { Pop-Location }
    }

    It 'creates raidz2 with log, cache and spare classes from -Vdev' {
        $d = 1..4 | ForEach-Object { New-Disk "z$_.img" }
        $l = New-Disk zlog.img; $c = New-Disk zcache.img; $sp = New-Disk zspare.img
        New-ZPool -Session $s -Name zpool2 -Vdev (@('raidz2') + $d + @('log', $l, 'cache', $c, 'spare', $sp)) | Out-Null
        $cfg = (Get-ZPoolStatus -Session $s zpool2).Config
        ($cfg.Children | Where-Object Class -eq 'Normal').Type | Should -Be 'raidz2'
        ($cfg.Children | Where-Object Class -eq 'Log').Path | Should -Be $l
        ($cfg.Children | Where-Object Class -eq 'Cache').Path | Should -Be $c
        ($cfg.Children | Where-Object Class -eq 'Spare').Path | Should -Be $sp
    }

    It 'filters by wildcard and health, and reports a literal name that is missing' {
        (Get-ZPool -Session $s -Name 'mirror*').Name | Should -Be @('mirrorpool')
        (Get-ZPool -Session $s -Health ONLINE).Name | Should -Contain 'zpool2'
        Get-ZPool -Session $s -Health FAULTED | Should -BeNullOrEmpty
        $err = $null
        Get-ZPool -Session $s -Name nosuchpool -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ZPoolNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'nosuchpool'
    }

    It 'refuses raidz2 with two devices and creates nothing' {
        $a = New-Disk bad1.img; $b = New-Disk bad2.img
        $err = $null
        New-ZPool -Session $s badpool raidz2 $a $b -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VdevTooFewDevices*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-ZPool -Session $s -Name badpool -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a device smaller than 64 MiB' {
        $small = New-Disk small.img 16MB
        { New-ZPool -Session $s smallpool $small -ErrorAction Stop } | Should -Throw -ErrorId 'DeviceTooSmall*'
        Get-ZPool -Session $s -Name smallpool -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a missing device' {
        { New-ZPool -Session $s misspool (Join-Path $disks 'absent.img') -ErrorAction Stop } | Should -Throw -ErrorId 'DeviceNotFound*'
    }

    It 'refuses a device that is already in a pool' {
        $a = New-Disk inuse.img
        New-ZPool -Session $s inusepool $a | Out-Null
        $err = $null
        New-ZPool -Session $s otherpool $a -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DeviceInUse*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        (Get-ZPool -Session $s inusepool).Health | Should -Be 'ONLINE'
    }

    It 'refuses a duplicate pool name' {
        $a = New-Disk dup.img
        { New-ZPool -Session $s mirrorpool $a -ErrorAction Stop } | Should -Throw -ErrorId 'PoolExists*'
    }

    It 'refuses invalid pool names' -ForEach @('1tank', 'mirror', 'bad/name', 'c0t0d0', 'raidz7') {
        $a = New-Disk "inv-$([guid]::NewGuid().ToString('N').Substring(0,6)).img"
        { New-ZPool -Session $s $_ $a -ErrorAction Stop } | Should -Throw -ErrorId 'PoolName*'
    }

    It '-WhatIf shows the vdev tree and creates nothing' {
        $a = New-Disk w1.img; $b = New-Disk w2.img
        $out = New-ZPool -Session $s whatifpool mirror $a $b -WhatIf 6>&1 | Out-String
        Get-ZPool -Session $s -Name whatifpool -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Pool properties' {
    It 'Set-ZPool sets typed and named properties; Get-ZPoolProperty shows them with sources' {
        Set-ZPool -Session $s mirrorpool -Comment 'rack 4' -AutoExpand $true
        $props = Get-ZPoolProperty -Session $s mirrorpool -Property comment, autoexpand, ashift
        ($props | Where-Object Property -eq comment).Value | Should -Be 'rack 4'
        ($props | Where-Object Property -eq comment).Source | Should -Be 'Local'
        ($props | Where-Object Property -eq autoexpand).Value | Should -Be 'on'
        ($props | Where-Object Property -eq ashift).Value | Should -Match '^\d+$'
    }

    It '-PassThru returns the pool; without it nothing' {
        Set-ZPool -Session $s mirrorpool -Property @{ autoexpand = 'off' } | Should -BeNullOrEmpty
        (Set-ZPool -Session $s mirrorpool -Property @{ autoexpand = 'on' } -PassThru).Name | Should -Be 'mirrorpool'
    }

    It 'refuses a read-only or unknown property and changes nothing' {
        $before = (Get-ZPoolProperty -Session $s mirrorpool -Property comment).Value
        { Set-ZPool -Session $s mirrorpool -Property @{ size = '1G' } -ErrorAction Stop } | Should -Throw
        { Set-ZPool -Session $s mirrorpool -Property @{ nosuchprop = '1' } -ErrorAction Stop } | Should -Throw
        (Get-ZPoolProperty -Session $s mirrorpool -Property comment).Value | Should -Be $before
    }

    It 'refuses a call with no property' {
        { Set-ZPool -Session $s mirrorpool } | Should -Throw -ErrorId 'NoPropertyGiven*'
    }
}

Describe 'Export, import and persistence' {
    It 'exports a pool and imports it again with its properties' {
        Export-ZPool -Session $s mirrorpool
        Get-ZPool -Session $s -Name mirrorpool -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $avail = Get-ZPool -Session $s -ListAvailable -SearchPath $disks -ErrorAction Stop
        $avail.Name | Should -Contain 'mirrorpool'
        $p = Import-ZPool -Session $s mirrorpool -SearchPath $disks -PassThru
        $p.Health | Should -Be 'ONLINE'
        (Get-ZPoolProperty -Session $s mirrorpool -Property comment).Value | Should -Be 'rack 4'
    }

    It 'imports by guid under a new name' {
        $guid = (Get-ZPool -Session $s relpool).Guid
        Export-ZPool -Session $s relpool
        Import-ZPool -Session $s "$guid" renamedpool -SearchPath $disks
        (Get-ZPool -Session $s renamedpool).Guid | Should -Be $guid
    }

    It 'a pool created in one process is visible with its data from a new process on the same host directory' {
        $dir = Join-Path $disks 'persist-host'
        $h = New-IllumosSession -Path $dir
        $d = New-Disk persist.img
        New-ZPool -Session $h keep $d | Out-Null
        Set-ZPool -Session $h keep -Comment 'persisted'
        Remove-IllumosSession $h -Confirm:$false
        $r = Invoke-OtherPwsh "Import-Module '$ModulePath'; `$x = New-IllumosSession -Path '$dir'; (Get-ZPoolProperty -Session `$x keep -Property comment).Value; (Get-ZPool -Session `$x keep).Health"
        $r.Output | Should -Match 'persisted'
        $r.Output | Should -Match 'ONLINE'
    }
}

Describe 'Devices' {
    It 'adds a mirror vdev and attaches a side to a single device' {
        $a = New-Disk add1.img
        New-ZPool -Session $s growpool $a | Out-Null
        $b = New-Disk add2.img; $c = New-Disk add3.img
        Add-ZPoolDevice -Session $s growpool mirror $b $c -Force
        @((Get-ZPoolStatus -Session $s growpool).Config.Children | Where-Object Class -eq Normal).Count | Should -Be 2
        $d = New-Disk add4.img
        Add-ZPoolDevice -Session $s growpool $d -AttachTo $a
        ((Get-ZPoolStatus -Session $s growpool).Config.Children | Where-Object { $_.Type -eq 'mirror' -and $_.Children.Path -contains $a }) | Should -Not -BeNullOrEmpty
    }

    It 'refuses a replication mismatch without -Force' {
        $a = New-Disk mm1.img; $b = New-Disk mm2.img
        New-ZPool -Session $s mmpool mirror $a $b | Out-Null
        $c = New-Disk mm3.img
        { Add-ZPoolDevice -Session $s mmpool $c -ErrorAction Stop } | Should -Throw
        @((Get-ZPoolStatus -Session $s mmpool).Config.Children).Count | Should -Be 1
    }

    It 'detaches a mirror member and removes a cache device' {
        $c = New-Disk cache9.img
        Add-ZPoolDevice -Session $s mmpool cache $c
        Remove-ZPoolDevice -Session $s mmpool $c -Confirm:$false
        (Get-ZPoolStatus -Session $s mmpool).Config.Children | Where-Object Class -eq Cache | Should -BeNullOrEmpty
        $b = (Join-Path $disks 'mm2.img')
        Remove-ZPoolDevice -Session $s mmpool $b -Confirm:$false
        (Get-ZPoolStatus -Session $s mmpool).Config.Flatten().Path | Should -Not -Contain $b
    }
}

Describe 'History and I/O statistics' {
    It 'records the commands that changed the pool' {
        $h = Get-ZPoolHistory -Session $s mirrorpool
        ($h.Command -join "`n") | Should -Match 'create'
        ($h.Command -join "`n") | Should -Match 'comment'
        $h[0].Time | Should -BeLessOrEqual (Get-Date)
    }

    It 'counts I/O per device' {
        $stats = Get-ZPoolIOStat -Session $s mirrorpool -Device
        ($stats | Where-Object Device -eq 'mirrorpool').WriteOperations | Should -BeGreaterThan 0
        @($stats).Count | Should -BeGreaterThan 2
    }
}

Describe 'Status and health' {
    It 'Test-ZPool says healthy pools are healthy' {
        Test-ZPool -Session $s -Name mirrorpool | Should -BeTrue
        Test-ZPool -Session $s -Name mirrorpool -Detailed | Should -BeNullOrEmpty
    }

    It 'the default view reads like zpool status' {
        $text = Get-ZPoolStatus -Session $s mirrorpool | Out-String
        $text | Should -Match 'pool: mirrorpool'
        $text | Should -Match 'state: ONLINE'
        $text | Should -Match 'NAME\s+STATE\s+READ WRITE CKSUM'
        $text | Should -Match 'errors: No known data errors'
    }
}

Describe 'Remove-ZPool' {
    It 'honours -WhatIf' {
        Remove-ZPool -Session $s growpool -WhatIf
        (Get-ZPool -Session $s growpool).Name | Should -Be 'growpool'
    }

    It 'destroys a pool and releases its devices for reuse' {
        $dev = (Get-ZPoolStatus -Session $s inusepool).Config.Children[0].Path
        Remove-ZPool -Session $s inusepool -Confirm:$false
        Get-ZPool -Session $s -Name inusepool -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (New-ZPool -Session $s reusepool $dev).Name | Should -Be 'reusepool'
    }

    It 'reports a missing pool' {
        { Remove-ZPool -Session $s nosuch -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'ZPoolNotFound*'
    }
}
