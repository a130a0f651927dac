'use strict';
// A SPDY session over any Duplex socket: socket bytes go into the wasm core in whole
// chunks, and one drain per turn of the event loop sends what the core produced, re-arms
// its timer and dispatches its events. This file follows the core's call protocol
// (src/session/mod.rs) and makes no protocol decisions of its own.

const { EventEmitter } = require('node:events');
const { wasm, EV, now, CLOSED_CORE } = require('./core');
const { spdyError, fromCore } = require('./errors');
const { coreOptions } = require('./options');

/** Most drains run at once (`_drainNow`) between two turns of the event loop. */
const EAGER_DRAINS = 16;

class SpdySession extends EventEmitter {
  /**
   * @param {import('node:stream').Duplex} socket
   * @param {{server: boolean}} role
   * @param {object} options see lib/options.js
   */
  constructor(socket, role, options = {}) {
    super();
    const core = coreOptions(options);
    // Output and received data are copied into Buffers the core need not zero first.
    core.allocate = Buffer.allocUnsafe;
    // Written data stays in its Buffers until the socket takes it (see stream.js).
    core.segments = true;
    this._core = new wasm.WasmSession(role.server, core, now());
    this._http = core.mode !== 'kubernetes' && core.http !== false;
    this._server = role.server;
    this.socket = socket;
    /** @type {Map<number, import('./stream').SpdyStream>} */
    this._streams = new Map();
    this._waiting = []; // streams waiting for the peer's concurrency limit
    this._cut = []; // streams the session's end cut off, failed at teardown
    this._running = false; // a core result is being applied (see _run)
    this._queued = [];
    this._pings = new Map();
    this._scheduled = false; // a drain is due
    this._immediate = null; // the turn that runs it, unless _drainNow runs it first
    this._eagerDrains = 0; // drains run by _drainNow in this turn of the event loop
    this._drainScheduled = () => {
      this._immediate = null;
      this._eagerDrains = 0;
      if (!this._scheduled) return;
      this._scheduled = false;
      if (!this.destroyed) this._run(() => this._core.drain(now()));
    };
    this._timer = null;
    this._timerAt = -1;
    this._inputPaused = false;
    this._outputBlocked = false;
    this._idleTimer = null;
    this._idleMs = 0;
    this.closed = false;
    this.destroyed = false;
    this.connecting = Boolean(socket.connecting);
    this.localSettings = { initialWindowSize: core.initialWindowSize, maxConcurrentStreams: core.maxConcurrentStreams };
    this.remoteSettings = {};
    this.type = role.server ? 0 : 1;

    this._onData = (chunk) => this._input(chunk);
    this._onEnd = () => this._eof();
    this._onSocketError = (err) => {
      this._socketError = err;
      this._eof();
    };
    this._onDrain = () => {
      this._outputBlocked = false;
      this._core.pauseOutput(false);
      this._schedule();
    };
    // Small control frames (WINDOW_UPDATE, PING echoes) must not wait for Nagle's
    // algorithm to meet the peer's delayed ACK (40 ms stalls on a busy stream).
    socket.setNoDelay?.(true);
    socket.on('data', this._onData);
    socket.on('end', this._onEnd);
    socket.on('close', this._onEnd);
    socket.on('error', this._onSocketError);
    socket.on('drain', this._onDrain);
    this._schedule();
  }

  // --- the call protocol ----------------------------------------------------------------

  /**
   * Feeds a chunk of socket bytes to the core. Returns false when the core kept no view of
   * it, so that its memory may be read into again (lib/reads.js); true when it did, or
   * when the chunk waits its turn (see _run).
   */
  _input(chunk) {
    if (this.destroyed) return false;
    this._touch();
    let kept = true;
    this._run(() => {
      const result = this._core.input(chunk, now());
      kept = this._core.inputKept();
      return result;
    });
    return kept;
  }

  _eof() {
    if (this.destroyed || this._eofSeen) return;
    this._eofSeen = true;
    this._run(() => this._core.eof(now()));
    this._run(() => this._teardown());
  }

