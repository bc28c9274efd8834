BeforeAll {
    # The runner sets 'Stop'; these suites check that one failing name does not stop the others.
    $ErrorActionPreference = 'Continue'
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'ZStorageTestHelpers.psm1') -Force
    Import-IllumosModule

    function Write-ZTestFile($Session, [string] $Dataset, [string] $Path, [string] $Text) {
        $files = (Get-ZTestStorage $Session).Files
        $stream = $files.OpenWrite($Dataset, $Path, [System.IO.FileMode]::Create, [Threading.CancellationToken]::None)
        try { $bytes = [Text.Encoding]::UTF8.GetBytes($Text); $stream.Write($bytes, 0, $bytes.Length) } finally { $stream.Dispose() }
    }

    function Read-ZTestFile($Session, [string] $Dataset, [string] $Path) {
        $files = (Get-ZTestStorage $Session).Files
        $stream = $files.OpenRead($Dataset, $Path, [Threading.CancellationToken]::None)
        try { ([IO.StreamReader]::new($stream)).ReadToEnd() } finally { $stream.Dispose() }
    }
}

AfterAll {
    Get-IllumosSession | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'New-ZSnapshot and Get-ZSnapshot' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/a/b -Parents | Out-Null
        New-ZDataset -Session $s tank/c | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'takes a snapshot and outputs it' {
        $snap = New-ZSnapshot -Session $s tank/a@one
        $snap | Should -BeOfType Illumos.Engine.Storage.ZSnapshot
        $snap.Name | Should -Be 'tank/a@one'
        $snap.DatasetName | Should -Be 'tank/a'
        $snap.SnapshotName | Should -Be 'one'
        $snap.Session.Id | Should -Be $s.Id
    }

    It 'snapshots recursively under one name' {
        (New-ZSnapshot -Session $s tank/a@two -Recurse).Name | Sort-Object | Should -Be @('tank/a@two', 'tank/a/b@two')
    }

    It 'snapshots piped datasets with -SnapshotName' {
        (Get-ZDataset -Session $s tank/c | New-ZSnapshot -SnapshotName piped).Name | Should -Be 'tank/c@piped'
        (New-ZSnapshot -Session $s -DatasetName tank/c -SnapshotName byname).Name | Should -Be 'tank/c@byname'
    }

    It 'lists by full-name wildcard, by dataset, by short name and the newest' {
        (Get-ZSnapshot -Session $s 'tank/a@*').Name | Should -Be @('tank/a@one', 'tank/a@two')
        (Get-ZSnapshot -Session $s -DatasetName tank/a -Recurse).Name | Should -Contain 'tank/a/b@two'
        (Get-ZSnapshot -Session $s -DatasetName tank/c 'pip*').Name | Should -Be 'tank/c@piped'
        (Get-ZSnapshot -Session $s -DatasetName tank/a -Newest 1).Name | Should -Be 'tank/a@two'
        (Get-ZDataset -Session $s tank/c | Get-ZSnapshot).Name | Should -Be @('tank/c@piped', 'tank/c@byname')
    }

    It 'writes ObjectNotFound for a literal snapshot name that does not exist' {
        $r = Invoke-Captured { Get-ZSnapshot -Session $s tank/a@nope }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ZSnapshotNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/a@nope'
    }

    It 'refuses a duplicate and an invalid snapshot name' {
        $dup = Invoke-Captured { New-ZSnapshot -Session $s tank/a@one }
        $dup.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotExists,*'
        $dup.Errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $dup.Errors[0].TargetObject | Should -Be 'tank/a@one'
        $bad = Invoke-Captured { New-ZSnapshot -Session $s 'tank/a@x@y' }
        $bad.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNameInvalid,*'
        $bad.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $bad.Errors[0].TargetObject | Should -Be 'tank/a@x@y'
    }

    It 'takes nothing with -WhatIf' {
        New-ZSnapshot -Session $s tank/a@whatif -WhatIf | Should -BeNullOrEmpty
        Get-ZSnapshot -Session $s 'tank/a@whatif*' | Should -BeNullOrEmpty
    }
}

