#!/usr/bin/env bash
# Benchmark sentinel-stress beside wrk, oha and hey (each when installed) against nginx on
# 127.0.0.1 serving a ~100-byte file. Tools run alternately within each round, so drift in
# the machine hits them alike. On a 2-core machine nginx and the generator share the cores:
# requests/s mostly measures the generator's CPU cost per request.
#
# Per round and tool: requests/s, user+system CPU µs per request (the child's rusage), peak
# RSS; per tool, system calls per request in a separate short round (perf's raw_syscalls
# tracepoint, else strace -c -f); each as a ratio to wrk's. sentinel-stress runs on both of
# its engines (io_uring, its default on Linux, and mio).
#
# Usage: scripts/bench-stress.sh            (5 rounds of 10 s at concurrency 50 and 1)
#        ROUNDS=7 DURATION=10 scripts/bench-stress.sh
#        HTTPS=0 MEMORY=0 scripts/bench-stress.sh   (skip the https rounds / the memory check)
#        PROFILE=1 scripts/bench-stress.sh   (also where each tool's CPU goes: perf samples with
#                                             kernel symbols; needs kernel.perf_event_paranoid <= 1)
# Besides plain http it runs the same rounds at concurrency 50 against nginx's https port
# (a self-signed certificate made with openssl; skipped without openssl), HTTP/2 rounds over
# that port (nginx's http2; sentinel-stress --http2 beside h2load from Debian's
# nghttp2-client, and oha --http2 when installed; H2=0 skips them), and checks that
# sentinel-stress's peak RSS is the same for 1 M and 10 M requests (on each engine).
# Needs: nginx (Debian package nginx or nginx-light); skips with a message when absent.
# Optional: wrk, hey (Debian), oha (cargo install oha; or OHA=/path/to/oha). Traffic stays on
# 127.0.0.1 and every run is bounded by DURATION (the memory check by its request count).
set -euo pipefail
rounds=${ROUNDS:-5}
duration=${DURATION:-10}
with_https=${HTTPS:-1}
with_memory=${MEMORY:-1}
with_h2=${H2:-1}
with_profile=${PROFILE:-0}
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
# Below Linux's ephemeral range (32768 and up), where the tools' own connections take ports.
port=$((20000 + RANDOM % 12000))
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

# sentinel-stress runs on both of its engines: io_uring (its default on Linux) and mio.
tools=(sentinel-stress sentinel-stress-mio)
command -v wrk >/dev/null && tools+=(wrk)
[[ -n "$oha_bin" ]] && tools+=(oha)
command -v hey >/dev/null && tools+=(hey)
echo "tools: ${tools[*]}; $rounds rounds of ${duration}s against $url" >&2

# Syscall counting: perf's raw_syscalls tracepoint where it works (low overhead), else
# strace -c -f (slower, so its rounds are short and separate from the timed ones).
syscall_counter=none
if perf stat -e raw_syscalls:sys_enter -x, true >/dev/null 2>&1; then
  syscall_counter=perf
elif command -v strace >/dev/null; then
  syscall_counter=strace
fi

# The command line of one run of $1 at $2 connections against $3 for $4 seconds.
command_of() {
  local tool=$1 conns=$2 target=$3 seconds=$4 threads=$(( $2 < $(nproc) ? $2 : $(nproc) ))
  case $tool in
    sentinel-stress) echo "$stress" --engine io-uring -k -z "${seconds}s" -c "$conns" --output json "$target" ;;
    sentinel-stress-mio) echo "$stress" --engine mio -k -z "${seconds}s" -c "$conns" --output json "$target" ;;
    wrk) echo wrk -t "$threads" -c "$conns" -d "${seconds}s" --latency "$target" ;;
    oha) echo "$oha_bin" --insecure -z "${seconds}s" -c "$conns" --no-tui --output-format json "$target" ;;
    hey) echo hey -z "${seconds}s" -c "$conns" "$target" ;;
  esac
}

