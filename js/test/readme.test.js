'use strict';
// The README's Node.js example runs as written (with the package path and a free port).

const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('README Node.js quick start prints the status and the body', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const block = /## Node\.js quick start[\s\S]*?```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(block, 'the README has a Node.js example');
  const port = await freePort();
  const code = block[1]
    .replace("require('spdy3')", `require(${JSON.stringify(path.join(__dirname, '..'))})`)
    .replaceAll('8080', String(port));
  const file = path.join(os.tmpdir(), `spdy3-readme-${process.pid}.js`);
  fs.writeFileSync(file, code);
  try {
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8', timeout: 20000 });
    assert.deepEqual(out.trim().split('\n'), ['200', 'hello /world']);
  } finally {
    fs.rmSync(file, { force: true });
  }
});
