BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:s = New-IllumosSession -Temporary -Name zpool-special-tests
    $script:disks = Join-Path ([System.IO.Path]::GetTempPath()) ("illumos-special-tests-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
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

Describe 'The special allocation class' {
    It 'creates a pool with a special mirror, shown as its own section, holding the metadata' {
        $d = New-Disk d1.img; $a = New-Disk s1.img; $b = New-Disk s2.img
        New-ZPool -Session $s sp $d special mirror $a $b | Out-Null
        $cfg = (Get-ZPoolStatus -Session $s sp).Config
        $special = $cfg.Children | Where-Object Class -eq 'Special'
        $special.Type | Should -Be 'mirror'
        $special.Children.Path | Should -Be @($a, $b)
        (Get-ZPoolStatus -Session $s sp | Out-String) | Should -Match '(?m)^\s+special\s*$'
        New-ZDataset -Session $s sp/meta | Out-Null
        $io = Get-ZPoolIOStat -Session $s sp -Device | Where-Object { $_.Class -eq 'Special' -and $_.Depth -eq 1 }
        $io.Allocated | Should -BeGreaterThan 0
    }

    It 'places small file blocks on the special vdev when special_small_blocks allows them' {
        New-ZDataset -Session $s sp/small -Property @{ compression = 'off'; special_small_blocks = '64K' } | Out-Null
        (Get-ZDatasetProperty -Session $s sp/small -Property special_small_blocks).Value | Should -Be '65536'
        $before = (Get-ZPoolIOStat -Session $s sp -Device | Where-Object { $_.Class -eq 'Special' -and $_.Depth -eq 1 }).Allocated
        New-PSDrive -Name spx -PSProvider ZFS -Root sp/small -Session $s | Out-Null
        try {
            $bytes = [byte[]]::new(32KB); (New-Object Random 7).NextBytes($bytes)
            1..20 | ForEach-Object { Set-Content -Path "spx:/f$_" -Value $bytes -AsByteStream }
        } finally { Remove-PSDrive spx }
        $after = (Get-ZPoolIOStat -Session $s sp -Device | Where-Object { $_.Class -eq 'Special' -and $_.Depth -eq 1 }).Allocated
        ($after - $before) | Should -BeGreaterOrEqual (20 * 32KB)
    }

    It 'adds a special vdev to an existing pool' {
        $d = New-Disk e1.img; $x = New-Disk e2.img
        New-ZPool -Session $s addsp $d | Out-Null
        Add-ZPoolDevice -Session $s addsp special $x
        ((Get-ZPoolStatus -Session $s addsp).Config.Children | Where-Object Class -eq 'Special').Path | Should -Be $x
    }

    It 'refuses a dedup vdev with NotImplemented and creates nothing' {
        $d = New-Disk f1.img; $x = New-Disk f2.img
        $err = $null
        New-ZPool -Session $s dd $d dedup $x -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'VdevClassNotImplemented*'
        $err[0].CategoryInfo.Category | Should -Be 'NotImplemented'
        Get-ZPool -Session $s dd -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a special_small_blocks value that is not 0 or a power of two up to 1M' {
        $err = $null
        Set-ZDataset -Session $s sp/meta -Property @{ special_small_blocks = '3000' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PropertyBadValue*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-ZDatasetProperty -Session $s sp/meta -Property special_small_blocks).Value | Should -Be '0'
    }
}
