<#
.SYNOPSIS
    deploy-sentinel.ps1 — the whole release protocol, composed from the six Deploy Sentinel tools
    (the PowerShell twin of deploy-sentinel.sh: same options, same steps, same exit codes).

.DESCRIPTION
    Pre-flight gates, a baseline load test, staging with a smoke test, the soak, production
    phases each verified against thresholds and the baseline (and, when the config has an
    analysis section, by canary analysis of real traffic's metrics for -Monitor),
    post-deployment verification (load and metrics), report, notifications and archive. A
    failed verification rolls back automatically; an inconclusive analysis pauses for a person
    (-OnInconclusive).

    PowerShell has no per-command exit codes for a pipeline, so where bash reads PIPESTATUS this
    script asks the tools instead: the rollout's status (sentinel-state get overallStatus),
    whether a load test failed (sentinel-state gate verified --load-tests-only) and the last
    analysis's verdict (sentinel-state get analysisResults.-1.verdict). It parses no JSON.

    Exit codes: 0 deployed and verified; 1 gate closed, rollout failed, rolled back or cancelled;
    2 usage or configuration error; 3 another run holds the lock; 4 a service stayed unreachable;
    5 internal or I/O error; 6 an analysis was inconclusive and the deployment is paused for a
    person (decide, then run again); 130 interrupted (run again to resume).

.EXAMPLE
    pwsh scripts/deploy-sentinel.ps1 -Config .deploy-sentinel-config.json -Environment Prod -Confirm DEPLOY-NOW -AutoApprove
#>
param(
    [string]$Config,
    [string]$Environment,
    [string]$StagingEnvironment = 'Staging',
    [ValidateSet('canary', 'rolling', 'bluegreen')][string]$Strategy = 'canary',
    [string]$ArtifactVersion,
    [switch]$Resume,
    [string]$Confirm,
    [switch]$AutoApprove,
    [switch]$DryRun,
    [switch]$SkipGates,
    [switch]$NoStaging,
    [switch]$NoGit,
    [string]$Soak = '30m',
    [string]$PdvDuration = '5m',
    [string]$PdvRate = '20',
    [string]$PdvMaxErrorRate = '1',
    [string]$PdvMaxP99 = '500ms',
    [string]$Monitor = '10m',
    [ValidateSet('pause', 'rollback', 'proceed')][string]$OnInconclusive = 'pause',
    [string]$QaReport,
    [string]$TestResults,
    [string]$TestMaxAge = '15m',
    [string]$Artifact,
    [string]$ArtifactSha256,
    [switch]$RequireClean,
    [string]$CleanupMerged,
    [string]$BaseBranch = 'main',
    [string]$Report = 'deployment-report.md'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if ($Config) { $env:SENTINEL_CONFIG = $Config }
if ($Artifact -and -not $ArtifactSha256) {
    [Console]::Error.WriteLine('deploy-sentinel: -Artifact needs -ArtifactSha256 FILE to compare with')
    exit 2
}

# The Markdown report, and beside it the HTML one (charts; opens from disk or as a CI artifact).
$HtmlReport = [System.IO.Path]::ChangeExtension($Report, '.html')
function Write-Reports {
    sentinel-state report --output $Report | Out-Null
    sentinel-state report --format html --output $HtmlReport | Out-Null
}

function Step([string]$Text) { [Console]::Error.WriteLine("`n== $Text") }
function Say([string]$Text) { [Console]::Error.WriteLine("deploy-sentinel: $Text") }

$StateDir = if ($env:SENTINEL_STATE_DIR) { $env:SENTINEL_STATE_DIR } else { '.' }
$BaselineFile = Join-Path $StateDir '.deploy-sentinel-baseline.json'
$EnvironmentFlags = @(); if ($Environment) { $EnvironmentFlags = @('--environment', $Environment) }
$ProductionFlags = $EnvironmentFlags + @('--strategy', $Strategy)
$ProductionName = if ($Environment) { $Environment } else { 'production' }
# With -AutoApprove the watcher stops at each wait action so that this script can approve it
# after verifying the phase before; otherwise it follows through them while a person decides.
$WatchFlags = @(); if ($AutoApprove) { $WatchFlags = @('--stop-at-approval') }

# ---- dry run: validate, deploy nothing ---------------------------------------------------------
if ($DryRun) {
    Step 'Dry run: validating config and version discovery'
    $VersionFlags = @(); if ($ArtifactVersion) { $VersionFlags = @('--artifact-version', $ArtifactVersion) }
    if (-not $NoStaging) {
        sentinel-trigger --dry-run --environment $StagingEnvironment @VersionFlags | Out-Null
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    sentinel-trigger --dry-run @ProductionFlags @VersionFlags | Out-Null
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    Say 'dry run passed: nothing was deployed and no state was written'
    exit 0
}

# ---- everything below runs under the run lock ----------------------------------------------------
if (-not $env:DEPLOY_SENTINEL_LOCK_HELD) {
    $env:DEPLOY_SENTINEL_LOCK_HELD = '1'
    $Forward = @()
    foreach ($entry in $PSBoundParameters.GetEnumerator()) {
        if ($entry.Value -is [System.Management.Automation.SwitchParameter]) {
            if ($entry.Value.IsPresent) { $Forward += "-$($entry.Key)" }
        } else {
            $Forward += "-$($entry.Key)"; $Forward += [string]$entry.Value
        }
    }
    # A lock left by a run that was killed on this machine is taken over: this script goes on
    # from the state file and the rollout's real status, which is the check the lock asks for.
    # '--' quoted: a bare -- is PowerShell's own end-of-parameters token, not an argument.
    sentinel-state lock --operation deploy-sentinel --take-over-dead '--' pwsh -NoProfile -File $PSCommandPath @Forward
    exit $LASTEXITCODE
}

function Field([string]$Name) {
    $value = sentinel-state get $Name 2>$null
    if ($LASTEXITCODE -ne 0) { return $null }
    return [string]$value
}

function Stop-With([int]$Code, [string]$What) {
    if ($Code -eq 130) {
        Say "interrupted during $What; state and lock are consistent — run the script again to resume"
    } else {
        Say "$What stopped with exit code $Code; fix the cause and run the script again to resume"
    }
    exit $Code
}

function Finish([int]$Code) {
    $id = Field rolloutId
    $status = Field overallStatus; if (-not $status) { $status = 'NotStarted' }
    $version = Field artifactVersion; if (-not $version) { $version = 'the release' }
    $target = Field environment; if (-not $target) { $target = $ProductionName }
    Step 'Deployment report'
    Write-Reports
    $title = "Deployment of $version to ${target}: $status"
    $outcome = 'failed'
    if ($Code -eq 0) { $title += ', verified'; $outcome = 'succeeded' }
    # None configured is fine; a failed delivery never fails the deployment.
    sentinel-notify send --title $title --status $outcome --fact "Report=$Report" 2>$null | Out-Null
    if ($id) {
        sentinel-state archive | Out-Null
        # Beside the archived state when that is in the state directory (not with SENTINEL_STATE_URL).
        $history = Join-Path $StateDir ".sentinel/history/$id"
        if ((Test-Path $BaselineFile) -and (Test-Path $history -PathType Container)) {
            Move-Item $BaselineFile (Join-Path $history 'baseline.json')
        }
    }
    if ($Code -eq 0) {
        Step "Verdict: $target deployment $status and verified — report: $Report"
    } else {
        Step "Verdict: $target deployment $status — report: $Report"
    }
    exit $Code
}

function Invoke-Rollback([string]$Reason) {
    $id = Field rolloutId
    Say $Reason
    # sentinel-watch reports rollback.started and rollback.completed as the engine does them.
    sentinel-trigger rollback --rollout-id $id --reason $Reason | Out-Null
    if ($LASTEXITCODE -eq 0) {
        sentinel-watch --rollout-id $id | sentinel-notify | sentinel-state apply | Out-Null
    }
    if ((Field overallStatus) -ne 'RolledBack') {
        Say "the rollback of $id did not finish (status $(Field overallStatus)); see sentinel-state show"
    }
    Finish 1
}

function Get-LastCompletedStage {
    $name = 'the rollout'
    for ($index = 0; ; $index++) {
        $status = Field "stages.$index.status"
        if ($null -eq $status) { break }
        if ($status -eq 'Completed') { $name = Field "stages.$index.name" }
    }
    return $name
}

# What an inconclusive analysis does (-OnInconclusive).
function Invoke-Inconclusive([string]$What) {
    switch ($OnInconclusive) {
        'proceed' { Say "$What was inconclusive; -OnInconclusive proceed: going on without its verdict" }
        'rollback' { Invoke-Rollback "Automatic rollback triggered: $What was inconclusive (-OnInconclusive rollback)" }
        default {
            $id = Field rolloutId
            Say "$What was inconclusive: not a pass, so the deployment is paused for a person to decide"
            Say "  go on:       sentinel-trigger approve --rollout-id $id, then run again with -OnInconclusive proceed"
            Say "  roll back:   sentinel-trigger rollback --rollout-id $id --reason 'inconclusive analysis'"
            Write-Reports
            sentinel-notify send --status warning --title "Deployment paused: $What was inconclusive" --fact "Rollout=$id" --fact 'Decide=approve, then run again with -OnInconclusive proceed; or roll back' 2>$null | Out-Null
            exit 6
        }
    }
}

# Each production phase's metrics, judged for -Monitor after its stage completes (where the
# config has an analysis section; otherwise the events pass through untouched).
function Get-AnalysisArgs {
    $version = Field artifactVersion
    $flags = @('analyze', '--if-configured', '--on', 'stage.completed', '--duration', $Monitor)
    if ($version) { $flags += @('--artifact-version', $version) }
    return $flags
}

# After a segment: decide from the rollout's status, the last analysis and the recorded load tests.
function Test-Segment([string]$What) {
    $status = Field overallStatus
    $analysis = Field 'analysisResults.-1.verdict'
    if ($analysis -eq 'failed') {
        Invoke-Rollback "Automatic rollback triggered: $(Get-LastCompletedStage) failed its canary analysis (metrics of real traffic against the stable instances; see the report)"
    }
    sentinel-state gate verified --load-tests-only 2>$null | Out-Null
    if ($LASTEXITCODE -eq 1) {
        Invoke-Rollback "Automatic rollback triggered: $(Get-LastCompletedStage) failed its verification (load test against thresholds and baseline)"
    }
    if ($analysis -eq 'inconclusive') { Invoke-Inconclusive "the canary analysis of $(Get-LastCompletedStage)" }
    switch ($status) {
        'Failed' { Invoke-Rollback "Automatic rollback triggered: $(Field currentStage) failed to deploy" }
        'Cancelled' { Say 'the rollout was cancelled (an approval was rejected, or someone cancelled it)'; Finish 1 }
        'RolledBack' { Say 'the rollout was rolled back'; Finish 1 }
        'Completed' { return }
        'WaitingForApproval' { return }
        default { Stop-With 5 "$What (the watcher stopped before the rollout reached a wait or an end; see its error above)" }
    }
}

function Get-BaselineArgs { if (Test-Path $BaselineFile) { @('--baseline', $BaselineFile) } else { @() } }

# Start a rollout: its one event, captured so that a refusal (exit 2) is seen before anything runs.
function Start-Rollout([string[]]$Flags, [string]$What) {
    $triggered = sentinel-trigger @Flags
    if ($LASTEXITCODE -ne 0) { Stop-With $LASTEXITCODE $What }
    return $triggered
}

function Invoke-Preflight {
    Step 'Pre-flight gates'
    if ($SkipGates) {
        sentinel-trigger protected @EnvironmentFlags 2>$null
        if ($LASTEXITCODE -eq 0) { Say "-SkipGates is refused: $ProductionName is a protected environment"; exit 2 }
        Say '-SkipGates: pre-flight gates skipped'
        return
    }
    $closed = $false
    sentinel-state gate no-active-rollout | Out-Null; if ($LASTEXITCODE -ne 0) { $closed = $true }
    if ($QaReport) { sentinel-state gate approved --file $QaReport | Out-Null; if ($LASTEXITCODE -ne 0) { $closed = $true } }
    if ($TestResults) { sentinel-state gate fresh --file $TestResults --max-age $TestMaxAge | Out-Null; if ($LASTEXITCODE -ne 0) { $closed = $true } }
    if ($Artifact) { sentinel-state gate checksum --file $Artifact '--sha256-file' $ArtifactSha256 | Out-Null; if ($LASTEXITCODE -ne 0) { $closed = $true } }
    if ($RequireClean) {
        $gate = sentinel-branch check clean
        $code = $LASTEXITCODE
        $gate | sentinel-notify | sentinel-state apply | Out-Null
        if ($code -ne 0) { $closed = $true }
    }
    if ($closed) {
        Say 'a pre-flight gate is closed; nothing was deployed'
        Write-Reports
        exit 1
    }
}

function Measure-Baseline {
    Step "Baseline: load-testing the version in $ProductionName now"
    # Never write through a symlink planted in the state directory: a new temporary file,
    # then a move that replaces whatever is at the target.
    $existing = Get-Item -LiteralPath $BaselineFile -Force -ErrorAction SilentlyContinue
    if ($existing -and $existing.LinkType) {
        Say "refusing to use ${BaselineFile}: it is a symbolic link, and Deploy Sentinel never writes through one; remove it"
        exit 5
    }
    $result = sentinel-stress --output json
    switch ($LASTEXITCODE) {
        0 {
            $temp = Join-Path $StateDir ".deploy-sentinel-baseline.json.$([guid]::NewGuid()).tmp"
            [System.IO.File]::WriteAllText($temp, ($result -join "`n") + "`n")
            Move-Item -LiteralPath $temp -Destination $BaselineFile -Force
            Say "baseline kept in $BaselineFile"
        }
        1 { Say 'the current version does not answer: no baseline; phases are judged on absolute thresholds' }
        2 { Say 'no stressTestConfig.endpoints in the config: no baseline and no post-deployment verification' }
        default { Stop-With $LASTEXITCODE 'the baseline load test' }
    }
}

# The rollout's tracking branch (unless -NoGit). It sits before the watcher, where the input
# is only the trigger's event, so collecting $input first delays nothing.
function Add-TrackingBranch {
    if ($NoGit) { $input } else { $input | sentinel-branch create }
}

function Invoke-Staging([string[]]$Events) {
    Step "Staging: $StagingEnvironment first, with a smoke test of every stage"
    $Events | Add-TrackingBranch | sentinel-watch | sentinel-stress --on stage.completed | sentinel-notify | sentinel-state apply | Out-Null
    Test-Segment 'staging'
}

function Wait-Soak {
    $stage = Field 'stages.-1.name'
    Step "Soak: $ProductionName stays locked until $stage has soaked $Soak"
    sentinel-state gate soak --after $stage --min $Soak --wait | Out-Null
    if ($LASTEXITCODE -ne 0) { Say 'the soak gate is closed'; exit 1 }
}

function Invoke-Production {
    $version = Field artifactVersion
    if ($ArtifactVersion) { $version = $ArtifactVersion }
    $flags = $ProductionFlags
    if ($version) { $flags += @('--artifact-version', $version) }
    if ($Confirm) { $flags += @('--confirm', $Confirm) }
    Step "Production: $ProductionName, $Strategy strategy, version $version"
    if (-not $NoGit -and $version) {
        sentinel-branch check at-tag "v$version" 2>$null | Out-Null
        if ($LASTEXITCODE -ne 0) {
            sentinel-branch tag --version $version --message "Release $version" | sentinel-notify | sentinel-state apply | Out-Null
        }
    }
    $triggered = Start-Rollout $flags "the $ProductionName rollout"
    $against = Get-BaselineArgs
    $analyze = Get-AnalysisArgs
    $triggered | Add-TrackingBranch | sentinel-watch @WatchFlags | sentinel-stress --on stage.completed @against | sentinel-watch @analyze | sentinel-notify | sentinel-state apply | Out-Null
    Test-Segment "the $ProductionName rollout"
    Invoke-FollowProduction @()
}

function Invoke-FollowProduction([string[]]$Replay) {
    $id = Field rolloutId
    $against = Get-BaselineArgs
    $analyze = Get-AnalysisArgs
    while ($true) {
        $status = Field overallStatus
        if ($status -eq 'Completed') { return }
        if ($status -eq 'WaitingForApproval') {
            if ($AutoApprove) {
                Say 'the phase before this wait passed its verification: approving'
                sentinel-trigger approve --rollout-id $id | Out-Null
                if ($LASTEXITCODE -ne 0) { Stop-With $LASTEXITCODE 'approving the next phase' }
            } else {
                Say 'waiting for a person to approve or reject (the command is in the approval.required notification):'
                Say "  sentinel-trigger approve --rollout-id $id   (or: sentinel-trigger reject --rollout-id $id)"
            }
        }
        sentinel-watch --rollout-id $id @WatchFlags @Replay | sentinel-stress --on stage.completed @against | sentinel-watch @analyze | sentinel-notify | sentinel-state apply | Out-Null
        $Replay = @()
        Test-Segment "the $ProductionName rollout"
    }
}

function Test-Deployment {
    Step "Post-deployment verification: $PdvDuration at $PdvRate requests/s (error rate ≤ $PdvMaxErrorRate%, p99 ≤ $PdvMaxP99)"
    # The metrics of real traffic for the whole verification, beside the load test (a job of
    # its own); no stable cohort is left, so only absolute limits apply.
    $id = Field rolloutId
    $version = Field artifactVersion
    $analysisFlags = @('analyze', '--if-configured', '--no-baseline', '--duration', $PdvDuration, '--stage', 'Post-deployment', '--rollout-id', $id)
    if ($version) { $analysisFlags += @('--artifact-version', $version) }
    $analysisJob = Start-ThreadJob -ScriptBlock {
        param($Flags)
        $events = sentinel-watch @Flags
        [pscustomobject]@{ Events = $events; Code = $LASTEXITCODE }
    } -ArgumentList (, $analysisFlags)
    $result = sentinel-stress -z $PdvDuration -q $PdvRate --max-error-rate $PdvMaxErrorRate '--max-p99' $PdvMaxP99 --abort-on-breach --output ndjson
    $code = $LASTEXITCODE
    if ($result) { $result | sentinel-notify | sentinel-state apply | Out-Null }
    $analysis = Receive-Job -Job $analysisJob -Wait -AutoRemoveJob
    if ($analysis.Events) { $analysis.Events | sentinel-notify | sentinel-state apply | Out-Null }
    switch ($analysis.Code) {
        0 { }
        1 { Invoke-Rollback 'Automatic rollback triggered due to PDV failure: the metrics of real traffic breached their limits (see the report)' }
        6 { Invoke-Inconclusive 'the post-deployment analysis' }
        default { Stop-With $analysis.Code 'post-deployment analysis' }
    }
    switch ($code) {
        0 { Say 'post-deployment verification passed' }
        1 {
            # One result per endpoint: name the first that failed.
            $failed = $result | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object { $_.kind -eq 'stress.result' -and -not $_.passed } | Select-Object -First 1
            $why = if ($failed) { "$($failed.endpointUrl): $($failed.violations[0])" } else { 'see the report' }
            Invoke-Rollback "Automatic rollback triggered due to PDV failure: $why"
        }
        2 { Say 'post-deployment verification skipped: no stressTestConfig.endpoints in the config' }
        default { Stop-With $code 'post-deployment verification' }
    }
}

function Invoke-Cleanup {
    if (-not $NoGit -and $CleanupMerged) {
        Step "Cleaning up branches matching $CleanupMerged merged into $BaseBranch"
        sentinel-branch cleanup --merged-into $BaseBranch --pattern $CleanupMerged | sentinel-notify | sentinel-state apply | Out-Null
    }
}

# What follows a completed production rollout.
function Complete-Deployment {
    Test-Deployment
    Invoke-Cleanup
    Finish 0
}

# ---- where to start: a fresh deployment, or where an interrupted one stopped --------------------
$currentId = Field rolloutId
$currentStatus = if ($currentId) { Field overallStatus } else { '' }
$currentEnvironment = Field environment
$inStaging = (-not $NoStaging) -and $currentId -and ($currentEnvironment -eq $StagingEnvironment)

switch ($currentStatus) {
    { $_ -in 'InProgress', 'WaitingForApproval', 'NotStarted', 'Interrupted' } {
        Step "Resuming the interrupted deployment: rollout $currentId ($currentEnvironment, $currentStatus)"
        if ($currentStatus -eq 'Interrupted') {
            Say "the rollout's engine had stopped: restarting it where it was (a deploy it left running is waited for)"
            sentinel-trigger resume --rollout-id $currentId | Out-Null
            if ($LASTEXITCODE -ne 0) { Stop-With $LASTEXITCODE "restarting the rollout's engine" }
        }
        if ($inStaging) {
            Invoke-Staging (sentinel-state resume)
            Wait-Soak
            Invoke-Production
            Complete-Deployment
        }
        # Every phase already deployed is verified again before the rollout moves on.
        Invoke-FollowProduction @('--replay')
        Complete-Deployment
    }
    'Completed' {
        Step "Resuming: rollout $currentId to $currentEnvironment completed before the interruption"
        if ($inStaging) { Wait-Soak; Invoke-Production }
        Complete-Deployment
    }
    { $_ -in 'Failed', 'Cancelled', 'RolledBack' } {
        Say "the last deployment (rollout $currentId) ended $currentStatus and was not archived: finishing it"
        Finish 1
    }
}

if ($Resume) {
    Say "-Resume: there is no interrupted deployment in $StateDir to continue"
    exit 1
}

Invoke-Preflight
Measure-Baseline
if (-not $NoStaging) {
    $flags = @('--environment', $StagingEnvironment)
    if ($ArtifactVersion) { $flags += @('--artifact-version', $ArtifactVersion) }
    Invoke-Staging (Start-Rollout $flags 'staging')
    Wait-Soak
}
Invoke-Production
Complete-Deployment
