#!/usr/bin/env bash
# Installs the spdy-transport interop peer: npm `spdy-transport` 3.0.0 (node-spdy's protocol
# engine), pinned in tests/interop/spdy_transport/package.json and package-lock.json, into
# tests/interop/spdy_transport/node_modules (git-ignored). tests/interop_spdy_transport.rs
# drives it. Idempotent: npm runs only when node_modules is missing or older than the
# committed package.json / package-lock.json.
set -euo pipefail

dir="$(cd "$(dirname "$0")/.." && pwd)/tests/interop/spdy_transport"
pinned="3.0.0"

if ! command -v node >/dev/null 2>&1; then
  echo "setup_spdy_transport: node is required for the spdy-transport interop tests" \
    "(tests/interop_spdy_transport.rs); install Node.js (>= 18) and npm, then rerun" \
    "scripts/setup.sh" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup_spdy_transport: npm is required to install spdy-transport@$pinned; install it" \
    "(it ships with Node.js), then rerun scripts/setup.sh" >&2
  exit 1
fi

# What the installed tree was made from: a hash of the manifest and the lockfile, kept next
# to the packages. Any change to either (or a missing/incomplete install) reinstalls.
stamp_file="$dir/node_modules/.spdy3-install-stamp"
want_stamp=$(cd "$dir" && node -e '
  const fs = require("fs"), crypto = require("crypto");
  const h = crypto.createHash("sha256");
  for (const f of ["package.json", "package-lock.json"]) h.update(fs.readFileSync(f));
  process.stdout.write(h.digest("hex"));
')
have_version=$(cd "$dir" && node -e '
  try { process.stdout.write(require("./node_modules/spdy-transport/package.json").version) }
  catch (e) {}
')
have_stamp=""
[ -f "$stamp_file" ] && have_stamp=$(cat "$stamp_file")

if [ "$have_version" = "$pinned" ] && [ "$have_stamp" = "$want_stamp" ]; then
  exit 0
fi

echo "setup: npm ci spdy-transport@$pinned in tests/interop/spdy_transport"
(cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)

have_version=$(cd "$dir" && node -e '
  process.stdout.write(require("./node_modules/spdy-transport/package.json").version)
')
if [ "$have_version" != "$pinned" ]; then
  echo "setup_spdy_transport: installed spdy-transport $have_version, expected $pinned" >&2
  exit 1
fi
printf '%s' "$want_stamp" >"$stamp_file"
