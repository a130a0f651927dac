//! Handing received data to JavaScript. The socket chunk given to `input` is copied once
//! into the session's input buffer for decoding; DATA payloads are slices of that buffer.
//! A payload read in the same `input` call that lies wholly inside the chunk's copy, and
//! is at least a quarter of it, is handed out as a subarray of the caller's own chunk: no
//! copy out of wasm memory. Other payloads (smaller ones, ones from earlier chunks or read
//! later, ones spanning two chunks) are copied into one new array per run.

use bytes::Bytes;
use js_sys::Uint8Array;

use super::Allocator;

/// The chunk of the current `input` call and where its copy lies in wasm memory.
pub(super) struct InputChunk {
    chunk: Uint8Array,
    /// Address of the copy's first byte.
    at: usize,
    len: usize,
}

impl InputChunk {
    /// `chunk`, whose bytes were copied to `copy`.
    pub fn new(chunk: &Uint8Array, copy: &[u8]) -> InputChunk {
        InputChunk {
            chunk: chunk.clone(),
            at: copy.as_ptr() as usize,
            len: copy.len(),
        }
    }

    /// Where `piece` lies in the chunk, if it lies wholly inside it and is at least a
    /// quarter of it: a view keeps the whole chunk alive for as long as the application
    /// holds it, so small pieces are copied and unread data pins at most four times itself.
    fn range_of(&self, piece: &[u8]) -> Option<(u32, u32)> {
        if piece.len() * 4 < self.len {
            return None;
        }
        let start = (piece.as_ptr() as usize).checked_sub(self.at)?;
        let end = start + piece.len();
        (end <= self.len).then_some((start as u32, end as u32))
    }
}

/// Emits one stream's reads, in order, as arrays: runs inside `current` as subarrays of it
/// (adjacent ones merged), other runs copied by `alloc` into one array each.
pub(super) fn arrays(
    pieces: &[Bytes],
    current: Option<&InputChunk>,
    alloc: &Allocator,
    mut emit: impl FnMut(Uint8Array),
) {
    let mut copy_from: Option<usize> = None;
    let mut copy_len = 0;
    let mut view: Option<(u32, u32)> = None;
    let flush_copy =
        |from: &mut Option<usize>, len: &mut usize, to: usize, emit: &mut dyn FnMut(Uint8Array)| {
            if let Some(start) = from.take() {
                emit(alloc.concat(&pieces[start..to], *len));
                *len = 0;
            }
        };
    for (i, piece) in pieces.iter().enumerate() {
        match current.and_then(|c| c.range_of(piece).map(|r| (c, r))) {
            Some((chunk, (start, end))) => {
                flush_copy(&mut copy_from, &mut copy_len, i, &mut emit);
                view = match view {
                    Some((s, e)) if e == start => Some((s, end)),
                    Some((s, e)) => {
                        emit(chunk.chunk.subarray(s, e));
                        Some((start, end))
                    }
                    None => Some((start, end)),
                };
            }
            None => {
                if let (Some((s, e)), Some(chunk)) = (view.take(), current) {
                    emit(chunk.chunk.subarray(s, e));
                }
                copy_from.get_or_insert(i);
                copy_len += piece.len();
            }
        }
    }
    flush_copy(&mut copy_from, &mut copy_len, pieces.len(), &mut emit);
    if let (Some((s, e)), Some(chunk)) = (view, current) {
        emit(chunk.chunk.subarray(s, e));
    }
}
