'use strict';
// Our client and server against each other: in memory (a Duplex pair) and on loopback TCP
// and TLS. Requests, bodies both ways, push, trailers, resets, backpressure, the concurrency
// limit, ping, settings, GOAWAY, cut connections and errors.

const test = require('node:test');
const assert = require('node:assert/strict');
const { once } = require('node:events');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const { Duplex } = require('node:stream');
const path = require('node:path');
const spdy3 = require('..');
const { within, listen, collect, response, duplexPair } = require('./helpers');

const sha = (buf) => createHash('sha256').update(buf).digest('hex');

/** A client and server session joined in memory. */
function memoryPair(clientOptions = {}, serverOptions = {}) {
  const [a, b] = duplexPair();
  const server = new spdy3.ServerSession(b, serverOptions);
  const client = spdy3.connect('http://example.test', { ...clientOptions, socket: a });
  return { client, server };
}

/** Answers every stream: echoes POST bodies, serves `size` bytes of `fill` on GET. */
function echoServer(session) {
  session.on('stream', (stream, headers) => {
    if (headers[':method'] === 'POST') {
      stream.respond({ ':status': 200 });
      stream.pipe(stream);
      return;
    }
    const size = Number(headers['x-size'] || 0);
    stream.respond({ ':status': 200, 'x-path': headers[':path'] });
    stream.end(Buffer.alloc(size, headers['x-fill'] || 'a'));
  });
}

test('GET in memory: request headers completed, response status numeric', async () => {
  const { client, server } = memoryPair();
  let seen;
  server.on('stream', (stream, headers) => {
    seen = headers;
    stream.respond({ ':status': 404, 'content-type': 'text/plain', connection: 'close' });
    stream.end('nope');
  });
  const req = client.request({ ':path': '/missing', 'x-custom': ['a', 'b'] }, { endStream: true });
  const headers = await within(response(req), 5000, 'response');
  const body = await within(collect(req), 5000, 'body');
  assert.equal(headers[':status'], 404);
  assert.equal(headers[':version'], 'HTTP/1.1');
  assert.equal(headers['content-type'], 'text/plain');
  assert.equal(headers.connection, undefined, 'connection-specific headers are dropped (S-88)');
  assert.equal(body.toString(), 'nope');
  assert.equal(seen[':method'], 'GET');
  assert.equal(seen[':scheme'], 'http');
  assert.equal(seen[':host'], 'example.test');
  assert.equal(seen[':version'], 'HTTP/1.1');
  assert.deepEqual(seen['x-custom'], ['a', 'b']);
  client.destroy();
});

test('POST of 8 MB echoed back in memory, byte-exact', async () => {
  const { client, server } = memoryPair();
  echoServer(server);
  const body = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
  const req = client.request({ ':method': 'POST', ':path': '/echo' });
  req.end(body);
  const echoed = await within(collect(req), 20000, 'echo');
  assert.equal(echoed.length, body.length);
  assert.equal(sha(echoed), sha(body));
  client.destroy();
});

/**
 * Downloads 1 MiB over an in-memory pair whose client socket receives its reads through
 * `receive(chunk, push, socketBuffers)` (which pushes them, recording each read's buffer),
 * checks the body, and returns how many bytes reached the application as views of those
 * buffers rather than copies.
 */
async function bytesViewedInDownload(receive) {
  const [a, b] = duplexPair();
  const socketBuffers = new Set();
  const push = a.push.bind(a);
  a.push = (chunk) => receive(chunk, push, socketBuffers);
  const server = new spdy3.ServerSession(b);
  const client = spdy3.connect('http://example.test', { socket: a });
  const body = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end(body);
  });
  const req = client.request({ ':path': '/' }, { endStream: true });
  let viewed = 0;
  const chunks = [];
  req.on('data', (chunk) => {
    chunks.push(chunk);
    if (socketBuffers.has(chunk.buffer)) viewed += chunk.length;
  });
  await within(once(req, 'end'), 10000, 'body');
  assert.equal(sha(Buffer.concat(chunks)), sha(body));
  client.destroy();
  return viewed;
}

