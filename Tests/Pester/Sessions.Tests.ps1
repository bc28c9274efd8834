BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:ModulePath = (Get-Module Illumos).Path -replace 'Illumos\.Cmdlets\.dll$', 'Illumos.psd1'

    function New-ReplayFolder {
        $dir = Join-Path $TestDrive ("replay-" + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory $dir | Out-Null
        Set-Content -Path (Join-Path $dir 'uname.txt') -Value "`$ uname -s -r -v`nSunOS 5.11 omnios-r151046-a1b2c3d`n" -NoNewline
        Set-Content -Path (Join-Path $dir 'release.txt') -Value "`$ cat /etc/release`n  OmniOS v11 r151046`n  Copyright (c) 2012-2017 OmniTI Computer Consulting, Inc.`n" -NoNewline
        Set-Content -Path (Join-Path $dir 'zfs-version.txt') -Value "`$ zfs version`n# exit: 2`n# stderr: unrecognized command 'version'`n" -NoNewline
        Set-Content -Path (Join-Path $dir 'zpool-list.txt') -Value "`$ zpool list -H -o name`nrpool`ntank`n" -NoNewline
        Set-Content -Path (Join-Path $dir 'zpool-status-tank.txt') -Value "`$ zpool status -P tank`n  pool: tank`n" -NoNewline
        Set-Content -Path (Join-Path $dir 'zpool-status-tank-v.txt') -Value "`$ zpool status -P -v tank`n  pool: tank (verbose)`n" -NoNewline
        $dir
    }
}

