// The package's own cost per GiB on its two data paths, without sockets or the kernel: a
// loopback run on a shared 2-vCPU machine moves by ±25 % from run to run, which hides
// changes of a few percent; these paths in one process move far less. Not a test.
//
//   node bench/paths.mjs [--path receive|send|both] [--streams N] [--rounds N]
//                        [--variant DIR]
//
// receive: a server session's output for N streams × (256 MiB / N), recorded once, is
//   replayed into a fresh client session over an in-memory socket in 256 KiB reads, each
//   the next quarter of a 1 MiB slab (what the client's socket reads deliver,
//   lib/reads.js), every stream read in flowing mode. CPU of the replay.
// send:    a server session on an in-memory socket whose writes complete at once (a socket
//   with room) writes 512 MiB on one stream in 64 KiB writes. CPU of the writes.
//
// Both run with flow control 'lenient' so that no WINDOW_UPDATE has to come back. Each
// path runs `rounds` times (3 warm-up rounds first) and reports the median CPU seconds
// (user + system) per GiB. --variant DIR measures the spdy3 package in DIR the same way,
// alternating rounds with this one, for an A/B of two builds.

import { Duplex } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { median, MiB, GiB } from './common.mjs';

const require = createRequire(import.meta.url);
const { slabReads } = require('../lib/reads.js');
const WRITE = 64 * 1024;

function args(argv) {
  const o = { path: 'both', streams: 1, rounds: 7, variant: null };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i];
    if (argv[i] === '--path') o.path = value();
    else if (argv[i] === '--streams') o.streams = Number(value());
    else if (argv[i] === '--rounds') o.rounds = Number(value());
    else if (argv[i] === '--variant') o.variant = value();
    else throw new Error(`unknown option ${argv[i]} (see the head of bench/paths.mjs)`);
  }
  return o;
}

/** An in-memory socket: writes go to `onWrite` and complete at once. */
function memorySocket(onWrite) {
  return new Duplex({
    read() {},
    write(chunk, encoding, callback) { onWrite(chunk); callback(); },
    writev(entries, callback) { for (const e of entries) onWrite(e.chunk); callback(); },
  });
}

const LENIENT = { flowControl: 'lenient' };

/** Writes `total` bytes to `stream` in WRITE-byte chunks; resolves when all are accepted. */
function pump(stream, total) {
  const body = Buffer.alloc(WRITE, 7);
  return new Promise((resolve) => {
    let written = 0;
    const step = () => {
      while (written < total) {
        written += WRITE;
        if (!stream.write(body)) return stream.once('drain', step);
      }
      stream.end(resolve);
    };
    step();
  });
}

/** The bytes a server session sends for `streams` requests of `total / streams` each. */
async function recordServerOutput(spdy3, streams, total) {
  const toClient = [];
  const serverSocket = memorySocket((c) => toClient.push(Buffer.from(c)));
  const clientSocket = memorySocket((c) => serverSocket.push(Buffer.from(c)));
  const server = new spdy3.ServerSession(serverSocket, LENIENT);
  const client = spdy3.connect('http://bench.test', { socket: clientSocket, ...LENIENT });
  let finished = 0;
  const done = new Promise((resolve) => server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    pump(stream, total / streams).then(() => { if (++finished === streams) resolve(); });
  }));
  for (let i = 0; i < streams; i++) client.request({ ':path': `/${i}` }, { endStream: true });
  await done;
  for (let i = 0; i < 10; i++) await tick();
  client.destroy();
  server.destroy();
  return Buffer.concat(toClient);
}

/**
 * `wire` cut into reads as a client socket of the package delivers them: through
 * lib/reads.js, each the next region of a slab (never a slice of one huge buffer, which a
 * reader's views must not pin, so its payloads would be copied).
 */
function replayReads(wire) {
  const reads = [];
  const slabs = slabReads();
  slabs.attach((chunk) => reads.push(chunk));
  for (let from = 0; from < wire.length;) {
    const region = slabs.onread.buffer();
    const n = wire.copy(region, 0, from, from + region.length);
    slabs.onread.callback(n, region);
    from += n;
  }
  return reads;
}

/** One receive round: CPU seconds per GiB to take `reads` in as a client. */
async function receiveRound(spdy3, reads, streams) {
  const socket = memorySocket(() => {});
  const session = spdy3.connect('http://bench.test', { socket, ...LENIENT });
  let bytes = 0;
  const ends = Array.from({ length: streams }, (_, i) => {
    const req = session.request({ ':path': `/${i}` }, { endStream: true });
    req.on('data', (chunk) => { bytes += chunk.length; });
    return new Promise((resolve) => req.on('end', resolve));
  });
  await tick();
  const before = process.cpuUsage();
  for (let i = 0; i < reads.length; i++) {
    socket.push(reads[i]);
    if (i % 8 === 7) await tick(); // let drains and timers run, as a socket's reads would
  }
  await Promise.all(ends);
  const used = process.cpuUsage(before);
  session.destroy();
  return (used.user + used.system) / 1e6 / (bytes / GiB);
}

/** One send round: CPU seconds per GiB for a server to write `total` bytes on one stream. */
async function sendRound(spdy3, request, total) {
  let sent = 0;
  const socket = memorySocket((c) => { sent += c.length; });
  const server = new spdy3.ServerSession(socket, LENIENT);
  let before;
  const done = new Promise((resolve) => server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    before = process.cpuUsage();
    pump(stream, total).then(resolve);
  }));
  for (const b of request) socket.push(b);
  await done;
  const used = process.cpuUsage(before);
  server.destroy();
  if (sent < total) throw new Error(`only ${sent} of ${total} bytes left the session`);
  return (used.user + used.system) / 1e6 / (total / GiB);
}

/** A client's first bytes: SETTINGS and one request. */
async function recordRequest(spdy3) {
  const bytes = [];
  const socket = memorySocket((c) => bytes.push(Buffer.from(c)));
  const client = spdy3.connect('http://bench.test', { socket, ...LENIENT });
  client.request({ ':path': '/' }, { endStream: true });
  for (let i = 0; i < 5; i++) await tick();
  client.destroy();
  return bytes;
}

async function main() {
  const o = args(process.argv.slice(2));
  const builds = [['spdy3', require('../index.js')]];
  if (o.variant) builds.push([o.variant, require(o.variant)]);
  const paths = o.path === 'both' ? ['receive', 'send'] : [o.path];
  for (const path of paths) {
    const inputs = new Map();
    for (const [name, spdy3] of builds) {
      if (path === 'receive') {
        const wire = await recordServerOutput(spdy3, o.streams, 256 * MiB);
        inputs.set(name, replayReads(wire));
      } else {
        inputs.set(name, await recordRequest(spdy3));
      }
    }
    const results = new Map(builds.map(([name]) => [name, []]));
    for (let round = 0; round < 3 + o.rounds; round++) {
      for (const [name, spdy3] of builds) {
        const cpu = path === 'receive'
          ? await receiveRound(spdy3, inputs.get(name), o.streams)
          : await sendRound(spdy3, inputs.get(name), 512 * MiB);
        if (round >= 3) results.get(name).push(cpu);
      }
    }
    for (const [name, cpu] of results) {
      const sorted = [...cpu].sort((a, b) => a - b);
      const what = path === 'receive' ? `receive, ${o.streams} stream(s)` : 'send, 1 stream';
      console.log(`${what}: ${name}: CPU s/GiB median ${median(cpu).toFixed(3)}`
        + ` (${sorted[0].toFixed(3)}–${sorted[sorted.length - 1].toFixed(3)}, ${cpu.length} rounds)`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