test('received data is handed out as views of the socket chunks, not copied', async () => {
  const viewed = await bytesViewedInDownload((chunk, push, socketBuffers) => {
    if (chunk) socketBuffers.add(chunk.buffer);
    return push(chunk);
  });
  // Each DATA payload arrives in a socket chunk of its own here (the server writes heads
  // and payloads as separate segments): all of it is delivered without a copy.
  assert.equal(viewed, 1024 * 1024);
});

test('a DATA frame split between two socket reads arrives as a view of each', async () => {
  // Re-chunk what the client's socket receives into 40,000-byte reads (each its own
  // buffer), so that DATA frames (16,392 bytes with their heads) straddle reads.
  // Reads go out in order through one queue: pushing one makes the client answer, and
  // the server's reply arrives here again before the push returns.
  let pending = Buffer.alloc(0);
  let flushScheduled = false;
  const queue = [];
  let delivering = false;
  const viewed = await bytesViewedInDownload((chunk, push, socketBuffers) => {
    const deliver = (...pieces) => {
      for (const piece of pieces) {
        const own = Buffer.from(piece);
        if (own.length > 0) socketBuffers.add(own.buffer);
        queue.push(own);
      }
      if (delivering) return;
      delivering = true;
      while (queue.length > 0) push(queue.shift());
      delivering = false;
    };
    const takePending = () => {
      const rest = pending;
      pending = Buffer.alloc(0);
      return rest.length > 0 ? [rest] : [];
    };
    if (chunk === null) {
      deliver(...takePending());
      return push(null);
    }
    pending = Buffer.concat([pending, chunk]);
    const reads = [];
    while (pending.length >= 40000) {
      reads.push(pending.subarray(0, 40000));
      pending = pending.subarray(40000);
    }
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(() => {
        flushScheduled = false;
        deliver(...takePending());
      });
    }
    deliver(...reads);
    return true;
  });
  // About one frame in three straddles two reads; those arrive as two views. Only the
  // reads that the flush cut short, and parts under 1 KiB, are copied.
  assert.ok(viewed >= 0.9 * 1024 * 1024, `${viewed} of ${1024 * 1024} bytes arrived as views`);
});

test('small parts of a large buffer are copied, not views that would pin it', async () => {
  // Reads of at most 8 KiB, each the next region of one 2 MiB buffer (as reads into a
  // slab are): payload pieces under 16 KiB, a 64th of it, must not keep it alive.
  const slab = Buffer.alloc(2 * 1024 * 1024);
  let at = 0;
  const viewed = await bytesViewedInDownload((chunk, push, socketBuffers) => {
    if (chunk === null) return push(null);
    socketBuffers.add(slab.buffer);
    for (let from = 0; from < chunk.length; from += 8192) {
      const piece = chunk.subarray(from, from + 8192);
      const region = slab.subarray(at, at + piece.length);
      piece.copy(region);
      at += piece.length;
      push(region);
    }
    return true;
  });
  assert.equal(viewed, 0);
});

test('200 concurrent streams on loopback, each body intact', async () => {
  const server = spdy3.createServer();
  server.on('session', echoServer);
  const port = await listen(server);
  const client = spdy3.connect(`http://127.0.0.1:${port}`);
  const results = await within(Promise.all(Array.from({ length: 200 }, (_, i) => {
    const req = client.request({ ':path': `/s${i}`, 'x-size': String(1000 + i * 97), 'x-fill': String(i % 10) },
      { endStream: true });
    return Promise.all([response(req), collect(req)]);
  })), 20000, '200 streams');
  results.forEach(([headers, body], i) => {
    assert.equal(headers['x-path'], `/s${i}`);
    assert.equal(body.length, 1000 + i * 97);
    assert.ok(body.equals(Buffer.alloc(body.length, String(i % 10))));
  });
  client.close();
  server.close();
  await within(once(server, 'close'), 5000, 'server close');
});

