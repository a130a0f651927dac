'use strict';
// The node:http compatibility layer: a server with 'request' listeners gets `(req, res)` for
// each stream, as http.createServer gives them.
//
// `req` is a real http.IncomingMessage and `res` a real http.ServerResponse, because
// frameworks replace their prototypes (Express sets its own request and response objects,
// which inherit from node:http's) and look-alike classes would lose their methods. What is
// SPDY-specific is installed as own properties of each instance, which survive
// Object.setPrototypeOf:
//
// - `req` reads the stream with backpressure (its `_read` resumes the stream; a full buffer
//   pauses it), carries method, url and headers (`host` from `:host`; every header, the
//   pseudo-headers included, stays in `req.stream.requestHeaders`).
// - `res` keeps OutgoingMessage's header store (setHeader, getHeader, getHeaders, …) and
//   sends through the stream: writeHead/write/end/flushHeaders become stream.respond(),
//   stream.write() and stream.end(), never HTTP/1.1 framing.
//
// Both have the SpdyStream as `socket`, as node:http2's compatibility layer has its stream
// behind `socket`: destroying it resets the stream, not the connection. For `res` this is a
// plain property (assignSocket is not called), so OutgoingMessage's own writing, which only
// writes to a socket that names it as its message, can never put bytes on the stream.
// Why `res.socket` is set: on-finished (used by Express's sendFile, send, finalhandler) only
// learns that a response was cut off from its socket's 'close'.
//
// No Node internal is read or written. Two underscore names are *defined* on `res` as shims
// for middleware that calls them (compression, finalhandler), as node:http2's layer does:
// `_header` (true once headers are decided) and `_implicitHeader()`.

const http = require('node:http');
const { spdyError } = require('./errors');

const kExchange = Symbol('spdy3.compat');
const outgoing = http.OutgoingMessage.prototype;

/** Header names whose duplicates node:http drops (the first value wins). */
const SINGLE_VALUED = new Set(['age', 'authorization', 'content-length', 'content-type',
  'etag', 'expires', 'from', 'host', 'if-modified-since', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer',
  'retry-after', 'server', 'user-agent']);

/** Gives a request stream to the server's 'request' listeners as `(req, res)`. */
function dispatch(server, stream, headers) {
  const { req, res } = exchange(stream, headers);
  server.emit('request', req, res);
}

/** The shared state of one request/response pair over `stream`. */
function exchange(stream, headers) {
  const ex = {
    stream,
    req: null,
    res: null,
    head: null, // response headers decided by writeHead, not yet given to the stream
    headersSent: false,
    hasBody: true,
    finished: false, // 'finish' emitted
    trailers: null,
    lengthRemoved: false, // removeHeader('content-length'): do not add one
    timer: null,
    error: null,
  };
  ex.req = createRequest(ex, headers);
  ex.res = createResponse(ex);
  wire(ex);
  return ex;
}

// --- the request ----------------------------------------------------------------------

function createRequest(ex, headers) {
  const req = new http.IncomingMessage(ex.stream);
  const [major, minor] = httpVersion(headers[':version']);
  req.httpVersionMajor = major;
  req.httpVersionMinor = minor;
  req.httpVersion = `${major}.${minor}`;
  req.method = first(headers[':method']) || 'GET';
  req.url = first(headers[':path']) || '/';
  req.rawHeaders = rawHeaders(headers);
  req.headers = joinHeaders(req.rawHeaders);
  own(req, {
    [kExchange]: ex,
    stream: ex.stream,
    scheme: first(headers[':scheme']),
    authority: first(headers[':host']),
    _read: readRequest,
    setTimeout: setExchangeTimeout,
  });
  return req;
}

/** IncomingMessage#_read: more body wanted, so let the stream flow again. */
function readRequest() {
  this[kExchange].stream.resume();
}

/** `HTTP/1.1` → [1, 1]; anything else counts as 1.1. */
function httpVersion(value) {
  const m = /^HTTP\/(\d)\.(\d)$/.exec(first(value) || '');
  return m ? [Number(m[1]), Number(m[2])] : [1, 1];
}

function first(value) {
  return Array.isArray(value) ? value[0] : value;
}