  /**
   * Makes one core call and applies its result (`call` may also return nothing). Calls
   * made while a result is being applied — by a socket that delivers synchronously, or a
   * listener that reacts at once — wait their turn, so events are always dispatched in the
   * order the core produced them.
   */
  _run(call) {
    if (this._running) {
      this._queued.push(call);
      return;
    }
    this._running = true;
    try {
      let next = call;
      while (next) {
        const result = next();
        if (result && !this.destroyed) this._apply(result);
        next = this._queued.shift();
      }
    } finally {
      this._running = false;
      // A listener threw: what is queued still runs, on the next turn.
      if (this._queued.length > 0) setImmediate(() => this._run(() => null));
    }
  }

  /**
   * Drains once, soon: commands made in this turn of the event loop are batched into one
   * call. setImmediate (not nextTick) lets I/O, timers and promises run between drains, so
   * two sessions joined in memory cannot starve the rest of the process.
   */
  _schedule() {
    if (this._scheduled || this.destroyed) return;
    this._scheduled = true;
    this._immediate ??= setImmediate(this._drainScheduled);
  }

  /**
   * Runs a scheduled drain now rather than on the next turn: for writers that refilled
   * the core from the callbacks of a write the socket just finished. A bulk writer then
   * keeps the socket busy without a turn of the event loop per write. At most
   * EAGER_DRAINS per turn (the pending immediate stays and starts the next turn's count),
   * so that a socket whose writes always finish at once (one in memory, say) still lets
   * the event loop run.
   */
  _drainNow() {
    if (!this._scheduled || this._outputBlocked || this.destroyed) return;
    if (this._eagerDrains >= EAGER_DRAINS) return;
    this._eagerDrains++;
    this._scheduled = false;
    this._run(() => this._core.drain(now()));
  }

  _apply(result) {
    const output = result[0];
    // Write callbacks of streams whose data is in this output, run once the socket wrote it.
    this._flushed = null;
    if (output !== undefined && !this.socket.destroyed) {
      this._touch();
      const flushed = [];
      this._flushed = flushed;
      const done = () => {
        for (const callback of flushed) callback();
        if (flushed.length > 0) this._drainNow();
      };
      if (!this._write(output, done)) {
        this._outputBlocked = true;
        this._core.pauseOutput(true);
      }
    }
    for (let i = 3; i < result.length; i++) this._dispatch(result[i]);
    if (this.destroyed) return;
    // More output than one drain returns: continue once the socket has room.
    if (!this._outputBlocked && this._core.hasPendingOutput()) this._schedule();
    this._arm(result[1]);
    const wantsInput = result[2];
    if (wantsInput && this._inputPaused) {
      this._inputPaused = false;
      this.socket.resume();
    } else if (!wantsInput && !this._inputPaused) {
      this._inputPaused = true;
      this.socket.pause();
    }
  }

  /** Writes the core's output: one array, or segments (held payloads) in one writev. */
  _write(output, done) {
    const s = this.socket;
    if (!Array.isArray(output)) return s.write(output, done);
    s.cork();
    let ok = true;
    for (let i = 0; i < output.length; i++) {
      ok = s.write(output[i], i === output.length - 1 ? done : undefined);
    }
    s.uncork();
    return ok;
  }

  /**
   * Sets the timer for the core's next deadline `at` (-1: none). A timer already set no
   * later than `at` is kept: every input moves the idle deadline, and when the timer fires
   * early the core names the next deadline, so the timer is re-set once per period, not
   * once per chunk of input.
   */
  _arm(at) {
    if (at === this._timerAt) return;
    if (this._timer && (at < 0 || at > this._timerAt)) return;
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
    this._timerAt = at;
    if (at < 0) return;
    this._timer = setTimeout(() => {
      this._timer = null;
      this._timerAt = -1;
      if (!this.destroyed) this._run(() => this._core.timeout(now()));
    }, Math.max(0, Math.ceil(at - now())));
    this._timer.unref();
  }