AfterAll {
    Get-IllumosSession | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'New-IllumosSession -Temporary' {
    It 'creates a throwaway embedded host and deletes it when removed' {
        $s = New-IllumosSession -Temporary
        $s.Kind | Should -Be 'Embedded'
        $s.Transport | Should -Be 'InProcess'
        $s.IsTemporary | Should -BeTrue
        $s.State | Should -Be 'Opened'
        Test-Path (Join-Path $s.HostDirectory 'illumos-host.json') | Should -BeTrue
        Remove-IllumosSession -Session $s -Confirm:$false
        Test-Path $s.HostDirectory | Should -BeFalse
        $s.State | Should -Be 'Closed'
    }

    It 'names the session when asked' {
        $s = New-IllumosSession -Temporary -Name lab
        try { (Get-IllumosSession -Name lab).Id | Should -Be $s.Id }
        finally { $s | Remove-IllumosSession -Confirm:$false }
    }
}

Describe 'New-IllumosSession -Path' {
    It 'creates the host directory, resolving a relative path against the current location' {
        Push-Location $TestDrive
        try {
            $s = New-IllumosSession -Path ./hostA
            $s.HostDirectory | Should -Be (Join-Path $TestDrive 'hostA')
            $s.IsTemporary | Should -BeFalse
            Remove-IllumosSession $s -Confirm:$false
            Test-Path (Join-Path $TestDrive 'hostA/illumos-host.json') | Should -BeTrue -Because 'a named host directory outlives its session'
        } finally { Pop-Location }
    }

    It 'reopens an existing host directory' {
        $dir = Join-Path $TestDrive 'hostB'
        New-IllumosSession -Path $dir | Remove-IllumosSession -Confirm:$false
        $s = New-IllumosSession -Path $dir
        try { $s.State | Should -Be 'Opened' } finally { $s | Remove-IllumosSession -Confirm:$false }
    }

    It 'shares one host between two sessions of this process; removing one leaves the other working' {
        $dir = Join-Path $TestDrive 'shared-host'
        $a = New-IllumosSession -Path $dir
        $b = New-IllumosSession -Path $dir
        $a.Id | Should -Not -Be $b.Id
        Remove-IllumosSession $a -Confirm:$false
        (Test-IllumosSession -Session $b).Reachable | Should -BeTrue
        Remove-IllumosSession $b -Confirm:$false
    }

    It 'refuses a directory that holds other files, and leaves it untouched' {
        $dir = Join-Path $TestDrive 'not-a-host'
        New-Item -ItemType Directory $dir | Out-Null
        Set-Content (Join-Path $dir 'notes.txt') 'mine'
        $err = $null
        New-IllumosSession -Path $dir -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'HostDirectoryNotEmpty*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-ChildItem $dir -Force).Name | Sort-Object | Should -Be @('notes.txt')
    }

    It 'refuses a path that is a file' {
        $file = Join-Path $TestDrive 'afile'
        Set-Content $file 'x'
        { New-IllumosSession -Path $file -ErrorAction Stop } | Should -Throw -ErrorId 'HostPathIsFile*'
    }

    It 'refuses a host directory locked by another process, naming that process, and leaves it untouched' {
        $dir = Join-Path $TestDrive 'locked-host'
        $s = New-IllumosSession -Path $dir
        try {
            $before = Get-ChildItem $dir -Force -Recurse | ForEach-Object { "$($_.Name):$($_.Length)" }
            $r = Invoke-OtherPwsh @"
Import-Module '$ModulePath'
try { New-IllumosSession -Path '$dir' -ErrorAction Stop | Out-Null; 'OPENED' }
catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category; `$_.Exception.Message }
"@
            $r.Output | Should -Not -Match 'OPENED'
            $r.Output | Should -Match 'HostDirectoryLocked'
            $r.Output | Should -Match 'ResourceBusy'
            $r.Output | Should -Match "process $PID\b"
            Get-ChildItem $dir -Force -Recurse | ForEach-Object { "$($_.Name):$($_.Length)" } | Should -Be $before
        }
        finally { $s | Remove-IllumosSession -Confirm:$false }
    }

    It 'lets another process open the directory once the session is removed' {
        $dir = Join-Path $TestDrive 'released-host'
        New-IllumosSession -Path $dir | Remove-IllumosSession -Confirm:$false
        $r = Invoke-OtherPwsh "Import-Module '$ModulePath'; (New-IllumosSession -Path '$dir' -ErrorAction Stop).State"
        $r.Output | Should -Match 'Opened'
    }
}

Describe 'Default session resolution' {
    It 'uses an embedded host at $env:ILLUMOS_HOME when no session is given' {
        $home1 = Join-Path $TestDrive 'illumos-home'
        $r = Invoke-OtherPwsh @"
`$env:ILLUMOS_HOME = '$home1'
Import-Module '$ModulePath'
`$c = Test-IllumosSession
`$c.Kind; `$c.HostDirectory; (Get-IllumosSession -Default).Name
"@
        $r.Output | Should -Match 'Embedded'
        $r.Output | Should -Match ([regex]::Escape($home1))
        $r.Output | Should -Match 'Default'
        Test-Path (Join-Path $home1 'illumos-host.json') | Should -BeTrue
    }

    It '-Default makes a session the one used without -Session' {
        $s = New-IllumosSession -Temporary -Default
        try {
            (Get-IllumosSession -Default).Id | Should -Be $s.Id
            $s.IsDefault | Should -BeTrue
            (Test-IllumosSession).HostDirectory | Should -Be $s.HostDirectory
        }
        finally { $s | Remove-IllumosSession -Confirm:$false }
        Get-IllumosSession -Default | Should -BeNullOrEmpty
    }
}

Describe 'New-IllumosSession -Replay' {
    It 'answers the capability probe from recordings' {
        $s = New-IllumosSession -Replay (New-ReplayFolder)
        try {
            $s.Kind | Should -Be 'Native'
            $s.Transport | Should -Be 'Replay'
            $c = Test-IllumosSession -Session $s
            $c.Reachable | Should -BeTrue
            $c.OperatingSystem | Should -Be 'SunOS'
            $c.Release | Should -Be '5.11'
            $c.Distribution | Should -Be 'OmniOS'
            $c.ZfsVersion | Should -Be 'illumos'
            $c.SupportsJsonOutput | Should -BeFalse
        }
        finally { $s | Remove-IllumosSession -Confirm:$false }
    }

    It 'refuses a folder that does not exist' {
        $err = $null
        New-IllumosSession -Replay (Join-Path $TestDrive 'nope') -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ReplayDirectoryNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -BeLike '*nope'
    }

    It 'refuses a folder with no recordings' {
        $dir = Join-Path $TestDrive 'empty-replay'
        New-Item -ItemType Directory $dir | Out-Null
        { New-IllumosSession -Replay $dir -ErrorAction Stop } | Should -Throw -ErrorId 'ReplayDirectoryEmpty*'
    }

    It 'refuses recordings that cannot answer the probe, naming the command' {
        $dir = Join-Path $TestDrive 'no-uname'
        New-Item -ItemType Directory $dir | Out-Null
        Set-Content (Join-Path $dir 'zpool.txt') "`$ zpool list`nNAME`n"
        $err = $null
        New-IllumosSession -Replay $dir -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ReplayNoMatch*'
        $err[0].Exception.Message | Should -Match 'uname -s -r -v'
    }
}

Describe 'New-IllumosSession -Local' {
    It 'drives this machine''s own commands and reports what it is' -Skip:($IsWindows) {
        $s = New-IllumosSession -Local -Name here
        try {
            $s.Kind | Should -Be 'Native'
            $s.Transport | Should -Be 'Local'
            $c = Test-IllumosSession -Session $s
            $c.Reachable | Should -BeTrue
            $c.OperatingSystem | Should -Be (uname -s)
            $c.Release | Should -Be (uname -r)
        }
        finally { $s | Remove-IllumosSession -Confirm:$false }
    }
}

Describe 'New-IllumosSession -HostName' {
    It 'gives a clear connection error for an unreachable host within the timeout' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        New-IllumosSession -HostName 127.0.0.1 -Port 1 -ConnectTimeout 3 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 20
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SshConnectionFailed*'
        $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
        $err[0].Exception.Message | Should -Match '127\.0\.0\.1'
        Get-IllumosSession | Where-Object ComputerName -eq '127.0.0.1' | Should -BeNullOrEmpty
    }

    It 'validates the port range' {
        { New-IllumosSession -HostName h -Port 70000 } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Get-IllumosSession' {
    BeforeAll {
        $script:a = New-IllumosSession -Temporary -Name alpha
        $script:b = New-IllumosSession -Temporary -Name beta
    }
    AfterAll { $a, $b | Remove-IllumosSession -Confirm:$false }

    It 'filters with wildcards' {
        (Get-IllumosSession -Name 'al*').Id | Should -Be @($a.Id)
    }

    It 'is silent when a wildcard matches nothing' {
        $err = $null
        Get-IllumosSession -Name 'zzz*' -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
    }

    It 'writes ObjectNotFound for a literal name that matches nothing, and still returns the others' {
        $err = $null
        $found = Get-IllumosSession -Name missing, beta -ErrorVariable err -ErrorAction SilentlyContinue
        $found.Id | Should -Be @($b.Id)
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SessionNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'missing'
    }

    It 'finds by id, and reports a missing id' {
        (Get-IllumosSession -Id $b.Id).Name | Should -Be 'beta'
        { Get-IllumosSession -Id 99999 -ErrorAction Stop } | Should -Throw -ErrorId 'SessionNotFound*'
    }
}

Describe 'Remove-IllumosSession' {
    It 'honours -WhatIf' {
        $s = New-IllumosSession -Temporary
        Remove-IllumosSession $s -WhatIf
        $s.State | Should -Be 'Opened'
        Test-Path $s.HostDirectory | Should -BeTrue
        $s | Remove-IllumosSession -Confirm:$false
    }

    It 'removes by name' {
        $s = New-IllumosSession -Temporary -Name doomed
        Remove-IllumosSession -Name doomed -Confirm:$false
        $s.State | Should -Be 'Closed'
    }

    It 'a removed session reports itself unreachable' {
        $s = New-IllumosSession -Temporary
        $s | Remove-IllumosSession -Confirm:$false
        $c = Test-IllumosSession -Session $s
        $c.Reachable | Should -BeFalse
        $c.Message | Should -Match 'removed'
        Test-IllumosSession -Session $s -Quiet | Should -BeFalse
    }
}
