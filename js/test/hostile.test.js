'use strict';
// Hostile peers against the Node server over loopback: every attack of the battery in
// tests/hostile_session.rs (its TABLE, FUZZING.md's "Hostile-peer battery"), sent by a raw
// TCP attacker that writes SPDY frames by hand. Each test asserts the reaction on the wire
// (GOAWAY status, RST_STREAM status and stream id) and a bound — by counting the frames and
// bytes the server answered, the frames its session processed (`session.state`), the
// streams the application was handed and the bytes it was made to hold — never by timing.
// After each attack the server still serves a fresh connection. Timers are shortened
// through the server's `timeouts` option; every wait is bounded.

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const zlib = require('node:zlib');
const { once } = require('node:events');
const spdy3 = require('..');
const { wasm } = require('../lib/core');
const { within, listen, collect, response } = require('./helpers');
const { HIGH_WATER_MARK } = require('../lib/stream');
// The SPDY/3 zlib dictionary, from an independent implementation (spdy-transport).
const DICTIONARY = require('spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js')[3];

const KIB = 1024;
const MIB = 1024 * KIB;

// Frame types; DATA is 0 here (and in `framesReceived`, whose order is DATA, SYN_STREAM,
// SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE, unknown).
const DATA = 0;
const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 9;
/** Index of a frame type in `session.state.framesReceived`. */
const RECEIVED = { DATA: 0, SYN_STREAM: 1, RST_STREAM: 3, SETTINGS: 4, PING: 5, WINDOW_UPDATE: 8, UNKNOWN: 9 };

// ------------------------------------------------------------------ frames we send

/** A control frame: version 3, `type`, `flags`, payload. */
function control(type, payload, flags = 0) {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

const u32 = (...values) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
};

/** A DATA frame of `length` bytes (or of `payload`) on `id`. */
function data(id, length, fin = false) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(id, 0);
  head.writeUInt32BE((((fin ? 1 : 0) << 24) | length) >>> 0, 4);
  return Buffer.concat([head, Buffer.alloc(length, 7)]);
}

const ping = (id) => control(6, u32(id));
const rst = (id, status) => control(3, u32(id, status));
const windowUpdate = (id, delta) => control(9, u32(id, delta));
const emptySettings = () => control(4, u32(0));
/** A control frame of unknown type 0xf0 with `length` bytes of payload. */
const unknown = (length) => control(0xf0, Buffer.alloc(length, 0xee));

