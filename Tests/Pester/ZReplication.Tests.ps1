BeforeAll {
    # The runner sets 'Stop'; these suites check errors as records.
    $ErrorActionPreference = 'Continue'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ZStorageTestHelpers.psm1') -Force
    Import-IllumosModule
    $script:ModulePath = (Get-Module Illumos).Path -replace 'Illumos\.Cmdlets\.dll$', 'Illumos.psd1'
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('zrepl-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $Work | Out-Null

    function Set-ZText($Session, [string] $Dataset, [string] $Path, [string] $Text) {
        $files = (Get-ZTestStorage $Session).Files
        $stream = $files.OpenWrite($Dataset, $Path, [System.IO.FileMode]::Create, [Threading.CancellationToken]::None)
        try { $bytes = [Text.Encoding]::UTF8.GetBytes($Text); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
    }

    function Get-ZText($Session, [string] $Dataset, [string] $Path) {
        $files = (Get-ZTestStorage $Session).Files
        $stream = $files.OpenRead($Dataset, $Path, [Threading.CancellationToken]::None)
        try { ([IO.StreamReader]::new($stream)).ReadToEnd() } finally { $stream.Dispose() }
    }

    function Get-ZState($Session) {
        # Everything a refused receive must leave alone: datasets, snapshots with guids, file contents.
        $lines = foreach ($d in Get-ZDataset -Session $Session -Recurse) {
            $d.Name
            foreach ($f in (Get-ZTestStorage $Session).Files.List($d.Name, '/', [Threading.CancellationToken]::None)) { "$($d.Name)$($f.Path) $($f.Length) $($f.ModifyTime.UtcTicks)" }
        }
        $lines += Get-ZSnapshot -Session $Session | ForEach-Object { "$($_.Name) $($_.Guid)" }
        $lines -join "`n"
    }
}

AfterAll {
    Get-IllumosSession | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue
}

Describe 'Send-ZSnapshot and Receive-ZSnapshot' {
    BeforeAll {
        $a = New-ZTestHost
        $b = New-ZTestHost -PoolName backup
        # Reading the copies must not modify them: with atime=on an incremental receive is refused, as in ZFS.
        Set-ZDataset -Session $b backup -Atime $false
        New-ZDataset -Session $a tank/home | Out-Null
        Set-ZText $a tank/home /readme 'first version'
        Set-ZText $a tank/home /other 'unchanged'
        New-ZSnapshot -Session $a tank/home@one | Out-Null
    }
    AfterAll { Remove-IllumosSession $a, $b -Confirm:$false }

    It 'writes a full stream to a file whose size the dry run predicted, and receives it on another host' {
        $file = Join-Path $Work full.zstream
        $estimate = Send-ZSnapshot -Session $a tank/home@one -DryRun
        $estimate | Should -BeOfType Illumos.Engine.Storage.ZSendEstimate
        Send-ZSnapshot -Session $a tank/home@one -Path $file | Should -BeNullOrEmpty
        (Get-Item $file).Length | Should -Be $estimate.Bytes
        $got = Receive-ZSnapshot -Session $b backup/home $file
        $got | Should -BeOfType Illumos.Engine.Storage.ZSnapshot
        $got.Name | Should -Be 'backup/home@one'
        $got.Guid | Should -Be (Get-ZSnapshot -Session $a tank/home@one).Guid
        $got.Session.Id | Should -Be $b.Id
        Get-ZText $b backup/home /readme | Should -Be 'first version'
    }

    It 'pipes an increment from one session into another' {
        Set-ZText $a tank/home /readme 'second version'
        New-ZSnapshot -Session $a tank/home@two | Out-Null
        $stream = Send-ZSnapshot -Session $a tank/home@two -From '@one'
        $stream | Should -BeOfType Illumos.Engine.Storage.ZSendStream
        $stream.EstimatedBytes | Should -BeGreaterThan 0
        $got = $stream | Receive-ZSnapshot -Session $b backup/home
        $got.Name | Should -Be 'backup/home@two'
        Get-ZText $b backup/home /readme | Should -Be 'second version'
        Get-ZText $b backup/home@one /readme | Should -Be 'first version'
        Get-ZText $b backup/home /other | Should -Be 'unchanged'
    }

    It 'sends nothing under -WhatIf' {
        $file = Join-Path $Work whatif.zstream
        $text = Get-WhatIfText { Send-ZSnapshot -Session $a tank/home@two -Path $file -WhatIf }
        $text | Should -Match 'tank/home@two'
        Test-Path $file | Should -BeFalse
    }

    It 'refuses a damaged stream, naming the fault, and leaves the target as it was' {
        Set-ZText $a tank/home /readme 'third version'
        New-ZSnapshot -Session $a tank/home@three | Out-Null
        $file = Join-Path $Work damaged.zstream
        Send-ZSnapshot -Session $a tank/home@three -From tank/home@two -Path $file
        $bytes = [IO.File]::ReadAllBytes($file); $bytes[700] = $bytes[700] -bxor 0xFF; [IO.File]::WriteAllBytes($file, $bytes)
        $before = Get-ZState $b
        $r = Invoke-Captured { Receive-ZSnapshot -Session $b backup/home $file }
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'StreamChecksumMismatch*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $r.Errors[0].TargetObject | Should -Be 'backup/home'
        Get-ZState $b | Should -Be $before
    }

    It 'refuses a cut stream and a stream for another base' {
        $file = Join-Path $Work inc.zstream
        Send-ZSnapshot -Session $a tank/home@three -From tank/home@two -Path $file
        $bytes = [IO.File]::ReadAllBytes($file)
        [IO.File]::WriteAllBytes((Join-Path $Work cut.zstream), $bytes[0..($bytes.Length / 2)])
        $before = Get-ZState $b
        $r = Invoke-Captured { Receive-ZSnapshot -Session $b backup/home (Join-Path $Work cut.zstream) }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'StreamTruncated*'
        New-ZDataset -Session $b backup/elsewhere | Out-Null
        New-ZSnapshot -Session $b backup/elsewhere@x | Out-Null
        $before = Get-ZState $b
        $r = Invoke-Captured { Receive-ZSnapshot -Session $b backup/elsewhere $file }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveBaseMissing*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-ZState $b | Should -Be $before
    }

    It 'refuses a file that is not a stream, and a missing file' {
        $junk = Join-Path $Work junk.bin
        [IO.File]::WriteAllBytes($junk, [byte[]](1..200))
        (Invoke-Captured { Receive-ZSnapshot -Session $b backup/junk $junk }).Errors[0].FullyQualifiedErrorId | Should -BeLike 'StreamNotAStream*'
        $r = Invoke-Captured { Receive-ZSnapshot -Session $b backup/junk (Join-Path $Work nope.zstream) }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'StreamFileNotFound*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Get-ZDataset -Session $b -Recurse).Name | Should -Not -Contain 'backup/junk'
    }

    It 'removes its file when the send fails' {
        $file = Join-Path $Work failed.zstream
        $r = Invoke-Captured { Send-ZSnapshot -Session $a tank/home@nope -Path $file }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound*'
        Test-Path $file | Should -BeFalse
        $r = Invoke-Captured { Send-ZSnapshot -Session $a tank/home@one -From '@two' -DryRun }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SendFromNotEarlier*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'rolls a changed target back with -Force' {
        Set-ZText $b backup/home /local 'mine'
        $stream = Send-ZSnapshot -Session $a tank/home@three -From '@two'
        $r = Invoke-Captured { $stream | Receive-ZSnapshot -Session $b backup/home }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveTargetModified*'
        (Send-ZSnapshot -Session $a tank/home@three -From '@two' | Receive-ZSnapshot -Session $b backup/home -Force).Name | Should -Be 'backup/home@three'
        Get-ZText $b backup/home /readme | Should -Be 'third version'
        (Get-ZTestStorage $b).Files.TryGet('backup/home', '/local', [Threading.CancellationToken]::None) | Should -BeNullOrEmpty
    }

    It 'discards a partial resumable receive with -Abort' {
        Set-ZText $a tank/home /big ('x' * 400000)
        New-ZSnapshot -Session $a tank/home@four | Out-Null
        $file = Join-Path $Work four.zstream
        Send-ZSnapshot -Session $a tank/home@four -From '@three' -Path $file
        $bytes = [IO.File]::ReadAllBytes($file)
        [IO.File]::WriteAllBytes((Join-Path $Work four-cut.zstream), $bytes[0..($bytes.Length * 3 / 4)])
        (Invoke-Captured { Receive-ZSnapshot -Session $b backup/home (Join-Path $Work four-cut.zstream) -Resumable }).Errors[0].FullyQualifiedErrorId | Should -BeLike 'StreamTruncated*'
        (Invoke-Captured { Receive-ZSnapshot -Session $b backup/home $file }).Errors[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveResumeStatePresent*'
        Receive-ZSnapshot -Session $b backup/home -Abort -Confirm:$false
        (Receive-ZSnapshot -Session $b backup/home $file).Name | Should -Be 'backup/home@four'
        (Invoke-Captured { Receive-ZSnapshot -Session $b backup/home -Abort -Confirm:$false }).Errors[0].FullyQualifiedErrorId | Should -BeLike 'ReceiveStateNotFound*'
    }

    It 'receives a stream written by another process' {
        $dir = Join-Path $Work otherhost
        $file = Join-Path $Work other.zstream
        $r = Invoke-OtherPwsh @"
Import-Module '$ModulePath'
`$x = New-IllumosSession -Path '$dir'
New-ZPool -Session `$x far '$dir/far.img' -DeviceSize 128M | Out-Null
New-ZDataset -Session `$x far/data | Out-Null
New-PSDrive -Name far -PSProvider ZFS -Root far/data -Session `$x | Out-Null
Set-Content far:/hello.txt 'from afar' -NoNewline
New-ZSnapshot -Session `$x far/data@s | Out-Null
Send-ZSnapshot -Session `$x far/data@s -Path '$file'
'sent'
"@
        $r.Output | Should -Match 'sent'
        (Receive-ZSnapshot -Session $b backup/far $file).Name | Should -Be 'backup/far@s'
        Get-ZText $b backup/far /hello.txt | Should -Be 'from afar'
    }
}

Describe 'Copy-ZDataset' {
    BeforeAll {
        $a = New-ZTestHost
        $b = New-ZTestHost -PoolName backup
        # Reading the copies must not modify them: with atime=on an incremental receive is refused, as in ZFS.
        Set-ZDataset -Session $b backup -Atime $false
        New-ZDataset -Session $a tank/db | Out-Null
        foreach ($i in 1..3) {
            Set-ZText $a tank/db /data "version $i"
            New-ZSnapshot -Session $a "tank/db@s$i" | Out-Null
        }
    }
    AfterAll { Remove-IllumosSession $a, $b -Confirm:$false }

    It 'copies the newest snapshot in full the first time' {
        $got = Copy-ZDataset -Session $a tank/db@s1 backup/db -DestinationSession $b
        $got.Name | Should -Be 'backup/db@s1'
        Get-ZText $b backup/db /data | Should -Be 'version 1'
    }

    It 'then sends only the increment, with the snapshots in between' {
        $got = Copy-ZDataset -Session $a tank/db backup/db -DestinationSession $b
        $got.Name | Should -Be 'backup/db@s2', 'backup/db@s3'
        Get-ZText $b backup/db /data | Should -Be 'version 3'
        Get-ZText $b backup/db@s2 /data | Should -Be 'version 2'
    }

    It 'does nothing when the destination is up to date' {
        Copy-ZDataset -Session $a tank/db backup/db -DestinationSession $b | Should -BeNullOrEmpty
    }

    It 'copies within one session' {
        (Copy-ZDataset -Session $a tank/db tank/db-copy).Name | Should -Be 'tank/db-copy@s3'
        Get-ZText $a tank/db-copy /data | Should -Be 'version 3'
    }

    It 'copies a tree with -Recurse and keeps it up to date' {
        New-ZDataset -Session $a tank/db/logs | Out-Null
        Set-ZText $a tank/db/logs /today 'log'
        New-ZSnapshot -Session $a tank/db@s4 -Recurse | Out-Null
        (Copy-ZDataset -Session $a tank/db backup/tree -DestinationSession $b -Recurse -IncludeProperties).Name | Should -Contain 'backup/tree/logs@s4'
        New-ZSnapshot -Session $a tank/db@s5 -Recurse | Out-Null
        (Copy-ZDataset -Session $a tank/db backup/tree -DestinationSession $b -Recurse).Name | Should -Be 'backup/tree@s5', 'backup/tree/logs@s5'
        Get-ZText $b backup/tree/logs /today | Should -Be 'log'
    }

    It 'says so when there is no snapshot to copy' {
        New-ZDataset -Session $a tank/empty | Out-Null
        $r = Invoke-Captured { Copy-ZDataset -Session $a tank/empty backup/empty -DestinationSession $b }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'CopyNoSnapshot*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Replication streams and resuming' {
    BeforeAll {
        $a = New-ZTestHost
        $b = New-ZTestHost -PoolName backup
        # Reading the copies must not modify them: with atime=on an incremental receive is refused, as in ZFS.
        Set-ZDataset -Session $b backup -Atime $false
        New-ZDataset -Session $a tank/proj -Property @{ 'com.example:team' = 'red'; atime = 'off' } | Out-Null
        New-ZDataset -Session $a tank/proj/docs | Out-Null
        Set-ZText $a tank/proj/docs /spec ('spec ' * 50000)
        New-ZSnapshot -Session $a tank/proj@v1 -Recurse | Out-Null
    }
    AfterAll { Remove-IllumosSession $a, $b -Confirm:$false }

    It 'sends a tree with -Recursive and receives it with its properties' {
        $got = Send-ZSnapshot -Session $a tank/proj@v1 -Recursive | Receive-ZSnapshot -Session $b backup/proj
        $got.Name | Should -Be 'backup/proj@v1', 'backup/proj/docs@v1'
        $p = Get-ZDatasetProperty -Session $b backup/proj -Property com.example:team, atime
        $p.Value | Should -Be 'red', 'off'
        $p.Source | Should -Be 'Received', 'Received'
        Get-ZText $b backup/proj/docs /spec | Should -Be ('spec ' * 50000)
    }

    It 'resumes a cut stream from the receive_resume_token' {
        Set-ZText $a tank/proj/docs /spec ('v2 ' * 90000)
        New-ZSnapshot -Session $a tank/proj/docs@v2 | Out-Null
        $file = Join-Path $Work docs-v2.zstream
        Send-ZSnapshot -Session $a tank/proj/docs@v2 -From '@v1' -Path $file
        $bytes = [IO.File]::ReadAllBytes($file)
        [IO.File]::WriteAllBytes((Join-Path $Work docs-cut.zstream), $bytes[0..($bytes.Length / 2)])
        (Invoke-Captured { Receive-ZSnapshot -Session $b backup/proj/docs (Join-Path $Work docs-cut.zstream) -Resumable }).Errors.Count | Should -Be 1
        $token = (Get-ZDatasetProperty -Session $b backup/proj/docs -Property receive_resume_token).Value
        $token | Should -Match '^1-[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$'
        $got = Send-ZSnapshot -Session $a -ResumeToken $token | Receive-ZSnapshot -Session $b backup/proj/docs
        $got.Name | Should -Be 'backup/proj/docs@v2'
        Get-ZText $b backup/proj/docs /spec | Should -Be ('v2 ' * 90000)
        (Get-ZDatasetProperty -Session $b backup/proj/docs -Property receive_resume_token).Value | Should -Be '-'
    }

    It 'refuses a malformed token with a clear error' {
        $r = Invoke-Captured { Send-ZSnapshot -Session $a -ResumeToken '1-zz-1-00' -DryRun }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ResumeTokenInvalid*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }
}
