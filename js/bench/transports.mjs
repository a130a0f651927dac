// The three transports, each as a server (serve) and a client (connect) with one shape:
//
//   serve(caseName, {defaults})          → Promise<{port}>; answers every request with a body
//                                          of the size it asks for (Infinity: until reset)
//   connect(port, caseName, onFatal, {defaults})
//                                        → Promise<{fetch(size, handlers) → {reset()}, close()}>
//                                          handlers: onData(chunk), onEnd(), onError(err)
//
// SPDY requests ask for a size by path: GET /<bytes> or GET /endless. Raw net has no
// streams, so it gets the closest analogue per case (ANALOGUES below).

import net from 'node:net';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { pump, CHUNK, ENDLESS } from './common.mjs';

const require = createRequire(import.meta.url);
const spdy3 = require('../index.js');
const transport = require('spdy-transport');

const HOST = '127.0.0.1';

/** What raw net does instead of a stream, per case. */
export const ANALOGUES = {
  bulk: 'one TCP connection: 4-byte request, 4-byte length + body',
  multi: '16 TCP connections, one per stream',
  rr: 'one TCP connection, 4-byte requests pipelined 100 deep, 4-byte length + 1 KiB answers',
  churn: 'a new TCP connection per "stream": connect, read 64 KiB, resetAndDestroy() (TCP RST)',
};

/**
 * What the benchmark changes from each library's defaults (all of it off with --defaults),
 * printed with the results. spdy3 sets TCP_NODELAY on its sockets itself; raw net's
 * sockets get it too.
 */
export const TUNING = [
  {
    transport: 'spdy-transport',
    cases: ['bulk', 'multi', 'rr', 'churn'],
    why: 'spdy-transport: TCP_NODELAY on both sockets, as spdy3 sets on its own (with Nagle its bulk transfers wait on delayed ACKs: 4-7x slower here)',
  },
];

const tuned = (transport, caseName, defaults) => !defaults
  && TUNING.some((t) => t.transport === transport && t.cases.includes(caseName));

const sizeOfPath = (path) => (path === '/endless' ? Infinity : Number(path.slice(1)));
const pathOfSize = (size) => (size === Infinity ? '/endless' : `/${size}`);

/** Serves a SPDY stream: its body, then FIN (or until reset). */
function answer(stream, path) {
  stream.on('error', () => {}); // resets by the client are expected in case 4
  pump(stream, sizeOfPath(path));
}

function listen(server) {
  server.listen(0, HOST);
  return once(server, 'listening').then(() => ({ port: server.address().port }));
}

/** A stream error, naming the GOAWAY that caused it if there was one. */
function withGoaway(err, session) {
  const g = session.goawayReceived;
  if (g) err.message += ` (after the server's GOAWAY, status ${g.code})`;
  return err;
}

// --- spdy3 ---------------------------------------------------------------------------------

/** spdy3 (the package `lib`) with `options` given to both ends (none: its defaults). */
const spdy3With = (options = {}, lib = spdy3) => ({
  serve(caseName, { defaults }) {
    const server = lib.createServer(options);
    server.on('session', (session) => session.on('error', () => {}));
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200 });
      answer(stream, headers[':path']);
    });
    return listen(server);
  },

  async connect(port, caseName, onFatal) {
    const session = lib.connect(`http://${HOST}:${port}`, options);
    session.on('error', onFatal);
    session.on('goaway', (code) => onFatal(new Error(`spdy3 client got GOAWAY ${code}`)));
    await once(session, 'connect');
    return {
      fetch(size, h) {
        const s = session.request({ ':path': pathOfSize(size) }, { endStream: true });
        s.on('response', (headers) => {
          if (headers[':status'] !== 200) h.onError(new Error(`status ${headers[':status']}`));
        });
        s.on('data', h.onData);
        s.on('end', h.onEnd);
        s.on('error', (err) => h.onError(withGoaway(err, session)));
        return { reset: () => s.close(lib.constants.RST_CANCEL) };
      },
      close: () => session.destroy(),
    };
  },
});

const ours = spdy3With();

// --- spdy-transport (node-spdy's engine), default options ------------------------------------

const theirs = {
  serve(caseName, { defaults }) {
    const server = net.createServer((socket) => {
      if (tuned('spdy-transport', caseName, defaults)) socket.setNoDelay(true);
      const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: true });
      conn.start(3.1);
      conn.on('error', () => {});
      socket.on('error', () => {});
      conn.on('stream', (stream) => {
        stream.resume(); // the GET's (empty) request body
        stream.respond(200, {});
        answer(stream, stream.path);
      });
    });
    return listen(server);
  },

  async connect(port, caseName, onFatal, { defaults }) {
    const socket = net.connect(port, HOST);
    socket.on('error', onFatal);
    await once(socket, 'connect');
    if (tuned('spdy-transport', caseName, defaults)) socket.setNoDelay(true);
    const conn = transport.connection.create(socket, { protocol: 'spdy', isServer: false });
    conn.start(3.1);
    conn.on('error', onFatal);
    return {
      fetch(size, h) {
        const s = conn.request({ method: 'GET', path: pathOfSize(size), host: HOST, headers: {} });
        s.on('response', (status) => {
          if (status !== 200) h.onError(new Error(`status ${status}`));
        });
        s.on('data', h.onData);
        s.on('end', h.onEnd);
        s.on('error', h.onError);
        return { reset: () => s.abort() }; // RST_STREAM CANCEL
      },
      close: () => socket.destroy(),
    };
  },
};

