#!/usr/bin/env bash
# Deploy Sentinel demo: the release protocol on this machine, in a temporary workspace.
#
# Today it runs the most complete workflow the suite has: the real sentinel-state takes the
# pre-flight gates, holds the run lock, journals and folds every event, closes production
# until the soak has passed, and writes the deployment report. sentinel-trigger,
# sentinel-watch and sentinel-stress are not built yet (issues 4 and 5), so this script plays
# their part: it writes the events they will write, with real timestamps, and says so.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self="$repo/scripts/$(basename "${BASH_SOURCE[0]}")"

if [[ "${1:-}" == "__rollout" ]]; then
  # Internal: the events sentinel-trigger | sentinel-watch will write for one rollout.
  environment=$2 rollout_id=$3 version=$4
  ts() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
  event() {
    local kind=$1; shift
    printf '{"v":1,"kind":"%s","ts":"%s","source":"demo-stand-in","rolloutId":"%s",%s}\n' \
      "$kind" "$(ts)" "$rollout_id" "$*"
  }
  if [[ "$environment" == "Staging" ]]; then
    stages=("Staging:westus:100")
  else
    stages=("Canary-10:eastus:10" "Canary-50:eastus,westeurope:50" "Production:eastus,westeurope,southeastasia:100")
  fi
  stage_list=""
  for spec in "${stages[@]}"; do
    IFS=: read -r name regions _ <<<"$spec"
    stage_list+="{\"name\":\"$name\",\"regions\":[\"${regions//,/\",\"}\"]},"
  done
  event rollout.triggered "\"serviceGroupName\":\"Contoso.Orders\",\"serviceId\":\"8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b\",\"environment\":\"$environment\",\"stageMapName\":\"Contoso.Orders.StageMap\",\"stageMapVersion\":\"3\",\"artifactVersion\":\"$version\",\"provider\":\"local\",\"stages\":[${stage_list%,}],\"resumed\":false"
  index=0
  for spec in "${stages[@]}"; do
    IFS=: read -r name regions percent <<<"$spec"
    region_json="[\"${regions//,/\",\"}\"]"
    event stage.started "\"stage\":\"$name\",\"index\":$index,\"regions\":$region_json,\"trafficPercent\":$percent"
    sleep 0.4
    event stage.completed "\"stage\":\"$name\",\"index\":$index,\"regions\":$region_json,\"endpoints\":[\"http://127.0.0.1:8080/\"],\"durationMs\":400"
    event stress.result "\"endpointUrl\":\"http://127.0.0.1:8080/\",\"method\":\"GET\",\"totalRequests\":100,\"successfulRequests\":100,\"failedRequests\":0,\"errorRate\":0.0,\"averageResponseTime\":3.1,\"p50ResponseTime\":2.9,\"p90ResponseTime\":4.2,\"p95ResponseTime\":4.8,\"p99ResponseTime\":7.5,\"maxResponseTime\":9.0,\"requestsPerSecond\":950.0,\"testDuration\":105,\"timestamp\":\"$(ts)\",\"statusCodes\":{\"200\":100},\"errors\":{},\"thresholds\":{\"maxErrorRate\":5.0,\"maxP95Ms\":500.0},\"violations\":[],\"passed\":true,\"histogram\":\"\""
    index=$((index + 1))
  done
  event rollout.completed "\"overallStatus\":\"Completed\",\"durationMs\":$((index * 400)),\"deployedRegions\":[],\"errors\":[]"
  exit 0
fi

bold=$'\033[1m' dim=$'\033[2m' reset=$'\033[0m'
if [[ -n "${NO_COLOR:-}" || "${TERM:-}" == "dumb" || ! -t 2 ]]; then bold="" dim="" reset=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$reset" >&2; }
note() { printf '%s%s%s\n' "$dim" "$*" "$reset" >&2; }

step "Building the tools (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bins
export PATH="$repo/target/release:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/deploy-sentinel-demo.XXXXXX")
export SENTINEL_STATE_DIR="$work"
cd "$work"
note "workspace: $work"
note "stand-in: sentinel-trigger/-watch/-stress are not built yet; this script writes the events they will write."

step "Pre-flight gates"
printf 'sample-service 1.4.2\n' >artifact.tar
sha256sum artifact.tar >artifact.tar.sha256
printf -- '---\nstatus: approved\nreviewer: qa-team\n---\n# QA sign-off for 1.4.2\n' >qa-report.md
printf '<?xml version="1.0"?>\n<testsuites tests="42" failures="0" errors="0"><testsuite name="unit" tests="42" failures="0" errors="0"/></testsuites>\n' >junit.xml
sentinel-state gate no-active-rollout >/dev/null
sentinel-state gate approved --file qa-report.md >/dev/null
sentinel-state gate fresh --file junit.xml --max-age 15m >/dev/null
sentinel-state gate checksum --file artifact.tar --sha256-file artifact.tar.sha256 >/dev/null

step "Staging rollout (under the run lock)"
sentinel-state lock --operation deploy-staging -- \
  bash -c 'set -o pipefail; "$1" __rollout Staging rollout-staging-1 1.4.2 | sentinel-state apply >/dev/null' _ "$self"
sentinel-state show

step "Soak: production stays locked until staging has soaked 3 s"
if ! sentinel-state gate soak --after Staging --min 3s >/dev/null; then
  note "waiting for the soak to finish…"
  sleep 3
  sentinel-state gate soak --after Staging --min 3s >/dev/null
fi

step "Production rollout: canary 10% → 50% → 100%"
sentinel-state lock --operation deploy-production -- \
  bash -c 'set -o pipefail; "$1" __rollout Prod rollout-prod-1 1.4.2 | sentinel-state apply >/dev/null' _ "$self"
sentinel-state show

step "Deployment report"
sentinel-state report --output "$work/deployment-report.md"
cat "$work/deployment-report.md" >&2
sentinel-state archive

status=$(sentinel-state --state-dir "$work/.sentinel/history/rollout-prod-1" get overallStatus)
step "Verdict: production rollout $status; report at $work/deployment-report.md"