test('a stream nobody reads stops its peer: bounded buffering, then everything arrives', async () => {
  const window = 64 * 1024;
  const { client, server } = memoryPair({ settings: { initialWindowSize: window } });
  const total = 16 * 1024 * 1024;
  let accepted = 0;
  let sawBackpressure = false;
  let serverStream;
  server.on('stream', (stream) => {
    serverStream = stream;
    stream.respond({ ':status': 200 });
    const chunk = Buffer.alloc(16 * 1024, 7);
    const pump = () => {
      while (accepted < total) {
        accepted += chunk.length;
        if (!stream.write(chunk)) {
          sawBackpressure = true;
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
  const req = client.request({ ':path': '/big' }, { endStream: true });
  await within(response(req), 5000, 'response');
  // Nobody reads: let the session run until the server is blocked.
  await within(new Promise((resolve) => {
    const check = () => (sawBackpressure && serverStream.writableNeedDrain ? resolve() : setTimeout(check, 10));
    check();
  }), 5000, 'backpressure');
  await new Promise((r) => setTimeout(r, 200));
  const stalledAt = accepted;
  assert.ok(stalledAt < 1024 * 1024,
    `writer stalled after ${stalledAt} bytes (window ${window}, buffers bounded)`);
  assert.ok(client.state.recvBuffered <= window, `client holds ${client.state.recvBuffered} unread`);
  assert.ok(req.readableLength <= 128 * 1024, `stream buffer ${req.readableLength}`);
  const body = await within(collect(req), 30000, 'the rest of the body');
  assert.equal(body.length, total);
  client.destroy();
});

test('server push arrives as session "stream" and request "push"', async () => {
  const { client, server } = memoryPair();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.pushStream({ ':path': '/style.css' }, (err, pushed) => {
      assert.ifError(err);
      pushed.respond({ ':status': 200, 'content-type': 'text/css' });
      pushed.end('body{}');
      stream.end('<html>');
    });
  });
  const sessionPush = new Promise((resolve) => client.once('stream', (pushed) => {
    // Listeners go on synchronously: the push's response headers may be in the same batch.
    resolve([pushed, once(pushed, 'response')]);
  }));
  const req = client.request({ ':path': '/' }, { endStream: true });
  const [pushed, pushHeaders] = await within(once(req, 'push'), 5000, 'push');
  const [viaSession, pushResponsePromise] = await sessionPush;
  assert.equal(viaSession, pushed);
  assert.equal(pushHeaders[':path'], '/style.css');
  assert.equal(pushHeaders[':host'], 'example.test', 'push host defaults to the request\'s');
  const [pushResponse] = await within(pushResponsePromise, 5000, 'push response');
  assert.equal(pushResponse[':status'], 200);
  assert.equal((await collect(pushed)).toString(), 'body{}');
  assert.equal((await collect(req)).toString(), '<html>');
  client.destroy();
});

test('trailers: waitForTrailers, wantTrailers, sendTrailers', async () => {
  const { client, server } = memoryPair();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': 'abc' }));
    stream.end('data');
  });
  const req = client.request({ ':path': '/' }, { endStream: true });
  const trailers = once(req, 'trailers');
  assert.equal((await within(collect(req), 5000, 'body')).toString(), 'data');
  const [t] = await within(trailers, 5000, 'trailers');
  assert.equal(t['x-checksum'], 'abc');
  client.destroy();
});

test('client reset mid-download: server stream aborted with rstCode CANCEL, no error', async () => {
  const { client, server } = memoryPair();
  const serverClosed = new Promise((resolve) => {
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      let aborted = false;
      let error = null;
      stream.on('aborted', () => { aborted = true; });
      stream.on('error', (err) => { error = err; });
      stream.on('close', () => resolve({ stream, aborted, error }));
      const chunk = Buffer.alloc(16384);
      const pump = () => { while (stream.write(chunk)); stream.once('drain', pump); };
      pump();
    });
  });
  const req = client.request({ ':path': '/' }, { endStream: true });
  await within(once(req, 'data'), 5000, 'first data');
  req.close(spdy3.constants.RST_CANCEL);
  const { stream, aborted, error } = await within(serverClosed, 5000, 'server stream close');
  assert.equal(stream.rstCode, spdy3.constants.RST_CANCEL);
  assert.equal(aborted, false, 'the request body had ended: nothing was cut short');
  assert.equal(error, null);
  // The session is still usable.
  const again = client.request({ ':path': '/again' }, { endStream: true });
  assert.equal((await within(response(again), 5000, 'second response'))[':status'], 200);
  client.destroy();
});

