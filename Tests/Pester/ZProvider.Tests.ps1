BeforeAll {
    # The runner sets 'Stop'; these suites check that one failing name does not stop the others.
    $ErrorActionPreference = 'Continue'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ZStorageTestHelpers.psm1') -Force
    Import-IllumosModule
}

AfterAll {
    Get-IllumosSession | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'ZFS drives' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/home -Property @{ compression = 'lz4' } | Out-Null
        New-ZDataset -Session $s tank/vol -VolumeSize 8M | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'maps a filesystem with a session' {
        $d = New-PSDrive -Name zd1 -PSProvider ZFS -Root tank/home -Session $s
        try {
            $d | Should -BeOfType Illumos.Cmdlets.Storage.Provider.ZfsDriveInfo
            $d.Session.Id | Should -Be $s.Id
            $d.Dataset | Should -Be 'tank/home'
            Test-Path zd1:/ -PathType Container | Should -BeTrue
        } finally { Remove-PSDrive zd1 }
    }

    It 'refuses a missing dataset and a volume as root' {
        $r = Invoke-Captured { New-PSDrive -Name zd2 -PSProvider ZFS -Root tank/nope -Session $s }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-PSDrive zd2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $v = Invoke-Captured { New-PSDrive -Name zd3 -PSProvider ZFS -Root tank/vol -Session $s }
        $v.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NotAFileSystem,*'
        $v.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'ZFS provider items' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/home/alice -Parents | Out-Null
        New-PSDrive -Name t -PSProvider ZFS -Root tank/home -Session $s | Out-Null
    }
    AfterAll {
        Remove-PSDrive t -ErrorAction SilentlyContinue
        Remove-IllumosSession $s -Confirm:$false
    }

    It 'creates files, directories and symlinks as ZFileInfo items' {
        $f = New-Item t:/notes.txt -Value 'hello'
        $f | Should -BeOfType Illumos.Engine.Storage.ZFileInfo
        $f.DatasetName | Should -Be 'tank/home'
        $f.Path | Should -Be '/notes.txt'
        $f.Length | Should -Be 5
        (New-Item t:/docs -ItemType Directory).Type | Should -Be 'Directory'
        (New-Item t:/deep/er/file.bin -Force).Path | Should -Be '/deep/er/file.bin'
        $l = New-Item t:/link -ItemType SymbolicLink -Value notes.txt
        $l.Type | Should -Be 'Symlink'
        $l.LinkTarget | Should -Be 'notes.txt'
    }

    It 'refuses to create over an existing item' {
        $r = Invoke-Captured { New-Item t:/notes.txt -Value 'again' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ItemExists,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content t:/notes.txt | Should -Be 'hello'
    }

    It 'lists a directory with child datasets as directories' {
        $items = Get-ChildItem t:/
        $items.PSChildName | Should -Contain 'alice'
        $items.PSChildName | Should -Contain 'notes.txt'
        $items.PSChildName | Should -Not -Contain '.zfs'
        ($items | Where-Object PSChildName -eq alice).DatasetName | Should -Be 'tank/home/alice'
        (Get-ChildItem t:/ -Force).PSChildName | Should -Contain '.zfs'
    }

    It 'recurses, into child datasets too' {
        New-Item t:/alice/in-child.txt -Value 'x' | Out-Null
        $all = Get-ChildItem t:/ -Recurse
        ($all | Where-Object PSChildName -eq 'in-child.txt').DatasetName | Should -Be 'tank/home/alice'
        ($all | Where-Object PSChildName -eq 'file.bin').Path | Should -Be '/deep/er/file.bin'
        (Get-ChildItem t:/deep -Recurse -Depth 0).PSChildName | Should -Be 'er'
    }

    It 'gets items and their properties; wildcards work' {
        (Get-Item t:/notes.txt).Length | Should -Be 5
        (Get-ItemProperty t:/notes.txt -Name Length).Length | Should -Be 5
        (Get-Item t:/no*.txt).PSChildName | Should -Be 'notes.txt'
        Test-Path t:/nope.txt | Should -BeFalse
    }

    It 'sets mode and times with Set-ItemProperty' {
        Set-ItemProperty t:/notes.txt -Name Mode -Value '600'
        (Get-Item t:/notes.txt).Mode | Should -Be ([Convert]::ToInt32('600', 8))
        $when = [DateTimeOffset]'2024-01-02T03:04:05Z'
        Set-ItemProperty t:/notes.txt -Name ModifyTime -Value $when
        (Get-Item t:/notes.txt).ModifyTime | Should -Be $when
    }

    It 'renames and moves within and across datasets' {
        New-Item t:/mv.txt -Value 'move me' | Out-Null
        Rename-Item t:/mv.txt mv2.txt
        Test-Path t:/mv.txt | Should -BeFalse
        Move-Item t:/mv2.txt t:/docs/
        (Get-Content t:/docs/mv2.txt) | Should -Be 'move me'
        Move-Item t:/docs/mv2.txt t:/alice/moved.txt
        (Get-Item t:/alice/moved.txt).DatasetName | Should -Be 'tank/home/alice'
        Test-Path t:/docs/mv2.txt | Should -BeFalse
    }

    It 'removes files, and directories only with -Recurse' {
        New-Item t:/rm/a/b.txt -Force -Value 'b' | Out-Null
        Remove-Item t:/rm -Recurse
        Test-Path t:/rm | Should -BeFalse
    }

    It 'refuses to remove a child dataset as an item' {
        $r = Invoke-Captured { Remove-Item t:/alice -Recurse -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetNotRemovedAsItem,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-ZDataset -Session $s tank/home/alice).Name | Should -Be 'tank/home/alice'
    }

    It 'changes nothing with -WhatIf' {
        New-Item t:/whatif.txt -WhatIf | Out-Null
        Test-Path t:/whatif.txt | Should -BeFalse
        Remove-Item t:/notes.txt -WhatIf
        Test-Path t:/notes.txt | Should -BeTrue
    }
}

Describe 'ZFS provider content' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/c | Out-Null
        New-PSDrive -Name c2 -PSProvider ZFS -Root tank/c -Session $s | Out-Null
    }
    AfterAll {
        Remove-PSDrive c2 -ErrorAction SilentlyContinue
        Remove-IllumosSession $s -Confirm:$false
    }

    It 'writes lines and reads them back, with -Raw and -ReadCount' {
        Set-Content c2:/lines.txt 'one', 'two', 'three'
        Get-Content c2:/lines.txt | Should -Be @('one', 'two', 'three')
        Get-Content c2:/lines.txt -Raw | Should -Be "one`ntwo`nthree`n"
        $chunks = @(Get-Content c2:/lines.txt -ReadCount 2)
        $chunks.Count | Should -Be 2
        $chunks[0] -join '|' | Should -Be 'one|two'
        Get-Content c2:/lines.txt -TotalCount 1 | Should -Be 'one'
    }

    It 'appends with Add-Content and replaces with Set-Content' {
        Add-Content c2:/lines.txt 'four'
        (Get-Content c2:/lines.txt)[-1] | Should -Be 'four'
        Set-Content c2:/lines.txt 'only'
        Get-Content c2:/lines.txt | Should -Be 'only'
        Set-Content c2:/lines.txt 'no newline' -NoNewline
        (Get-Item c2:/lines.txt).Length | Should -Be 10
    }

    It 'reads and writes bytes with -AsByteStream' {
        [byte[]]$bytes = 0, 1, 2, 254, 255
        Set-Content c2:/b.bin -Value $bytes -AsByteStream
        $back = Get-Content c2:/b.bin -AsByteStream -Raw
        , $back | Should -BeOfType [byte[]]
        $back -join ',' | Should -Be '0,1,2,254,255'
        (Get-Content c2:/b.bin -AsByteStream -ReadCount 0) -join ',' | Should -Be '0,1,2,254,255'
    }

    It 'honours -Encoding' {
        Set-Content c2:/u16.txt 'hé' -Encoding unicode
        (Get-Content c2:/u16.txt -AsByteStream -Raw).Length | Should -Be 8
        Get-Content c2:/u16.txt -Encoding unicode | Should -Be 'hé'
        Set-Content c2:/latin.txt 'é' -Encoding latin1 -NoNewline
        (Get-Content c2:/latin.txt -AsByteStream -Raw) -join ',' | Should -Be '233'
    }

    It 'clears content' {
        Clear-Content c2:/u16.txt
        (Get-Item c2:/u16.txt).Length | Should -Be 0
    }

    It 'refuses content of a directory' {
        New-Item c2:/d -ItemType Directory | Out-Null
        $r = Invoke-Captured { Get-Content c2:/d }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ContentOfDirectory,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'fails a write past the quota cleanly, keeping the earlier data' {
        New-ZDataset -Session $s tank/c/q -Property @{ quota = '4M'; compression = 'off' } | Out-Null
        Set-Content c2:/q/keep.txt 'kept'
        $big = [byte[]]::new(6MB)
        [Random]::new(1).NextBytes($big)
        $r = Invoke-Captured { Set-Content c2:/q/big.bin -Value $big -AsByteStream }
        $r.Errors.Count | Should -BeGreaterThan 0
        $r.Errors[0].CategoryInfo.Category | Should -Be 'QuotaExceeded'
        $r.Errors[0].Exception.ToString() | Should -Match 'quota'
        Get-Content c2:/q/keep.txt | Should -Be 'kept'
    }
}

