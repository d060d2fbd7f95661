#!/bin/sh
# echo-agent: one agent of a distributed `echo-bench run`, as a container runs it.
#   echo-agent ECHO-BENCH-RUN-ARGS...      e.g. echo-agent --host coro --port 7004 -c 100 -d 10
# Environment:
#   AGENTS    how many agents take part (N)                                    (required)
#   START_AT  the UNIX time at which every agent starts; also names the run  (required)
#   JOB_COMPLETION_INDEX  this agent's number, 0..N-1 (Kubernetes Indexed Job sets it). Without it
#             (docker-compose --scale gives no index) the agent claims the lowest free number in
#             the shared results folder: mkdir is atomic, so two agents never get the same one.
#   RESULTS   the results folder, /results by default; the run's files go to RESULTS/agents/START_AT
#   PRINT_RESULT=1  also print the result to stdout between markers, for `kubectl logs` (a pod
#             has no folder shared with the others); base64 in short lines, because the result
#             is one long JSON line and container runtimes split long log lines.
# The agent that completes the set (all N results present) merges them: merged.txt, merged.json.
set -eu

die() { echo "echo-agent: $*" >&2; exit 2; }
case "${AGENTS:-}" in '' | *[!0-9]* | 0) die "set AGENTS to the number of agents (a positive integer)" ;; esac
case "${START_AT:-}" in
  '' | *[!0-9]*) die "set START_AT to one UNIX time for every agent, e.g. START_AT=\$(( \$(date +%s) + 15 ))" ;;
esac
results="${RESULTS:-/results}"
run_dir="$results/agents/$START_AT"
mkdir -p "$run_dir"

if [ -n "${JOB_COMPLETION_INDEX:-}" ]; then
  index="$JOB_COMPLETION_INDEX"
  case "$index" in *[!0-9]*) die "JOB_COMPLETION_INDEX is not a number: '$index'" ;; esac
  [ "$index" -lt "$AGENTS" ] || die "JOB_COMPLETION_INDEX $index is not below AGENTS=$AGENTS"
else
  index=0
  until mkdir "$run_dir/claim-$index" 2>/dev/null; do
    index=$((index + 1))
    [ "$index" -lt "$AGENTS" ] ||
      die "agent numbers 0..$((AGENTS - 1)) of run $START_AT are all taken: more agents than AGENTS=$AGENTS?"
  done
fi
echo "echo-agent: agent $index/$AGENTS of run $START_AT" >&2

result="$run_dir/agent-$index.json"
# A run that counted errors still writes its result (and exits non-zero): it is merged all the same.
status=0
echo-bench run "$@" --agent "$index/$AGENTS" --start-at "$START_AT" --result "$result.part" || status=$?
if [ ! -s "$result.part" ]; then
  echo "echo-agent: echo-bench run exited $status and wrote no result" >&2
  # The results belong to whoever owns the results folder (the host user who made ./results).
# Last, so that it covers what the merge made too.
chown -R "$(stat -c %u:%g "$results")" "$results/agents" 2>/dev/null || true
exit "$status"
fi
# Renamed only when complete: whoever counts results never sees half a file.
mv "$result.part" "$result"

if [ "${PRINT_RESULT:-0}" = 1 ]; then
  echo "=== echo-bench result agent $index/$AGENTS run $START_AT (base64) ==="
  base64 "$result"
  echo "=== end ==="
fi

done_count=$(ls "$run_dir" | grep -c '^agent-[0-9]*\.json$' || true)
if [ "$done_count" -eq "$AGENTS" ] && mkdir "$run_dir/merging" 2>/dev/null; then
  set -- "$run_dir"/agent-*.json
  # merge exits 3 when the load counted errors: the merged files are written all the same.
  echo-bench merge "$@" >"$run_dir/merged.txt" || [ $? -eq 3 ] || status=1
  echo-bench merge "$@" --json >"$run_dir/merged.json" || [ $? -eq 3 ] || status=1
  echo "echo-agent: merged $AGENTS results into $run_dir/merged.txt and merged.json" >&2
  cat "$run_dir/merged.txt"
fi
# The results belong to whoever owns the results folder (the host user who made ./results).
# Last, so that it covers what the merge made too.
chown -R "$(stat -c %u:%g "$results")" "$results/agents" 2>/dev/null || true
exit "$status"
