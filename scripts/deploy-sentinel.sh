#!/usr/bin/env bash
# deploy-sentinel.sh — the whole release protocol, composed from the six Deploy Sentinel tools.
#
#   pre-flight gates → baseline load test → staging (+ smoke test) → soak → production phases,
#   each verified against thresholds and the baseline (and, when the config has an analysis
#   section, by canary analysis of real traffic's metrics for --monitor) → post-deployment
#   verification (load and metrics) → report, notifications, archive. A failed verification
#   rolls back automatically; an inconclusive analysis pauses for a person (--on-inconclusive).
#
# Every step is a tool call whose exit code decides the next one; this script parses no JSON.
# The whole run holds the state directory's run lock (a second run exits 3 naming the holder),
# and everything it learns is in the state file, so a run that is interrupted (Ctrl-C, a killed
# CI job) is picked up where it stopped by running the script again.
#
# Exit codes: 0 deployed and verified; 1 gate closed, rollout failed, rolled back or cancelled;
# 2 usage or configuration error; 3 another run holds the lock; 4 a service stayed unreachable;
# 5 internal or I/O error; 6 an analysis was inconclusive and the deployment is paused for a
# person (decide, then run again); 130 interrupted (run again to resume).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy-sentinel.sh [OPTIONS]

Deploy the configured service through staging and production, verifying every phase.

Options:
  --config FILE              Deployment config [default: $SENTINEL_CONFIG, else ./.deploy-sentinel-config.json]
  --environment NAME         Production environment [default: the config's environment]
  --staging-environment NAME Environment deployed and soaked first [default: Staging]
  --strategy NAME            canary | rolling | bluegreen: which of the config's stages
                             production deploys (stages list their "strategies") [default: canary]
  --artifact-version V       Version to deploy [default: discovered by sentinel-trigger]
  --resume                   Only continue an interrupted deployment; exit 1 if there is none
                             (without it, an interrupted deployment is continued too)
  --confirm DEPLOY-NOW       Break-glass confirmation for a protected environment without a terminal
  --auto-approve             Approve each wait action once the phase before it passed verification
                             [default: a person approves with sentinel-trigger approve]
  --dry-run                  Validate config and version discovery for both environments; deploy nothing
  --skip-gates               Skip the pre-flight gates (refused for protected environments)
  --no-staging               Deploy straight to the production environment
  --no-git                   No tracking branches and no release tag
  --soak DURATION            Staging soak before production unlocks [default: 30m]
  --pdv-duration DURATION    Post-deployment verification time [default: 5m]
  --pdv-rate RPS             Request rate during verification [default: 20]
  --pdv-max-error-rate PCT   Verification fails above this error rate [default: 1]
  --pdv-max-p99 DURATION     Verification fails above this p99 [default: 500ms]
  --monitor DURATION         With an analysis section in the config: how long each production
                             phase's metrics are observed and judged [default: 10m]
  --on-inconclusive ACTION   pause | rollback | proceed: what an inconclusive analysis does
                             [default: pause: stop with exit 6, the rollout as it is, for a
                             person to approve (then run again with --on-inconclusive proceed)
                             or roll back (sentinel-trigger rollback)]
  --qa-report FILE           Gate: the QA report must say approved
  --test-results FILE        Gate: JUnit results with no failures, newer than --test-max-age
  --test-max-age DURATION    [default: 15m]
  --artifact FILE            Gate: the artifact's SHA-256 must match --artifact-sha256
  --artifact-sha256 FILE     A sha256sum file for --artifact
  --require-clean            Gate: the git working tree has no uncommitted changes
  --cleanup-merged PATTERN   After success, delete branches matching PATTERN merged into --base-branch
  --base-branch NAME         [default: main]
  --report FILE              Where the Markdown report goes [default: deployment-report.md];
                             the HTML report goes beside it (FILE with .html for .md)
  -h, --help                 This text

The report is also appended to $GITHUB_STEP_SUMMARY when that is set. Notifications go to the
channels in the config or SENTINEL_TEAMS_WEBHOOK / SENTINEL_SLACK_WEBHOOK / SENTINEL_WEBHOOK_URL.
EOF
}

