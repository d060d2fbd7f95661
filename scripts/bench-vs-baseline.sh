#!/bin/bash
# Is echo-bench ever the bottleneck? It loads the raw epoll baseline (the fastest server here) at
# each connection count, closed loop, server and bench pinned to different CPUs, and prints per
# point: throughput, p99, and the CPU each side spent per request. When the bench's CPU per
# request is above the server's, or its threads were busy >= 90% of the time, the bench set the
# pace (its JSON says "saturated"). Usage: scripts/bench-vs-baseline.sh [BUILD_DIR] [SECONDS] [COUNTS]
set -euo pipefail
build=${1:-build/release}
seconds=${2:-3}
counts=${3:-"1 10 100 1000"}
server_cpu=0 bench_cpu=1
[ "$(nproc)" -ge 2 ] || { server_cpu=0; bench_cpu=0; }

ticks=$(getconf CLK_TCK)
cpu_seconds() {  # utime + stime of a process, in seconds
  awk -v t="$ticks" '{ print ($14 + $15) / t }' "/proc/$1/stat"
}

out=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
taskset -c "$server_cpu" "$build/epoll-baseline" --port 0 >"$out/listening" &
server=$!
for _ in $(seq 100); do grep -q listening "$out/listening" && break; sleep 0.05; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$out/listening")

echo "uptime: $(uptime)"
printf '| conns | req/s | p99 µs | bench CPU µs/req | bench threads busy | server CPU µs/req | bench/server CPU | saturated |\n'
printf '|--:|--:|--:|--:|--:|--:|--:|---|\n'
for c in $counts; do
  before=$(cpu_seconds "$server")
  taskset -c "$bench_cpu" "$build/echo-bench" run --port "$port" -c "$c" -d "$seconds" --warmup 0 -t 1 -q --json >"$out/run.json" \
    2>"$out/run.err" || true
  after=$(cpu_seconds "$server")
  python3 - "$out/run.json" "$before" "$after" "$c" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
g = r["generator"]
server_s = float(sys.argv[3]) - float(sys.argv[2])  # connects and drain included: a little high
total = max(r["requests"], 1)
server_us = server_s * 1e6 / total
print(f'| {sys.argv[4]} | {r["rps"]:.0f} | {r["latency_us"]["p99"]:.1f} | {g["cpu_us_per_request"]:.2f} | '
      f'{100 * g["cpu_share"]:.0f}% | {server_us:.2f} | {g["cpu_us_per_request"] / server_us if server_us else 0:.2f} | '
      f'{"yes" if g["saturated"] else "no"} |')
PY
  sed 's/^/    /' "$out/run.err" >&2
done
