#!/usr/bin/env bash
# Deploy Sentinel demo: the release protocol on this machine, with the local provider, on a
# bundled sample service listening on 127.0.0.1 — from pre-flight gates to the report.
#
# Real throughout: sentinel-state takes the gates, holds the run lock, journals every event
# and keeps production closed until the soak passes; sentinel-trigger starts detached local
# engines whose deploy commands start sample-service instances; sentinel-watch follows each
# stage and the engine health-checks every instance. Not yet in it: load tests after each
# stage (sentinel-stress, issue 4), notifications (issue 7), git tags and branches (issue 8)
# and the automatic rollback on a failed verification (issue 9).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bold=$'\033[1m' dim=$'\033[2m' reset=$'\033[0m'
if [[ -n "${NO_COLOR:-}" || "${TERM:-}" == "dumb" || ! -t 2 ]]; then bold="" dim="" reset=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$reset" >&2; }
note() { printf '%s%s%s\n' "$dim" "$*" "$reset" >&2; }

step "Building the tools (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bins
export PATH="$repo/target/release:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/deploy-sentinel-demo.XXXXXX")
mkdir -p "$work/run"
cleanup() {
  # Stop every sample-service instance the demo started.
  for pid_file in "$work"/run/*.pid; do
    [[ -f "$pid_file" ]] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
}
trap cleanup EXIT
cd "$work"
note "workspace: $work"

# Ports for the instances: staging, then the three production phases.
base=$((20000 + RANDOM % 20000))
staging_port=$base canary_port=$((base + 1)) half_port=$((base + 2)) full_port=$((base + 3))

# A deploy command that (re)starts one sample-service instance of the version being deployed.
deploy() { # name port
  printf "kill \$(cat run/%s.pid 2>/dev/null) 2>/dev/null; nohup sample-service --port %s --version {version} --pid-file run/%s.pid > run/%s.log 2>&1 &" "$1" "$2" "$1" "$1"
}
stage() { # name region percent instance port
  printf '{"name":"%s","regions":["%s"],"trafficPercent":%s,"deploy":"%s","rollback":"kill $(cat run/%s.pid)","healthUrl":"http://127.0.0.1:%s/healthz","endpoints":["http://127.0.0.1:%s/"]}' \
    "$1" "$2" "$3" "$(deploy "$4" "$5" | sed 's/"/\\"/g')" "$4" "$5" "$5"
}
write_config() { # file stages-json
  cat >"$1" <<JSON
{
  "serviceGroupName": "Contoso.Orders",
  "serviceId": "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b",
  "stageMapName": "Contoso.Orders.StageMap",
  "artifactVersion": "1.4.2",
  "pollingInterval": "200ms",
  "stages": [$2]
}
JSON
}
write_config staging.json "$(stage Staging westus 100 staging "$staging_port")"
write_config production.json "$(stage Canary-10 eastus 10 canary "$canary_port"),$(stage Canary-50 westeurope 50 half "$half_port"),$(stage Production southeastasia 100 full "$full_port")"

step "Pre-flight gates"
printf 'sample-service 1.4.2\n' >artifact.tar
sha256sum artifact.tar >artifact.tar.sha256
printf -- '---\nstatus: approved\nreviewer: qa-team\n---\n# QA sign-off for 1.4.2\n' >qa-report.md
printf '<?xml version="1.0"?>\n<testsuites tests="42" failures="0" errors="0"><testsuite name="unit" tests="42" failures="0" errors="0"/></testsuites>\n' >junit.xml
sentinel-state gate no-active-rollout >/dev/null
sentinel-state gate approved --file qa-report.md >/dev/null
sentinel-state gate fresh --file junit.xml --max-age 15m >/dev/null
sentinel-state gate checksum --file artifact.tar --sha256-file artifact.tar.sha256 >/dev/null

step "Staging rollout: trigger → watch → state, under the run lock"
sentinel-state lock --operation deploy-staging -- bash -c \
  'set -o pipefail; sentinel-trigger --config staging.json --environment Staging | sentinel-watch --config staging.json | sentinel-state apply >/dev/null'
sentinel-state show

step "Soak: production stays locked until staging has soaked 3 s"
if ! sentinel-state gate soak --after Staging --min 3s >/dev/null; then
  note "waiting for the soak to finish…"
  sleep 3
  sentinel-state gate soak --after Staging --min 3s >/dev/null
fi

step "Production rollout: canary 10% → 50% → 100% (break-glass confirmed with --confirm)"
sentinel-state lock --operation deploy-production -- bash -c \
  'set -o pipefail; sentinel-trigger --config production.json --environment Prod --confirm DEPLOY-NOW | sentinel-watch --config production.json | sentinel-state apply >/dev/null'
sentinel-state show
note "the production instance answers: $(sentinel-watch health "http://127.0.0.1:$full_port/" 2>/dev/null | grep -o '"status":[0-9]*')"

step "Deployment report"
sentinel-state report --output "$work/deployment-report.md"
cat "$work/deployment-report.md" >&2
rollout=$(sentinel-state get rolloutId)
sentinel-state archive
status=$(sentinel-state --state-dir "$work/.sentinel/history/$rollout" get overallStatus)
step "Verdict: production rollout $status; report at $work/deployment-report.md"
