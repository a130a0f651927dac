'use strict';
// Interop of this package with spdy-transport 3.0.0 (node-spdy's protocol engine) over
// loopback plain TCP, in both roles: our client against its server, and its client against
// our server. Both servers serve the same routes:
//
//   GET  /hello         200 text/plain "hello from <peer>", echoes x-test as x-echo-test
//   POST /echo          buffers the body, then 200 with x-len and the body
//   POST /echo-stream   200 at once, then streams the body back as it arrives
//   GET  /range         RESOURCE (1 MiB); `range: bytes=a-b` gives 206 and that slice
//   GET  /push          pushes /pushed.css (text/css, "pushed body"), then 200 "main page"
//   POST /reset-me      200 and 64 KiB, then RST_STREAM INTERNAL_ERROR on the client's data
//   POST /upload        200; "ACK" once 32 KiB arrived; the client then resets (CANCEL)
//   GET  /many/<i>      held until x-barrier streams are pending, then 200 pattern(16 KiB, i)
//
// spdy-transport's API (see tests/interop/spdy_transport/): a connection per socket,
// `start(3.1)`; `windowSize` is its receive window, session and stream, at least 64 KiB.

const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const crypto = require('node:crypto');
const { once, EventEmitter } = require('node:events');
const transport = require('spdy-transport');
const { connect, createServer, constants } = require('..');

const STEP_MS = 20_000; // bound on any single wait
const BOUNDED = { timeout: 60_000 }; // backstop per test
const RESOURCE = pattern(1 << 20, 7);
const WINDOW_UPDATE = 8; // index into state.framesSent / framesReceived

// --- helpers -------------------------------------------------------------------------------

/** Byte i is (i * 31 + seed) mod 256. */
function pattern(n, seed) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/** `promise`, or a rejection naming `what` after `ms`. */
function within(promise, what, ms = STEP_MS) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The next `event` of `emitter` (its arguments), bounded; rejects on 'error'. */
const next = (emitter, event, what) => within(once(emitter, event), what);

/** Reads a stream to its end: its body as one Buffer, bounded. */
function readAll(stream, what) {
  return within(new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  }), what);
}

