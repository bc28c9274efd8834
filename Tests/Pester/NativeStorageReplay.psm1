# Builds replay folders (see about_Illumos_Sessions, REPLAY FOLDERS) from the real outputs in
# ../shared/fixtures/illumos-outputs, for NativeStorage.Replay.Tests.ps1. Fixture data is read at
# test time and never copied into the repository.

$script:FixtureDir = $null

function Initialize-ReplayFixtures {
    param([string] $SharedFolder)
    $script:FixtureDir = $null
    if ($SharedFolder) {
        $d = Join-Path $SharedFolder 'fixtures/illumos-outputs'
        if (Test-Path (Join-Path $d 'FORMATS.md')) { $script:FixtureDir = $d }
    }
    return $script:FixtureDir
}

function Read-Fixture {
    # The captured stdout of a fixture: its '#@ ' header lines stripped.
    param([Parameter(Mandatory)] [string] $Name)
    $text = [System.IO.File]::ReadAllText((Join-Path $script:FixtureDir $Name))
    $lines = $text -split "`n"
    $i = 0
    while ($i -lt $lines.Count -and $lines[$i].StartsWith('#@ ')) { $i++ }
    return ($lines[$i..($lines.Count - 1)] -join "`n")
}

$script:Canonical = @{
    alloc = 'allocated'; avail = 'available'; refer = 'referenced'; cap = 'capacity'
    frag = 'fragmentation'; dedup = 'dedupratio'; ratio = 'compressratio'
}

function ConvertTo-FieldRows {
    # Re-lays -H rows recorded with the columns $From as rows of the columns $To ('-' where the
    # sample has no value), joined by single TABs. Samples whose TABs were expanded to spaces
    # (noted in their headers) are split on runs of blanks.
    param([Parameter(Mandatory)] [string] $Text, [Parameter(Mandatory)] [string[]] $From, [Parameter(Mandatory)] [string[]] $To)
    $from2 = @($From | ForEach-Object { if ($script:Canonical.ContainsKey($_)) { $script:Canonical[$_] } else { $_ } })
    $out = foreach ($line in ($Text -split "`n")) {
        $line = $line.TrimEnd("`r")
        if ($line.Trim().Length -eq 0) { continue }
        $f = @(if ($line.Contains("`t")) { $line -split "`t" } else { $line -split '\s+' })
        if ($f.Count -ne $from2.Count) { throw "row '$line' has $($f.Count) fields, not $($from2.Count)" }
        (@($To | ForEach-Object { $k = [array]::IndexOf($from2, $_); if ($k -ge 0) { $f[$k] } else { '-' } }) -join "`t")
    }
    return (($out -join "`n") + "`n")
}

function New-ReplayFolder {
    # A replay folder under $Root: the capability probe of an illumos (OmniOS) or OpenZFS 2.3 (Linux)
    # host, then one recording per entry of $Recordings: @{ Command = '...'; StdOut = '...'; Exit = N; StdErr = '...' }.
    param(
        [Parameter(Mandatory)] [string] $Root,
        [ValidateSet('illumos', 'openzfs')] [string] $Flavor = 'illumos',
        [object[]] $Recordings = @()
    )
    $dir = Join-Path $Root ("replay-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $dir | Out-Null
    $n = 0
    $write = {
        param($command, $stdout, $exit, $stderr)
        $head = "`$ $command`n"
        if ($exit) { $head += "# exit: $exit`n" }
        if ($stderr) { foreach ($l in ($stderr.TrimEnd("`n") -split "`n")) { $head += "# stderr: $l`n" } }
        $script:n++
        [System.IO.File]::WriteAllText((Join-Path $dir ('{0:D3}.txt' -f $script:n)), $head + $stdout)
    }
    $script:n = 0
    if ($Flavor -eq 'illumos') {
        & $write 'uname -s -r -v' "SunOS 5.11 omnios-r151046-a1b2c3d`n" 0 $null
        & $write 'cat /etc/release' "  OmniOS v11 r151046`n" 0 $null
        & $write 'zfs version' '' 2 "unrecognized command 'version'"
    } else {
        & $write 'uname -s -r -v' "Linux 6.8.0-45-generic #45-Ubuntu SMP PREEMPT_DYNAMIC`n" 0 $null
        & $write 'cat /etc/os-release' "PRETTY_NAME=`"Ubuntu 24.04.1 LTS`"`nNAME=`"Ubuntu`"`n" 0 $null
        & $write 'zfs version' "zfs-2.3.0-1`nzfs-kmod-2.3.0-1`n" 0 $null
    }
    foreach ($r in $Recordings) { & $write $r.Command ([string]$r.StdOut) $r.Exit $r.StdErr }
    return $dir
}

Export-ModuleMember -Function Initialize-ReplayFixtures, Read-Fixture, ConvertTo-FieldRows, New-ReplayFolder
