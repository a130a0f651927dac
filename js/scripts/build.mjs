// Builds the WebAssembly core for the package: compiles the crate with the `wasm` feature as
// a cdylib (the crate itself stays rlib-only) and generates the Node.js bindings into
// js/wasm/ (for the package) and, with `--web`, the ES-module bindings into www/pkg/.
//
//   node scripts/build.mjs [--web] [--debug]
//
// Needs the wasm32-unknown-unknown target and the wasm-bindgen CLI at the version Cargo.lock
// pins (scripts/setup.sh installs both). Skips the work when the output is newer than every
// source file. The core's JavaScript snippets (src/wasm/glue.rs) land in <dir>/snippets/;
// for the nodejs target they are rewritten as CommonJS, which every Node 20 can require().
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  // Snippet directories are named by a hash of their content: drop the old ones.
  rmSync(join(dir, 'snippets'), { recursive: true, force: true });
  run('wasm-bindgen', ['--target', target, '--out-dir', dir, '--out-name', 'spdy3', wasm]);
  if (target === 'nodejs') forEachFile(join(dir, 'snippets'), toCommonJs);
}

function forEachFile(path, fn) {
  if (!existsSync(path)) return;
  if (!statSync(path).isDirectory()) return fn(path);
  for (const name of readdirSync(path)) forEachFile(join(path, name), fn);
}

/**
 * Rewrites a snippet of `export function name(…)` declarations (all that src/wasm/glue.rs
 * uses) as CommonJS; any other ES-module syntax fails the build rather than the require().
 */
function toCommonJs(file) {
  const source = readFileSync(file, 'utf8');
  const names = [];
  const body = source.replace(/^export function (\w+)/gm, (_, name) => {
    names.push(name);
    return `function ${name}`;
  });
  if (/^\s*(export|import)\b/m.test(body)) {
    throw new Error(`${file}: only \`export function\` declarations can be made CommonJS`);
  }
  writeFileSync(file, `'use strict';\n${body}\nmodule.exports = { ${names.join(', ')} };\n`);
}
