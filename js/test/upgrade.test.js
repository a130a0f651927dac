'use strict';
// The Kubernetes `Upgrade: SPDY/3.1` helpers (lib/upgrade.js): our client against our
// server on loopback, raw sockets for the bytes around the 101, and moby/spdystream (the Go
// library Kubernetes uses) in both roles through tests/interop/spdystream/peer.go.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const path = require('node:path');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const spdy3 = require('..');
const { wasm, EV } = require('../lib/core');

const { upgrade } = spdy3;
const STEP = 10000; // bound on any single wait
const TEST = { timeout: 30000 }; // bound on a whole test
const WINDOW_UPDATE = 8; // index of WINDOW_UPDATE in the core's frame counters
const PEER = process.env.SPDYSTREAM_PEER
  || path.join(__dirname, '..', '..', 'target', 'interop', 'spdystream-peer');

// --- helpers ---------------------------------------------------------------------------

/** `promise`, or a clear failure after `ms`. */
function within(promise, what, ms = STEP) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the first emission of `event` (its arguments), bounded. */
function once(emitter, event, what = event) {
  return within(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), what);
}

/** peer.go's `pattern(n, seed)`. */
function pattern(n, seed) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 13 + Math.floor(i / 251)) & 0xff;
  return b;
}

/** Everything a readable gives until its end; rejects if it errors or closes first. */
function collect(stream, what) {
  return within(new Promise((resolve, reject) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('close', () => {
      if (!stream.readableEnded) reject(new Error(`${what}: closed before its end`));
    });
  }), what);
}

/** Writes `data` on a stream and ends it while reading the echo; returns what came back. */
function roundTrip(stream, data, what) {
  const echoed = collect(stream, what);
  stream.end(data);
  return echoed;
}

/** Echoes every stream of a server session: empty SYN_REPLY, data back, FIN after FIN. */
function echoStreams(session, seen = []) {
  session.on('stream', (stream, headers) => {
    seen.push(headers);
    stream.respond({});
    stream.pipe(stream);
    stream.on('error', () => {});
  });
  return seen;
}

/**
 * An http.Server on 127.0.0.1 with handleUpgrade(options). Resolves to `{url, sessions,
 * requests, close}`; `close()` destroys every socket and session.
 */
async function upgradeServer(options, onSession = (session) => echoStreams(session), tlsOptions) {
  const notFound = (req, res) => res.writeHead(404).end();
  const server = tlsOptions ? https.createServer(tlsOptions, notFound) : http.createServer(notFound);
  const sessions = [];
  const requests = [];
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  upgrade.handleUpgrade(server, options, (session, req) => {
    sessions.push(session);
    requests.push(req);
    onSession(session, req);
  });
  await within(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)), 'listen');
  const { port } = server.address();
  return {
    port,
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}/api/v1/namespaces/default/pods/web-0/exec`,
    sessions,
    requests,
    close: async () => {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await within(new Promise((resolve) => server.close(resolve)), 'server close');
    },
  };
}

/** A raw TCP connection, connected. */
async function rawConnect(port) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect', 'raw connect');
  return socket;
}

/** Reads from a raw socket until an HTTP head is complete: `{head, rest}`. */
function readHead(socket, what = 'HTTP head') {
  return within(new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ head: buf.subarray(0, end + 4).toString('latin1'), rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error(`${what}: connection ended first`)));
  }), what);
}

/** A whole raw HTTP response read to the socket's end: `{status, head, body}`. */
async function readResponse(socket) {
  const data = await collect(socket, 'raw HTTP response');
  const text = data.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no HTTP head in ${JSON.stringify(text)}`);
  return {
    status: Number(text.slice(9, 12)),
    head: text.slice(0, end),
    body: text.slice(end + 4),
  };
}

/** A sans-I/O core session (as a raw peer): its initial output and its event stream. */
function rawCore(server) {
  const core = new wasm.WasmSession(server, { mode: 'kubernetes' }, 0);
  const events = [];
  const run = (result) => {
    for (let i = 3; i < result.length; i++) events.push(result[i]);
    return result[0] ? Buffer.from(result[0]) : Buffer.alloc(0);
  };
  return { core, events, run, input: (chunk) => run(core.input(chunk, 0)) };
}

/** Waits until `predicate()` holds, polling; fails clearly after STEP. */
function until(predicate, what) {
  return within(new Promise((resolve) => {
    const poll = () => (predicate() ? resolve() : setTimeout(poll, 5));
    poll();
  }), what);
}

