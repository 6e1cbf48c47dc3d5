#!/usr/bin/env bash
# Deploy Sentinel demo: the whole release protocol (scripts/deploy-sentinel.sh) on this machine,
# with the local provider, on a fleet of bundled sample-service instances on 127.0.0.1.
#
#   scripts/demo.sh                 release 1.5.0: staging, soak, canary 10% → 50% → 100% with a
#                                   load test and a canary analysis after every phase,
#                                   verification, report
#   scripts/demo.sh --bad-release   1.5.0 answers 5% of its /orders requests with errors, a
#                                   path the load tests (of /) never ask: the smoke and load
#                                   tests pass, the metrics of real user traffic catch it in
#                                   the canary against the stable instances, and the release
#                                   is rolled back automatically
#
# The fleet: one staging instance and ten production instances, each a sample-service process
# on its own port. A stage's regions are instances, so "10% of traffic" is one instance of ten
# on the new version; each phase's load test hits the instances that phase deployed, judged
# against absolute limits and against the baseline measured on the old version first. All the
# while, "users" send 200 requests/s over the whole fleet (a background sentinel-stress), and
# each phase is also judged on the metrics of that real traffic: sentinel-watch analyze scrapes
# every instance's /metrics and compares the new version's error ratio and p95 with the old
# version's (a two-proportion or Fisher's exact test, and Mann-Whitney U).
# Real throughout: real processes, real HTTP on loopback, a real git repository and lock.
set -euo pipefail

bad_release=false
case ${1:-} in
  "") ;;
  --bad-release) bad_release=true ;;
  -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) printf 'demo.sh: unknown option %s (try --bad-release)\n' "$1" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bold=$'\033[1m' dim=$'\033[2m' reset=$'\033[0m'
if [[ -n ${NO_COLOR:-} || ${TERM:-} == dumb || ! -t 2 ]]; then bold="" dim="" reset=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$reset" >&2; }
note() { printf '%s%s%s\n' "$dim" "$*" "$reset" >&2; }

