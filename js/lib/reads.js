'use strict';
// Socket reads into slabs: the `onread` option of net.Socket. Node's own reads each fill a
// freshly allocated 64 KiB buffer, which the C allocator hands back and forth with the
// kernel as the garbage collector frees them: page faults on a large share of the bytes
// read. Here successive reads fill one larger slab until it is nearly used up. A slab that
// readers may hold views of (the chunks the core kept, see src/wasm/delivery.rs) is never
// written again, so those views stay valid for as long as they are held; the next reads go
// to a new slab. A slab of which nothing was kept (small payloads, which the core copies)
// is read into again from its start, so request/answer traffic keeps reusing the same warm
// memory. Bypassing the socket's own Readable also saves a 'data' event per read.

/**
 * Default (largest) slab size; 0 keeps Node's own reads. Each read asks for a quarter of
 * the slab it fills. A socket starts with slabs of a quarter of this size (256 KiB, reads
 * of 64 KiB, as Node's own), so that many quiet sessions hold little memory, and moves to
 * this size (reads of 256 KiB) once BULK_READS reads in a row came back full: data
 * waiting in bulk costs less per byte in fewer, larger reads (the read callback, the
 * core's input call and its events are per read). A read of under a quarter of its region
 * moves it back, from its next slab.
 */
const SLAB_SIZE = 1024 * 1024;
/** Full reads in a row after which slabs are large. */
const BULK_READS = 4;

/**
 * An `onread` option for net.connect() whose reads go to `input(chunk)` once attached
 * (reads made before that wait for it). `input` returns false when nothing refers to the
 * chunk any more (its memory may be read into again), true when something may. `slabSize`
 * (the largest slab) is at least 4 KiB.
 * @returns {{onread: {buffer: () => Buffer, callback: (n: number, buf: Buffer) => void},
 *   attach(input: (chunk: Buffer) => boolean): void}}
 */
function slabReads(slabSize = SLAB_SIZE) {
  const large = Math.max(4096, slabSize);
  const small = Math.max(4096, Math.floor(large / 4));
  let full = 0; // reads in a row that filled their region
  let size = small;
  let read = Math.floor(size / 4);
  let slab = null;
  let at = 0;
  let kept = false; // some chunk of this slab may still be referred to
  let input = null;
  let early = [];
  return {
    onread: {
      // Called before each read for the memory it fills.
      buffer() {
        if (slab === null || size - at < read / 4) {
          size = full >= BULK_READS ? large : small;
          read = Math.floor(size / 4);
          slab = Buffer.allocUnsafeSlow(size);
          at = 0;
          kept = false;
        }
        return slab.subarray(at, Math.min(size, at + read));
      },
      // `buf` is the last buffer() answer, its first `n` bytes read.
      callback(n, buf) {
        if (n === buf.length) full++;
        else if (n < buf.length / 4) full = 0;
        const chunk = buf.subarray(0, n);
        let keep = true;
        try {
          if (input) keep = input(chunk) !== false;
          else early.push(chunk);
        } finally {
          if (keep) kept = true;
          at = kept ? at + n : 0;
        }
        // Never false: the session pauses and resumes the socket itself.
      },
    },
    attach(fn) {
      input = fn;
      for (const chunk of early) fn(chunk);
      early = [];
    },
  };
}

module.exports = { slabReads, SLAB_SIZE };
