# Get-NatRule/Get-NatSession (ipnat -l), Test-IllumosSession's firewall fields (ipf -V), Get-SmfService -Detailed and
# -Explain (svcs -l, svcs -p, svcprop, svcs -x/-xv) and Get-Zone -Detailed (zonecfg info) against native-host replay
# sessions built from real command outputs (../shared/fixtures/illumos-outputs), read at test time, never copied.
# Each recording uses exactly the command line SystemCommands builds.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $shared = Get-SharedFolder
    $script:NoFixtures = -not ($shared -and (Test-Path (Join-Path $shared 'fixtures/illumos-outputs/FORMATS.md')))
    if ($NoFixtures) { Write-Warning 'Detail listings replay tests skipped: the shared fixtures folder (../shared/fixtures/illumos-outputs) is absent.' }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'NativeStorageReplay.psm1') -Force
    Import-IllumosModule
    $script:Fixtures = Initialize-ReplayFixtures (Get-SharedFolder)
    $script:Rstat = 'svc:/network/rpc/rstat:udp'
    $script:NfsClient = 'svc:/network/nfs/client:default'

    function Open-Replay([object[]] $Recordings) {
        New-IllumosSession -Replay (New-ReplayFolder -Root $TestDrive -Recordings $Recordings)
    }

    # A human svcs output without its header line: what -H prints for the same columns.
    function WithoutHeader([string] $text) {
        (@($text -split "`n" | Select-Object -Skip 1 | Where-Object { $_.Trim() }) -join "`n") + "`n"
    }

    # svcs -v's STATE NSTATE STIME CTID FMRI (header included) re-laid as the STATE STIME FMRI svcs -p prints (rstat has no contract, hence no processes).
    function SvcsPFromV([string] $text) {
        $rows = foreach ($l in ($text -split "`n" | Where-Object { $_.Trim() })) {
            $f = $l.Trim() -split '\s+'
            '{0,-14} {1,-8} {2}' -f $f[0], $f[2], $f[4]
        }
        ($rows -join "`n") + "`n"
    }
}

AfterAll {
    Get-IllumosSession | Where-Object Kind -eq 'Native' | Remove-IllumosSession -Confirm:$false -ErrorAction SilentlyContinue
}

