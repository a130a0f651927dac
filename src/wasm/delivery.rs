//! Handing received data to JavaScript. `WasmSession::input` copies into wasm memory only
//! what the session must read: frame heads, control frames, and DATA payloads too small to
//! be worth a view. A larger payload stays in the socket chunk that brought it: the session
//! is given a placeholder of its length, the chunk's range waits in a [`PayloadViews`]
//! queue, and the stream's reader gets a subarray of the chunk. No copy either way.
//!
//! A view keeps the whole buffer behind its chunk alive for as long as the application
//! holds it: Node's own 64 KiB read buffer, or a larger slab that several reads share
//! (`js/lib/reads.js`). So only payloads of at least a quarter of the chunk or 16 KiB
//! ([`min_view`]) become views (a frame split between two chunks as a view of each), and
//! only pieces of at least [`MIN_VIEW`] and a 64th of that buffer, or of [`MAX_MIN_PIECE`]
//! ([`min_piece`]): a view of a buffer up to 1 MiB pins about 64 times its own size at
//! most (a reader's read may take less than a whole view).

use std::vec::Vec;

use bytes::Bytes;
use js_sys::{Array, Uint8Array};

use crate::frame::{FrameHead, FrameKind, HEAD_LEN};

use super::glue;
use super::payloads::{copy_out, map_placeholders, PayloadViews, Piece};

/// Smallest payload piece handed out as a view of its chunk.
pub(super) const MIN_VIEW: usize = 1024;

/// A DATA payload this large is worth views in a chunk of any size.
pub(super) const MAX_MIN_VIEW: usize = 16 * 1024;

/// Smallest DATA payload handed out as views of a `chunk_len`-byte chunk: a quarter of
/// the chunk, at most [`MAX_MIN_VIEW`]. Smaller frames are copied together with the frames
/// around them, which costs less than a view each.
pub(super) fn min_view(chunk_len: usize) -> usize {
    (chunk_len / 4).clamp(MIN_VIEW, MAX_MIN_VIEW)
}

/// A piece this large is worth a view of whatever buffer it lies in: one larger than
/// 1 MiB is the application's own, which it holds anyway.
pub(super) const MAX_MIN_PIECE: usize = 16 * 1024;

/// Smallest payload piece handed out as a view of a chunk whose buffer (the `ArrayBuffer`
/// the chunk is part of) holds `buffer_len` bytes.
pub(super) fn min_piece(buffer_len: usize) -> usize {
    (buffer_len / 64).clamp(MIN_VIEW, MAX_MIN_PIECE)
}

/// A socket chunk's frame heads, read in place: two calls per head rather than a copy.
pub(super) struct Heads<'a> {
    chunk: &'a Uint8Array,
    len: usize,
}

impl<'a> Heads<'a> {
    /// The heads of `chunk`, `len` bytes long.
    pub fn new(chunk: &'a Uint8Array, len: usize) -> Heads<'a> {
        Heads { chunk, len }
    }

    /// The 8 bytes at `at` (which must be at least 8 before the end).
    fn head(&self, at: usize) -> [u8; HEAD_LEN] {
        let mut raw = [0u8; HEAD_LEN];
        raw[..4].copy_from_slice(&glue::head_word(self.chunk, at as u32).to_be_bytes());
        raw[4..].copy_from_slice(&glue::head_word(self.chunk, at as u32 + 4).to_be_bytes());
        raw
    }

    /// How many bytes from `at`, a frame boundary at least 8 bytes before the end, to copy
    /// into the session's input in one go: whole frames wasm reads anyway (control frames,
    /// DATA too small for a view of a chunk with this `min_view`), up to and including the
    /// head of the next DATA frame whose payload will be a view. Only a guide: the session
    /// decodes whatever it is given. Also the head at `at`, read on the way.
    pub fn copy_span(&self, at: usize, min_view: usize) -> (usize, [u8; HEAD_LEN]) {
        let first = self.head(at);
        let mut raw = first;
        let mut end = at;
        loop {
            let head = FrameHead::parse(&raw);
            end += HEAD_LEN;
            if matches!(head.kind, FrameKind::Data { .. }) && head.length as usize >= min_view {
                return (end - at, first);
            }
            end = end.saturating_add(head.length as usize);
            if end >= self.len || self.len - end < HEAD_LEN {
                return (self.len - at, first);
            }
            raw = self.head(end);
        }
    }
}

/// Appends stream `id`'s reads, in order, to the array at the end of `result` (an
/// `EV_DATA` event): placeholders as views of the chunks `received` holds for them, runs
/// of other pieces copied into one new array each ([`copy_out`]).
pub(super) fn append_data(
    result: &Array,
    id: u32,
    pieces: &[Bytes],
    received: &mut PayloadViews,
    scratch: &mut Vec<u8>,
    allocate: impl Fn(usize) -> Uint8Array,
) {
    let views = |_: usize, piece: &Bytes, emit: &mut dyn FnMut(Piece<'_>)| {
        let taken = received.take(id, piece.len() as u32, &mut |data, start, end| {
            emit(Piece::View(data, start, end))
        });
        debug_assert!(
            taken.is_some(),
            "stream {id}: session and received views disagree"
        );
    };
    map_placeholders(pieces, views, &mut |piece| match piece {
        Piece::View(data, start, end) => glue::push_view_to_last(result, data, start, end),
        Piece::Copied(run, len) => {
            glue::push_to_last(result, &copy_out(run, len, scratch, &allocate))
        }
    });
}