Describe 'ZFS provider snapshots and read-only datasets' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/snap | Out-Null
        New-PSDrive -Name sn -PSProvider ZFS -Root tank/snap -Session $s | Out-Null
        Set-Content sn:/file.txt 'old'
        New-Item sn:/dir/inner.txt -Force -Value 'inner' | Out-Null
        New-ZSnapshot -Session $s tank/snap@monday | Out-Null
        Set-Content sn:/file.txt 'new'
    }
    AfterAll {
        Remove-PSDrive sn -ErrorAction SilentlyContinue
        Remove-IllumosSession $s -Confirm:$false
    }

    It 'lists snapshots under .zfs/snapshot and reads the old version' {
        (Get-ChildItem sn:/.zfs).PSChildName | Should -Be 'snapshot'
        (Get-ChildItem sn:/.zfs/snapshot).PSChildName | Should -Be 'monday'
        Get-Content sn:/.zfs/snapshot/monday/file.txt | Should -Be 'old'
        Get-Content sn:/file.txt | Should -Be 'new'
        (Get-ChildItem sn:/.zfs/snapshot/monday -Recurse).PSChildName | Should -Contain 'inner.txt'
        (Get-Item sn:/.zfs/snapshot/monday/file.txt).DatasetName | Should -Be 'tank/snap@monday'
    }

    It 'refuses writes into a snapshot with PermissionDenied: <Name>' -ForEach @(
        @{ Name = 'Set-Content'; Script = { Set-Content sn:/.zfs/snapshot/monday/file.txt 'x' } }
        @{ Name = 'Add-Content'; Script = { Add-Content sn:/.zfs/snapshot/monday/file.txt 'x' } }
        @{ Name = 'New-Item'; Script = { New-Item sn:/.zfs/snapshot/monday/new.txt } }
        @{ Name = 'Remove-Item'; Script = { Remove-Item sn:/.zfs/snapshot/monday/file.txt } }
        @{ Name = 'Copy-Item'; Script = { Copy-Item sn:/file.txt sn:/.zfs/snapshot/monday/copy.txt } }
    ) {
        $r = Invoke-Captured $Script
        $r.Errors.Count | Should -BeGreaterThan 0
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotReadOnly,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $r.Errors[0].TargetObject | Should -BeLike 'tank/snap/.zfs/snapshot/monday/*'
        Get-Content sn:/.zfs/snapshot/monday/file.txt | Should -Be 'old'
    }

    It 'copies out of a snapshot into the live dataset' {
        Copy-Item sn:/.zfs/snapshot/monday/file.txt sn:/restored.txt
        Get-Content sn:/restored.txt | Should -Be 'old'
    }

    It 'refuses writes into a readonly dataset with PermissionDenied' {
        New-ZDataset -Session $s tank/snap/ro | Out-Null
        Set-Content sn:/ro/before.txt 'b'
        Set-ZDataset -Session $s tank/snap/ro -ReadOnly $true
        $r = Invoke-Captured { Set-Content sn:/ro/after.txt 'a' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetReadOnly,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        Test-Path sn:/ro/after.txt | Should -BeFalse
        Get-Content sn:/ro/before.txt | Should -Be 'b'
    }
}