  _dispatch(ev) {
    const id = ev[1];
    switch (ev[0]) {
      case EV.DATA: {
        const stream = this._streams.get(id);
        if (stream) for (let i = 2; i < ev.length; i++) stream._onData(ev[i]);
        break;
      }
      case EV.END: this._streams.get(id)?._onEnd(); break;
      case EV.WRITABLE: this._streams.get(id)?._onWritable(); break;
      case EV.SENT: this._streams.get(id)?._onSent(ev[2], this._flushed); break;
      case EV.STREAM: this._onStream(id, ev[2], ev[3], ev[4], ev[5], ev[6]); break;
      case EV.REPLY: this._streams.get(id)?._onReply(ev[2], ev[3], ev[4]); break;
      case EV.HEADERS: this._streams.get(id)?._onHeaders(ev[2], ev[3]); break;
      case EV.RESET:
        // Streams cut by the session's end get the session's reason at teardown.
        if (ev[4] !== 'ERR_SPDY_SESSION_CLOSED') {
          this._streams.get(id)?._onReset(ev[2], ev[3], ev[4], ev[5]);
        } else if (this._streams.has(id)) {
          this._cut.push(this._streams.get(id));
        }
        break;
      case EV.STREAM_CLOSED: {
        const stream = this._streams.get(id);
        this._streams.delete(id);
        stream?._onClosedInCore();
        break;
      }
      case EV.CAN_OPEN: this._openWaiting(); break;
      case EV.SETTINGS:
        this.remoteSettings = { ...this.remoteSettings, ...definedOnly(ev[1]) };
        this.emit('remoteSettings', ev[1]);
        break;
      case EV.PONG: {
        const callback = this._pings.get(id);
        this._pings.delete(id);
        callback?.(null, ev[2], Buffer.alloc(8));
        break;
      }
      case EV.GOAWAY:
        this.goawayReceived = { lastStreamId: ev[1], code: ev[2] };
        this.emit('goaway', ev[2], ev[1]);
        break;
      case EV.CLOSED: this._onClosed(ev[1], ev[2], ev[3], ev[4]); break;
      default: break;
    }
  }

  // --- streams --------------------------------------------------------------------------

  _adopt(stream) {
    this._streams.set(stream.id, stream);
  }

  _dequeue(stream) {
    const i = this._waiting.indexOf(stream);
    if (i >= 0) this._waiting.splice(i, 1);
  }

  /** Opens a stream now, or queues it while the peer's concurrency limit is reached. */
  _open(stream, flat, options) {
    const open = () => this._core.request(flat, options.priority ?? 3,
      Boolean(options.endStream), Boolean(options.unidirectional), now());
    if (this._waiting.length === 0) {
      try {
        stream.id = open();
        this._adopt(stream);
        this._schedule();
        return;
      } catch (err) {
        if (err.code !== 'ERR_SPDY_CONCURRENCY_LIMIT') throw fromCore(err);
      }
    }
    stream.id = null;
    stream._openLater = open;
    this._waiting.push(stream);
  }

  _openWaiting() {
    while (this._waiting.length > 0) {
      const stream = this._waiting[0];
      let id;
      try {
        id = stream._openLater();
      } catch (err) {
        if (err.code === 'ERR_SPDY_CONCURRENCY_LIMIT') return;
        this._waiting.shift();
        stream._fail(fromCore(err));
        continue;
      }
      this._waiting.shift();
      this._streams.set(id, stream);
      stream._opened(id);
    }
    this._schedule();
  }

  _onStream() {
    // Overridden by the client and server sessions.
  }

  // --- the session's end ----------------------------------------------------------------

  _onClosed(status, initiator, code, message) {
    this.closed = true;
    if (code) {
      const cause = this._socketError;
      const err = spdyError(code, cause ? `${message}: ${cause.message}` : message,
        { goawayCode: status, initiator });
      if (cause) err.cause = cause;
      this._closeError = err;
    }
    const err = spdyError('ERR_SPDY_SESSION_CLOSED', 'the session closed');
    for (const stream of this._waiting.splice(0)) stream._fail(err);
    for (const [, callback] of this._pings) callback(err);
    this._pings.clear();
    // Whatever the core still has to say (the GOAWAY) goes out, even into a full socket,
    // before teardown ends the socket.
    if (this._outputBlocked) {
      this._core.pauseOutput(false);
      this._run(() => this._core.drain(now()));
    }
    process.nextTick(() => this._teardown());
  }

