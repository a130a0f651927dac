'use strict';
// The server: createServer() on plain TCP and createSecureServer() with TLS and ALPN
// spdy/3.1. Each connection becomes a ServerSession ('session'); each request a
// ServerStream ('stream' (stream, headers)); with a request listener, the compatibility
// layer gives it (req, res) as node:http does.

const net = require('node:net');
const tls = require('node:tls');
const { SpdySession } = require('./session');
const { ServerStream } = require('./server_stream');
const { fromFlat } = require('./core');
const constants = require('./constants');

class ServerSession extends SpdySession {
  constructor(socket, options) {
    super(socket, { server: true }, options);
  }

  _onStream(id, flat, fin, unidirectional, associated, priority) {
    const headers = fromFlat(flat);
    const stream = new ServerStream(this, id, { writable: !unidirectional }, headers);
    stream.priority = priority;
    this._adopt(stream);
    this.emit('stream', stream, headers, { endStream: fin, priority });
  }
}

/** What both server kinds do with a new connection. */
function serve(server, socket) {
  const session = new ServerSession(socket, server._spdyOptions);
  server._sessions.add(session);
  session.once('close', () => server._sessions.delete(session));
  session.on('stream', (stream, headers, flags) => {
    server.emit('stream', stream, headers, flags);
    if (server.listenerCount('request') > 0) {
      require('./compat').dispatch(server, stream, headers);
    }
  });
  if (server._timeout) session.setTimeout(server._timeout, () => session.goaway());
  server.emit('session', session);
}

/**
 * The SPDY server over a `net.Server` or `tls.Server` class: each connection `event`
 * (that `accept` lets through) becomes a session.
 */
function spdyServerClass(Base, baseOptions, event, accept) {
  return class extends Base {
    constructor(options = {}, onRequest) {
      super(baseOptions(options));
      this._spdyOptions = options;
      this._sessions = new Set();
      this._timeout = 0;
      if (onRequest) this.on('request', onRequest);
      this.on(event, (socket) => {
        if (accept(socket)) serve(this, socket);
        else socket.destroy();
      });
    }

    /** Stops accepting connections and sends GOAWAY to every session. */
    close(callback) {
      for (const session of this._sessions) session.goaway();
      return super.close(callback);
    }

    /** Idle sessions (no byte either way for `ms`) get a graceful GOAWAY. */
    setTimeout(ms, callback) {
      this._timeout = ms;
      if (callback) this.on('timeout', callback);
      return this;
    }
  };
}

/** SPDY/3.1 on plain TCP. */
class SpdyServer extends spdyServerClass(net.Server,
  () => ({ allowHalfOpen: false, pauseOnConnect: false }), 'connection', () => true) {}

/** SPDY/3.1 on TLS, offering ALPN spdy/3.1 (a client without ALPN is served too). */
class SecureSpdyServer extends spdyServerClass(tls.Server,
  (options) => ({ ...options, ALPNProtocols: [constants.ALPN_PROTOCOL] }), 'secureConnection',
  (socket) => !socket.alpnProtocol || socket.alpnProtocol === constants.ALPN_PROTOCOL) {}

/** A SPDY/3.1 server on plain TCP. */
function createServer(options, onRequest) {
  if (typeof options === 'function') {
    onRequest = options;
    options = {};
  }
  return new SpdyServer(options, onRequest);
}

/** A SPDY/3.1 server on TLS (`key`, `cert`, … as for tls.createServer), ALPN spdy/3.1. */
function createSecureServer(options, onRequest) {
  if (typeof options === 'function') {
    onRequest = options;
    options = {};
  }
  return new SecureSpdyServer(options, onRequest);
}

module.exports = { createServer, createSecureServer, SpdyServer, SecureSpdyServer, ServerSession };