// --- the Go peer -------------------------------------------------------------------------

/** Starts tests/interop/spdystream/peer.go; fails (never skips) when it is not built. */
function startPeer(args) {
  assert.ok(fs.existsSync(PEER),
    `the moby/spdystream peer is missing at ${PEER}: run scripts/setup.sh `
    + '(scripts/setup_spdystream.sh installs Go and spdystream from Debian and builds it)');
  const child = spawn(PEER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const peer = { child, lines: [], stderr: '', waiters: [] };
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop();
    for (const line of parts) {
      peer.lines.push(line);
      for (const w of peer.waiters.splice(0)) w();
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => { peer.stderr += text; });
  peer.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  return peer;
}

/** The peer's output so far, for failure messages. */
function peerLog(peer) {
  return `${peer.lines.join('\n')}\n--- peer stderr ---\n${peer.stderr}`;
}

/** The first peer line starting with `prefix`. */
function peerLine(peer, prefix) {
  return within(new Promise((resolve) => {
    const check = () => {
      const line = peer.lines.find((l) => l.startsWith(prefix));
      if (line) resolve(line);
      else peer.waiters.push(check);
    };
    check();
  }), `peer line ${prefix}`).catch((err) => {
    throw new Error(`${err.message}\n${peerLog(peer)}`);
  });
}

/** Waits for the peer's exit; asserts `RESULT PASS`, no FAIL and every `expected` line. */
async function peerFinish(peer, expected) {
  const code = await within(peer.exited, 'the spdystream peer to exit').catch((err) => {
    throw new Error(`${err.message}\n${peerLog(peer)}`);
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(code, 0, `the peer failed:\n${peerLog(peer)}`);
  assert.equal(peer.lines.at(-1), 'RESULT PASS', peerLog(peer));
  assert.ok(!peer.lines.some((l) => l.startsWith('FAIL')), peerLog(peer));
  for (const want of expected) {
    assert.ok(peer.lines.includes(want), `the peer did not print \`${want}\`:\n${peerLog(peer)}`);
  }
}

/** Kills the peer if it still runs (a failed test leaves nothing behind). */
function stopPeer(peer) {
  if (peer && peer.child.exitCode === null && peer.child.signalCode === null) peer.child.kill();
}

// --- negotiation ------------------------------------------------------------------------

test('negotiation: every header line, comma lists, the first client protocol the server has', TEST, async () => {
  const srv = await upgradeServer({
    protocols: ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'],
  });
  try {
    const offered = ['v5.channel.k8s.io', 'v4.channel.k8s.io, v3.channel.k8s.io', 'channel.k8s.io'];
    const { session, protocol, response } = await within(
      upgrade.connect(srv.url, { protocols: offered }), 'upgrade');
    assert.equal(protocol, 'v4.channel.k8s.io');
    assert.equal(session.protocol, 'v4.channel.k8s.io');
    assert.equal(response.statusCode, 101);
    assert.equal(response.headers.upgrade, 'SPDY/3.1');
    assert.equal(response.headers['x-stream-protocol-version'], 'v4.channel.k8s.io');
    // One request line per offered entry, as kubectl sends them.
    const req = srv.requests[0];
    const lines = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i] === 'X-Stream-Protocol-Version') lines.push(req.rawHeaders[i + 1]);
    }
    assert.deepEqual(lines, offered);
    assert.equal(req.method, 'POST');
    assert.equal(srv.sessions[0].protocol, 'v4.channel.k8s.io');
    session.destroy();

    // Client order wins over server order.
    const second = await within(upgrade.connect(srv.url, {
      protocols: ['v3.channel.k8s.io,v4.channel.k8s.io'],
    }), 'second upgrade');
    assert.equal(second.protocol, 'v3.channel.k8s.io');
    second.session.destroy();
  } finally {
    await srv.close();
  }
});

test('negotiation: a single port-forward protocol, callback form, GET', TEST, async () => {
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] });
  try {
    const result = await within(new Promise((resolve, reject) => {
      upgrade.connect(`http://127.0.0.1:${srv.port}/portForward/default/web-0`,
        { protocols: ['portforward.k8s.io'], method: 'GET' },
        (err, r) => (err ? reject(err) : resolve(r)));
    }), 'upgrade (callback)');
    assert.equal(result.protocol, 'portforward.k8s.io');
    assert.equal(srv.requests[0].method, 'GET');
    assert.equal(srv.requests[0].url, '/portForward/default/web-0');
    result.session.destroy();
  } finally {
    await srv.close();
  }
});

