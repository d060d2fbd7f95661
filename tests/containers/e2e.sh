#!/bin/bash
# End to end over a real Docker Engine (CTest label `containers`, opt-in: `ctest --preset containers`).
# Builds the images, ups every server service and checks each answers on its published port, runs
# the load service, the compare service and N compose agents + their merge, runs the Kubernetes
# Job's pod template as N containers against the Deployment's pod, merges their logged results,
# and takes everything down, checking nothing of it is left running.
# Needs an engine that answers (scripts/container-engine.sh up) and host ports 7001-7005 free.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
AGENTS="${E2E_AGENTS:-3}"
project="echo-e2e-$$"
compose=(docker-compose -p "$project")
results="$(mktemp -d /tmp/echo-e2e-results.XXXXXX)"
k8s_net="$project-k8s"
k8s_server="$project-k8s-server"
step() { echo "==== $(date +%T) $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
  set +e
  "${compose[@]}" down --remove-orphans --timeout 10 >/dev/null 2>&1
  docker rm -f $(docker ps -aq --filter "label=echo-e2e=$project") >/dev/null 2>&1
  docker network rm "$k8s_net" >/dev/null 2>&1
  rm -rf "$results"
}
trap cleanup EXIT

docker info >/dev/null 2>&1 || fail "no Docker engine answers: run scripts/container-engine.sh up"
# An engine the script did not start (here: not in a fresh state folder) is left alone.
foreign_state=$(mktemp -d /tmp/echo-e2e-engine.XXXXXX)
ECHO_ENGINE_STATE="$foreign_state" scripts/container-engine.sh up 2>&1 | grep -q "already answers: nothing to do" ||
  fail "container-engine.sh up did something with an engine already running"
ECHO_ENGINE_STATE="$foreign_state" scripts/container-engine.sh down 2>&1 | grep -q "left alone" ||
  fail "container-engine.sh down did not leave a foreign engine alone"
rm -rf "$foreign_state"
docker info >/dev/null 2>&1 || fail "the engine stopped answering after container-engine.sh down"
for port in 7001 7002 7003 7004 7005; do
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "host port $port is in use; the compose file publishes 7001-7005"
done
# The results folder belongs to a user other than the containers' root: their files must become
# that user's (as root here, a made-up one; otherwise whoever runs the test).
owner=$(id -u)
if [ "$owner" -eq 0 ]; then owner=4321; chown "$owner:$owner" "$results"; fi
export ECHO_RESULTS="$results"

step "build the images (run-time and compare)"
start=$(date +%s)
"${compose[@]}" build --quiet
echo "built in $(( $(date +%s) - start )) s; sizes:"
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^echo-toolkit:'

step "up every server service"
modes=(fork thread pool coro hybrid)
"${compose[@]}" up -d "${modes[@]}"

# One line over the published port, with a CR and a UTF-8 byte sequence that must pass unchanged.
answers() {
  local port=$1 reply
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'hello from e2e \xc3\xa9\r\n' >&3
  IFS= read -r -t 5 reply <&3 || { exec 3<&-; return 1; }
  exec 3<&-
  [ "$reply" = $'HELLO FROM E2E \xc3\xa9\r' ]
}
for i in "${!modes[@]}"; do
  port=$((7001 + i))
  for _ in $(seq 50); do answers "$port" 2>/dev/null && break; sleep 0.2; done
  answers "$port" || fail "${modes[$i]} does not answer on 127.0.0.1:$port"
  echo "${modes[$i]} answers on 127.0.0.1:$port"
done

step "the load service against every backend (exits non-zero on any error)"
"${compose[@]}" run --rm bench

step "compare writes into the host's results folder, owned by its owner"
COMPARE_ARGS="--modes coro,thread -c 10 -d 1" "${compose[@]}" run --rm compare
for f in results.md results.json chart.png; do
  [ -s "$results/compare/$f" ] || fail "compare wrote no $f: $(ls -la "$results/compare" 2>&1)"
done
[ -z "$(find "$results/compare" ! -uid "$owner")" ] || fail "files not owned by the results folder's owner: $(find "$results/compare" ! -uid "$owner")"