# What a tool printed: "rps p50_ms p99_ms requests".
parse_output() { # tool file
  python3 - "$1" "$2" <<'PY'
import json, re, sys
tool, path = sys.argv[1], sys.argv[2]
text = open(path).read()
def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "secs": 1000.0}[unit]
if tool.startswith("sentinel-stress"):
    r = json.loads(text); rps, p50, p99 = r["requestsPerSecond"], r["p50ResponseTime"], r["p99ResponseTime"]
    n = r["totalRequests"]
elif tool == "wrk":
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p = dict((q, ms(v, u)) for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M))
    p50, p99 = p["50"], p["99"]
    n = int(re.search(r"(\d+) requests in", text).group(1))
elif tool == "oha":
    r = json.loads(text); rps = r["summary"]["requestsPerSec"]
    p50, p99 = r["latencyPercentiles"]["p50"] * 1000, r["latencyPercentiles"]["p99"] * 1000
    n = sum(r["statusCodeDistribution"].values())
else:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p = dict((q, float(v) * 1000) for q, v in re.findall(r"(50|99)% in ([\d.]+) secs", text))
    p50, p99 = p["50"], p["99"]
    n = sum(int(c) for c in re.findall(r"\[\d+\]\s+(\d+) responses", text))
print(f"{rps:.0f} {p50:.3f} {p99:.3f} {n}")
PY
}

# One timed run: prints "rps p50_ms p99_ms rss_kib cpu_us_per_request", the CPU being the
# child's user + system time (its rusage, through /usr/bin/time) over its requests.
measure() { # tool conns [target]
  local tool=$1 conns=$2 target=${3:-$url} out="$work/out"
  # shellcheck disable=SC2046 # the command line is words on purpose
  /usr/bin/time -f "%M %U %S" -o "$work/rusage" $(command_of "$tool" "$conns" "$target" "$duration") >"$out"
  local rps p50 p99 n rss user sys
  read -r rps p50 p99 n < <(parse_output "$tool" "$out")
  read -r rss user sys < <(tail -n1 "$work/rusage")
  python3 -c "import sys; rps, p50, p99, rss, user, sys_, n = sys.argv[1:]; print(rps, p50, p99, rss, f'{(float(user) + float(sys_)) * 1e6 / max(int(n), 1):.2f}')" \
    "$rps" "$p50" "$p99" "$rss" "$user" "$sys" "$n"
}

# System calls per request in a short separate run (counting slows a tool down).
syscalls_per_request() { # tool conns
  local tool=$1 conns=$2 out="$work/sysout" calls=0 n
  # shellcheck disable=SC2046
  case $syscall_counter in
    perf) perf stat -e raw_syscalls:sys_enter -x, -o "$work/perf" -- $(command_of "$tool" "$conns" "$url" 3) >"$out"
          calls=$(awk -F, '/raw_syscalls:sys_enter/ {print $1}' "$work/perf") ;;
    strace) strace -f -c -o "$work/strace" $(command_of "$tool" "$conns" "$url" 3) >"$out"
          calls=$(awk '$NF == "total" {print $4}' "$work/strace") ;;
    none) echo "-"; return ;;
  esac
  read -r _ _ _ n < <(parse_output "$tool" "$out")
  python3 -c "import sys; print(f'{int(sys.argv[1]) / max(int(sys.argv[2]), 1):.3f}')" "$calls" "$n"
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
      # https: the io_uring engine hands https targets to mio, so one sentinel-stress row.
      [[ $scheme == https && $tool == sentinel-stress-mio ]] && continue
      line=$(measure "$tool" "$conns" "$target")
      echo "$round $conns $scheme $tool $line" >>"$results"
      echo "round $round c=$conns $scheme $tool: $line" >&2
    done
  done
done

syscalls="$work/syscalls"
: >"$syscalls"
echo "system calls per request ($syscall_counter, 3 s at 50 and 1 connections, http)" >&2
for conns in 50 1; do
  for tool in "${tools[@]}"; do
    per=$(syscalls_per_request "$tool" "$conns")
    echo "$conns $tool $per" >>"$syscalls"
    echo "c=$conns $tool: $per system calls per request" >&2
  done
