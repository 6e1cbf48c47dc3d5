#!/usr/bin/env bash
# Benchmark: how fast `sentinel-state apply` records a burst of events durably.
#
# Side by side on the same input and disk:
#   cat            — a plain copy to a file: no fsync, no state; the floor.
#   naive-fsync    — append + fsync per line (python3), what a durable journal costs without
#                    group commit; run on the first 10 000 events only, it is that slow.
#   sentinel-state — pass-through + journal (group fsync) + atomic state file per group.
# Prints events/s and peak RSS. Usage: scripts/bench-state.sh [EVENTS] (default 100000).
set -euo pipefail
events=${1:-100000}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" -p sentinel-state
bin="$repo/target/release/sentinel-state"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-state.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 - "$events" >"$work/events.ndjson" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"v": 1, "kind": "rollout.triggered", "ts": "2026-11-23T10:00:00.000Z", "source": "bench",
                  "rolloutId": "bench", "serviceGroupName": "Bench", "serviceId": "x", "environment": "Staging",
                  "stageMapName": "m", "stageMapVersion": "1", "artifactVersion": "1.0.0", "provider": "local",
                  "stages": [{"name": "Staging", "regions": ["westus"]}], "resumed": False}))
for i in range(1, n):
    print(json.dumps({"v": 1, "kind": "rollout.status", "ts": "2026-11-23T10:00:00.%03dZ" % (i % 1000),
                      "source": "bench", "rolloutId": "bench", "overallStatus": "InProgress",
                      "currentStage": "Staging", "deployedRegions": [], "pendingRegions": ["westus"], "seq": i}))
PY
size=$(du -h "$work/events.ndjson" | cut -f1)

# seconds and peak RSS (KiB) of a command, from GNU time when present.
measure() {
  local label=$1 count=$2; shift 2
  local start end rss="-"
  start=$(date +%s.%N)
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%M' -o "$work/rss" "$@"
    rss=$(tail -n1 "$work/rss")
  else
    "$@"
  fi
  end=$(date +%s.%N)
  python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); n=int(sys.argv[3]); print(f'| {sys.argv[4]:<15} | {n:>9} | {s:8.2f} | {n/s:>12,.0f} | {sys.argv[5]:>13} |')" \
    "$start" "$end" "$count" "$label" "$rss"
}

printf 'Input: %s events (%s) in %s\n\n' "$events" "$size" "$work"
printf '| %-15s | %9s | %8s | %12s | %13s |\n' tool events seconds events/s "peak RSS KiB"
printf '|%s|%s|%s|%s|%s|\n' "-----------------" "-----------" "----------" "--------------" "---------------"
measure cat "$events" sh -c "cat '$work/events.ndjson' > '$work/copy.ndjson'"
naive=$(( events < 10000 ? events : 10000 ))
head -n "$naive" "$work/events.ndjson" >"$work/naive-input.ndjson"
measure naive-fsync "$naive" python3 -c "
import os, sys
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
for line in open(sys.argv[1], 'rb'):
    os.write(fd, line); os.fsync(fd)
" "$work/naive-input.ndjson" "$work/naive.ndjson"
mkdir -p "$work/state"
measure sentinel-state "$events" sh -c "'$bin' apply --state-dir '$work/state' < '$work/events.ndjson' > /dev/null"
applied=$("$bin" get eventsApplied --state-dir "$work/state")
[[ "$applied" == "$events" ]] || { echo "sentinel-state applied $applied of $events events" >&2; exit 1; }
