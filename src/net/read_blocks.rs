//! The driver's read blocks. Received DATA payloads are zero-copy slices of the block they
//! were read into, so a block cannot be overwritten while any of them is unread or held by
//! the application.
//!
//! Block sizes adapt to the traffic: small blocks while reads are small (an idle or
//! request/response connection holds little), large ones once reads fill large buffers (a
//! bulk transfer needs fewer, larger reads). Large blocks are retired and reused once
//! nothing else refers to them, instead of faulting in fresh pages for every block; a
//! connection that falls quiet (small reads again, or silence after large ones) gives its
//! retired and unused large blocks back.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::collections::VecDeque;

use bytes::BytesMut;

/// Block size while reads are large.
pub(crate) const LARGE_BLOCK: usize = 256 * 1024;
/// Block size while reads are small.
const SMALL_BLOCK: usize = 32 * 1024;
/// A read at least this large asks for large blocks.
const LARGE_READ: usize = 16 * 1024;
/// Small reads in a row after which blocks are small again, and the connection gives its
/// large blocks back once it has nothing more to read.
const SMALL_READS: u32 = 4;
/// A connection with nothing to read this long after its last large read gives its large
/// blocks back, small reads or not.
const QUIET_AFTER: std::time::Duration = std::time::Duration::from_secs(1);
/// Retired large blocks kept for reuse. One still referred to elsewhere costs nothing extra
/// (its slices keep it alive anyway); a free one costs a block until the connection is
/// quiet again.
const KEEP: usize = 4;

/// Read blocks, retired blocks waiting to be reused, and what recent reads were like.
pub(crate) struct ReadBlocks {
    retired: VecDeque<BytesMut>,
    /// The current block is a large one.
    current_large: bool,
    /// Bytes the last read returned.
    last_read: usize,
    /// Reads in a row smaller than `LARGE_READ`.
    small_reads: u32,
    /// When to give large blocks back if nothing more arrives (`QUIET_AFTER`).
    quiet_at: Option<tokio::time::Instant>,
}

impl Default for ReadBlocks {
    fn default() -> Self {
        ReadBlocks {
            retired: VecDeque::new(),
            current_large: false,
            last_read: 0,
            small_reads: SMALL_READS,
            quiet_at: None,
        }
    }
}

// The small methods below run on every read of the driver, which is generic and so built
// in the user's crate: `#[inline]` lets them be inlined there (without it, request/response
// measured 10-20 % slower).
impl ReadBlocks {
    /// Makes room for the next read in `input` (the session's input buffer), in a large
    /// block while reads are large.
    #[inline]
    pub fn prepare(&mut self, input: &mut BytesMut) {
        let large = self.small_reads < SMALL_READS;
        self.prepare_sized(input, large);
    }

    /// Bytes the last read returned.
    #[inline]
    pub fn last_read(&self) -> usize {
        self.last_read
    }

    /// A read returned `n` bytes.
    #[inline]
    pub fn read(&mut self, n: usize) {
        self.last_read = n;
        if n >= LARGE_READ {
            self.small_reads = 0;
            self.quiet_at = Some(tokio::time::Instant::now() + QUIET_AFTER);
        } else {
            self.small_reads = self.small_reads.saturating_add(1);
        }
    }

    /// Nothing more to read for now: after small reads, or once `QUIET_AFTER` has passed
    /// since the last large one, the connection is quiet.
    #[inline]
    pub fn nothing_to_read(&mut self, input: &mut BytesMut) {
        let small = self.small_reads >= SMALL_READS;
        if small
            || self
                .quiet_at
                .is_some_and(|t| t <= tokio::time::Instant::now())
        {
            self.quiet(input);
            self.quiet_at = None;
            self.small_reads = SMALL_READS;
        }
    }

    /// When the connection counts as quiet if nothing more arrives: the driver wakes then.
    #[inline]
    pub fn quiet_at(&self) -> Option<tokio::time::Instant> {
        self.quiet_at
    }

    /// Makes room for a read in `input`: when less than an eighth of a block is free, it
    /// moves to a new block (a reusable retired one when `large`), carrying over the bytes
    /// not yet decoded (a partial frame).
    fn prepare_sized(&mut self, input: &mut BytesMut, large: bool) {
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

    /// Retired blocks are dropped, and so is an empty large current block (the next read
    /// starts small).
    fn quiet(&mut self, input: &mut BytesMut) {
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
        blocks.prepare_sized(&mut input, true);
        let first = input.as_ptr();
        fill(&mut input, 100);
        let slice = input.split_to(input.len() - 10).freeze(); // a payload, unread
        blocks.prepare_sized(&mut input, true);
        assert_eq!(&input[..], &[1; 10], "the partial frame is carried over");
        assert_ne!(input.as_ptr(), first);
        input.clear();
        fill(&mut input, 100);
        let _second_slice = input.split().freeze();
        blocks.prepare_sized(&mut input, true);
        assert_ne!(
            input.as_ptr(),
            first,
            "the first block is still referred to"
        );
        drop(slice);
        fill(&mut input, 100);
        drop(input.split()); // decoded and read at once
        blocks.prepare_sized(&mut input, true);
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
        blocks.prepare_sized(&mut input, false);
        assert_eq!(input.capacity(), SMALL_BLOCK);
        fill(&mut input, 10);
        drop(input.split());
        blocks.prepare_sized(&mut input, false);
        assert_eq!(input.capacity(), SMALL_BLOCK);
        assert!(blocks.retired.is_empty());
    }

    #[test]
    fn room_left_means_no_change_and_a_large_frame_grows_the_block() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::with_capacity(LARGE_BLOCK);
        input.extend_from_slice(&[2; 1000]);
        let p = input.as_ptr();
        blocks.prepare_sized(&mut input, true);
        assert_eq!(input.as_ptr(), p);
        fill(&mut input, LARGE_BLOCK / 8 - 1);
        blocks.prepare_sized(&mut input, true);
        assert_eq!(input.len(), LARGE_BLOCK - LARGE_BLOCK / 8 + 1, "all kept");
        assert!(input.capacity() - input.len() >= LARGE_BLOCK);
    }

    #[test]
    fn at_most_keep_blocks_are_retired_and_a_quiet_connection_drops_them() {
        let mut blocks = ReadBlocks::default();
        let mut input = BytesMut::new();
        let mut held = Vec::new();
        for _ in 0..3 * KEEP {
            blocks.prepare_sized(&mut input, true);
            fill(&mut input, 0);
            held.push(input.split().freeze());
        }
        assert_eq!(blocks.retired.len(), KEEP);
        blocks.prepare_sized(&mut input, true);
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
