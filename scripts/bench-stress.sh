#!/usr/bin/env bash
# Benchmark sentinel-stress beside wrk, oha and hey (each when installed) against nginx on
# 127.0.0.1 serving a ~100-byte file. Tools run alternately within each round, so drift in
# the machine hits them alike. On a 2-core machine nginx and the generator share the cores:
# requests/s mostly measures the generator's CPU cost per request.
#
# Usage: scripts/bench-stress.sh            (5 rounds of 10 s at concurrency 50 and 1)
#        ROUNDS=7 DURATION=10 scripts/bench-stress.sh
#        HTTPS=0 MEMORY=0 scripts/bench-stress.sh   (skip the https rounds / the memory check)
# Besides plain http it runs the same rounds at concurrency 50 against nginx's https port
# (a self-signed certificate made with openssl; skipped without openssl), HTTP/2 rounds over
# that port (nginx's http2; sentinel-stress --http2 beside h2load from Debian's
# nghttp2-client, and oha --http2 when installed; H2=0 skips them), and checks that
# sentinel-stress's peak RSS is the same for 1 M and 10 M requests.
# Needs: nginx (Debian package nginx or nginx-light); skips with a message when absent.
# Optional: wrk, hey (Debian), oha (cargo install oha; or OHA=/path/to/oha). Traffic stays on
# 127.0.0.1 and every run is bounded by DURATION (the memory check by its request count).
set -euo pipefail
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
with_https=${HTTPS:-1}
with_memory=${MEMORY:-1}
with_h2=${H2:-1}
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
tls_port=$((port + 1))
tls_server=""
if [[ $with_https == 1 ]] && command -v openssl >/dev/null; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  tls_server="server { listen 127.0.0.1:$tls_port ssl http2; root $work/html; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; }"
fi
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
  $tls_server
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

# One run: prints "rps p50_ms p99_ms rss_kib". $3: the URL (default: plain http).
# Certificates are not checked in the https rounds (self-signed): -k / --insecure; wrk and
# hey do not check them at all.
measure() {
  local tool=$1 conns=$2 target=${3:-$url} out="$work/out" threads=$(( $2 < $(nproc) ? $2 : $(nproc) ))
  case $tool in
    sentinel-stress) /usr/bin/time -f %M -o "$work/rss" "$stress" -k -z "${duration}s" -c "$conns" --output json "$target" >"$out" ;;
    wrk) /usr/bin/time -f %M -o "$work/rss" wrk -t "$threads" -c "$conns" -d "${duration}s" --latency "$target" >"$out" ;;
    oha) /usr/bin/time -f %M -o "$work/rss" "$oha_bin" --insecure -z "${duration}s" -c "$conns" --no-tui --output-format json "$target" >"$out" ;;
    hey) /usr/bin/time -f %M -o "$work/rss" hey -z "${duration}s" -c "$conns" "$target" >"$out" ;;
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

tls_url=""
if [[ -n $tls_server ]]; then
  tls_url="https://127.0.0.1:$tls_port/index.html"
  status=$("$stress" -k -n 1 -c 1 --output json "$tls_url" | python3 -c 'import json,sys; print(list(json.load(sys.stdin)["statusCodes"]))')
  [[ "$status" == "['200']" ]] || { echo "bench-stress: nginx's https port answers $status, not 200" >&2; exit 1; }
fi

results="$work/results"
: >"$results"
for round in $(seq 1 "$rounds"); do
  for series in "50 http" "1 http" "50 https"; do
    read -r conns scheme <<<"$series"
    target=$url
    if [[ $scheme == https ]]; then [[ -n $tls_url ]] || continue; target=$tls_url; fi
    for tool in "${tools[@]}"; do
      line=$(measure "$tool" "$conns" "$target")
      echo "$round $conns $scheme $tool $line" >>"$results"
      echo "round $round c=$conns $scheme $tool: $line" >&2
    done
  done
done

python3 - "$results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
data = {}
for rnd, conns, scheme, tool, rps, p50, p99, rss in rows:
    data.setdefault((scheme, int(conns), tool), []).append((int(rnd), float(rps), float(p50), float(p99), int(rss)))
tools, series = [], []
for _, conns, scheme, tool, *_ in rows:
    if tool not in tools: tools.append(tool)
    if (scheme, int(conns)) not in series: series.append((scheme, int(conns)))
def ratios(scheme, conns, tool):
    wrk = {r[0]: r[1] for r in data.get((scheme, conns, "wrk"), [])}
    return [r[1] / wrk[r[0]] for r in data.get((scheme, conns, tool), []) if r[0] in wrk]
