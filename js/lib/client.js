'use strict';
// The client: connect() over TCP, TLS with ALPN spdy/3.1, or any Duplex; request() streams
// with a 'response' event; server pushes as the session's 'stream' event and the request's
// 'push' event.

const net = require('node:net');
const tls = require('node:tls');
const { SpdySession } = require('./session');
const { slabReads, SLAB_SIZE } = require('./reads');
const { SpdyStream } = require('./stream');
const { toFlat, fromFlat } = require('./core');
const { spdyError } = require('./errors');
const constants = require('./constants');

class ClientStream extends SpdyStream {
  _onReply(flat, fin, status) {
    const headers = fromFlat(flat);
    if (status) headers[':status'] = status;
    this.responseHeaders = headers;
    this.emit('response', headers, { endStream: fin });
  }

  _onHeaders(flat, fin) {
    // A push's response headers come in its first HEADERS frame.
    if (this._isPush && !this.responseHeaders && !fin) {
      const headers = fromFlat(flat);
      const status = parseInt(headers[':status'], 10);
      if (this.session._http && status) headers[':status'] = status;
      this.responseHeaders = headers;
      this.emit('response', headers, { endStream: false });
      return;
    }
    super._onHeaders(flat, fin);
  }
}

class ClientSession extends SpdySession {
  constructor(socket, options) {
    super(socket, { server: false }, options);
  }

  /**
   * Opens a stream. `headers` may hold `:method` (GET), `:path` (/), `:scheme` and
   * `:authority`/`:host`/`host` (from connect()); in raw mode they are sent as given.
   * Options: `endStream`, `priority` (0 most urgent … 7, default 3), `unidirectional`.
   */
  request(headers = {}, options = {}) {
    if (this.destroyed || this.closed) {
      throw spdyError('ERR_SPDY_SESSION_CLOSED', 'the session is closed');
    }
    const stream = new ClientStream(this, null, {});
    stream.sentHeaders = headers;
    this._open(stream, toFlat(headers), options);
    stream.headersSent = true;
    if (options.endStream) {
      stream._localDone = true; // the SYN_STREAM carries FIN: nothing for _final to send
      stream.end();
    }
    return stream;
  }

  _onStream(id, flat, fin, unidirectional, associated) {
    const headers = fromFlat(flat);
    const stream = new ClientStream(this, id, { writable: false });
    stream._isPush = true;
    stream.pushedHeaders = headers;
    this._adopt(stream);
    this.emit('stream', stream, headers, { endStream: fin, associatedStreamId: associated });
    this._streams.get(associated)?.emit('push', stream, headers);
  }
}

/**
 * Connects to a SPDY/3.1 server. `authority`: `http://host:port` (plain TCP) or
 * `https://host:port` (TLS, ALPN `spdy/3.1`). Options: session options (lib/options.js),
 * TLS options for https, `socket` (a connected Duplex) or `createConnection(url, options)`,
 * and `readSlabSize`: the TCP and TLS sockets it opens read into shared slabs of up to this
 * many bytes (lib/reads.js; default 1 MiB, 0 for Node's own reads).
 */
function connect(authority, options, listener) {
  if (typeof options === 'function') {
    listener = options;
    options = {};
  }
  options = { ...options };
  const url = typeof authority === 'string' || authority instanceof URL
    ? new URL(authority)
    : new URL(`${authority.protocol || 'http:'}//${authority.host || authority.hostname || 'localhost'}${authority.port ? `:${authority.port}` : ''}`);
  const secure = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (secure ? 443 : 80);
  let socket = options.socket;
  if (!socket && options.createConnection) socket = options.createConnection(url, options);
  // Sockets opened here read into slabs (lib/reads.js) unless readSlabSize is 0.
  let reads = null;
  if (!socket) {
    const slab = options.readSlabSize ?? SLAB_SIZE;
    reads = slab > 0 ? slabReads(slab) : null;
  }
  const onread = reads ? { onread: reads.onread } : {};
  if (!socket && secure) {
    socket = tls.connect({
      servername: net.isIP(host) ? undefined : host,
      ...options,
      host,
      port,
      ALPNProtocols: [constants.ALPN_PROTOCOL],
      ...onread,
    });
  }
  if (!socket) socket = net.connect({ host, port, ...onread });
  const session = new ClientSession(socket, {
    scheme: secure ? 'https' : 'http',
    authority: url.host,
    ...options,
  });
  reads?.attach((chunk) => session._input(chunk));
  if (listener) session.once('connect', listener);
  const ready = () => {
    if (secure && socket.alpnProtocol && socket.alpnProtocol !== constants.ALPN_PROTOCOL) {
      session.destroy(spdyError('ERR_SPDY_ALPN',
        `the server chose ${socket.alpnProtocol}, not ${constants.ALPN_PROTOCOL}`));
      return;
    }
    session.connecting = false;
    session.emit('connect', session, socket);
  };
  if (socket.connecting) {
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', ready);
  } else {
    process.nextTick(ready);
  }
  return session;
}

module.exports = { connect, ClientSession, ClientStream };