test('negotiate(): the kubelet decisions as data', () => {
  const base = ['Host', 'x', 'Connection', 'Upgrade', 'Upgrade', 'SPDY/3.1'];
  assert.deepEqual(upgrade.negotiate([...base, 'x-stream-protocol-version', ' a , b'], ['b', 'a']),
    { protocol: 'a' });
  assert.deepEqual(upgrade.negotiate([...base, 'X-Stream-Protocol-Version', 'a'], []),
    { protocol: 'a' }, 'no server list: the client\'s first');
  assert.equal(upgrade.negotiate(['Connection', 'keep-alive, Upgrade', 'Upgrade', 'spdy/3.1',
    'X-Stream-Protocol-Version', 'a'], ['a']).protocol, 'a');
  const missing = upgrade.negotiate(['Host', 'x', 'Connection', 'close', 'Accept', '*/*'], ['a']);
  assert.equal(missing.status, 400);
  assert.equal(missing.message, 'unable to upgrade: missing upgrade headers in request: '
    + 'http.Header{"Accept":[]string{"*/*"}, "Connection":[]string{"close"}}');
});

// --- refusals ---------------------------------------------------------------------------

test('400 when the client offers no X-Stream-Protocol-Version', TEST, async () => {
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] });
  try {
    const err = await within(upgrade.connect(srv.url, { protocols: [] })
      .then(() => assert.fail('the upgrade succeeded'), (e) => e), 'refusal');
    assert.equal(err.code, 'ERR_SPDY_UPGRADE_REFUSED');
    assert.equal(err.statusCode, 400);
    // Node sends Connection, Upgrade, Content-Length and Host (Go keeps Host apart).
    assert.equal(err.body, 'unable to upgrade: header X-Stream-Protocol-Version does not exist '
      + 'in request with 3 headers\n');
    assert.equal(err.message, 'upgrade refused with 400: unable to upgrade: header '
      + 'X-Stream-Protocol-Version does not exist in request with 3 headers');
    assert.equal(err.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(srv.sessions.length, 0);
  } finally {
    await srv.close();
  }
});

test('403 with X-Accepted-Stream-Protocol-Versions when no protocol is common', TEST, async () => {
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io', 'v1.portforward.k8s.io'] });
  try {
    const err = await within(upgrade.connect(srv.url, {
      protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io, channel.k8s.io'],
    }).then(() => assert.fail('the upgrade succeeded'), (e) => e), 'refusal');
    assert.equal(err.code, 'ERR_SPDY_UPGRADE_REFUSED');
    assert.equal(err.statusCode, 403);
    const message = 'unable to upgrade: unable to negotiate protocol: client supports '
      + '[v5.channel.k8s.io v4.channel.k8s.io channel.k8s.io], '
      + 'server accepts [portforward.k8s.io v1.portforward.k8s.io]';
    assert.equal(err.body, `${message}\n`);
    assert.equal(err.message, `upgrade refused with 403: ${message}`);
    assert.deepEqual(err.acceptedProtocols, ['portforward.k8s.io', 'v1.portforward.k8s.io']);
    assert.equal(srv.sessions.length, 0);
  } finally {
    await srv.close();
  }
});

test('400 for an upgrade to something other than SPDY/3.1 (raw client)', TEST, async () => {
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] });
  const socket = await rawConnect(srv.port);
  try {
    socket.write('GET /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
      + 'X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    const res = await readResponse(socket);
    assert.equal(res.status, 400);
    assert.equal(res.body, 'unable to upgrade: missing upgrade headers in request: '
      + 'http.Header{"Connection":[]string{"Upgrade"}, "Upgrade":[]string{"websocket"}, '
      + '"X-Stream-Protocol-Version":[]string{"portforward.k8s.io"}}\n');
    assert.equal(srv.sessions.length, 0);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('client: a JSON Status body gives its message; a 101 not to SPDY is refused', TEST, async () => {
  const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods "web-0" not found', reason: 'NotFound', code: 404 };
  const answers = [
    `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(JSON.stringify(status))}\r\n\r\n${JSON.stringify(status)}`,
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: other\r\n\r\n',
  ];
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.once('data', () => s.write(answers.shift()));
  });
  await within(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)), 'listen');
  const url = `http://127.0.0.1:${server.address().port}/x`;
  const refusal = () => within(upgrade.connect(url, { protocols: ['portforward.k8s.io'] })
    .then(() => assert.fail('the upgrade succeeded'), (e) => e), 'refusal');
  try {
    const notFound = await refusal();
    assert.equal(notFound.code, 'ERR_SPDY_UPGRADE_REFUSED');
    assert.equal(notFound.statusCode, 404);
    assert.equal(notFound.message, 'upgrade refused with 404: pods "web-0" not found');
    assert.equal(notFound.status.reason, 'NotFound');
    const websocket = await refusal();
    assert.equal(websocket.code, 'ERR_SPDY_UPGRADE_REFUSED');
    assert.equal(websocket.statusCode, 101);
    const other = await refusal();
    assert.equal(other.code, 'ERR_SPDY_UPGRADE_PROTOCOL');
  } finally {
    for (const s of sockets) s.destroy();
    await within(new Promise((resolve) => server.close(resolve)), 'server close');
  }
});

