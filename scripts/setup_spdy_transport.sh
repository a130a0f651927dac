#!/usr/bin/env bash
# Installs the spdy-transport interop peer: npm `spdy-transport` 3.0.0 (node-spdy's protocol
# engine), pinned in tests/interop/spdy_transport/package.json and package-lock.json, into
# tests/interop/spdy_transport/node_modules (git-ignored). tests/interop_spdy_transport.rs
# drives it. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=lib/npm_ci.sh
. "$root/scripts/lib/npm_ci.sh"

dir="$root/tests/interop/spdy_transport"
pinned="3.0.0"
npm_ci "$dir"
have_version=$(cd "$dir" && node -e '
  process.stdout.write(require("./node_modules/spdy-transport/package.json").version)
')
if [ "$have_version" != "$pinned" ]; then
  echo "setup_spdy_transport: installed spdy-transport $have_version, expected $pinned" >&2
  exit 1
fi
