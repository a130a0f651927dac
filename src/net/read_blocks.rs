//! The driver's read blocks. Received DATA payloads are zero-copy slices of the block they
//! were read into, so a block cannot be overwritten while any of them is unread or held by
//! the application.
//!
//! Block sizes adapt to the traffic: small blocks while reads are small (an idle or
//! request/response connection holds little), large ones once reads fill large buffers (a
//! bulk transfer needs fewer, larger reads). Large blocks are retired and reused once
//! nothing else refers to them, instead of faulting in fresh pages for every block; a
//! connection that falls quiet gives its retired and unused large blocks back.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::collections::VecDeque;

use bytes::BytesMut;

/// Block size while reads are large.
pub(crate) const LARGE_BLOCK: usize = 256 * 1024;
/// Block size while reads are small.
const SMALL_BLOCK: usize = 32 * 1024;
/// Retired large blocks kept for reuse. One still referred to elsewhere costs nothing extra
/// (its slices keep it alive anyway); a free one costs a block until the connection is
/// quiet again.
const KEEP: usize = 4;

/// Retired blocks waiting to be reused.
#[derive(Default)]
pub(crate) struct ReadBlocks {
    retired: VecDeque<BytesMut>,
    /// The current block is a large one.
    current_large: bool,
}

impl ReadBlocks {
    /// Makes room for a read in `input` (the session's input buffer): when less than an
    /// eighth of a block is free, it moves to a new block (a reusable retired one when
    /// `large`), carrying over the bytes not yet decoded (a partial frame).
    pub fn prepare(&mut self, input: &mut BytesMut, large: bool) {
        let size = if large { LARGE_BLOCK } else { SMALL_BLOCK };
        let min_free = size / 8;
        if input.capacity() - input.len() >= min_free {
            return;
        }
        if input.len() > size - min_free {
            // A large control frame in progress: grow around it.
            input.reserve(size);
            return;
        }
        let reused = if large { self.reusable() } else { None };
        let mut next = reused.unwrap_or_else(|| BytesMut::with_capacity(size));
        next.extend_from_slice(input);
        let mut old = std::mem::replace(input, next);
        let old_large = std::mem::replace(&mut self.current_large, large);
        if old_large {
            // Only large blocks are worth keeping for reuse.
            old.clear();
            if self.retired.len() == KEEP {
                self.retired.pop_front();
            }
            self.retired.push_back(old);
        }
    }

    /// The connection has nothing more to read for now and reads are small again (or it
    /// stayed silent): retired blocks are dropped, and so is an empty large current block
    /// (the next read starts small).
    pub fn quiet(&mut self, input: &mut BytesMut) {
        self.retired.clear();
        if input.is_empty() && self.current_large {
            *input = BytesMut::new();
            self.current_large = false;
        }
    }

    /// A retired block nothing else refers to any more, made whole again.
    fn reusable(&mut self) -> Option<BytesMut> {
        let i = self
            .retired
            .iter_mut()
            .position(|b| b.try_reclaim(LARGE_BLOCK))?;
        self.retired.remove(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills `input` as a read would, leaving `left` bytes free.
    fn fill(input: &mut BytesMut, left: usize) {
        let n = input.capacity() - input.len() - left;
        input.extend_from_slice(&vec![1; n]);
    }

    #[test]
    fn a_large_block_is_reused_once_its_slices_are_gone() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::new();
        blocks.prepare(&mut input, true);
        let first = input.as_ptr();
        fill(&mut input, 100);
        let slice = input.split_to(input.len() - 10).freeze(); // a payload, unread
        blocks.prepare(&mut input, true);
        assert_eq!(&input[..], &[1; 10], "the partial frame is carried over");
        assert_ne!(input.as_ptr(), first);
        input.clear();
        fill(&mut input, 100);
        let _second_slice = input.split().freeze();
        blocks.prepare(&mut input, true);
        assert_ne!(
            input.as_ptr(),
            first,
            "the first block is still referred to"
        );
        drop(slice);
        fill(&mut input, 100);
        drop(input.split()); // decoded and read at once
        blocks.prepare(&mut input, true);
        assert_eq!(
            input.as_ptr(),
            first,
            "the first block is free again: reused"
        );
        assert_eq!(input.capacity(), LARGE_BLOCK);
    }

    #[test]
    fn small_reads_get_small_blocks_that_are_not_kept() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::new();
        blocks.prepare(&mut input, false);
        assert_eq!(input.capacity(), SMALL_BLOCK);
        fill(&mut input, 10);
        drop(input.split());
        blocks.prepare(&mut input, false);
        assert_eq!(input.capacity(), SMALL_BLOCK);
        assert!(blocks.retired.is_empty());
    }

    #[test]
    fn room_left_means_no_change_and_a_large_frame_grows_the_block() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::with_capacity(LARGE_BLOCK);
        input.extend_from_slice(&[2; 1000]);
        let p = input.as_ptr();
        blocks.prepare(&mut input, true);
        assert_eq!(input.as_ptr(), p);
        fill(&mut input, LARGE_BLOCK / 8 - 1);
        blocks.prepare(&mut input, true);
        assert_eq!(input.len(), LARGE_BLOCK - LARGE_BLOCK / 8 + 1, "all kept");
        assert!(input.capacity() - input.len() >= LARGE_BLOCK);
    }

    #[test]
    fn at_most_keep_blocks_are_retired_and_a_quiet_connection_drops_them() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::new();
        let mut held = Vec::new();
        for _ in 0..3 * KEEP {
            blocks.prepare(&mut input, true);
            fill(&mut input, 0);
            held.push(input.split().freeze());
        }
        assert_eq!(blocks.retired.len(), KEEP);
        blocks.prepare(&mut input, true);
        assert!(input.is_empty() && input.capacity() == LARGE_BLOCK);
        blocks.quiet(&mut input);
        assert!(blocks.retired.is_empty());
        assert_eq!(input.capacity(), 0, "the unused large block is given back");
        let mut partial = BytesMut::with_capacity(LARGE_BLOCK);
        partial.extend_from_slice(b"half a frame");
        blocks.quiet(&mut partial);
        assert_eq!(&partial[..], b"half a frame", "bytes not yet decoded stay");
    }
}
