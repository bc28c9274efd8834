BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:Cmdlets = @(Get-Command -Module Illumos -CommandType Cmdlet | ForEach-Object { @{ Name = $_.Name } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-IllumosModule
    $script:Module = Get-Module Illumos
}

Describe 'Module manifest' {
    It 'exports exactly the cmdlets the assembly defines' {
        $assembly = [System.Reflection.Assembly]::LoadFrom((Join-Path $Module.ModuleBase 'Illumos.Cmdlets.dll'))
        $defined = $assembly.GetExportedTypes() |
            Where-Object { -not $_.IsAbstract } |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object
        $listed = (Import-PowerShellDataFile (Join-Path $Module.ModuleBase 'Illumos.psd1')).CmdletsToExport | Sort-Object
        $listed | Should -Be $defined
        (Get-Command -Module Illumos -CommandType Cmdlet).Name | Sort-Object | Should -Be $defined
    }

    It 'uses only approved verbs' {
        $approved = (Get-Verb).Verb
        Get-Command -Module Illumos | Where-Object Verb -NotIn $approved | Should -BeNullOrEmpty
    }

    It 'declares an output type with a format view for every cmdlet that outputs objects' {
        # Every file the manifest loads (one per facility), not only Illumos.Format.ps1xml.
        $formats = (Import-PowerShellDataFile (Join-Path $Module.ModuleBase 'Illumos.psd1')).FormatsToProcess
        $formatted = @($formats | ForEach-Object { ([xml](Get-Content -Raw (Join-Path $Module.ModuleBase $_))).Configuration.ViewDefinitions.View.ViewSelectedBy.TypeName })
        foreach ($c in Get-Command -Module Illumos -CommandType Cmdlet) {
            foreach ($t in $c.OutputType) {
                if ($t.Type -in [void], [bool], [string], [byte[]], [System.Object]) { continue }
                $formatted | Should -Contain $t.Type.FullName -Because "$($c.Name) outputs $($t.Type.FullName)"
            }
        }
    }
}

Describe 'Help for <Name>' -ForEach $Cmdlets {
    BeforeAll {
        $script:Help = Get-Help $Name -Full
        $script:Command = Get-Command $Name
    }

    It 'has a synopsis' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match "^\s*$([regex]::Escape($Name))\s*(\[|$)" -Because 'the generated syntax is not a synopsis'
    }

    It 'has a description' {
        ($Help.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        @($Help.Examples.Example).Count | Should -BeGreaterThan 0
        @($Help.Examples.Example)[0].Code | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        foreach ($p in $Command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $doc = $Help.Parameters.Parameter | Where-Object Name -eq $p
            ($doc.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
        }
    }
}

Describe 'About topics' {
    It 'ships <_>' -ForEach 'about_Illumos', 'about_Illumos_Sessions' {
        (Get-Help $_ | Out-String) | Should -Match 'SHORT DESCRIPTION'
    }
}
