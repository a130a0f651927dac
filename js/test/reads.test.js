'use strict';
// Socket reads into shared slabs (lib/reads.js): the regions handed out never overlap, and
// data received through them stays intact however long readers hold it, across pauses of
// the socket.

const test = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const fs = require('node:fs');
const path = require('node:path');
const spdy3 = require('..');
const { slabReads, SLAB_SIZE } = require('../lib/reads');
const { within, listen } = require('./helpers');

test('slab reads: successive regions follow each other, a new slab when one is nearly full', () => {
  const reads = slabReads(1024 * 1024); // slabs of 256 KiB to start with, read 64 KiB at a time
  const got = [];
  const regions = [];
  const read = (n) => {
    const buf = reads.onread.buffer();
    regions.push(buf);
    buf.fill(regions.length & 0xff, 0, n);
    reads.onread.callback(n, buf);
  };
  read(100); // before attach: kept for the sink
  reads.attach((chunk) => {
    got.push(chunk);
    return true; // kept: its bytes must stay
  });
  assert.equal(got.length, 1);
  for (const n of [65536, 65536, 65536, 30000, 20000]) read(n);
  // 100 + 3 × 65,536 + 30,000 = 226,708: 35,436 left ≥ 16 KiB, so the 20,000 still fit.
  assert.equal(regions[5].buffer, regions[0].buffer);
  assert.equal(regions[5].byteOffset, 226708);
  assert.equal(regions[5].length, 256 * 1024 - 226708);
  read(10000); // 15,436 left < 16 KiB: a new slab
  assert.notEqual(regions[6].buffer, regions[0].buffer);
  assert.equal(regions[6].byteOffset, 0);
  assert.equal(regions[6].length, 64 * 1024);
  // Each chunk is exactly the bytes read, at the end of the previous one, and none was
  // overwritten by a later read.
  assert.deepEqual(got.map((c) => c.length), [100, 65536, 65536, 65536, 30000, 20000, 10000]);
  got.forEach((chunk, i) => {
    assert.ok(chunk.every((b) => b === i + 1), `chunk ${i} intact`);
    if (i > 0 && i < 6) assert.equal(chunk.byteOffset, got[i - 1].byteOffset + got[i - 1].length);
  });
});

test('slab reads: a slab of which nothing was kept is read into again from its start', () => {
  const reads = slabReads(256 * 1024);
  const regions = [];
  let keep = false;
  reads.attach(() => keep);
  const read = (n) => {
    const buf = reads.onread.buffer();
    regions.push(buf);
    reads.onread.callback(Math.min(n, buf.length), buf);
  };
  for (let i = 0; i < 10; i++) read(65536); // nothing kept: the same memory every time
  assert.ok(regions.every((r) => r.buffer === regions[0].buffer && r.byteOffset === 0));
  keep = true;
  read(1000); // kept: the slab moves on, and stays as it is from now on
  keep = false;
  read(2000);
  read(3000);
  assert.equal(regions[11].byteOffset, 1000);
  assert.equal(regions[12].byteOffset, 3000);
  assert.equal(regions[12].buffer, regions[0].buffer);
  const last = () => regions[regions.length - 1];
  for (let i = 0; last().buffer === regions[0].buffer; i++) {
    assert.ok(i < 5, 'a new slab once this one is nearly full');
    read(65536);
  }
  const fresh = last();
  assert.notEqual(fresh.buffer, regions[0].buffer);
  assert.equal(fresh.byteOffset, 0);
  read(500);
  assert.equal(last().byteOffset, 0, 'the new slab, unkept, is reused');
  // A reader that throws leaves its chunk counted as kept.
  reads.attach(() => { throw new Error('listener'); });
  assert.throws(() => read(700));
  reads.attach(() => false);
  read(10);
  assert.equal(last().byteOffset, 700);
});

test('slab reads: large slabs once reads come back full, small ones again after a short read', () => {
  const reads = slabReads(1024 * 1024);
  const regions = [];
  reads.attach(() => true);
  const read = (n) => {
    const buf = reads.onread.buffer();
    regions.push(buf);
    reads.onread.callback(Math.min(n, buf.length), buf);
  };
  const last = () => regions[regions.length - 1];
  // Bursts of three full reads, each ended by a short one: small slabs throughout.
  for (let burst = 0; burst < 6; burst++) {
    for (let i = 0; i < 3; i++) read(Infinity);
    read(100);
  }
  assert.ok(regions.every((r) => r.buffer.byteLength === 256 * 1024 && r.length <= 64 * 1024));
  // Full reads in a row: after four, the next slab is large, read 256 KiB at a time.
  for (let i = 0; last().buffer.byteLength !== 1024 * 1024; i++) {
    assert.ok(i < 8, 'a large slab within two small slabs of full reads');
    read(Infinity);
  }
  const large = last();
  assert.equal(large.byteOffset, 0);
  assert.equal(large.length, 256 * 1024);
  // Reads under a quarter of their region: once this slab is used up, small ones again.
  while (last().buffer === large.buffer) read(60000);
  assert.equal(last().buffer.byteLength, 256 * 1024);
  assert.equal(last().length, 64 * 1024);
});

