'use strict';
// The package as users get it: `npm pack`, installed into a fresh project, loaded with
// `require` and with `import`, running a request each; and its hand-written types checked
// against a program that uses them.

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const pkgDir = path.resolve(__dirname, '..');

/** A server and a client in one script: prints the response body. */
const program = (load) => `${load}
const server = createServer((req, res) => res.end('hello ' + req.url));
server.listen(0, '127.0.0.1', () => {
  const session = connect('http://127.0.0.1:' + server.address().port);
  const req = session.request({ ':path': '/packed' }, { endStream: true });
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    console.log(body);
    session.close();
    server.close();
  });
});
`;

let project;
let files;

test.before(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'spdy3-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', project],
    { cwd: pkgDir, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  files = info.files.map((f) => f.path);
  fs.writeFileSync(path.join(project, 'package.json'),
    JSON.stringify({ name: 'spdy3-pack-check', version: '0.0.0', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--offline',
    path.join(project, info.filename)], { cwd: project, stdio: 'pipe' });
});

test.after(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

test('the tarball ships the wasm, the library, both entries and the types', () => {
  for (const f of ['wasm/spdy3_bg.wasm', 'wasm/spdy3.js', 'index.js', 'index.mjs', 'index.d.ts',
    'lib/session.js', 'lib/stream.js', 'lib/compat.js', 'lib/upgrade.js', 'package.json']) {
    assert.ok(files.includes(f), `${f} is in the tarball (${files.join(', ')})`);
  }
  assert.ok(!files.some((f) => f.startsWith('test/') || f.startsWith('bench/')), 'no tests shipped');
  const pkg = JSON.parse(fs.readFileSync(path.join(project, 'node_modules/spdy3/package.json')));
  assert.deepEqual(pkg.dependencies ?? {}, {}, 'no runtime dependencies');
});

test('require() of the installed package runs a request', () => {
  fs.writeFileSync(path.join(project, 'cjs.cjs'),
    program("const { createServer, connect } = require('spdy3');"));
  const out = execFileSync(process.execPath, ['cjs.cjs'], { cwd: project, encoding: 'utf8', timeout: 20000 });
  assert.equal(out.trim(), 'hello /packed');
});

test('import of the installed package runs a request', () => {
  fs.writeFileSync(path.join(project, 'esm.mjs'),
    program("import { createServer, connect, constants, upgrade } from 'spdy3';\n"
      + "if (constants.RST_CANCEL !== 5 || typeof upgrade.connect !== 'function') throw new Error('exports');"));
  const out = execFileSync(process.execPath, ['esm.mjs'], { cwd: project, encoding: 'utf8', timeout: 20000 });
  assert.equal(out.trim(), 'hello /packed');
});

test('index.d.ts type-checks a program using the API (tsc --strict)', () => {
  const tsc = path.join(pkgDir, 'node_modules/typescript/bin/tsc');
  fs.writeFileSync(path.join(project, 'use.ts'), `
import { connect, createServer, constants, upgrade, ClientStream, SpdyError } from 'spdy3';
const server = createServer({ settings: { initialWindowSize: 1 << 20 } }, (req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(req.url);
});
server.on('stream', (stream, headers) => {
  const path: string | string[] | number | undefined = headers[':path'];
  stream.respond({ ':status': 200 }, { endStream: false });
  stream.pushStream({ ':path': '/x' }, (err, pushed) => { if (!err) pushed.end('x'); });
  stream.end(String(path));
});
const session = connect('http://127.0.0.1:1', { mode: 'http', timeouts: { idle: false } });
const req: ClientStream = session.request({ ':path': '/' }, { endStream: true, priority: 0 });
req.on('response', (h) => console.log(h[':status']));
req.on('error', (e: SpdyError) => console.log(e.code, e.rstCode));
session.ping((err, ms) => console.log(err, ms));
req.close(constants.RST_CANCEL);
upgrade.connect('http://127.0.0.1:1', { protocols: ['portforward.k8s.io'] })
  .then(({ session: s, protocol }) => { console.log(protocol); s.close(); });
`);
  fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: 'node16', moduleResolution: 'node16', target: 'es2022',
      types: ['node'], typeRoots: [path.join(pkgDir, 'node_modules/@types')],
    },
    files: ['use.ts'],
  }));
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });
  } catch (err) {
    assert.fail(`tsc found errors:\n${err.stdout}`);
  }
});