/** A SPDY headers object as node:http's rawHeaders: `host` first, no pseudo-headers. */
function rawHeaders(headers) {
  const raw = [];
  const host = first(headers[':host']);
  if (host !== undefined) raw.push('host', host);
  for (const name of Object.keys(headers)) {
    if (name[0] === ':' || (name === 'host' && host !== undefined)) continue;
    for (const value of [].concat(headers[name])) raw.push(name, value);
  }
  return raw;
}

/** rawHeaders as node:http's `headers`: duplicates joined, dropped or (set-cookie) listed. */
function joinHeaders(raw) {
  const headers = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name === 'set-cookie') {
      (headers[name] ||= []).push(value);
    } else if (!Object.hasOwn(headers, name)) {
      headers[name] = value;
    } else if (!SINGLE_VALUED.has(name)) {
      headers[name] += (name === 'cookie' ? '; ' : ', ') + value;
    }
  }
  return headers;
}

// --- the response ---------------------------------------------------------------------

function createResponse(ex) {
  const res = new http.ServerResponse(ex.req);
  res.socket = ex.stream; // a plain reference: see the top of this file
  own(res, { [kExchange]: ex, stream: ex.stream, ...responseMethods });
  Object.defineProperties(res, {
    headersSent: { get: () => ex.headersSent, configurable: true },
    _header: { get: () => ex.headersSent, set() {}, configurable: true },
    writableNeedDrain: { get: () => ex.stream.writableNeedDrain, configurable: true },
  });
  ex.hasBody = bodyAllowed(ex.req.method, res.statusCode);
  return res;
}

const responseMethods = {
  /** writeHead(status, [reason], [headers]): decides the headers; the first write sends them. */
  writeHead(statusCode, reason, headers) {
    const ex = this[kExchange];
    if (ex.headersSent) throw headersSentError('write');
    const code = statusCode | 0;
    if (code < 100 || code > 999) {
      throw codeError(RangeError, 'ERR_HTTP_INVALID_STATUS_CODE',
        `Invalid status code: ${statusCode}`);
    }
    if (typeof reason === 'string') {
      this.statusMessage = reason; // kept here: the core sends the standard reason phrase
    } else {
      this.statusMessage ||= http.STATUS_CODES[code] || 'unknown';
      headers ??= reason;
    }
    this.statusCode = code;
    if (headers) addHeaders(this, headers);
    ex.hasBody = bodyAllowed(ex.req.method, code);
    ex.head = responseHead(this);
    ex.headersSent = true;
    return this;
  },

  _implicitHeader() {
    this.writeHead(this.statusCode);
  },

  flushHeaders() {
    if (!this[kExchange].headersSent) this._implicitHeader();
    sendHead(this[kExchange], false);
  },

  /** Writes body bytes; returns the stream's write() result ('drain' follows a false). */
  write(chunk, encoding, callback) {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    checkChunk(chunk);
    const ex = this[kExchange];
    if (this.finished || this.destroyed) return failWrite(this, callback);
    if (!ex.headersSent) this._implicitHeader();
    sendHead(ex, false);
    touch(ex);
    if (!ex.hasBody || chunk.length === 0) {
      if (callback) process.nextTick(callback);
      return true;
    }
    return ex.stream.write(chunk, encoding, callback);
  },

  /** Ends the response; with nothing else to send, headers and FIN go in one SYN_REPLY. */
  end(chunk, encoding, callback) {
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = undefined;
    } else if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    const ex = this[kExchange];
    if (chunk) {
      checkChunk(chunk);
      if (this.finished) {
        failWrite(this, callback);
        return this;
      }
    } else if (this.finished) {
      if (callback && ex.finished) {
        process.nextTick(callback, codeError(Error, 'ERR_STREAM_ALREADY_FINISHED',
          'Cannot call end after a stream was finished'));
      } else if (callback) this.once('finish', callback);
      return this;
    }
    if (!ex.headersSent) {
      addContentLength(this, chunk ? Buffer.byteLength(chunk, encoding) : 0);
      this._implicitHeader();
    }
    if (callback) this.once('finish', callback);
    this.finished = true;
    touch(ex);
    endStream(ex, ex.hasBody && chunk ? chunk : null, encoding);
    return this;
  },

  setHeader(name, value) {
    if (this[kExchange].headersSent) throw headersSentError('set');
    return outgoing.setHeader.call(this, name, value);
  },

  appendHeader(name, value) {
    if (this[kExchange].headersSent) throw headersSentError('append');
    return outgoing.appendHeader.call(this, name, value);
  },

  removeHeader(name) {
    if (this[kExchange].headersSent) throw headersSentError('remove');
    if (String(name).toLowerCase() === 'content-length') this[kExchange].lengthRemoved = true;
    return outgoing.removeHeader.call(this, name);
  },

  /** Trailers go in a HEADERS frame with FIN after the body. */
  addTrailers(headers) {
    const ex = this[kExchange];
    ex.trailers ||= {};
    const pairs = Array.isArray(headers) ? headers : Object.entries(headers);
    for (const [name, value] of pairs) ex.trailers[String(name).toLowerCase()] = value;
  },

  // SPDY/3.1 has no interim (1xx) responses: these only call back.
  writeContinue(callback) {
    if (callback) process.nextTick(callback);
  },

  writeProcessing(callback) {
    if (callback) process.nextTick(callback);
  },

  writeEarlyHints(hints, callback) {
    if (callback) process.nextTick(callback);
  },

  setTimeout: setExchangeTimeout,

  /**
   * Pushes a resource (node:http2's API): `headers` carry `:path` (and optionally `:scheme`,
   * `:host`); `callback(err, res)` gets a response to write the pushed resource into.
   */
  createPushResponse(headers, callback) {
    if (typeof callback !== 'function') {
      throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
        'The "callback" argument must be of type function');
    }
    const { stream } = this[kExchange];
    if (stream.destroyed) {
      process.nextTick(callback, spdyError('ERR_SPDY_INVALID_STREAM', 'the stream was destroyed'));
      return;
    }
    stream.pushStream(headers, (err, pushed, pushHeaders) => {
      if (err) callback(err);
      else callback(null, exchange(pushed, { ':method': 'GET', ...pushHeaders }).res);
    });
  },
};