# ---- options ---------------------------------------------------------------------------------
environment="" staging_environment=Staging strategy=canary artifact_version=""
resume_only=false confirm="" auto_approve=false dry_run=false skip_gates=false
staging=true use_git=true soak=30m
pdv_duration=5m pdv_rate=20 pdv_max_error_rate=1 pdv_max_p99=500ms monitor=10m on_inconclusive=pause
qa_report="" test_results="" test_max_age=15m artifact="" artifact_sha256="" require_clean=false
cleanup_pattern="" base_branch=main report=deployment-report.md
original_args=("$@")

need_value() { # option value-count
  if [[ $2 -lt 2 ]]; then
    printf 'deploy-sentinel: %s needs a value (see --help)\n' "$1" >&2
    exit 2
  fi
}
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --resume) resume_only=true; shift; continue ;;
    --auto-approve) auto_approve=true; shift; continue ;;
    --dry-run) dry_run=true; shift; continue ;;
    --skip-gates) skip_gates=true; shift; continue ;;
    --no-staging) staging=false; shift; continue ;;
    --no-git) use_git=false; shift; continue ;;
    --require-clean) require_clean=true; shift; continue ;;
  esac
  need_value "$1" $#
  case $1 in
    --config) export SENTINEL_CONFIG=$2 ;;
    --environment) environment=$2 ;;
    --staging-environment) staging_environment=$2 ;;
    --strategy)
      case $2 in
        canary | rolling | bluegreen) strategy=$2 ;;
        *) printf 'deploy-sentinel: --strategy %s: choose canary, rolling or bluegreen\n' "$2" >&2; exit 2 ;;
      esac ;;
    --artifact-version) artifact_version=$2 ;;
    --confirm) confirm=$2 ;;
    --soak) soak=$2 ;;
    --pdv-duration) pdv_duration=$2 ;;
    --pdv-rate) pdv_rate=$2 ;;
    --pdv-max-error-rate) pdv_max_error_rate=$2 ;;
    --pdv-max-p99) pdv_max_p99=$2 ;;
    --monitor) monitor=$2 ;;
    --on-inconclusive)
      case $2 in
        pause | rollback | proceed) on_inconclusive=$2 ;;
        *) printf 'deploy-sentinel: --on-inconclusive %s: choose pause, rollback or proceed\n' "$2" >&2; exit 2 ;;
      esac ;;
    --qa-report) qa_report=$2 ;;
    --test-results) test_results=$2 ;;
    --test-max-age) test_max_age=$2 ;;
    --artifact) artifact=$2 ;;
    --artifact-sha256) artifact_sha256=$2 ;;
    --cleanup-merged) cleanup_pattern=$2 ;;
    --base-branch) base_branch=$2 ;;
    --report) report=$2 ;;
    *) printf 'deploy-sentinel: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
  esac
  shift 2
done
if [[ -n $artifact && -z $artifact_sha256 ]]; then
  printf 'deploy-sentinel: --artifact needs --artifact-sha256 FILE to compare with\n' >&2
  exit 2
fi

# ---- output ----------------------------------------------------------------------------------
bold=$'\033[1m' red=$'\033[31m' green=$'\033[32m' yellow=$'\033[33m' reset=$'\033[0m'
if [[ -n ${NO_COLOR:-} || ${TERM:-} == dumb || ! -t 2 ]]; then bold="" red="" green="" yellow="" reset=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$reset" >&2; }
say() { printf 'deploy-sentinel: %s\n' "$*" >&2; }
warn() { printf '%sdeploy-sentinel: %s%s\n' "$yellow" "$*" "$reset" >&2; }

state_dir=${SENTINEL_STATE_DIR:-.}
baseline_file="$state_dir/.deploy-sentinel-baseline.json"
environment_flags=()
[[ -n $environment ]] && environment_flags=(--environment "$environment")
production_flags=("${environment_flags[@]}" --strategy "$strategy")
production_name=${environment:-production}
# With --auto-approve the watcher stops at each wait action so that this script can approve it
# after verifying the phase before; otherwise it follows through them while a person decides.
watch_flags=()
$auto_approve && watch_flags=(--stop-at-approval)

# ---- dry run: validate, deploy nothing --------------------------------------------------------
if $dry_run; then
  step "Dry run: validating config and version discovery"
  version_flags=()
  [[ -n $artifact_version ]] && version_flags=(--artifact-version "$artifact_version")
  if $staging; then
    sentinel-trigger --dry-run --environment "$staging_environment" "${version_flags[@]}" >/dev/null
  fi
  sentinel-trigger --dry-run "${production_flags[@]}" "${version_flags[@]}" >/dev/null
  say "dry run passed: nothing was deployed and no state was written"
  exit 0
