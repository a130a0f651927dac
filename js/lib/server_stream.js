'use strict';
// Streams the peer opened on a server (requests) and streams a server pushes: respond(),
// pushStream(), headersSent, as in Node's http2 ServerHttp2Stream.

const { SpdyStream } = require('./stream');
const { toFlat, now } = require('./core');
const { spdyError, fromCore, goneInCore } = require('./errors');
const constants = require('./constants');

class ServerStream extends SpdyStream {
  constructor(session, id, sides, requestHeaders) {
    super(session, id, sides);
    /** The headers of the request (or of the push) this stream carries. */
    this.requestHeaders = requestHeaders;
  }

  /** Pushes are allowed while the request is open (HTTP mode servers only). */
  get pushAllowed() {
    return this.session._http && !this._localDone && !this._isPush;
  }

  /**
   * Answers the stream: SYN_REPLY (or HEADERS for a push). In HTTP mode `:status` (default
   * 200) gets its reason phrase and `:version` is added.
   */
  respond(headers = {}, options = {}) {
    if (this.destroyed) throw spdyError('ERR_SPDY_INVALID_STREAM', 'the stream was destroyed');
    if (this.headersSent) throw spdyError('ERR_SPDY_HEADERS_SENT', 'response already sent');
    const flat = toFlat(this.session._http && headers[':status'] === undefined
      ? { ':status': 200, ...headers }
      : headers);
    const endStream = Boolean(options.endStream);
    try {
      this.session._core.respond(this.id, flat, endStream);
    } catch (err) {
      if (!goneInCore(err, this)) throw fromCore(err);
    }
    this.headersSent = true;
    this.sentHeaders = headers;
    this._waitForTrailers = Boolean(options.waitForTrailers);
    if (endStream) {
      this._localDone = true;
      this.end();
    }
    this.session._schedule();
  }

  _beforeData() {
    if (!this.headersSent && this.session._http) this.respond({ ':status': 200 });
  }

  /**
   * Pushes a resource tied to this request: `headers` carry `:path` (and optionally
   * `:scheme`, `:host`, defaulting to the request's). `callback(err, pushStream, headers)`.
   */
  pushStream(headers, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    const request = this.requestHeaders || {};
    const full = this.session._http
      ? {
        ':scheme': request[':scheme'] || 'https',
        ':host': request[':host'] || request.host || '',
        ...headers,
      }
      : headers;
    let id;
    try {
      id = this.session._core.push(this.id, toFlat(full), options?.priority ?? 3, now());
    } catch (err) {
      process.nextTick(callback, fromCore(err));
      return;
    }
    const pushed = new ServerStream(this.session, id, { readable: false }, full);
    pushed._isPush = true;
    pushed.sentHeaders = full;
    this.session._adopt(pushed);
    this.session._schedule();
    process.nextTick(callback, null, pushed, full);
  }

  /** Refuses the stream (RST_STREAM REFUSED_STREAM): the client may retry it elsewhere. */
  refuse() {
    this.close(constants.RST_REFUSED_STREAM);
  }
}

module.exports = { ServerStream };