Describe 'Copy-Item between the host and a dataset' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/cp | Out-Null
        New-PSDrive -Name cp -PSProvider ZFS -Root tank/cp -Session $s | Out-Null
        $hostDir = Join-Path $TestDrive 'src'
        New-Item -ItemType Directory (Join-Path $hostDir 'sub') -Force | Out-Null
        Set-Content (Join-Path $hostDir 'a.txt') 'alpha'
        [IO.File]::WriteAllBytes((Join-Path $hostDir 'sub/b.bin'), [byte[]](1, 2, 3))
    }
    AfterAll {
        Remove-PSDrive cp -ErrorAction SilentlyContinue
        Remove-IllumosSession $s -Confirm:$false
    }

    It 'copies a host tree into a dataset recursively' {
        Copy-Item "ZFS::$hostDir" -Destination cp:/in -Recurse
        Get-Content cp:/in/a.txt | Should -Be 'alpha'
        (Get-Content cp:/in/sub/b.bin -AsByteStream -Raw) -join ',' | Should -Be '1,2,3'
    }

    It 'copies a single host file into an existing directory, keeping its name' {
        New-Item cp:/one -ItemType Directory | Out-Null
        Copy-Item "ZFS::$(Join-Path $hostDir 'a.txt')" -Destination cp:/one
        Get-Content cp:/one/a.txt | Should -Be 'alpha'
    }

    It 'copies a dataset tree out to the host recursively' {
        $dest = Join-Path $TestDrive 'out'
        Copy-Item cp:/in -Destination "ZFS::$dest" -Recurse
        Get-Content (Join-Path $dest 'a.txt') | Should -Be 'alpha'
        [IO.File]::ReadAllBytes((Join-Path $dest 'sub/b.bin')) -join ',' | Should -Be '1,2,3'
    }

    It 'copies within the dataset' {
        Copy-Item cp:/in cp:/in2 -Recurse
        Get-Content cp:/in2/a.txt | Should -Be 'alpha'
    }

    It 'copies nothing with -WhatIf' {
        Copy-Item "ZFS::$hostDir" -Destination cp:/whatif -Recurse -WhatIf
        Test-Path cp:/whatif | Should -BeFalse
    }
}
