#!/bin/sh
# Builds and runs every test: the release build (-Werror), then the whole suite again under
# ASan+UBSan and under TSan, then a bounded libFuzzer run of the protocol core.
# `scripts/test.sh release` (or any list of presets) runs just those.
# Most tests wait on sockets and timeouts, so they run two at a time; those labelled `serial`
# (rates, latencies, memory, crowds of connections: tests/CMakeLists.txt) then run alone.
set -eu
cd "$(dirname "$0")/.."

PRESETS="${*:-release asan tsan fuzz}"
start=$(date +%s)
for preset in $PRESETS; do
  echo "==== $preset: configure, build, test"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  ctest --preset "$preset" --label-exclude serial --parallel 2
  ctest --preset "$preset" --label-regex serial --no-tests=ignore
done
echo "==== all passed ($PRESETS) in $(( $(date +%s) - start )) s"
