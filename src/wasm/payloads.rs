//! DATA payloads that never enter WebAssembly memory, in either direction. The session only
//! frames, counts and schedules payloads; it never reads their bytes. So it is given
//! placeholders of the right length (slices of one static zero block) while the JavaScript
//! arrays wait here, in order per stream: the arrays a stream's writer gave `write`, and the
//! ranges of socket chunks that brought a stream's payloads (see `delivery.rs`). When a
//! placeholder comes out of the session (behind its DATA head when sending, from `read`
//! when receiving) the same number of bytes is taken from the stream's queue as subarrays:
//! the socket gets the writer's own bytes and the reader the socket's, uncopied.

use std::collections::{BTreeMap, VecDeque};
use std::vec::Vec;

use bytes::Bytes;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;

use super::glue;

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

/// The JavaScript payloads of each stream, in order. A stream's queue stays (empty) until
/// the stream is forgotten, so that a stream whose payloads come and go one at a time does
/// not allocate a queue per payload. A B-tree rather than a hash map: stream ids are the
/// peer's choice, and a B-tree has no worst case for them to pick.
#[derive(Default)]
pub struct PayloadViews {
    streams: BTreeMap<u32, VecDeque<Held>>,
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

    /// Takes the next `len` bytes of stream `id` and hands them to `emit` as ranges of the
    /// arrays that hold them (`data`, `start`, `end`), in order. Returns how many queued
    /// arrays were wholly taken, or `None` if fewer than `len` bytes were queued (never,
    /// unless the session and this queue disagree).
    pub fn take(
        &mut self,
        id: u32,
        mut len: u32,
        emit: &mut dyn FnMut(&Uint8Array, u32, u32),
    ) -> Option<u32> {
        if len == 0 {
            return Some(0);
        }
        let queue = self.streams.get_mut(&id)?;
        let mut finished = 0;
        while len > 0 {
            let front = queue.front_mut()?;
            let n = len.min(front.end - front.start);
            emit(&front.data, front.start, front.start + n);
            front.start += n;
            len -= n;
            if front.start == front.end {
                queue.pop_front();
                finished += 1;
            }
        }
        Some(finished)
    }

    /// Drops what stream `id` still held (it was reset or closed).
    pub fn forget(&mut self, id: u32) {
        self.streams.remove(&id);
    }
}

/// A piece of received data or of the output on its way to JavaScript.
pub enum Piece<'a> {
    /// Bytes `start..end` of a JavaScript array, uncopied.
    View(&'a Uint8Array, u32, u32),
    /// A run of bytes the session produced or copied in (`len` bytes in all), to be copied
    /// out.
    Copied(&'a [Bytes], usize),
}

/// Hands `chunks` to `emit` in order: each run of real bytes as one [`Piece::Copied`], each
/// placeholder as the views `views(index, placeholder, emit)` emits.
pub fn map_placeholders(
    chunks: &[Bytes],
    mut views: impl FnMut(usize, &Bytes, &mut dyn FnMut(Piece<'_>)),
    emit: &mut dyn FnMut(Piece<'_>),
) {
    let mut run_start = 0;
    let mut run_len = 0;
    for (i, chunk) in chunks.iter().enumerate() {
        if !is_placeholder(chunk) {
            run_len += chunk.len();
            continue;
        }
        if run_len > 0 {
            emit(Piece::Copied(&chunks[run_start..i], run_len));
        }
        views(i, chunk, emit);
        run_start = i + 1;
        run_len = 0;
    }
    if run_len > 0 {
        emit(Piece::Copied(&chunks[run_start..], run_len));
    }
}

/// `chunks` (holding `len` bytes in all) as one new array (`allocate`), crossing to
/// JavaScript in one copy: a lone chunk as it is, several gathered in `scratch` first.
pub fn copy_out<'a>(
    chunks: impl IntoIterator<Item = &'a Bytes>,
    len: usize,
    scratch: &mut Vec<u8>,
    allocate: impl Fn(usize) -> Uint8Array,
) -> Uint8Array {
    let out = allocate(len);
    let mut chunks = chunks.into_iter();
    match (chunks.next(), chunks.next()) {
        (Some(only), None) => out.copy_from(only),
        (first, second) => {
            scratch.clear();
            for chunk in first.into_iter().chain(second).chain(chunks) {
                scratch.extend_from_slice(chunk);
            }
            out.copy_from(scratch);
        }
    }
    out
}

/// The output of one drain as a JavaScript array of segments, in order: the bytes the
/// session produced (heads, control frames) copied out into one new array ([`copy_out`])
/// that the segments are views of, and written payloads as views of the writers' arrays.
/// `sent` gets `(stream, arrays)` for the written arrays wholly in this output.
pub fn segments(
    chunks: &[Bytes],
    written: &mut PayloadViews,
    sent: &mut Vec<(u32, u32)>,
    scratch: &mut Vec<u8>,
    allocate: impl Fn(usize) -> Uint8Array,
) -> Array {
    let real = || chunks.iter().filter(|c| !is_placeholder(c));
    let len: usize = real().map(Bytes::len).sum();
    let produced = (len > 0).then(|| copy_out(real(), len, scratch, allocate));
    let out = glue::new_list();
    let mut at = 0u32;
    let views = |i: usize, chunk: &Bytes, emit: &mut dyn FnMut(Piece<'_>)| {
        // The DATA head is the chunk just before its payload.
        let id = chunks[..i].last().filter(|h| h.len() == 8).map_or(0, |h| {
            u32::from_be_bytes([h[0], h[1], h[2], h[3]]) & 0x7fff_ffff
        });
        let taken = written.take(id, chunk.len() as u32, &mut |data, start, end| {
            emit(Piece::View(data, start, end))
        });
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
    map_placeholders(chunks, views, &mut |piece| match piece {
        Piece::View(data, start, end) => glue::push_view(&out, data, start, end),
        Piece::Copied(_, len) => {
            let end = at + len as u32;
            if let Some(produced) = &produced {
                glue::push_view(&out, produced, at, end);
            }
            at = end;
        }
    });
    out
}

/// Segments as one array (for callers that want a single buffer).
pub fn joined(segments: Array, allocate: impl Fn(usize) -> Uint8Array) -> Uint8Array {
    if segments.length() == 1 {
        return segments.get(0).unchecked_into();
    }
    let parts: Vec<Uint8Array> = segments.iter().map(|s| s.unchecked_into()).collect();
    let total: u32 = parts.iter().map(|s| s.length()).sum();
    let out = allocate(total as usize);
    let mut at = 0;
    for s in &parts {
        out.set(s, at);
        at += s.length();
    }
    out
}
