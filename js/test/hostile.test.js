'use strict';
// Hostile peers against the Node server over loopback: floods, a SETTINGS frame claiming
// billions of entries, a silent connection and a frame dribbled byte by byte. Each gets its
// GOAWAY (or its limit), the server answers a bounded number of bytes, raises a coded
// session error, and goes on serving others.

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const spdy3 = require('..');
const { within, listen, collect, response } = require('./helpers');

/** A control frame: version 3, `type`, `flags`, payload. */
function control(type, payload, flags = 0) {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE((flags << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

const u32 = (...values) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

/** Frame types in what the server sent back. */
function frameTypes(bytes) {
  const types = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const length = bytes.readUIntBE(at + 5, 3);
    types.push(bytes[at] & 0x80 ? bytes.readUInt16BE(at + 2) : 0);
    at += 8 + length;
  }
  return types;
}

/** The status of the last GOAWAY in `bytes`, or undefined. */
function goawayStatus(bytes) {
  let status;
  for (let at = 0; at + 8 <= bytes.length;) {
    const length = bytes.readUIntBE(at + 5, 3);
    if (bytes[at] & 0x80 && bytes.readUInt16BE(at + 2) === 7) status = bytes.readUInt32BE(at + 12);
    at += 8 + length;
  }
  return status;
}

/**
 * A server with `options`; `attack(socket)` writes to a raw connection. Resolves to what
 * the server sent back and the session's error, after checking a normal client is still
 * served.
 */
async function attackServer(options, attack) {
  const server = spdy3.createServer(options);
  const errors = [];
  server.on('session', (session) => session.on('error', (err) => errors.push(err)));
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('still here');
  });
  const port = await listen(server);
  const socket = net.connect(port, '127.0.0.1');
  const received = collect(socket);
  socket.on('connect', () => attack(socket));
  const bytes = await within(received, 10000, 'the server to close the connection');
  // The server still serves a well-behaved client.
  const client = spdy3.connect(`http://127.0.0.1:${port}`);
  const req = client.request({ ':path': '/' }, { endStream: true });
  assert.equal((await within(response(req), 5000, 'a normal response'))[':status'], 200);
  assert.equal((await collect(req)).toString(), 'still here');
  client.close();
  server.close();
  return { bytes, error: errors[0] };
}

test('PING flood: echoes up to the limit, then GOAWAY PROTOCOL_ERROR', async () => {
  const pings = Buffer.concat(Array.from({ length: 5000 }, (_, i) => control(6, u32(2 * i + 1))));
  const { bytes, error } = await attackServer({}, (s) => s.write(pings));
  const types = frameTypes(bytes);
  assert.ok(types.filter((t) => t === 6).length <= 100, 'at most 100 echoes (the default limit)');
  assert.equal(goawayStatus(bytes), 1);
  assert.ok(bytes.length < 4096, `${bytes.length} bytes answered to 60 KB of PINGs`);
  assert.equal(error.code, 'ERR_SPDY_FLOOD');
});

test('unknown frame type flood: GOAWAY after the limit', async () => {
  const unknown = Buffer.concat(Array.from({ length: 1000 }, () => control(0xf0, Buffer.alloc(0))));
  const { bytes, error } = await attackServer({}, (s) => s.write(unknown));
  assert.equal(goawayStatus(bytes), 1);
  assert.equal(error.code, 'ERR_SPDY_FLOOD');
});

test('WINDOW_UPDATE flood on the session: GOAWAY after the limit', async () => {
  const updates = Buffer.concat(Array.from({ length: 10050 }, () => control(9, u32(0, 1))));
  const { bytes, error } = await attackServer({}, (s) => s.write(updates));
  assert.equal(goawayStatus(bytes), 1);
  assert.equal(error.code, 'ERR_SPDY_FLOOD');
});

test('SETTINGS claiming 2^32-1 entries: GOAWAY, nothing allocated for them', async () => {
  const { bytes, error } = await attackServer({}, (s) => s.write(control(4, u32(0xffffffff, 0))));
  assert.equal(goawayStatus(bytes), 1);
  assert.equal(error.code, 'ERR_SPDY_PROTOCOL_ERROR');
});

test('a connection that never speaks is closed at the first-frame timeout', async () => {
  const { bytes, error } = await attackServer({ timeouts: { firstFrame: 200 } }, () => {});
  // A graceful end (GOAWAY OK), as for an idle session: no error event.
  assert.deepEqual(frameTypes(bytes), [4, 9, 7], 'SETTINGS, WINDOW_UPDATE, GOAWAY');
  assert.equal(goawayStatus(bytes), 0);
  assert.equal(error, undefined);
});

test('a frame dribbled byte by byte is cut at the frame-completion timeout', async () => {
  const ping = control(6, u32(1));
  let timer;
  const { bytes, error } = await attackServer({ timeouts: { frameCompletion: 300 } }, (s) => {
    let at = 0;
    timer = setInterval(() => {
      if (s.destroyed || at >= ping.length) return clearInterval(timer);
      s.write(ping.subarray(at, at + 1));
      at += 1;
    }, 100);
  });
  clearInterval(timer);
  assert.ok(!frameTypes(bytes).includes(6), 'the PING was never completed, never echoed');
  assert.equal(goawayStatus(bytes), 1);
  assert.equal(error.code, 'ERR_SPDY_TIMEOUT');
});
