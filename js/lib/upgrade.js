'use strict';
// The Kubernetes `Upgrade: SPDY/3.1` handshake (../shared/spec/KUBERNETES.md §2), both ways:
// HTTP/1.1 with `X-Stream-Protocol-Version` negotiation, then a SPDY session in kubernetes
// mode (raw streams, lenient flow control) on the upgraded socket. Bytes that arrived behind
// the HTTP head belong to SPDY and are the session's first input. Only the HTTP/1.1 part
// lives here; the SPDY protocol is the core's (src/net/upgrade.rs is the Rust twin).

const http = require('node:http');
const https = require('node:https');
const { ClientSession } = require('./client');
const { ServerSession } = require('./server');
const { spdyError } = require('./errors');
const { UPGRADE_TOKEN } = require('./constants');

/** The header carrying the sub-protocol negotiation. */
const PROTOCOL_HEADER = 'X-Stream-Protocol-Version';
/** The header listing a server's protocols in a 403. */
const ACCEPTED_HEADER = 'X-Accepted-Stream-Protocol-Versions';
/** Default bound on the whole client handshake, in ms. */
const HANDSHAKE_TIMEOUT = 30000;
/** Most bytes of a refusal's body kept for the error. */
const MAX_ERROR_BODY = 64 * 1024;

// --- shared helpers ----------------------------------------------------------------------

/** Every value of header `name` (case-insensitive) in a `rawHeaders` array, in order. */
function headerValues(rawHeaders, name) {
  const lower = name.toLowerCase();
  const values = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() === lower) values.push(rawHeaders[i + 1]);
  }
  return values;
}

/** Protocol header lines as one list: each line split on commas, trimmed, blanks dropped. */
function splitProtocols(lines) {
  return lines.flatMap((line) => String(line).split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** True when the joined values of `name` contain `token` (lower-cased substring test). */
function hasToken(rawHeaders, name, token) {
  return headerValues(rawHeaders, name).join(',').toLowerCase().includes(token);
}

/** Runs `Session` on an upgraded socket with `head` (bytes read past the HTTP head) first. */
function startSession(Session, socket, head, options) {
  socket.setNoDelay?.(true);
  socket.setTimeout?.(0);
  socket.pause();
  if (head && head.length > 0) socket.unshift(head);
  const session = new Session(socket, { ...options, mode: options.mode ?? 'kubernetes' });
  socket.resume();
  return session;
}

// --- server ------------------------------------------------------------------------------

/** Go's `%v` of a []string: `[a b c]`. */
function goList(list) {
  return `[${list.join(' ')}]`;
}

/** Go's canonical header key: `x-stream-protocol-version` -> `X-Stream-Protocol-Version`. */
function canonicalKey(name) {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (m, dash, c) => dash + c.toUpperCase());
}

/** The request headers as Go's net/http holds them (Host apart), keys in canonical form. */
function goHeader(rawHeaders) {
  const header = new Map();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = canonicalKey(rawHeaders[i]);
    if (key === 'Host') continue;
    if (!header.has(key)) header.set(key, []);
    header.get(key).push(rawHeaders[i + 1]);
  }
  return header;
}

/** Go's `%#v` of an http.Header (keys sorted, as fmt prints maps; JSON string quoting). */
function goHeaderSyntax(header) {
  const keys = [...header.keys()].sort();
  const entries = keys.map((k) =>
    `${JSON.stringify(k)}:[]string{${header.get(k).map((v) => JSON.stringify(v)).join(', ')}}`);
  return `http.Header{${entries.join(', ')}}`;
}

/**
 * The kubelet's decision on an upgrade request's header lines (`req.rawHeaders`):
 * `{protocol}` (empty when `supported` is empty and the client offered nothing), or a
 * refusal `{status, message, headers}`. The first client protocol `supported` has wins.
 */
function negotiate(rawHeaders, supported = []) {
  if (!hasToken(rawHeaders, 'connection', 'upgrade')
    || !hasToken(rawHeaders, 'upgrade', 'spdy/3.1')) {
    const dump = goHeaderSyntax(goHeader(rawHeaders));
    return { status: 400, message: `unable to upgrade: missing upgrade headers in request: ${dump}` };
  }
  const offered = splitProtocols(headerValues(rawHeaders, PROTOCOL_HEADER));
  if (supported.length === 0) return { protocol: offered[0] ?? '' };
  if (offered.length === 0) {
    const count = goHeader(rawHeaders).size;
    return {
      status: 400,
      message: `unable to upgrade: header ${PROTOCOL_HEADER} does not exist in request with ${count} headers`,
    };
  }
  const protocol = offered.find((p) => supported.includes(p));
  if (protocol !== undefined) return { protocol };
  return {
    status: 403,
    headers: supported.map((p) => [ACCEPTED_HEADER, p]),
    message: 'unable to upgrade: unable to negotiate protocol: '
      + `client supports ${goList(offered)}, server accepts ${goList(supported)}`,
  };
}

