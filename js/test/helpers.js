'use strict';
// Shared test helpers: bounded waits, loopback servers, body collection and an in-memory
// socket pair.

const { Duplex } = require('node:stream');
const { once } = require('node:events');

/** Resolves like `promise`, or rejects after `ms` naming what was awaited. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts `server` on 127.0.0.1 and an ephemeral port; resolves to the port. */
async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

/** Reads a readable stream to its end; resolves to one Buffer. */
async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The response headers of a client stream. */
function response(stream) {
  return new Promise((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('error', reject);
  });
}

/** Two connected in-memory Duplex sockets: what one writes, the other reads. */
function duplexPair() {
  const make = () => new Duplex({
    read() {
      const cb = this._peerReadWaiter;
      if (cb) {
        this._peerReadWaiter = null;
        cb();
      }
    },
    write(chunk, encoding, callback) {
      const ok = this._peer.push(chunk);
      if (ok) callback();
      else this._peer._peerReadWaiter = callback;
    },
    final(callback) {
      this._peer.push(null);
      callback();
    },
    destroy(err, callback) {
      if (!this._peer.destroyed) this._peer.destroy();
      callback(err);
    },
  });
  const a = make();
  const b = make();
  a._peer = b;
  b._peer = a;
  return [a, b];
}

module.exports = { within, listen, collect, response, duplexPair };
