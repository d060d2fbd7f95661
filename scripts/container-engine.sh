#!/bin/sh
# Brings up a Docker Engine where none answers, and later stops only what it started.
#
#   scripts/container-engine.sh up     # engine + debian:bookworm base image, if missing
#   scripts/container-engine.sh down   # stops the dockerd that `up` started, nothing else
#   scripts/container-engine.sh base-image   # only the base image (an engine with no registry)
#
# A normal Docker host (Docker Desktop, a distribution's docker service) needs none of this: when
# `docker info` already answers, `up` does nothing and `down` leaves that engine alone.
# It exists for hosts like our CI machines: Debian 12, root, no systemd, no image registry.
# State (the pid of the dockerd it started, its log, the base image tarball) is kept in
# $ECHO_ENGINE_STATE, /var/tmp/echo-toolkit-engine by default.
set -eu

STATE="${ECHO_ENGINE_STATE:-/var/tmp/echo-toolkit-engine}"
PID_FILE="$STATE/dockerd.pid"
LOG_FILE="$STATE/dockerd.log"
BASE_TAR="$STATE/debian-bookworm-minbase.tar"
BASE_IMAGE="${ECHO_BASE_IMAGE:-debian:bookworm}"   # override only to test the debootstrap path

say() { echo "container-engine: $*" >&2; }
die() { say "$*"; exit 1; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

engine_answers() { docker info >/dev/null 2>&1; }

started_pid() {
  [ -f "$PID_FILE" ] || return 1
  pid=$(cat "$PID_FILE")
  # Only our dockerd counts: a recycled pid running something else is not ours to stop.
  [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ] && echo "$pid"
}

install_missing() {
  missing=""
  command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
  command -v docker-compose >/dev/null 2>&1 || missing="$missing docker-compose"
  command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
  [ -n "$missing" ] || return 0
  say "installing$missing (Debian packages)"
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
}

start_dockerd() {
  $SUDO mkdir -p "$STATE"
  say "starting dockerd (log: $LOG_FILE)"
  # setsid: the daemon outlives this shell and its terminal; no systemd here to own it.
  $SUDO sh -c "setsid dockerd >'$LOG_FILE' 2>&1 </dev/null & echo \$! >'$PID_FILE'"
  waited=0
  until engine_answers; do
    started_pid >/dev/null || die "dockerd exited while starting; last lines of $LOG_FILE:
$(tail -n 20 "$LOG_FILE")"
    [ "$waited" -lt 60 ] || die "dockerd did not answer within 60 s (see $LOG_FILE)"
    sleep 1
    waited=$((waited + 1))
  done
  say "dockerd answers (pid $(cat "$PID_FILE"), ${waited} s)"
}

# The archive apt already uses: no registry is reachable here, but Debian's mirror is.
debian_mirror() {
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk '/^URIs:/ {print $2; exit}' "$f")
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null
}

make_base_image() {
  $SUDO mkdir -p "$STATE"
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  if [ ! -s "$BASE_TAR" ]; then
    mirror=$(debian_mirror)
    [ -n "$mirror" ] || die "no Debian mirror found in apt's sources to build $BASE_IMAGE from"
    root="$STATE/rootfs.$$"
    say "making $BASE_IMAGE with debootstrap from $mirror (about a minute)"
    $SUDO debootstrap --variant=minbase bookworm "$root" "$mirror" >"$STATE/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $STATE/debootstrap.log"
    # The packages debootstrap downloaded are installed already: no need to ship them.
    $SUDO sh -c "rm -rf '$root'/var/cache/apt/archives/*.deb '$root'/var/lib/apt/lists/*"
    # apt inside the image uses the same archive as the host.
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
      [ -f "$f" ] && $SUDO cp "$f" "$root$f"
    done
    $SUDO sh -c "tar -C '$root' -c . >'$BASE_TAR.tmp' && mv '$BASE_TAR.tmp' '$BASE_TAR'"
    $SUDO rm -rf "$root"
  fi
  say "importing $BASE_IMAGE from $BASE_TAR"
  docker import "$BASE_TAR" "$BASE_IMAGE" >/dev/null
}

up() {
  if engine_answers && ! started_pid >/dev/null; then
    say "a Docker engine already answers: nothing to do"
    return 0
  fi
  if ! engine_answers; then
    install_missing
    start_dockerd
  fi
  make_base_image
  say "up: docker and docker-compose ready"
}

down() {
  if ! pid=$(started_pid); then
    $SUDO rm -f "$PID_FILE"
    if engine_answers; then
      say "the running engine was not started by this script: left alone"
    else
      say "no dockerd started by this script is running: nothing to stop"
    fi
    return 0
  fi
  say "stopping dockerd (pid $pid)"
  $SUDO kill -TERM "$pid"
  waited=0
  # A zombie has stopped too (whoever adopted it may not reap it at once).
  while [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    [ "$waited" -lt 60 ] || die "dockerd (pid $pid) still running after 60 s"
    sleep 1
    waited=$((waited + 1))
  done
  $SUDO rm -f "$PID_FILE"
  say "dockerd stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  base-image) make_base_image ;;
  *) echo "usage: $0 up|down|base-image" >&2; exit 2 ;;
esac