test('a reset other than CANCEL is an error with its rstCode', async () => {
  const { client, server } = memoryPair();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.write('partial');
    setImmediate(() => stream.close(spdy3.constants.RST_INTERNAL_ERROR));
  });
  const req = client.request({ ':path': '/' }, { endStream: true });
  req.on('data', () => {});
  const [err] = await within(once(req, 'error'), 5000, 'error');
  assert.equal(err.code, 'ERR_SPDY_STREAM_RESET');
  assert.equal(err.rstCode, spdy3.constants.RST_INTERNAL_ERROR);
  client.destroy();
});

test('server refuses a stream: client sees ERR_SPDY_REFUSED_STREAM with rstCode', async () => {
  const { client, server } = memoryPair();
  server.on('stream', (stream) => stream.close(spdy3.constants.RST_REFUSED_STREAM));
  const req = client.request({ ':path': '/' }, { endStream: true });
  const [err] = await within(once(req, 'error'), 5000, 'error');
  assert.equal(err.code, 'ERR_SPDY_REFUSED_STREAM');
  assert.equal(err.rstCode, spdy3.constants.RST_REFUSED_STREAM);
  assert.equal(req.rstCode, spdy3.constants.RST_REFUSED_STREAM);
  client.destroy();
});

test('cut connection: every open stream errors, the session closes', async () => {
  const server = spdy3.createServer();
  const serverSockets = [];
  server.on('connection', (s) => serverSockets.push(s));
  server.on('stream', (stream) => stream.respond({ ':status': 200 })); // never ends
  const port = await listen(server);
  const client = spdy3.connect(`http://127.0.0.1:${port}`);
  const reqs = Array.from({ length: 3 }, (_, i) => client.request({ ':path': `/${i}` }, { endStream: true }));
  await within(Promise.all(reqs.map(response)), 5000, 'responses');
  const errors = Promise.all(reqs.map((r) => once(r, 'error').then(([e]) => e)));
  const sessionError = once(client, 'error');
  const closed = new Promise((resolve) => client.once('close', resolve));
  serverSockets[0].destroy();
  for (const err of await within(errors, 5000, 'stream errors')) {
    assert.equal(err.code, 'ERR_SPDY_CONNECTION_LOST');
  }
  assert.equal((await sessionError)[0].code, 'ERR_SPDY_CONNECTION_LOST');
  await within(closed, 5000, 'close');
  server.close();
});

test('the peer concurrency limit queues requests; all complete', async () => {
  const { client, server } = memoryPair({}, { maxConcurrentStreams: 2 });
  let peak = 0;
  server.on('stream', (stream) => {
    peak = Math.max(peak, server.state.activeRemote);
    stream.respond({ ':status': 200 });
    setImmediate(() => stream.end('ok'));
  });
  await within(once(client, 'remoteSettings'), 5000, 'settings');
  const bodies = await within(Promise.all(Array.from({ length: 10 }, (_, i) =>
    collect(client.request({ ':path': `/${i}` }, { endStream: true })))), 10000, 'queued requests');
  assert.deepEqual(bodies.map(String), Array(10).fill('ok'));
  assert.ok(peak <= 2, `peak ${peak} concurrent streams at the server`);
  client.destroy();
});

test('ping reports a round trip; settings reach the peer', async () => {
  const { client, server } = memoryPair();
  const rtt = await within(new Promise((resolve, reject) =>
    client.ping((err, ms) => (err ? reject(err) : resolve(ms)))), 5000, 'pong');
  assert.equal(typeof rtt, 'number');
  assert.ok(rtt >= 0);
  const remote = once(server, 'remoteSettings');
  client.settings({ initialWindowSize: 12345, maxConcurrentStreams: 7 });
  const [settings] = await within(remote, 5000, 'remoteSettings');
  assert.equal(settings.initialWindowSize, 12345);
  assert.equal(settings.maxConcurrentStreams, 7);
  client.destroy();
});

