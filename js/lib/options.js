'use strict';
// Session options: what the JavaScript API accepts and what the core is given (its names
// are read by src/wasm/convert.rs). Every limit has the core's default, documented on
// `Config` in src/session/config.rs:
//
//   mode                 'http' (default) or 'kubernetes' (raw streams, lenient flow control,
//                        a server silent until the client's first frame)
//   http                 apply HTTP rules to headers (default true; false in kubernetes mode)
//   flowControl          'spdy/3.1' (default), 'spdy/3' or 'lenient' (peers that ignore windows)
//   settings             { initialWindowSize, maxConcurrentStreams } we grant the peer
//                        (also accepted at the top level); defaults 64 KiB and 256
//   maxStreamWindow      how far a stream's window grows for a reader that keeps up
//                        (default 16 MiB)
//   sessionWindowSize    session receive window (default 4 MiB)
//   maxSessionWindow     how far it grows for an application that keeps up (default 16 MiB)
//   maxSendBuffer        bytes accepted ahead of the socket per session (default 2 MiB)
//   maxStreamSendBuffer  the most of it one stream may hold (default 512 KiB)
//   maxDataFrame         largest DATA frame we send while other streams wait to send
//                        (default 16 KiB)
//   maxDataFrameAlone    largest DATA frame we send while no other stream waits
//                        (default 64 KiB)
//   maxBuffered          unread bytes before input pauses, lenient mode (default 4 MiB)
//   maxHeldBlocks        input blocks that unread DATA payloads kept without a copy may
//                        pin; payloads of further blocks are copied (default 16)
//   maxHeaderListSize    largest inflated header block kept (default 64 KiB)
//   maxInflatedHeaderSize  inflation size that ends the session: zlib bomb (default 1 MiB)
//   maxHeaderPairs       most headers in a block (default 1024)
//   maxControlFrame      largest control frame accepted (default 64 KiB)
//   compressionLevel     zlib level of our header blocks, 0–9 (default 6)
//   enablePush           accept server pushes, client only (default true)
//   maxOutstandingPings  (default 8)
//   timeouts             { idle, keepalive, ping, reply, goawayDrain, firstFrame,
//                          frameCompletion } in ms; 0 or false turns one off
//   floodLimits          { ping, settings, reset, emptyData, windowUpdate, unknown }:
//                        each { max, perMs }
//   scheme, authority    filled into requests that lack them (set by connect())

const PASSED = ['mode', 'http', 'flowControl', 'sessionWindowSize', 'maxSessionWindow', 'maxStreamWindow', 'maxSendBuffer',
  'maxStreamSendBuffer',
  'maxDataFrame', 'maxDataFrameAlone', 'maxBuffered', 'maxHeldBlocks', 'maxHeaderListSize', 'maxInflatedHeaderSize',
  'maxHeaderPairs', 'maxControlFrame', 'compressionLevel', 'enablePush',
  'maxOutstandingPings', 'timeouts', 'floodLimits', 'scheme', 'authority',
  'sendSettingsAtStart'];

/** The options object handed to the core. */
function coreOptions(options = {}) {
  const core = {};
  for (const name of PASSED) if (options[name] !== undefined) core[name] = options[name];
  const settings = { ...options, ...(options.settings || {}) };
  if (settings.initialWindowSize !== undefined) core.initialWindowSize = settings.initialWindowSize;
  if (settings.maxConcurrentStreams !== undefined) {
    core.maxConcurrentStreams = settings.maxConcurrentStreams;
  }
  if (options.enablePush === undefined && settings.enablePush !== undefined) {
    core.enablePush = settings.enablePush;
  }
  return core;
}

module.exports = { coreOptions };
