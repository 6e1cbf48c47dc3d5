#!/usr/bin/env bash
# Deploy, roll back or stop one instance of the bundled sample service: the `deploy` and
# `rollback` commands of the local-provider stages that the demo and the end-to-end tests
# configure (one stage region = one instance).
#
#   sample-instance.sh deploy NAME VERSION   start VERSION on NAME's port, replacing what runs
#   sample-instance.sh rollback NAME         start the version NAME ran before the last deploy
#   sample-instance.sh stop NAME             stop NAME
#
# Files, in $SAMPLE_RUN_DIR (default ./run, relative to where sentinel-trigger was started):
#   NAME.port      the 127.0.0.1 port of the instance (written by whoever sets up the fleet)
#   NAME.pid       the running instance's pid         NAME.log   its output
#   NAME.version   the version it runs                NAME.previous  the one before
#   deploys.log    one line per deploy or rollback: "deploy NAME VERSION", "rollback NAME VERSION"
# A release's behaviour comes from $SAMPLE_RELEASES_DIR/VERSION (default ./releases/VERSION),
# extra sample-service flags such as `--error-rate 5` — how the demo ships a bad release.
#
# Deploy returns once the new instance answers /healthz (sentinel-watch health), so the
# stage's health check and stress test see the new version, never the old one.
set -euo pipefail

run_dir=${SAMPLE_RUN_DIR:-run}
releases_dir=${SAMPLE_RELEASES_DIR:-releases}

usage() {
  printf 'usage: sample-instance.sh deploy NAME VERSION | rollback NAME | stop NAME\n' >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
verb=$1 name=$2

# A process that has exited but is not yet reaped (a zombie) holds no port: it counts as gone.
running() { # pid
  local state
  if [[ -r /proc/$1/stat ]]; then
    read -r _ _ state _ <"/proc/$1/stat" || return 1
    [[ $state != Z ]]
  else
    kill -0 "$1" 2>/dev/null
  fi
}

stop_instance() {
  local pid
  pid=$(cat "$run_dir/$name.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  # Wait (at most 5 s) for the port to be free; sample-service also retries its bind.
  for _ in $(seq 100); do
    running "$pid" || break
    sleep 0.05
  done
  rm -f "$run_dir/$name.pid"
}

start_instance() { # VERSION
  local version=$1 port extra=()
  port=$(cat "$run_dir/$name.port") || {
    printf 'sample-instance: no port for %s: write it to %s/%s.port\n' "$name" "$run_dir" "$name" >&2
    exit 2
  }
  if [[ -f "$releases_dir/$version" ]]; then
    # `read` fails at the end of a file without a newline (or an empty one); the words it got stay.
    read -ra extra <"$releases_dir/$version" || true
  fi
  stop_instance
  nohup sample-service --port "$port" --version "$version" "${extra[@]}" \
    --pid-file "$run_dir/$name.pid" >>"$run_dir/$name.log" 2>&1 &
  printf '%s\n' "$version" >"$run_dir/$name.version"
  # sample-service writes its pid file once it listens; then one health probe is enough.
  for _ in $(seq 100); do
    [[ -s "$run_dir/$name.pid" ]] && break
    sleep 0.05
  done
  sentinel-watch health "http://127.0.0.1:$port/healthz" --timeout 10s >/dev/null
}

case $verb in
  deploy)
    [[ $# -eq 3 ]] || usage
    if [[ -f "$run_dir/$name.version" ]]; then
      cp "$run_dir/$name.version" "$run_dir/$name.previous"
    fi
    start_instance "$3"
    printf 'deploy %s %s\n' "$name" "$3" >>"$run_dir/deploys.log"
    ;;
  rollback)
    if [[ -f "$run_dir/$name.previous" ]]; then
      start_instance "$(cat "$run_dir/$name.previous")"
      printf 'rollback %s %s\n' "$name" "$(cat "$run_dir/$name.previous")" >>"$run_dir/deploys.log"
    else
      printf 'rollback %s -\n' "$name" >>"$run_dir/deploys.log"
      # Nothing ran here before the deploy: rolling back means taking it away.
      stop_instance
      rm -f "$run_dir/$name.version"
    fi
    ;;
  stop) stop_instance ;;
  *) usage ;;
esac