/** An uncompressed SPDY/3 header block: a count, then length-prefixed names and values. */
function headerBlock(pairs) {
  const parts = [u32(pairs.length)];
  for (const [name, value] of pairs) {
    const n = Buffer.from(name);
    const v = Buffer.isBuffer(value) ? value : Buffer.from(value);
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** The headers of a GET request for `path`, as [name, value] pairs. */
const request = (path = '/') => [[':method', 'GET'], [':path', path], [':version', 'HTTP/1.1'],
  [':host', '127.0.0.1'], [':scheme', 'http']];

/** A request for `path` whose uncompressed header block is exactly `size` bytes. */
function requestOfBlockSize(size, path = '/') {
  const base = headerBlock([...request(path), ['x-fill', '']]).length;
  const pairs = [...request(path), ['x-fill', Buffer.alloc(size - base, 'f')]];
  assert.equal(headerBlock(pairs).length, size);
  return pairs;
}

/**
 * One direction's header compression, as a SPDY sender keeps it for the whole connection:
 * the first block opens a zlib stream with the SPDY dictionary (its header names the
 * dictionary's id); every block ends with a sync flush, so the next one continues the same
 * stream byte-aligned. Later blocks are raw deflate that refers only to its own bytes —
 * valid in any window — so a repeated block compresses once.
 */
class HeaderCompressor {
  constructor() {
    this.started = false;
    this.cache = new Map();
  }

  compress(block) {
    const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    if (!this.started) {
      this.started = true;
      return zlib.deflateSync(block, { ...flush, dictionary: DICTIONARY });
    }
    const key = block.toString('latin1');
    let out = this.cache.get(key);
    if (!out) {
      out = zlib.deflateRawSync(block, flush);
      this.cache.set(key, out);
    }
    return out;
  }
}

/** A SYN_STREAM for `id` (priority 3) carrying `pairs`, compressed with `compressor`. */
function syn(compressor, id, pairs, fin = true) {
  const payload = Buffer.concat([u32(id, 0), Buffer.from([0x60, 0]),
    compressor.compress(headerBlock(pairs))]);
  return control(SYN_STREAM, payload, fin ? 1 : 0);
}

// ------------------------------------------------------------------ what the server sends

/** Decodes one frame at `at` of `bytes` (whole): its type, flags, length and fields. */
function decode(bytes, at) {
  const length = bytes.readUIntBE(at + 5, 3);
  const flags = bytes[at + 4];
  if (!(bytes[at] & 0x80)) return { type: DATA, id: bytes.readUInt32BE(at) & 0x7fffffff, flags, length };
  const type = bytes.readUInt16BE(at + 2);
  const frame = { type, flags, length };
  const word = (i) => bytes.readUInt32BE(at + 8 + 4 * i);
  if ([SYN_STREAM, SYN_REPLY, RST_STREAM, 8, WINDOW_UPDATE].includes(type)) frame.id = word(0) & 0x7fffffff;
  if (type === RST_STREAM) frame.status = word(1);
  if (type === WINDOW_UPDATE) frame.delta = word(1);
  if (type === PING) frame.id = word(0);
  if (type === GOAWAY) {
    frame.lastGood = word(0) & 0x7fffffff;
    frame.status = word(1);
  }
  return frame;
}

/**
 * The attacker: a raw TCP connection that writes frames and decodes what the server sends
 * (frame headers and fixed fields; DATA payloads are only counted).
 */
class Peer {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('error', () => {}); // the server cuts a flood off mid-write
    this.frames = [];
    this.bytes = 0;
    this.pending = Buffer.alloc(0);
    this.isClosed = false;
    this.pingId = 1;
    this.watchers = new Set();
    this.closed = new Promise((resolve) => this.socket.once('close', () => {
      this.isClosed = true;
      this.notify();
      resolve();
    }));
    this.socket.on('data', (chunk) => {
      this.bytes += chunk.length;
      let buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      let at = 0;
      while (at + 8 <= buf.length) {
        const length = buf.readUIntBE(at + 5, 3);
        if (at + 8 + length > buf.length) break;
        this.frames.push(decode(buf, at));
        at += 8 + length;
      }
      buf = buf.subarray(at);
      this.pending = Buffer.from(buf);
      this.notify();
    });
  }

  connected() {
    return within(once(this.socket, 'connect'), 5000, 'the connection');
  }

  notify() {
    for (const check of this.watchers) check();
  }

  /** Resolves once `predicate(this)` holds (checked on every frame and at close). */
  until(predicate, what, ms = 5000) {
    let check;
    const met = new Promise((resolve, reject) => {
      check = () => {
        if (predicate(this)) resolve();
        else if (this.isClosed) reject(new Error(`the connection closed before ${what}`));
      };
      this.watchers.add(check);
      check();
    });
    return within(met, ms, what).finally(() => this.watchers.delete(check));
  }

  /** Writes `bytes` in 1 MiB pieces, waiting for the socket to drain; stops at close. */
  async send(bytes) {
    for (let at = 0; at < bytes.length && !this.isClosed; at += MIB) {
      if (!this.socket.write(bytes.subarray(at, at + MIB))) {
        await within(Promise.race([once(this.socket, 'drain'), this.closed]), 10000, 'the socket to drain');
      }
    }
  }

  /**
   * A PING round trip: once its echo is back, the server has processed everything sent
   * before it (it handles input in order).
   */
  async sync() {
    const id = this.pingId;
    this.pingId += 2;
    this.socket.write(ping(id));
    await this.until((p) => p.frames.some((f) => f.type === PING && f.id === id), `the echo of PING ${id}`);
  }

  count(pick) {
    return this.frames.filter(pick).length;
  }

  /** The status of the last GOAWAY received, or undefined. */
  goaway() {
    return this.frames.filter((f) => f.type === GOAWAY).pop()?.status;
  }

  /** DATA payload bytes received on `id`. */
  dataBytes(id) {
    return this.frames.filter((f) => f.type === DATA && f.id === id).reduce((n, f) => n + f.length, 0);
  }

  /** The frame types received after the server's opening SETTINGS and WINDOW_UPDATE. */
  answered() {
    assert.deepEqual(this.frames.slice(0, 2).map((f) => f.type), [SETTINGS, WINDOW_UPDATE],
      'the server opens with SETTINGS and the session WINDOW_UPDATE');
    return this.frames.slice(2);
  }
}

// ------------------------------------------------------------------ the target

/** What the server application does with the attacker's streams. */
const APPS = {
  /** Answers `200 still here` (the README's handler). */
  reply: (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('still here');
  },
  /** Takes the stream and does nothing: never answers, never reads. */
  ignore: () => {},
};

/**
 * A server with `options` whose application treats the attacker's streams with `app`
 * (requests for /still-here are always answered). It records each session's errors, the
 * streams handed to the application, what `respond()` threw, and each session's counters
 * after each socket read (`state` is read in a 'data' listener after the session's own,
 * so it includes a read that ended the session).
 */
async function target(options = {}, app = APPS.reply) {
  const server = spdy3.createServer(options);
  const t = {
    server,
    sessions: [],
    errors: [], // every session's errors
    errorsOf: [], // errors by session, in the order the sessions came
    streams: [],
    thrown: [],
    stats: [],
    peers: [],
    onInput: () => {},
  };
  server.on('session', (session) => {
    const i = t.sessions.push(session) - 1;
    t.errorsOf[i] = [];
    session.on('error', (err) => {
      t.errors.push(err);
      t.errorsOf[i].push(err);
    });
    session.socket.on('data', () => {
      if (session.destroyed) return;
      t.stats[i] = session.state;
      t.onInput(session);
    });
  });
  server.on('stream', (stream, headers) => {
    if (headers[':path'] === '/still-here') {
      APPS.reply(stream);
      return;
    }
    t.streams.push(stream);
    try {
      app(stream, headers);
    } catch (err) {
      t.thrown.push(err);
    }
  });
  t.port = await listen(server);
  t.peer = async () => {
    const peer = new Peer(t.port);
    t.peers.push(peer);
    await peer.connected();
    return peer;
  };
  return t;
}

/** A well-behaved client on a fresh connection still gets `200 still here`. */
async function assertStillServes(t) {
  const client = spdy3.connect(`http://127.0.0.1:${t.port}`);
  try {
    const req = client.request({ ':path': '/still-here' }, { endStream: true });
    assert.equal((await within(response(req), 5000, 'a normal response'))[':status'], 200);
    assert.equal((await within(collect(req), 5000, 'a normal body')).toString(), 'still here');
  } finally {
    client.destroy();
  }
}

/**
 * Ends every connection and the server. (A session that ended leaves its socket ended,
 * destroyed after at most a second; the test does not wait for that.)
 */
async function shutdown(t) {
  for (const peer of t.peers) peer.socket.destroy();
  for (const session of t.sessions) {
    session.destroy();
    session.socket.destroy();
  }
  await within(new Promise((resolve) => t.server.close(resolve)), 5000, 'the server to close');
}

/**
 * Runs a connection-ending attack: `attack(peer)` writes to a fresh connection, then the
 * server must close it. Resolves to the peer (what the server sent) and the session's last
 * counters and error, after checking a fresh connection is still served.
 */
async function attackUntilClosed(options, app, attack) {
  const t = await target(options, app);
  try {
    const peer = await t.peer();
    await attack(peer, t);
    await within(peer.closed, 10000, 'the server to close the connection');
    await assertStillServes(t);
    // The attacker's session is the first; the fresh client's came after it ended.
    return { peer, stats: t.stats[0], error: t.errorsOf[0][0], t };
  } finally {
    await shutdown(t);
  }
}

/** `times` copies of `frame` in one Buffer. */
const repeat = (frame, times) => Buffer.concat(Array.from({ length: times }, () => frame));

// ------------------------------------------------------------------ floods

test('PING flood: 100 PINGs echoed, the 101st gets GOAWAY PROTOCOL_ERROR; the work stops at the limit', async (ctx) => {
  for (const count of [1000, 10000]) {
    const pings = (from, n) => Buffer.concat(Array.from({ length: n }, (_, i) => ping(2 * (from + i) + 1)));
    const { peer, stats, error } = await attackUntilClosed({}, APPS.ignore, async (p) => {
      // The first 100 (the default limit per 10 s) are answered, each with its echo...
      await p.send(pings(0, 100));
      await p.until((q) => q.count((f) => f.type === PING) === 100, '100 echoes');
      // ...then a flood of 1,000 or 10,000 more (12 or 120 KB).
      await p.send(pings(100, count));
    });
    const answered = peer.answered();
    assert.deepEqual(answered.filter((f) => f.type === PING).map((f) => f.id),
      Array.from({ length: 100 }, (_, i) => 2 * i + 1), 'the first 100 echoed, no more');
    assert.deepEqual(answered.filter((f) => f.type !== PING).map((f) => f.type), [GOAWAY]);
    assert.equal(peer.goaway(), 1);
    assert.equal(peer.bytes, 28 + 16 + 100 * 12 + 16, 'SETTINGS (2 entries), WINDOW_UPDATE, 100 echoes, GOAWAY');
    assert.equal(error.code, 'ERR_SPDY_FLOOD');
    assert.equal(stats.framesReceived[RECEIVED.PING], 101, 'processing stopped at the 101st PING');
    ctx.diagnostic(`${100 + count} PINGs sent: answered ${peer.bytes} B in ${peer.frames.length} frames`);
  }
});

test('SETTINGS, empty-DATA, WINDOW_UPDATE and unknown-type floods: GOAWAY PROTOCOL_ERROR at the limit, nothing else answered, the same work at ten times the size', async (ctx) => {
  const cases = [
    { kind: 'SETTINGS', frame: emptySettings(), count: 1000, index: RECEIVED.SETTINGS, limit: 100 },
    // Empty DATA without FIN on an open stream nobody reads.
    { kind: 'empty DATA', frame: data(1, 0), count: 2000, index: RECEIVED.DATA, limit: 1000, open: true },
    { kind: 'WINDOW_UPDATE', frame: windowUpdate(0, 1), count: 20000, index: RECEIVED.WINDOW_UPDATE, limit: 10000 },
    { kind: 'unknown type', frame: unknown(0), count: 200, index: RECEIVED.UNKNOWN, limit: 100 },
  ];
  for (const { kind, frame, count, index, limit, open } of cases) {
    const answeredBytes = [];
    for (const scale of [1, 10]) {
      const prefix = open ? syn(new HeaderCompressor(), 1, request(), false) : Buffer.alloc(0);
      const flood = Buffer.concat([prefix, repeat(frame, count * scale)]);
      const { peer, stats, error } = await attackUntilClosed({}, APPS.ignore, (p) => p.send(flood));
      const what = `${kind} ×${scale}`;
      assert.deepEqual(peer.answered().map((f) => f.type), [GOAWAY], `${what}: only the GOAWAY`);
      assert.equal(peer.goaway(), 1, what);
      assert.equal(error.code, 'ERR_SPDY_FLOOD', what);
      assert.equal(stats.framesReceived[index], limit + 1, `${what}: processing stopped at the limit`);
      answeredBytes.push(peer.bytes);
    }
    assert.equal(answeredBytes[1], answeredBytes[0], `${kind}: the same answer at both sizes`);
    ctx.diagnostic(`${kind}: fed ${count} and ${10 * count} frames, processed ${limit + 1}, answered ${answeredBytes[0]} B`);
  }
});

test('rapid reset (SYN_STREAM then RST_STREAM, over and over): GOAWAY PROTOCOL_ERROR after 1,000 resets, no stream held', async () => {
  for (const pairs of [2000, 20000]) {
    const c = new HeaderCompressor();
    const parts = [];
    for (let i = 0; i < pairs; i++) {
      const id = 1 + 2 * i;
      parts.push(syn(c, id, request(), false), rst(id, 5));
    }
    const wire = Buffer.concat(parts);
    const { peer, stats, error, t } = await attackUntilClosed({}, APPS.ignore, (p) => p.send(wire));
    assert.deepEqual(peer.answered().map((f) => f.type), [GOAWAY], `${pairs} pairs: only the GOAWAY`);
    assert.equal(peer.goaway(), 1);
    assert.equal(error.code, 'ERR_SPDY_FLOOD');
    assert.equal(stats.framesReceived[RECEIVED.RST_STREAM], 1001, 'processing stopped at the 1,001st reset');
    assert.equal(stats.framesReceived[RECEIVED.SYN_STREAM], 1001);
    assert.equal(stats.streams, 0, 'nothing held after the resets');
    assert.ok(t.streams.length <= 1001, `${t.streams.length} streams handed to the application`);
    assert.ok(t.streams.every((s) => s.destroyed), 'every stream handed over is destroyed');
  }
});

test('huge frames of unknown type: skipped as they stream past, nothing answered, the input buffer stays one read', async (ctx) => {
  const t = await target({}, APPS.ignore);
  try {
    const frame = unknown(2 * MIB);
    const memoryBefore = wasm.memoryBytes();
    let peakInput = 0;
    t.onInput = (session) => { peakInput = Math.max(peakInput, session.state.inputBuffered); };
    const peer = await t.peer();
    // 4 frames (8 MiB), then 36 more (80 MiB in all).
    let sent = 0;
    for (const frames of [4, 36]) {
      for (let i = 0; i < frames; i++) await peer.send(frame);
      sent += frames;
      await peer.sync();
      const state = t.sessions[0].state;
      assert.equal(state.framesReceived[RECEIVED.UNKNOWN], sent);
      assert.ok(state.inputBuffered <= 64 * KIB, `${state.inputBuffered} bytes of input buffered`);
    }
    assert.deepEqual(peer.answered().map((f) => f.type), [PING, PING], 'only the echoes of our PINGs');
    assert.deepEqual(t.errors, []);
    assert.ok(peakInput <= 64 * KIB, `at most one socket read buffered (${peakInput} bytes)`);
    const grown = wasm.memoryBytes() - memoryBefore;
    assert.ok(grown <= 4 * MIB, `wasm memory grew by ${grown} bytes while 80 MiB streamed past`);
    ctx.diagnostic(`80 MiB skipped: peak input buffered ${peakInput} B, wasm memory ${memoryBefore} B, grew ${grown} B`);
    await assertStillServes(t);
  } finally {
    await shutdown(t);
  }
});

// ------------------------------------------------------------------ header blocks

test('zlib bomb: a header inflating to megabytes gets GOAWAY PROTOCOL_ERROR, inflation stops at maxInflatedHeaderSize', async (ctx) => {
  // One header of 4 or 40 MiB of one letter: 4 and 40 KB compressed.
  const memoryBefore = wasm.memoryBytes();
  for (const size of [4 * MIB, 40 * MIB]) {
    const bomb = syn(new HeaderCompressor(), 1, [...request(), ['x-bomb', Buffer.alloc(size, 'z')]]);
    assert.ok(bomb.length < 64 * KIB, `fits a control frame: ${bomb.length} bytes`);
    const { peer, stats, error, t } = await attackUntilClosed({}, APPS.reply, (p) => p.send(bomb));
    assert.deepEqual(peer.answered().map((f) => f.type), [GOAWAY], 'only the GOAWAY');
    assert.equal(peer.goaway(), 1);
    assert.equal(error.code, 'ERR_SPDY_PROTOCOL_ERROR');
    assert.match(error.message, /S-30/);
    assert.equal(stats.framesReceived[RECEIVED.SYN_STREAM], 1);
    assert.equal(t.streams.length, 0, 'no stream reached the application');
  }
  const grown = wasm.memoryBytes() - memoryBefore;
  assert.ok(grown <= 4 * MIB, `wasm memory grew by ${grown} bytes for 44 MiB of bombs`);
  ctx.diagnostic(`wasm memory ${memoryBefore} B, grew ${grown} B`);

  // Under the 1 MiB inflation limit the block is only too large to keep (64 KiB): the
  // stream is reset with FRAME_TOO_LARGE and the session goes on.
  const t = await target({}, APPS.reply);
  try {
    const peer = await t.peer();
    const big = [...request(), ['x-big', Buffer.alloc(MIB - 256, 'z')]];
    assert.ok(headerBlock(big).length < MIB);
    await peer.send(syn(new HeaderCompressor(), 1, big));
    await peer.until((p) => p.count((f) => f.type === RST_STREAM) === 1, 'the reset');
    await peer.sync();
    assert.deepEqual(peer.answered().filter((f) => f.type !== PING).map((f) => [f.type, f.id, f.status]),
      [[RST_STREAM, 1, 11]]);
    assert.equal(t.streams.length, 0);
    assert.deepEqual(t.errors, []);
    await assertStillServes(t);
  } finally {
    await shutdown(t);
  }
});

test('maximum-size header blocks: 64 KiB blocks answered, one byte more reset with FRAME_TOO_LARGE; 600 held ones: 256 kept, the rest REFUSED_STREAM', async () => {
  const limit = 64 * KIB; // maxHeaderListSize's default
  for (const n of [10, 100]) {
    const t = await target({}, APPS.reply);
    try {
      const peer = await t.peer();
      const c = new HeaderCompressor();
      const parts = [];
      for (let i = 0; i < n; i++) parts.push(syn(c, 1 + 2 * i, requestOfBlockSize(limit + (i % 2))));
      await peer.send(Buffer.concat(parts));
      await peer.until((p) => p.count((f) => f.type === SYN_REPLY || f.type === RST_STREAM) === n,
        `${n} answers`);
      await peer.sync();
      const resets = peer.frames.filter((f) => f.type === RST_STREAM);
      assert.equal(resets.length, n / 2);
      assert.ok(resets.every((f) => f.status === 11 && f.id % 4 === 3), 'every block over the limit is reset');
      const replies = peer.frames.filter((f) => f.type === SYN_REPLY);
      assert.deepEqual(replies.map((f) => f.id), Array.from({ length: n / 2 }, (_, i) => 1 + 4 * i));
      assert.equal(peer.goaway(), undefined);
      assert.deepEqual(t.thrown, []);
      await assertStillServes(t);
    } finally {
      await shutdown(t);
    }
  }

  // 600 maximum-size requests nobody answers: the header sets waiting for the application
  // are capped by the concurrency limit, 256 × 64 KiB.
  const t = await target({}, APPS.ignore);
  try {
    const peer = await t.peer();
    const c = new HeaderCompressor();
    const parts = [];
    for (let i = 0; i < 600; i++) parts.push(syn(c, 1 + 2 * i, requestOfBlockSize(limit)));
    await peer.send(Buffer.concat(parts));
    await peer.until((p) => p.count((f) => f.type === RST_STREAM) === 344, '344 refusals');
    await peer.sync();
    assert.ok(peer.frames.filter((f) => f.type === RST_STREAM).every((f) => f.status === 3));
    assert.equal(t.streams.length, 256);
    assert.equal(t.sessions[0].state.streams, 256);
    const held = t.streams.reduce((n, s) => n + headerBlock(Object.entries(s.requestHeaders)).length, 0);
    assert.ok(held <= 256 * limit, `${held} bytes of headers held`);
    assert.equal(peer.goaway(), undefined);
    await assertStillServes(t);
  } finally {
    await shutdown(t);
  }
});

test('SETTINGS claiming 2^32-1 entries: GOAWAY PROTOCOL_ERROR, nothing processed or allocated for the claim', async () => {
  // The count claims 2^32-1 entries, the length holds one; ten of them at the larger size
  // (the second is never read).
  const claim = control(SETTINGS, Buffer.concat([u32(0xffffffff), u32(0x04000000, 1)]));
  assert.equal(claim.length, 20);
  const memoryBefore = wasm.memoryBytes();
  for (const times of [1, 10]) {
    const { peer, stats, error } = await attackUntilClosed({}, APPS.reply, (p) => p.send(repeat(claim, times)));
    assert.deepEqual(peer.answered().map((f) => f.type), [GOAWAY], 'only the GOAWAY');
    assert.equal(peer.goaway(), 1);
    assert.equal(error.code, 'ERR_SPDY_PROTOCOL_ERROR');
    assert.equal(stats.framesReceived[RECEIVED.SETTINGS], 0);
  }
  assert.equal(wasm.memoryBytes(), memoryBefore, 'no wasm memory grown for the claim');
});

test('stream-id exhaustion: a SYN_STREAM after id 2^31-1 gets GOAWAY PROTOCOL_ERROR', async () => {
  for (const more of [1, 10]) {
    const c = new HeaderCompressor();
    const parts = [syn(c, 0x7fffffff, request())];
    for (let i = 0; i < more; i++) parts.push(syn(c, 1 + 2 * i, request()));
    const wire = Buffer.concat(parts);
    // The application answers what it can (see the skipped test at the end).
    const { peer, stats, error } = await attackUntilClosed({}, APPS.reply, (p) => p.send(wire));
    assert.equal(peer.goaway(), 1);
    const goaway = peer.frames.find((f) => f.type === GOAWAY);
    assert.equal(goaway.lastGood, 0x7fffffff);
    assert.equal(error.code, 'ERR_SPDY_PROTOCOL_ERROR');
    assert.match(error.message, /S-15/);
    assert.equal(stats.framesReceived[RECEIVED.SYN_STREAM], 2, 'processing stopped at the first id past the last');
    assert.ok(peer.count((f) => f.type === SYN_REPLY) <= 1);
  }
});

// ------------------------------------------------------------------ streams and windows

test('concurrent-stream overrun: 256 streams held, every one past them refused with REFUSED_STREAM', async () => {
  for (const n of [1000, 10000]) {
    const t = await target({}, APPS.ignore);
    try {
      const peer = await t.peer();
      const c = new HeaderCompressor();
      const parts = [];
      for (let i = 0; i < n; i++) parts.push(syn(c, 1 + 2 * i, request()));
      await peer.send(Buffer.concat(parts));
      await peer.until((p) => p.count((f) => f.type === RST_STREAM) === n - 256, `${n - 256} refusals`);
      await peer.sync();
      const answered = peer.answered();
      const resets = answered.filter((f) => f.type === RST_STREAM);
      assert.equal(answered.length, resets.length + 1, 'the refusals and the PING echo, nothing else');
      assert.ok(resets.every((f) => f.status === 3 && f.id > 2 * 256), 'the streams past the first 256 are refused');
      assert.equal(t.streams.length, 256, 'the application was handed 256 streams');
      assert.equal(t.sessions[0].state.streams, 256);
      assert.equal(t.sessions[0].state.framesReceived[RECEIVED.SYN_STREAM], n);
      assert.equal(peer.goaway(), undefined);
      await assertStillServes(t);
    } finally {
      await shutdown(t);
    }
  }
});

test('data past the window of a stream nobody reads: RST_STREAM FLOW_CONTROL_ERROR, at most one window and the stream buffer held', async (ctx) => {
  const window = 64 * KIB; // the initial window the server grants
  for (const total of [MIB, 10 * MIB]) {
    const t = await target({}, APPS.ignore);
    try {
      let peak = 0;
      t.onInput = (session) => {
        const stream = t.streams[0];
        const held = session.state.recvBuffered + (stream ? stream.readableLength : 0);
        peak = Math.max(peak, held);
      };
      const peer = await t.peer();
      await peer.send(syn(new HeaderCompressor(), 1, request(), false));
      await peer.send(repeat(data(1, 16 * KIB), total / (16 * KIB)));
      await peer.until((p) => p.count((f) => f.type === RST_STREAM) > 0, 'the reset');
      await peer.sync();
      await peer.sync();
      const answered = peer.answered();
      assert.deepEqual(answered.filter((f) => f.type === RST_STREAM).map((f) => [f.id, f.status]), [[1, 7]],
        'one RST_STREAM FLOW_CONTROL_ERROR for stream 1');
      // The stream's readable buffer fills to its high-water mark as Node streams do (plus
      // the last delivery, at most 64 KiB): only that is returned to the peer, nothing of
      // what then waits in the session.
      const buffered = HIGH_WATER_MARK + 64 * KIB;
      const returned = answered.filter((f) => f.type === WINDOW_UPDATE && f.id === 1)
        .reduce((sum, f) => sum + f.delta, 0);
      assert.ok(returned <= buffered, `${returned} bytes of window returned to a stream nobody reads`);
      assert.equal(peer.goaway(), undefined);
      assert.equal(t.streams.length, 1);
      assert.ok(peak <= window + buffered, `${peak} bytes held for the unread stream`);
      ctx.diagnostic(`${total} B sent: peak ${peak} B held (${t.streams[0].readableLength} B in the stream), answered ${peer.bytes} B`);
      assert.ok(t.streams[0].destroyed);
      assert.deepEqual(t.errors, []);
      await assertStillServes(t);
    } finally {
      await shutdown(t);
    }
  }
});

test('zero-window hold: one 64 KiB window sent, then exactly the bytes 1-byte WINDOW_UPDATEs grant, the rest queued within the limit', async (ctx) => {
  const body = 64 * MIB;
  const chunk = 64 * KIB;
  const app = { written: 0, stream: null };
  // Sends 64 MiB as fast as it is let: writes until write() returns false, then 'drain'.
  const serve = (stream) => {
    app.stream = stream;
    stream.respond({ ':status': 200 });
    const piece = Buffer.alloc(chunk, 0x5a);
    const more = () => {
      while (app.written < body) {
        app.written += chunk;
        if (!stream.write(piece)) return;
      }
      stream.end();
    };
    stream.on('drain', more);
    stream.on('error', () => {});
    more();
  };
  const t = await target({}, serve);
  try {
    const peer = await t.peer();
    // No SETTINGS from the peer: its windows are SPDY's 64 KiB, stream and session.
    await peer.send(syn(new HeaderCompressor(), 1, request('/big')));
    await peer.until((p) => p.dataBytes(1) === 64 * KIB, 'the first window');
    await peer.sync();
    await peer.sync();
    assert.equal(peer.dataBytes(1), 64 * KIB, 'nothing past the window');
    const before = peer.frames.length;

    // One byte more on the stream and on the session, one update pair at a time: each is
    // answered by one 1-byte DATA frame.
    const pair = Buffer.concat([windowUpdate(1, 1), windowUpdate(0, 1)]);
    for (let i = 1; i <= 100; i++) {
      peer.socket.write(pair);
      await peer.until((p) => p.dataBytes(1) === 64 * KIB + i, `byte ${i}`);
    }
    const dribbled = peer.frames.slice(before).filter((f) => f.type === DATA);
    assert.equal(dribbled.length, 100);
    assert.ok(dribbled.every((f) => f.length === 1), '1-byte updates get 1-byte frames');

    // 1,000 more pairs at once: exactly 1,000 bytes more.
    await peer.send(repeat(pair, 1000));
    await peer.until((p) => p.dataBytes(1) === 64 * KIB + 1100, 'the granted bytes');
    await peer.sync();
    await peer.sync();
    assert.equal(peer.dataBytes(1), 64 * KIB + 1100, 'exactly the granted bytes, no more');
    assert.equal(peer.goaway(), undefined);
    assert.equal(peer.count((f) => f.type === RST_STREAM), 0);

    const state = t.sessions[0].state;
    assert.equal(state.dataSent, 64 * KIB + 1100);
    assert.ok(state.sendBuffered <= 512 * KIB, `${state.sendBuffered} bytes queued in the session`);
    // The application was stopped by backpressure: what it wrote is what was sent, what
    // the session queues for the stream (maxStreamSendBuffer, 512 KiB) and what the stream
    // buffers (its 256 KiB high-water mark, one chunk over).
    const ahead = app.written - state.dataSent;
    assert.ok(ahead <= 512 * KIB + 256 * KIB + chunk, `the application ran ${ahead} bytes ahead`);
    assert.ok(app.stream.writableNeedDrain, 'the application waits for drain');
    ctx.diagnostic(`sent ${state.dataSent} B in ${state.framesSent[0]} DATA frames; the application wrote ${app.written} B, `
      + `${state.sendBuffered} B queued in the session, ${app.stream.writableLength} B in the stream`);
    await assertStillServes(t);
  } finally {
    await shutdown(t);
  }
});

// ------------------------------------------------------------------ timers

test('a silent connection (first-frame timeout) and an idle one (idle timeout) get GOAWAY OK', async () => {
  // Silent: never sends a frame.
  {
    const { peer, error } = await attackUntilClosed({ timeouts: { firstFrame: 200 } }, APPS.reply, () => {});
    assert.deepEqual(peer.answered().map((f) => f.type), [GOAWAY], 'only the GOAWAY');
    assert.equal(peer.goaway(), 0);
    // A graceful end: no error event.
    assert.equal(error, undefined);
  }
  // Idle: 1 and 10 requests answered, then nothing more from the peer.
  for (const n of [1, 10]) {
    const c = new HeaderCompressor();
    const wire = Buffer.concat(Array.from({ length: n }, (_, i) => syn(c, 1 + 2 * i, request())));
    const { peer, error } = await attackUntilClosed({ timeouts: { idle: 300 } }, APPS.reply, (p) => p.send(wire));
    assert.equal(peer.count((f) => f.type === SYN_REPLY), n);
    assert.equal(peer.frames.at(-1).type, GOAWAY, 'the GOAWAY comes last');
    assert.equal(peer.goaway(), 0);
    assert.equal(peer.frames.find((f) => f.type === GOAWAY).lastGood, 2 * n - 1);
    assert.equal(error, undefined);
  }
});

test('slowloris: a frame dribbled byte by byte is cut at the frame-completion timeout with GOAWAY PROTOCOL_ERROR', async () => {
  // A PING (echoed), then a SYN_STREAM one byte every 100 ms; the frame must complete
  // within 300 ms.
  const frame = syn(new HeaderCompressor(), 1, request());
  let timer;
  const { peer, stats, error } = await attackUntilClosed({ timeouts: { frameCompletion: 300 } }, APPS.reply, (p) => {
    p.socket.write(ping(1));
    let at = 0;
    timer = setInterval(() => {
      if (p.isClosed || at >= frame.length) return clearInterval(timer);
      p.socket.write(frame.subarray(at, at + 1));
      at += 1;
    }, 100);
  });
  clearInterval(timer);
  assert.deepEqual(peer.answered().map((f) => f.type), [PING, GOAWAY], 'the echo and the GOAWAY');
  assert.equal(peer.goaway(), 1);
  assert.equal(error.code, 'ERR_SPDY_TIMEOUT');
  assert.deepEqual(stats.framesReceived, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0], 'only the PING was processed');
});

// ------------------------------------------------------------------ found by this battery

test('the README\'s stream handler survives a peer that resets its stream, or ends the session, in the same read', async () => {
  // The harness catches what the handler throws (t.thrown); an application would not.
  const t = await target({}, APPS.reply);
  try {
    // A SYN_STREAM and its RST_STREAM CANCEL in one write.
    const cancelled = await t.peer();
    const c1 = new HeaderCompressor();
    await cancelled.send(Buffer.concat([syn(c1, 1, request(), false), rst(1, 5)]));
    await cancelled.sync();
    // The last stream id, then one more SYN_STREAM (S-15) in the same write.
    const exhausted = await t.peer();
    const c2 = new HeaderCompressor();
    await exhausted.send(Buffer.concat([syn(c2, 0x7fffffff, request()), syn(c2, 1, request())]));
    await within(exhausted.closed, 5000, 'the GOAWAY');
    assert.equal(t.streams.length, 2, 'both streams were handed to the application');
    assert.deepEqual(t.thrown.map((e) => e.code), [], 'respond() threw from the stream handler');
  } finally {
    await shutdown(t);
  }
});