/** Reads until `n` bytes arrived (the peer then waits for us). */
function readExactly(stream, n, what) {
  return within(new Promise((resolve, reject) => {
    const chunks = [];
    let got = 0;
    const onData = (c) => {
      chunks.push(c);
      got += c.length;
      if (got >= n) {
        stream.removeListener('data', onData);
        stream.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  }), what);
}

function rangeOf(header) {
  const m = /^bytes=(\d+)-(\d+)$/.exec(header || '');
  if (!m) return null;
  const first = Number(m[1]);
  return { first, last: Math.min(Number(m[2]), RESOURCE.length - 1) };
}

/** A net.Server on 127.0.0.1:0 whose sockets are all destroyed by `shut()`. */
async function listen(server) {
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await next(server, 'listening', 'the server to listen');
  return {
    port: server.address().port,
    async shut() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await within(closed, 'the server to close');
    },
  };
}

/** A spdy-transport connection over `socket`; records its errors and the RST codes it got. */
function theirConnection(socket, isServer, windowSize) {
  const conn = transport.connection.create(socket, { protocol: 'spdy', isServer, windowSize });
  conn.start(3.1);
  conn.errors = [];
  conn.rstCodes = new Map();
  conn.on('error', (err) => conn.errors.push(err));
  conn.on('frame', (frame) => {
    if (frame.type === 'RST') conn.rstCodes.set(frame.id, frame.code);
  });
  return conn;
}

// --- our client ↔ their server -------------------------------------------------------------

/** spdy-transport's routes (its stream API: respond(status, headers), pushPromise). */
function theirRoutes(stream, state) {
  const h = stream.headers;
  const { method, path } = stream;
  if (method === 'GET' && path === '/hello') {
    stream.resume();
    stream.respond(200, {
      'content-type': 'text/plain',
      'x-echo-test': h['x-test'] || '',
    });
    stream.end('hello from spdy-transport');
  } else if (method === 'POST' && path === '/echo') {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      stream.respond(200, { 'x-len': String(body.length) });
      stream.end(body);
    });
  } else if (method === 'POST' && path === '/echo-stream') {
    stream.respond(200, {});
    stream.pipe(stream);
  } else if (method === 'GET' && path === '/range') {
    stream.resume();
    const r = rangeOf(h.range);
    stream.respond(206, {
      'content-range': `bytes ${r.first}-${r.last}/${RESOURCE.length}`,
      'content-length': String(r.last - r.first + 1),
    });
    stream.end(RESOURCE.subarray(r.first, r.last + 1));
  } else if (method === 'GET' && path === '/push') {
    stream.resume();
    stream.pushPromise({
      path: '/pushed.css',
      method: 'GET',
      host: h[':authority'],
      status: 200,
      response: { 'content-type': 'text/css' },
    }, (err, push) => {
      if (err) return state.errors.push(err);
      push.on('error', (e) => state.errors.push(e));
      push.end('pushed body');
      stream.respond(200, { 'content-type': 'text/html' });
      stream.end('main page');
    });
  } else if (method === 'POST' && path === '/reset-me') {
    stream.respond(200, {});
    stream.write(pattern(65536, 3));
    stream.once('data', () => stream.abort('INTERNAL_ERROR'));
  } else if (method === 'POST' && path === '/upload') {
    let received = 0;
    stream.respond(200, {});
    stream.on('data', (c) => {
      if (received < 32768 && (received += c.length) >= 32768) stream.write('ACK');
    });
    stream.once('close', () => state.emit('upload', { id: stream.id, received }));
  } else if (method === 'GET' && path.startsWith('/many/')) {
    stream.resume();
    state.many.push(stream);
    if (state.many.length === Number(h['x-barrier'])) {
      for (const s of state.many.splice(0)) {
        const i = Number(s.path.slice('/many/'.length));
        s.respond(200, { 'x-index': String(i) });
        s.end(pattern(16384, i & 0xff));
      }
    }
  } else {
    stream.resume();
    stream.respond(404, {});
    stream.end();
  }
}

/**
 * spdy-transport's server and our client session connected to it. `peer.conn` is its side
 * of the connection; everything is closed after the test.
 */
async function ourClient(t, { theirWindow, ours } = {}) {
  const peer = Object.assign(new EventEmitter(), { conn: null, errors: [], many: [] });
  const server = net.createServer((socket) => {
    const conn = theirConnection(socket, true, theirWindow);
    peer.conn = conn;
    conn.on('stream', (stream) => {
      stream.on('error', () => {}); // resets are read from conn.rstCodes
      theirRoutes(stream, peer);
    });
  });
  const listening = await listen(server);
  const session = connect(`http://127.0.0.1:${listening.port}`, ours);
  t.after(async () => {
    if (!session.destroyed) {
      const closed = next(session, 'close', 'our client session to close');
      session.close();
      await closed.catch((err) => {
        session.destroy();
        throw err;
      });
    }
    await listening.shut();
  });
  await next(session, 'connect', 'our client to connect');
  return { session, peer };
}

/** A request on our client: `{ headers, body, stream }` once its body ended. */
async function fetch(session, headers, body) {
  const stream = session.request(
    { ':method': body ? 'POST' : 'GET', ...headers },
    { endStream: !body },
  );
  const response = next(stream, 'response', `the response to ${headers[':path']}`);
  const data = readAll(stream, `the body of ${headers[':path']}`);
  if (body) stream.end(body);
  const [responseHeaders] = await response;
  return { headers: responseHeaders, body: await data, stream };
}

/** Our session and the peer saw nothing wrong. */
function assertClean(session, peer) {
  assert.deepEqual(peer.errors, [], 'spdy-transport route errors');
  assert.deepEqual(peer.conn.errors, [], 'spdy-transport connection errors');
  assert.equal(session.destroyed, false, 'our session is still open');
}

