'use strict';
// The node:http compatibility layer (lib/compat.js): createServer((req, res) => …) with plain
// handlers and with an unmodified Express 5 app, fetched with our client over loopback.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { once, EventEmitter } = require('node:events');
const express = require('express');
const spdy3 = require('..');
const { within, listen, collect } = require('./helpers');

const WAIT = 10000;

/** A server with `handler` as its request listener, and a client session to it. */
async function start(handler) {
  const server = spdy3.createServer(handler);
  const port = await listen(server);
  const session = spdy3.connect(`http://127.0.0.1:${port}`);
  return { server, session, port };
}

/** Closes the client session, then the server (its sessions end with the connection). */
async function stop({ server, session }) {
  if (!session.destroyed) {
    await within(new Promise((resolve) => session.close(resolve)), WAIT, 'session close');
  }
  await within(new Promise((resolve) => server.close(resolve)), WAIT, 'server close');
}

/** One request: resolves to { status, headers, body } once the response has ended. */
async function fetch(session, headers = {}, body) {
  // Without a body the SYN_STREAM carries FIN, as browsers send a GET.
  const stream = session.request({ ':method': 'GET', ':path': '/', ...headers },
    { endStream: body === undefined });
  const head = new Promise((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('error', reject);
  });
  if (body !== undefined) stream.end(body);
  const [h, data] = await within(Promise.all([head, collect(stream)]), WAIT, `${headers[':path']}`);
  return { status: h[':status'], headers: h, body: data, stream };
}

/** Resolves on `name` (unlike events.once, an 'error' does not reject it). */
function event(emitter, name) {
  return new Promise((resolve) => emitter.once(name, (...args) => resolve(args)));
}

/** Resolves with the (req, res) the next request gives `server`. */
function nextRequest(server) {
  return new Promise((resolve) => server.once('request', (req, res) => resolve({ req, res })));
}

