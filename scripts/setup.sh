#!/usr/bin/env bash
# Installs every Debian package gosandbox needs (idempotent, non-interactive) and builds
# the project into build/. Run as root on Debian 12. Usage: scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain and build
  build-essential cmake ninja-build pkg-config clang llvm
  # libraries
  libseccomp-dev libpcap-dev libbpf-dev libelf-dev zlib1g-dev libcap-dev
  nlohmann-json3-dev libboost-dev libboost-filesystem-dev libcli11-dev libspdlog-dev
  libsqlite3-dev libgtest-dev libgmock-dev
  # kernel and network tools used by the sandbox, tracer, fake internet and tests
  bpftool iproute2 nftables tshark strace bubblewrap
  # the Go toolchain the jail builds modules with, and real Go sources for tests
  golang-go ca-certificates
  golang-github-google-uuid-dev golang-github-pkg-errors-dev golang-github-boltdb-bolt-dev
  golang-github-davecgh-go-spew-dev golang-github-pmezard-go-difflib-dev
  golang-github-dustin-go-humanize-dev golang-github-cespare-xxhash-dev
  golang-github-hashicorp-golang-lru-dev golang-github-gorilla-mux-dev
  golang-github-spf13-pflag-dev golang-github-kballard-go-shellquote-dev
  golang-github-mitchellh-mapstructure-dev golang-github-beorn7-perks-dev
  golang-github-golang-snappy-dev golang-github-armon-go-radix-dev
  golang-github-ryanuber-go-glob-dev golang-github-google-btree-dev golang-github-kr-fs-dev
  golang-github-mattn-go-isatty-dev
  # report rendering checks
  chromium
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: run as root (it installs packages)" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# tracefs is where tracepoint formats live; some hosts do not mount it.
if [ ! -d /sys/kernel/tracing/events ] && [ -d /sys/kernel/tracing ]; then
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
echo "setup.sh: built build/harness/gosandbox"
