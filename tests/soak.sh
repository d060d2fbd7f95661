#!/bin/bash
# Soak: for each backend, churned and pipelined load at the same time, twice, and the server's
# descriptors, threads, processes and memory before and after each round. A leak grows from
# round to round; a cache (malloc arenas, asio's recycled frames) fills once and stays.
#
#   tests/soak.sh BUILD_DIR [SECONDS_PER_ROUND] [MODES...]
#
# Fails (exit 1) on any error reply, zombie, descriptor/thread/process left over, or RSS growth
# of more than SOAK_RSS_GROWTH_KIB (default 2048) between the two rounds. Under ASan set it to
# "off": its quarantine keeps freed memory resident on purpose, and LeakSanitizer checks for
# leaks when the server exits instead.
set -euo pipefail

build=${1:?usage: soak.sh BUILD_DIR [SECONDS] [MODES...]}
seconds=${2:-20}
rss_growth_limit=${SOAK_RSS_GROWTH_KIB:-2048}
shift $(( $# >= 2 ? 2 : $# ))
modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(fork thread pool coro)
server="$build/echo-server"
bench="$build/echo-bench"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

tree_pids() {  # the server and all its descendants
  local queue=("$1") pid
  while [ ${#queue[@]} -gt 0 ]; do
    pid=${queue[0]}; queue=("${queue[@]:1}")
    echo "$pid"
    for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do queue+=("$child"); done
  done
}

snapshot() {  # fds threads processes rss_kib zombies
  local fds=0 threads=0 procs=0 rss=0 zombies=0 pid
  for pid in $(tree_pids "$1"); do
    [ -d /proc/"$pid" ] || continue
    procs=$((procs + 1))
    fds=$((fds + $(ls /proc/"$pid"/fd 2>/dev/null | wc -l)))
    threads=$((threads + $(awk '/^Threads:/ {print $2}' /proc/"$pid"/status)))
    rss=$((rss + $(awk '/^VmRSS:/ {print $2}' /proc/"$pid"/status)))
    [ "$(awk '{print $3}' /proc/"$pid"/stat)" = Z ] && zombies=$((zombies + 1))
  done
  echo "$fds $threads $procs $rss $zombies"
}

errors_in() { sed -n 's/.*"errors": *\([0-9]*\).*/\1/p' "$1" | head -1; }
requests_in() { sed -n 's/.*"requests": *\([0-9]*\).*/\1/p' "$1" | head -1; }

failed=0
printf '%-7s %-28s %-28s %-28s %-22s %s\n' mode "before (fd thr proc rssKiB)" "after round 1" "after round 2" \
  "requests (pipe+churn)" verdict
for mode in "${modes[@]}"; do
  "$server" --mode "$mode" --port 0 --log-level warn >"$work/ready" 2>"$work/server.log" &
  pid=$!
  for _ in $(seq 50); do [ -s "$work/ready" ] && break; sleep 0.1; done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/ready")
  sleep 0.3
  before=$(snapshot "$pid")
  rounds=()
  verdict=ok
  served=0
  for round in 1 2; do
    # Pipelined: 20 connections, 8 lines in flight each. Churned: a connection per request.
    "$bench" run --port "$port" -c 20 -p 8 -d "$seconds" -t 1 --json >"$work/pipe.json" 2>/dev/null &
    p1=$!
    "$bench" run --port "$port" -c 4 --churn -d "$seconds" -t 1 --json >"$work/churn.json" 2>/dev/null &
    p2=$!
    wait $p1 || true
    wait $p2 || true
    for f in pipe churn; do
      e=$(errors_in "$work/$f.json"); r=$(requests_in "$work/$f.json")
      if [ -z "$e" ] || [ "$e" != 0 ] || [ "${r:-0}" = 0 ]; then verdict="FAIL: $f load: errors=${e:-?} requests=${r:-?}"; fi
      served=$((served + ${r:-0}))
    done
    sleep 1  # let the last sessions close and children be reaped
    rounds+=("$(snapshot "$pid")")
  done
  read -r f0 t0 p0 _ _ <<<"$before"
  read -r f1 t1 p1_ r1 z1 <<<"${rounds[0]}"
  read -r f2 t2 p2_ r2 z2 <<<"${rounds[1]}"
  # Processes must be back where they started. Threads and descriptors are compared round to
  # round, with a little slack after the first: a pool worker's event loop opens its epoll,
  # eventfd and timerfd on its first connection, and TSan's runtime starts a thread of its own.
  # A per-connection leak would grow by hundreds from round to round.
  if [ "$p2_" != "$p0" ]; then verdict="FAIL: processes left over: $p0 -> $p2_"; fi
  if [ "$t2" != "$t1" ] || [ "$t1" -gt $((t0 + 1)) ]; then verdict="FAIL: threads grew: $t0 -> $t1 -> $t2"; fi
  if [ "$f2" != "$f1" ] || [ "$f1" -gt $((f0 + 3)) ]; then verdict="FAIL: descriptors grew: $f0 -> $f1 -> $f2"; fi
  if [ "$z1" != 0 ] || [ "$z2" != 0 ]; then verdict="FAIL: zombies"; fi
  if [ "$rss_growth_limit" != off ] && [ $((r2 - r1)) -gt "$rss_growth_limit" ]; then
    verdict="FAIL: RSS grew $((r2 - r1)) KiB between rounds"
  fi
  kill -TERM "$pid"
  wait "$pid" || verdict="FAIL: exit status $?"
  printf '%-7s %-28s %-28s %-28s %-22s %s\n' "$mode" "${before% *}" "${rounds[0]% *}" "${rounds[1]% *}" "$served" "$verdict"
  [ "$verdict" = ok ] || failed=1
done
exit $failed