test('goaway: the peer is told, new requests are refused, open streams finish', async () => {
  const { client, server } = memoryPair();
  let serverStream;
  server.on('stream', (stream) => {
    serverStream = stream;
    stream.respond({ ':status': 200 });
  });
  const req = client.request({ ':path': '/' }, { endStream: true });
  await within(response(req), 5000, 'response');
  const goaway = once(client, 'goaway');
  const closed = new Promise((resolve) => client.once('close', resolve));
  server.goaway();
  const [code] = await within(goaway, 5000, 'goaway');
  assert.equal(code, spdy3.constants.GOAWAY_OK);
  assert.throws(() => client.request({ ':path': '/late' }), { code: 'ERR_SPDY_GOING_AWAY' });
  serverStream.end('finished');
  assert.equal((await within(collect(req), 5000, 'body')).toString(), 'finished');
  await within(closed, 5000, 'client close');
});

test('a protocol error from the peer: session error with a code, GOAWAY sent', async () => {
  const server = spdy3.createServer();
  const sessionError = new Promise((resolve) => server.on('session', (s) => s.on('error', resolve)));
  const port = await listen(server);
  const sock = net.connect(port, '127.0.0.1');
  // A control frame with SPDY version 2: the session must end with GOAWAY (S-3).
  sock.end(Buffer.from([0x80, 0x02, 0x00, 0x04, 0, 0, 0, 4, 0, 0, 0, 0]));
  const received = await within(collect(sock), 5000, 'server output');
  const err = await within(sessionError, 5000, 'session error');
  assert.equal(err.code, 'ERR_SPDY_PROTOCOL_ERROR');
  // The last frame is GOAWAY (type 7) with PROTOCOL_ERROR.
  const goaway = received.subarray(received.length - 16);
  assert.equal(goaway.readUInt16BE(2), 7);
  assert.equal(goaway.readUInt32BE(12), 1);
  server.close();
});

test('commands on a closed session throw coded errors', async () => {
  const { client } = memoryPair();
  client.destroy();
  assert.throws(() => client.request({ ':path': '/' }), { code: 'ERR_SPDY_SESSION_CLOSED' });
  assert.equal(client.ping(() => {}), false);
});

test('invalid headers are refused with ERR_SPDY_INVALID_HEADER', async () => {
  const { client } = memoryPair();
  assert.throws(() => client.request({ ':path': '/', 'bad\0name': 'x' }),
    { code: 'ERR_SPDY_INVALID_HEADER' });
  client.destroy();
});

test('raw (kubernetes) mode: headers as given, no HTTP rules', async () => {
  const { client, server } = memoryPair({ mode: 'kubernetes' }, { mode: 'kubernetes' });
  server.on('stream', (stream, headers) => {
    assert.equal(headers[':method'], undefined);
    stream.respond({});
    stream.pipe(stream);
  });
  const req = client.request({ streamtype: 'stdin', port: '80' });
  const [headers] = await within(once(req, 'response'), 5000, 'reply');
  assert.deepEqual(Object.keys(headers), []);
  req.end(Buffer.alloc(300 * 1024, 3));
  const back = await within(collect(req), 10000, 'echo');
  assert.equal(back.length, 300 * 1024);
  client.destroy();
});

test('TLS with ALPN spdy/3.1', async () => {
  const fixtures = path.join(__dirname, 'fixtures');
  const server = spdy3.createSecureServer({
    key: fs.readFileSync(path.join(fixtures, 'key.pem')),
    cert: fs.readFileSync(path.join(fixtures, 'cert.pem')),
  });
  server.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200 });
    stream.end(`secure ${headers[':scheme']}`);
  });
  const port = await listen(server);
  const client = spdy3.connect(`https://localhost:${port}`, {
    ca: fs.readFileSync(path.join(fixtures, 'cert.pem')),
  });
  await within(once(client, 'connect'), 5000, 'connect');
  assert.equal(client.socket.alpnProtocol, 'spdy/3.1');
  const req = client.request({ ':path': '/' }, { endStream: true });
  assert.equal((await within(collect(req), 5000, 'body')).toString(), 'secure https');
  client.close();
  server.close();
  await within(once(server, 'close'), 5000, 'server close');
});

test('session.setTimeout emits timeout when idle', async () => {
  const { client } = memoryPair();
  client.setTimeout(50);
  await within(once(client, 'timeout'), 5000, 'timeout');
  client.destroy();
});