/** Answers an HTTP error as Go's http.Error does (text body plus newline) and closes. */
function refuse(socket, { status, message, headers = [] }) {
  const body = Buffer.from(`${message}\n`);
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\n`
    + 'Content-Type: text/plain; charset=utf-8\r\n'
    + 'X-Content-Type-Options: nosniff\r\n';
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  head += `Date: ${new Date().toUTCString()}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  socket.on('error', () => {}); // a peer gone before reading its refusal changes nothing
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
  setTimeout(() => socket.destroy(), 5000).unref();
}

/**
 * Server side, for an http.Server's `'upgrade'` event: negotiates the protocol among
 * `options.protocols` (the server's, any order; empty accepts the client's first), answers
 * 101 and returns a ServerSession in kubernetes mode that sends nothing before the client's
 * first frame, with `session.protocol` the chosen protocol. A refused request is answered
 * (400 or 403, the kubelet's texts) and null is returned. Other options are session options.
 */
function accept(req, socket, head, options = {}) {
  const { protocols = [], ...sessionOptions } = options;
  const decision = negotiate(req.rawHeaders, protocols);
  if (decision.status) {
    refuse(socket, decision);
    return null;
  }
  let response = `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${UPGRADE_TOKEN}\r\n`;
  if (decision.protocol) response += `${PROTOCOL_HEADER}: ${decision.protocol}\r\n`;
  socket.write(`${response}\r\n`);
  const session = startSession(ServerSession, socket, head,
    { ...sessionOptions, sendSettingsAtStart: false });
  session.protocol = decision.protocol;
  return session;
}

/**
 * Listens for upgrades on `server` (an http or https Server): each accepted one gives
 * `onSession(session, req)`. Returns the listener (for `server.off('upgrade', …)`).
 */
function handleUpgrade(server, options, onSession) {
  const listener = (req, socket, head) => {
    const session = accept(req, socket, head, options);
    if (session) onSession(session, req);
  };
  server.on('upgrade', listener);
  return listener;
}

// --- client ------------------------------------------------------------------------------

/** The message of a refusal's body: a JSON metav1.Status's `message`, else the text. */
function refusalMessage(body) {
  const text = body.trim();
  try {
    const status = JSON.parse(text);
    if (status && typeof status.message === 'string') return { message: status.message, status };
  } catch {
    // Not JSON: the text is the message.
  }
  return { message: text };
}

/** The error for a non-101 answer, its body read (up to 64 KiB). */
function refusedError(res, body) {
  const { message, status } = refusalMessage(body);
  return spdyError('ERR_SPDY_UPGRADE_REFUSED',
    `upgrade refused with ${res.statusCode}: ${message || res.statusMessage}`, {
      statusCode: res.statusCode,
      headers: res.headers,
      body,
      status,
      acceptedProtocols: splitProtocols(headerValues(res.rawHeaders, ACCEPTED_HEADER)),
    });
}

/** Reads a refusal's body and rejects with it. */
function rejectRefused(res, reject) {
  const chunks = [];
  let size = 0;
  res.on('data', (chunk) => {
    if (size < MAX_ERROR_BODY) chunks.push(chunk);
    size += chunk.length;
  });
  res.on('end', () => {
    const body = Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY).toString('utf8');
    reject(refusedError(res, body));
  });
  res.on('error', () => reject(refusedError(res, Buffer.concat(chunks).toString('utf8'))));
}

/** The error for a 101 that does not switch to SPDY/3.1. */
function notSpdySwitch(res) {
  const upgrade = headerValues(res.rawHeaders, 'upgrade').join(', ') || 'none';
  return spdyError('ERR_SPDY_UPGRADE_REFUSED',
    `the server answered 101 without Connection: Upgrade and Upgrade: ${UPGRADE_TOKEN} (Upgrade: ${upgrade})`,
    { statusCode: res.statusCode, headers: res.headers, body: '', acceptedProtocols: [] });
}