Describe 'Rename-ZSnapshot and Remove-ZSnapshot' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/d/e -Parents | Out-Null
        New-ZSnapshot -Session $s tank/d@s1 -Recurse | Out-Null
        New-ZSnapshot -Session $s tank/d@s2 | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'renames by short new name, recursively, with -PassThru' {
        (Rename-ZSnapshot -Session $s tank/d@s1 first -Recurse -PassThru).Name | Should -Be 'tank/d@first'
        (Get-ZSnapshot -Session $s -DatasetName tank/d/e).Name | Should -Be 'tank/d/e@first'
    }

    It 'refuses a rename onto an existing snapshot' {
        $r = Invoke-Captured { Rename-ZSnapshot -Session $s tank/d@s2 tank/d@first }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotExists,*'
        $r.Errors[0].TargetObject | Should -Be 'tank/d@s2'
    }

    It 'lists a snapshot with clones as a dependency, and refuses to destroy it without -RecurseDependents' {
        New-ZDataset -Session $s tank/clone -FromSnapshot tank/d@s2 | Out-Null
        (Get-ZSnapshot -Session $s tank/d@s2).Clones | Should -Be 'tank/clone'
        $r = Invoke-Captured { Remove-ZSnapshot -Session $s tank/d@s2 -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotHasClones,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $r.Errors[0].TargetObject | Should -Be 'tank/d@s2'
        $text = Get-WhatIfText { Remove-ZSnapshot -Session $s tank/d@s2 -RecurseDependents -WhatIf }
        $text | Should -Match 'tank/clone'
        (Get-ZDataset -Session $s tank/clone).Name | Should -Be 'tank/clone'
        Remove-ZSnapshot -Session $s tank/d@s2 -RecurseDependents -Confirm:$false
        Get-ZDataset -Session $s tank/clone -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'removes piped snapshots, recursively by name' {
        Remove-ZSnapshot -Session $s tank/d@first -Recurse -Confirm:$false
        Get-ZSnapshot -Session $s -DatasetName tank/d -Recurse | Should -BeNullOrEmpty
    }

    It 'refuses a name that is not a snapshot' {
        $r = Invoke-Captured { Remove-ZSnapshot -Session $s tank/d -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NotASnapshotName,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-ZDataset -Session $s tank/d).Name | Should -Be 'tank/d'
    }
}

Describe 'Restore-ZSnapshot' {
    BeforeEach {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/r | Out-Null
        Write-ZTestFile $s tank/r /f.txt 'version 1'
        New-ZSnapshot -Session $s tank/r@v1 | Out-Null
        Write-ZTestFile $s tank/r /f.txt 'version 2'
        New-ZSnapshot -Session $s tank/r@v2 | Out-Null
        Write-ZTestFile $s tank/r /f.txt 'version 3'
    }
    AfterEach { Remove-IllumosSession $s -Confirm:$false }

    It 'rolls back to the newest snapshot' {
        Restore-ZSnapshot -Session $s tank/r@v2 -Confirm:$false | Should -BeNullOrEmpty
        Read-ZTestFile $s tank/r /f.txt | Should -Be 'version 2'
    }

    It 'refuses to roll back past newer snapshots without -DestroyNewer, changing nothing' {
        $r = Invoke-Captured { Restore-ZSnapshot -Session $s tank/r@v1 -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'RollbackNewerSnapshots,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $r.Errors[0].TargetObject | Should -Be 'tank/r@v1'
        Read-ZTestFile $s tank/r /f.txt | Should -Be 'version 3'
        (Get-ZSnapshot -Session $s -DatasetName tank/r).Count | Should -Be 2
    }

    It 'rolls back past newer snapshots with -DestroyNewer, from a piped snapshot' {
        $d = Get-ZSnapshot -Session $s tank/r@v1 | Restore-ZSnapshot -DestroyNewer -Confirm:$false -PassThru
        $d.Name | Should -Be 'tank/r'
        Read-ZTestFile $s tank/r /f.txt | Should -Be 'version 1'
        (Get-ZSnapshot -Session $s -DatasetName tank/r).Name | Should -Be 'tank/r@v1'
    }

    It 'changes nothing with -WhatIf and names what would be destroyed' {
        $text = Get-WhatIfText { Restore-ZSnapshot -Session $s tank/r@v1 -DestroyNewer -WhatIf }
        $text | Should -Match 'tank/r@v2'
        Read-ZTestFile $s tank/r /f.txt | Should -Be 'version 3'
    }

    It 'writes ObjectNotFound for a missing snapshot' {
        $r = Invoke-Captured { Restore-ZSnapshot -Session $s tank/r@nope -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ZSnapshotNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/r@nope'
    }
}

Describe 'Lock-ZSnapshot, Unlock-ZSnapshot and Get-ZSnapshotHold' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/h/k -Parents | Out-Null
        New-ZSnapshot -Session $s tank/h@keep -Recurse | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'holds a snapshot so that it cannot be destroyed' {
        $holds = Lock-ZSnapshot -Session $s tank/h@keep backup -Recurse -PassThru
        $holds.Tag | Should -Contain 'backup'
        (Get-ZSnapshotHold -Session $s tank/h/k@keep).Tag | Should -Be 'backup'
        (Get-ZSnapshot -Session $s tank/h@keep).UserReferences | Should -Be 1
        $r = Invoke-Captured { Remove-ZSnapshot -Session $s tank/h@keep -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotHeld,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
        $r.Errors[0].TargetObject | Should -Be 'tank/h@keep'
    }

    It 'lists holds by tag and takes piped snapshots' {
        Get-ZSnapshot -Session $s tank/h@keep | Lock-ZSnapshot -Tag second
        (Get-ZSnapshotHold -Session $s tank/h@keep -Tag 'sec*').Tag | Should -Be 'second'
        (Get-ZSnapshot -Session $s tank/h@keep | Get-ZSnapshotHold).Count | Should -Be 2
    }

    It 'releases holds; a tag that is not held is an error' {
        Unlock-ZSnapshot -Session $s tank/h@keep second
        Unlock-ZSnapshot -Session $s tank/h@keep backup -Recurse
        Get-ZSnapshotHold -Session $s tank/h@keep | Should -BeNullOrEmpty
        $r = Invoke-Captured { Unlock-ZSnapshot -Session $s tank/h@keep nosuchtag }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'HoldNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/h@keep'
    }

    It 'holds nothing with -WhatIf' {
        Lock-ZSnapshot -Session $s tank/h@keep t -WhatIf
        Get-ZSnapshotHold -Session $s tank/h@keep | Should -BeNullOrEmpty
    }
}

Describe 'New-ZBookmark, Get-ZBookmark and Remove-ZBookmark' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/b | Out-Null
        New-ZSnapshot -Session $s tank/b@mon | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'bookmarks a snapshot by name and from the pipeline' {
        $bm = New-ZBookmark -Session $s tank/b#monday tank/b@mon
        $bm | Should -BeOfType Illumos.Engine.Storage.ZBookmark
        $bm.Name | Should -Be 'tank/b#monday'
        (Get-ZSnapshot -Session $s tank/b@mon | New-ZBookmark).Name | Should -Be 'tank/b#mon'
    }

    It 'lists bookmarks by wildcard and by dataset' {
        (Get-ZBookmark -Session $s 'tank/b#*').Name | Sort-Object | Should -Be @('tank/b#mon', 'tank/b#monday')
        (Get-ZDataset -Session $s tank/b | Get-ZBookmark 'monday').Name | Should -Be 'tank/b#monday'
    }

    It 'survives the destruction of its snapshot' {
        Remove-ZSnapshot -Session $s tank/b@mon -Confirm:$false
        (Get-ZBookmark -Session $s tank/b#monday).Name | Should -Be 'tank/b#monday'
    }

    It 'refuses a bookmark of a missing snapshot and a duplicate' {
        $r = Invoke-Captured { New-ZBookmark -Session $s tank/b#x tank/b@gone }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/b#x'
    }

    It 'removes bookmarks, and reports a missing one' {
        Remove-ZBookmark -Session $s tank/b#mon -WhatIf
        (Get-ZBookmark -Session $s tank/b#mon).Name | Should -Be 'tank/b#mon'
        Get-ZBookmark -Session $s 'tank/b#*' | Remove-ZBookmark -Confirm:$false
        Get-ZBookmark -Session $s -DatasetName tank/b | Should -BeNullOrEmpty
        $r = Invoke-Captured { Remove-ZBookmark -Session $s tank/b#gone -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ZBookmarkNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/b#gone'
    }
}
