'use strict'
// spdy-transport 3.0.0 as a SPDY/3.1 server on loopback, plain TCP, for
// tests/interop_spdy_transport.rs.
//
//   node server.js [--port 0] [--window BYTES] [--timeout MS]
//
// Prints `LISTENING <port>` when ready, then one line per notable event (`RESET_SEEN ...`,
// `RESET_SENT ...`, `ERROR ...`). Exits after --timeout ms (default 60 000) or when stdin
// closes (by hand: `node server.js < <(sleep 600)`). Routes (the Rust server in the test
// file serves the same ones):
//
//   GET  /hello          200, body "hello from spdy-transport", x-echo-* request details
//   POST /echo           buffers the body, then 200 with x-len and the body
//   POST /echo-stream    200 at once, then streams the body back as it arrives
//   GET  /range          pattern(1 MiB, 7); `range: bytes=a-b` gives 206 and that slice
//   GET  /push           pushes /pushed.css (200, text/css, "pushed body"), then 200 "main page"
//   POST /reset-me       200, 65 536 bytes of pattern(·, 3); resets INTERNAL_ERROR on any data
//   POST /upload-reset   200; "ACK <n>" once 32 768 bytes arrived; reports the client's reset
//   GET  /many/<i>       held until <x-barrier> (100) are pending, then 200 pattern(16 KiB, i)

const net = require('net')
const { pattern, options, connection, bound } = require('./common')

const opts = options(process.argv.slice(2))
const RESOURCE = pattern(1 << 20, 7)
const many = []

bound(Number(opts.timeout || 60000), 'server.js')

const server = net.createServer((socket) => {
  const conn = connection(socket, true, Number(opts.window || 0))
  const rstCodes = {}
  conn.on('frame', (frame) => {
    if (frame.type === 'RST') rstCodes[frame.id] = frame.code
  })
  conn.on('error', (err) => console.log(`ERROR connection ${err.message}`))
  conn.on('stream', (stream) => {
    stream.on('error', () => {}) // resets are reported through rstCodes
    try {
      route(stream, rstCodes)
    } catch (err) {
      console.log(`ERROR route ${stream.path}: ${err.stack}`)
      stream.abort('INTERNAL_ERROR')
    }
  })
})

function route (stream, rstCodes) {
  const h = stream.headers
  const method = stream.method
  const path = stream.path
  if (method === 'GET' && path === '/hello') {
    stream.resume()
    stream.respond(200, {
      'content-type': 'text/plain',
      'x-peer': 'spdy-transport',
      'x-echo-method': method,
      'x-echo-authority': h[':authority'],
      'x-echo-scheme': h[':scheme'],
      'x-echo-test': h['x-test'] || ''
    })
    stream.end('hello from spdy-transport')
  } else if (method === 'POST' && path === '/echo') {
    const chunks = []
    stream.on('data', (c) => chunks.push(c))
    stream.on('end', () => {
      const body = Buffer.concat(chunks)
      stream.respond(200, { 'x-len': String(body.length) })
      stream.end(body)
    })
  } else if (method === 'POST' && path === '/echo-stream') {
    stream.respond(200, { 'content-type': 'application/octet-stream' })
    stream.pipe(stream)
  } else if (method === 'GET' && path === '/range') {
    stream.resume()
    const m = /^bytes=(\d+)-(\d+)$/.exec(h.range || '')
    if (m) {
      const first = Number(m[1])
      const last = Math.min(Number(m[2]), RESOURCE.length - 1)
      stream.respond(206, {
        'content-range': `bytes ${first}-${last}/${RESOURCE.length}`,
        'content-length': String(last - first + 1)
      })
      stream.end(RESOURCE.subarray(first, last + 1))
    } else {
      stream.respond(200, { 'content-length': String(RESOURCE.length) })
      stream.end(RESOURCE)
    }
  } else if (method === 'GET' && path === '/push') {
    stream.resume()
    stream.pushPromise({
      path: '/pushed.css',
      method: 'GET',
      host: h[':authority'],
      status: 200,
      headers: { accept: 'text/css' },
      response: { 'content-type': 'text/css' }
    }, (err, push) => {
      if (err) {
        console.log(`ERROR push ${err.message}`)
        return
      }
      push.on('error', () => {})
      push.end('pushed body')
      stream.respond(200, { 'content-type': 'text/html' })
      stream.end('main page')
    })
  } else if (method === 'POST' && path === '/reset-me') {
    stream.respond(200, {})
    stream.write(pattern(65536, 3))
    stream.once('data', () => {
      stream.abort('INTERNAL_ERROR')
      console.log(`RESET_SENT ${path} code=INTERNAL_ERROR`)
    })
  } else if (method === 'POST' && path === '/upload-reset') {
    let received = 0
    let acked = false
    stream.respond(200, {})
    stream.on('data', (c) => {
      received += c.length
      if (!acked && received >= 32768) {
        acked = true
        stream.write(`ACK ${received}`)
      }
    })
    stream.on('close', () => {
      const code = rstCodes[stream.id] || 'none'
      console.log(`RESET_SEEN ${path} code=${code} received=${received}`)
    })
  } else if (method === 'GET' && path.startsWith('/many/')) {
    stream.resume()
    const barrier = Number(h['x-barrier'] || 100)
    many.push(stream)
    if (many.length >= barrier) {
      for (const s of many.splice(0)) {
        const i = Number(s.path.slice('/many/'.length))
        s.respond(200, { 'x-index': String(i) })
        s.end(pattern(16384, i & 0xff))
      }
    }
  } else {
    stream.resume()
    stream.respond(404, {})
    stream.end()
  }
}

server.listen(Number(opts.port || 0), '127.0.0.1', () => {
  console.log(`LISTENING ${server.address().port}`)
})