// --- raw net: request = u32 size; response = u32 size + body -----------------------------------
// Sockets get 64 KiB high-water marks, as spdy3's streams have (Node 20's default is 16 KiB).

/**
 * Runs `fn` with the socket corked, so the writes it makes leave in one syscall (the SPDY
 * sessions batch their frames per turn of the event loop in the same way).
 */
function corked(socket, fn) {
  socket.cork();
  try {
    fn();
  } finally {
    socket.uncork();
  }
}

/** Serves one connection's requests in order. */
function rawConnection(socket) {
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const queue = [];
  let pending = Buffer.alloc(0);
  let busy = false;
  const header = (size) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(size === Infinity ? ENDLESS : size);
    return b;
  };
  const next = () => {
    busy = queue.length > 0;
    if (!busy) return;
    const size = queue.shift();
    socket.write(header(size));
    pump(socket, size, (chunk) => {
      socket.write(chunk);
      next();
    });
  };
  socket.on('data', (chunk) => corked(socket, () => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    for (; at + 4 <= pending.length; at += 4) {
      const size = pending.readUInt32BE(at);
      queue.push(size === ENDLESS ? Infinity : size);
    }
    pending = pending.subarray(at);
    if (!busy) next();
  }));
}

/** A client connection whose responses are matched to requests in order. */
class RawConnection {
  constructor(port, onFatal) {
    this.socket = net.connect({ port, host: HOST, highWaterMark: CHUNK });
    this.socket.setNoDelay(true);
    this.socket.on('error', onFatal);
    this.socket.on('data', (chunk) => corked(this.socket, () => this.input(chunk)));
    this.queue = []; // handlers of requests in flight, oldest first
    this.remaining = -1; // body bytes left of queue[0]; -1 while reading its length
    this.head = Buffer.alloc(0);
  }

  request(size, h) {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(size === Infinity ? ENDLESS : size);
    this.socket.write(b);
    this.queue.push(h);
  }

  input(chunk) {
    while (chunk.length > 0 && this.queue.length > 0) {
      if (this.remaining < 0) {
        const need = 4 - this.head.length;
        this.head = Buffer.concat([this.head, chunk.subarray(0, need)]);
        chunk = chunk.subarray(need);
        if (this.head.length < 4) return;
        const size = this.head.readUInt32BE(0);
        this.remaining = size === ENDLESS ? Infinity : size;
        this.head = Buffer.alloc(0);
      }
      const n = Math.min(this.remaining, chunk.length);
      const h = this.queue[0];
      if (n > 0) h.onData(chunk.subarray(0, n));
      chunk = chunk.subarray(n);
      this.remaining -= n;
      if (this.remaining === 0) {
        this.queue.shift();
        this.remaining = -1;
        h.onEnd();
      }
    }
  }
}

const raw = {
  serve() {
    return listen(net.createServer({ highWaterMark: CHUNK }, rawConnection));
  },

  async connect(port, caseName, onFatal) {
    const idle = []; // bulk connections without a request in flight
    const all = new Set();
    const open = () => {
      const c = new RawConnection(port, onFatal);
      all.add(c);
      c.socket.once('close', () => all.delete(c));
      return c;
    };
    const shared = caseName === 'rr' ? open() : null;
    if (shared) await once(shared.socket, 'connect');
    return {
      fetch(size, h) {
        if (shared) {
          shared.request(size, h);
          return { reset() {} };
        }
        if (size === Infinity) { // churn: a connection per stream, reset = TCP RST
          const c = open();
          c.socket.removeListener('error', onFatal);
          c.socket.on('error', h.onError);
          c.request(size, h);
          // resetAndDestroy() (RST, no TIME_WAIT) keeps thousands of runs off the port range.
          return { reset: () => c.socket.resetAndDestroy() };
        }
        const c = idle.pop() || open();
        c.request(size, { ...h, onEnd: () => { idle.push(c); h.onEnd(); } });
        return { reset: () => c.socket.destroy() };
      },
      close() {
        for (const c of all) c.socket.destroy();
      },
    };
  },
};

export const TRANSPORTS = { raw, spdy3: ours, 'spdy-transport': theirs };
export const LABELS = { raw: 'raw net', spdy3: 'spdy3', 'spdy-transport': 'spdy-transport' };

// An A/B in one run (runs alternate between transports, so both meet the same machine):
// SPDY3_BENCH_VARIANT='{"maxDataFrame":65536}' adds "spdy3-variant", spdy3 with those
// options; SPDY3_BENCH_VARIANT_PACKAGE=DIR makes the variant the spdy3 package in DIR (an
// older build, say).
const variantOptions = process.env.SPDY3_BENCH_VARIANT;
const variantPackage = process.env.SPDY3_BENCH_VARIANT_PACKAGE;
if (variantOptions || variantPackage) {
  const lib = variantPackage ? require(variantPackage) : spdy3;
  TRANSPORTS['spdy3-variant'] = spdy3With(JSON.parse(variantOptions || '{}'), lib);
  LABELS['spdy3-variant'] = `spdy3 ${[variantPackage, variantOptions].filter(Boolean).join(' ')}`;
}
