// ES-module entry: the same objects as the CommonJS entry.
import spdy3 from './index.js';

export const {
  connect, createServer, createSecureServer, constants, upgrade, SpdySession, ClientSession,
  ServerSession, SpdyStream, ClientStream, ServerStream, SpdyServer, SecureSpdyServer,
} = spdy3;
export default spdy3;
