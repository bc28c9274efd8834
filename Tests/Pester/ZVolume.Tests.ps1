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

Describe 'Write-ZVolume and Read-ZVolume' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/vol -VolumeSize 4M | Out-Null
        New-ZDataset -Session $s tank/fs | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'reads zeros from a new volume as one byte array' {
        $bytes = Read-ZVolume -Session $s tank/vol -Offset 1M -Count 4K
        , $bytes | Should -BeOfType [byte[]]
        $bytes.Length | Should -Be 4096
        ($bytes | Measure-Object -Maximum).Maximum | Should -Be 0
    }

    It 'writes bytes at an offset and reads them back' {
        Write-ZVolume -Session $s tank/vol -Offset 8192 -Value ([byte[]](1..200)) | Should -BeNullOrEmpty
        $back = Read-ZVolume -Session $s tank/vol -Offset 8192 -Count 200
        [Linq.Enumerable]::SequenceEqual([byte[]]$back, [byte[]](1..200)) | Should -BeTrue
        (Read-ZVolume -Session $s tank/vol -Offset 8191 -Count 1)[0] | Should -Be 0
    }

    It 'gathers piped bytes and writes them once' {
        [byte[]](9, 8, 7) | Write-ZVolume -Session $s tank/vol -Offset 100
        (Read-ZVolume -Session $s tank/vol -Offset 100 -Count 3) -join ',' | Should -Be '9,8,7'
    }

    It 'copies a host file in and out with -Path' {
        $data = [byte[]]::new(300KB)
        [Random]::new(7).NextBytes($data)
        $in = Join-Path $TestDrive 'in.bin'
        [IO.File]::WriteAllBytes($in, $data)
        $v = Write-ZVolume -Session $s tank/vol -Offset 1M -Path $in -PassThru
        $v.Name | Should -Be 'tank/vol'
        $out = Join-Path $TestDrive 'out.bin'
        Read-ZVolume -Session $s tank/vol -Offset 1M -Count $data.Length -Path $out | Should -BeNullOrEmpty
        [Linq.Enumerable]::SequenceEqual([IO.File]::ReadAllBytes($out), $data) | Should -BeTrue
    }

    It 'refuses to overwrite a host file without -Force' {
        $out = Join-Path $TestDrive 'exists.bin'
        Set-Content $out 'keep'
        $r = Invoke-Captured { Read-ZVolume -Session $s tank/vol -Count 16 -Path $out }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'HostFileExists,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content $out | Should -Be 'keep'
        Read-ZVolume -Session $s tank/vol -Count 16 -Path $out -Force
        (Get-Item $out).Length | Should -Be 16
    }

    It 'refuses a write past the end, writing nothing' {
        $r = Invoke-Captured { Write-ZVolume -Session $s tank/vol -Offset (4MB - 2) -Value ([byte[]](1, 2, 3)) }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WriteBeyondVolume,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $r.Errors[0].TargetObject | Should -Be 'tank/vol'
        (Read-ZVolume -Session $s tank/vol -Offset (4MB - 2) -Count 2) -join ',' | Should -Be '0,0'
    }

    It 'refuses a read past the end' {
        $r = Invoke-Captured { Read-ZVolume -Session $s tank/vol -Offset 5M }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'OffsetBeyondVolume,*'
        $r.Errors[0].TargetObject | Should -Be 'tank/vol'
    }

    It 'refuses a filesystem and a missing volume' {
        $fs = Invoke-Captured { Read-ZVolume -Session $s tank/fs -Count 1 }
        $fs.Errors[0].FullyQualifiedErrorId | Should -BeLike 'WrongDatasetType,*'
        $fs.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $fs.Errors[0].TargetObject | Should -Be 'tank/fs'
        $missing = Invoke-Captured { Write-ZVolume -Session $s tank/novol -Value ([byte[]](1)) }
        $missing.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetNotFound,*'
        $missing.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'writes nothing with -WhatIf' {
        Write-ZVolume -Session $s tank/vol -Offset 3M -Value ([byte[]](5, 5)) -WhatIf
        (Read-ZVolume -Session $s tank/vol -Offset 3M -Count 2) -join ',' | Should -Be '0,0'
    }

    It 'takes a piped volume object' {
        $bytes = Get-ZDataset -Session $s tank/vol | Read-ZVolume -Offset 8192 -Count 2
        $bytes -join ',' | Should -Be '1,2'
    }

    It 'keeps volume data in a snapshot across a rollback' {
        New-ZSnapshot -Session $s tank/vol@before | Out-Null
        Write-ZVolume -Session $s tank/vol -Offset 0 -Value ([byte[]](42))
        Restore-ZSnapshot -Session $s tank/vol@before -Confirm:$false
        (Read-ZVolume -Session $s tank/vol -Offset 0 -Count 1)[0] | Should -Be 0
    }
}