Describe 'NAT rules and sessions from ipnat -l on an illumos replay' -Skip:$NoFixtures {
    BeforeAll {
        $script:s = Open-Replay @(
            @{ Command = 'ipnat -l'; StdOut = (Read-Fixture 'ipnat-l-one-map-rule.txt') }
            @{ Command = 'ipnat -l -G web'; StdOut = (Read-Fixture 'ipnat-l-empty-illumos.txt') }
            @{ Command = 'ipf -V'; StdOut = (Read-Fixture 'ipf-V-smartos.txt') }
        )
    }

    It 'Get-NatRule gives the active rule, read by the ipnat language' {
        $r = @(Get-NatRule -Session $s)
        $r.Count | Should -Be 1
        $r[0] | Should -BeOfType ([Illumos.Engine.Firewall.NatRule])
        $r[0].Text | Should -Be 'map route10 10.10.1.0/24 -> 192.168.1.0/24'
        $r[0].Kind | Should -Be 'map'
        $r[0].Interfaces | Should -Be 'route10'
        $r[0].Position | Should -Be 1
        $r[0].Zone | Should -Be 'global'
        $r[0].Session | Should -Be $s
    }
    It 'filters by -Type and reports a missing position as NatRuleNotFound' {
        Get-NatRule -Session $s -Type Rdr | Should -BeNullOrEmpty
        (Get-NatRule -Session $s -Type Map).Position | Should -Be 1
        Get-NatRule -Session $s -Position 2 -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'NatRuleNotFound*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
    It 'reads a zone''s global-zone-controlled stack with ipnat -l -G' {
        Get-NatRule -Session $s -ZoneName web -GlobalControlled | Should -BeNullOrEmpty
        Get-NatSession -Session $s -ZoneName web -GlobalControlled | Should -BeNullOrEmpty
    }
    It 'Get-NatSession lists no translation when the sessions section is empty' {
        Get-NatSession -Session $s -ErrorVariable ev | Should -BeNullOrEmpty
        $ev.Count | Should -Be 0
    }
    It 'an invalid zone name never reaches the host' {
        Get-NatRule -Session $s -ZoneName 'web;reboot' -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'FirewallZoneNameInvalid*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
    It 'Test-IllumosSession shows the IP Filter version and running state from ipf -V' {
        $c = Test-IllumosSession -Session $s -Refresh
        $c.FirewallVersion | Should -Be 'v4.1.9 (592)'
        $c.FirewallRunning | Should -BeTrue
    }
}

Describe 'Get-SmfService -Detailed and -Explain on an illumos replay' -Skip:$NoFixtures {
    BeforeAll {
        $v = Read-Fixture 'svcs-v.txt'
        $script:s = Open-Replay @(
            @{ Command = 'svcs -H -a -o state,nstate,stime,ctid,fmri'; StdOut = (WithoutHeader $v) }
            @{ Command = "svcs -l $Rstat"; StdOut = (Read-Fixture 'svcs-l-inetd-service.txt') }
            @{ Command = "svcs -p $Rstat"; StdOut = (SvcsPFromV $v) }
            # The svcprop sample was captured on another instance (general/enabled false with a temporary override to true).
            @{ Command = "svcprop $Rstat"; StdOut = (Read-Fixture 'svcprop-instance-all-props-temp-enabled.txt') }
            @{ Command = 'svcs -x'; StdOut = (Read-Fixture 'svcs-x-disabled-root-cause.txt') }
            @{ Command = "svcs -xv $NfsClient"; StdOut = (Read-Fixture 'svcs-xv-offline-dependency-path.txt') }
        )
    }

    It 'without -Detailed gives the svcs -H listing only' {
        $v = Get-SmfService -Session $s
        $v.Fmri | Should -Be $Rstat
        $v.StartTime | Should -Be 'Aug_09'
        $v.Restarter | Should -BeNullOrEmpty
        $v.Dependencies.Count | Should -Be 0
    }
    It '-Detailed adds restarter, dependencies with their state, the enabled state and the properties' {
        $v = Get-SmfService -Session $s -Name $Rstat -Detailed
        $v | Should -BeOfType ([Illumos.Engine.Services.SmfService])
        $v.State | Should -Be 'online'
        $v.StartTime | Should -Be 'Aug_09'
        $v.Restarter | Should -Be 'svc:/network/inetd:default'
        $v.ContractId | Should -BeNullOrEmpty
        $v.Dependencies[0].Grouping | Should -Be 'require_all'
        $v.Dependencies[0].RestartOn | Should -Be 'error'
        $v.Dependencies[0].Fmris | Should -Be 'svc:/network/rpc/bind'
        $v.Dependencies[0].State | Should -Be 'online'
        $v.Processes.Count | Should -Be 0
        $v.Enabled | Should -BeFalse
        $v.EnabledTemporary | Should -BeTrue
        $v.EffectiveEnabled | Should -BeTrue
        $v.Properties.Count | Should -Be 30
        ($v.Properties | Where-Object Path -eq 'remote-filesystems/entities').Values | Should -Be 'svc:/network/nfs/client', 'svc:/system/filesystem/autofs'
        ($v.Properties | Where-Object Path -eq 'restarter/transient_contract').Values.Count | Should -Be 0
        $v.Session | Should -Be $s
    }
    It '-Detailed reports a literal FMRI that matches nothing as SmfServiceNotFound' {
        Get-SmfService -Session $s -Name 'svc:/no/such:default' -Detailed -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'SmfServiceNotFound*'
        $ev[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
    It '-Explain gives svcs -x''s explanation of every troubled service' {
        $e = @(Get-SmfService -Session $s -Explain)
        $e.Count | Should -Be 1
        $e[0] | Should -BeOfType ([Illumos.Engine.Services.SmfServiceExplanation])
        $e[0].Fmri | Should -Be 'svc:/application/print/server:default'
        $e[0].Description | Should -Be 'LP print server'
        $e[0].State | Should -Be 'disabled'
        $e[0].Since | Should -Be 'Mon Feb 13 17:56:21 2006'
        $e[0].Reason | Should -Be 'Disabled by an administrator.'
        $e[0].SeeAlso | Should -Be 'http://sun.com/msg/SMF-8000-05', 'lpsched(1M)'
        $e[0].Impact | Should -Be '2 dependent services are not running. (Use -v for list.)'
    }
    It '-Explain -Detailed runs svcs -xv for the named service and gives the dependency path' {
        $e = Get-SmfService -Session $s -Explain -Detailed -Name $NfsClient
        $e.State | Should -Be 'offline'
        $e.Reason | Should -Be 'Service svc:/network/nfs/status:default is not running because a method failed repeatedly.'
        $e.Path | Should -Be $NfsClient, 'svc:/network/nfs/nlockmgr:default', 'svc:/network/nfs/status:default'
        $e.SeeAlso[2] | Should -Be '/var/svc/log/network-nfs-client:default.log'
        $e.Impact | Should -Be 'This service is not running.'
    }
    It '-Explain does not combine with the listing filters' {
        { Get-SmfService -Session $s -Explain -State online } | Should -Throw -ErrorId 'AmbiguousParameterSet,Illumos.Cmdlets.SystemListings.GetSmfServiceCommand'
    }
    It '-Explain rejects an FMRI that is not one before running svcs' {
        Get-SmfService -Session $s -Explain -Name '-x' -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'InvalidFmri*'
        $ev[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Get-Zone -Detailed on a replay (zonecfg info)' -Skip:$NoFixtures {
    BeforeAll {
        $script:s = Open-Replay @(
            @{ Command = 'zoneadm list -cp'; StdOut = (Read-Fixture 'zoneadm-list-cp-solaris-native.txt') }
            @{ Command = 'zonecfg -z dummy info'; StdOut = (Read-Fixture 'zonecfg-info-shared-ip-two-nets.txt') }
        )
        $script:bare = Open-Replay @(
            @{ Command = 'zoneadm list -cp'; StdOut = (Read-Fixture 'zoneadm-list-cp-solaris-native.txt') }
        )
    }

    It 'fills in the configuration: global properties and the net resources' {
        $z = Get-Zone -Session $s -Name dummy -Detailed
        $z.State | Should -Be 'running'
        $c = $z.Configuration
        $c | Should -BeOfType ([Illumos.Engine.Zones.ZoneConfiguration])
        $c.ZonePath | Should -Be '/dummy/z'
        $c.Brand | Should -Be 'native'
        $c.Autoboot | Should -BeTrue
        $c.IpType | Should -Be 'shared'
        $c.Properties.ContainsKey('bootargs') | Should -BeFalse
        $nets = @($c.Networks)
        $nets.Count | Should -Be 2
        $nets[0].Properties['address'] | Should -Be '1.1.1.1'
        $nets[1].Properties['physical'] | Should -Be 'ex0002'
        $nets[0].Properties.ContainsKey('defrouter') | Should -BeFalse
    }
    It 'leaves Configuration empty without -Detailed' {
        (Get-Zone -Session $s -Name dummy).Configuration | Should -BeNullOrEmpty
    }
    It 'a zone whose zonecfg fails is an error and no object' {
        Get-Zone -Session $bare -Detailed -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev.Count | Should -Be 1
        $ev[0].TargetObject | Should -Be 'dummy'
    }
}

Describe 'Get-PhysicalLink -Detailed on a replay (dladm show-phys -m)' -Skip:$NoFixtures {
    BeforeAll {
        # The show-phys -m sample (man page, link bge0) re-laid as -p -o link,slot,address,inuse,client rows: ':' in the
        # MAC escaped as -p prints it, the missing CLIENT empty.
        $m = Read-Fixture 'dladm-show-phys-m-factory-macs.txt'
        $rows = foreach ($l in ($m -split "`n" | Select-Object -Skip 1 | Where-Object { $_.Trim() })) {
            $f = $l.Trim() -split '\s+'
            "$($f[0]):$($f[1]):$($f[2] -replace ':', '\:'):$($f[3]):$(if ($f.Count -gt 4) { $f[4] })"
        }
        # The link list: the SmartOS show-phys sample's links plus bge0, the link of the -m sample, of which only the
        # name is known (the other fields left empty, as for every field a sample lacks).
        $phys = foreach ($l in ((Read-Fixture 'dladm-show-phys-p-o-link-state-speed-duplex-smartos.txt') -split "`n" | Where-Object { $_.Trim() })) {
            $f = $l.TrimEnd("`r") -split ':'
            "$($f[0])::$($f[1]):$($f[2]):$($f[3]):"
        }
        $P = [Illumos.Engine.Native.Parsers.DladmParser]
        $script:s = Open-Replay @(
            @{ Command = 'dladm show-phys -p -o ' + ($P::PhysFields -join ','); StdOut = ((@($phys) + 'bge0:::::') -join "`n") + "`n" }
            @{ Command = 'dladm show-phys -m -p -o ' + ($P::PhysMacFields -join ','); StdOut = ($rows -join "`n") + "`n" }
        )
    }

    It 'adds the primary and factory MAC slots, zero-padded, with their clients' {
        $b = Get-PhysicalLink -Session $s -Name bge0 -Detailed
        $b.MacAddresses.Count | Should -Be 4
        $b.MacAddresses[0].Slot | Should -Be 'primary'
        $b.MacAddresses[0].IsPrimary | Should -BeTrue
        $b.MacAddresses[0].Address | Should -Be '00:e0:81:27:d4:47'
        $b.MacAddresses[1].Client | Should -Be 'hello0'
        $b.MacAddresses[2].InUse | Should -BeFalse
        $b.MacAddresses[2].Client | Should -BeNullOrEmpty
        $b.MacAddresses[3].Address | Should -Be '08:00:20:fe:4e:a7'
    }
    It 'links without slots in the -m output get none, and without -Detailed nothing is filled in' {
        (Get-PhysicalLink -Session $s -Name igb0 -Detailed).MacAddresses.Count | Should -Be 0
        (Get-PhysicalLink -Session $s -Name bge0).MacAddresses.Count | Should -Be 0
    }
    It 'a literal name that matches no link is PhysicalLinkNotFound' {
        Get-PhysicalLink -Session $s -Name e1000g9 -Detailed -ErrorVariable ev -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $ev[0].FullyQualifiedErrorId | Should -BeLike 'PhysicalLinkNotFound*'
    }
}

Describe 'Get-Datalink -Detailed on a replay (dladm show-iptun)' -Skip:$NoFixtures {
    BeforeAll {
        # The show-iptun sample (man page) re-laid as -p rows ('--' is an empty field in -p). The link list: the two
        # tunnels of that sample, of class iptun (show-iptun lists only iptun links; their MTU, state, bridge and
        # over are not in the sample and left empty), after the links of the SmartOS show-link sample.
        $t = Read-Fixture 'dladm-show-iptun.txt'
        $tun = foreach ($l in ($t -split "`n" | Select-Object -Skip 1 | Where-Object { $_.Trim() })) {
            (@($l.Trim() -split '\s+' | ForEach-Object { if ($_ -eq '--') { '' } else { $_ } }) -join ':')
        }
        $links = foreach ($l in ((Read-Fixture 'dladm-show-link-p-o-link-class-mtu-state-smartos.txt') -split "`n" | Where-Object { $_.Trim() })) { "$($l.TrimEnd("`r"))::" }
        $P = [Illumos.Engine.Native.Parsers.DladmParser]
        $script:s = Open-Replay @(
            @{ Command = 'dladm show-link -p -o ' + ($P::LinkFields -join ','); StdOut = ((@($links) + 'mytunnel0:iptun::::' + 'sitetunnel0:iptun::::') -join "`n") + "`n" }
            @{ Command = 'dladm show-iptun -p -o ' + ($P::IptunFields -join ','); StdOut = ($tun -join "`n") + "`n" }
        )
        $script:noTunnels = Open-Replay @(
            @{ Command = 'dladm show-link -p -o ' + ($P::LinkFields -join ','); StdOut = ($links -join "`n") + "`n" }
        )
    }

    It 'adds the tunnel type and endpoints to iptun links only' {
        $l = Get-Datalink -Session $s -Detailed
        $m = $l | Where-Object Name -eq 'mytunnel0'
        $m.Tunnel.Type | Should -Be 'ipv4'
        $m.Tunnel.Source | Should -Be '66.1.2.3'
        $m.Tunnel.Destination | Should -Be '192.4.5.6'
        $m.Tunnel.Flags | Should -BeNullOrEmpty
        $six = $l | Where-Object Name -eq 'sitetunnel0'
        $six.Tunnel.Type | Should -Be '6to4'
        $six.Tunnel.Destination | Should -BeNullOrEmpty
        ($l | Where-Object Name -eq 'net0').Tunnel | Should -BeNullOrEmpty
    }
    It 'runs no dladm show-iptun when there is no iptun link (the replay has none to answer)' {
        $l = Get-Datalink -Session $noTunnels -Detailed -ErrorVariable ev
        $ev.Count | Should -Be 0
        $l.Name | Should -Be 'igb0', 'ixgbe0', 'external0', 'net0', 'net1'
    }
}
