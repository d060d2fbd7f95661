#!/bin/bash
# What the container network costs: each mode's throughput and p99 with the server
#   host       on the host, echo-bench on the host (loopback);
#   published  in a container, echo-bench on the host through the published port (-p);
#   bridge     in a container, echo-bench in another container on the same bridge network;
# measured side by side, interleaved round by round, medians of ROUNDS. The same binaries
# everywhere: the host runs the ones taken out of the image. Needs the image echo-toolkit:latest.
#   scripts/container-vs-host.sh [-c CONNECTIONS] [-d SECONDS] [-r ROUNDS] [-m MODES] [-- RUN-ARGS...]
set -euo pipefail
connections=10 seconds=5 rounds=3 modes="fork thread pool coro hybrid"
while getopts "c:d:r:m:" opt; do
  case $opt in
    c) connections=$OPTARG ;; d) seconds=$OPTARG ;; r) rounds=$OPTARG ;; m) modes=${OPTARG//,/ } ;;
    *) echo "usage: $0 [-c CONNECTIONS] [-d SECONDS] [-r ROUNDS] [-m MODES] [-- RUN-ARGS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
extra=("$@")
image=echo-toolkit:latest
tag="echo-cvh-$$"
work=$(mktemp -d /tmp/echo-cvh.XXXXXX)
cleanup() {
  set +e
  docker rm -f $(docker ps -aq --filter "label=$tag") >/dev/null 2>&1
  docker network rm "$tag" >/dev/null 2>&1
  [ -z "${host_server:-}" ] || kill "$host_server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

docker image inspect "$image" >/dev/null 2>&1 || { echo "no image $image: docker-compose build" >&2; exit 1; }
box=$(docker create --label "$tag" "$image")
for b in echo-server echo-bench; do docker cp -q "$box:/usr/local/bin/$b" "$work/$b"; done
docker rm "$box" >/dev/null
docker network create --label "$tag" "$tag" >/dev/null
run_args=(-c "$connections" -d "$seconds" --quiet --json "${extra[@]}")

# "RPS P99" of one echo-bench --json result on stdin.
figures() { python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["errors"]==0, r; print(r["rps"], r["latency_us"]["p99"])'; }

wait_listening() {  # CONTAINER
  for _ in $(seq 100); do docker logs "$1" 2>/dev/null | grep -q '^listening on' && return; sleep 0.1; done
  echo "server container $1 did not start: $(docker logs "$1" 2>&1 | tail -n 3)" >&2; exit 1
}

measure() {  # MODE SETUP -> "RPS P99"
  local mode=$1 setup=$2 port c
  case $setup in
    host)
      "$work/echo-server" --mode "$mode" --port 0 >"$work/server.out" 2>/dev/null &
      host_server=$!
      for _ in $(seq 100); do grep -q '^listening on' "$work/server.out" && break; sleep 0.05; done
      port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/server.out")
      "$work/echo-bench" run --host 127.0.0.1 --port "$port" "${run_args[@]}" | figures
      kill -TERM "$host_server"; wait "$host_server" || true; host_server="" ;;
    published)
      c=$(docker run -d --label "$tag" -p 127.0.0.1::7007 "$image" echo-server --mode "$mode" --host 0.0.0.0 --port 7007)
      wait_listening "$c"
      port=$(docker port "$c" 7007/tcp | head -n 1 | sed 's/.*://')
      "$work/echo-bench" run --host 127.0.0.1 --port "$port" "${run_args[@]}" | figures
      docker rm -f "$c" >/dev/null ;;
    bridge)
      c=$(docker run -d --label "$tag" --network "$tag" --name "$tag-server" "$image" echo-server --mode "$mode" --host 0.0.0.0 --port 7007)
      wait_listening "$c"
      docker run --rm --label "$tag" --network "$tag" "$image" echo-bench run --host "$tag-server" --port 7007 "${run_args[@]}" | figures
      docker rm -f "$c" >/dev/null ;;
  esac
}

echo "# container-vs-host: -c $connections -d $seconds, $rounds rounds, $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $modes; do
  for round in $(seq "$rounds"); do
    for setup in host published bridge; do
      echo "$mode $setup $round $(measure "$mode" "$setup")" | tee -a "$work/raw" >&2
    done
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/raw" "$modes" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = lambda mode, setup, i: statistics.median(float(r[3 + i]) for r in rows if r[0] == mode and r[1] == setup)
print("| mode | host req/s | published req/s (x host) | bridge req/s (x host) | host p99 us | published p99 us (x host) | bridge p99 us (x host) |")
print("|---|---:|---:|---:|---:|---:|---:|")
for mode in sys.argv[2].split():
    h, p, b = (med(mode, s, 0) for s in ("host", "published", "bridge"))
    hl, pl, bl = (med(mode, s, 1) for s in ("host", "published", "bridge"))
    print(f"| {mode} | {h:,.0f} | {p:,.0f} ({p / h:.2f}) | {b:,.0f} ({b / h:.2f}) "
          f"| {hl:,.0f} | {pl:,.0f} ({pl / hl:.2f}) | {bl:,.0f} ({bl / hl:.2f}) |")
PY
