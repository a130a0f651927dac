'use strict';
// Errors with stable `.code`s (ERR_SPDY_…), as Node's own modules do.

/** An Error with a `code`, and extra fields (rstCode, goawayCode, initiator). */
function spdyError(code, message, fields) {
  const err = new Error(message);
  err.code = code;
  if (fields) Object.assign(err, fields);
  return err;
}

/**
 * An expected error without a stack trace (capturing one costs tens of µs): for the
 * callbacks of writes a reset stream will never send, which churning clients cause by the
 * thousand.
 */
function quietError(code, message) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return spdyError(code, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Re-labels an error thrown by the wasm core (it carries `code` already). */
function fromCore(err) {
  if (err instanceof Error && typeof err.code === 'string') return err;
  return spdyError('ERR_SPDY_INTERNAL', String(err));
}

/**
 * True when the core no longer has the stream (the peer reset it, or the session ended)
 * while JavaScript has not yet been told: its reset or close event is already on its way,
 * so a command on it is moot rather than an error (as in node:http2, where a stream the
 * peer resets in the same read still takes respond() and write()).
 */
function goneInCore(err, stream) {
  return !stream.destroyed && !stream._goneFromCore
    && (err?.code === 'ERR_SPDY_UNKNOWN_STREAM' || err?.code === 'ERR_SPDY_SESSION_CLOSED');
}

module.exports = { spdyError, quietError, fromCore, goneInCore };
