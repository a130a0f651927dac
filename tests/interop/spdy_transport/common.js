'use strict'
// Shared by server.js and client.js: the spdy-transport connection setup, the deterministic
// body pattern (the same function as `pattern` in tests/interop_spdy_transport.rs), and the
// bounded-runtime guard.

const transport = require('spdy-transport')

// Byte i of pattern(n, seed) is (i * 31 + seed) mod 256.
function pattern (n, seed) {
  const b = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

// The offset of the first byte where `buf` differs from pattern(buf.length, seed) at
// `offset`, or -1.
function mismatch (buf, seed, offset = 0) {
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] !== (((offset + i) * 31 + seed) & 0xff)) return offset + i
  }
  return -1
}

// `--name value` options after the positional arguments.
function options (argv) {
  const out = { _: [] }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[++i]
    else out._.push(argv[i])
  }
  return out
}

// A SPDY/3.1 connection over `socket` with spdy-transport's own API (node-spdy's HTTP layer
// does not run on Node >= 15). `windowSize` is spdy-transport's receive window for the
// session and for each stream; it must be at least 64 KiB, or spdy-transport sends a
// WINDOW_UPDATE(0) with a negative delta.
function connection (socket, isServer, windowSize) {
  const conn = transport.connection.create(socket, {
    protocol: 'spdy',
    isServer,
    windowSize: windowSize || undefined
  })
  conn.start(3.1)
  return conn
}

// Exits with status 3 after `ms`, and at once when the parent closes our stdin (the test
// died without killing us).
function bound (ms, what) {
  setTimeout(() => {
    console.log(`FAIL timeout after ${ms} ms in ${what}`)
    process.exit(3)
  }, ms).unref()
  process.stdin.on('data', () => {})
  process.stdin.on('end', () => process.exit(4))
  process.stdin.on('error', () => process.exit(4))
}

module.exports = { pattern, mismatch, options, connection, bound }