test('client: no answer within handshakeTimeout rejects with ERR_SPDY_UPGRADE_TIMEOUT', TEST, async () => {
  const sockets = new Set();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await within(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)), 'listen');
  try {
    const started = Date.now();
    const err = await within(upgrade.connect(`http://127.0.0.1:${server.address().port}/x`,
      { protocols: ['portforward.k8s.io'], handshakeTimeout: 150 })
      .then(() => assert.fail('the upgrade succeeded'), (e) => e), 'handshake timeout');
    assert.equal(err.code, 'ERR_SPDY_UPGRADE_TIMEOUT');
    assert.ok(Date.now() - started >= 140);
  } finally {
    for (const s of sockets) s.destroy();
    await within(new Promise((resolve) => server.close(resolve)), 'server close');
  }
});

// --- sessions after the upgrade ----------------------------------------------------------

test('exec-style streams (raw headers, no :method) echo 300 KiB each way, lenient', TEST, async () => {
  const seen = [];
  // Both sides grant only SPDY's default 64 KiB window and never widen it.
  const window = { initialWindowSize: 65536 };
  const srv = await upgradeServer({ protocols: ['v4.channel.k8s.io'], ...window },
    (session) => echoStreams(session, seen));
  try {
    const { session } = await within(
      upgrade.connect(srv.url, { protocols: ['v4.channel.k8s.io'], ...window }), 'upgrade');
    const stdin = session.request({ streamtype: 'stdin' });
    const [stdinReply] = await once(stdin, 'response', 'stdin SYN_REPLY');
    const stdout = session.request({ streamtype: 'stdout' });
    const [stdoutReply] = await once(stdout, 'response', 'stdout SYN_REPLY');
    assert.deepEqual({ ...stdinReply }, {}, 'Kubernetes replies carry no headers');
    assert.deepEqual({ ...stdoutReply }, {});
    assert.deepEqual(seen.map((h) => ({ ...h })), [{ streamtype: 'stdin' }, { streamtype: 'stdout' }]);

    const a = pattern(300 * 1024, 1);
    const b = pattern(300 * 1024 + 7, 2);
    const [gotA, gotB] = await Promise.all([
      roundTrip(stdin, a, 'stdin echo'),
      roundTrip(stdout, b, 'stdout echo'),
    ]);
    assert.equal(gotA.length, a.length);
    assert.ok(gotA.equals(a), 'stdin echo differs');
    assert.ok(gotB.equals(b), 'stdout echo differs');
    // Lenient: no WINDOW_UPDATE either way, though 300 KiB overran the 64 KiB windows.
    for (const side of [session, srv.sessions[0]]) {
      assert.equal(side.state.framesSent[WINDOW_UPDATE], 0);
      assert.equal(side.state.dataSent, a.length + b.length);
    }
    const closed = once(session, 'close', 'client session close');
    session.close();
    await closed;
  } finally {
    await srv.close();
  }
});

