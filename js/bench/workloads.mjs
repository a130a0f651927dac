// The client side of the four cases, on any transport's fetch(): `count` requests, at most
// `concurrency` in flight, each read in flowing mode ('data') and checked against the
// pattern. A run that makes no progress for `stallMs` fails as stalled.

import { performance } from 'node:perf_hooks';
import { bodyOk, KiB, MiB, SMALL } from './common.mjs';

export const CASES = ['bulk', 'multi', 'rr', 'churn'];

/** Cases measured in bytes (MB/s, CPU s/GiB, page faults per MiB); the others in streams. */
export const byteCase = (caseName) => caseName === 'bulk' || caseName === 'multi';

/** Per case: what one run does, at full size and with --quick. */
export function plan(caseName, quick) {
  const q = (full, small) => (quick ? small : full);
  switch (caseName) {
    case 'bulk': return { size: q(256 * MiB, 16 * MiB), count: 1, concurrency: 1 };
    case 'multi': return { size: q(16 * MiB, 1 * MiB), count: 16, concurrency: 16 };
    case 'rr': return { size: SMALL, count: q(30000, 1000), concurrency: 100 };
    case 'churn': return { size: Infinity, readLimit: 64 * KiB, count: q(3000, 150), concurrency: 10 };
    default: throw new Error(`unknown case ${caseName}`);
  }
}

/** The same work, smaller, for the warm-up (every byte checked). */
export function warmupPlan(p) {
  const size = p.size === Infinity || p.size <= SMALL ? p.size : Math.max(256 * KiB, p.size / 8);
  return { ...p, size, count: Math.max(p.concurrency, Math.ceil(p.count / 10)), full: true };
}

export class StallError extends Error {}

/**
 * Runs one plan on `client`; resolves `{seconds, bytes, streams}`. `fatal` is a promise
 * that rejects when the connection fails.
 */
export function runPlan(client, p, { stallMs, fatal }) {
  return new Promise((resolve, reject) => {
    let started = 0;
    let done = 0;
    let bytes = 0;
    let last = performance.now();
    let over = false;
    const t0 = performance.now();

    const finish = (err) => {
      if (over) return;
      over = true;
      clearInterval(watch);
      if (err) reject(err);
      else resolve({ seconds: (performance.now() - t0) / 1000, bytes, streams: done });
    };
    fatal.catch(finish);
    const watch = setInterval(() => {
      if (performance.now() - last > stallMs) {
        finish(new StallError(`no progress for ${stallMs} ms: ${done}/${p.count} streams done, `
          + `${started - done} in flight, ${bytes} bytes read`));
      }
    }, Math.min(250, stallMs / 4));

    const one = () => {
      started++;
      let offset = 0;
      let ended = false;
      const end = (err) => {
        if (ended) return;
        ended = true;
        if (err) return finish(err);
        last = performance.now();
        done++;
        if (done === p.count) finish();
        else if (started < p.count) one();
      };
      const handle = client.fetch(p.size, {
        onData(chunk) {
          if (ended) return;
          if (!bodyOk(chunk, offset, p.full)) {
            return end(new Error(`wrong bytes in a body at offset ${offset}..${offset + chunk.length}`));
          }
          offset += chunk.length;
          bytes += chunk.length;
          last = performance.now();
          if (p.readLimit && offset >= p.readLimit) {
            handle.reset();
            end();
          }
        },
        onEnd() {
          if (offset !== p.size) end(new Error(`body ended at ${offset} of ${p.size} bytes`));
          else end();
        },
        onError(err) {
          end(err);
        },
      });
    };
    for (let i = 0; i < Math.min(p.concurrency, p.count); i++) one();
  });
}
