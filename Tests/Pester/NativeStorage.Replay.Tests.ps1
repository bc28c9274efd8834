# The storage cmdlets against native-host replay sessions built from real command outputs
# (../shared/fixtures/illumos-outputs, see FORMATS.md there). Each recording uses exactly the command
# line NativeStorage documents for the call; the folders are built under $TestDrive at test time.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $shared = Get-SharedFolder
    $script:NoFixtures = -not ($shared -and (Test-Path (Join-Path $shared 'fixtures/illumos-outputs/FORMATS.md')))
    $script:SkipReason = 'the shared fixtures folder (../shared/fixtures/illumos-outputs) is absent'
    if ($NoFixtures) { Write-Warning "NativeStorage replay tests skipped: $SkipReason." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'NativeStorageReplay.psm1') -Force
    Import-IllumosModule
    $script:Fixtures = Initialize-ReplayFixtures (Get-SharedFolder)

    # The field lists NativeStorage asks for (its doc comments name them; the engine holds the lists).
    $script:PoolFields = 'name', 'guid', 'health', 'size', 'allocated', 'free', 'capacity', 'fragmentation', 'dedupratio', 'expandsize', 'checkpoint', 'altroot'
    $script:DatasetFields = [Illumos.Engine.Native.Parsers.ZfsListParser]::DatasetFields
    $script:SnapshotFields = [Illumos.Engine.Native.Parsers.ZfsListParser]::SnapshotFields
    $script:ZpoolList = 'zpool list -Hp -o ' + ($PoolFields -join ',')
    $script:ZfsListDatasets = 'zfs list -Hp -o ' + ($DatasetFields -join ',') + ' -t filesystem,volume'
    $script:ZfsListSnapshots = 'zfs list -Hp -o ' + ($SnapshotFields -join ',') + ' -t snapshot'

    function Open-Replay {
        param([object[]] $Recordings, [string] $Flavor = 'illumos')
        $dir = New-ReplayFolder -Root $TestDrive -Flavor $Flavor -Recordings $Recordings
        $script:ReplayDir = $dir
        New-IllumosSession -Replay $dir
    }

    # zpool list rows for the pools a zpool status sample shows (their names and states), so that the
    # pool cmdlets, which list pools first, select them.
    function PoolRowOf([string] $statusText) {
        $rows = foreach ($m in [regex]::Matches($statusText, '(?m)^\s*pool:\s*(\S+)\s*\n\s*state:\s*(\S+)')) {
            "$($m.Groups[1].Value)`t$($m.Groups[2].Value)"
        }
        ConvertTo-FieldRows -Text ($rows -join "`n") -From name, health -To $PoolFields
    }
}

