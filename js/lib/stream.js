'use strict';
// A SPDY stream as a Node Duplex. Writes go to the core as far as the stream's send window
// and the session's send buffer allow; the rest waits for the core's WRITABLE event, so
// `write()` returns false and 'drain' follows. Reads are pulled: the core delivers data only
// while this stream's buffer is under its high-water mark, and only delivered data returns
// window to the peer, so a stream nobody reads stops its peer.

const { Duplex } = require('node:stream');
const { toFlat, fromFlat, WRITE_GONE } = require('./core');
const { spdyError, quietError, fromCore, goneInCore } = require('./errors');
const constants = require('./constants');

const HIGH_WATER_MARK = 64 * 1024;
/** Writes batched for `_writev` while earlier ones are still being sent. */
const WRITE_HIGH_WATER_MARK = 256 * 1024;

class SpdyStream extends Duplex {
  /**
   * @param {import('./session').SpdySession} session
   * @param {number|null} id null while waiting for the peer's concurrency limit
   * @param {{readable?: boolean, writable?: boolean}} sides
   */
  constructor(session, id, sides = {}) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: HIGH_WATER_MARK,
      writableHighWaterMark: WRITE_HIGH_WATER_MARK,
    });
    this.session = session;
    this.id = id;
    /** The RST_STREAM status that ended the stream, if one did. */
    this.rstCode = undefined;
    /** Headers we sent (request, reply or push), once sent. */
    this.sentHeaders = undefined;
    this.headersSent = false;
    this._pendingChunks = null; // chunks of the current write not yet taken by the core
    this._pendingCallback = null;
    this._inflight = []; // per array the core holds: the write callback it completes, or null
    this._finalCallback = null;
    this._localDone = false;
    this._remoteDone = false;
    this._goneFromCore = false;
    this._waitForTrailers = false;
    if (sides.readable === false) {
      this._remoteDone = true;
      this.push(null);
    }
    if (sides.writable === false) {
      this._localDone = true;
      this.end();
    }
  }

  get pending() {
    return this.id === null;
  }

  get closed() {
    return this.destroyed;
  }

  /** The underlying connection's address, for code that expects a socket. */
  get remoteAddress() {
    return this.session.socket?.remoteAddress;
  }

  get remotePort() {
    return this.session.socket?.remotePort;
  }

  get encrypted() {
    return Boolean(this.session.socket?.encrypted);
  }

  // --- writing -------------------------------------------------------------------------

  _write(chunk, encoding, callback) {
    this._pendingChunks = [chunk];
    this._pendingCallback = callback;
    if (this.id !== null) this._flushPending();
  }

  _writev(entries, callback) {
    this._pendingChunks = entries.map((e) => e.chunk);
    this._pendingCallback = callback;
    if (this.id !== null) this._flushPending();
  }

  /**
   * Hands the pending chunks to the core as far as it takes them now. The core keeps the
   * arrays (it never copies them), so the write's callback waits until the socket has
   * written them (`_onSent`); meanwhile Node batches further writes for `_writev`.
   */
  _flushPending() {
    const chunks = this._pendingChunks;
    if (chunks === null) return;
    this._beforeData();
    while (chunks.length > 0) {
      const chunk = chunks[0];
      let taken;
      try {
        taken = this.session._core.write(this.id, chunk, false);
      } catch (err) {
        this._pendingChunks = null;
        this._pendingCallback(fromCore(err));
        return;
      }
      if (taken < 0) {
        // Gone in the core, not yet here: the stream's end event settles the write.
        const [code, message] = WRITE_GONE[taken];
        if (goneInCore({ code }, this)) return;
        this._pendingChunks = null;
        this._pendingCallback(spdyError(code, message));
        return;
      }
      if (taken === 0) break;
      this.session._schedule();
      const whole = taken === chunk.length;
      if (whole) chunks.shift();
      else chunks[0] = chunk.subarray(taken);
      // One entry per array the core holds; the write's callback rides on the last one.
      this._inflight.push(whole && chunks.length === 0 ? this._pendingCallback : null);
      if (!whole) return;
    }
    if (chunks.length === 0) {
      this._pendingChunks = null;
      this._pendingCallback = null;
    }
  }

  /** `count` held arrays are in the output just written; their callbacks run once flushed. */
  _onSent(count, flushed) {
    for (let i = 0; i < count; i++) {
      const callback = this._inflight.shift();
      // No socket write to wait for (the socket is gone): the session's end follows.
      if (callback) (flushed ? flushed.push(callback) : process.nextTick(callback));
    }
  }

  /** Hook for server streams: answer implicitly before the first data. */
  _beforeData() {}

  _final(callback) {
    this._finalCallback = callback;
    if (this.id === null) return; // replayed by _opened
    if (this._waitForTrailers && !this._localDone) {
      this.emit('wantTrailers');
      // A listener that sent trailers has finished the stream; otherwise an empty FIN.
      if (this._finalCallback) this._finish();
      return;
    }
    this._finish();
  }

  _finish() {
    const callback = this._finalCallback;
    this._finalCallback = null;
    if (!this._localDone) {
      this._beforeData();
      try {
        this.session._core.finish(this.id);
      } catch (err) {
        // Gone in the core, not yet here: the stream's end event settles it.
        if (!goneInCore(err, this)) callback?.(fromCore(err));
        return;
      }
      this.session._schedule();
    }
    this._localDone = true;
    callback?.();
  }

  /** Sends trailers (HEADERS with FIN); for streams answered with `waitForTrailers`. */
  sendTrailers(headers) {
    if (this._localDone) {
      throw spdyError('ERR_SPDY_TRAILERS_ALREADY_SENT', 'trailers already sent or stream ended');
    }
    this._sendHeaders(headers, true);
    this._localDone = true;
    this.session._schedule();
    if (this._finalCallback) this._finish();
  }

  /** Sends more headers without ending the stream (HEADERS). */
  additionalHeaders(headers) {
    this._sendHeaders(headers, false);
    this.session._schedule();
  }

  _sendHeaders(headers, fin) {
    try {
      this.session._core.sendHeaders(this.id, toFlat(headers), fin);
    } catch (err) {
      if (!goneInCore(err, this)) throw fromCore(err);
    }
  }

  // --- reading -------------------------------------------------------------------------

  _read() {
    if (this.id !== null && !this._remoteDone) {
      this.session._core.resume(this.id);
      this.session._schedule();
    }
  }

  // --- ending --------------------------------------------------------------------------

  /** Resets the stream with a RST_STREAM status (default CANCEL) and destroys it. */
  close(code = constants.RST_CANCEL, callback) {
    if (typeof code === 'function') {
      callback = code;
      code = constants.RST_CANCEL;
    }
    if (callback) this.once('close', callback);
    if (this.destroyed) return;
    this._sendReset(code || constants.RST_CANCEL);
    this.destroy();
  }

  _sendReset(code) {
    if (this.id === null || this._goneFromCore) return;
    this._goneFromCore = true;
    this.rstCode = code;
    try {
      this.session._core.reset(this.id, code);
    } catch {
      // The session is gone; nothing to tell the peer.
    }
    this.session._schedule();
  }

  _destroy(err, callback) {
    if (this.id === null) {
      this.session._dequeue(this);
    } else if (!(this._localDone && this._remoteDone)) {
      this._sendReset(err ? constants.RST_INTERNAL_ERROR : constants.RST_CANCEL);
    }
    const waiting = [this._pendingCallback, ...this._inflight].filter(Boolean);
    this._pendingCallback = null;
    this._pendingChunks = null;
    this._inflight = [];
    if (waiting.length > 0) {
      const reason = err || quietError('ERR_STREAM_DESTROYED', 'stream destroyed before the data was sent');
      for (const pending of new Set(waiting)) process.nextTick(pending, reason);
    }
    callback(err);
  }

  /** Ends the stream with an error if anyone listens for it, quietly otherwise. */
  _fail(err) {
    if (this.listenerCount('error') > 0) this.destroy(err);
    else {
      this.error = err;
      this.destroy();
    }
  }

  // --- core events (called by the session) ----------------------------------------------

  _opened(id) {
    this.id = id;
    this.emit('ready');
    if (this._pendingChunks !== null) this._flushPending();
    if (this._finalCallback) this._final(this._finalCallback);
  }

  _onData(chunk) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.push(buf) && !this._remoteDone) this.session._core.pause(this.id);
  }

  _onEnd() {
    if (this._remoteDone) return;
    this._remoteDone = true;
    this.push(null);
  }

  _onHeaders(flat, fin) {
    const headers = fromFlat(flat);
    if (fin) {
      this.emit('trailers', headers);
    } else {
      this.emit('headers', headers);
    }
  }

  _onWritable() {
    this._flushPending();
  }

  _onReset(rstCode, initiator, code, message) {
    this._goneFromCore = true;
    if (this.rstCode === undefined) this.rstCode = rstCode || undefined;
    if (initiator === 'local' || this.destroyed) {
      this.destroy();
      return;
    }
    if (rstCode === constants.RST_CANCEL && initiator === 'remote') {
      // The peer no longer wants the stream: not an error (as node:http2 treats CANCEL).
      // 'aborted' tells a reader that the body was cut short.
      if (!this._remoteDone) this.emit('aborted');
      this.destroy();
      return;
    }
    this._fail(spdyError(code, message, { rstCode }));
  }

  _onClosedInCore() {
    this._goneFromCore = true;
  }
}

module.exports = { SpdyStream, HIGH_WATER_MARK };