test('TLS: https upgrade with a CA, a stream echoed', TEST, async () => {
  const fixtures = path.join(__dirname, 'fixtures');
  const cert = fs.readFileSync(path.join(fixtures, 'cert.pem'));
  const key = fs.readFileSync(path.join(fixtures, 'key.pem'));
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] }, undefined, { key, cert });
  try {
    const { session, protocol } = await within(upgrade.connect(srv.url,
      { protocols: ['portforward.k8s.io'], ca: cert }), 'TLS upgrade');
    assert.equal(protocol, 'portforward.k8s.io');
    assert.ok(session.socket.encrypted);
    const stream = session.request({ streamtype: 'data', port: '443', requestid: '0' });
    const payload = pattern(100 * 1024, 5);
    assert.ok((await roundTrip(stream, payload, 'TLS echo')).equals(payload));
    session.destroy();

    // The same handshake without the CA fails on the certificate.
    const err = await within(upgrade.connect(srv.url, { protocols: ['portforward.k8s.io'] })
      .then(() => assert.fail('an untrusted certificate was accepted'), (e) => e), 'TLS refusal');
    assert.match(err.code, /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/);
  } finally {
    await srv.close();
  }
});

test('server: SPDY bytes pipelined behind the request are the session\'s first input', TEST, async () => {
  const seen = [];
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] },
    (session) => echoStreams(session, seen));
  const socket = await rawConnect(srv.port);
  try {
    const peer = rawCore(false);
    peer.core.request(['streamtype', 'data', 'port', '8080', 'requestid', '0'], 0, false, false, 0);
    const frames = peer.run(peer.core.drain(0));
    assert.ok(frames.length > 0);
    const request = 'POST /api/v1/namespaces/default/pods/web-0/portforward HTTP/1.1\r\n'
      + 'Host: 127.0.0.1\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n'
      + 'X-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n';
    socket.write(Buffer.concat([Buffer.from(request), frames])); // one write
    const { head, rest } = await readHead(socket, '101');
    assert.equal(head, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n'
      + 'Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    // The server saw the stream and answered it: the SYN_REPLY reaches our raw core.
    if (rest.length > 0) peer.input(rest);
    socket.on('data', (chunk) => peer.input(chunk));
    socket.resume();
    await until(() => peer.events.some((e) => e[0] === EV.REPLY && e[1] === 1), 'SYN_REPLY for stream 1');
    assert.deepEqual(seen.map((h) => ({ ...h })), [{ streamtype: 'data', port: '8080', requestid: '0' }]);
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('server: silent after the 101 until the client\'s first frame', TEST, async () => {
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] });
  const socket = await rawConnect(srv.port);
  try {
    socket.write('POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: Upgrade\r\n'
      + 'Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    const { head, rest } = await readHead(socket, '101');
    assert.match(head, /^HTTP\/1\.1 101 /);
    const after = [rest];
    const early = (chunk) => after.push(chunk);
    socket.on('data', early);
    socket.resume();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(Buffer.concat(after).length, 0, 'the server sent bytes before the client\'s first frame');
    assert.equal(srv.sessions.length, 1);

    // The first frame wakes it up: our PING is answered.
    const peer = rawCore(false);
    peer.core.ping(0);
    socket.off('data', early);
    socket.on('data', (chunk) => peer.input(chunk));
    socket.write(peer.run(peer.core.drain(0)));
    await until(() => peer.events.some((e) => e[0] === EV.PONG), 'PING answer');
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('client: SPDY bytes sent with the 101 in one write reach the session', TEST, async () => {
  const peer = rawCore(true);
  const pingId = peer.core.ping(0);
  const frames = peer.run(peer.core.drain(0));
  const sockets = new Set();
  let request = '';
  const server = net.createServer(async (s) => {
    sockets.add(s);
    s.on('error', () => {});
    const { head } = await readHead(s, 'upgrade request');
    request = head;
    s.write(Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n'
      + 'Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n'
      + 'Date: Mon, 23 Nov 2026 20:12:07 GMT\r\n\r\n'), frames]));
    s.on('data', (chunk) => peer.input(chunk));
    s.resume();
  });
  await within(new Promise((resolve) => server.listen(0, '127.0.0.1', resolve)), 'listen');
  let session;
  try {
    const result = await within(upgrade.connect(`http://127.0.0.1:${server.address().port}/pf`, {
      protocols: ['portforward.k8s.io'],
      headers: { 'User-Agent': 'spdy3-test' },
    }), 'upgrade');
    session = result.session;
    assert.equal(result.protocol, 'portforward.k8s.io');
    // Our session answered the PING that came in the same segment as the 101.
    await until(() => peer.events.some((e) => e[0] === EV.PONG && e[1] === pingId), 'PONG');
    assert.match(request, /^POST \/pf HTTP\/1\.1\r\n/);
    assert.match(request, /\r\nConnection: Upgrade\r\n/);
    assert.match(request, /\r\nUpgrade: SPDY\/3\.1\r\n/);
    assert.match(request, /\r\nX-Stream-Protocol-Version: portforward\.k8s\.io\r\n/);
    assert.match(request, /\r\nUser-Agent: spdy3-test\r\n/);
  } finally {
    session?.destroy();
    for (const s of sockets) s.destroy();
    await within(new Promise((resolve) => server.close(resolve)), 'server close');
  }
});