describe('compat: plain (req, res) handlers', () => {
  let ctx;
  let handler = null;
  before(async () => {
    ctx = await start((req, res) => handler(req, res));
  });
  after(() => stop(ctx));

  it('gives req method, url, headers and socket; the response carries a JSON body', async () => {
    handler = (req, res) => {
      const body = JSON.stringify({
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        complete: req.complete,
        remoteAddress: req.socket.remoteAddress,
        sameSocket: req.connection === req.socket && req.socket === req.stream,
        sameStream: res.stream === req.stream && res.socket === req.stream,
        pseudoPath: req.stream.requestHeaders[':path'],
        scheme: req.scheme,
        instances: req instanceof http.IncomingMessage && res instanceof http.ServerResponse,
      });
      res.setHeader('content-type', 'application/json');
      res.end(body);
    };
    const { status, headers, body } = await fetch(ctx.session, {
      ':path': '/echo?x=1',
      'x-custom': 'yes',
      accept: 'text/plain',
      cookie: ['a=1', 'b=2'],
      'x-list': ['1', '2'],
    });
    assert.equal(status, 200);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['content-length'], String(body.length), 'end(chunk) adds content-length');
    assert.ok(headers.date, 'a date header is added');
    const seen = JSON.parse(body);
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/echo?x=1');
    assert.equal(seen.httpVersion, '1.1');
    assert.equal(seen.headers.host, `127.0.0.1:${ctx.port}`);
    assert.equal(seen.headers['x-custom'], 'yes');
    assert.equal(seen.headers.accept, 'text/plain');
    assert.equal(seen.headers.cookie, 'a=1; b=2', 'cookies are joined as node:http joins them');
    assert.equal(seen.headers['x-list'], '1, 2');
    assert.deepEqual(Object.keys(seen.headers).filter((n) => n.startsWith(':')), []);
    assert.deepEqual(seen.rawHeaders.slice(0, 2), ['host', `127.0.0.1:${ctx.port}`]);
    assert.equal(seen.remoteAddress, '127.0.0.1');
    assert.equal(seen.sameSocket, true);
    assert.equal(seen.sameStream, true);
    assert.equal(seen.pseudoPath, '/echo?x=1');
    assert.equal(seen.scheme, 'http');
    assert.equal(seen.instances, true);
  });

  it('echoes a request body through req.pipe(res)', async () => {
    handler = (req, res) => {
      res.setHeader('x-echo', '1');
      req.pipe(res);
    };
    const { status, headers, body } = await fetch(ctx.session,
      { ':method': 'PUT', ':path': '/echo' }, 'hello over spdy');
    assert.equal(status, 200);
    assert.equal(headers['x-echo'], '1');
    assert.equal(body.toString(), 'hello over spdy');
  });

  it('streams a several-MB POST body through req with backpressure', async () => {
    const total = 6 * 1024 * 1024;
    const payload = crypto.randomBytes(total);
    let pausedWith = -1;
    handler = (req, res) => {
      // Read nothing until the stream has been paused for a full req buffer.
      req.socket.once('pause', async () => {
        pausedWith = req.readableLength;
        const hash = crypto.createHash('sha256');
        let bytes = 0;
        for await (const chunk of req) {
          hash.update(chunk);
          bytes += chunk.length;
        }
        res.end(JSON.stringify({ bytes, hash: hash.digest('hex'), complete: req.complete }));
      });
    };
    const stream = ctx.session.request({ ':method': 'POST', ':path': '/upload' });
    const answer = Promise.all([
      new Promise((resolve) => stream.once('response', resolve)),
      collect(stream),
    ]);
    for (let off = 0; off < total; off += 100 * 1024) {
      if (!stream.write(payload.subarray(off, off + 100 * 1024))) await once(stream, 'drain');
    }
    stream.end();
    const [head, body] = await within(answer, WAIT, 'upload response');
    assert.equal(head[':status'], 200);
    const result = JSON.parse(body);
    assert.equal(result.bytes, total);
    assert.equal(result.hash, crypto.createHash('sha256').update(payload).digest('hex'));
    assert.equal(result.complete, true);
    assert.ok(pausedWith > 0 && pausedWith < 4 * 64 * 1024,
      `req buffered ${pausedWith} bytes when the stream paused`);
  });

  it('answers HEAD without a body but with its headers', async () => {
    let wrote;
    handler = (req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.setHeader('content-length', 5);
      wrote = res.write('hello');
      res.end();
    };
    const { status, headers, body } = await fetch(ctx.session,
      { ':method': 'HEAD', ':path': '/h' });
    assert.equal(status, 200);
    assert.equal(headers['content-length'], '5');
    assert.equal(headers['content-type'], 'text/plain');
    assert.equal(body.length, 0);
    assert.equal(wrote, true);
  });

  it('writeHead with a headers object merges with setHeader (writeHead wins)', async () => {
    const seen = {};
    handler = (req, res) => {
      res.setHeader('x-kept', 'a');
      res.setHeader('x-over', 'old');
      seen.before = res.headersSent;
      res.writeHead(201, { 'x-over': 'new', 'X-Upper': 'U' });
      seen.after = res.headersSent;
      seen.message = res.statusMessage;
      assert.throws(() => res.setHeader('x-late', '1'), { code: 'ERR_HTTP_HEADERS_SENT' });
      assert.throws(() => res.writeHead(200), { code: 'ERR_HTTP_HEADERS_SENT' });
      res.end('created');
    };
    const { status, headers, body } = await fetch(ctx.session, { ':path': '/wh' });
    assert.equal(status, 201);
    assert.equal(headers['x-kept'], 'a');
    assert.equal(headers['x-over'], 'new');
    assert.equal(headers['x-upper'], 'U');
    assert.equal(headers['x-late'], undefined);
    assert.equal(body.toString(), 'created');
    assert.deepEqual(seen, { before: false, after: true, message: 'Created' });
  });

  it('writeHead with a reason phrase and a headers array', async () => {
    let message;
    handler = (req, res) => {
      res.writeHead(418, 'Short And Stout', ['x-a', '1', 'x-a', '2', 'x-b', '3']);
      message = res.statusMessage;
      res.end();
    };
    const { status, headers, body } = await fetch(ctx.session, { ':path': '/teapot' });
    assert.equal(status, 418);
    assert.equal(message, 'Short And Stout');
    assert.deepEqual(headers['x-a'], ['1', '2']);
    assert.equal(headers['x-b'], '3');
    assert.equal(body.length, 0);
  });

  it('rejects an invalid status code', async () => {
    let error;
    handler = (req, res) => {
      try {
        res.writeHead(42);
      } catch (err) {
        error = err;
      }
      res.end();
    };
    const { status } = await fetch(ctx.session, { ':path': '/bad-status' });
    assert.equal(error.code, 'ERR_HTTP_INVALID_STATUS_CODE');
    assert.equal(status, 200);
  });

  it('sends multi-valued headers (set-cookie arrays) and keeps the header store', async () => {
    const seen = {};
    handler = (req, res) => {
      res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
      res.setHeader('x-remove', 'gone');
      res.appendHeader('x-append', 'one');
      res.appendHeader('x-append', 'two');
      res.removeHeader('x-remove');
      seen.cookie = res.getHeader('set-cookie');
      seen.has = [res.hasHeader('set-cookie'), res.hasHeader('x-remove')];
      seen.names = res.getHeaderNames().sort();
      res.end('ok');
    };
    const { headers } = await fetch(ctx.session, { ':path': '/cookies' });
    assert.deepEqual(headers['set-cookie'], ['a=1; Path=/', 'b=2; HttpOnly']);
    assert.deepEqual(headers['x-append'], ['one', 'two']);
    assert.equal(headers['x-remove'], undefined);
    assert.deepEqual(seen.cookie, ['a=1; Path=/', 'b=2; HttpOnly']);
    assert.deepEqual(seen.has, [true, false]);
    assert.deepEqual(seen.names, ['set-cookie', 'x-append']);
  });

  it('ends an empty response with content-length 0 and emits finish then close', async () => {
    const events = [];
    const got = nextRequest(ctx.server);
    handler = (req, res) => {
      res.on('finish', () => events.push('finish'));
      res.on('close', () => events.push('close'));
      res.end();
    };
    const { status, headers, body } = await fetch(ctx.session, { ':path': '/empty' });
    const { req, res } = await got;
    if (!events.includes('close')) await within(once(res, 'close'), WAIT, 'res close');
    if (!req.destroyed) await within(once(req, 'close'), WAIT, 'req close');
    assert.equal(status, 200);
    assert.equal(headers['content-length'], '0');
    assert.equal(body.length, 0);
    assert.deepEqual(events, ['finish', 'close']);
    assert.equal(res.finished, true);
    assert.equal(res.writableEnded, true);
    assert.equal(req.aborted, false);
  });

  it('follows the stream backpressure: write() returns false and drain follows', async () => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    const rounds = [];
    handler = async (req, res) => {
      res.setHeader('content-type', 'application/octet-stream');
      // Twice: write until the stream's window and buffers are full, then wait for 'drain'.
      for (let round = 0; round < 2; round++) {
        let writes = 0;
        let ok = true;
        while (ok && writes < 64) {
          ok = res.write(chunk);
          writes++;
        }
        rounds.push({ ok, needDrain: res.writableNeedDrain, writes });
        if (!ok) await once(res, 'drain');
      }
      res.end();
    };
    const { body } = await fetch(ctx.session, { ':path': '/big' });
    const writes = rounds.reduce((n, r) => n + r.writes, 0);
    assert.equal(body.length, writes * chunk.length);
    assert.ok(body.every((b) => b === 7));
    for (const round of rounds) {
      assert.equal(round.ok, false, `write() returned false after ${round.writes} writes`);
      assert.equal(round.needDrain, true);
    }
  });

  it('a client reset mid-response closes res and aborts req', async () => {
    const got = nextRequest(ctx.server);
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part');
    };
    const stream = ctx.session.request({ ':method': 'GET', ':path': '/reset' });
    stream.end();
    const { req, res } = await got;
    const events = Promise.all([event(res, 'close'), event(req, 'aborted'), event(req, 'close')]);
    const [chunk] = await within(once(stream, 'data'), WAIT, 'first data');
    assert.equal(chunk.toString(), 'first part');
    stream.close(); // RST_STREAM CANCEL
    await within(events, WAIT, 'res close, req aborted and req close');
    assert.equal(res.writableFinished, false);
    assert.equal(res.finished, false);
    assert.equal(req.aborted, true);
    const late = await new Promise((resolve) => res.write('late', (err) => resolve(err)));
    assert.equal(late.code, 'ERR_STREAM_DESTROYED');
  });

  it('reports a write after end as node:http does', async () => {
    const seen = {};
    handler = (req, res) => {
      res.end('done');
      res.on('error', (err) => { seen.error = err.code; });
      seen.returned = res.write('more', (err) => { seen.callback = err.code; });
    };
    const { body } = await fetch(ctx.session, { ':path': '/after-end' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(body.toString(), 'done');
    assert.deepEqual(seen, {
      returned: false, callback: 'ERR_STREAM_WRITE_AFTER_END', error: 'ERR_STREAM_WRITE_AFTER_END',
    });
  });

  it('sends trailers added with addTrailers', async () => {
    handler = (req, res) => {
      res.write('body');
      res.addTrailers({ 'X-Checksum': 'abc' });
      res.end();
    };
    const stream = ctx.session.request({ ':method': 'GET', ':path': '/trailers' });
    stream.end();
    const trailers = once(stream, 'trailers');
    const body = await within(collect(stream), WAIT, 'body');
    const [received] = await within(trailers, WAIT, 'trailers');
    assert.equal(body.toString(), 'body');
    assert.equal(received['x-checksum'], 'abc');
  });

  it('flushHeaders sends the headers before any body', async () => {
    let release;
    handler = (req, res) => {
      res.setHeader('x-early', '1');
      res.flushHeaders();
      release = () => res.end('later');
    };
    const stream = ctx.session.request({ ':method': 'GET', ':path': '/flush' });
    stream.end();
    const [head] = await within(once(stream, 'response'), WAIT, 'response');
    assert.equal(head[':status'], 200);
    assert.equal(head['x-early'], '1');
    release();
    assert.equal((await within(collect(stream), WAIT, 'body')).toString(), 'later');
  });

  it('res.setTimeout emits timeout on an idle response', async () => {
    handler = (req, res) => {
      res.setTimeout(20, () => res.end('timed out'));
    };
    const { body } = await fetch(ctx.session, { ':path': '/slow' });
    assert.equal(body.toString(), 'timed out');
  });

  it('pushes a resource with createPushResponse', async () => {
    handler = (req, res) => {
      res.createPushResponse({ ':path': '/pushed.css' }, (err, pushRes) => {
        assert.ifError(err);
        pushRes.setHeader('content-type', 'text/css');
        pushRes.end('body { color: red }');
        res.end('<link rel=stylesheet href=/pushed.css>');
      });
    };
    const stream = ctx.session.request({ ':method': 'GET', ':path': '/page' });
    stream.end();
    const pushed = new Promise((resolve) => {
      stream.once('push', (push, headers) => {
        const response = once(push, 'response');
        collect(push).then(async (body) => {
          resolve({ headers, response: (await response)[0], body });
        });
      });
    });
    const page = await within(collect(stream), WAIT, 'page');
    const push = await within(pushed, WAIT, 'push');
    assert.match(page.toString(), /pushed\.css/);
    assert.equal(push.headers[':path'], '/pushed.css');
    assert.equal(push.response[':status'], 200);
    assert.equal(push.response['content-type'], 'text/css');
    assert.equal(push.body.toString(), 'body { color: red }');
  });
});

