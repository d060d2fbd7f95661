#!/bin/sh
# deploy/echo-agent.sh (the compose and Kubernetes agent) run as N processes on this host, as
# `docker-compose up --scale agent=N` runs it: no index of their own, one shared results folder,
# one start time, against one echo-server. They must claim distinct numbers 0..N-1, and the last
# to finish must merge all N results. Also: its clear errors for bad settings.
#   agents_local.sh BUILD_DIR      (the folder holding echo-server and echo-bench)
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
agent="$here/../../deploy/echo-agent.sh"
PATH="$1:$PATH"
export PATH
N=3
work="$(mktemp -d /tmp/echo-agents-local.XXXXXX)"
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Bad settings: exit 2 and say what to set, before any load is sent.
expect_error() {  # EXPECTED-TEXT ENV-ASSIGNMENTS...
  text="$1"; shift
  if env "$@" RESULTS="$work/bad" sh "$agent" --host 127.0.0.1 --port 1 >"$work/err" 2>&1; then
    fail "echo-agent with $* succeeded"
  fi
  grep -q "$text" "$work/err" || fail "echo-agent with $*: expected '$text', got: $(cat "$work/err")"
}
expect_error "set AGENTS" START_AT=100
expect_error "set AGENTS" AGENTS=0 START_AT=100
expect_error "set START_AT" AGENTS=2
expect_error "set START_AT" AGENTS=2 START_AT=__START_AT__
expect_error "not below AGENTS=2" AGENTS=2 START_AT=100 JOB_COMPLETION_INDEX=2
mkdir -p "$work/bad/agents/100/claim-0" "$work/bad/agents/100/claim-1"
expect_error "are all taken" AGENTS=2 START_AT=100
echo "bad settings: clear errors"

echo-server --port 0 --host 127.0.0.1 >"$work/server.out" 2>"$work/server.err" &
server=$!
for _ in $(seq 100); do grep -q '^listening on' "$work/server.out" && break; sleep 0.05; done
port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/server.out")
[ -n "$port" ] || fail "echo-server did not start: $(cat "$work/server.err")"

start_at=$(( $(date +%s) + 3 ))
pids=""
for i in $(seq $N); do
  AGENTS=$N START_AT=$start_at RESULTS="$work/results" \
    sh "$agent" --host 127.0.0.1 --port "$port" -c 6 -d 2 --quiet >"$work/agent$i.out" 2>"$work/agent$i.err" &
  pids="$pids $!"
done
for pid in $pids; do wait "$pid" || fail "an agent failed: $(cat "$work"/agent*.err)"; done

run="$work/results/agents/$start_at"
for i in $(seq 0 $((N - 1))); do
  [ -d "$run/claim-$i" ] || fail "no agent claimed number $i: $(ls "$run")"
  [ -s "$run/agent-$i.json" ] || fail "no result from agent $i: $(ls "$run")"
  grep -q "agent $i/$N of run $start_at" "$work"/agent*.err || fail "no agent said it was $i/$N"
done
[ ! -e "$run/claim-$N" ] || fail "an agent claimed number $N of $N"
[ "$(ls "$run" | grep -c '\.part$' || true)" -eq 0 ] || fail "a partial result was left: $(ls "$run")"
[ "$(grep -l "merged $N results" "$work"/agent*.err | wc -l)" -eq 1 ] || fail "not exactly one agent merged"
"$here/check-merge.sh" "$run/merged.json" 6 $N
[ -s "$run/merged.txt" ] || fail "no merged.txt"

kill -TERM "$server"
wait "$server" || fail "echo-server did not exit 0 on SIGTERM"
server=""
echo "passed"