fi

# ---- everything below runs under the run lock ------------------------------------------------
if [[ -z ${DEPLOY_SENTINEL_LOCK_HELD:-} ]]; then
  export DEPLOY_SENTINEL_LOCK_HELD=1
  # A lock left by a run that was killed on this machine is taken over: this script goes on
  # from the state file and the rollout's real status, which is the check the lock asks for.
  exec sentinel-state lock --operation deploy-sentinel --take-over-dead -- \
    bash "${BASH_SOURCE[0]}" "${original_args[@]}"
fi

# Tool events flow into notifications and the state file; stdout stays quiet.
record() { sentinel-notify | sentinel-state apply >/dev/null; }
branch_create() { if $use_git; then sentinel-branch create; else cat; fi; }
# Each production phase's metrics, judged for --monitor after its stage completes (where the
# config has an analysis section; otherwise the events pass through untouched).
analyze_phases() {
  local version
  version=$(field artifactVersion || true)
  sentinel-watch analyze --if-configured --on stage.completed --duration "$monitor" \
    ${version:+--artifact-version "$version"}
}
field() { sentinel-state get "$1" 2>/dev/null; }

# "URL: first violation" of the first failed stress.result in an NDJSON file (one result per
# endpoint; violation sentences hold no quotes).
first_failure() { # file
  local line url why
  line=$(grep -m1 '"passed":false' "$1") || return 1
  url=$(sed -n 's/.*"endpointUrl":"\([^"]*\)".*/\1/p' <<<"$line")
  why=$(sed -n 's/.*"violations":\["\([^"]*\)".*/\1/p' <<<"$line")
  printf '%s: %s\n' "$url" "$why"
}

# Give up with the tool's exit code: state and lock are consistent, and a re-run resumes.
stop_with() { # code what
  if [[ $1 -eq 130 ]]; then
    warn "interrupted during $2; state and lock are consistent — run the script again to resume"
  else
    warn "$2 stopped with exit code $1; fix the cause and run the script again to resume"
  fi
  exit "$1"
}

# The Markdown report, and beside it the HTML one (charts; opens from disk or as a CI artifact).
html_report="${report%.md}.html"
write_reports() {
  sentinel-state report --output "$report" >/dev/null
  sentinel-state report --format html --output "$html_report" >/dev/null
}

# Write the report, archive the release, say how it ended.
finish() { # exit-code
  local code=$1 id status version target
  id=$(field rolloutId || true)
  version=$(field artifactVersion || true)
  target=$(field environment || echo "$production_name")
  status=$(field overallStatus || echo NotStarted)
  step "Deployment report"
  write_reports
  # The final word to the configured channels (none configured is fine; a failed delivery is
  # kept in .sentinel/notifications.ndjson by sentinel-notify and never fails the deployment).
  local title="Deployment of ${version:-the release} to $target: $status" outcome=failed
  [[ $code -eq 0 ]] && title+=", verified" outcome=succeeded
  sentinel-notify send --title "$title" --status "$outcome" --fact "Report=$report" >/dev/null 2>&1 || true
  if [[ -n $id ]]; then
    sentinel-state archive >/dev/null
    # Beside the archived state when that is in the state directory (not with --state-url).
    local history="$state_dir/.sentinel/history/$id"
    [[ -f $baseline_file && ! -L $baseline_file && -d $history && ! -L $history ]] && mv -T "$baseline_file" "$history/baseline.json"
  fi
  if [[ $code -eq 0 ]]; then
    step "${green}Verdict: $target deployment ${status} and verified$reset — report: $report (and $html_report)"
  else
    step "${red}Verdict: $target deployment $status$reset — report: $report (and $html_report)"
  fi
  exit "$code"
}

# Roll back the rollout in the state (its deployed stages, in reverse order) and finish.
roll_back() { # reason
  local id
  id=$(field rolloutId)
  warn "$1"
  set +e
  # sentinel-watch reports rollback.started and rollback.completed as the engine does them.
  { sentinel-trigger rollback --rollout-id "$id" --reason "$1" >/dev/null && sentinel-watch --rollout-id "$id"; } | record
  set -e
  if [[ $(field overallStatus) != RolledBack ]]; then
    warn "the rollback of $id did not finish (status $(field overallStatus)); see sentinel-state show"
  fi
  finish 1
}

