#!/bin/bash
# What containers cost: each mode's throughput and p99 in five set-ups, measured side by side,
# interleaved round by round, medians of ROUNDS:
#   host       server and echo-bench on the host, no container (loopback);
#   hostnet    server and echo-bench each in a container on the host's network (--network host):
#              containers, but no container network, so the rows below differ from it only by
#              the network path;
#   published  server container's port published on 127.0.0.1 (-p), echo-bench in a
#              --network host container: Docker serves 127.0.0.1 with its user-space docker-proxy;
#   nat        the same, at the host's own non-loopback address: the kernel forwards (iptables DNAT),
#              as for a client on another machine;
#   bridge     both containers on one bridge network (veth pair, compose's default).
# The same binaries everywhere: the host runs the ones taken out of the image. Needs the image
# echo-toolkit:latest.
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

start_container() {  # DOCKER-RUN-ARGS... -> the container id, once it listens
  local c
  # With -p, Docker picks the host port; on a busy machine another program may hold it: try again.
  for _ in 1 2 3 4 5; do
    c=$(docker run -d --label "$tag" "$@" 2>"$work/run.err") && break
    docker rm -f $(docker ps -aq --filter "label=$tag" --filter status=created) >/dev/null 2>&1 || true
    c=""
  done
  [ -n "$c" ] || { cat "$work/run.err" >&2; exit 1; }
  wait_listening "$c"
  echo "$c"
}

bench_in_container() {  # NETWORK HOST PORT
  docker run --rm --label "$tag" --network "$1" "$image" echo-bench run --host "$2" --port "$3" "${run_args[@]}" | figures
}

measure() {  # MODE SETUP -> "RPS P99"
  local mode=$1 setup=$2 port c
  local server=(echo-server --mode "$mode")
  case $setup in
    host)
      "$work/echo-server" --mode "$mode" --port 0 >"$work/server.out" 2>/dev/null &
      host_server=$!
      for _ in $(seq 100); do grep -q '^listening on' "$work/server.out" && break; sleep 0.05; done
      port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/server.out")
      "$work/echo-bench" run --host 127.0.0.1 --port "$port" "${run_args[@]}" | figures
      kill -TERM "$host_server"; wait "$host_server" || true; host_server="" ;;
    hostnet)
      c=$(start_container --network host "$image" "${server[@]}" --host 127.0.0.1 --port 0)
      port=$(docker logs "$c" 2>/dev/null | sed -n 's/^listening on .*:\([0-9]*\)$/\1/p')
      bench_in_container host 127.0.0.1 "$port"
      docker rm -f "$c" >/dev/null ;;
    published | nat)
      local ip=127.0.0.1
      [ "$setup" = published ] || ip=$host_ip
      c=$(start_container -p "$ip::7007" "$image" "${server[@]}" --host 0.0.0.0 --port 7007)
      port=$(docker port "$c" 7007/tcp | head -n 1 | sed 's/.*://')
      bench_in_container host "$ip" "$port"
      docker rm -f "$c" >/dev/null ;;
    bridge)
      c=$(start_container --network "$tag" --name "$tag-server" "$image" "${server[@]}" --host 0.0.0.0 --port 7007)
      bench_in_container "$tag" "$tag-server" 7007
      docker rm -f "$c" >/dev/null ;;
  esac
}

host_ip=$(hostname -I | awk '{print $1}')
setups="host hostnet published bridge"
[ -z "$host_ip" ] || setups="host hostnet published nat bridge"
echo "# container-vs-host: -c $connections -d $seconds, $rounds rounds, $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for mode in $modes; do
  for round in $(seq "$rounds"); do
    for setup in $setups; do
      got=$(measure "$mode" "$setup") && [ -n "$got" ] || { echo "$mode $setup: measurement failed" >&2; exit 1; }
      echo "$mode $setup $round $got" | tee -a "$work/raw" >&2
    done
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/raw" "$modes" "$setups" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
setups = sys.argv[3].split()
med = lambda mode, setup, i: statistics.median(float(r[3 + i]) for r in rows if r[0] == mode and r[1] == setup)
# Ratios against hostnet: the container network's own cost (host shows what the rest costs).
base = "hostnet"
for title, i in (("throughput, req/s", 0), ("p99 latency, us", 1)):
    print(f"\n{title} (median; in brackets: x {base})\n")
    print("| mode | " + " | ".join(setups) + " |")
    print("|---|" + "---:|" * len(setups))
    for mode in sys.argv[2].split():
        v = {s: med(mode, s, i) for s in setups}
        print(f"| {mode} | " + " | ".join(f"{v[s]:,.0f}" + ("" if s == base else f" ({v[s] / v[base]:.2f})") for s in setups) + " |")
PY
