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

module.exports = { spdyError, quietError, fromCore };
