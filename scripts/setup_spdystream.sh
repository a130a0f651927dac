#!/usr/bin/env bash
# Installs the moby/spdystream interop peer: Debian's Go toolchain and spdystream source
# (golang-go, golang-github-docker-spdystream-dev, which installs under the import path
# github.com/moby/spdystream and needs nothing else), then builds
# tests/interop/spdystream/peer.go offline in GOPATH mode into
# target/interop/spdystream-peer (rebuilt only when the source is newer). Idempotent; prints
# the binary's path last. tests/interop_spdystream.rs runs the binary.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/tests/interop/spdystream/peer.go"
out_dir="$root/target/interop"
bin="$out_dir/spdystream-peer"
gocode=/usr/share/gocode
pkg_dir="$gocode/src/github.com/moby/spdystream"

need_apt=()
command -v go >/dev/null 2>&1 || need_apt+=(golang-go)
[ -f "$pkg_dir/connection.go" ] || need_apt+=(golang-github-docker-spdystream-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_spdystream: missing ${need_apt[*]} and no apt-get to install them" >&2
    exit 1
  fi
  echo "setup_spdystream: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup_spdystream: 'go' is still not on PATH after installing golang-go" >&2
  exit 1
fi
if [ ! -f "$pkg_dir/connection.go" ]; then
  echo "setup_spdystream: spdystream source not found at $pkg_dir" \
    "(package golang-github-docker-spdystream-dev)" >&2
  exit 1
fi
if [ ! -f "$src" ]; then
  echo "setup_spdystream: peer source $src is missing" >&2
  exit 1
fi

if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
  echo "setup_spdystream: building $bin"
  mkdir -p "$out_dir/gopath" "$out_dir/gocache"
  # Offline: GOPATH mode against Debian's /usr/share/gocode, no module proxy.
  (cd "$(dirname "$src")" &&
    GO111MODULE=off GOFLAGS= GOPROXY=off \
      GOPATH="$gocode:$out_dir/gopath" GOCACHE="$out_dir/gocache" \
      go build -o "$bin.tmp" peer.go)
  mv -f "$bin.tmp" "$bin"
fi
echo "$bin"
