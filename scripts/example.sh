#!/usr/bin/env bash
# Sets everything up and analyses two bundled examples, served through a file:// GOPROXY
# built here: a real Debian-packaged module (github.com/google/uuid, judged clean) and a
# fixture modelled on the boltdb-go typosquat, whose init() calls home every second to a
# documentation address (judged malicious, with the beacon). Prints the summaries; the
# reports (report.json, report.html, events.jsonl, capture.pcap) go to gosandbox-out/.
# Exits 0 when both analyses completed, whatever their verdicts.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
proxy=$(mktemp -d /tmp/gosandbox-example-proxy.XXXXXX)
trap 'rm -rf "$proxy"' EXIT
build/tests/support/gs-mkproxy "$proxy" \
  /usr/share/gocode/src/github.com/google/uuid=github.com/google/uuid@v1.3.0 \
  tests/fixtures/modules/revshell=example.test/revshell@v1.0.0
status=0
for target in github.com/google/uuid@v1.3.0 example.test/revshell@v1.0.0; do
  rc=0
  build/harness/gosandbox analyze "$target" --goproxy "file://$proxy" --window 5 || rc=$?
  # 0 clean, 3 suspicious, 4 malicious are verdicts; 1 and 2 are failures.
  case $rc in 0|3|4) ;; *) status=$rc ;; esac
  echo
done
exit $status