AfterAll {
    Get-IllumosSession | Where-Object Kind -eq 'Native' | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'Native storage on an illumos replay (real outputs)' -Skip:$NoFixtures {

    Context 'Get-ZPool' {
        BeforeAll {
            $hp = 'name', 'health', 'size', 'alloc', 'free', 'fragmentation', 'capacity', 'dedupratio'
            $rows = (ConvertTo-FieldRows -Text (Read-Fixture 'zpool-list-Hp-freebsd14.txt') -From $hp -To $PoolFields) +
                    (ConvertTo-FieldRows -Text ((Read-Fixture 'zpool-list-Hp-freenas-old-suffixes.txt') -split "`n" | Where-Object { $_ -like 'red1*' } | Out-String) -From $hp -To $PoolFields) +
                    (ConvertTo-FieldRows -Text (Read-Fixture 'zpool-list-Hp-unavail-pool-dashes.txt') -From $hp -To $PoolFields)
            $script:s = Open-Replay @(
                @{ Command = $ZpoolList; StdOut = $rows }
                @{ Command = 'zpool import'; StdOut = (Read-Fixture 'zpool-import-multiple-pools.txt') }
                @{ Command = 'zpool import -d /vdevs/import'; StdOut = (Read-Fixture 'zpool-import-unavail-missing-device.txt') }
                @{ Command = 'zpool import -d /nothing/here'; Exit = 1; StdErr = 'no pools available to import' }
            )
        }

        It 'lists the pools with sizes, capacity and health from zpool list -Hp' {
            $p = Get-ZPool -Session $s
            $p.Name | Should -Be 'zroot', 'red1', 'temp2'
            $p[0].Health | Should -Be 'ONLINE'
            $p[0].Size | Should -Be 67108864000
            $p[0].Allocated | Should -Be 11959578624
            $p[0].Free | Should -Be 55149285376
            $p[0].Capacity | Should -Be 17
            $p[0].Fragmentation | Should -Be 4
            $p[0].DedupRatio | Should -Be 1.0
        }

        It "strips the old '%' and 'x' suffixes of -p output" {
            $red = Get-ZPool -Session $s -Name red1
            $red.Fragmentation | Should -Be 8
            $red.Capacity | Should -Be 12
            $red.DedupRatio | Should -Be 1.83
            $red.Size | Should -Be 8933531975680
        }

        It 'keeps the UNAVAIL pool whose fields are all dashes' {
            $t = Get-ZPool -Session $s -Name temp2
            $t.Health | Should -Be 'UNAVAIL'
            $t.Size | Should -Be 0
            $t.Fragmentation | Should -BeNullOrEmpty
            @(Get-ZPool -Session $s -Health UNAVAIL).Name | Should -Be 'temp2'
        }

        It 'lists importable pools with -ListAvailable (zpool import)' {
            $a = Get-ZPool -Session $s -ListAvailable
            $a.Name | Should -Be 'naked_test', 'naked_test2'
            $a[0].Guid | Should -Be 3364973538352047455
            $a[0].State | Should -Be 'ONLINE'
            $a[0].Devices | Should -Be '/vdevs/import/vdev0', '/vdevs/import/vdev1'
        }

        It 'an importable pool that is UNAVAIL keeps its state, reason and message' {
            $a = Get-ZPool -Session $s -ListAvailable -SearchPath /vdevs/import
            $a.Name | Should -Be 'naked_test'
            $a.State | Should -Be 'UNAVAIL'
            $a.Status | Should -BeLike 'One or more devices are missing from the system.*'
            $a.Status | Should -BeLike '*Additional devices are known to be part of this pool, though their exact configuration cannot be determined.'
            $a.Action | Should -BeLike 'The pool cannot be imported. Attach the missing*devices and try again.'
            $a.Config.Note | Should -Be 'missing device'
        }

        It '"no pools available" is an empty list, not an error' {
            $err = $null
            Get-ZPool -Session $s -ListAvailable -SearchPath /nothing/here -ErrorVariable err | Should -BeNullOrEmpty
            $err | Should -BeNullOrEmpty
        }

        It 'a command nothing recorded is a ReplayNoMatch error naming it' {
            $err = $null
            Get-ZPoolHistory -Session $s -Name zroot -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err | Should -Not -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ReplayNoMatch*'
            $err[0].Exception.Message | Should -BeLike '*zpool history -l zroot*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Get-ZPoolStatus and Test-ZPool' {
        BeforeAll {
            $unavail = Read-Fixture 'zpool-status-unavail-permanent-errors-solaris.txt'
            $cache = Read-Fixture 'zpool-status-cache-and-logs.txt'
            $spare = Read-Fixture 'zpool-status-spare-inuse-faulted-resilvered.txt'
            $scrub = Read-Fixture 'zpool-status-mirror-scrub-done-illumos.txt'
            $script:ScrubText = $scrub
            $script:s = Open-Replay @(
                @{ Command = $ZpoolList; StdOut = ((PoolRowOf $unavail) + (PoolRowOf $cache) + (PoolRowOf $spare) + (PoolRowOf $scrub)) }
                @{ Command = 'zpool status -P -p tank'; StdOut = $unavail }
                @{ Command = 'zpool status -P -p -v tank'; StdOut = $unavail }
                @{ Command = 'zpool status -P -p hell'; StdOut = $cache }
                @{ Command = 'zpool status -P -p -v hell'; StdOut = $cache }
                @{ Command = 'zpool status -P -p sparepool'; StdOut = $spare }
                @{ Command = 'zpool status -P -p -v sparepool'; StdOut = $spare }
                @{ Command = ('zpool status -P -p ' + [regex]::Match($scrub, '(?m)^\s*pool:\s*(\S+)').Groups[1].Value); StdOut = $scrub }
            )
            $script:ScrubPool = [regex]::Match($scrub, '(?m)^\s*pool:\s*(\S+)').Groups[1].Value
        }

        It 'reads the UNAVAIL pool: vdev states, error counters and notes' {
            $st = Get-ZPoolStatus -Session $s -Name tank
            $st.PoolName | Should -Be 'tank'
            $st.State | Should -Be 'UNAVAIL'
            $st.See | Should -Be 'http://www.sun.com/msg/ZFS-8000-HC'
            $st.Config.State | Should -Be 'UNAVAIL'
            $st.Config.Note | Should -Be 'insufficient replicas'
            $st.Config.Children.Name | Should -Be 'c1t0d0', 'c1t1d0'
            $bad = $st.Config.Children[1]
            ($bad.State, $bad.ReadErrors, $bad.WriteErrors, $bad.ChecksumErrors, $bad.Note) | Should -Be 'UNAVAIL', 4, 1, 0, 'cannot open'
        }

        It 'reads the old " scrub:" line as a finished scrub' {
            $scan = (Get-ZPoolStatus -Session $s -Name tank).Scan
            $scan.Function | Should -Be 'Scrub'
            $scan.State | Should -Be 'Finished'
            $scan.Errors | Should -Be 0
        }

        It 'lists the permanent errors only with -Verbose (zpool status -v)' {
            $v = Get-ZPoolStatus -Session $s -Name tank -Verbose 4>&1
            $st = $v | Where-Object { $_ -is [Illumos.Engine.Storage.ZPoolStatus] }
            $st.Errors.Path | Should -Be '/tank/data/aaa', '/tank/data/bbb', '/tank/data/ccc'
            $st.ErrorCount | Should -Be 3
            @($v | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'tank: permanent error in*' }).Count | Should -Be 3
        }

        It 'sends -v only with -Verbose' {
            # Only the -v form is answered; the plain form is a recorded failure.
            $v = Read-Fixture 'zpool-status-unavail-permanent-errors-solaris.txt'
            $only = Open-Replay @(
                @{ Command = $ZpoolList; StdOut = (PoolRowOf $v) }
                @{ Command = 'zpool status -P -p -v tank'; StdOut = $v }
                @{ Command = 'zpool status -P -p tank'; Exit = 2; StdErr = 'replay: the plain form is not expected here' }
            )
            (Get-ZPoolStatus -Session $only -Name tank -Verbose 4>$null).ErrorCount | Should -Be 3
            $err = $null
            Get-ZPoolStatus -Session $only -Name tank -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].Exception.Message | Should -BeLike '*the plain form is not expected here*'
        }

        It 'puts logs and cache devices in their sections' {
            $st = Get-ZPoolStatus -Session $s -Name hell
            $st.State | Should -Be 'ONLINE'
            $st.Scan.State | Should -Be 'None'
            $logs = $st.Config.Children | Where-Object Class -eq 'Log'
            $logs.Name | Should -Be 'mirror-1'
            $logs.Children.Name | Should -Be '/vdevs/vdev1', '/vdevs/vdev2'
            ($st.Config.Children | Where-Object Class -eq 'Cache').Name | Should -Be 'md1'
            ($st.Config.Children | Where-Object Class -eq 'Normal').Name | Should -Be '/vdevs/vdev0'
        }

        It 'reads a spare in use, a FAULTED disk with an abbreviated counter and the resilver figures' {
            $st = Get-ZPoolStatus -Session $s -Name sparepool
            $st.State | Should -Be 'DEGRADED'
            $raidz = $st.Config.Children | Where-Object Name -eq 'raidz1-0'
            $spare0 = $raidz.Children | Where-Object Name -eq 'spare-0'
            $faulted = $spare0.Children | Where-Object Name -eq 'wwn-0x500000000000000a'
            $faulted.State | Should -Be 'FAULTED'
            $faulted.WriteErrors | Should -Be 4209     # 4.11K: 4.11 * 1024 = 4208.64, rounded
            $faulted.Note | Should -Be 'too many errors'
            $spares = $st.Config.Children | Where-Object Class -eq 'Spare'
            $spares.Name | Should -Be 'wwn-0x500000000000000d'
            $spares.State | Should -Be 'INUSE'
            $st.Scan.Function | Should -Be 'Resilver'
            $st.Scan.State | Should -Be 'Finished'
            $st.Scan.Repaired | Should -Be (5GB)
        }

        It 'Test-ZPool is false while a pool is unhealthy, and -Detailed names those pools' {
            Test-ZPool -Session $s -Name tank, sparepool | Should -BeFalse
            Test-ZPool -Session $s -Name $ScrubPool | Should -BeTrue
            (Test-ZPool -Session $s -Name tank, hell -Detailed).PoolName | Should -Be 'tank'
        }
    }

    Context 'scan figures, device notes and sections' {
        BeforeAll {
            $texts = @{}
            foreach ($f in 'zpool-status-mirror-scrub-done-illumos.txt', 'zpool-status-scrub-in-progress-omnios.txt',
                           'zpool-status-resilver-in-progress-no-eta-omnios.txt', 'zpool-status-degraded-offline-was-path.txt',
                           'zpool-status-scrub-canceled-omnios.txt') {
                $t = Read-Fixture $f
                $texts[[regex]::Match($t, '(?m)^\s*pool:\s*(\S+)').Groups[1].Value] = $t
            }
            $rec = @(@{ Command = $ZpoolList; StdOut = (($texts.Values | ForEach-Object { PoolRowOf $_ }) -join '') })
            foreach ($k in $texts.Keys) { $rec += @{ Command = "zpool status -P -p $k"; StdOut = $texts[$k] } }
            $script:s = Open-Replay $rec
            $script:Pools = $texts.Keys
        }

        It 'the five samples are five different pools' {
            $Pools | Sort-Object | Should -Be 'big', 'fast', 'mypool', 'rpool', 'test'
        }

        It 'reads an illumos scrub that finished (old wording, no unit on repaired)' {
            $st = Get-ZPoolStatus -Session $s -Name mypool
            $st.Scan.Function | Should -Be 'Scrub'
            $st.Scan.State | Should -Be 'Finished'
            $st.Scan.Repaired | Should -Be 0
            $st.Scan.Errors | Should -Be 0
            $st.Scan.EndTime.ToString('yyyy-MM-dd HH:mm:ss') | Should -Be '2015-12-21 02:06:17'
            $st.Config.Children.Name | Should -Be 'mirror-0'
            $st.Config.Children[0].Type | Should -Be 'mirror'
            $st.Config.Children[0].Children.Name | Should -Be 'c2t0d0', 'c2t1d0'
        }

        It 'reads the three-line block of a scrub in progress with no estimate' {
            $scan = (Get-ZPoolStatus -Session $s -Name rpool).Scan
            $scan.Function | Should -Be 'Scrub'
            $scan.State | Should -Be 'Scanning'
            $scan.StartTime.ToString('yyyy-MM-dd HH:mm:ss') | Should -Be '2021-09-12 22:33:06'
            $scan.Examined | Should -Be ([uint64][math]::Round(11.4 * 1GB))
            $scan.Issued | Should -Be ([uint64][math]::Round(1.29 * 1MB))
            $scan.ToExamine | Should -Be ([uint64][math]::Round(65.8 * 1GB))
            $scan.PercentDone | Should -Be 0
            $scan.TimeRemaining | Should -BeNullOrEmpty
        }

        It 'reads a resilver in progress' {
            $st = Get-ZPoolStatus -Session $s -Name big
            $st.Scan.Function | Should -Be 'Resilver'
            $st.Scan.State | Should -Be 'Scanning'
            $st.Scan.ToExamine | Should -Be ([uint64][math]::Round(2.56 * 1TB))
            $st.Status | Should -BeLike 'One or more devices is currently being resilvered.*'
        }

        It 'reads an OFFLINE device shown by its GUID with "was /path"' {
            $st = Get-ZPoolStatus -Session $s -Name test
            $st.State | Should -Be 'DEGRADED'
            ($st.Config.ReadErrors, $st.Config.WriteErrors, $st.Config.ChecksumErrors) | Should -Be 1, 2, 3
            $off = $st.Config.Children[0].Children[0]
            $off.State | Should -Be 'OFFLINE'
            $off.Path | Should -Be '/vdevs/vdev0'
            $off.Guid | Should -Be 14808325297596192025
            $st.Scan.State | Should -Be 'None'
        }

        It 'reads a canceled scrub' {
            $scan = (Get-ZPoolStatus -Session $s -Name fast).Scan
            $scan.State | Should -Be 'Canceled'
            $scan.EndTime.ToString('yyyy-MM-dd HH:mm:ss') | Should -Be '2021-02-16 15:24:24'
        }

        It 'Test-ZPool: only the DEGRADED pool is unhealthy' {
            (Test-ZPool -Session $s -Detailed).PoolName | Should -Be 'test'
        }
    }

    Context 'more zpool status layouts' {
        BeforeAll {
            $special = Read-Fixture 'zpool-status-special-vdev.txt'
            $two = Read-Fixture 'zpool-status-two-pools-features-upgrade-freebsd.txt'
            $colons = Read-Fixture 'zpool-status-colons-in-vdev-names.txt'
            $script:s = Open-Replay @(
                @{ Command = $ZpoolList; StdOut = ((PoolRowOf $special) + (PoolRowOf $two) + (PoolRowOf $colons)) }
                @{ Command = 'zpool status -P -p tank'; StdOut = $special }
                @{ Command = 'zpool status -P -p z'; StdOut = $two }
                @{ Command = 'zpool status -P -p bootpool'; StdOut = $two }
                @{ Command = 'zpool status -P -p mypool'; StdOut = $colons }
            )
        }

        It 'lists the special allocation class and a pool never scrubbed' {
            $st = Get-ZPoolStatus -Session $s -Name tank
            $sp = $st.Config.Children | Where-Object Class -eq 'Special'
            $sp.Name | Should -Be 'mirror-1'
            $sp.Children.Path | Should -Be '/dev/vdd1', '/dev/vde1'
            ($st.Config.Children | Where-Object Class -eq 'Normal').Children.Path | Should -Be '/dev/vdb1', '/dev/vdc1'
            $st.Scan.State | Should -Be 'None'
        }

        It 'picks the asked pool out of a two-pool output, with multi-line status and "0 days" durations' {
            (Get-ZPool -Session $s).Name | Should -Be 'tank', 'bootpool', 'z', 'mypool'
            $z = Get-ZPoolStatus -Session $s -Name z
            $z.PoolName | Should -Be 'z'
            $z.Config.Children.Name | Should -Be 'nvd0p4.eli'
            $z.Status | Should -Be 'Some supported features are not enabled on the pool. The pool can still be used, but some features are unavailable.'
            $z.Scan.State | Should -Be 'Finished'
            $z.Scan.EndTime.ToString('yyyy-MM-dd HH:mm:ss') | Should -Be '2017-11-28 11:32:55'
            $z.ErrorsText | Should -Be 'Pretend this is actual error'
            (Get-ZPoolStatus -Session $s -Name bootpool).Config.Children.Name | Should -Be 'nvd0p2'
        }

        It 'keeps device names with colons that overflow the NAME column' {
            $st = Get-ZPoolStatus -Session $s -Name mypool
            $st.Config.Children[0].Children.Name | Should -Be 'usb-WD_My_Book_Duo_25F6_....32-0:0', 'usb-WD_My_Book_Duo_25F6_....32-0:1'
            $st.Config.Children[0].Children.State | Should -Be 'ONLINE', 'ONLINE'
        }
    }

    Context 'pool properties and history' {
        BeforeAll {
            $ws = Read-Fixture 'zpool-get-H-comment-whitespace.txt'
            $script:s = Open-Replay @(
                @{ Command = $ZpoolList; StdOut = (ConvertTo-FieldRows -Text 'mypool' -From name -To $PoolFields) }
                @{ Command = 'zpool get -Hp -o name,property,value,source comment mypool'; StdOut = $ws }
                @{ Command = 'zpool history -l mypool'; StdOut = (Read-Fixture 'zpool-history-illumos.txt') }
                @{ Command = 'zpool iostat -v mypool'; StdOut = (Read-Fixture 'zpool-iostat-v-mirror-illumos.txt') }
            )
        }

        It 'Get-ZPoolProperty keeps a value with blanks whole (TAB is the only separator)' {
            $p = Get-ZPoolProperty -Session $s -Name mypool -Property comment
            $p.Property | Should -Be 'comment'
            $p.Value | Should -Be 'my testing pool'
            $p.Source | Should -Be 'None'
        }

        It 'Get-ZPoolHistory reads the illumos history lines' {
            $h = Get-ZPoolHistory -Session $s -Name mypool
            $h.Count | Should -Be 2
            $h[0].Command | Should -Be 'zpool create -f mypool /dev/rdsk/c0t0d0'
            $h[1].Command | Should -Be 'zpool attach -f mypool /dev/rdsk/c0t0d0 /dev/rdsk/c0t0d1'
            $h[0].Time.ToString('yyyy-MM-dd HH:mm:ss') | Should -Be '2018-01-18 16:56:12'
            $h[0].PoolName | Should -Be 'mypool'
        }

        It 'Get-ZPoolIOStat -Device reads the human iostat -v table (old "mirror" name, dashes for leaves)' {
            $io = Get-ZPoolIOStat -Session $s -Name mypool -Device
            $io.Device | Should -Be 'mypool', 'mirror', 'c2t0d0', 'c2t1d0'
            $io[0].Allocated | Should -Be ([uint64][math]::Round(46.7 * 1GB))
            $io[0].Free | Should -Be ([uint64][math]::Round(64.3 * 1GB))
            ($io[0].ReadOperations, $io[0].WriteOperations) | Should -Be 4, 19
            ($io[0].ReadBytes, $io[0].WriteBytes) | Should -Be (113KB), (331KB)
            $io[2].Allocated | Should -BeNullOrEmpty
            $io[2].Depth | Should -Be 2
        }
    }

    Context 'zfs error messages (zfs-errors-stderr.txt) become error categories' {
        BeforeAll {
            $lines = (Read-Fixture 'zfs-errors-stderr.txt') -split "`n"
            function MessageLike([string] $pattern) { $m = @($lines | Where-Object { $_ -like $pattern }); $m.Count | Should -Be 1; $m[0] }
            $snapRow = ConvertTo-FieldRows -Text 'myzpool/mydataset@baseline' -From name -To $SnapshotFields
            $script:s = Open-Replay @(
                @{ Command = "$ZfsListDatasets -d 0 myzpool/mydataset"; Exit = 1; StdErr = (MessageLike "cannot open 'myzpool/mydataset': dataset does not exist") }
                @{ Command = "$ZfsListSnapshots -d 1 -s createtxg myzpool/mydataset"; StdOut = $snapRow }
                @{ Command = 'zfs hold important myzpool/mydataset@baseline'; Exit = 1; StdErr = (MessageLike 'cannot hold snapshot*tag already exists*') }
                @{ Command = 'zfs release nosuchtag myzpool/mydataset@baseline'; Exit = 1; StdErr = (MessageLike 'cannot release hold*no such tag*') }
            )
        }

        It '"dataset does not exist" is ObjectNotFound' {
            $err = $null
            Get-ZDataset -Session $s -Name myzpool/mydataset -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NativeObjectNotFound,*'
        }

        It '"tag already exists" (zfs hold) is ResourceExists' {
            $err = $null
            Lock-ZSnapshot -Session $s -Name myzpool/mydataset@baseline -Tag important -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            $err[0].Exception.Message | Should -BeLike '*tag already exists on this dataset*'
        }

        It '"no such tag" (zfs release) is ObjectNotFound' {
            $err = $null
            Unlock-ZSnapshot -Session $s -Name myzpool/mydataset@baseline -Tag nosuchtag -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.Message | Should -BeLike '*no such tag on this dataset*'
        }
    }

    Context 'datasets, properties, snapshots and holds' {
        BeforeAll {
            $five = 'name', 'used', 'avail', 'refer', 'mountpoint'
            $tree = ConvertTo-FieldRows -Text (Read-Fixture 'zfs-list-Hp-name-used-avail-refer-mountpoint-smartos.txt') -From $five -To $DatasetFields
            $script:Vm = 'zones/f78f9208-9c26-47f7-9e03-881a96d17c04'
            $dataRow = ($tree -split "`n" | Where-Object { $_ -like "$Vm/data`t*" }) + "`n"
            $snaps = ConvertTo-FieldRows -Text (Read-Fixture 'zfs-list-Hp-t-snapshot-smartos.txt') -From $five -To $SnapshotFields
            $holds = Read-Fixture 'zfs-holds-H.txt'
            $script:s = Open-Replay @(
                @{ Command = "$ZfsListDatasets -r zones"; StdOut = $tree }
                @{ Command = "$ZfsListDatasets -d 0 $Vm/data"; StdOut = $dataRow }
                @{ Command = "$ZfsListDatasets -d 0 'zones/bad;name'"; StdOut = (ConvertTo-FieldRows -Text "zones/bad;name`tfilesystem" -From name, type -To $DatasetFields) }
                @{ Command = "$ZfsListDatasets -d 0 zones/nonexistent"; Exit = 1; StdErr = "cannot open 'zones/nonexistent': dataset does not exist" }
                @{ Command = "$ZfsListSnapshots -d 1 -s createtxg $Vm/data"; StdOut = $snaps }
                @{ Command = "zfs destroy -n -v -p -r $Vm"; StdOut = "destroy`t$Vm/data`ndestroy`t$Vm`n" }
                @{ Command = "$ZfsListDatasets -d 0 $Vm"; StdOut = (($tree -split "`n" | Where-Object { $_ -like "$Vm`t*" }) + "`n") }
                @{ Command = 'zfs get -Hp -o name,property,value,source all z/usr/home'; StdOut = (Read-Fixture 'zfs-get-Hp-all-filesystem-freebsd.txt') }
                @{ Command = "$ZfsListDatasets -d 0 z/usr/home"; StdOut = (ConvertTo-FieldRows -Text "z/usr/home`tfilesystem`t/usr/home" -From name, type, mountpoint -To $DatasetFields) }
                @{ Command = "$ZfsListSnapshots -d 1 -s createtxg myzpool/mydataset"; StdOut = (ConvertTo-FieldRows -Text (($holds -split "`n")[0] -split "`t")[0] -From name -To $SnapshotFields) }
                @{ Command = 'zfs holds -H myzpool/mydataset@baseline'; StdOut = $holds }
                @{ Command = "$ZfsListDatasets -r zata"; StdOut = (ConvertTo-FieldRows -Text (Read-Fixture 'zfs-list-Hp-o-name-avail-used-usedsnap-usedds.txt') -From name, available, used, usedbysnapshots, usedbydataset -To $DatasetFields) }
                @{ Command = 'zfs destroy -n -v -p zata/home'; Exit = 1; StdErr = "cannot destroy 'zata/home': filesystem has children`nuse '-r' to destroy the following datasets:`nzata/home@snapshot" }
                @{ Command = "$ZfsListDatasets -d 0 zata/home"; StdOut = (ConvertTo-FieldRows -Text (Read-Fixture 'zfs-list-Hp-o-name-avail-used-usedsnap-usedds.txt') -From name, available, used, usedbysnapshots, usedbydataset -To $DatasetFields) }
                @{ Command = 'zfs get -Hp -o name,property,value,source all zata/home'; Exit = 1; StdErr = "cannot open 'zata/home': permission denied" }
            )
            $script:DsDir = $ReplayDir
        }

        It 'Get-ZDataset -Recurse lists the tree with the numbers and mountpoints of zfs list -Hp' {
            $d = Get-ZDataset -Session $s -Name zones -Recurse
            $d.Name | Should -Be 'zones', $Vm, "$Vm/data"
            $d[0].Used | Should -Be 1004799731712
            $d[0].Available | Should -Be 956926580736
            $d[0].Referenced | Should -Be 328704
            $d[0].MountPoint | Should -Be '/zones'
            $d[1].Used | Should -Be 590843904
            $d[2].Available | Should -Be 10146574336
            $d[2].MountPoint | Should -Be '/data'
        }

        It 'Get-ZDataset reads the space split of usedbysnapshots and usedbydataset' {
            $d = Get-ZDataset -Session $s -Name zata -Recurse
            $d.Name | Should -Be 'zata', 'zata/home', 'zata/import', 'zata/storage'
            $st = $d | Where-Object Name -eq 'zata/storage'
            $st.Used | Should -Be 8556084379648
            $st.Available | Should -Be 10741741326336
            $st.UsedBySnapshots | Should -Be 3601138999296
            $st.UsedByDataset | Should -Be 4954945380352
        }

        It 'a destroy zfs refuses ("filesystem has children") is InvalidOperation, and nothing else runs' {
            $err = $null
            Remove-ZDataset -Session $s -Name zata/home -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            $err[0].Exception.Message | Should -BeLike '*filesystem has children*'
        }

        It '"permission denied" is PermissionDenied' {
            $err = $null
            Get-ZDatasetProperty -Session $s -Name zata/home -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        }

        It 'Get-ZDataset of a missing dataset is ObjectNotFound, read from the zfs message' {
            $err = $null
            Get-ZDataset -Session $s -Name zones/nonexistent -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.Message | Should -BeLike '*dataset does not exist*'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'NativeObjectNotFound,*'
        }

        It 'refuses an invalid dataset name before anything runs' {
            # A recording answers that name: had the command run, a dataset would come back.
            $err = $null
            Get-ZDataset -Session $s -Name 'zones/bad;name' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].FullyQualifiedErrorId | Should -Not -BeLike 'ReplayNoMatch*'
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidName,*'
            $err[0].Exception.Message | Should -BeLike "*the character ';' is not allowed*"
        }

        It 'Get-ZDatasetProperty tells local, default and inherited sources apart' {
            $p = Get-ZDatasetProperty -Session $s -Name z/usr/home
            $p.Count | Should -Be 58
            $mp = $p | Where-Object Property -eq 'mountpoint'
            ($mp.Value, $mp.Source) | Should -Be '/usr/home', 'Local'
            $rs = $p | Where-Object Property -eq 'recordsize'
            ($rs.Value, $rs.Source) | Should -Be '131072', 'Default'
            $c = $p | Where-Object Property -eq 'compression'
            ($c.Value, $c.Source, $c.InheritedFrom) | Should -Be 'lz4', 'Inherited', 'z'
            (Get-ZDatasetProperty -Session $s -Name z/usr/home -Source Local).Property | Should -Contain 'sharenfs'
        }

        It 'Get-ZSnapshot lists a dataset''s snapshots oldest first' {
            $sn = Get-ZSnapshot -Session $s -DatasetName "$Vm/data"
            $sn.Name | Should -Be "$Vm/data@daily-20120430", "$Vm/data@daily-20120501", "$Vm/data@daily-20120502"
            $sn[0].Used | Should -Be 1024
            $sn[0].Referenced | Should -Be 32768
            $sn[0].SnapshotName | Should -Be 'daily-20120430'
        }

        It 'Get-ZSnapshotHold trims the padded tag and reads the time' {
            $h = Get-ZSnapshotHold -Session $s -Name myzpool/mydataset@baseline
            $h.Tag | Should -Be 'important', 'release-1.0'
            $h[0].SnapshotName | Should -Be 'myzpool/mydataset@baseline'
            $h[0].Timestamp.ToString('yyyy-MM-dd HH:mm') | Should -Be '2015-12-23 21:06'
        }

        It 'Remove-ZDataset -WhatIf lists what zfs destroy -nvp would destroy, and destroys nothing' {
            # Only the dry run is recorded: a real destroy would be a ReplayNoMatch error.
            $err = $null
            Remove-ZDataset -Session $s -Name $Vm -Recurse -WhatIf -ErrorVariable err
            $err | Should -BeNullOrEmpty
            # WhatIf text goes to the host, so it is read from another pwsh.
            $r = Invoke-OtherPwsh "Import-Module '$((Get-Module Illumos).Path -replace 'Illumos\.Cmdlets\.dll$', 'Illumos.psd1')'; `$x = New-IllumosSession -Replay '$DsDir'; Remove-ZDataset -Session `$x -Name '$Vm' -Recurse -WhatIf"
            $r.Output | Should -BeLike "*What if:*Destroy, with 1 more: $Vm/data*on target*$Vm*"
        }
    }
}

