#!/usr/bin/env bash
# Benchmark sentinel-stress beside wrk, oha and hey (each when installed) against nginx on
# 127.0.0.1 serving a ~100-byte file. Tools run alternately within each round, so drift in
# the machine hits them alike. On a 2-core machine nginx and the generator share the cores:
# requests/s mostly measures the generator's CPU cost per request.
#
# Usage: scripts/bench-stress.sh            (5 rounds of 10 s at concurrency 50 and 1)
#        ROUNDS=7 DURATION=10 scripts/bench-stress.sh
# Needs: nginx (Debian package nginx or nginx-light); skips with a message when absent.
# Optional: wrk, hey (Debian), oha (cargo install oha; or OHA=/path/to/oha). Traffic stays on
# 127.0.0.1 and every run is bounded by DURATION.
set -euo pipefail
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

nginx_bin=$(command -v nginx || true)
[[ -x /usr/sbin/nginx ]] && nginx_bin=/usr/sbin/nginx
if [[ -z "$nginx_bin" ]]; then
  echo "bench-stress: nginx is not installed (apt-get install nginx-light); nothing to measure against" >&2
  exit 0
fi
cargo build --release --quiet --manifest-path "$repo/Cargo.toml" -p sentinel-stress
stress="$repo/target/release/sentinel-stress"
oha_bin=${OHA:-$(command -v oha || true)}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-stress.XXXXXX")
port=$((30000 + RANDOM % 20000))
mkdir -p "$work/html" "$work/logs"
# nginx's workers run as an unprivileged user: let them read the page.
chmod 755 "$work" "$work/html"
head -c 100 /dev/zero | tr '\0' 'x' >"$work/html/index.html"
cat >"$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    root $work/html;
  }
}
CONF
"$nginx_bin" -c "$work/nginx.conf" -p "$work"
cleanup() { "$nginx_bin" -c "$work/nginx.conf" -p "$work" -s stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
url="http://127.0.0.1:$port/index.html"
sleep 0.5
status=$("$stress" -n 1 -c 1 --output json "$url" | python3 -c 'import json,sys; print(list(json.load(sys.stdin)["statusCodes"]))')
[[ "$status" == "['200']" ]] || { echo "bench-stress: nginx answers $status, not 200; see $work/logs/error.log" >&2; exit 1; }

tools=(sentinel-stress)
command -v wrk >/dev/null && tools+=(wrk)
[[ -n "$oha_bin" ]] && tools+=(oha)
command -v hey >/dev/null && tools+=(hey)
echo "tools: ${tools[*]}; $rounds rounds of ${duration}s against $url" >&2

# One run: prints "rps p50_ms p99_ms rss_kib".
measure() {
  local tool=$1 conns=$2 out="$work/out" threads=$(( $2 < $(nproc) ? $2 : $(nproc) ))
  case $tool in
    sentinel-stress) /usr/bin/time -f %M -o "$work/rss" "$stress" -z "${duration}s" -c "$conns" --output json "$url" >"$out" ;;
    wrk) /usr/bin/time -f %M -o "$work/rss" wrk -t "$threads" -c "$conns" -d "${duration}s" --latency "$url" >"$out" ;;
    oha) /usr/bin/time -f %M -o "$work/rss" "$oha_bin" -z "${duration}s" -c "$conns" --no-tui --output-format json "$url" >"$out" ;;
    hey) /usr/bin/time -f %M -o "$work/rss" hey -z "${duration}s" -c "$conns" "$url" >"$out" ;;
  esac
  python3 - "$tool" "$out" "$(tail -n1 "$work/rss")" <<'PY'
import json, re, sys
tool, path, rss = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "secs": 1000.0}[unit]
if tool == "sentinel-stress":
    r = json.loads(text); rps, p50, p99 = r["requestsPerSecond"], r["p50ResponseTime"], r["p99ResponseTime"]
elif tool == "wrk":
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p = dict((q, ms(v, u)) for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M))
    p50, p99 = p["50"], p["99"]
elif tool == "oha":
    r = json.loads(text); rps = r["summary"]["requestsPerSec"]
    p50, p99 = r["latencyPercentiles"]["p50"] * 1000, r["latencyPercentiles"]["p99"] * 1000
else:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p = dict((q, float(v) * 1000) for q, v in re.findall(r"(50|99)%% in ([\d.]+) secs".replace("%%", "%"), text))
    p50, p99 = p["50"], p["99"]
print(f"{rps:.0f} {p50:.3f} {p99:.3f} {rss}")
PY
}

results="$work/results"
: >"$results"
for round in $(seq 1 "$rounds"); do
  for conns in 50 1; do
    for tool in "${tools[@]}"; do
      line=$(measure "$tool" "$conns")
      echo "$round $conns $tool $line" >>"$results"
      echo "round $round c=$conns $tool: $line" >&2
    done
  done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
data = {}
for rnd, conns, tool, rps, p50, p99, rss in rows:
    data.setdefault((int(conns), tool), []).append((int(rnd), float(rps), float(p50), float(p99), int(rss)))
tools = []
for _, _, tool, *_ in rows:
    if tool not in tools: tools.append(tool)
print("| concurrency | tool | median req/s | vs wrk (median of rounds) | p50 ms | p99 ms | peak RSS MB |")
print("|---|---|---|---|---|---|---|")
for conns in (50, 1):
    wrk = {r[0]: r[1] for r in data.get((conns, "wrk"), [])}
    for tool in tools:
        runs = data.get((conns, tool), [])
        if not runs: continue
        ratios = [r[1] / wrk[r[0]] for r in runs if r[0] in wrk]
        ratio = f"{statistics.median(ratios):.2f}" if ratios else "-"
        print(f"| {conns} | {tool} | {statistics.median(r[1] for r in runs):,.0f} | {ratio} | "
              f"{statistics.median(r[2] for r in runs):.3f} | {statistics.median(r[3] for r in runs):.3f} | "
              f"{max(r[4] for r in runs) / 1024:.1f} |")
PY