test('our client ↔ spdy-transport server', async (t) => {
  await t.test('GET: headers and body', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const res = await fetch(session, { ':path': '/hello', 'x-test': 'from spdy3' });
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.headers['x-echo-test'], 'from spdy3');
    assert.equal(res.body.toString(), 'hello from spdy-transport');
    assertClean(session, peer);
  });

  await t.test('10 MB POST echoed byte-exact', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const body = crypto.randomBytes(10 * 1000 * 1000);
    const res = await fetch(session, { ':path': '/echo' }, body);
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.headers['x-len'], String(body.length));
    assert.equal(res.body.length, body.length);
    assert.equal(sha256(res.body), sha256(body));
    assertClean(session, peer);
  });

  await t.test('Range request: 206 with the slice', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const res = await fetch(session, { ':path': '/range', range: 'bytes=1000-2999' });
    assert.equal(res.headers[':status'], 206);
    assert.equal(res.headers['content-range'], `bytes 1000-2999/${RESOURCE.length}`);
    assert.equal(res.headers['content-length'], '2000');
    assert.deepEqual(res.body, RESOURCE.subarray(1000, 3000));
    assertClean(session, peer);
  });

  await t.test('server push: pushed stream with headers and body', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const stream = session.request({ ':path': '/push' }, { endStream: true });
    const pushed = next(stream, 'push', 'the push').then(async ([push, headers]) => (
      { headers, body: await readAll(push, 'the pushed body') }));
    const [response] = await next(stream, 'response', 'the response to /push');
    const main = await readAll(stream, 'the body of /push');
    const push = await pushed;
    assert.equal(response[':status'], 200);
    assert.equal(main.toString(), 'main page');
    assert.equal(push.headers[':path'], '/pushed.css');
    assert.equal(push.headers[':status'], '200'); // spdy-transport puts it in the SYN_STREAM
    assert.equal(push.headers['content-type'], 'text/css');
    assert.equal(push.body.toString(), 'pushed body');
    assertClean(session, peer);
  });

  await t.test('reset mid-stream by the server', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const stream = session.request({ ':method': 'POST', ':path': '/reset-me' });
    const errored = next(stream, 'error', 'the reset');
    const got = await readExactly(stream, 65536, 'the 64 KiB before the reset');
    assert.deepEqual(got, pattern(65536, 3));
    stream.write('now'); // data flows both ways; the server resets on it
    const [err] = await errored;
    assert.equal(err.rstCode, constants.RST_INTERNAL_ERROR);
    assert.equal(stream.rstCode, constants.RST_INTERNAL_ERROR);
    // The session still serves requests.
    const res = await fetch(session, { ':path': '/hello' });
    assert.equal(res.body.toString(), 'hello from spdy-transport');
    assertClean(session, peer);
  });

  await t.test('reset mid-stream by the client', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const stream = session.request({ ':method': 'POST', ':path': '/upload' });
    stream.write(pattern(32768, 4));
    const ack = await readExactly(stream, 3, 'the server\'s ACK');
    assert.equal(ack.toString(), 'ACK');
    const seen = next(peer, 'upload', 'spdy-transport to see the reset');
    stream.close(constants.RST_CANCEL);
    assert.equal(stream.rstCode, constants.RST_CANCEL);
    // spdy-transport saw our CANCEL, and the next request is served.
    const [upload] = await seen;
    assert.deepEqual(upload, { id: stream.id, received: 32768 });
    assert.equal(peer.conn.rstCodes.get(stream.id), 'CANCEL');
    const res = await fetch(session, { ':path': '/hello' });
    assert.equal(res.body.toString(), 'hello from spdy-transport');
    assertClean(session, peer);
  });

  await t.test('100 concurrent streams', BOUNDED, async (t) => {
    const { session, peer } = await ourClient(t);
    const n = 100;
    // The server answers none until all n are open.
    const results = await Promise.all(Array.from({ length: n }, (_, i) =>
      fetch(session, { ':path': `/many/${i}`, 'x-barrier': String(n) })));
    results.forEach((res, i) => {
      assert.equal(res.headers[':status'], 200, `/many/${i}`);
      assert.equal(res.headers['x-index'], String(i));
      assert.deepEqual(res.body, pattern(16384, i & 0xff), `body of /many/${i}`);
    });
    assertClean(session, peer);
  });

  await t.test('5 MB both ways through small windows', BOUNDED, async (t) => {
    // Ours: 16 KiB per stream, 64 KiB for the session; theirs: 64 KiB (its minimum).
    const { session, peer } = await ourClient(t, {
      theirWindow: 65536,
      ours: { initialWindowSize: 16 * 1024, sessionWindowSize: 64 * 1024 },
    });
    const body = crypto.randomBytes(5 * 1000 * 1000);
    // Echoed as it arrives: both directions flow at once.
    const res = await fetch(session, { ':path': '/echo-stream' }, body);
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.body.length, body.length);
    assert.equal(sha256(res.body), sha256(body));
    const { framesSent, framesReceived } = session.state;
    assert.ok(framesSent[WINDOW_UPDATE] > 0, 'we sent WINDOW_UPDATE');
    assert.ok(framesReceived[WINDOW_UPDATE] > 0, 'we received WINDOW_UPDATE');
    assertClean(session, peer);
  });
});

