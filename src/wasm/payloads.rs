//! DATA payloads that never enter WebAssembly memory, in either direction. The session only
//! frames, counts and schedules payloads; it never reads their bytes. So it is given
//! placeholders of the right length (slices of one static zero block) while the JavaScript
//! arrays wait here, in order per stream: the arrays a stream's writer gave `write`, and the
//! ranges of socket chunks that brought a stream's payloads (see `delivery.rs`). When a
//! placeholder comes out of the session (behind its DATA head when sending, from `read`
//! when receiving) the same number of bytes is taken from the stream's queue as subarrays:
//! the socket gets the writer's own bytes and the reader the socket's, uncopied.

use std::collections::{HashMap, VecDeque};
use std::vec::Vec;

use bytes::Bytes;
use js_sys::{Array, Uint8Array};

/// Largest placeholder; longer payloads are given to the session as several.
pub const PIECE: usize = 64 * 1024;

static PLACEHOLDER: [u8; PIECE] = [0; PIECE];

/// Placeholders for `len` bytes: as few as fit in [`PIECE`] each, of equal length (within
/// a byte), so that no piece is a sliver.
pub fn placeholders(len: usize) -> impl Iterator<Item = Bytes> {
    let count = len.div_ceil(PIECE);
    (0..count).map(move |i| {
        let n = len / count + usize::from(i < len % count);
        Bytes::from_static(&PLACEHOLDER[..n])
    })
}

/// True when `chunk` is (part of) a placeholder.
pub fn is_placeholder(chunk: &Bytes) -> bool {
    let base = PLACEHOLDER.as_ptr() as usize;
    let at = chunk.as_ptr() as usize;
    !chunk.is_empty() && at >= base && at < base + PIECE
}

/// A JavaScript array with the part of it not yet taken.
struct Held {
    data: Uint8Array,
    start: u32,
    end: u32,
}

/// The JavaScript payloads of each stream, in order.
#[derive(Default)]
pub struct PayloadViews {
    streams: HashMap<u32, VecDeque<Held>>,
}

impl PayloadViews {
    /// Queues bytes `start..end` of `data` on stream `id`.
    pub fn hold(&mut self, id: u32, data: &Uint8Array, start: u32, end: u32) {
        if end > start {
            self.streams.entry(id).or_default().push_back(Held {
                data: data.clone(),
                start,
                end,
            });
        }
    }

    /// Takes the next `len` bytes of stream `id` and hands them to `emit` as subarrays, in
    /// order. Returns how many queued arrays were wholly taken, or `None` if fewer than
    /// `len` bytes were queued (never, unless the session and this queue disagree).
    pub fn take(&mut self, id: u32, mut len: u32, emit: &mut dyn FnMut(Uint8Array)) -> Option<u32> {
        if len == 0 {
            return Some(0);
        }
        let queue = self.streams.get_mut(&id)?;
        let mut finished = 0;
        while len > 0 {
            let front = queue.front_mut()?;
            let n = len.min(front.end - front.start);
            emit(front.data.subarray(front.start, front.start + n));
            front.start += n;
            len -= n;
            if front.start == front.end {
                queue.pop_front();
                finished += 1;
            }
        }
        if queue.is_empty() {
            self.streams.remove(&id);
        }
        Some(finished)
    }

    /// Drops what stream `id` still held (it was reset or closed).
    pub fn forget(&mut self, id: u32) {
        self.streams.remove(&id);
    }
}

/// Emits `chunks` as JavaScript arrays, in order: each run of real bytes copied by `copy`
/// into one array, each placeholder as the views `views(index, placeholder, emit)` emits.
pub fn map_placeholders(
    chunks: &[Bytes],
    copy: impl Fn(&[Bytes], usize) -> Uint8Array,
    mut views: impl FnMut(usize, &Bytes, &mut dyn FnMut(Uint8Array)),
    emit: &mut dyn FnMut(Uint8Array),
) {
    let mut run_start = 0;
    let mut run_len = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        if !is_placeholder(chunk) {
            run_len += chunk.len();
            continue;
        }
        if run_len > 0 {
            emit(copy(&chunks[run_start..i], run_len));
        }
        views(i, chunk, emit);
        run_start = i + 1;
        run_len = 0;
    }
    if run_len > 0 {
        emit(copy(&chunks[run_start..], run_len));
    }
}

/// The output of one drain as JavaScript arrays, in order: bytes the session produced
/// (heads, control frames) copied out through `copy`, and written payloads as views.
/// `sent` gets `(stream, arrays)` for the written arrays wholly in this output.
pub fn segments(
    chunks: &[Bytes],
    written: &mut PayloadViews,
    sent: &mut Vec<(u32, u32)>,
    copy: impl Fn(&[Bytes], usize) -> Uint8Array,
) -> Vec<Uint8Array> {
    let mut out = Vec::new();
    let views = |i: usize, chunk: &Bytes, emit: &mut dyn FnMut(Uint8Array)| {
        // The DATA head is the chunk just before its payload.
        let id = chunks[..i].last().filter(|h| h.len() == 8).map_or(0, |h| {
            u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x7fff_ffff
        });
        let taken = written.take(id, chunk.len() as u32, emit);
        debug_assert!(
            taken.is_some(),
            "stream {id}: session and held payloads disagree"
        );
        match (sent.last_mut(), taken.unwrap_or(0)) {
            (_, 0) => {}
            (Some((last, count)), n) if *last == id => *count += n,
            (_, n) => sent.push((id, n)),
        }
    };
    map_placeholders(chunks, copy, views, &mut |a| out.push(a));
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
