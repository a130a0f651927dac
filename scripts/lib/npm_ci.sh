# npm_ci DIR: installs DIR's locked npm dependencies (npm ci) unless DIR/node_modules was
# already installed from the same package.json and package-lock.json (a hash of both is kept
# in node_modules/.spdy3-install-stamp). Sourced by the setup scripts.
npm_ci() {
  local dir="$1"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "setup: node and npm are required (Node.js >= 20); install them, then rerun" \
      "scripts/setup.sh" >&2
    return 1
  fi
  local stamp_file="$dir/node_modules/.spdy3-install-stamp" want have=""
  want=$(cd "$dir" && node -e '
    const fs = require("fs"), crypto = require("crypto");
    const h = crypto.createHash("sha256");
    for (const f of ["package.json", "package-lock.json"]) h.update(fs.readFileSync(f));
    process.stdout.write(h.digest("hex"));
  ')
  [ -f "$stamp_file" ] && have=$(cat "$stamp_file")
  if [ "$have" = "$want" ]; then
    return 0
  fi
  echo "setup: npm ci in ${dir#"$PWD/"}"
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
  printf '%s' "$want" >"$stamp_file"
}
