'use strict'
// spdy-transport 3.0.0 as a SPDY/3.1 client on loopback, plain TCP, for
// tests/interop_spdy_transport.rs. Runs one scenario against the routes of server.js (which
// the Rust server in the test file also serves), prints what it saw, and exits.
//
//   node client.js <port> <scenario> [--len N] [--n N] [--window BYTES] [--timeout MS]
//
// Scenarios: get, post-echo, echo-stream, range, push, reset-by-server, reset-by-client,
// concurrent. Output: result lines (see each scenario), then `DONE`; exit status 0. Any
// unexpected event prints `FAIL <why>` and exits 1; the timeout (default 30 000 ms) exits 3,
// and so does end of stdin with 4 (by hand: `node client.js PORT get < <(sleep 60)`).

const net = require('net')
const { pattern, mismatch, options, connection, bound } = require('./common')

const opts = options(process.argv.slice(2))
const port = Number(opts._[0])
const scenario = opts._[1]
const authority = `127.0.0.1:${port}`

bound(Number(opts.timeout || 30000), `client.js ${scenario}`)

function fail (why) {
  console.log(`FAIL ${why}`)
  process.exit(1)
}

const socket = net.connect(port, '127.0.0.1')
const conn = connection(socket, false, Number(opts.window || 0))
const rstCodes = {}
conn.on('frame', (frame) => {
  if (frame.type === 'RST') rstCodes[frame.id] = frame.code
})
conn.on('error', (err) => fail(`connection error: ${err.message}`))

function done () {
  console.log('DONE')
  // GOAWAY(OK), then exit once the connection has closed (or shortly after).
  conn.end(() => process.exit(0))
  setTimeout(() => process.exit(0), 500).unref()
}

// Sends a request; calls back with (status, headers, body Buffer) at the end of the body.
function request (method, path, headers, body, cb) {
  const stream = conn.request({ method, path, host: authority, headers }, (err) => {
    if (err) fail(`request ${path}: ${err.message}`)
  })
  let response = null
  const chunks = []
  stream.on('error', (err) => fail(`stream ${path}: ${err.message}`))
  stream.on('response', (status, h) => { response = { status, h } })
  stream.on('data', (c) => chunks.push(c))
  stream.on('end', () => {
    if (!response) return fail(`no response for ${path}`)
    cb(response.status, response.h, Buffer.concat(chunks))
  })
  if (body) stream.end(body)
  else if (method !== 'GET') stream.end()
  return stream
}

// The non-pseudo headers, sorted, as `name=value` joined with spaces.
function show (h, names) {
  return names.map((n) => `${n}=${h[n] === undefined ? '<none>' : h[n]}`).join(' ')
}

const scenarios = {
  // An X_FORWARDED_FOR frame (type 0xF000, unknown to SPDY/3.1) first, then GET /hello.
  get () {
    conn.sendXForwardedFor('192.0.2.1')
    request('GET', '/hello', { 'x-test': 'from spdy-transport' }, null, (status, h, body) => {
      console.log(`RESPONSE status=${status} ${show(h, ['content-type', 'x-peer',
        'x-echo-method', 'x-echo-authority', 'x-echo-scheme', 'x-echo-test'])}`)
      console.log(`BODY ${body.toString()}`)
      done()
    })
  },

  'post-echo' () {
    const len = Number(opts.len)
    const body = pattern(len, 1)
    request('POST', '/echo', { 'content-length': String(len) }, body, (status, h, got) => {
      console.log(`ECHO status=${status} x-len=${h['x-len']} len=${got.length} ` +
        `mismatch=${mismatch(got, 1)}`)
      done()
    })
  },

  // Writes and reads at once: the Rust server echoes as the data arrives.
  'echo-stream' () {
    const len = Number(opts.len)
    request('POST', '/echo-stream', {}, pattern(len, 2), (status, h, got) => {
      console.log(`ECHO-STREAM status=${status} len=${got.length} mismatch=${mismatch(got, 2)}`)
      done()
    })
  },

  range () {
    request('GET', '/range', { range: 'bytes=1000-2999' }, null, (status, h, got) => {
      console.log(`RANGE status=${status} ${show(h, ['content-range', 'content-length'])} ` +
        `len=${got.length} mismatch=${mismatch(got, 7, 1000)}`)
      done()
    })
  },

  push () {
    let pending = 2
    const finish = () => { if (--pending === 0) done() }
    const stream = request('GET', '/push', {}, null, (status, h, body) => {
      console.log(`RESPONSE status=${status} body=${body.toString()}`)
      finish()
    })
    stream.on('pushPromise', (push) => {
      const chunks = []
      let response = null
      push.on('error', (err) => fail(`push: ${err.message}`))
      push.on('response', (status, h) => { response = { status, h } })
      push.on('data', (c) => chunks.push(c))
      push.on('end', () => {
        if (!response) return fail('push without :status')
        console.log(`PUSH path=${push.path} method=${push.method} ` +
          `status=${response.status} content-type=${push.headers['content-type']} ` +
          `body=${Buffer.concat(chunks).toString()}`)
        finish()
      })
    })
  },

  // The server sends 65 536 bytes; we answer "now"; the server resets the stream.
  'reset-by-server' () {
    const stream = conn.request({ method: 'POST', path: '/reset-me', host: authority, headers: {} })
    const chunks = []
    let received = 0
    let status = null
    stream.on('response', (s) => { status = s })
    stream.on('data', (c) => {
      chunks.push(c)
      received += c.length
      if (received === 65536) stream.write('now')
    })
    stream.on('error', () => {}) // "Got RST: …"; the code is read from the frame
    stream.on('close', () => {
      const got = Buffer.concat(chunks)
      console.log(`RESET status=${status} code=${rstCodes[stream.id] || 'none'} ` +
        `received=${got.length} mismatch=${mismatch(got, 3)}`)
      done()
    })
  },

  // We upload 32 768 bytes, wait for the server's "ACK", reset (CANCEL), then check that
  // the connection still serves requests.
  'reset-by-client' () {
    const stream = conn.request({ method: 'POST', path: '/upload-reset', host: authority, headers: {} })
    stream.on('error', (err) => fail(`upload-reset: ${err.message}`))
    stream.write(pattern(32768, 4))
    stream.on('data', (c) => {
      console.log(`ABORTING ack=${c.toString()}`)
      stream.abort()
      request('GET', '/hello', {}, null, (status, h, body) => {
        console.log(`AFTER status=${status} body=${body.toString()}`)
        done()
      })
    })
  },

  // n GETs at once; the server holds every answer until all n are open.
  concurrent () {
    const n = Number(opts.n || 100)
    let ok = 0
    let left = n
    for (let i = 0; i < n; i++) {
      request('GET', `/many/${i}`, { 'x-barrier': String(n) }, null, (status, h, body) => {
        if (status === 200 && h['x-index'] === String(i) && body.length === 16384 &&
            mismatch(body, i & 0xff) === -1) {
          ok++
        } else {
          console.log(`BAD /many/${i} status=${status} len=${body.length}`)
        }
        if (--left === 0) {
          console.log(`CONCURRENT ok=${ok}`)
          done()
        }
      })
    }
  }
}

if (!scenarios[scenario]) fail(`unknown scenario ${scenario}`)
socket.on('connect', () => scenarios[scenario]())