Describe 'Native storage on an OpenZFS 2.3 replay (JSON listings)' -Skip:$NoFixtures {
    BeforeAll {
        $script:s = Open-Replay -Flavor openzfs @(
            @{ Command = 'zpool list -j -p -o ' + ($PoolFields -join ','); StdOut = (Read-Fixture 'zpool-list-j-json-openzfs23.txt') }
            @{ Command = 'zfs list -j -p -o ' + ($DatasetFields -join ',') + ' -t filesystem,volume -r pool'; StdOut = (Read-Fixture 'zfs-list-j-json-snapshot-openzfs23.txt') }
            @{ Command = 'zfs list -j -p -o ' + ($SnapshotFields -join ',') + ' -t snapshot -r -s createtxg pool'; StdOut = (Read-Fixture 'zfs-list-j-json-snapshot-openzfs23.txt') }
            @{ Command = 'zpool status -P -p sparepool'; StdOut = (Read-Fixture 'zpool-status-spare-inuse-faulted-resilvered.txt') }
        )
    }

    It 'the probe sees OpenZFS with JSON output' {
        $t = Test-IllumosSession -Session $s
        $t.SupportsJsonOutput | Should -BeTrue
    }

    It 'Get-ZPool reads zpool list -j' {
        $p = Get-ZPool -Session $s
        $p.Name | Should -Be 'tank'
        $p.Guid | Should -Be 15220353080205405147
        $p.Health | Should -Be 'ONLINE'
        $p.Size | Should -Be (111GB)
        $p.Capacity | Should -Be 27
        $p.Checkpoint | Should -BeNullOrEmpty
    }

    It 'Get-ZDataset -Recurse reads zfs list -j' {
        $d = Get-ZDataset -Session $s -Name pool -Recurse
        $d.Name | Should -Be 'pool', 'pool/home', 'pool/home/bob'
        $d[0].Available | Should -Be ([uint64][math]::Round(30.5 * 1GB))
        $d[2].MountPoint | Should -Be '/mnt/home/bob'
    }

    It 'Get-ZSnapshot -Recurse reads the snapshot objects of zfs list -j' {
        $sn = Get-ZSnapshot -Session $s -DatasetName pool -Recurse
        $sn.Name | Should -Be 'pool/home/bob@v1'
        $sn.SnapshotName | Should -Be 'v1'
        $sn.DatasetName | Should -Be 'pool/home/bob'
        $sn.Referenced | Should -Be (24KB)
    }

    It 'zpool status stays text (TAB-indented Linux output) on a JSON host' {
        $st = Get-ZPoolStatus -Session $s -InputObject ([Illumos.Engine.Storage.ZPool]@{ Name = 'sparepool' }) -ErrorAction Stop
        $st.State | Should -Be 'DEGRADED'
        ($st.Config.Children | Where-Object Class -eq 'Spare').State | Should -Be 'INUSE'
    }
}
