//! The driver's read blocks. Received DATA payloads are zero-copy slices of the block they
//! were read into, so a block cannot be overwritten while any of them is unread or held by
//! the application. Instead of allocating a fresh block each time the current one fills
//! (fresh pages cost a page fault each), retired blocks are kept and reused once nothing
//! else refers to them.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::collections::VecDeque;

use bytes::BytesMut;

/// Size of a read block.
pub(crate) const READ_BLOCK: usize = 128 * 1024;
/// Space below which a read starts a new block instead of filling the current one.
const READ_MIN: usize = 16 * 1024;
/// Retired blocks kept for reuse. Each still referred to elsewhere costs nothing extra
/// (its slices keep it alive anyway); a free one costs one block of memory.
const KEEP: usize = 32;

/// Retired blocks waiting to be reused.
#[derive(Default)]
pub(crate) struct ReadBlocks {
    retired: VecDeque<BytesMut>,
}

impl ReadBlocks {
    /// Makes room for a read in `input` (the session's input buffer): when less than
    /// `READ_MIN` is free, it moves to a reusable retired block or a new one, carrying over
    /// the bytes not yet decoded (a partial frame).
    pub fn prepare(&mut self, input: &mut BytesMut) {
        if input.capacity() - input.len() >= READ_MIN {
            return;
        }
        if input.len() > READ_BLOCK - READ_MIN {
            // A large control frame in progress: grow around it.
            input.reserve(READ_BLOCK);
            return;
        }
        let mut next = self
            .reusable()
            .unwrap_or_else(|| BytesMut::with_capacity(READ_BLOCK));
        next.extend_from_slice(input);
        let mut old = std::mem::replace(input, next);
        old.clear();
        if self.retired.len() == KEEP {
            self.retired.pop_front();
        }
        self.retired.push_back(old);
    }

    /// A retired block nothing else refers to any more, made whole again.
    fn reusable(&mut self) -> Option<BytesMut> {
        let i = self
            .retired
            .iter_mut()
            .position(|b| b.try_reclaim(READ_BLOCK))?;
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
    fn a_block_is_reused_once_its_slices_are_gone() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::new();
        blocks.prepare(&mut input);
        let first = input.as_ptr();
        fill(&mut input, 100);
        let slice = input.split_to(input.len() - 10).freeze(); // a payload, unread
        blocks.prepare(&mut input);
        assert_eq!(&input[..], &[1; 10], "the partial frame is carried over");
        assert_ne!(input.as_ptr(), first);
        input.clear();
        fill(&mut input, 100);
        let _second_slice = input.split().freeze();
        blocks.prepare(&mut input);
        assert_ne!(
            input.as_ptr(),
            first,
            "the first block is still referred to"
        );
        drop(slice);
        fill(&mut input, 100);
        drop(input.split()); // decoded and read at once
        blocks.prepare(&mut input);
        assert_eq!(
            input.as_ptr(),
            first,
            "the first block is free again: reused"
        );
        assert_eq!(input.capacity(), READ_BLOCK);
    }

    #[test]
    fn room_left_means_no_change_and_a_large_frame_grows_the_block() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::with_capacity(READ_BLOCK);
        input.extend_from_slice(&[2; 1000]);
        let p = input.as_ptr();
        blocks.prepare(&mut input);
        assert_eq!(input.as_ptr(), p);
        fill(&mut input, READ_MIN - 1);
        blocks.prepare(&mut input);
        assert_eq!(
            input.len(),
            READ_BLOCK - READ_MIN + 1,
            "nothing decoded: all kept"
        );
        assert!(input.capacity() - input.len() >= READ_BLOCK);
    }

    #[test]
    fn at_most_keep_blocks_are_retired() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::new();
        let mut held = Vec::new();
        for _ in 0..3 * KEEP {
            blocks.prepare(&mut input);
            fill(&mut input, 0);
            held.push(input.split().freeze());
        }
        assert_eq!(blocks.retired.len(), KEEP);
    }
}