// --- moby/spdystream ---------------------------------------------------------------------

test('spdystream server: our upgrade client, a port-forward pair, 1 MiB each way', TEST, async () => {
  const peer = startPeer(['server', '-upgrade', '-protocols', 'portforward.k8s.io']);
  let session;
  try {
    const addr = (await peerLine(peer, 'LISTEN ')).slice('LISTEN '.length);
    const result = await within(upgrade.connect(
      `http://${addr}/api/v1/namespaces/default/pods/web-0/portforward`,
      { protocols: ['portforward.k8s.io'], headers: { 'User-Agent': 'spdy3-interop' } }), 'upgrade');
    session = result.session;
    assert.equal(result.protocol, 'portforward.k8s.io');

    // kubectl: the error stream first, FINned at once and read to its end.
    const error = session.request({ streamtype: 'error', port: '8080', requestid: '0' });
    const [errorReply] = await once(error, 'response', 'error stream SYN_REPLY');
    assert.deepEqual({ ...errorReply }, {});
    const errorText = collect(error, 'error stream');
    error.end();
    const data = session.request({ streamtype: 'data', port: '8080', requestid: '0' });
    await once(data, 'response', 'data stream SYN_REPLY');
    const payload = pattern(1 << 20, 11);
    const got = await roundTrip(data, payload, 'data stream echo');
    assert.equal(got.length, payload.length);
    assert.ok(got.equals(payload), 'the 1 MiB echo differs');
    assert.equal((await errorText).length, 0);

    const closed = once(session, 'close', 'session close');
    session.close();
    await closed;
    await peerFinish(peer, [
      'PASS upgrade method=POST path=/api/v1/namespaces/default/pods/web-0/portforward '
        + 'offered=portforward.k8s.io protocol=portforward.k8s.io',
      'STREAM id=1 streamtype=error port=8080 requestid=0 action=',
      'STREAM id=3 streamtype=data port=8080 requestid=0 action=',
      'ECHOED id=1 bytes=0',
      'ECHOED id=3 bytes=1048576',
      'SERVER-DONE',
    ]);
  } finally {
    session?.destroy();
    stopPeer(peer);
  }
});

test('spdystream client: its upgrade (line and comma list) to our server, echo and ping', TEST, async () => {
  const seen = [];
  const srv = await upgradeServer({ protocols: ['v4.channel.k8s.io', 'channel.k8s.io'] },
    (session) => echoStreams(session, seen));
  const peer = startPeer(['client', '-addr', `127.0.0.1:${srv.port}`, '-scenario', 'echo',
    '-upgrade', '-offer', 'v5.channel.k8s.io|v4.channel.k8s.io, v3.channel.k8s.io',
    '-expect-protocol', 'v4.channel.k8s.io']);
  try {
    await peerFinish(peer, [
      'PASS upgrade protocol=v4.channel.k8s.io',
      'PASS echo id=1 bytes=21',
      'PASS ping',
      'PASS closed',
    ]);
    assert.equal(srv.sessions.length, 1);
    assert.equal(srv.sessions[0].protocol, 'v4.channel.k8s.io');
    assert.deepEqual(seen.map((h) => ({ ...h })), [{ streamtype: 'data', port: '8080', requestid: '0' }]);
    await until(() => srv.sessions[0].destroyed, 'our session to end after the peer\'s GOAWAY');
  } finally {
    stopPeer(peer);
    await srv.close();
  }
});

test('spdystream client: its upgrade, then 1 MiB each way without windows', TEST, async () => {
  const srv = await upgradeServer({ protocols: ['portforward.k8s.io'] });
  const peer = startPeer(['client', '-addr', `127.0.0.1:${srv.port}`, '-scenario', 'big',
    '-upgrade', '-offer', 'portforward.k8s.io', '-size', String(1 << 20)]);
  try {
    await peerFinish(peer, [
      'PASS upgrade protocol=portforward.k8s.io',
      'PASS big id=1 bytes=1048576',
      'PASS closed',
    ]);
    assert.equal(srv.sessions[0].protocol, 'portforward.k8s.io');
  } finally {
    stopPeer(peer);
    await srv.close();
  }
});
