#!/bin/sh
# Builds and runs the jail-vs-bubblewrap latency benchmark (scripts/bench/jail_bench.cc).
# Usage: scripts/bench/jail_bench.sh [ITERATIONS [ROUNDS]]   (as root; BUILD_DIR defaults to build)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$here/build}
command -v bwrap >/dev/null || { echo "jail_bench: bwrap not found (apt-get install bubblewrap)" >&2; exit 2; }
cmake -S "$here" -B "$build" -G Ninja >/dev/null
cmake --build "$build" --target jail_bench -j2 >/dev/null
exec "$build/sandbox/jail_bench" "$@"
