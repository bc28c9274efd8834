# Get-Zone, Get-Datalink, Get-PhysicalLink, Get-Vnic, Get-SmfService and Get-IllumosVm against native-host replay sessions
# built from real command outputs (../shared/fixtures/illumos-outputs). Each recording uses exactly the
# command line NativeListings/SystemCommands build; folders are built under $TestDrive at test time.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $shared = Get-SharedFolder
    $script:NoFixtures = -not ($shared -and (Test-Path (Join-Path $shared 'fixtures/illumos-outputs/FORMATS.md')))
    $script:SkipReason = 'the shared fixtures folder (../shared/fixtures/illumos-outputs) is absent'
    if ($NoFixtures) { Write-Warning "System listings replay tests skipped: $SkipReason." }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'NativeStorageReplay.psm1') -Force
    Import-IllumosModule
    $script:Fixtures = Initialize-ReplayFixtures (Get-SharedFolder)

    $P = [Illumos.Engine.Native.Parsers.DladmParser]
    $script:ShowLink = 'dladm show-link -p -o ' + ($P::LinkFields -join ',')
    $script:ShowVnic = 'dladm show-vnic -p -o ' + ($P::VnicFields -join ',')
    $script:ShowPhys = 'dladm show-phys -p -o ' + ($P::PhysFields -join ',')
    $script:VmList = 'vmadm list -p -o ' + ([Illumos.Engine.Native.Parsers.VmadmParser]::ListFields -join ',')
    $script:Svcs = 'svcs -H -a -o state,nstate,stime,ctid,fmri'
    $script:SvcsZ = 'svcs -H -a -Z -o state,nstate,stime,ctid,zone,fmri'

    # svcs -H rows of 'state fmri zone' laid out as the columns the cmdlet asks for ('-' where the sample has none).
    function SvcsRows([string] $text, [switch] $Zone) {
        $rows = foreach ($l in ($text -split "`n")) {
            if ($l.Trim().Length -eq 0) { continue }
            $f = $l.Trim() -split '\s+'
            if ($Zone) { "$($f[0])  -  -  -  $($f[2])  $($f[1])" } else { "$($f[0])  -  -  -  $($f[1])" }
        }
        ($rows -join "`n") + "`n"
    }

    # The SmartOS show-link sample has link:class:mtu:state; bridge and over are empty there.
    function LinkRows([string] $text) {
        (@($text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { "$($_.TrimEnd("`r"))::" }) -join "`n") + "`n"
    }

    # The SmartOS show-phys sample has link:state:speed:duplex; media and device are empty there.
    function PhysRows([string] $text) {
        $rows = foreach ($l in ($text -split "`n" | Where-Object { $_.Trim() -and -not $_.StartsWith('#@') })) {
            $f = $l.TrimEnd("`r") -split ':'
            "$($f[0])::$($f[1]):$($f[2]):$($f[3]):"
        }
        ($rows -join "`n") + "`n"
    }

    # A dladm show-vnic -p row for each NIC of a vmadm get sample: the VNIC is the NIC's interface,
    # over its nic_tag, with its MAC (':' escaped as -p prints it) and VLAN id, in the VM's zone.
    function VnicRowsOf([string] $json) {
        $vm = $json | ConvertFrom-Json
        $rows = foreach ($n in $vm.nics) {
            $vid = if ($n.vlan_id) { $n.vlan_id } else { 0 }
            "$($n.interface):$($n.nic_tag):0:$($n.mac -replace ':', '\:'):fixed:$($vid):$($vm.zonename)"
        }
        ($rows -join "`n") + "`n"
    }

    function Open-Replay([object[]] $Recordings) {
        New-IllumosSession -Replay (New-ReplayFolder -Root $TestDrive -Recordings $Recordings)
    }
}

AfterAll {
    Get-IllumosSession | Where-Object Kind -eq 'Native' | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'System listings on an illumos replay (real outputs)' -Skip:$NoFixtures {
    BeforeAll {
        $script:VmJson = Read-Fixture 'vmadm-get-joyent-os-zone.json.txt'
        $script:s = Open-Replay @(
            @{ Command = 'zoneadm list -cp'; StdOut = (Read-Fixture 'zoneadm-list-cp-omnios-lipkg-pkgsrc.txt') }
            @{ Command = $ShowLink; StdOut = (LinkRows (Read-Fixture 'dladm-show-link-p-o-link-class-mtu-state-smartos.txt')) }
            @{ Command = $ShowVnic; StdOut = (VnicRowsOf $VmJson) }
            @{ Command = $ShowPhys; StdOut = (PhysRows (Read-Fixture 'dladm-show-phys-p-o-link-state-speed-duplex-smartos.txt')) }
            @{ Command = $Svcs; StdOut = (SvcsRows (Read-Fixture 'svcs-Za-H-o-state-fmri-zone-all-states.txt')) }
            @{ Command = $SvcsZ; StdOut = (SvcsRows (Read-Fixture 'svcs-Za-H-o-state-fmri-zone-all-states.txt') -Zone) }
            @{ Command = $VmList; StdOut = (Read-Fixture 'vmadm-list-p-uuid-type-ram-state-alias.txt') }
        )
    }

    Context 'Get-Zone' {
        It 'lists every zone of zoneadm list -cp with id, state, brand and IP type' {
            $z = Get-Zone -Session $s
            $z.Name | Should -Be 'global', 'cube-media', 'cube-ws', 'gold-lipkg-b'
            $z[1].Id | Should -Be 42
            $z[1].Uuid | Should -Be 'c624d04f-d0d9-e1e6-822e-acebc78ec9ff'
            $z[1].IpType | Should -Be 'excl'
            $z[3].Id | Should -BeNullOrEmpty
            $z[3].Path | Should -Be '/zones/gold-lipkg-b'
            $z[0].Brand | Should -Be 'ipkg'
            $z[0].Session | Should -Be $s
        }
        It 'filters by -State and -Brand' {
            (Get-Zone -Session $s -State installed).Name | Should -Be 'cube-ws', 'gold-lipkg-b'
            (Get-Zone -Session $s -Brand lipkg).Name | Should -Be 'cube-media', 'gold-lipkg-b'
            (Get-Zone -Session $s -State running -Brand lipkg).Name | Should -Be 'cube-media'
        }
        It 'selects by wildcard and reports a literal miss as ObjectNotFound' {
            (Get-Zone -Session $s -Name 'cube-*').Name | Should -Be 'cube-media', 'cube-ws'
            $r = Get-Zone -Session $s -Name 'no-such-zone' -ErrorVariable ev -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $ev.Count | Should -Be 1
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Get-Datalink' {
        It 'lists the links with class, MTU and state' {
            $l = Get-Datalink -Session $s
            $l.Name | Should -Be 'igb0', 'ixgbe0', 'external0', 'net0', 'net1'
            $l[0].Class | Should -Be 'phys'
            $l[0].State | Should -Be 'down'
            $l[2].Class | Should -Be 'vnic'
            $l[2].Mtu | Should -Be 1500
            $l[3].State | Should -Be '?'
        }
        It 'selects by -Name and reports a literal miss as ObjectNotFound' {
            (Get-Datalink -Session $s -Name 'net*').Name | Should -Be 'net0', 'net1'
            Get-Datalink -Session $s -Name e1000g0 -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Get-PhysicalLink' {
        It 'lists the physical links with state, speed in Mb/s and duplex' {
            $p = Get-PhysicalLink -Session $s
            $p.Name | Should -Be 'igb0', 'ixgbe0'
            $p[0].State | Should -Be 'down'
            $p[0].Speed | Should -Be 0
            $p[0].Duplex | Should -Be 'half'
            $p[1].Speed | Should -Be 10000
            $p[1].Media | Should -BeNullOrEmpty
            $p[1].Session | Should -Be $s
            $p[1] | Should -BeOfType ([Illumos.Engine.Network.PhysicalLink])
        }
        It 'selects by -Name from the pipeline and reports a literal miss as PhysicalLinkNotFound' {
            ('ixgbe*' | Get-PhysicalLink -Session $s).Name | Should -Be 'ixgbe0'
            Get-PhysicalLink -Session $s -Name e1000g0 -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0].FullyQualifiedErrorId | Should -BeLike 'PhysicalLinkNotFound*'
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Get-Vnic' {
        It 'gives over, MAC, VLAN id and zone' {
            $v = Get-Vnic -Session $s
            $v.Name | Should -Be 'net0'
            $v.Over | Should -Be 'internal'
            $v.MacAddress | Should -Be 'c2:33:ad:fc:4e:e4'
            $v.Vid | Should -Be 0
            $v.Zone | Should -Be '61316833-2323-4d07-a4be-4a25d76f63a6'
        }
        It 'reports a literal -Name miss as ObjectNotFound' {
            Get-Vnic -Session $s -Name net9 -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Get-SmfService' {
        It 'lists every state svcs prints, the transition mark and legacy services' {
            $v = Get-SmfService -Session $s
            $v.Count | Should -Be 9
            $v[0].Fmri | Should -Be 'svc:/milestone/sysconfig:default'
            $v.State | Should -Contain 'maintenance'
            $v.State | Should -Contain 'uninitialized'
            ($v | Where-Object Fmri -eq 'lrc:/etc/rc2_d/S89PRESERVE').State | Should -Be 'legacy_run'
            ($v | Where-Object Fmri -eq 'lrc:/etc/rc2_d/S89PRESERVE').IsLegacy | Should -BeTrue
            $v[7].State | Should -Be 'online'
            $v[7].Transitioning | Should -BeTrue
            $v[0].Zone | Should -BeNullOrEmpty
        }
        It 'filters by -State and by FMRI wildcard' {
            (Get-SmfService -Session $s -State maintenance).Fmri | Should -Be 'svc:/site/fake-service:default'
            (Get-SmfService -Session $s -State disabled).Fmri | Should -Be 'svc:/network/tcpkey:default'
            (Get-SmfService -Session $s -Name 'svc:/system/*').Fmri | Should -Be 'svc:/system/manifest-import:default', 'svc:/system/filesystem/minimal:default', 'svc:/system/early-manifest-import:default'
        }
        It 'fills in Zone with -AllZones' {
            $v = Get-SmfService -Session $s -AllZones -State degraded
            $v.Fmri | Should -Be 'svc:/system/filesystem/minimal:default'
            $v.Zone | Should -Be 'global'
        }
        It 'reports a literal FMRI miss as ObjectNotFound' {
            Get-SmfService -Session $s -Name 'svc:/no/such:default' -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }

    Context 'Get-IllumosVm' {
        It 'lists the VMs of vmadm list with uuid, type, RAM and alias' {
            $v = Get-IllumosVm -Session $s
            $v.Count | Should -Be 8
            $v[0].Uuid | Should -Be '30dbeb90-4b1d-45a1-b8ad-a1fe93068b5a'
            $v[0].Type | Should -Be 'LX'
            $v[0].Alias | Should -Be 'dl3'
            ($v | Where-Object Alias -eq 'buildslave').RamMiB | Should -Be 4096
            ($v | Where-Object Alias -eq 'buildslave').Type | Should -Be 'KVM'
            ($v | Where-Object Alias -eq 'zlogin4').RamMiB | Should -Be 16384
            $v.State | Select-Object -Unique | Should -Be 'running'
        }
        It 'selects by alias wildcard and by uuid' {
            (Get-IllumosVm -Session $s -Name 'm*').Alias | Should -Be 'mailbk'
            (Get-IllumosVm -Session $s -Name '26e4d675-d3cf-6d90-ba6d-e33a8a79a1f4').Alias | Should -Be 'buildslave'
        }
        It 'reports a literal miss as ObjectNotFound' {
            Get-IllumosVm -Session $s -Name nosuchvm -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }
    }
}

Describe 'System listings on an embedded session' {
    BeforeAll {
        $script:e = New-IllumosSession -Temporary -Name listings-embedded
    }
    AfterAll {
        $e | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
    }
    It '<Cmd> gives FacilityNotAvailable (NotImplemented) and no objects' -ForEach @(
        @{ Cmd = 'Get-Zone' }, @{ Cmd = 'Get-Datalink' }, @{ Cmd = 'Get-PhysicalLink' }, @{ Cmd = 'Get-Vnic' }, @{ Cmd = 'Get-SmfService' }, @{ Cmd = 'Get-IllumosVm' }
    ) {
        $r = & $Cmd -Session $e -ErrorVariable ev -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $ev.Count | Should -Be 1
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'FacilityNotAvailable*'
        $ev[0].CategoryInfo.Category | Should -Be 'NotImplemented'
    }
}
