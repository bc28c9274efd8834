# Trace-Probe, Get-Probe and Test-DTraceScript on a native host, through a replay session of dtrace
# (Tests/Replay/dtrace-omnios: recordings laid out in dtrace's own output formats; the shared fixtures
# hold no dtrace captures). Each recording answers exactly the argv and the stdin program NativeTracing sends.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:ReplayDir = Join-Path $PSScriptRoot '../Replay/dtrace-omnios'
    $script:s = New-IllumosSession -Replay $ReplayDir
    $script:Quantize = "syscall::write:entry`n{`n`t@bytes = quantize(arg2);`n`t@calls[execname] = count();`n}`n`nprofile:::tick-1sec`n{`n`tprintf(`"%d writes\n`", 27);`n`texit(0);`n}`n"
}

AfterAll {
    if ($s) { Remove-IllumosSession $s -Confirm:$false -ErrorAction SilentlyContinue }
}

Describe 'Trace-Probe on a native replay session' {
    It 'returns printf records, then the aggregations dtrace printed at exit as objects with histograms' {
        $out = @(Trace-Probe -Session $s -Script $Quantize -Option @{ quiet = $true })
        $recs = @($out | Where-Object { $_ -is [Illumos.Engine.Tracing.TraceOutputRecord] })
        $aggs = @($out | Where-Object { $_ -is [Illumos.Engine.Tracing.AggregationRecord] })
        $recs.Text | Should -Be "27 writes`n"
        $recs[0].Session.Id | Should -Be $s.Id
        $aggs.Count | Should -Be 3
        $aggs[0].Histogram.Buckets.Count | Should -Be 3
        $aggs[0].Histogram.Buckets[0].Value | Should -Be 1
        $aggs[0].Histogram.Buckets[0].Count | Should -Be 10
        $aggs[0].Value | Should -Be 20
        $aggs[0].Histogram.ToString() | Should -BeLike '*value  ------------- Distribution ------------- count*'
        $aggs[2].Keys[0] | Should -Be 'bash'
        $aggs[2].Value | Should -Be 17
    }

    It '-Raw writes the lines dtrace printed' {
        $lines = @(Trace-Probe -Session $s -Script $Quantize -Option @{ quiet = $true } -Raw)
        $lines[0] | Should -Be '27 writes'
        $lines | Should -Contain '  bash                                                             17'
    }

    It 'without quiet each firing is a record with dtrace''s probe ID and FUNCTION:NAME' {
        $recs = @(Trace-Probe -Session $s -Probe 'syscall::read:entry', 'syscall::write:entry')
        $recs.ProbeId | Should -Be @(8242, 8244, 8242)
        $recs[1].Probe | Should -Be 'write:entry'
    }

    It 'reports drops as warnings and runtime faults as DTRACEFLT errors' {
        $script = "#pragma D option quiet`nsyscall::read:entry`n/pid == `$1/`n{`n`tprintf(`"%d\n`", arg2);`n}`n`nprofile:::tick-1sec`n{`n`ty = 0;`n`tx = 1 / y;`n}`n`nprofile:::tick-2sec`n{`n`texit(0);`n}`n"
        $out = @(Trace-Probe -Session $s -Script $script -ArgumentList 4711 -Option @{ bufsize = '64k' } -WarningVariable w -ErrorVariable e -WarningAction SilentlyContinue -ErrorAction SilentlyContinue)
        $out.Text | Should -Be @("512`n", "8192`n", "512`n")
        @($w).Count | Should -Be 2
        "$($w[0])" | Should -BeLike '*: 2048 drops on CPU 0'
        $e[0].FullyQualifiedErrorId | Should -BeLike 'DTRACEFLT_DIVZERO*'
    }

    It 'reports compile errors locally without running dtrace, one error per D_* diagnostic' {
        $null = Trace-Probe -Session $s -Script 'syscall::read:entry { x = ; }' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'D_SYNTAX*'
    }
}

Describe 'Get-Probe and Test-DTraceScript on a native replay session' {
    It 'lists dtrace -l rows, empty and overflowing columns included' {
        $all = @(Get-Probe -Session $s)
        $all.Count | Should -Be 13
        ($all | Where-Object Id -eq 4).Provider | Should -Be 'python18035'
        ($all | Where-Object Id -eq 8242).Module | Should -Be ''
        ($all | Where-Object Id -eq 8242).Function | Should -Be 'read'
    }

    It 'narrows on the host with -Provider and -Function' {
        $p = @(Get-Probe -Session $s -Provider syscall -Function read)
        $p.Id | Should -Be @(8242, 8243)
        $p[0].Session.Id | Should -Be $s.Id
    }

    It 'a literal provider that matches nothing is a ProbeNotFound error' {
        $null = Get-Probe -Session $s -Provider nosuch -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'ProbeNotFound*'
    }

    It 'checks scripts with host probes locally (the host''s dtrace matches them)' {
        Test-DTraceScript -Session $s -Script 'fbt:zfs:zfs_write:entry { @[execname] = count(); }' -Quiet | Should -BeTrue
        $d = @(Test-DTraceScript -Session $s -Script 'BEGIN { x = ; }')
        $d[0].Tag | Should -Be 'D_SYNTAX'
    }
}
