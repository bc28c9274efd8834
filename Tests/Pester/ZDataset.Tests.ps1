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

Describe 'New-ZDataset' {
    BeforeAll { $s = New-ZTestHost }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'creates a filesystem with properties and outputs it with its session' {
        $d = New-ZDataset -Session $s tank/fs1 -Property @{ compression = 'zstd'; 'com.example:owner' = 'alice'; atime = $false }
        $d | Should -BeOfType Illumos.Engine.Storage.ZDataset
        $d.Name | Should -Be 'tank/fs1'
        $d.Type | Should -Be 'FileSystem'
        $d.Compression | Should -Be 'zstd'
        $d.Session.Id | Should -Be $s.Id
        (Get-ZDatasetProperty -Session $s tank/fs1 'com.example:owner').Value | Should -Be 'alice'
        (Get-ZDatasetProperty -Session $s tank/fs1 atime).Value | Should -Be 'off'
    }

    It 'creates missing parents with -Parents' {
        New-ZDataset -Session $s tank/p/q/r -Parents | Select-Object -ExpandProperty Name | Should -Be 'tank/p/q/r'
        (Get-ZDataset -Session $s tank/p -Recurse).Name | Should -Be @('tank/p', 'tank/p/q', 'tank/p/q/r')
    }

    It 'creates a sparse volume with a block size' {
        $v = New-ZDataset -Session $s tank/vol1 -VolumeSize 16M -Sparse -BlockSize 8K
        $v.Type | Should -Be 'Volume'
        $v.VolumeSize | Should -Be 16MB
        $v.VolumeBlockSize | Should -Be 8KB
    }

    It 'clones a snapshot' {
        New-ZDataset -Session $s tank/src | Out-Null
        New-ZSnapshot -Session $s tank/src@base | Out-Null
        $c = New-ZDataset -Session $s tank/clone1 -FromSnapshot tank/src@base
        $c.Origin | Should -Be 'tank/src@base'
    }

    It 'refuses a clone of a missing snapshot, naming it' {
        $r = Invoke-Captured { New-ZDataset -Session $s tank/clone2 -FromSnapshot tank/src@nope }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/clone2'
        Get-ZDataset -Session $s tank/clone2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses invalid names: <Name>' -ForEach @(
        @{ Name = 'tank/bad@name' }
        @{ Name = 'tank//double' }
        @{ Name = 'tank/sp*ace' }
        @{ Name = 'tank/' + ('x' * 260) }
    ) {
        $r = Invoke-Captured { New-ZDataset -Session $s $Name }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors[0].FullyQualifiedErrorId | Should -Match '^DatasetName(Invalid|TooLong),'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $r.Errors[0].TargetObject | Should -Be $Name
    }

    It 'refuses a duplicate name' {
        $r = Invoke-Captured { New-ZDataset -Session $s tank/fs1 }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetExists,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $r.Errors[0].TargetObject | Should -Be 'tank/fs1'
    }

    It 'refuses a missing parent without -Parents' {
        $r = Invoke-Captured { New-ZDataset -Session $s tank/missing/child }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ParentNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-ZDataset -Session $s tank/missing -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'creates nothing with -WhatIf' {
        New-ZDataset -Session $s tank/whatif -WhatIf | Should -BeNullOrEmpty
        Get-ZDataset -Session $s tank/whatif -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Get-ZDataset' {
    BeforeAll {
        $s = New-ZTestHost
        'tank/a', 'tank/a/b', 'tank/a/b/c', 'tank/z' | ForEach-Object { New-ZDataset -Session $s $_ } | Out-Null
        New-ZDataset -Session $s tank/v -VolumeSize 8M | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'lists everything without a name' {
        (Get-ZDataset -Session $s).Name | Should -Be @('tank', 'tank/a', 'tank/a/b', 'tank/a/b/c', 'tank/v', 'tank/z')
    }

    It 'filters by wildcard silently' {
        (Get-ZDataset -Session $s 'tank/a*').Name | Should -Be @('tank/a', 'tank/a/b', 'tank/a/b/c')
        Get-ZDataset -Session $s 'tank/nomatch*' | Should -BeNullOrEmpty
    }

    It 'recurses and limits depth' {
        (Get-ZDataset -Session $s tank/a -Recurse).Name | Should -Be @('tank/a', 'tank/a/b', 'tank/a/b/c')
        (Get-ZDataset -Session $s tank/a -Depth 1).Name | Should -Be @('tank/a', 'tank/a/b')
        (Get-ZDataset -Session $s tank/a).Name | Should -Be 'tank/a'
    }

    It 'filters by type' {
        (Get-ZDataset -Session $s -Type Volume).Name | Should -Be 'tank/v'
        (Get-ZDataset -Session $s tank -Recurse -Type FileSystem).Name | Should -Not -Contain 'tank/v'
    }

    It 'lists a pool''s datasets by -PoolName and from piped pools' {
        (Get-ZDataset -Session $s -PoolName tank).Count | Should -Be 6
        $pool = (Get-ZTestStorage $s).GetPools([Threading.CancellationToken]::None) | Where-Object Name -eq tank
        ($pool | Get-ZDataset -Session $s).Count | Should -Be 6
    }

    It 'accepts its own output through the pipeline' {
        (Get-ZDataset -Session $s tank/a | Get-ZDataset -Recurse).Name | Should -Be @('tank/a', 'tank/a/b', 'tank/a/b/c')
    }

    It 'writes ObjectNotFound for a literal name that does not exist, and goes on' {
        $r = Invoke-Captured { Get-ZDataset -Session $s tank/nope, tank/z }
        $r.Output.Name | Should -Be 'tank/z'
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'tank/nope'
    }

    It 'writes ObjectNotFound for a pool that does not exist' {
        $r = Invoke-Captured { Get-ZDataset -Session $s -PoolName nopool }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ZPoolNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'nopool'
    }

    It 'formats sizes the way zfs list does' {
        $text = Get-ZDataset -Session $s tank/a | Out-String
        $text | Should -Match 'tank/a\s+FileSystem\s+[\d.]+[KMG]?\s'
    }
}

Describe 'Set-ZDataset' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/set | Out-Null
        New-ZDataset -Session $s tank/vol -VolumeSize 8M | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'sets typed properties and outputs only with -PassThru' {
        Set-ZDataset -Session $s tank/set -Compression gzip-9 -Quota 64M -RecordSize 16K -Atime $false -Copies 2 | Should -BeNullOrEmpty
        $d = Set-ZDataset -Session $s tank/set -ReadOnly $true -Checksum sha256 -RefQuota 32M -Reservation 1M -RefReservation 1M -PassThru
        $d.Compression | Should -Be 'gzip-9'
        $d.Quota | Should -Be 64MB
        $d.RefQuota | Should -Be 32MB
        $d.Reservation | Should -Be 1MB
        $d.RefReservation | Should -Be 1MB
        $d.RecordSize | Should -Be 16KB
        $d.Copies | Should -Be 2
        $d.ReadOnly | Should -BeTrue
        $d.Checksum | Should -Be 'sha256'
        (Get-ZDatasetProperty -Session $s tank/set atime).Value | Should -Be 'off'
    }

    It 'removes a quota with 0' {
        Set-ZDataset -Session $s tank/set -Quota 0
        (Get-ZDataset -Session $s tank/set).Quota | Should -BeNullOrEmpty
    }

    It 'sets user properties and any property through -Property' {
        Get-ZDataset -Session $s tank/set | Set-ZDataset -Property @{ 'com.example:tier' = 'gold'; mountpoint = '/export/set' }
        (Get-ZDatasetProperty -Session $s tank/set 'com.example:tier').Value | Should -Be 'gold'
        (Get-ZDataset -Session $s tank/set).MountPoint | Should -Be '/export/set'
    }

    It 'grows a volume' {
        (Set-ZDataset -Session $s tank/vol -VolumeSize 16M -PassThru).VolumeSize | Should -Be 16MB
    }

    It 'refuses a bad value with the engine''s error' {
        $r = Invoke-Captured { Set-ZDataset -Session $s tank/set -Compression nonsense }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PropertyBadValue,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $r.Errors[0].TargetObject | Should -Be 'tank/set'
        (Get-ZDataset -Session $s tank/set).Compression | Should -Be 'gzip-9'
    }

    It 'refuses to be called without a change' {
        { Set-ZDataset -Session $s tank/set -ErrorAction Stop } | Should -Throw -ErrorId 'NoPropertyGiven,*'
    }

    It 'changes nothing with -WhatIf' {
        Set-ZDataset -Session $s tank/set -Compression lz4 -WhatIf
        (Get-ZDataset -Session $s tank/set).Compression | Should -Be 'gzip-9'
    }

    It 'promotes a clone, reversing the dependency' {
        New-ZDataset -Session $s tank/orig | Out-Null
        New-ZSnapshot -Session $s tank/orig@s | Out-Null
        New-ZDataset -Session $s tank/cl -FromSnapshot tank/orig@s | Out-Null
        $r = Invoke-Captured { Set-ZDataset -Session $s tank/cl -Promote -PassThru }
        if ($r.Errors.Count -and $r.Errors[0].FullyQualifiedErrorId -like 'StorageNotImplemented,*') {
            Set-ItResult -Skipped -Because 'the storage engine does not implement promote yet'
            return
        }
        $r.Errors | Should -BeNullOrEmpty
        $r.Output[0].Origin | Should -BeNullOrEmpty
        (Get-ZDataset -Session $s tank/orig).Origin | Should -Be 'tank/cl@s'
    }
}

Describe 'Get-ZDatasetProperty and Clear-ZDatasetProperty' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/parent -Property @{ compression = 'gzip' } | Out-Null
        New-ZDataset -Session $s tank/parent/child -Property @{ compression = 'lz4' } | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'returns Name, Property, Value and Source' {
        $p = Get-ZDatasetProperty -Session $s tank/parent/child compression
        $p.Name | Should -Be 'tank/parent/child'
        $p.Property | Should -Be 'compression'
        $p.Value | Should -Be 'lz4'
        $p.Source | Should -Be 'Local'
    }

    It 'selects by wildcard and by source, recursively' {
        $used = Get-ZDatasetProperty -Session $s tank/parent 'used*'
        $used.Property | Should -Contain 'usedbysnapshots'
        $local = Get-ZDatasetProperty -Session $s tank/parent -Recurse -Source Local
        ($local | Where-Object Property -eq compression).Name | Should -Be @('tank/parent', 'tank/parent/child')
    }

    It 'writes ObjectNotFound for an unknown literal property' {
        $r = Invoke-Captured { Get-ZDatasetProperty -Session $s tank/parent nosuchprop }
        $r.Errors[0].CategoryInfo.Category | Should -Match 'ObjectNotFound|InvalidArgument'
        $r.Errors[0].TargetObject | Should -Not -BeNullOrEmpty
    }

    It 'clears a local value so it is inherited again' {
        Clear-ZDatasetProperty -Session $s tank/parent/child compression -WhatIf
        (Get-ZDatasetProperty -Session $s tank/parent/child compression).Source | Should -Be 'Local'
        $d = Clear-ZDatasetProperty -Session $s tank/parent/child compression -PassThru
        $d.Compression | Should -Be 'gzip'
        $p = Get-ZDatasetProperty -Session $s tank/parent/child compression
        $p.Source | Should -Be 'Inherited'
        $p.InheritedFrom | Should -Be 'tank/parent'
    }

    It 'clears recursively' {
        Set-ZDataset -Session $s tank/parent/child -Property @{ 'com.example:x' = '1' }
        Set-ZDataset -Session $s tank/parent -Property @{ 'com.example:x' = '2' }
        Clear-ZDatasetProperty -Session $s tank/parent 'com.example:x' -Recurse
        Get-ZDatasetProperty -Session $s tank/parent -Recurse -Source Local | Where-Object Property -eq 'com.example:x' | Should -BeNullOrEmpty
    }

    It 'refuses a property that cannot be inherited' {
        $r = Invoke-Captured { Clear-ZDatasetProperty -Session $s tank/parent used }
        $r.Errors[0].FullyQualifiedErrorId | Should -Match '^(PropertyNotInheritable|PropertyReadOnly),'
        $r.Errors[0].TargetObject | Should -Be 'tank/parent'
    }
}

Describe 'Temporary property values (Set-ZDataset -Temporary, Clear-ZDatasetProperty -Temporary)' {
    BeforeAll {
        $dir = Join-Path ([IO.Path]::GetTempPath()) ('illumos-temp-props-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $s = New-IllumosSession -Path $dir
        $disk = Join-Path $dir 'tp.img'
        New-ZPool -Session $s tp $disk -DeviceSize 128MB | Out-Null
        New-ZDataset -Session $s tp/fs | Out-Null
        New-ZDataset -Session $s tp/fs/child | Out-Null
        New-ZDataset -Session $s tp/vol -VolumeSize 4M | Out-Null
        New-PSDrive -Name tpd -PSProvider ZFS -Root tp/fs -Session $s | Out-Null
        Set-Content tpd:/a.txt 'alpha'
    }
    AfterAll {
        Remove-PSDrive tpd -ErrorAction SilentlyContinue
        Get-IllumosSession | Where-Object { $_.HostDirectory -eq $dir } | Remove-IllumosSession -Confirm:$false
        Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'a temporary readonly refuses writes through the provider, shows as Temporary, and leaves children alone' {
        Set-ZDataset -Session $s tp/fs -ReadOnly $true -Temporary | Should -BeNullOrEmpty
        $p = Get-ZDatasetProperty -Session $s tp/fs readonly
        $p.Value | Should -Be 'on'
        $p.Source | Should -Be 'Temporary'
        $p.SourceText | Should -Be 'temporary'
        (Get-ZDataset -Session $s tp/fs).ReadOnly | Should -BeTrue
        (Get-ZDatasetProperty -Session $s tp/fs -Source Temporary).Property | Should -Be 'readonly'
        $r = Invoke-Captured { Set-Content tpd:/b.txt 'beta' }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetReadOnly,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        Test-Path tpd:/b.txt | Should -BeFalse
        $c = Get-ZDatasetProperty -Session $s tp/fs/child readonly
        $c.Value | Should -Be 'off'
        $c.Source | Should -Be 'Default'
        Set-Content tpd:/child/c.txt 'child'
    }

    It 'Clear-ZDatasetProperty -Temporary drops it and the stored value applies again; -PassThru outputs the dataset' {
        $d = Clear-ZDatasetProperty -Session $s tp/fs readonly -Temporary -PassThru
        $d.ReadOnly | Should -BeFalse
        (Get-ZDatasetProperty -Session $s tp/fs readonly).Source | Should -Be 'Default'
        Set-Content tpd:/b.txt 'beta'
        Get-Content tpd:/b.txt | Should -Be 'beta'
    }

    It 'a temporary atime=off stops access time updates; without it a read updates the access time' {
        $before = (Get-Item tpd:/a.txt).AccessTime
        Start-Sleep -Milliseconds 50
        Get-Content tpd:/a.txt | Should -Be 'alpha'
        $read = (Get-Item tpd:/a.txt).AccessTime
        $read | Should -BeGreaterThan $before
        Set-ZDataset -Session $s tp/fs -Property @{ atime = 'off' } -Temporary
        Start-Sleep -Milliseconds 50
        Get-Content tpd:/a.txt | Out-Null
        (Get-Item tpd:/a.txt).AccessTime | Should -Be $read
        Clear-ZDatasetProperty -Session $s tp/fs atime -Temporary
    }

    It 'zfs set of the same property replaces the temporary value' {
        Set-ZDataset -Session $s tp/fs -Property @{ exec = 'off' } -Temporary
        Set-ZDataset -Session $s tp/fs -Property @{ exec = 'off' }
        (Get-ZDatasetProperty -Session $s tp/fs exec).Source | Should -Be 'Local'
        Clear-ZDatasetProperty -Session $s tp/fs exec
        (Get-ZDatasetProperty -Session $s tp/fs exec).Value | Should -Be 'on'
    }

    It 'is forgotten at export and import' {
        Set-ZDataset -Session $s tp/fs -ReadOnly $true -Temporary
        Export-ZPool -Session $s tp
        Import-ZPool -Session $s tp -SearchPath $dir
        $p = Get-ZDatasetProperty -Session $s tp/fs readonly
        $p.Value | Should -Be 'off'
        $p.Source | Should -Be 'Default'
    }

    It 'refuses a property that cannot be temporary, and sets none of the others given with it' {
        $r = Invoke-Captured { Set-ZDataset -Session $s tp/fs -Temporary -Property @{ compression = 'off'; atime = 'off' } }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PropertyNotTemporary,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $r.Errors[0].TargetObject | Should -Be 'tp/fs'
        $r.Errors[0].Exception.Message | Should -Match 'mount-option'
        (Get-ZDatasetProperty -Session $s tp/fs atime).Source | Should -Be 'Default'
        (Get-ZDatasetProperty -Session $s tp/fs compression).Source | Should -Be 'Default'
    }

    It 'refuses a value a mount option cannot give' {
        $r = Invoke-Captured { Set-ZDataset -Session $s tp/fs -Temporary -Property @{ xattr = 'sa' } }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PropertyBadValue,*'
        (Get-ZDatasetProperty -Session $s tp/fs xattr).Source | Should -Be 'Default'
    }

    It 'refuses a volume, which is not mounted' {
        $r = Invoke-Captured { Set-ZDataset -Session $s tp/vol -ReadOnly $true -Temporary }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PropertyNotTemporary,*'
        $r.Errors[0].TargetObject | Should -Be 'tp/vol'
        (Get-ZDatasetProperty -Session $s tp/vol readonly).Source | Should -Be 'Default'
    }

    It 'refuses -Temporary without a property, and Clear-ZDatasetProperty -Temporary with -Received' {
        { Set-ZDataset -Session $s tp/fs -Temporary -ErrorAction Stop } | Should -Throw -ErrorId 'NoPropertyGiven,*'
        { Clear-ZDatasetProperty -Session $s tp/fs atime -Temporary -Received -ErrorAction Stop } | Should -Throw -ErrorId 'TemporaryWithReceived,*'
        $r = Invoke-Captured { Clear-ZDatasetProperty -Session $s tp/fs compression -Temporary }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'PropertyNotTemporary,*'
    }

    It 'changes nothing with -WhatIf, and says it is temporary' {
        Set-ZDataset -Session $s tp/fs -ReadOnly $true -Temporary -WhatIf
        (Get-ZDatasetProperty -Session $s tp/fs readonly).Source | Should -Be 'Default'
        Get-WhatIfText { Set-ZDataset -Session $s tp/fs -ReadOnly $true -Temporary -WhatIf } | Should -Match 'temporarily'
    }

    It 'is forgotten when the session closes, and was never stored' {
        Set-ZDataset -Session $s tp/fs -Property @{ setuid = 'off' } -Temporary
        (Get-ZDatasetProperty -Session $s tp/fs setuid).Source | Should -Be 'Temporary'
        Remove-PSDrive tpd
        Remove-IllumosSession $s -Confirm:$false
        $s2 = New-IllumosSession -Path $dir
        $p = Get-ZDatasetProperty -Session $s2 tp/fs setuid
        $p.Value | Should -Be 'on'
        $p.Source | Should -Be 'Default'
    }
}

Describe 'Rename-ZDataset' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/old/kid -Parents | Out-Null
        New-ZDataset -Session $s tank/other | Out-Null
    }
    AfterAll { Remove-IllumosSession $s -Confirm:$false }

    It 'renames with its children, output only with -PassThru' {
        Rename-ZDataset -Session $s tank/old tank/new | Should -BeNullOrEmpty
        (Get-ZDataset -Session $s tank/new -Recurse).Name | Should -Be @('tank/new', 'tank/new/kid')
        Get-ZDataset -Session $s tank/old -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        (Get-ZDataset -Session $s tank/new | Rename-ZDataset -NewName tank/deep/er -Parents -PassThru).Name | Should -Be 'tank/deep/er'
    }

    It 'refuses a name that exists' {
        $r = Invoke-Captured { Rename-ZDataset -Session $s tank/other tank/deep/er }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetExists,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $r.Errors[0].TargetObject | Should -Be 'tank/other'
    }

    It 'changes nothing with -WhatIf' {
        Rename-ZDataset -Session $s tank/other tank/other2 -WhatIf
        (Get-ZDataset -Session $s tank/other).Name | Should -Be 'tank/other'
    }
}

Describe 'Remove-ZDataset' {
    BeforeEach {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/home/alice -Parents | Out-Null
        New-ZSnapshot -Session $s tank/home@snap | Out-Null
    }
    AfterEach { Remove-IllumosSession $s -Confirm:$false }

    It 'refuses a dataset with children without -Recurse, changing nothing' {
        $r = Invoke-Captured { Remove-ZDataset -Session $s tank/home -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetHasChildren,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $r.Errors[0].TargetObject | Should -Be 'tank/home'
        (Get-ZDataset -Session $s tank/home -Recurse).Count | Should -Be 2
    }

    It '-WhatIf lists everything that would go and destroys nothing' {
        $out = Get-WhatIfText { Remove-ZDataset -Session $s tank/home -Recurse -WhatIf }
        $out | Should -Match 'tank/home/alice'
        $out | Should -Match 'tank/home@snap'
        (Get-ZDataset -Session $s tank/home -Recurse).Count | Should -Be 2
        (Get-ZSnapshot -Session $s -DatasetName tank/home).Name | Should -Be 'tank/home@snap'
    }

    It 'destroys recursively' {
        Remove-ZDataset -Session $s tank/home -Recurse -Confirm:$false | Should -BeNullOrEmpty
        (Get-ZDataset -Session $s).Name | Should -Be 'tank'
    }

    It 'refuses a dataset whose snapshot has a clone without -RecurseDependents' {
        New-ZDataset -Session $s tank/cl -FromSnapshot tank/home@snap | Out-Null
        $r = Invoke-Captured { Remove-ZDataset -Session $s tank/home -Recurse -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotHasClones,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        (Get-ZDataset -Session $s tank/cl).Name | Should -Be 'tank/cl'
        Remove-ZDataset -Session $s tank/home -RecurseDependents -Confirm:$false
        Get-ZDataset -Session $s tank/cl -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'takes piped datasets and reports a missing one' {
        Get-ZDataset -Session $s tank/home/alice | Remove-ZDataset -Confirm:$false
        Get-ZDataset -Session $s tank/home/alice -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $r = Invoke-Captured { Remove-ZDataset -Session $s tank/ghost -Confirm:$false }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'DatasetNotFound,*'
        $r.Errors[0].TargetObject | Should -Be 'tank/ghost'
    }
}

Describe 'Argument completion' {
    BeforeAll {
        $s = New-ZTestHost
        New-ZDataset -Session $s tank/complete/me -Parents | Out-Null
        New-ZSnapshot -Session $s tank/complete@snap1 | Out-Null
        $global:ZCompletionSession = $s
    }
    AfterAll {
        Remove-Variable ZCompletionSession -Scope Global -ErrorAction SilentlyContinue
        Remove-IllumosSession $s -Confirm:$false
    }

    It 'completes dataset names from the session on the command line' {
        $line = 'Get-ZDataset -Session $global:ZCompletionSession -Name tank/comp'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be @('tank/complete', 'tank/complete/me')
    }

    It 'completes snapshot names once the dataset is typed' {
        $line = 'Remove-ZSnapshot -Session $global:ZCompletionSession -Name tank/complete@'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Be 'tank/complete@snap1'
    }

    It 'completes property names' {
        $line = 'Get-ZDatasetProperty tank -Property compr'
        $r = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $r.CompletionMatches.CompletionText | Should -Contain 'compression'
        $r.CompletionMatches.CompletionText | Should -Contain 'compressratio'
    }
}
