#!/bin/sh
# Installs the Debian 12 packages this project needs, and only those that are missing.
# --no-install-recommends matters: libasio-dev would otherwise pull in all of Boost, and
# docker-compose a Docker engine.
set -eu

PACKAGES="g++ clang libclang-rt-14-dev cmake ninja-build ccache pkg-config
  libasio-dev libspdlog-dev libfmt-dev libcli11-dev doctest-dev libedit-dev
  gnuplot-nox docker-compose util-linux procps python3"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node from another source (nodesource bundles npm, and conflicts with Debian's npm) is fine too.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing$missing"
  $SUDO apt-get update -q
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

# The Kubernetes manifest check's own packages, exactly as deploy/k8s/package-lock.json pins them.
k8s="$(dirname "$0")/../deploy/k8s"
if [ ! -d "$k8s/node_modules" ] || [ "$k8s/package-lock.json" -nt "$k8s/node_modules" ]; then
  echo "install-deps: npm ci in deploy/k8s"
  (cd "$k8s" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
fi