done

python3 - "$results" "$syscalls" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
calls = {(int(c), t): v for c, t, v in (l.split() for l in open(sys.argv[2]))}
data = {}
for rnd, conns, scheme, tool, rps, p50, p99, rss, cpu in rows:
    data.setdefault((scheme, int(conns), tool), []).append(
        (int(rnd), float(rps), float(p50), float(p99), int(rss), float(cpu)))
tools, series = [], []
for _, conns, scheme, tool, *_ in rows:
    if tool not in tools: tools.append(tool)
    if (scheme, int(conns)) not in series: series.append((scheme, int(conns)))
def ratios(scheme, conns, tool, field):
    wrk = {r[0]: r[field] for r in data.get((scheme, conns, "wrk"), [])}
    return [r[field] / wrk[r[0]] for r in data.get((scheme, conns, tool), []) if r[0] in wrk and wrk[r[0]]]
def median_ratio(r):
    return f"{statistics.median(r):.2f}" if r else "-"
def call_ratio(conns, tool):
    try:
        return f"{float(calls[(conns, tool)]) / float(calls[(conns, 'wrk')]):.2f}"
    except (KeyError, ValueError, ZeroDivisionError):
        return "-"
print("| scheme | connections | tool | req/s | vs wrk | CPU µs/request | vs wrk | syscalls/request | vs wrk | p50 ms | p99 ms | peak RSS MB |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for scheme, conns in series:
    for tool in tools:
        runs = data.get((scheme, conns, tool), [])
        if not runs: continue
        sc = calls.get((conns, tool), "-") if scheme == "http" else "-"
        scr = call_ratio(conns, tool) if scheme == "http" else "-"
        print(f"| {scheme} | {conns} | {tool} | {statistics.median(x[1] for x in runs):,.0f} | "
              f"{median_ratio(ratios(scheme, conns, tool, 1))} | {statistics.median(x[5] for x in runs):.2f} | "
              f"{median_ratio(ratios(scheme, conns, tool, 5))} | {sc} | {scr} | "
              f"{statistics.median(x[2] for x in runs):.3f} | {statistics.median(x[3] for x in runs):.3f} | "
              f"{max(x[4] for x in runs) / 1024:.1f} |")
print()
print("Each round relative to wrk in the same round (requests/s ratio, CPU-per-request ratio):")
print()
print("| scheme | connections | tool | " + " | ".join(f"round {n}" for n in sorted({int(r[0]) for r in rows})) + " |")
print("|---|---|---|" + "---|" * len({r[0] for r in rows}))
for scheme, conns in series:
    for tool in tools:
        if tool == "wrk": continue
        rps, cpu = ratios(scheme, conns, tool, 1), ratios(scheme, conns, tool, 5)
        if rps: print(f"| {scheme} | {conns} | {tool} | " + " | ".join(f"{a:.2f}, {b:.2f}" for a, b in zip(rps, cpu)) + " |")
PY

# Where the CPU goes: a 3 s round per tool at 50 connections under perf's CPU-clock sampler
# (4000 samples a second, kernel symbols included), the samples sorted into kinds of work.
if [[ $with_profile == 1 ]] && { [[ $(cat /proc/sys/kernel/perf_event_paranoid) -gt 1 ]] ||
    ! perf record -F 4000 -o "$work/probe.data" -- true >/dev/null 2>&1; }; then
  echo "bench-stress: PROFILE=1 needs perf with kernel samples (sysctl kernel.perf_event_paranoid=1 or lower); skipped" >&2
  with_profile=0
fi
if [[ $with_profile == 1 ]]; then
  echo "profile: perf record, 3 s at 50 connections, http" >&2
  : >"$work/profiles"
  for tool in "${tools[@]}"; do
    [[ $tool == sentinel-stress* || $tool == wrk ]] || continue
    # shellcheck disable=SC2046
    perf record -F 4000 -o "$work/$tool.data" -- $(command_of "$tool" 50 "$url" 3) >"$work/profout" 2>/dev/null
    read -r _ _ _ n < <(parse_output "$tool" "$work/profout")
    perf report -i "$work/$tool.data" --no-children --sort sym --stdio -g none 2>/dev/null >"$work/$tool.report"
    echo "$tool $n $work/$tool.report" >>"$work/profiles"
  done
  python3 - "$work/profiles" <<'PY'
import re, sys
# Kinds of work, by symbol (the first that matches); user space is the tool's own code.
kinds = [
    ("scheduler: switching", r"finish_task_switch|__schedule|^schedule|pick_next|switch_mm|__switch_to|dequeue_|enqueue_|update_curr|update_load|put_prev|set_next|psi_|sched_|reweight|newidle"),
    ("waking others", r"try_to_wake_up|ttwu|select_task|_raw_spin_unlock_irq|__wake_up|autoremove_wake|ep_poll_callback|default_wake|wake_up|resched|send_call_function|flush_smp_call|llist"),
    ("io_uring", r"^_*io_|io_uring|tctx|task_work"),
    ("epoll", r"^ep_|epoll"),
    ("system call entry and exit", r"entry_SYSCALL|syscall_|do_syscall|^__x64_sys|ksys_|__sys_|fdget|fput|__fget|vfs_read|vfs_write|_thunk|exit_to_user"),
    ("TCP/IP, loopback, sockets", r"tcp|^ip|inet|skb|sock|^sk_|__sk|dev_|net|loopback|backlog|napi|bbr|lock_sock|release_sock|validate_xmit|eth_|fib|dst|neigh|csum|softirq|__local_bh|irq_exit|sysvec"),
    ("memory (slab, copies)", r"slab|kmem_|kmalloc|kfree|__alloc|free_|page_frag|copy_|_copy|memcpy|memset|memmove|check_object_size|virt_addr_valid"),
]
rows = {}
for line in open(sys.argv[1]):
    tool, n, report = line.split()
    text = open(report).read()
    total_ns = int(re.search(r"Event count \(approx\.\): (\d+)", text).group(1))
    shares = {}
    for m in re.finditer(r"^\s+([\d.]+)%\s+(\[.\])\s+(.*?)\s*$", text, re.M):
        pct, ring, sym = float(m.group(1)), m.group(2), m.group(3)
        kind = "user space (the tool)" if ring == "[.]" else next(
            (k for k, rx in kinds if re.search(rx, sym)), "other kernel")
        shares[kind] = shares.get(kind, 0) + pct
    rows[tool] = (total_ns / 1000 / max(int(n), 1), shares)
names = list(rows)
print()
print("Where the CPU goes (perf samples, 3 s at 50 connections, µs per request, perf's own cost included):")
print()
print("| kind of work | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
print("| all | " + " | ".join(f"{rows[t][0]:.2f}" for t in names) + " |")
for kind in ["user space (the tool)"] + [k for k, _ in kinds] + ["other kernel"]:
    print(f"| {kind} | " + " | ".join(f"{rows[t][0] * rows[t][1].get(kind, 0) / 100:.2f}" for t in names) + " |")
PY
fi

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
  echo "memory: sentinel-stress -n 1000000 and -n 10000000 at concurrency 50, on each engine" >&2
  echo
  echo "| engine | requests | seconds | peak RSS MB |"
  echo "|---|---|---|---|"
  for engine in io-uring mio; do
  for n in 1000000 10000000; do
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$work/rss" "$stress" --engine "$engine" -n "$n" -c 50 --output json "$url" >"$work/out" 2>"$work/err"
    end=$(date +%s.%N)
    python3 - "$engine" "$n" "$start" "$end" "$(tail -n1 "$work/rss")" "$work/out" <<'PY'
import json, sys
engine, n, start, end, rss, path = sys.argv[1:]
result = json.load(open(path))
assert result["totalRequests"] == int(n), f"{result['totalRequests']} requests recorded, not {n}"
print(f"| {engine} | {int(n):,} | {float(end) - float(start):.1f} | {int(rss) / 1024:.1f} |")
PY
  done
  done
fi
