#!/bin/sh
# Builds and runs every test: the release build (-Werror), then the whole suite again under
# ASan+UBSan and under TSan, then a bounded libFuzzer run of the protocol core.
# `scripts/test.sh release` (or any list of presets) runs just those.
set -eu
cd "$(dirname "$0")/.."

PRESETS="${*:-release asan tsan fuzz}"
start=$(date +%s)
for preset in $PRESETS; do
  echo "==== $preset: configure, build, test"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset"
done
echo "==== all passed ($PRESETS) in $(( $(date +%s) - start )) s"
