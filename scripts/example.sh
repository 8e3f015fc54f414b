#!/usr/bin/env bash
# Sets everything up and analyses a bundled example: a real Debian-packaged module
# (github.com/google/uuid, served through a file:// GOPROXY built here) and a fixture whose
# init() keeps a goroutine running. Prints the summaries; reports go to gosandbox-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
proxy=$(mktemp -d /tmp/gosandbox-example-proxy.XXXXXX)
trap 'rm -rf "$proxy"' EXIT
build/tests/support/gs-mkproxy "$proxy" \
  /usr/share/gocode/src/github.com/google/uuid=github.com/google/uuid@v1.3.0 \
  tests/fixtures/modules/initgoroutine=example.test/initgoroutine@v1.0.0
status=0
build/harness/gosandbox analyze github.com/google/uuid@v1.3.0 --goproxy "file://$proxy" --window 3 || status=$?
build/harness/gosandbox analyze example.test/initgoroutine@v1.0.0 --goproxy "file://$proxy" --window 3 || status=$?
exit $status
