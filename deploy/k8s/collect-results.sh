#!/bin/sh
# Collects every agent's result of a finished Indexed Job from the pods' logs and merges them.
#   deploy/k8s/collect-results.sh [JOB [OUTDIR]]    (defaults: echo-bench-agents, results/k8s)
# Writes OUTDIR/agent-I.json for each pod, then OUTDIR/merged.txt and OUTDIR/merged.json.
# The merge needs echo-bench: on PATH, or ECHO_BENCH="docker run --rm -v $PWD:$PWD -w $PWD echo-toolkit echo-bench".
set -eu
job="${1:-echo-bench-agents}"
out="${2:-results/k8s}"
here="$(dirname "$0")"
bench="${ECHO_BENCH:-echo-bench}"

pods=$(kubectl get pods -l "job-name=$job" -o name)
[ -n "$pods" ] || { echo "collect-results: no pods of job $job" >&2; exit 1; }
for pod in $pods; do
  kubectl logs "$pod" | "$here/extract-result.sh" "$out" || { echo "collect-results: $pod printed no result" >&2; exit 1; }
done
expected=$(kubectl get job "$job" -o jsonpath='{.spec.completions}')
count=$(ls "$out" | grep -c '^agent-[0-9]*\.json$' || true)
[ "$count" -eq "$expected" ] || { echo "collect-results: $count results for $expected agents" >&2; exit 1; }
# shellcheck disable=SC2086
$bench merge "$out"/agent-*.json --json >"$out/merged.json"
# shellcheck disable=SC2086
$bench merge "$out"/agent-*.json | tee "$out/merged.txt"
