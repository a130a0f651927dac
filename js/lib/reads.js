'use strict';
// Socket reads into slabs: the `onread` option of net.Socket. Node's own reads each fill a
// freshly allocated 64 KiB buffer, which the C allocator hands back and forth with the
// kernel as the garbage collector frees them: page faults on a large share of the bytes
// read. Here successive reads fill one larger slab until it is nearly used up, then a new
// one; a slab is never written twice, so the subarrays handed to stream readers (views of
// the chunk that brought them, see src/wasm/delivery.rs) stay valid for as long as they
// are held. Bypassing the socket's own Readable also saves a 'data' event per read.

/** Default slab size; 0 keeps Node's own reads. */
const SLAB_SIZE = 256 * 1024;
/** Most bytes one read asks for (Node's own reads ask for 64 KiB). */
const READ_SIZE = 64 * 1024;

/**
 * An `onread` option for net.connect() whose reads go to `input(chunk)` once attached
 * (reads made before that wait for it). `slabSize` is at least 4 KiB.
 * @returns {{onread: {buffer: () => Buffer, callback: (n: number, buf: Buffer) => void},
 *   attach(input: (chunk: Buffer) => void): void}}
 */
function slabReads(slabSize = SLAB_SIZE) {
  const size = Math.max(4096, slabSize);
  const read = Math.min(READ_SIZE, size);
  let slab = null;
  let at = 0;
  let input = null;
  let early = [];
  return {
    onread: {
      // Called before each read for the memory it fills.
      buffer() {
        if (slab === null || size - at < read / 4) {
          slab = Buffer.allocUnsafeSlow(size);
          at = 0;
        }
        return slab.subarray(at, Math.min(size, at + read));
      },
      // `buf` is the last buffer() answer, its first `n` bytes read.
      callback(n, buf) {
        at += n;
        const chunk = buf.subarray(0, n);
        if (input) input(chunk);
        else early.push(chunk);
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
