BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:s = New-IllumosSession -Temporary -Name tracing-tests
    # the record texts of a run, in order
    function Get-Text($out) { @($out | Where-Object { $_ -is [Illumos.Engine.Tracing.TraceOutputRecord] } | ForEach-Object Text) }
}

AfterAll {
    Get-Job | Where-Object PSJobTypeName -eq 'IllumosTraceJob' | Remove-Job -Force
    if ($s) { Remove-IllumosSession $s -Confirm:$false }
}

Describe 'Trace-Probe records' {
    It 'returns printf records of BEGIN and END with their probe and session' {
        $out = Trace-Probe -Session $s -Script 'BEGIN { printf("hello %d\n", 42); exit(0); } END { printf("bye\n"); }'
        $recs = @($out | Where-Object { $_ -is [Illumos.Engine.Tracing.TraceOutputRecord] })
        $recs.Count | Should -Be 2
        $recs[0].Probe | Should -Be 'dtrace:::BEGIN'
        $recs[0].ProbeId | Should -Be 1
        $recs[0].Text | Should -Be "hello 42`n"
        $recs[0].Items[0].Action | Should -Be 'printf'
        $recs[1].Probe | Should -Be 'dtrace:::END'
        $recs[1].Text | Should -Be "bye`n"
        $recs[0].Session.Id | Should -Be $s.Id
    }

    It 'runs a tick clause until the program calls exit(), whose clause records an empty line as in dtrace' {
        $out = Trace-Probe -Session $s -Script 'tick-10ms { i++; printf("tick %d\n", i); } tick-10ms /i == 3/ { exit(0); }'
        Get-Text $out | Should -Be @("tick 1`n", "tick 2`n", "tick 3`n", '')
        ($out | Select-Object -First 1).Probe | Should -Be 'profile:::tick-10ms'
    }

    It 'runs on several sessions at once, each record stamped with its own session' {
        $s2 = New-IllumosSession -Temporary -Name tracing-tests-2
        try {
            $out = Trace-Probe -Session $s, $s2 -Script 'BEGIN { printf("hi\n"); exit(0); }'
            Get-Text $out | Should -Be @("hi`n", "hi`n")
            $out.Session.Id | Sort-Object | Should -Be (@($s.Id, $s2.Id) | Sort-Object)
        } finally { Remove-IllumosSession $s2 -Confirm:$false }
    }

    It 'passes -ArgumentList to $1 and $$2' {
        $out = Trace-Probe -Session $s -Script 'BEGIN { printf("%d %s\n", $1 + 1, $$2); exit(0); }' -ArgumentList 41, 'hello'
        Get-Text $out | Should -Be "42 hello`n"
    }

    It 'pads trace() output without quiet and prints it bare with -Option quiet' {
        (Get-Text (Trace-Probe -Session $s -Script 'BEGIN { trace(5); exit(0); }')) | Should -Be (' ' + '5'.PadLeft(10))
        (Get-Text (Trace-Probe -Session $s -Script 'BEGIN { trace(5); exit(0); }' -Option @{ quiet = $true })) | Should -Be '5'
    }

    It 'builds a clause from -Probe, -Predicate and -Action' {
        $out = Trace-Probe -Session $s -Probe 'dtrace:::BEGIN' -Predicate '$1 > 5' -Action 'printf("big %d\n", $1); exit(0);' -ArgumentList 7
        Get-Text $out | Should -Be "big 7`n"
        $none = Trace-Probe -Session $s -Probe 'dtrace:::BEGIN' -Predicate '$1 > 5' -Action 'printf("big %d\n", $1);' -ArgumentList 3 -Duration 200ms
        Get-Text $none | Should -BeNullOrEmpty
    }

    It 'reads the program from -Path with the script''s file name in errors' {
        $file = Join-Path $TestDrive 'hello.d'
        Set-Content $file "#pragma D option quiet`nBEGIN { printf(`"from %s\n`", `$`$1); exit(0); }"
        Get-Text (Trace-Probe -Session $s -Path $file -ArgumentList 'file') | Should -Be "from file`n"
        $bad = Join-Path $TestDrive 'bad.d'
        Set-Content $bad "BEGIN`n{`n  x = ;`n}"
        $err = $null
        Trace-Probe -Session $s -Path $bad -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -BeLike 'bad.d, line 3:*'
    }

    It 'reports a missing script file as ObjectNotFound' {
        $err = $null
        Trace-Probe -Session $s -Path (Join-Path $TestDrive 'none.d') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TraceScriptNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'Trace-Probe aggregations' {
    BeforeAll {
        $script:aggs = @(Trace-Probe -Session $s -Script @'
BEGIN
{
    @calls["read"] = count(); @calls["write"] = count(); @calls["write"] = count();
    @bytes["a"] = sum(5); @bytes["a"] = sum(7);
    @sizes = quantize(1); @sizes = quantize(2); @sizes = quantize(3); @sizes = quantize(100);
    exit(0);
}
'@ | Where-Object { $_ -is [Illumos.Engine.Tracing.AggregationRecord] })
    }

    It 'returns count() tuples with their keys, ordered by value as dtrace prints them' {
        $calls = @($aggs | Where-Object Aggregation -eq '@calls')
        $calls.Count | Should -Be 2
        $calls[0].Keys | Should -Be @('read'); $calls[0].Value | Should -Be 1
        $calls[1].Keys | Should -Be @('write'); $calls[1].Value | Should -Be 2
        $calls[0].Histogram | Should -BeNullOrEmpty
    }

    It 'returns sum() totals' {
        ($aggs | Where-Object Aggregation -eq '@bytes').Value | Should -Be 12
    }

    It 'returns quantize() as a histogram object with power-of-two buckets' {
        $q = $aggs | Where-Object Aggregation -eq '@sizes'
        $q.Value | Should -Be 4
        $q.Keys.Count | Should -Be 0
        $q.Histogram.Buckets.Label | Should -Be @('1', '2', '64')
        $q.Histogram.Buckets | ForEach-Object Count | Should -Be @(1, 2, 1)
        $q.Histogram.Buckets.Value | Should -Be @(1, 2, 64)
    }

    It 'draws the histogram the way dtrace does: 40 columns of @ shared by the counts' {
        $lines = $aggs | Where-Object Aggregation -eq '@sizes' | ForEach-Object { $_.Histogram.Text -split "`n" }
        $lines[0] | Should -Be ('{0,16} {1,41} {2,-9}' -f 'value', '------------- Distribution -------------', 'count')
        $lines | Should -Contain ('               1 |' + ('@' * 10) + (' ' * 30) + ' 1        ')
        $lines | Should -Contain ('               2 |' + ('@' * 20) + (' ' * 20) + ' 2        ')
        $lines | Should -Contain ('              64 |' + ('@' * 10) + (' ' * 30) + ' 1        ')
        $lines | Should -Contain ('               4 |' + (' ' * 40) + ' 0        ')
    }

    It 'carries each tuple''s text as dtrace prints it, keys in the widths of their types' {
        $out = Trace-Probe -Session $s -Script 'BEGIN { @a["x", 3] = avg(4); @a["x", 3] = avg(8); exit(0); }' | Where-Object Aggregation
        $out.Text | Should -Be ('  ' + 'x'.PadRight(50) + ' ' + '3'.PadLeft(8) + ' ' + '6'.PadLeft(16) + "`n")
        $out.Keys | Should -Be @('x', 3)
        $out.Value | Should -Be 6
        ($out | Out-String) | Should -Match ([regex]::Escape($out.Text.TrimEnd("`n")))
    }

    It 'shows aggregations in the default view as dtrace prints them' {
        $text = $aggs | Out-String
        $text | Should -Match ([regex]::Escape('  ' + 'write'.PadRight(50) + ' ' + '2'.PadLeft(16)))
        $text | Should -Match ([regex]::Escape('               2 |' + ('@' * 20)))
        ($aggs | Where-Object Aggregation -eq '@sizes').Histogram | Out-String | Should -Match 'Distribution'
    }
}

Describe 'Trace-Probe -Raw' {
    It 'writes exactly what dtrace prints, one string per line' {
        $raw = Trace-Probe -Session $s -Script 'BEGIN { printf("x=%d", 7); exit(0); }' -Raw
        $raw | Should -Be @(
            ('CPU'.PadLeft(3) + ' ' + 'ID'.PadLeft(6) + ' ' + 'FUNCTION:NAME'.PadLeft(32))
            ('0'.PadLeft(3) + ' ' + '1'.PadLeft(6) + ' ' + ':BEGIN'.PadLeft(32) + ' x=7')
            ''
        )
    }

    It 'prints aggregations at exit with -Option quiet and no header' {
        $raw = Trace-Probe -Session $s -Script 'BEGIN { @["a"] = count(); @["a"] = count(); exit(0); }' -Option @{ quiet = $true } -Raw
        $raw | Should -Be @('', ('  ' + 'a'.PadRight(50) + ' ' + '2'.PadLeft(16)))
    }
}

Describe 'Trace-Probe limits' {
    It 'stops after -Count records' {
        $out = Trace-Probe -Session $s -Probe 'profile:::tick-10ms' -Count 3
        @($out).Count | Should -Be 3
        $out.Probe | Should -Be (@('profile:::tick-10ms') * 3)
    }

    It 'stops at -Duration, then runs END and writes the aggregations' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $out = Trace-Probe -Session $s -Script 'tick-50ms { @ticks = count(); } END { printf("end\n"); }' -Duration 500ms -ErrorVariable err
        $sw.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.45
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        Get-Text $out | Should -Be "end`n"
        $n = ($out | Where-Object Aggregation -eq '@ticks').Value
        $n | Should -BeGreaterOrEqual 1
        $n | Should -BeLessOrEqual 11
        $err | Should -BeNullOrEmpty
    }

    It 'stops a runaway script at -Timeout with a TraceTimeout error, END still running' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        $out = Trace-Probe -Session $s -Script 'tick-10ms { @n = count(); } END { printf("stopped\n"); }' -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $sw.Stop()
        $sw.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.9
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
        Get-Text $out | Should -Be "stopped`n"
        $err[0].FullyQualifiedErrorId | Should -BeLike 'TraceTimeout,*'
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
    }

    It 'streams records: Select-Object -First ends a trace that would run for a minute' {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $first = Trace-Probe -Session $s -Script 'BEGIN { printf("first\n"); } tick-1s { printf("later\n"); }' -Timeout 60 | Select-Object -First 1
        $sw.Stop()
        $first.Text | Should -Be "first`n"
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 10
    }

    It 'stops a runaway script at Ctrl+C (StopProcessing), and the runspace traces again afterwards' {
        $modulePath = if ($env:ILLUMOS_MODULE_PATH) { $env:ILLUMOS_MODULE_PATH } else { Join-Path $PSScriptRoot '../../out/Illumos/Illumos.psd1' }
        $rs = [runspacefactory]::CreateRunspace()
        $rs.Open()
        $ps = [powershell]::Create($rs)
        try {
            $ps.AddCommand('Import-Module').AddParameter('Name', $modulePath).Invoke() | Out-Null
            $ps.Commands.Clear()
            $ps.AddCommand('Trace-Probe').AddParameter('Session', $s).AddParameter('Script', 'tick-10ms { @n = count(); }') | Out-Null
            $handle = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 500
            $ps.InvocationStateInfo.State | Should -Be 'Running'
            $sw = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Commands.Clear()
            $ps.AddCommand('Trace-Probe').AddParameter('Session', $s).AddParameter('Script', 'BEGIN { printf("again\n"); exit(0); }') | Out-Null
            $ps.Invoke().Text | Should -Be "again`n"
        } finally { $ps.Dispose(); $rs.Dispose() }
    }

    It 'accepts durations as dtrace writes them and refuses nonsense' {
        { Trace-Probe -Session $s -Probe 'dtrace:::BEGIN' -Duration 'soon' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*'
        $sw = [Diagnostics.Stopwatch]::StartNew()
        Trace-Probe -Session $s -Probe 'dtrace:::BEGIN' -Action '' -Duration '300ms' | Out-Null
        $sw.Elapsed.TotalSeconds | Should -BeLessThan 5
    }
}

Describe 'Trace-Probe -AsJob' {
    It 'runs as a PowerShell job whose results Receive-Job returns' {
        $job = Trace-Probe -Session $s -Script 'BEGIN { printf("from job\n"); } tick-10ms /++i == 5/ { exit(0); }' -AsJob -JobName tracejob
        $job | Should -BeOfType ([Illumos.Cmdlets.Tracing.TraceJob])
        $job.PSJobTypeName | Should -Be 'IllumosTraceJob'
        (Get-Job -Name tracejob).Id | Should -Be $job.Id
        $job | Wait-Job -Timeout 30 | Out-Null
        $job.State | Should -Be 'Completed'
        Get-Text (Receive-Job $job) | Should -Be @("from job`n", '')
        $job.HasMoreData | Should -BeFalse
    }

    It 'stops with Stop-Job like Ctrl+C stops dtrace: the aggregations are still returned' {
        $job = Trace-Probe -Session $s -Script 'tick-10ms { @ticks = count(); }' -AsJob
        Start-Sleep -Milliseconds 500
        $job.State | Should -Be 'Running'
        Stop-Job $job
        $job.State | Should -Be 'Stopped'
        (Receive-Job $job | Where-Object Aggregation -eq '@ticks').Value | Should -BeGreaterThan 0
    }

    It 'streams records into the job while the trace still runs' {
        $job = Trace-Probe -Session $s -Script 'BEGIN { printf("started\n"); } tick-10ms { @ticks = count(); }' -AsJob
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not $job.HasMoreData -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $job.State | Should -Be 'Running'
        Get-Text (Receive-Job $job) | Should -Be "started`n"
        # Let tick-10ms fire before stopping: an aggregation that never got a value prints nothing.
        Start-Sleep -Milliseconds 300
        Stop-Job $job
        (Receive-Job $job).Aggregation | Should -Be '@ticks'
    }

    It 'fails with the compile errors in the job''s error stream' {
        $job = Trace-Probe -Session $s -Script 'BEGIN { x = ; }' -AsJob
        $job | Wait-Job -Timeout 30 | Out-Null
        $job.State | Should -Be 'Failed'
        $err = $null
        Receive-Job $job -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'D_SYNTAX*'
    }
}

Describe 'Errors in scripts' {
    It 'never runs a script with a compile error and reports its tag and line' {
        $err = $null
        $out = Trace-Probe -Session $s -Script "BEGIN { printf(`"ran\n`"); exit(0); }`nBEGIN`n{`n  x = ;`n}" -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'D_SYNTAX,*'
        $err[0].CategoryInfo.Category | Should -Be 'ParserError'
        $err[0].TargetObject.Tag | Should -Be 'D_SYNTAX'
        $err[0].TargetObject.Line | Should -Be 4
        $err[0].Exception.Message | Should -BeLike 'script, line 4: syntax error*'
    }

    It 'reports a probe description that matches nothing as D_PDESC_ZERO' {
        $err = $null
        Trace-Probe -Session $s -Probe 'nosuch:::probe' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'D_PDESC_ZERO,*'
        $err[0].TargetObject.Line | Should -Be 1
    }

    It 'refuses an unknown -Option as an invalid argument' {
        $err = $null
        Trace-Probe -Session $s -Script 'BEGIN { exit(0); }' -Option @{ nosuchoption = 1 } -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'D_PRAGMA_OPTSET,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'sends a division by zero to the ERROR probe and keeps the session alive' {
        $err = $null
        $out = Trace-Probe -Session $s -Script @'
BEGIN { x = 0; y = 1 / x; printf("not reached\n"); }
ERROR { printf("fault %d\n", arg4); }
BEGIN { printf("after\n"); exit(0); }
'@ -ErrorVariable err -ErrorAction SilentlyContinue
        Get-Text $out | Should -Be @("fault 4`n", "after`n")
        ($out | Select-Object -First 1).Probe | Should -Be 'dtrace:::ERROR'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DTRACEFLT_DIVZERO,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err[0].TargetObject | Should -Be 'dtrace:::BEGIN'
        $err[0].Exception.Message | Should -Match 'divide-by-zero'
        Get-Text (Trace-Probe -Session $s -Script 'BEGIN { printf("still here\n"); exit(0); }') | Should -Be "still here`n"
    }
}

Describe 'Test-DTraceScript' {
    It 'writes nothing for a valid script and $true with -Quiet' {
        Test-DTraceScript -Session $s -Script 'BEGIN { @ = count(); exit(0); }' | Should -BeNullOrEmpty
        Test-DTraceScript -Session $s -Script 'BEGIN { @ = count(); exit(0); }' -Quiet | Should -BeTrue
    }

    It 'writes a diagnostic with tag and line for an error, and $false with -Quiet' {
        $d = Test-DTraceScript -Session $s -Script "BEGIN`n{`n  x = ;`n}"
        $d | Should -BeOfType ([Illumos.Engine.Tracing.TraceDiagnostic])
        $d.Tag | Should -Be 'D_SYNTAX'
        $d.Line | Should -Be 3
        $d.Session.Id | Should -Be $s.Id
        Test-DTraceScript -Session $s -Script "BEGIN`n{`n  x = ;`n}" -Quiet | Should -BeFalse
    }

    It 'reports every error of a script, each with its tag and line, and Trace-Probe writes them all' {
        $script = "BEGIN`n{`n  x = ;`n  y = 1;`n  z = * ;`n}`nEND`n{`n  trace(;`n}"
        $d = @(Test-DTraceScript -Session $s -Script $script)
        $d.Tag | Should -Be @('D_SYNTAX', 'D_SYNTAX', 'D_SYNTAX')
        $d.Line | Should -Be @(3, 5, 9)
        $d = @(Test-DTraceScript -Session $s -Script "BEGIN`n{`n  trace(nosuch);`n  x = `"a`" * 2;`n}`nnosuch:::probe { }")
        $d.Tag | Should -Be @('D_IDENT_UNDEF', 'D_OP_ARITH', 'D_PDESC_ZERO')
        $err = $null
        Trace-Probe -Session $s -Script $script -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.TargetObject.Line | Should -Be @(3, 5, 9)
    }

    It 'checks the .d files Get-ChildItem pipes, naming the file of each error' {
        $dir = Join-Path $TestDrive 'scripts'
        New-Item -ItemType Directory $dir | Out-Null
        Set-Content (Join-Path $dir 'good.d') 'BEGIN { exit(0); }'
        Set-Content (Join-Path $dir 'broken.d') "BEGIN`n{`n  @ = count(;`n}"
        $d = Get-ChildItem $dir -Filter *.d | Test-DTraceScript -Session $s
        @($d).Count | Should -Be 1
        $d.Script | Should -Be (Join-Path $dir 'broken.d')
        $d.Line | Should -Be 3
    }

    It 'checks macro arguments against -ArgumentList and files from -Path, without running them' {
        $file = Join-Path $TestDrive 'args.d'
        Set-Content $file 'BEGIN { printf("%d\n", $1); exit(0); }'
        (Test-DTraceScript -Session $s -Path $file).Tag | Should -Be 'D_MACRO_UNDEF'
        Test-DTraceScript -Session $s -Path $file -ArgumentList 5 | Should -BeNullOrEmpty
        Test-DTraceScript -Session $s -Script 'nosuch:::probe { }' | ForEach-Object Tag | Should -Be 'D_PDESC_ZERO'
    }
}

Describe 'Get-Probe' {
    It 'lists the dtrace provider''s probes like dtrace -l' {
        $all = Get-Probe -Session $s
        $begin = $all | Where-Object { $_.Provider -eq 'dtrace' -and $_.Name -eq 'BEGIN' }
        $begin.Id | Should -Be 1
        ($all | Where-Object Provider -eq 'dtrace').Name | Should -Be @('BEGIN', 'END', 'ERROR')
        $begin.Session.Id | Should -Be $s.Id
    }

    It 'filters by provider, name and wildcards' {
        (Get-Probe -Session $s -Provider dtrace -Name BEGIN).Id | Should -Be 1
        (Get-Probe -Session $s -Provider dtrace -Name 'E*').Name | Should -Be @('END', 'ERROR')
        (Get-Probe -Session $s -Provider 'dt*' -Function '').Count | Should -Be 3
    }

    It 'matches probe descriptions with empty fields as dtrace -l -n does' {
        (Get-Probe -Session $s 'dtrace:::ERROR').Arguments.Count | Should -Be 6
        (Get-Probe -Session $s 'BEGIN').Id | Should -Be 1
        (Get-Probe -Session $s 'dtrace:::E*').Name | Should -Be @('END', 'ERROR')
    }

    It 'reports a literal filter that matches nothing, but not a wildcard one' {
        $err = $null
        Get-Probe -Session $s -Provider nosuch -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProbeNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'nosuch'
        $err2 = $null
        Get-Probe -Session $s 'nosuch*:::' -ErrorVariable err2 | Should -BeNullOrEmpty
        $err2 | Should -BeNullOrEmpty
    }

    It 'completes providers and probe descriptions' {
        $c = TabExpansion2 -inputScript 'Get-Probe -Provider dtr' -cursorColumn 'Get-Probe -Provider dtr'.Length
        $c.CompletionMatches.CompletionText | Should -Contain 'dtrace'
        $c = TabExpansion2 -inputScript 'Trace-Probe dtrace:::E' -cursorColumn 'Trace-Probe dtrace:::E'.Length
        $c.CompletionMatches.CompletionText | Should -Be @('dtrace:::END', 'dtrace:::ERROR')
    }
}

Describe 'The zfs provider' {
    BeforeAll {
        $script:devdir = Join-Path ([System.IO.Path]::GetTempPath()) ("illumos-trace-zfs-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $devdir | Out-Null
        New-ZPool -Session $s traced (Join-Path $devdir 'd.img') -DeviceSize 64M | Out-Null
        New-ZDataset -Session $s traced/data | Out-Null
        New-PSDrive -Name traced -PSProvider ZFS -Root traced/data -Session $s | Out-Null
    }
    AfterAll {
        Remove-PSDrive traced -ErrorAction SilentlyContinue
        Remove-ZPool -Session $s traced -Confirm:$false -ErrorAction SilentlyContinue
        Remove-Item $devdir -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'lists the storage engine''s probes with their arguments' {
        $p = Get-Probe -Session $s 'zfs:::write'
        $p.Provider | Should -Be 'zfs'
        $p.Arguments.TypeName | Should -Be @('string', 'uint64_t', 'uint64_t', 'uint64_t')
        (Get-Probe -Session $s -Provider zfs).Name | Should -Contain 'txg-synced'
    }

    It 'sees real writes through the provider: bytes per dataset, a size histogram and txg commits' {
        $job = Trace-Probe -Session $s -AsJob -Script @'
BEGIN { printf("ready\n"); }
zfs:::write { @bytes[args[0]] = sum(args[3]); @sizes = quantize(args[3]); }
zfs:::txg-synced /args[0] == "traced"/ { @txgs = count(); }
'@
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not $job.HasMoreData -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Get-Text (Receive-Job $job) | Should -Be "ready`n"
        Set-Content traced:/a.bin -AsByteStream -Value ([byte[]]::new(1000))
        Set-Content traced:/b.bin -AsByteStream -Value ([byte[]]::new(5000))
        Set-Content traced:/c.bin -AsByteStream -Value ([byte[]]::new(70000))
        Stop-Job $job
        $out = Receive-Job $job
        $bytes = $out | Where-Object Aggregation -eq '@bytes'
        $bytes.Keys | Should -Be @('traced/data')
        $bytes.Value | Should -Be 76000
        ($out | Where-Object Aggregation -eq '@txgs').Value | Should -BeGreaterOrEqual 3
        ($out | Where-Object Aggregation -eq '@sizes').Histogram.Buckets.Count | Should -BeGreaterThan 0
    }
}
