// Shared by the benchmark's processes: the body pattern every server sends, the check the
// clients apply to it, and the servers' write loop.

/** Servers write bodies in chunks of this size (and Node streams' high-water mark is 64 KiB). */
export const CHUNK = 64 * 1024;
/** Size of a request/response body (case 3). */
export const SMALL = 1024;
/** Raw net: the request size that asks for an endless body (case 4). */
export const ENDLESS = 0xffffffff;

const SEED = 7;

/** Byte i of a body is (i * 31 + SEED) mod 256; CHUNK is a multiple of 256, so one chunk repeats. */
export function pattern(n) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + SEED) & 0xff;
  return b;
}

const BODY = pattern(CHUNK);

/**
 * Whether `chunk`, found at byte `offset` of a body, is what the server sent: every byte
 * when `full` (warm-up), else its first and last byte (measured runs, nearly free).
 */
export function bodyOk(chunk, offset, full) {
  const at = (i) => ((offset + i) * 31 + SEED) & 0xff;
  if (!full) return chunk[0] === at(0) && chunk[chunk.length - 1] === at(chunk.length - 1);
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== at(i)) return false;
  return true;
}

let pumped = 0;

/** Body bytes this process has handed to writers so far. */
export const bodyBytesWritten = () => pumped;

/**
 * Writes `total` bytes of the pattern (Infinity: until the writer closes) to `w` in CHUNK
 * writes, waiting for 'drain' whenever write() returns false. `last(chunk)` writes the final
 * chunk (by default `w.end(chunk)`).
 */
export function pump(w, total, last = (chunk) => w.end(chunk)) {
  // Every byte handed to a writer counts, whether or not it reaches the client.
  let sent = 0;
  let stopped = false;
  const stop = () => { stopped = true; };
  w.once('close', stop);
  w.once('error', stop);
  const step = () => {
    while (!stopped && !w.destroyed) {
      const n = Math.min(CHUNK, total - sent);
      const chunk = n === CHUNK ? BODY : BODY.subarray(0, n);
      sent += n;
      pumped += n;
      if (sent >= total) {
        w.removeListener('close', stop);
        w.removeListener('error', stop);
        last(chunk);
        return;
      }
      if (!w.write(chunk)) {
        w.once('drain', step);
        return;
      }
    }
  };
  step();
}

/** The median of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