/** writeHead's headers: an object (set), or pairs / a flat array (appended). */
function addHeaders(res, headers) {
  if (!Array.isArray(headers)) {
    for (const name of Object.keys(headers)) if (name) res.setHeader(name, headers[name]);
  } else if (headers.length > 0 && Array.isArray(headers[0])) {
    for (const [name, value] of headers) res.appendHeader(name, value);
  } else {
    if (headers.length % 2 !== 0) {
      throw codeError(TypeError, 'ERR_INVALID_ARG_VALUE', 'The argument \'headers\' is invalid');
    }
    for (let i = 0; i < headers.length; i += 2) res.appendHeader(headers[i], headers[i + 1]);
  }
}

/** As node:http, a response ended before its headers were sent gets a content-length. */
function addContentLength(res, length) {
  const ex = res[kExchange];
  if (ex.lengthRemoved || ex.trailers || res.hasHeader('content-length')) return;
  if (res.hasHeader('transfer-encoding')) return;
  if (bodyAllowed(ex.req.method, res.statusCode)) res.setHeader('content-length', length);
}

function bodyAllowed(method, status) {
  return method !== 'HEAD' && status !== 204 && status !== 304 && !(status >= 100 && status < 200);
}

/** `:status`, the stored headers and, as node:http adds it, `date`. */
function responseHead(res) {
  const head = { ':status': res.statusCode };
  const stored = res.getHeaders();
  for (const name of Object.keys(stored)) head[name] = stored[name];
  if (res.sendDate && head.date === undefined) head.date = new Date().toUTCString();
  return head;
}

/** Gives the decided headers to the stream (SYN_REPLY), once. */
function sendHead(ex, fin) {
  const head = ex.head;
  if (!head) return;
  ex.head = null;
  if (ex.stream.destroyed) return;
  try {
    ex.stream.respond(head, { endStream: fin, waitForTrailers: !fin });
  } catch (err) {
    ex.stream.destroy(err);
  }
}

function endStream(ex, body, encoding) {
  const { stream } = ex;
  if (stream.destroyed) return;
  sendHead(ex, !body && !ex.trailers);
  if (stream.writableEnded || stream.destroyed) return;
  if (body) stream.end(body, encoding);
  else stream.end();
}