/** Byte i of body `k`: a pattern that differs per body and per position. */
const patternByte = (k, i) => ((i * 7 + k * 13 + (i >> 16)) & 0xff);

function body(k, size) {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = patternByte(k, i);
  return b;
}

const fixtures = path.join(__dirname, 'fixtures');
const tlsFiles = () => ({
  key: fs.readFileSync(path.join(fixtures, 'key.pem')),
  cert: fs.readFileSync(path.join(fixtures, 'cert.pem')),
});

/** A server answering GET /<k>/<size> with body(k, size); TLS with `secure`. */
async function patternServer(options, secure = false) {
  const server = secure ? spdy3.createSecureServer({ ...tlsFiles(), ...options }) : spdy3.createServer(options);
  server.on('stream', (stream, headers) => {
    const [, k, size] = headers[':path'].split('/').map(Number);
    stream.respond({ ':status': 200 });
    stream.end(body(k, size));
  });
  return { server, port: await listen(server) };
}

/** Downloads, keeping every chunk as received until the end, then checks them all. */
async function download(client, k, size, { stallMs = 0 } = {}) {
  const req = client.request({ ':path': `/${k}/${size}` }, { endStream: true });
  const chunks = [];
  if (stallMs > 0) {
    await new Promise((r) => setTimeout(r, stallMs));
  }
  req.on('data', (c) => chunks.push(c));
  await within(once(req, 'end'), 20000, `body ${k}`);
  assert.ok(Buffer.concat(chunks).equals(body(k, size)), `body ${k} intact`);
  return chunks;
}

test('connect(): downloads read into slabs arrive intact while every chunk is held', async () => {
  const { server, port } = await patternServer();
  const client = spdy3.connect(`http://127.0.0.1:${port}`);
  await within(once(client, 'connect'), 5000, 'connect');
  const sizes = [3 << 20, 1 << 20, 100000, 777];
  const all = await Promise.all(sizes.map((size, k) => download(client, k, size)));
  // Large payloads are views of slabs (Node's own reads are 64 KiB buffers).
  const slab = (c) => c.buffer.byteLength === SLAB_SIZE || c.buffer.byteLength === SLAB_SIZE / 4;
  const views = all.flat().filter(slab);
  const viewed = views.reduce((n, c) => n + c.length, 0);
  assert.ok(viewed > (3 << 20), `${viewed} bytes arrived as views of slabs`);
  client.destroy();
  server.close();
});

test('connect() over TLS: decrypted reads land in slabs too, intact', async () => {
  const { server, port } = await patternServer({}, true);
  const client = spdy3.connect(`https://localhost:${port}`, { ca: tlsFiles().cert });
  await within(once(client, 'connect'), 5000, 'connect');
  const chunks = await download(client, 3, 2 << 20);
  const viewed = chunks.filter((c) => [SLAB_SIZE, SLAB_SIZE / 4].includes(c.buffer.byteLength))
    .reduce((n, c) => n + c.length, 0);
  assert.ok(viewed > (1 << 20), `${viewed} bytes arrived as views of slabs`);
  client.destroy();
  server.close();
});

test('connect(): a socket paused for unread data resumes its slab reads, nothing lost', async () => {
  // Lenient flow control on both ends: the server sends regardless of windows, so the
  // client's input pauses once 256 KiB lie unread.
  const lenient = { flowControl: 'lenient', maxBuffered: 256 * 1024 };
  const { server, port } = await patternServer(lenient);
  const client = spdy3.connect(`http://127.0.0.1:${port}`, lenient);
  await within(once(client, 'connect'), 5000, 'connect');
  let paused = 0;
  const pause = client.socket.pause.bind(client.socket);
  client.socket.pause = () => {
    paused++;
    return pause();
  };
  await download(client, 5, 4 << 20, { stallMs: 300 });
  assert.ok(paused > 0, 'the socket was paused while nobody read');
  client.destroy();
  server.close();
});

test('connect() with readSlabSize 0 keeps Node\'s own reads', async () => {
  const { server, port } = await patternServer();
  const client = spdy3.connect(`http://127.0.0.1:${port}`, { readSlabSize: 0 });
  await within(once(client, 'connect'), 5000, 'connect');
  const chunks = await download(client, 9, 1 << 20);
  assert.ok(chunks.every((c) => c.buffer.byteLength <= 64 * 1024));
  client.destroy();
  server.close();
});