// --- their client ↔ our server -------------------------------------------------------------

/** Our server's routes (this package's API: respond({':status'}), pushStream). */
function ourRoutes(stream, h, state) {
  const method = h[':method'];
  const path = h[':path'];
  if (method === 'GET' && path === '/hello') {
    stream.respond({
      ':status': 200,
      'content-type': 'text/plain',
      'x-echo-test': h['x-test'] || '',
    });
    stream.end('hello from spdy3');
  } else if (method === 'POST' && path === '/echo') {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      stream.respond({ ':status': 200, 'x-len': String(body.length) });
      stream.end(body);
    });
  } else if (method === 'POST' && path === '/echo-stream') {
    stream.respond({ ':status': 200 });
    stream.pipe(stream);
  } else if (method === 'GET' && path === '/range') {
    const r = rangeOf(h.range);
    stream.respond({
      ':status': 206,
      'content-range': `bytes ${r.first}-${r.last}/${RESOURCE.length}`,
      'content-length': String(r.last - r.first + 1),
    });
    stream.end(RESOURCE.subarray(r.first, r.last + 1));
  } else if (method === 'GET' && path === '/push') {
    // spdy-transport's client needs :method and :status in the push's SYN_STREAM.
    stream.pushStream({
      ':method': 'GET',
      ':path': '/pushed.css',
      ':status': 200,
      'content-type': 'text/css',
    }, (err, push) => {
      if (err) return state.errors.push(err);
      push.on('error', (e) => state.errors.push(e));
      push.end('pushed body');
      stream.respond({ ':status': 200, 'content-type': 'text/html' });
      stream.end('main page');
    });
  } else if (method === 'POST' && path === '/reset-me') {
    stream.respond({ ':status': 200 });
    stream.write(pattern(65536, 3));
    stream.once('data', () => {
      stream.close(constants.RST_INTERNAL_ERROR);
      state.resets.push({ path, rstCode: stream.rstCode });
    });
  } else if (method === 'POST' && path === '/upload') {
    let received = 0;
    stream.respond({ ':status': 200 });
    stream.on('data', (c) => {
      if (received < 32768 && (received += c.length) >= 32768) stream.write('ACK');
    });
    // A CANCEL from the peer is not an error: 'aborted', then 'close', with rstCode set.
    let aborted = false;
    stream.once('aborted', () => { aborted = true; });
    stream.once('close', () => state.emit('upload', { aborted, stream, received }));
  } else if (method === 'GET' && path.startsWith('/many/')) {
    state.many.push({ stream, i: Number(path.slice('/many/'.length)) });
    if (state.many.length === Number(h['x-barrier'])) {
      for (const { stream: s, i } of state.many.splice(0)) {
        s.respond({ ':status': 200, 'x-index': String(i) });
        s.end(pattern(16384, i & 0xff));
      }
    }
  } else {
    stream.respond({ ':status': 404 }, { endStream: true });
  }
}