/** A write after end() or destroy(), reported as OutgoingMessage#write reports it. */
function failWrite(res, callback) {
  if (res.destroyed) {
    const err = codeError(Error, 'ERR_STREAM_DESTROYED',
      'Cannot call write after a stream was destroyed');
    if (callback) process.nextTick(callback, err);
    return false;
  }
  const err = codeError(Error, 'ERR_STREAM_WRITE_AFTER_END', 'write after end');
  process.nextTick(() => {
    if (callback) callback(err);
    if (!res.destroyed) res.emit('error', err);
  });
  return false;
}

function checkChunk(chunk) {
  if (chunk === null) {
    throw codeError(TypeError, 'ERR_STREAM_NULL_VALUES', 'May not write null values to stream');
  }
  if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
    throw codeError(TypeError, 'ERR_INVALID_ARG_TYPE',
      'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array');
  }
}

// --- stream events --------------------------------------------------------------------

/** Connects the stream's events to req and res. */
function wire(ex) {
  const { stream, req, res } = ex;
  stream.on('data', (chunk) => {
    touch(ex);
    if (!req.destroyed && !req.push(chunk)) stream.pause();
  });
  stream.on('end', () => {
    req.complete = true;
    if (!req.destroyed) req.push(null);
  });
  stream.on('trailers', (trailers) => {
    req.rawTrailers = rawHeaders(trailers);
    req.trailers = joinHeaders(req.rawTrailers);
  });
  stream.on('drain', () => res.emit('drain'));
  stream.on('wantTrailers', () => {
    if (ex.trailers) stream.sendTrailers(ex.trailers);
  });
  // Stream errors (a reset by the peer, a lost session) end the exchange through 'close'.
  stream.on('error', (err) => {
    ex.error = err;
  });
  stream.once('finish', () => onFinish(ex));
  stream.once('close', () => onClose(ex));
}

function onFinish(ex) {
  ex.finished = true;
  ex.res.emit('finish');
  // As node:http does: a body nobody reads is discarded, so the stream can close.
  if (ex.req.readableFlowing === null && !ex.req.destroyed) ex.req.resume();
}

function onClose(ex) {
  const { req, res } = ex;
  if (ex.timer) clearTimeout(ex.timer);
  ex.timer = null;
  if (!req.destroyed && (!ex.finished || !req.complete)) {
    const err = codeError(Error, 'ECONNRESET', 'aborted');
    if (ex.error) err.cause = ex.error;
    req.destroy(err); // 'aborted' (unless fully read), then 'close'
  }
  res.destroyed = true;
  res.emit('close');
}

// --- timeouts -------------------------------------------------------------------------

/** req/res.setTimeout(ms, [callback]): 'timeout' after `ms` without data either way. */
function setExchangeTimeout(msecs, callback) {
  const ex = this[kExchange];
  if (callback) this.on('timeout', callback);
  if (ex.timer) clearTimeout(ex.timer);
  ex.timer = msecs > 0 && !ex.stream.destroyed ? setTimeout(onTimeout, msecs, ex).unref() : null;
  return this;
}

/** As a node:http socket timeout: nobody listening resets the stream. */
function onTimeout(ex) {
  const { req, res, stream } = ex;
  const reqHeard = !req.complete && req.emit('timeout', stream);
  const resHeard = res.emit('timeout', stream);
  if (!reqHeard && !resHeard) stream.close();
}

function touch(ex) {
  ex.timer?.refresh();
}

// --- helpers --------------------------------------------------------------------------

/** Defines non-enumerable, writable own properties (middleware may wrap them). */
function own(target, props) {
  for (const key of Reflect.ownKeys(props)) {
    Object.defineProperty(target, key, {
      value: props[key], writable: true, configurable: true, enumerable: false,
    });
  }
}

function codeError(Ctor, code, message) {
  const err = new Ctor(message);
  err.code = code;
  return err;
}

function headersSentError(what) {
  return codeError(Error, 'ERR_HTTP_HEADERS_SENT',
    `Cannot ${what} headers after they are sent to the client`);
}

module.exports = { dispatch };
