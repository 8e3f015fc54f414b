#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs the whole CTest suite: `unit` and
# `privileged` tests. Privileged tests need root; CI runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
ctest --output-on-failure --timeout 900 -j1 "$@"
