//! Handing received data to JavaScript. The socket chunk given to `input` is copied once
//! into the session's input buffer for decoding; DATA payloads are slices of that buffer.
//! A payload read in the same `input` call is handed out as subarrays of the caller's own
//! chunks when it lies in them: wholly inside this call's chunk, or starting in the bytes
//! the previous chunk left undecoded (a frame split between two socket reads) and ending
//! in this one, as one view of each. No copy out of wasm memory then. Other payloads
//! (small ones, ones from earlier calls or read later) are copied into one new array per
//! run.
//!
//! A view keeps its whole chunk alive for as long as the application holds it, so only
//! payloads of at least a quarter of the chunk become views (and each part of a split one
//! at least [`MIN_PART`]): unread data pins at most about eight times itself.

use bytes::Bytes;
use js_sys::Uint8Array;

use super::Allocator;

/// Smallest part of a split payload handed out as a view of its chunk.
const MIN_PART: usize = 1024;

/// Where a chunk's bytes lie in wasm memory.
struct Placed {
    chunk: Uint8Array,
    /// Address of the copy's first byte.
    at: usize,
    len: usize,
    /// Index in `chunk` of the copy's first byte.
    offset: u32,
}

impl Placed {
    /// The view of `chunk` holding wasm bytes `from..to`, which must lie inside the copy.
    fn view(&self, from: usize, to: usize) -> (u32, u32) {
        let start = self.offset + (from - self.at) as u32;
        (start, start + (to - from) as u32)
    }

    fn contains(&self, from: usize, to: usize) -> bool {
        from >= self.at && to <= self.at + self.len
    }
}

/// The chunk of the current `input` call, and the previous chunk's undecoded tail, which
/// lies just before it in wasm memory.
pub(super) struct InputChunk {
    current: Placed,
    carried: Option<Placed>,
}

impl InputChunk {
    /// `chunk`, whose bytes were copied to `copy`; `carried` is the previous chunk when the
    /// `carried_len` bytes before `copy` are its last bytes.
    pub fn new(chunk: &Uint8Array, copy: &[u8], carried: Option<(Uint8Array, usize)>) -> Self {
        let at = copy.as_ptr() as usize;
        InputChunk {
            current: Placed {
                chunk: chunk.clone(),
                at,
                len: copy.len(),
                offset: 0,
            },
            carried: carried.map(|(prev, len)| Placed {
                offset: prev.length() - len as u32,
                chunk: prev,
                at: at - len,
                len,
            }),
        }
    }

    /// The views that hold `piece` without a copy, if it may be handed out so.
    fn views(&self, piece: &[u8]) -> Option<Views<'_>> {
        if piece.len() * 4 < self.current.len {
            return None;
        }
        let (from, to) = (
            piece.as_ptr() as usize,
            piece.as_ptr() as usize + piece.len(),
        );
        if self.current.contains(from, to) {
            return Some(Views::One(&self.current, self.current.view(from, to)));
        }
        let carried = self.carried.as_ref()?;
        let split = self.current.at;
        let whole = from >= carried.at && to > split && to <= split + self.current.len;
        if !whole || split - from < MIN_PART || to - split < MIN_PART {
            return None;
        }
        Some(Views::Two(
            (carried, carried.view(from, split)),
            (&self.current, self.current.view(split, to)),
        ))
    }
}

/// A payload as views of the chunks it lies in.
enum Views<'a> {
    One(&'a Placed, (u32, u32)),
    Two((&'a Placed, (u32, u32)), (&'a Placed, (u32, u32))),
}

/// Emits one stream's reads, in order, as arrays: pieces inside the input chunks as
/// subarrays of them (adjacent ones of one chunk merged), other runs copied by `alloc`
/// into one array each.
pub(super) fn arrays(
    pieces: &[Bytes],
    input: Option<&InputChunk>,
    alloc: &Allocator,
    mut emit: impl FnMut(Uint8Array),
) {
    let mut copy_from: Option<usize> = None;
    let mut copy_len = 0;
    // A view not emitted yet, so that the next piece can extend it.
    let mut view: Option<(&Placed, (u32, u32))> = None;
    let emit_view = |v: Option<(&Placed, (u32, u32))>, emit: &mut dyn FnMut(Uint8Array)| {
        if let Some((placed, (s, e))) = v {
            emit(placed.chunk.subarray(s, e));
        }
    };
    for (i, piece) in pieces.iter().enumerate() {
        let Some(views) = input.and_then(|c| c.views(piece)) else {
            emit_view(view.take(), &mut emit);
            copy_from.get_or_insert(i);
            copy_len += piece.len();
            continue;
        };
        if let Some(start) = copy_from.take() {
            emit(alloc.concat(&pieces[start..i], copy_len));
            copy_len = 0;
        }
        let (first, last) = match views {
            Views::One(placed, range) => ((placed, range), None),
            Views::Two(a, b) => (a, Some(b)),
        };
        view = match view {
            Some((p, (s, e))) if core::ptr::eq(p, first.0) && e == first.1 .0 => {
                Some((p, (s, first.1 .1)))
            }
            pending => {
                emit_view(pending, &mut emit);
                Some(first)
            }
        };
        if let Some(second) = last {
            emit_view(view.replace(second), &mut emit);
        }
    }
    if let Some(start) = copy_from {
        emit(alloc.concat(&pieces[start..], copy_len));
    }
    emit_view(view, &mut emit);
}
