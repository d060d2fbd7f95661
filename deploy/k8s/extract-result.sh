#!/bin/sh
# Reads one agent pod's log on stdin and writes the result it printed between its markers
# (deploy/echo-agent.sh, PRINT_RESULT=1) to OUTDIR/agent-I.json. Prints that file's name.
#   kubectl logs POD | deploy/k8s/extract-result.sh OUTDIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR <POD-LOG" >&2; exit 2; }
out="$1"
mkdir -p "$out"
tmp="$out/.extract.$$"
trap 'rm -f "$tmp"' EXIT
# The marker line names the agent: "=== echo-bench result agent I/N run T (base64) ==="
awk -v tmp="$tmp" '
  /^=== echo-bench result agent [0-9]+\/[0-9]+ / { split($5, a, "/"); index_ = a[1]; inside = 1; next }
  /^=== end ===$/ { if (inside) { print index_; found = 1 } inside = 0; next }
  inside { print > tmp }
  END { if (!found) exit 1 }
' >"$tmp.index" || { rm -f "$tmp.index"; echo "extract-result: no complete result between markers in this log" >&2; exit 1; }
index=$(cat "$tmp.index")
rm -f "$tmp.index"
base64 -d <"$tmp" >"$out/agent-$index.json"
echo "$out/agent-$index.json"