step "$AGENTS compose agents against coro, one start time, merged"
# The lead covers starting the containers on a busy machine (echo-bench refuses a start 5 s late).
start_at=$(( $(date +%s) + 20 ))
AGENTS=$AGENTS START_AT=$start_at AGENT_ARGS="--host coro --port 7004 -c 30 -d 3 --quiet" \
  "${compose[@]}" up --scale "agent=$AGENTS" agent
# `up` returns when every agent has exited; each must have exited 0.
for c in $("${compose[@]}" ps -q agent); do
  code=$(docker inspect -f '{{.State.ExitCode}}' "$c")
  [ "$code" = 0 ] || fail "agent container $c exited $code: $(docker logs "$c" 2>&1 | tail -n 5)"
done
run_dir="$results/agents/$start_at"
for i in $(seq 0 $((AGENTS - 1))); do
  [ -s "$run_dir/agent-$i.json" ] || fail "no result from agent $i in $run_dir: $(ls "$run_dir")"
done
tests/containers/check-merge.sh "$run_dir/merged.json" 30 "$AGENTS"
[ -z "$(find "$results/agents" ! -uid "$owner")" ] || fail "agent files not owned by the results folder's owner: $(find "$results/agents" ! -uid "$owner")"

step "the Kubernetes manifests' pod templates as containers: the server, then the Job's indexed agents"
docker network create --label "echo-e2e=$project" "$k8s_net" >/dev/null
mapfile -t server_args < <(node deploy/k8s/pod-as-docker.mjs deploy/k8s/server.yaml Deployment)
docker run -d --name "$k8s_server" --label "echo-e2e=$project" --network "$k8s_net" \
  --network-alias echo-server "${server_args[@]}" >/dev/null
job_agents=$(node -e 'import("./deploy/k8s/check-manifests.mjs").then(m => console.log(m.loadDocuments(["deploy/k8s/agents-job.yaml"])[0].doc.spec.completions))')
start_at=$(( $(date +%s) + 25 ))
for i in $(seq 0 $((job_agents - 1))); do
  mapfile -t agent_args < <(node deploy/k8s/pod-as-docker.mjs deploy/k8s/agents-job.yaml Job "$i" "START_AT=$start_at")
  docker run -d --name "$project-k8s-agent-$i" --label "echo-e2e=$project" --network "$k8s_net" "${agent_args[@]}" >/dev/null
done
k8s_out="$results/k8s"
for i in $(seq 0 $((job_agents - 1))); do
  code=$(docker wait "$project-k8s-agent-$i")
  [ "$code" = 0 ] || fail "Job pod $i exited $code: $(docker logs "$project-k8s-agent-$i" 2>&1 | tail -n 5)"
  docker logs "$project-k8s-agent-$i" 2>/dev/null | deploy/k8s/extract-result.sh "$k8s_out"
  docker rm "$project-k8s-agent-$i" >/dev/null
done
docker run --rm -v "$k8s_out:/in" echo-toolkit:latest sh -c 'echo-bench merge /in/agent-*.json --json' >"$k8s_out/merged.json"
job_connections=$(node -e 'import("./deploy/k8s/check-manifests.mjs").then(m => { const a = m.loadDocuments(["deploy/k8s/agents-job.yaml"])[0].doc.spec.template.spec.containers[0].args; console.log(a[a.indexOf("-c") + 1]); })')
tests/containers/check-merge.sh "$k8s_out/merged.json" "$job_connections" "$job_agents"

step "down: nothing left running"
"${compose[@]}" down --remove-orphans --timeout 10
docker rm -f "$k8s_server" >/dev/null
docker network rm "$k8s_net" >/dev/null
left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"; docker ps -aq --filter "label=echo-e2e=$project")
[ -z "$left" ] || fail "containers left: $left"
! docker network ls --format '{{.Name}}' | grep -q "^$project" || fail "networks left: $(docker network ls | grep "$project")"
for port in 7001 7002 7003 7004 7005; do
  ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "port $port still answers after down"
done
step "passed"