test('a socket that cannot take more stops the session output: bounded, then complete', async () => {
  // Windows far larger than the bound checked below: only the socket's backpressure
  // ('drain') can hold the server back.
  const { client, server } = memoryPair({
    settings: { initialWindowSize: 24 * 1024 * 1024 },
    sessionWindowSize: 48 * 1024 * 1024,
  });
  const total = 32 * 1024 * 1024;
  let accepted = 0;
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    const chunk = Buffer.alloc(64 * 1024, 5);
    const pump = () => {
      while (accepted < total) {
        accepted += chunk.length;
        if (!stream.write(chunk)) {
          stream.once('drain', pump);
          return;
        }
      }
      stream.end();
    };
    pump();
  });
  const req = client.request({ ':path': '/' }, { endStream: true });
  await within(response(req), 5000, 'response');
  // The client stops reading its socket: the server's socket fills and its output pauses.
  client.socket.pause();
  await new Promise((r) => setTimeout(r, 300));
  const serverSocket = server.socket;
  assert.ok(server._outputBlocked, 'the server saw its socket full');
  // Written Buffers complete only once the socket has written them, and the session's
  // output waits for 'drain': what the application got accepted stays bounded, however
  // long the peer does not read.
  assert.ok(serverSocket.writableLength <= 2 * 1024 * 1024,
    `socket holds ${serverSocket.writableLength} bytes`);
  assert.ok(accepted <= 4 * 1024 * 1024, `the application got ${accepted} bytes accepted`);
  client.socket.resume();
  const body = await within(collect(req), 30000, 'the body');
  assert.equal(body.length, total);
  client.destroy();
});

test('a socket whose writes always finish at once does not starve the event loop', async () => {
  // The client's request frames, captured from its output.
  const captured = [];
  const capture = new Duplex({ read() {}, write(c, e, cb) { captured.push(c); cb(); } });
  const client = spdy3.connect('http://example.test', { socket: capture });
  client.request({ ':path': '/' }, { endStream: true }).on('error', () => {});
  await within(new Promise((r) => { const f = () => (captured.length ? r() : setImmediate(f)); f(); }),
    5000, 'request frames');
  // A server writing into a sink that takes everything at once; without windows to wait
  // for, only the session's own turns let the rest of the process run.
  const sink = new Duplex({ read() {}, write(c, e, cb) { cb(); }, writev(c, cb) { cb(); } });
  const server = new spdy3.ServerSession(sink, { flowControl: 'lenient' });
  const total = 64 * 1024 * 1024;
  const finished = new Promise((resolve) => {
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 });
      const chunk = Buffer.alloc(64 * 1024, 1);
      let written = 0;
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!stream.write(chunk)) return stream.once('drain', pump);
        }
        stream.end(resolve);
      };
      pump();
    });
  });
  for (const c of captured) sink.push(c);
  let turns = 0;
  let done = false;
  const tick = () => { turns++; if (!done) setImmediate(tick); };
  setImmediate(tick);
  await within(finished, 30000, 'the body written');
  done = true;
  // 64 MiB in 64 KiB writes: a turn at least every 16 drains leaves dozens of turns.
  assert.ok(turns >= 20, `${turns} turns of the event loop while 64 MiB were written`);
  server.destroy();
  client.destroy();
});

test('closed sessions give their wasm memory back', async () => {
  const { wasm } = require('../lib/core');
  const cycle = async () => {
    const { client, server } = memoryPair();
    server.on('stream', (stream) => { stream.respond({ ':status': 200 }); stream.end('x'); });
    await collect(client.request({ ':path': '/' }, { endStream: true }));
    const closed = Promise.all([once(client, 'close'), once(server, 'close')]);
    client.destroy();
    await within(closed, 5000, 'both sessions closed');
  };
  for (let i = 0; i < 20; i++) await cycle();
  const before = wasm.memoryBytes();
  // Each pair holds about 700 KiB of zlib state: 200 more pairs would need ~140 MiB if
  // none were freed.
  for (let i = 0; i < 200; i++) await cycle();
  const grown = wasm.memoryBytes() - before;
  assert.ok(grown < 16 * 1024 * 1024, `wasm memory grew by ${grown} bytes over 200 sessions`);
});