/**
 * Our server and spdy-transport's client connected to it. `peer.sessions` are our server
 * sessions; everything is closed after the test.
 */
async function theirClient(t, { theirWindow, ours } = {}) {
  const peer = Object.assign(new EventEmitter(),
    { sessions: [], errors: [], resets: [], many: [] });
  const server = createServer(ours);
  server.on('session', (s) => peer.sessions.push(s));
  server.on('stream', (stream, headers) => {
    try {
      ourRoutes(stream, headers, peer);
    } catch (err) {
      peer.errors.push(err);
      stream.close(constants.RST_INTERNAL_ERROR);
    }
  });
  const listening = await listen(server);
  const socket = net.connect(listening.port, '127.0.0.1');
  const conn = theirConnection(socket, false, theirWindow);
  t.after(async () => {
    const closed = next(socket, 'close', 'spdy-transport\'s client socket to close');
    conn.end(); // GOAWAY(OK), then the socket closes
    await closed.finally(() => socket.destroy());
    await listening.shut();
  });
  await next(socket, 'connect', 'spdy-transport\'s client to connect');
  return { conn, peer };
}

/** A stream opened by spdy-transport's client (it ends GET requests itself). */
function theirRequest(conn, method, path, headers = {}) {
  return conn.request({ method, path, host: '127.0.0.1', headers });
}

/** A request by spdy-transport's client: `{ status, headers, body, stream }` at its end. */
async function theirFetch(conn, path, headers = {}, body = null) {
  const stream = theirRequest(conn, body ? 'POST' : 'GET', path, headers);
  const response = next(stream, 'response', `the response to ${path}`);
  const data = readAll(stream, `the body of ${path}`);
  if (body) stream.end(body);
  const [status, responseHeaders] = await response;
  return { status, headers: responseHeaders, body: await data, stream };
}

function assertTheirClean(conn, peer) {
  assert.deepEqual(peer.errors, [], 'our route errors');
  assert.deepEqual(conn.errors, [], 'spdy-transport connection errors');
  assert.equal(peer.sessions.length, 1);
  assert.equal(peer.sessions[0].destroyed, false, 'our server session is still open');
}

