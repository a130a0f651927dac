//! DATA payloads that never enter WebAssembly memory. The session only frames, counts and
//! schedules payloads; it never reads their bytes. So `write` hands it placeholders of the
//! right length (slices of one static zero block) and keeps the JavaScript arrays here, in
//! order per stream. When a placeholder comes out of the session behind its DATA head, the
//! same number of bytes is taken from the stream's queue: the socket gets the caller's own
//! bytes, uncopied.

use std::collections::{HashMap, VecDeque};
use std::vec::Vec;

use bytes::Bytes;
use js_sys::{Array, Uint8Array};

/// Largest placeholder; longer writes are queued as several.
pub const PIECE: usize = 64 * 1024;

static PLACEHOLDER: [u8; PIECE] = [0; PIECE];

/// A JavaScript array with the part of it not yet sent.
struct Held {
    data: Uint8Array,
    start: u32,
    end: u32,
}

/// The JavaScript payloads queued on each stream, in send order.
#[derive(Default)]
pub struct HeldPayloads {
    streams: HashMap<u32, VecDeque<Held>>,
    /// Streams whose held arrays were wholly taken since the last `take_sent`, with how
    /// many: the caller may reuse those arrays once the socket has written them.
    sent: Vec<(u32, u32)>,
}

impl HeldPayloads {
    /// Placeholders for `len` bytes, at most [`PIECE`] each.
    pub fn placeholders(len: usize) -> impl Iterator<Item = Bytes> {
        (0..len.div_ceil(PIECE)).map(move |i| {
            let n = (len - i * PIECE).min(PIECE);
            Bytes::from_static(&PLACEHOLDER[..n])
        })
    }

    /// True when `chunk` is (part of) a placeholder.
    pub fn is_placeholder(chunk: &Bytes) -> bool {
        let base = PLACEHOLDER.as_ptr() as usize;
        let at = chunk.as_ptr() as usize;
        !chunk.is_empty() && at >= base && at < base + PIECE
    }

    /// Queues bytes `0..len` of `data` on stream `id`.
    pub fn hold(&mut self, id: u32, data: &Uint8Array, len: u32) {
        if len > 0 {
            self.streams.entry(id).or_default().push_back(Held {
                data: data.clone(),
                start: 0,
                end: len,
            });
        }
    }

    /// Takes the next `len` bytes of stream `id` as views of the caller's arrays, appended
    /// to `out`. Returns false if fewer were held (never, unless the session and this queue
    /// disagree).
    pub fn take(&mut self, id: u32, mut len: u32, out: &mut Vec<Uint8Array>) -> bool {
        let Some(queue) = self.streams.get_mut(&id) else {
            return len == 0;
        };
        while len > 0 {
            let Some(front) = queue.front_mut() else {
                return false;
            };
            let n = len.min(front.end - front.start);
            out.push(front.data.subarray(front.start, front.start + n));
            front.start += n;
            len -= n;
            if front.start == front.end {
                queue.pop_front();
                match self.sent.last_mut() {
                    Some((last, count)) if *last == id => *count += 1,
                    _ => self.sent.push((id, 1)),
                }
            }
        }
        if queue.is_empty() {
            self.streams.remove(&id);
        }
        true
    }

    /// Drops what stream `id` still held (it was reset or closed).
    pub fn forget(&mut self, id: u32) {
        self.streams.remove(&id);
    }

    /// `(stream, arrays)` wholly sent since the last call, in order.
    pub fn take_sent(&mut self) -> Vec<(u32, u32)> {
        core::mem::take(&mut self.sent)
    }
}

/// The output of one drain as JavaScript arrays, in order: bytes the session produced
/// (heads, control frames) copied out through `copy`, and held payloads as views.
pub fn segments(
    chunks: &[Bytes],
    held: &mut HeldPayloads,
    copy: impl Fn(&[Bytes], usize) -> Uint8Array,
) -> Vec<Uint8Array> {
    let mut out = Vec::new();
    let mut run_start = 0;
    let mut run_len = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        if !HeldPayloads::is_placeholder(chunk) {
            run_len += chunk.len();
            continue;
        }
        // The DATA head is the chunk just before its payload.
        let id = chunks[..i].last().filter(|h| h.len() == 8).map_or(0, |h| {
            u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x7fff_ffff
        });
        if run_len > 0 {
            out.push(copy(&chunks[run_start..i], run_len));
        }
        let complete = held.take(id, chunk.len() as u32, &mut out);
        debug_assert!(complete, "stream {id}: session and held payloads disagree");
        run_start = i + 1;
        run_len = 0;
    }
    if run_len > 0 {
        out.push(copy(&chunks[run_start..], run_len));
    }
    out
}

/// Segments as one array (for callers that want a single buffer).
pub fn joined(segments: Vec<Uint8Array>, alloc: impl Fn(usize) -> Uint8Array) -> Uint8Array {
    if segments.len() == 1 {
        return segments.into_iter().next().expect("one segment");
    }
    let total: u32 = segments.iter().map(|s| s.length()).sum();
    let out = alloc(total as usize);
    let mut at = 0;
    for s in &segments {
        out.set(s, at);
        at += s.length();
    }
    out
}

/// Segments as a JavaScript array.
pub fn to_array(segments: Vec<Uint8Array>) -> Array {
    segments.into_iter().collect()
}