step "Building the tools (release)"
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" --bins
# Where cargo put them: CARGO_TARGET_DIR when set (relative to where cargo ran, here), else target/.
target=${CARGO_TARGET_DIR:-$repo/target}
[[ $target == /* ]] || target="$PWD/$target"
export PATH="$target/release:$repo/scripts:$PATH"

work=$(mktemp -d "${TMPDIR:-/tmp}/deploy-sentinel-demo.XXXXXX")
traffic_pid=""
# shellcheck disable=SC2317 # called by the EXIT trap
stop_fleet() {
  if [[ -n $traffic_pid ]]; then
    kill "$traffic_pid" 2>/dev/null || true
    wait "$traffic_pid" 2>/dev/null || true
  fi
  for port_file in "$work"/run/*.port; do
    [[ -f $port_file ]] || continue
    (cd "$work" && sample-instance.sh stop "$(basename "$port_file" .port)") || true
  done
}
trap stop_fleet EXIT
cd "$work"
mkdir -p run releases ci
note "workspace: $work"

step "Setting up: a git repository, the fleet, and version 1.4.2 in production"
git init -q -b main
git config user.name "Deploy Sentinel demo"
git config user.email "demo@deploy-sentinel.invalid"
printf 'run/\nreleases/\nci/\n.sentinel/\n.deploy-sentinel-*\ndeployment-report.md\n' >.gitignore
printf 'sample service\n' >SERVICE.md
git add .gitignore SERVICE.md && git commit -q -m "Sample service 1.4.2" && git tag -a v1.4.2 -m "Release 1.4.2"
printf 'sample service, now faster\n' >SERVICE.md
git commit -q -am "Release 1.5.0 changes"

# Every instance does 2 ms of "work" per request, so latency has something to compare.
printf -- '--latency-ms 2\n' >releases/1.4.2
if $bad_release; then
  printf -- '--latency-ms 2 --error-rate 5 --error-path /orders\n' >releases/1.5.0
else
  printf -- '--latency-ms 2\n' >releases/1.5.0
fi

# Below Linux's ephemeral range (32768 and up): a port there may be taken by some client's
# outgoing connection (a load test running beside this one) and the instance fail to listen.
base=$((20000 + RANDOM % 12000))
printf '%s\n' "$base" >run/staging-1.port
urls=() metrics=() fleet=()
for i in $(seq 1 10); do
  printf '%s\n' $((base + i)) >"run/prod-$i.port"
  urls+=("\"http://127.0.0.1:$((base + i))/\"")
  metrics+=("\"http://127.0.0.1:$((base + i))/metrics\"")
  fleet+=("http://127.0.0.1:$((base + i))/orders")
  sample-instance.sh deploy "prod-$i" 1.4.2
done
endpoints() { # instance numbers...
  local list=() i
  for i in "$@"; do list+=("\"http://127.0.0.1:$((base + i))/\""); done
  (IFS=,; printf '%s' "${list[*]}")
}
regions() { # instance numbers...
  local list=() i
  for i in "$@"; do list+=("\"prod-$i\""); done
  (IFS=,; printf '%s' "${list[*]}")
}
deploy='sample-instance.sh deploy {region} {version}'
rollback='sample-instance.sh rollback {region}'
cat >.deploy-sentinel-config.json <<JSON
{
  "serviceGroupName": "Contoso.Orders",
  "serviceId": "8f3c2a1b-4d5e-4f60-9a7b-1c2d3e4f5a6b",
  "stageMapName": "Contoso.Orders.StageMap",
  "environment": "Prod",
  "pollingInterval": "200ms",
  "stressTestConfig": {
    "endpoints": [$(IFS=,; printf '%s' "${urls[*]}")],
    "requests": 200,
    "concurrency": 4,
    "maxErrorRate": 2,
    "maxP95Ms": 250,
    "maxLatencyRatio": 2.0,
    "maxErrorRateIncrease": 0.5
  },
  "analysis": {
    "provider": "scrape",
    "scrape": [$(IFS=,; printf '%s' "${metrics[*]}")],
    "canary": "version=\"{version}\"",
    "baseline": "version!=\"{version}\"",
    "interval": "1s",
    "minRequests": 50,
    "metrics": [
      { "name": "errors", "max": 0.02, "maxRatio": 1.5,
        "query": "ratio(http_requests_total{code=~\"5..\",{canary}}, http_requests_total{{canary}})" },
      { "name": "p95", "maxRatio": 1.5,
        "query": "histogram_quantile(0.95, http_request_duration_seconds{{canary}})" }
    ]
  },
  "stages": [
    { "name": "Staging", "environments": ["Staging"], "regions": ["staging-1"],
      "deploy": "$deploy", "rollback": "$rollback",
      "endpoints": ["http://127.0.0.1:$base/"] },
    { "name": "Canary-10", "environments": ["Prod"], "strategies": ["canary"], "trafficPercent": 10,
      "regions": [$(regions 1)], "deploy": "$deploy", "rollback": "$rollback",
      "endpoints": [$(endpoints 1)] },
    { "name": "Canary-50", "environments": ["Prod"], "strategies": ["canary"], "trafficPercent": 50,
      "approval": true, "regions": [$(regions 2 3 4 5)], "deploy": "$deploy", "rollback": "$rollback",
      "endpoints": [$(endpoints 2 3 4 5)] },
    { "name": "Production", "environments": ["Prod"], "strategies": ["canary"], "trafficPercent": 100,
      "approval": true, "regions": [$(regions 6 7 8 9 10)], "deploy": "$deploy", "rollback": "$rollback",
      "endpoints": [$(endpoints 6 7 8 9 10)] },
    { "name": "Rolling-1", "environments": ["Prod"], "strategies": ["rolling"], "trafficPercent": 50,
      "regions": [$(regions 1 2 3 4 5)], "deploy": "$deploy", "rollback": "$rollback",
      "endpoints": [$(endpoints 1 2 3 4 5)] },
    { "name": "Rolling-2", "environments": ["Prod"], "strategies": ["rolling"], "trafficPercent": 100,
      "regions": [$(regions 6 7 8 9 10)], "deploy": "$deploy", "rollback": "$rollback",
      "endpoints": [$(endpoints 6 7 8 9 10)] }
  ]
}
JSON

# What the pre-flight gates check: a QA sign-off, fresh test results, the artifact's checksum.
printf 'sample-service 1.5.0\n' >ci/artifact.tar
(cd ci && sha256sum artifact.tar >artifact.tar.sha256)
printf -- '---\nstatus: approved\nreviewer: qa-team\n---\n# QA sign-off for 1.5.0\n' >ci/qa-report.md
printf '<?xml version="1.0"?>\n<testsuites tests="42" failures="0" errors="0"><testsuite name="unit" tests="42" failures="0" errors="0"/></testsuites>\n' >ci/junit.xml
note "production: 10 instances of 1.4.2 on 127.0.0.1:$((base + 1))-$((base + 10)); staging on :$base"
if $bad_release; then
  note "release 1.5.0 is BAD: every 20th request to /orders fails (5% errors), and the load tests only ask /"
fi

step "User traffic: 200 requests/s over the whole fleet, for the whole deployment"
sentinel-stress "${fleet[@]}" -q 200 -z 10m -c 10 >/dev/null 2>&1 &
traffic_pid=$!

code=0
deploy-sentinel.sh --artifact-version 1.5.0 --environment Prod --confirm DEPLOY-NOW --auto-approve \
  --soak 3s --pdv-duration 3s --pdv-rate 50 --monitor 4s \
  --qa-report ci/qa-report.md --test-results ci/junit.xml \
  --artifact ci/artifact.tar --artifact-sha256 ci/artifact.tar.sha256 --require-clean \
  --report "$work/deployment-report.md" || code=$?

step "The deployment report ($work/deployment-report.md; with charts: $work/deployment-report.html)"
cat "$work/deployment-report.md" >&2

step "What the metrics of real traffic said, phase by phase (canary against the stable instances)"
for dir in "$work"/.sentinel/history/*/; do
  index=0
  while reason=$(sentinel-state get "analysisResults.$index.reason" --state-dir "$dir" 2>/dev/null); do
    stage=$(sentinel-state get "analysisResults.$index.stage" --state-dir "$dir" 2>/dev/null || true)
    verdict=$(sentinel-state get "analysisResults.$index.verdict" --state-dir "$dir" 2>/dev/null || true)
    note "  ${stage:-analysis}: $verdict — $reason"
    index=$((index + 1))
  done
done

versions=$(for i in $(seq 1 10); do cat "run/prod-$i.version"; done | sort | uniq -c | awk '{printf "%s× %s ", $1, $2}')
if $bad_release; then
  if [[ $code -eq 1 ]] && ! grep -qx 1.5.0 run/prod-*.version; then
    step "As intended: the bad release was caught and rolled back — production runs ${versions}"
    exit 0
  fi
  step "UNEXPECTED: the bad release was not rolled back (exit $code; production runs ${versions})"
  exit 1
fi
step "Production runs ${versions}(deploy-sentinel.sh exit code $code)"
exit "$code"
