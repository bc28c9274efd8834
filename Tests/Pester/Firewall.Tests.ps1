BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:s = New-IllumosSession -Temporary -Name firewall-tests
    # Each Describe works in its own zone, so that rule sets do not see each other.
    function Texts([string] $zone, [switch] $G) { @(Get-FirewallRule -Session $s -ZoneName $zone -GlobalControlled:$G).Text }
}

AfterAll {
    if ($s) { Remove-IllumosSession $s -Confirm:$false }
}

Describe 'New-FirewallRule translates NetSecurity parameters to ipf text' {
    It 'Allow/Inbound/TCP/LocalPort/LocalAddress/InterfaceAlias/Quick/KeepState become one pass rule' {
        $r = New-FirewallRule -Session $s -ZoneName nr -Action Allow -Direction Inbound -Protocol TCP -LocalAddress 10.0.0.1 -LocalPort 22 -InterfaceAlias e1000g0 -Quick -KeepState
        $r.Text | Should -Be 'pass in quick on e1000g0 proto tcp from any to 10.0.0.1/32 port = 22 keep state'
        $r.Position | Should -Be 1
        $r.Action | Should -Be 'pass'
        $r.Direction | Should -Be 'in'
        $r.Zone | Should -Be 'nr'
        $r.Enabled | Should -BeTrue
        $r.Session.Id | Should -Be $s.Id
    }

    It 'Outbound puts the local side in from and the remote side in to; a dash range becomes ipf lo:hi' {
        $r = New-FirewallRule -Session $s -ZoneName nr -Action Block -Direction Outbound -Protocol UDP -LocalAddress 10.0.0.0/24 -RemoteAddress 192.168.0.0/16 -RemotePort 1000-2000
        $r.Text | Should -Be 'block out proto udp from 10.0.0.0/24 to 192.168.0.0/16 port 1000:2000'
        $r.Position | Should -Be 2
    }

    It 'writes block return-rst, log, ICMP types and groups' {
        (New-FirewallRule -Session $s -ZoneName nr -Action Block -Protocol TCP -ReturnReset -RemoteAddress 203.0.113.0/24).Text |
            Should -Be 'block return-rst in proto tcp from 203.0.113.0/24 to any'
        (New-FirewallRule -Session $s -ZoneName nr -Action Allow -Log -Protocol ICMPv4 -IcmpType 8 -Group 10).Text |
            Should -Be 'pass in log proto icmp from any to any icmp-type echo group 10'
    }

    It 'expands a list of ports into one rule per port, in order' {
        $r = New-FirewallRule -Session $s -ZoneName nr -Protocol TCP -LocalPort 80, 443
        $r.Count | Should -Be 2
        $r.Text | Should -Be @('pass in proto tcp from any to any port = 80', 'pass in proto tcp from any to any port = 443')
        $r.Position | Should -Be @(5, 6)
    }

    It 'takes the full language with -Rule and places it with -Position, -Before and -After' {
        (New-FirewallRule -Session $s -ZoneName nr -Rule 'block in all' -Position 1).Position | Should -Be 1
        (New-FirewallRule -Session $s -ZoneName nr 'count in proto tcp all' -Before 2).Position | Should -Be 2
        (New-FirewallRule -Session $s -ZoneName nr -Rule 'pass out quick all' -After 1).Position | Should -Be 2
        (Texts nr)[0..3] | Should -Be @('block in all', 'pass out quick all', 'count in proto tcp from any to any', 'pass in quick on e1000g0 proto tcp from any to 10.0.0.1/32 port = 22 keep state')
    }

    It 'refuses a rule with a syntax error, with the engine error id, and adds nothing' {
        $before = Texts nr
        $err = $null
        New-FirewallRule -Session $s -ZoneName nr -Rule 'pass inn all' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FirewallRuleSyntax*'
        $err[0].CategoryInfo.Category | Should -Be 'ParserError'
        $err[0].Exception.Message | Should -Match 'line 1 column 6'
        Texts nr | Should -Be $before
    }

    It 'refuses ports without TCP or UDP, unknown protocols and bad ports' {
        { New-FirewallRule -Session $s -ZoneName nr -LocalPort 22 -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallPortNeedsProtocol*'
        { New-FirewallRule -Session $s -ZoneName nr -Protocol nosuch -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallProtocolInvalid*'
        { New-FirewallRule -Session $s -ZoneName nr -Protocol TCP -LocalPort '22-' -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallPortInvalid*'
        { New-FirewallRule -Session $s -ZoneName nr -Action Allow -ReturnReset -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallReturnNeedsBlock*'
        $err = $null
        New-FirewallRule -Session $s -ZoneName nr -Protocol nosuch -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses two placements at once' {
        { New-FirewallRule -Session $s -ZoneName nr -Rule 'pass in all' -Position 1 -After 2 } | Should -Throw -ErrorId 'FirewallPlacementConflict*'
    }

    It 'refuses a placement beyond the rule set' {
        { New-FirewallRule -Session $s -ZoneName nr -Rule 'pass in all' -Before 99 -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallRuleNotFound*'
    }

    It '-WhatIf shows the canonical rule and changes nothing' {
        $before = Texts nr
        $log = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -Path $log | Out-Null
        try { New-FirewallRule -Session $s -ZoneName nr -Rule 'pass in from 1.2.3.4 to any' -Position 2 -WhatIf } finally { Stop-Transcript | Out-Null }
        Get-Content -Raw $log | Should -Match ([regex]::Escape('zone nr on ' + $s.ComputerName + ' at position 2: pass in from 1.2.3.4/32 to any'))
        Texts nr | Should -Be $before
    }
}

Describe 'Get-FirewallRule' {
    BeforeAll {
        'block in all', 'pass in quick proto tcp from any to any port = 22 group 5', 'block out proto udp from any to any port = 53', 'pass out all' |
            ForEach-Object { New-FirewallRule -Session $s -ZoneName gr -Rule $_ | Out-Null }
    }

    It 'lists every rule in order with its position' {
        $all = Get-FirewallRule -Session $s -ZoneName gr
        $all.Position | Should -Be @(1, 2, 3, 4)
        $all[2].Text | Should -Be 'block out proto udp from any to any port = 53'
    }

    It 'filters by -Action, -Direction and -Group like Get-NetFirewallRule' {
        (Get-FirewallRule -Session $s -ZoneName gr -Action Block).Position | Should -Be @(1, 3)
        (Get-FirewallRule -Session $s -ZoneName gr -Direction Outbound -Action Allow).Position | Should -Be @(4)
        (Get-FirewallRule -Session $s -ZoneName gr -Group 5).Position | Should -Be @(2)
    }

    It 'selects by position and by rule text, canonicalising a literal text and matching wildcards' {
        (Get-FirewallRule -Session $s -ZoneName gr 2, 4).Position | Should -Be @(2, 4)
        (Get-FirewallRule -Session $s -ZoneName gr -Rule 'block out proto udp all port = 53' -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        (Get-FirewallRule -Session $s -ZoneName gr -Rule 'block   out proto udp from any to any port = domain').Position | Should -Be 3
        (Get-FirewallRule -Session $s -ZoneName gr -Rule 'pass *').Position | Should -Be @(2, 4)
    }

    It 'reports a literal position or text that matches nothing as ObjectNotFound' {
        $err = $null
        Get-FirewallRule -Session $s -ZoneName gr -Position 2, 9 -ErrorVariable err -ErrorAction SilentlyContinue | ForEach-Object Position | Should -Be 2
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FirewallRuleNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 9
        $err = $null
        Get-FirewallRule -Session $s -ZoneName gr -Rule 'pass in all' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'pass in all'
        Get-FirewallRule -Session $s -ZoneName gr -Rule 'zz*' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'keeps rule sets of zones and the global-zone-controlled stack apart' {
        New-FirewallRule -Session $s -ZoneName gr -GlobalControlled -Rule 'block in quick proto tcp from any to any port = 23' | Out-Null
        Texts gr -G | Should -Be @('block in quick proto tcp from any to any port = 23')
        (Get-FirewallRule -Session $s -ZoneName gr -G).GlobalControlled | Should -BeTrue
        (Texts gr) | Should -Not -Contain 'block in quick proto tcp from any to any port = 23'
        Get-FirewallRule -Session $s -ZoneName otherzone | Should -BeNullOrEmpty
    }

    It 'refuses the global-zone-controlled stack of the global zone and invalid zone names' {
        { Get-FirewallRule -Session $s -GlobalControlled -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallGlobalControlledGlobalZone*'
        $err = $null
        Get-FirewallRule -Session $s -ZoneName 'bad zone!' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FirewallZoneNameInvalid*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Set-FirewallRule' {
    BeforeEach {
        Remove-FirewallRule -Session $s -ZoneName sr -All -Confirm:$false
        'pass in quick on e0 proto tcp from any to any port = 22 flags S/SA keep state', 'block in all', 'pass out all' |
            ForEach-Object { New-FirewallRule -Session $s -ZoneName sr -Rule $_ | Out-Null }
    }

    It 'changes named fields and keeps the rest of the rule (flags, quick, interface, state)' {
        $r = Set-FirewallRule -Session $s -ZoneName sr 1 -Action Block -LocalPort 2222 -RemoteAddress 10.0.0.0/8 -PassThru
        $r.Text | Should -Be 'block in quick on e0 proto tcp from 10.0.0.0/8 to any port = 2222 flags S/SA keep state'
        $r.Position | Should -Be 1
        (Texts sr)[0] | Should -Be $r.Text
    }

    It 'writes nothing without -PassThru' {
        Set-FirewallRule -Session $s -ZoneName sr 3 -Quick $true | Should -BeNullOrEmpty
        (Texts sr)[2] | Should -Be 'pass out quick all'
    }

    It 'replaces the whole text with -Rule and removes options with $false' {
        Set-FirewallRule -Session $s -ZoneName sr 2 -Rule 'block return-rst in proto tcp all'
        (Texts sr)[1] | Should -Be 'block return-rst in proto tcp from any to any'
        Set-FirewallRule -Session $s -ZoneName sr 1 -KeepState $false -Quick $false -InterfaceAlias @()
        (Texts sr)[0] | Should -Be 'pass in proto tcp from any to any port = 22 flags S/SA'
    }

    It 'moves a piped rule and disables it, keeping its text' {
        $r = Get-FirewallRule -Session $s -ZoneName sr -Position 3 | Set-FirewallRule -NewPosition 1 -Enabled $false -PassThru
        $r.Position | Should -Be 1
        $r.Enabled | Should -BeFalse
        (Get-FirewallRule -Session $s -ZoneName sr).Text | Should -Be @('pass out all', 'pass in quick on e0 proto tcp from any to any port = 22 flags S/SA keep state', 'block in all')
    }

    It 'reports a missing position and refuses contradictory or empty requests' {
        $err = $null
        Set-FirewallRule -Session $s -ZoneName sr 42 -Quick $true -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FirewallRuleNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Set-FirewallRule -Session $s -ZoneName sr 1 -Rule 'pass in all' -Action Block } | Should -Throw -ErrorId 'FirewallRuleAndFields*'
        { Set-FirewallRule -Session $s -ZoneName sr 1 } | Should -Throw -ErrorId 'NoPropertyGiven*'
        { Set-FirewallRule -Session $s -ZoneName sr 2 -LocalPort 22 -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallPortNeedsProtocol*'
        { Set-FirewallRule -Session $s -ZoneName sr 1 -Rule 'pass in proto tcp from any to any port = (1,2)' -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallRuleNotSingle*'
        (Texts sr)[1] | Should -Be 'block in all'
        Set-FirewallRule -Session $s -ZoneName sr 3 -Protocol UDP -RemotePort 53 -LocalAddress 10.0.0.2
        (Texts sr)[2] | Should -Be 'pass out proto udp from 10.0.0.2/32 to any port = 53'
    }

    It '-WhatIf leaves the rule set unchanged' {
        $before = Texts sr
        Set-FirewallRule -Session $s -ZoneName sr 1 -Action Block -NewPosition 3 -WhatIf
        Texts sr | Should -Be $before
    }
}

Describe 'Remove-, Enable- and Disable-FirewallRule' {
    BeforeEach {
        Remove-FirewallRule -Session $s -ZoneName rm -All -Confirm:$false
        'block in all', 'pass in proto tcp from any to any port = 22', 'block in proto udp all', 'pass out all', 'block out proto icmp all' |
            ForEach-Object { New-FirewallRule -Session $s -ZoneName rm -Rule $_ | Out-Null }
    }

    It 'asks before removing: ConfirmImpact is High' {
        $attr = (Get-Command Remove-FirewallRule).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attr.ConfirmImpact | Should -Be 'High'
    }

    It 'removes every piped rule even though each removal moves the later ones' {
        Get-FirewallRule -Session $s -ZoneName rm -Action Block | Remove-FirewallRule -Confirm:$false
        Texts rm | Should -Be @('pass in proto tcp from any to any port = 22', 'pass out all')
    }

    It 'removes by several positions and by text, writing the removed rules with -PassThru' {
        $gone = Remove-FirewallRule -Session $s -ZoneName rm 1, 3 -Confirm:$false -PassThru
        $gone.Text | Should -Be @('block in proto udp from any to any', 'block in all')
        Remove-FirewallRule -Session $s -ZoneName rm -Rule 'pass out all' -Confirm:$false
        Texts rm | Should -Be @('pass in proto tcp from any to any port = 22', 'block out proto icmp from any to any')
    }

    It 'reports a missing position and removes nothing else' {
        $err = $null
        Remove-FirewallRule -Session $s -ZoneName rm 9 -Confirm:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FirewallRuleNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Texts rm).Count | Should -Be 5
    }

    It '-WhatIf removes nothing, also with -All' {
        Remove-FirewallRule -Session $s -ZoneName rm 1, 2 -WhatIf
        Remove-FirewallRule -Session $s -ZoneName rm -All -WhatIf
        (Texts rm).Count | Should -Be 5
    }

    It 'disables a rule in place (stored as a #disabled comment) and it stops deciding packets' {
        $p = @{ Session = $s; ZoneName = 'rm'; Protocol = 'TCP'; RemoteAddress = '1.1.1.1'; RemotePort = 1025; LocalAddress = '2.2.2.2'; LocalPort = 22; TcpFlags = 'S' }
        (Test-FirewallPacket @p).Verdict | Should -Be 'pass'
        $d = Disable-FirewallRule -Session $s -ZoneName rm 2 -PassThru
        $d.Enabled | Should -BeFalse
        $d.Position | Should -Be 2
        $conf = Get-Content -Raw (Join-Path $s.HostDirectory 'etc/ipf/zones/rm/ipf.conf')
        $conf | Should -Match '(?m)^#disabled: pass in proto tcp from any to any port = 22$'
        $v = Test-FirewallPacket @p
        $v.Verdict | Should -Be 'block'
        $v.RulePosition | Should -Be 1
        Get-FirewallRule -Session $s -ZoneName rm -Enabled $false | ForEach-Object Position | Should -Be 2
        Enable-FirewallRule -Session $s -ZoneName rm 2 | Should -BeNullOrEmpty
        (Test-FirewallPacket @p).Verdict | Should -Be 'pass'
    }

    It 'Disable -WhatIf changes nothing; a missing rule is ObjectNotFound' {
        Disable-FirewallRule -Session $s -ZoneName rm 1 -WhatIf
        (Get-FirewallRule -Session $s -ZoneName rm 1).Enabled | Should -BeTrue
        { Enable-FirewallRule -Session $s -ZoneName rm 77 -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallRuleNotFound*'
    }
}

Describe 'Import-, Export- and Test-FirewallRule' {
    BeforeAll {
        $script:good = Join-Path $TestDrive 'good.conf'
        Set-Content $good -Value @(
            '# web server'
            'block in all'
            'pass in quick proto tcp from any to any port = (80,443) keep state'
            'pass out all'
        )
        $script:bad = Join-Path $TestDrive 'bad.conf'
        Set-Content $bad -Value @(
            'block in all'
            'pass inn all'
            'pass out all'
            'pass in proto tcp from any to any port = nosuchport'
        )
    }

    It 'imports a file, expanding lists, and -PassThru returns the imported rules' {
        $r = Import-FirewallRule -Session $s -ZoneName io $good -PassThru
        $r.Text | Should -Be @('block in all', 'pass in quick proto tcp from any to any port = 80 keep state', 'pass in quick proto tcp from any to any port = 443 keep state', 'pass out all')
        $r.Position | Should -Be @(1, 2, 3, 4)
    }

    It 'appends by default and replaces with -Replace' {
        'count in all' | Import-FirewallRule -Session $s -ZoneName io
        (Texts io).Count | Should -Be 5
        (Texts io)[4] | Should -Be 'count in all'
        Import-FirewallRule -Session $s -ZoneName io -Path $good -Replace
        (Texts io).Count | Should -Be 4
        (Get-Content $good | Import-FirewallRule -Session $s -ZoneName io4 -PassThru).Count | Should -Be 4
        (Get-Item $good | Import-FirewallRule -Session $s -ZoneName io5 -PassThru).Count | Should -Be 4
    }

    It 'a file with errors reports each with file, line and column and loads nothing' {
        $before = Texts io
        $err = $null
        Import-FirewallRule -Session $s -ZoneName io $bad -Replace -ErrorVariable err -ErrorAction SilentlyContinue
        $syntax = @($err | Where-Object FullyQualifiedErrorId -like 'FirewallRuleSyntax*')
        $syntax.Count | Should -Be 2
        $syntax[0].Exception.Message | Should -Match 'bad\.conf:2:6: '
        $syntax[1].Exception.Message | Should -Match 'bad\.conf:4:'
        $syntax[0].CategoryInfo.Category | Should -Be 'ParserError'
        $syntax[0].TargetObject.Line | Should -Be 2
        @($err | Where-Object FullyQualifiedErrorId -like 'FirewallImportRefused*').Count | Should -Be 1
        Texts io | Should -Be $before
    }

    It 'reports a missing file as ObjectNotFound' {
        { Import-FirewallRule -Session $s -ZoneName io (Join-Path $TestDrive 'absent.conf') -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallFileNotFound*'
    }

    It '-WhatIf imports nothing' {
        Import-FirewallRule -Session $s -ZoneName io $good -Replace -WhatIf
        Import-FirewallRule -Session $s -ZoneName io2 $good -WhatIf
        Get-FirewallRule -Session $s -ZoneName io2 | Should -BeNullOrEmpty
    }

    It 'exports ipf.conf text that imports back to the same rules, disabled ones included' {
        Disable-FirewallRule -Session $s -ZoneName io 4
        $text = Export-FirewallRule -Session $s -ZoneName io
        $text | Should -Be ("block in all`npass in quick proto tcp from any to any port = 80 keep state`npass in quick proto tcp from any to any port = 443 keep state`n#disabled: pass out all`n")
        $file = Join-Path $TestDrive 'export.conf'
        Export-FirewallRule -Session $s -ZoneName io -Path $file
        Import-FirewallRule -Session $s -ZoneName io3 -Path $file
        (Get-FirewallRule -Session $s -ZoneName io3).Text | Should -Be (Texts io)
        (Get-FirewallRule -Session $s -ZoneName io3).Enabled | Should -Be @($true, $true, $true, $false)
        { Export-FirewallRule -Session $s -ZoneName io -Path $file -NoClobber -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallFileExists*'
    }

    It 'Test-FirewallRule returns valid rules in canonical ipf -nv form' {
        Test-FirewallRule "pass in from 10.1.2.3 to any`nblock in proto tcp from any to any port = ssh" |
            Should -Be @('pass in from 10.1.2.3/32 to any', 'block in proto tcp from any to any port = 22')
    }

    It 'Test-FirewallRule returns every error as an object with line and column' {
        $e = Test-FirewallRule -Path $bad
        $e.Count | Should -Be 2
        $e[0].Line | Should -Be 2
        $e[0].Column | Should -Be 6
        $e[0].Message | Should -Match "'inn'"
        $e[1].Line | Should -Be 4
        $e[0].Path | Should -Be $bad
        Test-FirewallRule -Path $bad -Quiet | Should -BeFalse
        Test-FirewallRule -Path $good -Quiet | Should -BeTrue
    }

    It 'Test-FirewallRule checks ipnat text with -Nat' {
        Test-FirewallRule -Nat 'map e0 10.0.0.0/24 -> 192.0.2.1' | Should -Be 'map e0 10.0.0.0/24 -> 192.0.2.1/32'
        (Test-FirewallRule -Nat 'map e0 10.0.0.0/24 => 192.0.2.1').Line | Should -Be 1
    }
}

Describe 'Test-FirewallPacket and Get-FirewallSession' {
    BeforeAll {
        Import-FirewallRule -Session $s -ZoneName pk -Text @(
            'block in all'
            'pass in quick proto tcp from any to 10.0.0.1/32 port = 22 flags S keep state'
            'block return-rst in quick proto tcp from any to any port = 23'
            'pass in proto udp from 192.168.1.0/24 to any port = 53'
        )
    }

    It 'passes a SYN to port 22 by rule 2 and blocks port 80 by rule 1 (last match wins, quick stops)' {
        $p = Test-FirewallPacket -Session $s -ZoneName pk -Protocol TCP -RemoteAddress 198.51.100.7 -RemotePort 40000 -LocalAddress 10.0.0.1 -LocalPort 22 -TcpFlags S
        $p.Verdict | Should -Be 'pass'
        $p.RulePosition | Should -Be 2
        $p.Rule | Should -Be 'pass in quick proto tcp from any to 10.0.0.1/32 port = 22 flags S/FSRPAU keep state'
        $p.DecidedBy | Should -Be 'zone'
        $b = Test-FirewallPacket -Session $s -ZoneName pk -Protocol TCP -RemoteAddress 198.51.100.7 -RemotePort 40001 -LocalAddress 10.0.0.1 -LocalPort 80 -TcpFlags S
        $b.Verdict | Should -Be 'block'
        $b.RulePosition | Should -Be 1
    }

    It 'the SYN created a state entry; the reply passes by state' {
        $st = Get-FirewallSession -Session $s -ZoneName pk -Protocol TCP
        $st.Count | Should -Be 1
        $st[0].Source | Should -Be '198.51.100.7'
        $st[0].SourcePort | Should -Be 40000
        $st[0].Destination | Should -Be '10.0.0.1'
        $st[0].DestinationPort | Should -Be 22
        $st[0].Session.Id | Should -Be $s.Id
        $r = Test-FirewallPacket -Session $s -ZoneName pk -Direction Outbound -Protocol TCP -LocalAddress 10.0.0.1 -LocalPort 22 -RemoteAddress 198.51.100.7 -RemotePort 40000 -TcpFlags SA
        $r.Verdict | Should -Be 'pass'
        $r.DecidedBy | Should -Be 'state'
        Get-FirewallSession -Session $s -ZoneName pk -Address 203.0.113.1 | Should -BeNullOrEmpty
    }

    It 'reads ipftest text lines from -Packet and the pipeline, keeping their order' {
        $v = 'in tcp 1.1.1.1,1000 10.0.0.9,23 S', 'in udp 192.168.1.5,1024 10.0.0.1,53', 'in udp 172.16.0.5,1024 10.0.0.1,53' | Test-FirewallPacket -Session $s -ZoneName pk
        $v.Verdict | Should -Be @('block return-rst', 'pass', 'block')
        $v.RulePosition | Should -Be @(3, 4, 1)
    }

    It 'reads a file of text packets with -Path and hex packets with -Hex' {
        $f = Join-Path $TestDrive 'packets.txt'
        Set-Content $f -Value '# two packets', 'in udp 192.168.1.5,1024 10.0.0.1,53', '', 'in tcp 1.1.1.1,1000 10.0.0.9,25 S'
        (Test-FirewallPacket -Session $s -ZoneName pk -Path $f).Verdict | Should -Be @('pass', 'block')
        # 192.168.1.5:1024 -> 10.0.0.1:53 UDP, 28 bytes: passes by rule 4.
        $hex = "[in,e0]`n4500 001c 0001 0000 4011 0000 c0a8 0105 0a00 0001`n0400 0035 0008 0000`n"
        $h = Test-FirewallPacket -Session $s -ZoneName pk -Packet $hex -Hex
        $h.Verdict | Should -Be 'pass'
        $h.RulePosition | Should -Be 4
    }

    It 'takes FirewallPacket objects from the pipeline' {
        $o = [Illumos.Engine.Firewall.FirewallPacket]@{ Direction = 'in'; Protocol = 'udp'; Source = '192.168.1.9'; SourcePort = 5000; Destination = '10.0.0.1'; DestinationPort = 53 }
        ($o | Test-FirewallPacket -Session $s -ZoneName pk).Verdict | Should -Be 'pass'
    }

    It 'reports an unreadable packet as bad-packet with the reason, and goes on' {
        $v = Test-FirewallPacket -Session $s -ZoneName pk -Packet 'in tcp 1.1.1.1,1000', 'in udp 192.168.1.5,1024 10.0.0.1,53'
        $v[0].Verdict | Should -Be 'bad-packet'
        $v[0].Error | Should -Not -BeNullOrEmpty
        $v[1].Verdict | Should -Be 'pass'
    }

    It 'matches ICMP types given as numbers or names: echo passes by rule 2, echo reply is blocked by rule 1' {
        New-FirewallRule -Session $s -ZoneName icmp -Action Block | Out-Null
        (New-FirewallRule -Session $s -ZoneName icmp -Quick -Protocol ICMPv4 -IcmpType echo).Text | Should -Be 'pass in quick proto icmp from any to any icmp-type echo'
        $v = '8', 'echo', '0' | ForEach-Object { Test-FirewallPacket -Session $s -ZoneName icmp -Protocol ICMPv4 -IcmpType $_ -RemoteAddress 1.1.1.1 -LocalAddress 2.2.2.2 }
        $v.Verdict | Should -Be @('pass', 'pass', 'block')
        $v.RulePosition | Should -Be @(2, 2, 1)
        $v[0].Packet | Should -Be 'ip #0 48(20) 1 1.1.1.1 > 2.2.2.2'
    }

    It 'evaluates the global-zone-controlled stack first for a zone' {
        New-FirewallRule -Session $s -ZoneName web -Rule 'pass in all' | Out-Null
        New-FirewallRule -Session $s -ZoneName web -GlobalControlled -Action Block -Quick -Protocol TCP -LocalPort 23 | Out-Null
        $t = Test-FirewallPacket -Session $s -ZoneName web -Packet 'in tcp 1.1.1.1,1000 10.0.0.2,23 S', 'in tcp 1.1.1.1,1000 10.0.0.2,22 S'
        $t[0].Verdict | Should -Be 'block'
        $t[0].DecidedBy | Should -Be 'global-zone-controlled'
        $t[0].Rule | Should -Be 'block in quick proto tcp from any to any port = 23'
        $t[1].Verdict | Should -Be 'pass'
        $t[1].DecidedBy | Should -Be 'zone'
    }
}

Describe 'NAT rules and sessions' {
    It 'New-NatRule translates NetNat parameters to map and rdr rules' {
        $m = New-NatRule -Session $s -ZoneName nat -Type Map -InterfaceAlias e0 -InternalIPAddress 10.0.0.0/24 -ExternalIPAddress 192.0.2.1/32 -Protocol TCPUDP -ExternalPort 10000-20000
        $m.Text | Should -Be 'map e0 10.0.0.0/24 -> 192.0.2.1/32 portmap tcp/udp 10000:20000'
        $m.Kind | Should -Be 'map'
        $m.Position | Should -Be 1
        $r = New-NatRule -Session $s -ZoneName nat -Type Rdr -InterfaceAlias e0 -ExternalIPAddress 192.0.2.1 -ExternalPort 80 -InternalIPAddress 10.0.0.5 -InternalPort 8080 -Protocol TCP
        $r.Text | Should -Be 'rdr e0 192.0.2.1/32 port 80 -> 10.0.0.5 port 8080 tcp'
        (New-NatRule -Session $s -ZoneName nat -Rule 'bimap e0 10.0.0.7/32 -> 192.0.2.7/32').Kind | Should -Be 'bimap'
        (Get-NatRule -Session $s -ZoneName nat).Text.Count | Should -Be 3
        (Get-NatRule -Session $s -ZoneName nat -Type Rdr).Position | Should -Be 2
    }

    It 'translates an outbound packet and shows the translation as a NAT session' {
        # No filter rules: ipftest says nomatch, and the packet leaves with the first port of the portmap range.
        $v = Test-FirewallPacket -Session $s -ZoneName nat -Packet 'out on e0 tcp 10.0.0.5,1000 8.8.8.8,80 S'
        $v.Verdict | Should -Be 'nomatch'
        $v.Packet | Should -Be 'ip #0 40(20) 6 192.0.2.1,10000 > 8.8.8.8,80 S'
        $n = @(Get-NatSession -Session $s -ZoneName nat)
        $n.Count | Should -Be 1
        $n[0].Kind | Should -Be 'map'
        $n[0].Inside | Should -Be '10.0.0.5,1000'
        $n[0].Outside | Should -Be '192.0.2.1,10000'
        $n[0].Remote | Should -Be '8.8.8.8,80'
    }

    It 'refuses bad NAT requests with clear error ids' {
        { New-NatRule -Session $s -ZoneName nat -Type Rdr -InterfaceAlias e0 -ExternalIPAddress 192.0.2.1 -InternalIPAddress 10.0.0.5 -ErrorAction Stop } | Should -Throw -ErrorId 'NatPortRequired*'
        { New-NatRule -Session $s -ZoneName nat -Type Bimap -InterfaceAlias e0 -ExternalIPAddress 192.0.2.1 -InternalIPAddress 10.0.0.5 -ExternalPort 80 -ErrorAction Stop } | Should -Throw -ErrorId 'NatPortInvalid*'
        $err = $null
        New-NatRule -Session $s -ZoneName nat -Rule 'map e0 10.0.0.0/24 => 1.2.3.4' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'FirewallRuleSyntax*'
        $err[0].CategoryInfo.Category | Should -Be 'ParserError'
        (Get-NatRule -Session $s -ZoneName nat).Count | Should -Be 3
    }

    It 'Get-NatRule and Remove-NatRule report a missing position as ObjectNotFound' {
        $err = $null
        Get-NatRule -Session $s -ZoneName nat 9 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NatRuleNotFound*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Remove-NatRule -Session $s -ZoneName nat 9 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'NatRuleNotFound*'
    }

    It 'New-NatRule and Remove-NatRule -WhatIf change nothing' {
        New-NatRule -Session $s -ZoneName nat -Rule 'map e0 10.9.0.0/16 -> 192.0.2.9/32' -WhatIf
        Remove-NatRule -Session $s -ZoneName nat 1 -WhatIf
        (Get-NatRule -Session $s -ZoneName nat).Count | Should -Be 3
    }

    It 'removes NAT rules by position and piped, writing them with -PassThru' {
        (Remove-NatRule -Session $s -ZoneName nat 2 -Confirm:$false -PassThru).Kind | Should -Be 'rdr'
        Get-NatRule -Session $s -ZoneName nat | Remove-NatRule -Confirm:$false
        Get-NatRule -Session $s -ZoneName nat | Should -BeNullOrEmpty
    }
}

Describe 'Persistence on the embedded host' {
    It 'rules, disabled rules and NAT rules survive a new session on the same host directory, as real ipf.conf text' {
        $dir = Join-Path $TestDrive 'fwhost'
        $a = New-IllumosSession -Path $dir
        try {
            New-FirewallRule -Session $a -Action Block -Direction Inbound | Out-Null
            New-FirewallRule -Session $a -Protocol TCP -LocalPort 22 -Quick -KeepState -InterfaceAlias e1000g0 | Out-Null
            New-FirewallRule -Session $a -Rule 'pass out all' | Out-Null
            Disable-FirewallRule -Session $a 3
            New-FirewallRule -Session $a -ZoneName db -GlobalControlled -Rule 'block in quick proto tcp from any to any port = 5432' | Out-Null
            New-NatRule -Session $a -Rule 'map e1000g0 10.0.0.0/24 -> 192.0.2.1/32' | Out-Null
        } finally { Remove-IllumosSession $a -Confirm:$false }

        Get-Content (Join-Path $dir 'etc/ipf/ipf.conf') | Should -Be @('block in all', 'pass in quick on e1000g0 proto tcp from any to any port = 22 keep state', '#disabled: pass out all')
        Get-Content (Join-Path $dir 'etc/ipf/ipnat.conf') | Should -Be 'map e1000g0 10.0.0.0/24 -> 192.0.2.1/32'
        Get-Content (Join-Path $dir 'etc/ipf/zones/db/gz/ipf.conf') | Should -Be 'block in quick proto tcp from any to any port = 5432'

        $b = New-IllumosSession -Path $dir
        try {
            $rules = Get-FirewallRule -Session $b
            $rules.Text | Should -Be @('block in all', 'pass in quick on e1000g0 proto tcp from any to any port = 22 keep state', 'pass out all')
            $rules.Enabled | Should -Be @($true, $true, $false)
            (Get-FirewallRule -Session $b -ZoneName db -GlobalControlled).Text | Should -Be 'block in quick proto tcp from any to any port = 5432'
            (Get-NatRule -Session $b).Text | Should -Be 'map e1000g0 10.0.0.0/24 -> 192.0.2.1/32'
            (Test-FirewallPacket -Session $b -Protocol TCP -InterfaceAlias e1000g0 -RemoteAddress 1.2.3.4 -RemotePort 999 -LocalAddress 10.0.0.1 -LocalPort 22 -TcpFlags S).RulePosition | Should -Be 2
        } finally { Remove-IllumosSession $b -Confirm:$false }
    }
}

Describe 'Pipelines, sessions, counters and completion' {
    It 'counts hits per rule as ipfstat -hio does: every packet matches rule 1 (not quick), the three UDP ones also rule 2' {
        'block in all', 'pass in quick proto udp all' | New-FirewallRule -Session $s -ZoneName hits | Out-Null
        $packets = 'in udp 1.1.1.1,1 2.2.2.2,53', 'in udp 1.1.1.1,2 2.2.2.2,53', 'in udp 1.1.1.1,3 2.2.2.2,53', 'in tcp 1.1.1.1,4 2.2.2.2,80 S', 'in tcp 1.1.1.1,5 2.2.2.2,80 S'
        (Test-FirewallPacket -Session $s -ZoneName hits -Packet $packets).Verdict | Should -Be @('pass', 'pass', 'pass', 'block', 'block')
        $r = Get-FirewallRule -Session $s -ZoneName hits
        $r.Text | Should -Be @('block in all', 'pass in quick proto udp from any to any')
        $r.Hits | Should -Be @(5, 3)
        $r[1].Bytes | Should -Be (3 * 28)
    }

    It 'a piped rule goes back to its own session, zone and stack' {
        $other = New-IllumosSession -Temporary -Name firewall-other
        try {
            New-FirewallRule -Session $other -ZoneName web -GlobalControlled -Rule 'block in quick proto tcp from any to any port = 25' | Out-Null
            New-FirewallRule -Session $s -ZoneName web -GlobalControlled -Rule 'block in quick proto tcp from any to any port = 25' | Out-Null
            Get-FirewallRule -Session $other -ZoneName web -GlobalControlled -Rule '*port = 25' | Disable-FirewallRule
            (Get-FirewallRule -Session $other -ZoneName web -GlobalControlled -Rule '*port = 25').Enabled | Should -BeFalse
            (Get-FirewallRule -Session $s -ZoneName web -GlobalControlled -Rule '*port = 25').Enabled | Should -BeTrue
            (Get-FirewallRule -Session $other -ZoneName web).Count | Should -Be 0
        } finally { Remove-IllumosSession $other -Confirm:$false }
    }

    It 'reports missing packet files; -WhatIf on Export writes no file' {
        { Test-FirewallPacket -Session $s -Path (Join-Path $TestDrive 'nope.txt') -ErrorAction Stop } | Should -Throw -ErrorId 'FirewallFileNotFound*'
        $f = Join-Path $TestDrive 'whatif-export.conf'
        Export-FirewallRule -Session $s -ZoneName hits -Path $f -WhatIf
        Test-Path $f | Should -BeFalse
    }

    It 'completes rule positions with their text, on the default session' {
        New-FirewallRule -ZoneName cmpl -Rule 'block in all' | Out-Null
        New-FirewallRule -ZoneName cmpl -Rule 'pass out all' | Out-Null
        $line = 'Disable-FirewallRule -ZoneName cmpl -Position '
        $c = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $c.CompletionText | Should -Be @('1', '2')
        $c[1].ListItemText | Should -Be '2: pass out all'
    }
}

Describe 'Formatting' {
    It 'shows rules, verdicts and sessions in table views' {
        $out = Get-FirewallRule -Session $s -ZoneName pk | Out-String -Width 250
        $out | Should -Match 'Pos'
        $out | Should -Match 'pass in quick proto tcp from any to 10\.0\.0\.1/32 port = 22'
        (Test-FirewallPacket -Session $s -ZoneName pk -Packet 'in tcp 1.1.1.1,1000 10.0.0.9,80 S' | Out-String) | Should -Match 'Verdict'
        (Test-FirewallRule 'pass inn all' | Out-String) | Should -Match 'Column'
    }
}
