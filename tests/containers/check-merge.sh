#!/bin/sh
# Checks a merged agents' result (echo-bench merge --json): no errors, requests answered, and the
# connections of every agent together make the whole load.
#   check-merge.sh MERGED.json EXPECTED_CONNECTIONS AGENTS
set -eu
python3 - "$@" <<'PY'
import json, sys
path, connections, agents = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path) as f:
    merged = json.load(f)
problems = []
if merged.get("errors") != 0:
    problems.append(f"errors {merged.get('errors')}, expected 0")
if not merged.get("requests", 0) > 0:
    problems.append(f"requests {merged.get('requests')}, expected some")
if merged.get("connections") != connections:
    problems.append(f"connections {merged.get('connections')}, expected {connections} over {agents} agents")
if "agents" in merged and merged["agents"] != agents:
    problems.append(f"agents {merged['agents']}, expected {agents}")
p99 = merged.get("latency_us", {}).get("p99")
if not (isinstance(p99, (int, float)) and p99 > 0):
    problems.append(f"latency_us.p99 {p99}, expected a positive figure")
if problems:
    sys.exit(f"FAIL {path}: " + "; ".join(problems))
print(f"merged {agents} agents: {merged['requests']} requests, {merged['connections']} connections, "
      f"0 errors, p99 {p99} us ({path})")
PY