# ---- 1. pre-flight gates ---------------------------------------------------------------------
preflight() {
  step "Pre-flight gates"
  if $skip_gates; then
    if sentinel-trigger protected "${environment_flags[@]}" 2>/dev/null; then
      say "--skip-gates is refused: $production_name is a protected environment"
      exit 2
    fi
    warn "--skip-gates: pre-flight gates skipped"
    return
  fi
  local closed=0
  sentinel-state gate no-active-rollout >/dev/null || closed=1
  [[ -n $qa_report ]] && { sentinel-state gate approved --file "$qa_report" >/dev/null || closed=1; }
  [[ -n $test_results ]] && { sentinel-state gate fresh --file "$test_results" --max-age "$test_max_age" >/dev/null || closed=1; }
  [[ -n $artifact ]] && { sentinel-state gate checksum --file "$artifact" --sha256-file "$artifact_sha256" >/dev/null || closed=1; }
  if $require_clean; then sentinel-branch check clean | record || closed=1; fi
  if [[ $closed -ne 0 ]]; then
    say "a pre-flight gate is closed; nothing was deployed"
    write_reports
    exit 1
  fi
}

# ---- 2. baseline: the current version, before anything changes ---------------------------------
measure_baseline() {
  step "Baseline: load-testing the version in $production_name now"
  local code=0 temp
  # A new temporary file (mktemp creates it exclusively) and a rename that replaces, never
  # follows, whatever is at the target: a symlink planted in the state directory is refused.
  if [[ -L $baseline_file ]]; then
    warn "refusing to use $baseline_file: it is a symbolic link, and Deploy Sentinel never writes through one; remove it"
    exit 5
  fi
  temp=$(mktemp "$state_dir/.deploy-sentinel-baseline.json.XXXXXX.tmp")
  sentinel-stress --output json >"$temp" || code=$?
  case $code in
    0) mv -T "$temp" "$baseline_file"
       say "baseline kept in $baseline_file" ;;
    1) rm -f "$temp"
       warn "the current version does not answer: no baseline; phases are judged on absolute thresholds" ;;
    2) rm -f "$temp"
       warn "no stressTestConfig.endpoints in the config: no baseline and no post-deployment verification" ;;
    *) rm -f "$temp"; stop_with "$code" "the baseline load test" ;;
  esac
}

baseline_args() { if [[ -f $baseline_file ]]; then printf '%s\n' --baseline "$baseline_file"; fi; }

# ---- 3. staging ------------------------------------------------------------------------------
# $1: the command that starts (or resumes) the staging rollout's event stream.
run_staging() {
  step "Staging: $staging_environment first, with a smoke test of every stage"
  local statuses
  set +e
  "$@" | branch_create | sentinel-watch | sentinel-stress --on stage.completed | record
  statuses=("${PIPESTATUS[@]}")
  set -e
  # Staging is judged by its smoke tests alone (no analysis: its instance is not the fleet
  # whose real traffic the metrics describe).
  statuses=("${statuses[@]:0:${#statuses[@]}-1}" 0 "${statuses[-1]}")
  check_segment "staging" "${statuses[@]}"
}

start_staging() {
  local flags=(--environment "$staging_environment")
  [[ -n $artifact_version ]] && flags+=(--artifact-version "$artifact_version")
  run_staging sentinel-trigger "${flags[@]}"
}

soak_gate() {
  local stage
  stage=$(field stages.-1.name)
  step "Soak: $production_name stays locked until $stage has soaked $soak"
  sentinel-state gate soak --after "$stage" --min "$soak" --wait >/dev/null || {
    say "the soak gate is closed"
    exit 1
  }
}

# ---- 4. production: phases, each verified before the next --------------------------------------
start_production() {
  local version flags
  version=$(field artifactVersion || true)
  [[ -n $artifact_version ]] && version=$artifact_version
  flags=("${production_flags[@]}")
  [[ -n $version ]] && flags+=(--artifact-version "$version")
  [[ -n $confirm ]] && flags+=(--confirm "$confirm")
  step "Production: $production_name, $strategy strategy, version ${version:-discovered}"
  if $use_git && [[ -n $version ]] && ! sentinel-branch check at-tag "v$version" >/dev/null 2>&1; then
    sentinel-branch tag --version "$version" --message "Release $version" | record
  fi
  local against statuses
  mapfile -t against < <(baseline_args)
  set +e
  sentinel-trigger "${flags[@]}" | branch_create | sentinel-watch "${watch_flags[@]}" \
    | sentinel-stress --on stage.completed "${against[@]}" | analyze_phases | record
  statuses=("${PIPESTATUS[@]}")
  set -e
  check_segment "the $production_name rollout" "${statuses[@]}"
  follow_production
}