/** What is wrong with a 101 for SPDY (`error` null if nothing), and the protocol it chose. */
function checkSwitch(res, offered) {
  const raw = res.rawHeaders;
  const protocol = (headerValues(raw, PROTOCOL_HEADER)[0] ?? '').trim();
  if (res.statusCode !== 101 || !hasToken(raw, 'connection', 'upgrade')
    || !hasToken(raw, 'upgrade', 'spdy/3.1')) {
    return { error: notSpdySwitch(res), protocol };
  }
  if (protocol && offered.length > 0 && !offered.includes(protocol)) {
    return {
      error: spdyError('ERR_SPDY_UPGRADE_PROTOCOL',
        `the server chose ${PROTOCOL_HEADER} ${protocol}, not offered`, { statusCode: 101 }),
      protocol,
    };
  }
  return { error: null, protocol };
}

/** The HTTP request of the handshake (not yet ended); other options go to http(s).request. */
function upgradeRequest(target, options) {
  // handshakeTimeout is ours: kept out of the http(s).request options.
  const { protocols = [], headers = {}, method = 'POST', handshakeTimeout, ...rest } = options;
  const transport = target.protocol === 'https:' ? https : http;
  return transport.request(target, {
    ...rest,
    method,
    agent: false,
    headers: {
      ...headers,
      Connection: 'Upgrade',
      Upgrade: UPGRADE_TOKEN,
      [PROTOCOL_HEADER]: protocols,
    },
  });
}

/** Runs the client handshake; settles through `resolve` / `reject` exactly once. */
function handshake(target, options, resolve, reject) {
  const offered = splitProtocols(options.protocols || []);
  const req = upgradeRequest(target, options);
  let settled = false;
  const timer = setTimeout(() => {
    req.destroy(spdyError('ERR_SPDY_UPGRADE_TIMEOUT',
      `no upgrade within ${options.handshakeTimeout ?? HANDSHAKE_TIMEOUT} ms`));
  }, options.handshakeTimeout ?? HANDSHAKE_TIMEOUT);
  const settle = (fn) => (value) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    fn(value);
  };
  const ok = settle(resolve);
  const fail = settle(reject);
  req.on('error', fail);
  req.on('response', (res) => {
    // Node gives a 101 without the upgrade headers as a plain response.
    if (res.statusCode !== 101) {
      rejectRefused(res, fail);
      return;
    }
    fail(notSpdySwitch(res));
    req.destroy();
  });
  req.on('upgrade', (res, socket, head) => {
    const { error, protocol } = checkSwitch(res, offered);
    if (error || settled) {
      socket.destroy();
      fail(error);
      return;
    }
    const session = startSession(ClientSession, socket, head, options);
    session.protocol = protocol;
    ok({ session, protocol, response: res });
  });
  req.end();
}

/**
 * Client side: `POST url` (http: or https:) with `Connection: Upgrade`, `Upgrade: SPDY/3.1`
 * and one `X-Stream-Protocol-Version` line per entry of `options.protocols` (most preferred
 * first), then a ClientSession in kubernetes mode on the upgraded socket. Resolves to
 * `{session, protocol, response}`; `callback(err, result)` if given.
 *
 * Options: `protocols`, `headers` (extra request headers), `method` (default POST),
 * `handshakeTimeout` (ms, default 30 s), TLS options and `createConnection` as for
 * https.request, and session options (lib/options.js; `mode` defaults to 'kubernetes').
 * Errors carry `.code`: ERR_SPDY_UPGRADE_REFUSED (a non-101 answer: `.statusCode`, `.body`,
 * `.status` when the body was a JSON Status, `.acceptedProtocols` from a 403),
 * ERR_SPDY_UPGRADE_PROTOCOL (a protocol that was not offered), ERR_SPDY_UPGRADE_TIMEOUT.
 */
function connect(url, options = {}, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  const target = url instanceof URL ? url : new URL(url);
  const promise = new Promise((resolve, reject) => handshake(target, options, resolve, reject));
  if (callback) {
    promise.then((result) => process.nextTick(callback, null, result),
      (err) => process.nextTick(callback, err));
  }
  return promise;
}

module.exports = {
  connect,
  accept,
  handleUpgrade,
  negotiate,
  PROTOCOL_HEADER,
  ACCEPTED_HEADER,
};
