# The ZFS provider and Read-/Write-ZVolume against a native session (New-IllumosSession -Local) whose
# zfs is the stand-in Tests/Shims/zfs.sh (answering zfs get/list from a table): a real temporary
# directory is the filesystem's mountpoint and a real file the zvol device, so every file command is
# this machine's own (GNU userland on Linux).

BeforeDiscovery {
    $script:NoPosix = $IsWindows
}

BeforeAll {
    $ErrorActionPreference = 'Continue'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ZStorageTestHelpers.psm1') -Force
    Import-IllumosModule

    $script:Stage = Join-Path ([IO.Path]::GetTempPath()) ('illumos-pester-nfs-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $bin = Join-Path $Stage 'bin'
    $script:Mount = Join-Path $Stage 'mnt fs'
    $script:Devices = Join-Path $Stage 'dev'
    $script:Device = Join-Path $Devices 'tank/vol'
    New-Item -ItemType Directory $bin, $Mount, (Join-Path $Devices 'tank'), (Join-Path $Mount '.zfs/snapshot/s1') | Out-Null
    [IO.File]::WriteAllText((Join-Path $Mount '.zfs/snapshot/s1/old.txt'), "from s1`n")
    $f = [IO.File]::Create($Device); $f.SetLength(1MB); $f.Dispose()
    Copy-Item (Join-Path $PSScriptRoot '../Shims/zfs.sh') (Join-Path $bin 'zfs')
    chmod +x (Join-Path $bin 'zfs')
    $rows = @(
        "tank`ttype`tfilesystem", "tank`tmountpoint`t/tank", "tank`tmounted`tno",
        "tank/fs`ttype`tfilesystem", "tank/fs`tmountpoint`t$Mount", "tank/fs`tmounted`tyes", "tank/fs`treadonly`toff",
        "tank/fs@s1`ttype`tsnapshot", "tank/fs@s1`tcreatetxg`t5",
        "tank/off`ttype`tfilesystem", "tank/off`tmountpoint`t/nowhere", "tank/off`tmounted`tno",
        "tank/vol`ttype`tvolume", "tank/vol`tvolsize`t1048576", "tank/vol`treadonly`toff"
    )
    [IO.File]::WriteAllText((Join-Path $bin 'zfs.db'), ($rows -join "`n") + "`n")
    $script:OldPath = $env:PATH
    $env:PATH = $bin + [IO.Path]::PathSeparator + $env:PATH
    $script:S = New-IllumosSession -Local -Name nativefiles
    (Get-ZTestStorage $S).VolumeDeviceDirectory = $Devices
    New-PSDrive -Name nf -PSProvider ZFS -Root tank/fs -Session $S | Out-Null

    # Should -Be on byte arrays compares through the pipeline one byte at a time (minutes for a few MiB)
    function Assert-SameBytes([byte[]] $Actual, [byte[]] $Expected) {
        $Actual.Length | Should -Be $Expected.Length
        [Linq.Enumerable]::SequenceEqual($Actual, $Expected) | Should -BeTrue -Because 'the bytes read back must equal those written'
    }
}

AfterAll {
    Remove-PSDrive nf -ErrorAction SilentlyContinue
    if ($S) { Remove-IllumosSession $S -Confirm:$false }
    if ($OldPath) { $env:PATH = $OldPath }
    if ($Stage) { Remove-Item -LiteralPath $Stage -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'The ZFS provider on a native session' -Skip:$NoPosix {
    It 'writes, reads, lists and removes files with shell syntax in their names' {
        $name = 'a b;$(touch x)`|''q".txt'
        Set-Content -LiteralPath "nf:/$name" -Value 'first', 'second'
        [IO.File]::ReadAllText((Join-Path $Mount $name)) | Should -Be "first`nsecond`n"
        Get-Content -LiteralPath "nf:/$name" | Should -Be 'first', 'second'
        Add-Content -LiteralPath "nf:/$name" -Value 'third'
        Get-Content -LiteralPath "nf:/$name" -Raw | Should -Be "first`nsecond`nthird`n"
        (Get-ChildItem nf:/).Name | Should -Contain $name
        (Get-Item -LiteralPath "nf:/$name").Length | Should -Be 19
        Test-Path (Join-Path $Mount 'x') | Should -BeFalse
        Remove-Item -LiteralPath "nf:/$name"
        Test-Path -LiteralPath (Join-Path $Mount $name) | Should -BeFalse
    }

    It 'creates directories and links, copies and moves inside the dataset' {
        New-Item -ItemType Directory nf:/dir/sub -Force | Out-Null
        Test-Path (Join-Path $Mount 'dir/sub') -PathType Container | Should -BeTrue
        Set-Content nf:/dir/one.txt 'one'
        Copy-Item nf:/dir/one.txt nf:/dir/sub/copy.txt
        [IO.File]::ReadAllText((Join-Path $Mount 'dir/sub/copy.txt')) | Should -Be "one`n"
        Move-Item nf:/dir/sub/copy.txt nf:/moved.txt
        Test-Path (Join-Path $Mount 'dir/sub/copy.txt') | Should -BeFalse
        Get-Content nf:/moved.txt | Should -Be 'one'
        $l = New-Item -ItemType SymbolicLink nf:/dir/link -Value 'one.txt'
        $l.Type | Should -Be 'Symlink'
        $l.LinkTarget | Should -Be 'one.txt'
        (Get-Item (Join-Path $Mount 'dir/link')).LinkTarget | Should -Be 'one.txt'
        Rename-Item nf:/moved.txt renamed.txt
        (Get-ChildItem nf:/ -Recurse).Path | Should -Be '/dir', '/dir/link', '/dir/one.txt', '/dir/sub', '/renamed.txt'
        (Get-ChildItem nf:/dir).Name | Should -Be 'link', 'one.txt', 'sub'
        Remove-Item nf:/dir -Recurse
        Test-Path (Join-Path $Mount 'dir') | Should -BeFalse
    }

    It 'copies a multi-MiB file from the host into the dataset and back' {
        $data = [byte[]]::new(3MB + 77)
        [Security.Cryptography.RandomNumberGenerator]::Fill($data)
        $src = Join-Path $TestDrive 'big.bin'
        [IO.File]::WriteAllBytes($src, $data)
        Copy-Item -LiteralPath "ZFS::$src" -Destination nf:/big.bin
        Assert-SameBytes ([IO.File]::ReadAllBytes((Join-Path $Mount 'big.bin'))) $data
        $back = Join-Path $TestDrive 'back.bin'
        Copy-Item nf:/big.bin -Destination "ZFS::$back"
        Assert-SameBytes ([IO.File]::ReadAllBytes($back)) $data
        Remove-Item nf:/big.bin
    }

    It 'reads snapshots under .zfs/snapshot and refuses to change them' {
        (Get-ChildItem nf:/.zfs/snapshot).PSChildName | Should -Be 's1'
        Get-Content nf:/.zfs/snapshot/s1/old.txt | Should -Be 'from s1'
        $r = Invoke-Captured { Set-Content nf:/.zfs/snapshot/s1/old.txt 'changed' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotReadOnly*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        [IO.File]::ReadAllText((Join-Path $Mount '.zfs/snapshot/s1/old.txt')) | Should -Be "from s1`n"
    }

    It 'reports a missing file, a directory read as a file and an unmounted filesystem' {
        $r = Invoke-Captured { Get-Content nf:/missing.txt }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        New-Item -ItemType Directory nf:/adir | Out-Null
        $d = Invoke-Captured { Get-Content nf:/adir }
        $d.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ContentOfDirectory*'
        Remove-Item nf:/adir
        New-PSDrive -Name nfoff -PSProvider ZFS -Root tank/off -Session $S | Out-Null
        try {
            $u = Invoke-Captured { Get-ChildItem nfoff:/ }
            # The provider asks whether the root exists first; the engine's DatasetNotMounted makes that false.
            $u.Output | Should -BeNullOrEmpty
            $u.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
            $e = { (Get-ZTestStorage $S).Files.List('tank/off', '/', [Threading.CancellationToken]::None) } | Should -Throw -PassThru
            $e.Exception.InnerException.ErrorId | Should -Be 'DatasetNotMounted'
            $e.Exception.InnerException.Message | Should -Match 'zfs mount tank/off'
        }
        finally { Remove-PSDrive nfoff }
    }
}

Describe 'Read-ZVolume and Write-ZVolume on a native session' -Skip:$NoPosix {
    It 'writes bytes at an unaligned offset into the device and reads them back' {
        Write-ZVolume -Session $S tank/vol -Offset 1001 -Value ([byte[]](1..200)) -Confirm:$false | Should -BeNullOrEmpty
        $disk = [IO.File]::ReadAllBytes($Device)
        $disk[1001..1200] | Should -Be ([byte[]](1..200))
        $disk[1000] | Should -Be 0
        $disk[1201] | Should -Be 0
        $back = Read-ZVolume -Session $S tank/vol -Offset 1001 -Count 200
        $back | Should -Be ([byte[]](1..200))
    }

    It 'copies a host file into the volume and the volume out to a host file' {
        $data = [byte[]]::new(600KB + 3)
        [Security.Cryptography.RandomNumberGenerator]::Fill($data)
        $src = Join-Path $TestDrive 'vol-in.bin'
        [IO.File]::WriteAllBytes($src, $data)
        Write-ZVolume -Session $S tank/vol -Offset 4096 -Path $src -Confirm:$false
        $out = Join-Path $TestDrive 'vol-out.bin'
        Read-ZVolume -Session $S tank/vol -Offset 4096 -Count $data.Length -Path $out
        Assert-SameBytes ([IO.File]::ReadAllBytes($out)) $data
        $disk = [IO.File]::ReadAllBytes($Device)
        Assert-SameBytes ([byte[]]$disk[4096..(4096 + $data.Length - 1)]) $data
    }

    It 'refuses a write past the end before sending anything' {
        $before = [IO.File]::ReadAllBytes($Device)
        $r = Invoke-Captured { Write-ZVolume -Session $S tank/vol -Offset (1MB - 10) -Value ([byte[]](1..20)) -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WriteBeyondVolume*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        Assert-SameBytes ([IO.File]::ReadAllBytes($Device)) $before
    }
}