test('spdy-transport client ↔ our server', async (t) => {
  await t.test('GET: headers and body', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const res = await theirFetch(conn, '/hello', { 'x-test': 'from spdy-transport' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.headers['x-echo-test'], 'from spdy-transport');
    assert.equal(res.body.toString(), 'hello from spdy3');
    assertTheirClean(conn, peer);
  });

  await t.test('10 MB POST echoed byte-exact', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const body = crypto.randomBytes(10 * 1000 * 1000);
    const res = await theirFetch(conn, '/echo', {}, body);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-len'], String(body.length));
    assert.equal(res.body.length, body.length);
    assert.equal(sha256(res.body), sha256(body));
    assertTheirClean(conn, peer);
  });

  await t.test('Range request: 206 with the slice', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const res = await theirFetch(conn, '/range', { range: 'bytes=1000-2999' });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes 1000-2999/${RESOURCE.length}`);
    assert.equal(res.headers['content-length'], '2000');
    assert.deepEqual(res.body, RESOURCE.subarray(1000, 3000));
    assertTheirClean(conn, peer);
  });

  await t.test('server push: pushed stream with headers and body', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const stream = theirRequest(conn, 'GET', '/push');
    // The push's 'response' comes with its PUSH_PROMISE: listen before returning.
    const pushed = new Promise((resolve) => stream.once('pushPromise', (push) => {
      const response = next(push, 'response', 'the push\'s :status');
      resolve(Promise.all([response, readAll(push, 'the pushed body')])
        .then(([[status], body]) => ({ push, status, body })));
    }));
    const response = next(stream, 'response', 'the response to /push');
    const main = await readAll(stream, 'the body of /push');
    const [status] = await response;
    const push = await within(pushed, 'the push');
    assert.equal(status, 200);
    assert.equal(main.toString(), 'main page');
    assert.equal(push.push.path, '/pushed.css');
    assert.equal(push.push.method, 'GET');
    assert.equal(push.push.headers['content-type'], 'text/css');
    assert.equal(push.status, 200);
    assert.equal(push.body.toString(), 'pushed body');
    assertTheirClean(conn, peer);
  });

  await t.test('reset mid-stream by the server', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const stream = theirRequest(conn, 'POST', '/reset-me');
    const errored = next(stream, 'close', 'the reset').then(
      () => assert.fail('the stream closed without an error'), (err) => err);
    const got = await readExactly(stream, 65536, 'the 64 KiB before the reset');
    assert.deepEqual(got, pattern(65536, 3));
    stream.write('now'); // data flows both ways; our server resets on it
    const err = await errored;
    assert.match(err.message, /Got RST: INTERNAL_ERROR/);
    assert.equal(conn.rstCodes.get(stream.id), 'INTERNAL_ERROR');
    assert.deepEqual(peer.resets,
      [{ path: '/reset-me', rstCode: constants.RST_INTERNAL_ERROR }]);
    // The connection still serves requests.
    const res = await theirFetch(conn, '/hello');
    assert.equal(res.body.toString(), 'hello from spdy3');
    assertTheirClean(conn, peer);
  });

  await t.test('reset mid-stream by the client', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const stream = theirRequest(conn, 'POST', '/upload');
    stream.on('error', () => {});
    stream.write(pattern(32768, 4));
    const ack = await readExactly(stream, 3, 'our server\'s ACK');
    assert.equal(ack.toString(), 'ACK');
    const seen = next(peer, 'upload', 'our server to see the reset');
    stream.abort(); // RST_STREAM CANCEL
    // Our server saw the CANCEL, and the next request is served.
    const [{ aborted, stream: ours, received }] = await seen;
    assert.ok(aborted, 'our stream emitted aborted');
    assert.equal(ours.rstCode, constants.RST_CANCEL);
    assert.equal(received, 32768);
    const res = await theirFetch(conn, '/hello');
    assert.equal(res.body.toString(), 'hello from spdy3');
    assertTheirClean(conn, peer);
  });

  await t.test('100 concurrent streams', BOUNDED, async (t) => {
    const { conn, peer } = await theirClient(t);
    const n = 100;
    // Our server answers none until all n are open.
    const results = await Promise.all(Array.from({ length: n }, (_, i) =>
      theirFetch(conn, `/many/${i}`, { 'x-barrier': String(n) })));
    results.forEach((res, i) => {
      assert.equal(res.status, 200, `/many/${i}`);
      assert.equal(res.headers['x-index'], String(i));
      assert.deepEqual(res.body, pattern(16384, i & 0xff), `body of /many/${i}`);
    });
    assertTheirClean(conn, peer);
  });

  await t.test('5 MB both ways through small windows', BOUNDED, async (t) => {
    // Ours: 16 KiB per stream, 64 KiB for the session; theirs: 64 KiB (its minimum).
    const { conn, peer } = await theirClient(t, {
      theirWindow: 65536,
      ours: { initialWindowSize: 16 * 1024, sessionWindowSize: 64 * 1024 },
    });
    const body = crypto.randomBytes(5 * 1000 * 1000);
    // Echoed as it arrives: both directions flow at once.
    const res = await theirFetch(conn, '/echo-stream', {}, body);
    assert.equal(res.status, 200);
    assert.equal(res.body.length, body.length);
    assert.equal(sha256(res.body), sha256(body));
    const { framesSent, framesReceived } = peer.sessions[0].state;
    assert.ok(framesSent[WINDOW_UPDATE] > 0, 'we sent WINDOW_UPDATE');
    assert.ok(framesReceived[WINDOW_UPDATE] > 0, 'we received WINDOW_UPDATE');
    assertTheirClean(conn, peer);
  });
});