# The stage verified last: the last completed one (at a wait, currentStage is the next one).
last_completed_stage() {
  local index=0 status name=""
  while status=$(field "stages.$index.status"); do
    [[ $status == Completed ]] && name=$(field "stages.$index.name")
    index=$((index + 1))
  done
  printf '%s' "${name:-the rollout}"
}

# What an inconclusive analysis does (--on-inconclusive).
inconclusive() { # what
  case $on_inconclusive in
    proceed) warn "$1 was inconclusive; --on-inconclusive proceed: going on without its verdict" ;;
    rollback) roll_back "Automatic rollback triggered: $1 was inconclusive (--on-inconclusive rollback)" ;;
    pause)
      local id
      id=$(field rolloutId || true)
      warn "$1 was inconclusive: not a pass, so the deployment is paused for a person to decide"
      say "  go on:       sentinel-trigger approve --rollout-id $id, then run again with --on-inconclusive proceed"
      say "  roll back:   sentinel-trigger rollback --rollout-id $id --reason 'inconclusive analysis'"
      write_reports
      sentinel-notify send --status warning --title "Deployment paused: $1 was inconclusive" \
        --fact "Rollout=$id" --fact "Decide=approve, then run again with --on-inconclusive proceed; or roll back" \
        >/dev/null 2>&1 || true
      exit 6 ;;
  esac
}

# Exit codes of one pipeline segment: producer, (branch,) watch, stress, analysis, record.
check_segment() { # what codes...
  local what=$1 watch stress analysis recorded
  shift
  local codes=("$@") n=$#
  watch=${codes[n - 4]} stress=${codes[n - 3]} analysis=${codes[n - 2]} recorded=${codes[n - 1]}
  # The producer (and sentinel-branch) failing means this segment started nothing new.
  for code in "${codes[@]:0:n-4}"; do
    [[ $code -ne 0 ]] && stop_with "$code" "$what"
  done
  [[ $recorded -ne 0 ]] && stop_with "$recorded" "$what (recording events)"
  if [[ $watch -gt 1 ]]; then stop_with "$watch" "$what (following the rollout)"; fi
  if [[ $stress -gt 1 ]]; then stop_with "$stress" "$what (verification)"; fi
  if [[ $analysis -gt 1 && $analysis -ne 6 ]]; then stop_with "$analysis" "$what (canary analysis)"; fi
  local status
  status=$(field overallStatus)
  if [[ $analysis -eq 1 ]]; then
    roll_back "Automatic rollback triggered: $(last_completed_stage) failed its canary analysis (metrics of real traffic against the stable instances; see the report)"
  fi
  if [[ $stress -eq 1 ]]; then
    roll_back "Automatic rollback triggered: $(last_completed_stage) failed its verification (load test against thresholds and baseline)"
  fi
  [[ $analysis -eq 6 ]] && inconclusive "the canary analysis of $(last_completed_stage)"
  case $status in
    Failed) roll_back "Automatic rollback triggered: $(field currentStage) failed to deploy" ;;
    Cancelled) warn "the rollout was cancelled (an approval was rejected, or someone cancelled it)"; finish 1 ;;
    RolledBack) warn "the rollout was rolled back"; finish 1 ;;
  esac
}

# Follow the production rollout through its wait actions until it completes.
follow_production() { # [--replay]
  local id status statuses replay=("$@") against
  id=$(field rolloutId)
  mapfile -t against < <(baseline_args)
  while true; do
    status=$(field overallStatus)
    case $status in
      Completed) return 0 ;;
      WaitingForApproval)
        if $auto_approve; then
          say "the phase before this wait passed its verification: approving"
          sentinel-trigger approve --rollout-id "$id" >/dev/null || stop_with $? "approving the next phase"
        else
          say "waiting for a person to approve or reject (the command is in the approval.required notification):"
          say "  sentinel-trigger approve --rollout-id $id   # or: sentinel-trigger reject --rollout-id $id"
        fi ;;
    esac
    set +e
    sentinel-watch --rollout-id "$id" "${watch_flags[@]}" "${replay[@]}" \
      | sentinel-stress --on stage.completed "${against[@]}" | analyze_phases | record
    statuses=(0 "${PIPESTATUS[@]}")
    set -e
    replay=()
    check_segment "the $production_name rollout" "${statuses[@]}"
  done
}

