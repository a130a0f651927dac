'use strict';
// The WebAssembly core and the conversions the JavaScript layer needs around it: the
// session clock, header objects as the flat [name, value, …] arrays the core takes, and the
// event codes of WasmSession.drain (src/wasm/mod.rs documents them).

const { performance } = require('node:perf_hooks');
const wasm = require('../wasm/spdy3.js');
const { spdyError } = require('./errors');

const EV = Object.freeze({
  STREAM: 1, REPLY: 2, HEADERS: 3, DATA: 4, END: 5, WRITABLE: 6, RESET: 7,
  STREAM_CLOSED: 8, CAN_OPEN: 9, SETTINGS: 10, PONG: 11, GOAWAY: 12, CLOSED: 13, SENT: 14,
});

/** What `write` returns for a stream the core no longer has (WRITE_* in src/wasm/mod.rs). */
const WRITE_GONE = Object.freeze({
  [-1]: ['ERR_SPDY_UNKNOWN_STREAM', 'no such stream'],
  [-2]: ['ERR_SPDY_SESSION_CLOSED', 'the session is closed'],
});

/** Milliseconds on a monotonic clock, the session's `now`. */
function now() {
  return performance.now();
}

/** A headers object (values may be arrays or numbers) as a flat array of strings. */
function toFlat(headers) {
  const flat = [];
  if (!headers) return flat;
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const v of value) flat.push(name, String(v));
    } else {
      flat.push(name, String(value));
    }
  }
  return flat;
}

/** A flat array from the core as a headers object; NUL-joined values become arrays. */
function fromFlat(flat) {
  const headers = Object.create(null);
  for (let i = 0; i < flat.length; i += 2) {
    const value = flat[i + 1];
    headers[flat[i]] = value.includes('\0') ? value.split('\0') : value;
  }
  return headers;
}

/**
 * Stands in for a session's WasmSession once it is freed (a closed session gives its wasm
 * memory back at once rather than when the garbage collector finalizes it): commands fail
 * with ERR_SPDY_SESSION_CLOSED (`write` answers its code), everything else does nothing.
 */
const CLOSED_CORE = Object.freeze({
  ...Object.fromEntries(['request', 'respond', 'sendHeaders', 'push', 'finish',
    'ping', 'settings'].map((name) => [name, () => {
    throw spdyError('ERR_SPDY_SESSION_CLOSED', 'the session is closed');
  }])),
  write: () => -2, // WRITE_SESSION_CLOSED, as the core answers
  ...Object.fromEntries(['input', 'eof', 'timeout', 'drain'].map((name) => [name, () => [undefined, -1, false]])),
  ...Object.fromEntries(['reset', 'pause', 'resume', 'goaway', 'close', 'pauseOutput', 'free']
    .map((name) => [name, () => {}])),
  hasPendingOutput: () => false,
  inputKept: () => false,
  canOpen: () => false,
  isClosed: () => true,
  sendCapacity: () => 0,
  streamWindows: () => undefined,
  stats: () => ({}),
});

module.exports = { wasm, EV, WRITE_GONE, now, toFlat, fromFlat, CLOSED_CORE };
