// Builds the WebAssembly core for the package: compiles the crate with the `wasm` feature as
// a cdylib (the crate itself stays rlib-only) and generates the Node.js bindings into
// js/wasm/ (for the package) and, with `--web`, the ES-module bindings into www/pkg/.
//
//   node scripts/build.mjs [--web] [--debug]
//
// Needs the wasm32-unknown-unknown target and the wasm-bindgen CLI at the version Cargo.lock
// pins (scripts/setup.sh installs both). Skips the work when the output is newer than every
// source file.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const js = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(js, '..');
const args = new Set(process.argv.slice(2));
const profile = args.has('--debug') ? 'debug' : 'release';
const targetDir = process.env.CARGO_TARGET_DIR
  ? resolve(process.env.CARGO_TARGET_DIR)
  : join(root, 'target');
const wasm = join(targetDir, 'wasm32-unknown-unknown', profile, 'spdy3.wasm');
const outputs = [{ target: 'nodejs', dir: join(js, 'wasm') }];
if (args.has('--web')) outputs.push({ target: 'web', dir: join(root, 'www', 'pkg') });

function newest(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

function run(cmd, argv) {
  execFileSync(cmd, argv, { cwd: root, stdio: 'inherit' });
}

const lock = readFileSync(join(root, 'Cargo.lock'), 'utf8');
const pinned = /name = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock)?.[1];
let cli = '';
try {
  cli = execFileSync('wasm-bindgen', ['--version'], { encoding: 'utf8' }).trim().split(' ')[1];
} catch {
  throw new Error(`wasm-bindgen CLI not found; run scripts/setup.sh (needs ${pinned})`);
}
if (cli !== pinned) {
  throw new Error(`wasm-bindgen CLI is ${cli} but Cargo.lock pins ${pinned}; run scripts/setup.sh`);
}

const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'Cargo.toml')),
  newest(join(root, 'Cargo.lock')),
);
const stale = ({ dir }) =>
  !existsSync(join(dir, 'spdy3_bg.wasm')) || newest(join(dir, 'spdy3_bg.wasm')) < sources;
if (!outputs.some(stale)) process.exit(0);

const cargoArgs = ['rustc', '--lib', '--crate-type', 'cdylib', '--target',
  'wasm32-unknown-unknown', '--features', 'wasm', '--quiet'];
if (profile === 'release') cargoArgs.push('--release');
run('cargo', cargoArgs);
for (const { target, dir } of outputs) {
  mkdirSync(dir, { recursive: true });
  run('wasm-bindgen', ['--target', target, '--out-dir', dir, '--out-name', 'spdy3', wasm]);
}