  _teardown() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.closed = true;
    if (this._timer) clearTimeout(this._timer);
    if (this._idleTimer) clearTimeout(this._idleTimer);
    this._timer = this._idleTimer = null;
    const err = this._closeError;
    const lost = spdyError('ERR_SPDY_SESSION_CLOSED', 'the session closed with the stream open');
    for (const stream of [...this._cut, ...this._streams.values()]) {
      if (!stream.destroyed) stream._fail(err || lost);
    }
    this._cut = [];
    this._streams.clear();
    const core = this._core;
    this._core = CLOSED_CORE;
    core.free();
    const s = this.socket;
    s.removeListener('data', this._onData);
    s.removeListener('drain', this._onDrain);
    if (!s.destroyed) {
      // Let the final frames reach the peer, but never keep the process alive for them:
      // what the peer still sends is discarded (its FIN then closes the socket at once),
      // and a peer that never closes is cut after a second, however much it sends.
      s.end();
      s.resume();
      const cut = setTimeout(() => s.destroy(), 1000).unref();
      s.once('close', () => clearTimeout(cut));
    }
    if (err && this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('close');
  }

  // --- the public API -------------------------------------------------------------------

  /** Sends a PING; `callback(err, durationMs, payload)`. Returns false if it cannot. */
  ping(payload, callback) {
    if (typeof payload === 'function') callback = payload;
    let id;
    try {
      id = this._core.ping(now());
    } catch (err) {
      if (callback) process.nextTick(callback, fromCore(err));
      return false;
    }
    this._pings.set(id, callback || (() => {}));
    this._schedule();
    return true;
  }

  /** Changes our SETTINGS: `{maxConcurrentStreams, initialWindowSize}`. */
  settings(settings = {}, callback) {
    this._core.settings(settings.maxConcurrentStreams ?? -1, settings.initialWindowSize ?? -1);
    this.localSettings = { ...this.localSettings, ...definedOnly(settings) };
    this._schedule();
    if (callback) process.nextTick(callback, null, this.localSettings);
  }

  /** Graceful shutdown: GOAWAY, no new streams, close once open streams finish. */
  goaway() {
    if (this.destroyed) return;
    this._core.goaway(now());
    this._schedule();
  }

  /** Graceful close: as goaway(), with `callback` on 'close'. */
  close(callback) {
    if (callback) this.once('close', callback);
    this.goaway();
  }

  /** Ends the session now: GOAWAY, every open stream errors, the socket is closed. */
  destroy(err) {
    if (this.destroyed) return;
    if (err) this._closeError = err;
    this._core.close(now());
    this._run(() => this._core.drain(now()));
    this._run(() => this._teardown());
    if (!this.socket.destroyed) this.socket.destroy();
  }

  /** Emits 'timeout' after `ms` without a byte either way (0 turns it off). */
  setTimeout(ms, callback) {
    if (callback) this.on('timeout', callback);
    this._idleMs = ms;
    this._touch();
  }

  _touch() {
    if (!this._idleMs) return;
    this._lastActivity = now();
    if (this._idleTimer) return;
    const check = () => {
      const left = this._lastActivity + this._idleMs - now();
      if (left > 0) {
        this._idleTimer = setTimeout(check, left).unref();
        return;
      }
      this._idleTimer = null;
      this.emit('timeout');
    };
    this._idleTimer = setTimeout(check, this._idleMs).unref();
  }

  /** Counters of the core: streams, buffered bytes, windows, frames each way. */
  get state() {
    return this._core.stats();
  }

  ref() {
    this.socket.ref?.();
  }

  unref() {
    this.socket.unref?.();
  }
}

function definedOnly(obj) {
  const out = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined && k !== 'entries') out[k] = v;
  return out;
}

module.exports = { SpdySession };
