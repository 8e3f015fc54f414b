#!/usr/bin/env bash
# Batch throughput and per-module overhead, measured side by side in one run (as root):
#   1. a file:// GOPROXY of >= 10 real Debian-packaged Go modules;
#   2. the bare cost of each module: `go build ./...` plus `go test ./...` outside any
#      sandbox, with a warm standard-library build cache and a cold module cache;
#   3. `gosandbox batch` over the same list with --jobs 1, then --jobs 2 (fresh outputs).
# Prints modules per hour for both, the speed-up, and the median per-module overhead
# (analysis wall time with --jobs 1 minus the bare build+test time of the same module).
#
# usage: scripts/bench/batch_bench.sh [BUILD_DIR]   (default build-batch; needs gosandbox
#        and gs-mkproxy built there). BENCH_ARGS overrides the analyze options.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build-batch}
gosandbox=$build/harness/gosandbox
mkproxy=$build/tests/support/gs-mkproxy
args=${BENCH_ARGS:---window 1 --phases build,init,test}
[ "$(id -u)" = 0 ] || { echo "batch_bench: needs root (jails, cgroups, BPF)" >&2; exit 2; }
[ -x "$gosandbox" ] && [ -x "$mkproxy" ] || { echo "batch_bench: build gosandbox and gs-mkproxy in $build" >&2; exit 2; }

work=$(mktemp -d /tmp/gs-batch-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=/usr/share/gocode/src
modules="github.com/google/uuid github.com/pkg/errors github.com/armon/go-radix github.com/cespare/xxhash
github.com/dustin/go-humanize github.com/google/btree github.com/hashicorp/golang-lru
github.com/kballard/go-shellquote github.com/pmezard/go-difflib github.com/ryanuber/go-glob
github.com/mitchellh/mapstructure github.com/kr/fs"
list=$work/list.txt
: > "$list"
for m in $modules; do
  "$mkproxy" "$work/proxy" "$src/$m=$m@v1.0.0"
  echo "$m@v1.0.0" >> "$list"
done
n=$(wc -l < "$list")
echo "batch_bench: $n modules, analyze options: $args"

# Bare: the same toolchain steps with no sandbox. The std cache is warmed once first, the
# way a host's warm cache would be; each module then gets a fresh module cache.
export GOFLAGS=-mod=mod GOPROXY="file://$work/proxy" GOSUMDB=off GOTOOLCHAIN=local CGO_ENABLED=1
export GOCACHE=$work/gocache HOME=$work/home
mkdir -p "$work/warm" "$HOME"
(cd "$work/warm" && printf 'module warm\n' > go.mod && printf 'package warm\nimport (_ "net/http"; _ "os/exec")\n' > w.go &&
  printf 'package warm\nimport "testing"\nfunc TestW(t *testing.T) {}\n' > w_test.go && go test ./... > /dev/null)
bare=$work/bare.tsv
: > "$bare"
for m in $modules; do
  d=$work/bare/$m
  rm -rf "$work/modcache"
  mkdir -p "$d"
  (cd "$d" && unzip -q "$work/proxy/$m/@v/v1.0.0.zip" && cd "$m@v1.0.0" &&
    t0=$(date +%s%N)
    # A failing test still took its time; the point is the time.
    GOMODCACHE=$work/modcache go build ./... > /dev/null 2>&1 || true
    GOMODCACHE=$work/modcache go test ./... > /dev/null 2>&1 || true
    t1=$(date +%s%N); echo -e "$m@v1.0.0\t$(( (t1 - t0) / 1000000 ))" >> "$bare")
done
unset GOFLAGS GOPROXY GOSUMDB GOCACHE

run_batch() {  # jobs -> wall ms
  local jobs=$1 out=$work/out-j$1 t0 t1
  # Other work on the host skews the ratio: say how busy it was.
  echo "batch_bench: load average before --jobs $jobs: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
  t0=$(date +%s%N)
  # shellcheck disable=SC2086
  "$gosandbox" batch "$list" --out "$out" --jobs "$jobs" --goproxy "file://$work/proxy" $args \
    --log-interval 60 2> "$work/batch-j$jobs.log" || { cat "$work/batch-j$jobs.log" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
# gosandbox's own shared std cache, built once before timing (as on a host in service).
cache=$work/stdcache
args="$args --cache-dir $cache"
"$gosandbox" analyze "$(head -1 "$list")" --goproxy "file://$work/proxy" --phases build \
  --cache-dir "$cache" --out "$work/warmup" > /dev/null 2>&1 || true
w1=$(run_batch 1)
w2=$(run_batch 2)

python3 - "$work" "$n" "$w1" "$w2" <<'PY'
import json, statistics, sys
work, n, w1, w2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bare = dict(l.rstrip("\n").split("\t") for l in open(f"{work}/bare.tsv"))
def records(j):
    return {r["id"]: r for r in map(json.loads, open(f"{work}/out-j{j}/records.jsonl"))}
r1, r2 = records(1), records(2)
for j, r in ((1, r1), (2, r2)):
    bad = [f'{i}: {x["error_kind"]} {x["error"]}' for i, x in r.items() if x["status"] != "ok"]
    if bad: print(f"jobs {j}: {len(bad)} analyses failed:", *bad, sep="\n  ")
over = []
print(f"{'module':45} {'bare ms':>8} {'wall ms':>8} {'overhead':>9}  phases (ms, jobs 1)")
for i, r in sorted(r1.items()):
    o = r["wall_ms"] - int(bare[i])
    over.append(o)
    ph = " ".join(f"{k}={v}" for k, v in r["phase_ms"].items() if v)
    print(f"{i:45} {int(bare[i]):8} {r['wall_ms']:8} {o:9}  {ph}")
mph1, mph2 = n * 3600_000 / w1, n * 3600_000 / w2
print(f"jobs 1: {w1/1000:.1f} s for {n} modules = {mph1:.0f} modules/hour")
print(f"jobs 2: {w2/1000:.1f} s for {n} modules = {mph2:.0f} modules/hour")
print(f"speed-up jobs 2 / jobs 1: {mph2/mph1:.2f}x (target >= 1.6x)")
print(f"median overhead per module (analysis wall - bare build+test): {statistics.median(over)/1000:.2f} s (target < 3 s)")
PY