print("| scheme | concurrency | tool | median req/s | vs wrk (median of rounds) | p50 ms | p99 ms | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|")
for scheme, conns in series:
    for tool in tools:
        runs = data.get((scheme, conns, tool), [])
        if not runs: continue
        r = ratios(scheme, conns, tool)
        ratio = f"{statistics.median(r):.2f}" if r else "-"
        print(f"| {scheme} | {conns} | {tool} | {statistics.median(x[1] for x in runs):,.0f} | {ratio} | "
              f"{statistics.median(x[2] for x in runs):.3f} | {statistics.median(x[3] for x in runs):.3f} | "
              f"{max(x[4] for x in runs) / 1024:.1f} |")
print()
print("Each round's requests/s relative to wrk's in the same round:")
print()
print("| scheme | concurrency | tool | " + " | ".join(f"round {n}" for n in sorted({int(r[0]) for r in rows})) + " |")
print("|---|---|---|" + "---|" * len({r[0] for r in rows}))
for scheme, conns in series:
    for tool in tools:
        if tool == "wrk": continue
        r = ratios(scheme, conns, tool)
        if r: print(f"| {scheme} | {conns} | {tool} | " + " | ".join(f"{x:.2f}" for x in r) + " |")
PY

if [[ $with_h2 == 1 && -n $tls_url ]]; then
  # HTTP/2: 10 connections with 10 concurrent streams each, over TLS (ALPN h2).
  h2tools=(sentinel-stress)
  command -v h2load >/dev/null && h2tools+=(h2load)
  [[ -n "$oha_bin" ]] && h2tools+=(oha)
  echo >&2
  echo "http2: ${h2tools[*]}; $rounds rounds of ${duration}s, -c 10 with 10 streams each, $tls_url" >&2
  h2results="$work/h2results"
  : >"$h2results"
  for round in $(seq 1 "$rounds"); do
    for tool in "${h2tools[@]}"; do
      out="$work/h2out"
      case $tool in
        sentinel-stress) /usr/bin/time -f %M -o "$work/rss" "$stress" --http2 -k -z "${duration}s" -c 10 -p 10 --output json "$tls_url" >"$out" ;;
        h2load) /usr/bin/time -f %M -o "$work/rss" h2load -c 10 -m 10 -t "$(nproc)" -D "$duration" "$tls_url" >"$out" ;;
        oha) /usr/bin/time -f %M -o "$work/rss" "$oha_bin" --http2 --insecure -z "${duration}s" -c 10 -p 10 --no-tui --output-format json "$tls_url" >"$out" ;;
      esac
      line=$(python3 - "$tool" "$out" "$(tail -n1 "$work/rss")" <<'PY'
import json, re, sys
tool, path, rss = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
if tool == "sentinel-stress":
    r = json.loads(text); rps, ok = r["requestsPerSecond"], r["successfulRequests"] == r["totalRequests"]
elif tool == "oha":
    r = json.loads(text); rps, ok = r["summary"]["requestsPerSec"], True
else:
    rps = float(re.search(r"finished in [\d.]+s, ([\d.]+) req/s", text).group(1))
    ok = re.search(r"requests: .* (\d+) failed", text).group(1) == "0"
print(f"{rps:.0f} {int(ok)} {rss}")
PY
)
      echo "$round $tool $line" >>"$h2results"
      echo "round $round http2 $tool: $line" >&2
    done
  done
  python3 - "$h2results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for rnd, tool, rps, ok, rss in rows:
    by.setdefault(tool, []).append((int(rnd), float(rps), ok == "1", int(rss)))
base = {r[0]: r[1] for r in by.get("h2load", [])}
print()
print("| HTTP/2 (TLS, -c 10, 10 streams each) | median req/s | vs h2load (median of rounds) | all answered | peak RSS MB |")
print("|---|---|---|---|---|")
for tool, runs in by.items():
    ratios = [r[1] / base[r[0]] for r in runs if r[0] in base]
    ratio = f"{statistics.median(ratios):.2f}" if ratios else "-"
    print(f"| {tool} | {statistics.median(r[1] for r in runs):,.0f} | {ratio} | {all(r[2] for r in runs)} | {max(r[3] for r in runs) / 1024:.1f} |")
PY
fi

if [[ $with_memory == 1 ]]; then
  # Memory must not grow with the number of requests: per-worker histograms, no per-request
  # storage. Same load, 1 M and then 10 M requests.
  echo >&2
  echo "memory: sentinel-stress -n 1000000 and -n 10000000 at concurrency 50" >&2
  echo
  echo "| requests | seconds | peak RSS MB |"
  echo "|---|---|---|"
  for n in 1000000 10000000; do
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$work/rss" "$stress" -n "$n" -c 50 --output json "$url" >"$work/out"
    end=$(date +%s.%N)
    python3 - "$n" "$start" "$end" "$(tail -n1 "$work/rss")" "$work/out" <<'PY'
import json, sys
n, start, end, rss, path = sys.argv[1:]
result = json.load(open(path))
assert result["totalRequests"] == int(n), f"{result['totalRequests']} requests recorded, not {n}"
print(f"| {int(n):,} | {float(end) - float(start):.1f} | {int(rss) / 1024:.1f} |")
PY
  done
fi