describe('compat: an unmodified Express 5 app', () => {
  let ctx;
  let dir;
  let file;
  let bigFile;
  const aborted = new EventEmitter();
  const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => 97 + (i % 26)));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spdy3-compat-'));
    file = path.join(dir, 'letters.txt');
    fs.writeFileSync(file, content);
    bigFile = path.join(dir, 'big.bin');
    fs.writeFileSync(bigFile, Buffer.alloc(8 * 1024 * 1024, 1));

    const app = express();
    app.set('env', 'test');
    app.use((req, res, next) => {
      res.set('x-middleware', 'ran');
      res.setHeader('x-request-path', req.path);
      next();
    });
    app.use(express.json());
    app.get('/users/:id/books/:book', (req, res) => {
      const { id, book } = req.params;
      res.json({ id, book, q: req.query, host: req.hostname, protocol: req.protocol, ip: req.ip });
    });
    app.post('/echo', (req, res) => {
      res.status(201).json({ received: req.body, type: req.get('content-type') });
    });
    app.get('/missing', (req, res) => res.status(404).send('no such thing'));
    app.get('/old', (req, res) => res.redirect('/new'));
    app.get('/moved', (req, res) => res.redirect(301, 'https://example.com/'));
    app.get('/file', (req, res, next) => res.sendFile(file, (err) => err && next(err)));
    app.get('/big', (req, res) => {
      res.once('pipe', (source) => aborted.emit('source', source));
      res.sendFile(bigFile, (err) => aborted.emit('done', err));
    });
    app.get('/typed', (req, res) => {
      res.type('txt')
        .set({ 'cache-control': 'no-store', 'x-multi': ['a', 'b'] })
        .send('typed text');
    });
    app.get('/cached', (req, res) => res.send('cache me'));
    app.get('/throws', () => {
      throw new Error('boom');
    });
    app.get('/rejects', async () => {
      throw Object.assign(new Error('async boom'), { status: 503 });
    });
    app.use((err, req, res, next) => {
      res.status(err.status || 500).json({ error: err.message });
    });
    ctx = await start(app);
  });

  after(async () => {
    await stop(ctx);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('routes with params, query, hostname, protocol and ip; middleware headers apply', async () => {
    const { status, headers, body } = await fetch(ctx.session,
      { ':path': '/users/7/books/moby?sort=asc' });
    assert.equal(status, 200);
    assert.match(headers['content-type'], /^application\/json/);
    assert.equal(headers['x-powered-by'], 'Express');
    assert.equal(headers['x-middleware'], 'ran');
    assert.equal(headers['x-request-path'], '/users/7/books/moby');
    assert.deepEqual(JSON.parse(body), {
      id: '7', book: 'moby', q: { sort: 'asc' },
      host: '127.0.0.1', protocol: 'http', ip: '127.0.0.1',
    });
  });

  it('parses a JSON POST with express.json() and answers with res.json', async () => {
    const payload = JSON.stringify({ name: 'spdy', list: [1, 2, 3] });
    const { status, body } = await fetch(ctx.session, {
      ':method': 'POST',
      ':path': '/echo',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
    }, payload);
    assert.equal(status, 201);
    assert.deepEqual(JSON.parse(body), {
      received: { name: 'spdy', list: [1, 2, 3] }, type: 'application/json',
    });
  });

  it('res.status(404).send and the final handler 404', async () => {
    const custom = await fetch(ctx.session, { ':path': '/missing' });
    assert.equal(custom.status, 404);
    assert.equal(custom.body.toString(), 'no such thing');
    assert.match(custom.headers['content-type'], /^text\/html/);

    const final = await fetch(ctx.session, { ':path': '/nowhere' });
    assert.equal(final.status, 404);
    assert.match(final.body.toString(), /Cannot GET \/nowhere/);
    assert.equal(final.headers['x-content-type-options'], 'nosniff');
  });

  it('res.redirect', async () => {
    const found = await fetch(ctx.session, { ':path': '/old' });
    assert.equal(found.status, 302);
    assert.equal(found.headers.location, '/new');
    assert.match(found.body.toString(), /Redirecting to \/new/);

    const moved = await fetch(ctx.session, { ':path': '/moved' });
    assert.equal(moved.status, 301);
    assert.equal(moved.headers.location, 'https://example.com/');
  });

  it('res.sendFile sends a file, and a Range request gets 206 with the right bytes', async () => {
    const whole = await fetch(ctx.session, { ':path': '/file' });
    assert.equal(whole.status, 200);
    assert.match(whole.headers['content-type'], /^text\/plain/);
    assert.equal(whole.headers['accept-ranges'], 'bytes');
    assert.equal(whole.headers['content-length'], '1000');
    assert.deepEqual(whole.body, content);

    const part = await fetch(ctx.session, { ':path': '/file', range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers['content-range'], 'bytes 100-199/1000');
    assert.equal(part.headers['content-length'], '100');
    assert.deepEqual(part.body, content.subarray(100, 200));

    const tail = await fetch(ctx.session, { ':path': '/file', range: 'bytes=-10' });
    assert.equal(tail.status, 206);
    assert.deepEqual(tail.body, content.subarray(990));

    const head = await fetch(ctx.session, { ':method': 'HEAD', ':path': '/file' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '1000');
    assert.equal(head.body.length, 0);
  });

  it('a client reset during sendFile ends the transfer and closes the file', async () => {
    const source = event(aborted, 'source');
    const done = event(aborted, 'done');
    const stream = ctx.session.request({ ':path': '/big' }, { endStream: true });
    await within(once(stream, 'data'), WAIT, 'first bytes');
    stream.close(); // RST_STREAM CANCEL
    const [[err], [file]] = await within(Promise.all([done, source]), WAIT, 'sendFile callback');
    assert.ok(err, 'sendFile reports the aborted transfer');
    if (!file.destroyed) await within(once(file, 'close'), WAIT, 'file stream close');
    assert.equal(file.destroyed, true);
  });

  it('res.type and res.set', async () => {
    const { status, headers, body } = await fetch(ctx.session, { ':path': '/typed' });
    assert.equal(status, 200);
    assert.equal(headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(headers['cache-control'], 'no-store');
    assert.deepEqual(headers['x-multi'], ['a', 'b']);
    assert.equal(body.toString(), 'typed text');
  });

  it('answers a conditional GET with 304 from the ETag', async () => {
    const first = await fetch(ctx.session, { ':path': '/cached' });
    assert.ok(first.headers.etag);
    const second = await fetch(ctx.session,
      { ':path': '/cached', 'if-none-match': first.headers.etag });
    assert.equal(second.status, 304);
    assert.equal(second.body.length, 0);
  });

  it('error middleware turns a thrown error (sync or async) into a 500/503', async () => {
    const sync = await fetch(ctx.session, { ':path': '/throws' });
    assert.equal(sync.status, 500);
    assert.deepEqual(JSON.parse(sync.body), { error: 'boom' });

    const rejected = await fetch(ctx.session, { ':path': '/rejects' });
    assert.equal(rejected.status, 503);
    assert.deepEqual(JSON.parse(rejected.body), { error: 'async boom' });
  });
});

describe('compat: Express default error handler', () => {
  it('answers an unhandled error with 500', async () => {
    const app = express();
    app.set('env', 'test'); // nothing logged; the page shows the error
    app.get('/', () => {
      throw new Error('unhandled');
    });
    const ctx = await start(app);
    try {
      const { status, body } = await fetch(ctx.session, { ':path': '/' });
      assert.equal(status, 500);
      assert.match(body.toString(), /Error: unhandled/);
    } finally {
      await stop(ctx);
    }
  });
});
