'use strict';
// spdy3: SPDY/3.1 for Node.js, with an API after node:http2. The protocol runs in the
// WebAssembly core (the Rust crate spdy3); this package carries bytes and exposes streams.

const { connect, ClientSession, ClientStream } = require('./lib/client');
const { createServer, createSecureServer, SpdyServer, SecureSpdyServer, ServerSession } = require('./lib/server');
const { SpdySession } = require('./lib/session');
const { SpdyStream } = require('./lib/stream');
const { ServerStream } = require('./lib/server_stream');
const constants = require('./lib/constants');

module.exports = {
  connect,
  createServer,
  createSecureServer,
  constants,
  SpdySession,
  ClientSession,
  ServerSession,
  SpdyStream,
  ClientStream,
  ServerStream,
  SpdyServer,
  SecureSpdyServer,
};
module.exports.upgrade = require('./lib/upgrade');