# ---- 5. post-deployment verification ---------------------------------------------------------
verify_deployment() {
  step "Post-deployment verification: $pdv_duration at $pdv_rate requests/s (error rate ≤ $pdv_max_error_rate%, p99 ≤ $pdv_max_p99)"
  local code=0 analysis=0 analysis_pid results="$state_dir/.deploy-sentinel-pdv.ndjson" id version
  local analysis_events
  id=$(field rolloutId) version=$(field artifactVersion || true)
  # The metrics of real traffic for the whole verification, beside the load test. No stable
  # cohort is left, so only absolute limits apply. Its events wait in a file of their own
  # (one sentinel-state apply at a time per state directory) and are recorded after.
  analysis_events=$(mktemp "$state_dir/.deploy-sentinel-pdv-analysis.XXXXXX.tmp")
  sentinel-watch analyze --if-configured --no-baseline --duration "$pdv_duration" --stage Post-deployment \
    --rollout-id "$id" ${version:+--artifact-version "$version"} >"$analysis_events" &
  analysis_pid=$!
  sentinel-stress -z "$pdv_duration" -q "$pdv_rate" --max-error-rate "$pdv_max_error_rate" \
    --max-p99 "$pdv_max_p99" --abort-on-breach --output ndjson | tee "$results" | record || code=$?
  wait "$analysis_pid" || analysis=$?
  record <"$analysis_events" || stop_with $? "post-deployment analysis (recording events)"
  rm -f "$analysis_events"
  local why; why=$(first_failure "$results") || why='see the report'
  rm -f "$results"
  case $analysis in
    0) ;;
    1) roll_back "Automatic rollback triggered due to PDV failure: the metrics of real traffic breached their limits (see the report)" ;;
    6) inconclusive "the post-deployment analysis" ;;
    *) stop_with "$analysis" "post-deployment analysis" ;;
  esac
  case $code in
    0) say "post-deployment verification passed" ;;
    1) roll_back "Automatic rollback triggered due to PDV failure: $why" ;;
    2) warn "post-deployment verification skipped: no stressTestConfig.endpoints in the config" ;;
    *) stop_with "$code" "post-deployment verification" ;;
  esac
}

cleanup_branches() {
  if $use_git && [[ -n $cleanup_pattern ]]; then
    step "Cleaning up branches matching $cleanup_pattern merged into $base_branch"
    sentinel-branch cleanup --merged-into "$base_branch" --pattern "$cleanup_pattern" | record
  fi
}

# What follows a completed production rollout.
after_production() {
  verify_deployment
  cleanup_branches
  finish 0
}

# ---- where to start: a fresh deployment, or where an interrupted one stopped ------------------
current_id=$(field rolloutId || true)
current_status=$(field overallStatus || true)
current_environment=$(field environment || true)
in_staging=false
if $staging && [[ -n $current_id && ${current_environment,,} == "${staging_environment,,}" ]]; then
  in_staging=true
fi

[[ -n $current_id ]] || current_status=""
case $current_status in
  InProgress | WaitingForApproval | NotStarted | Interrupted)
    step "Resuming the interrupted deployment: rollout $current_id ($current_environment, $current_status)"
    if [[ $current_status == Interrupted ]]; then
      say "the rollout's engine had stopped: restarting it where it was (a deploy it left running is waited for)"
      sentinel-trigger resume --rollout-id "$current_id" >/dev/null || stop_with $? "restarting the rollout's engine"
    fi
    if $in_staging; then
      run_staging sentinel-state resume
      soak_gate
      start_production
      after_production
    fi
    # Every phase already deployed is verified again before the rollout moves on.
    follow_production --replay
    after_production
    ;;
  Completed)
    step "Resuming: rollout $current_id to $current_environment completed before the interruption"
    if $in_staging; then
      soak_gate
      start_production
    fi
    after_production
    ;;
  Failed | Cancelled | RolledBack)
    warn "the last deployment (rollout $current_id) ended $current_status and was not archived: finishing it"
    finish 1
    ;;
esac

if $resume_only; then
  say "--resume: there is no interrupted deployment in $state_dir to continue"
  exit 1
fi

preflight
measure_baseline
if $staging; then
  start_staging
  soak_gate
fi
start_production
after_production
