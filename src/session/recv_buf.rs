//! One stream's received data not yet read. DATA payloads arrive as slices of the session's
//! input buffer (no copy); a slice held unread keeps its whole input block alive, so a peer
//! whose data nobody reads could pin blocks far larger than the data itself (one byte per
//! block). The buffer keeps a payload as a slice only while the blocks pinned by unread
//! slices stay within [`Config::max_held_blocks`](super::Config::max_held_blocks) and the
//! payload is not tiny; other payloads are copied, coalesced into one owned tail. Memory
//! pinned by unread data is then at most that many input blocks beside the unread bytes.

use alloc::collections::VecDeque;
use bytes::{Bytes, BytesMut};

use super::held_blocks::{BlockKey, HeldBlocks};

/// Payloads shorter than this are always copied: copying them costs less than the block
/// they could pin.
pub(super) const MIN_SLICE: usize = 1024;

/// Smallest allocation for the copied tail, so small payloads coalesce.
const TAIL_STEP: usize = 4 * 1024;

/// Received data of one stream, in order.
#[derive(Debug, Default)]
pub(super) struct RecvBuf {
    /// Pieces in order, each with the input block it pins when it is a slice of one.
    chunks: VecDeque<(Bytes, Option<BlockKey>)>,
    /// Copied bytes after `chunks`.
    tail: BytesMut,
    len: usize,
}

impl RecvBuf {
    /// Bytes held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a payload sliced from input block `block`: kept as it is when it is at least
    /// [`MIN_SLICE`] long and `held` can pin its block (at most `max_blocks`), else copied.
    pub fn push(
        &mut self,
        payload: Bytes,
        block: BlockKey,
        held: &mut HeldBlocks,
        max_blocks: usize,
    ) {
        self.len += payload.len();
        if payload.len() >= MIN_SLICE && held.hold(block, max_blocks) {
            self.freeze_tail();
            self.chunks.push_back((payload, Some(block)));
            return;
        }
        if self.tail.capacity() - self.tail.len() < payload.len() {
            self.tail.reserve(payload.len().max(TAIL_STEP));
        }
        self.tail.extend_from_slice(&payload);
    }

    /// Appends a payload the caller holds apart from the input buffer: kept exactly as
    /// given (it may stand in for bytes kept elsewhere, so it is never copied) and pinning
    /// no input block. What it keeps alive is the caller's to bound (the Node package's
    /// rule is in `src/wasm/delivery.rs`: a view pins at most about 64 times itself).
    pub fn push_as_given(&mut self, payload: Bytes) {
        self.len += payload.len();
        self.freeze_tail();
        self.chunks.push_back((payload, None));
    }

    /// Takes up to `max` (≥ 1) bytes from the front; a slice wholly taken releases its block
    /// in `held`.
    pub fn take(&mut self, max: usize, held: &mut HeldBlocks) -> Option<Bytes> {
        if let Some((front, _)) = self.chunks.front_mut() {
            if front.len() > max {
                self.len -= max;
                return Some(front.split_to(max));
            }
            let (out, block) = self.chunks.pop_front().expect("front exists");
            self.len -= out.len();
            if let Some(block) = block {
                held.release(block);
            }
            return Some(out);
        }
        if self.tail.is_empty() {
            return None;
        }
        let n = self.tail.len().min(max);
        self.len -= n;
        Some(self.tail.split_to(n).freeze())
    }

    /// Drops everything, releasing the blocks its slices pinned.
    pub fn clear(&mut self, held: &mut HeldBlocks) {
        for (_, block) in self.chunks.drain(..) {
            if let Some(block) = block {
                held.release(block);
            }
        }
        self.tail = BytesMut::new();
        self.len = 0;
    }

    fn freeze_tail(&mut self) {
        if !self.tail.is_empty() {
            let copied = self.tail.split().freeze();
            self.chunks.push_back((copied, None));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_across_slices_and_copies() {
        let mut held = HeldBlocks::default();
        let mut b = RecvBuf::default();
        b.push(Bytes::from_static(b"ab"), 1, &mut held, 1);
        assert_eq!(held.len(), 0, "tiny: copied");
        b.push(Bytes::from(alloc::vec![b'c'; MIN_SLICE]), 1, &mut held, 1);
        assert_eq!(held.len(), 1, "sliced");
        b.push(Bytes::from(alloc::vec![b'd'; MIN_SLICE]), 2, &mut held, 1);
        b.push(Bytes::from_static(b"e"), 1, &mut held, 1);
        assert_eq!(held.len(), 1, "block 2 is over the limit: copied");
        assert_eq!(b.len(), 3 + 2 * MIN_SLICE);
        let mut all = alloc::vec::Vec::new();
        while let Some(bytes) = b.take(700, &mut held) {
            all.extend_from_slice(&bytes);
            if all.len() < 2 + MIN_SLICE {
                assert_eq!(
                    held.len(),
                    1,
                    "block 1 is pinned until its slice is wholly taken"
                );
            }
        }
        assert_eq!(held.len(), 0);
        let mut want = b"ab".to_vec();
        want.extend(alloc::vec![b'c'; MIN_SLICE]);
        want.extend(alloc::vec![b'd'; MIN_SLICE]);
        want.push(b'e');
        assert_eq!(all, want);
        assert!(b.is_empty());
    }

    #[test]
    fn clearing_releases_every_block() {
        let mut held = HeldBlocks::default();
        let mut b = RecvBuf::default();
        b.push(Bytes::from(alloc::vec![1; 2000]), 7, &mut held, 4);
        b.push(Bytes::from(alloc::vec![1; 2000]), 7, &mut held, 4);
        b.push(Bytes::from(alloc::vec![1; 2000]), 8, &mut held, 4);
        assert_eq!(held.len(), 2);
        b.clear(&mut held);
        assert_eq!(held.len(), 0);
        assert_eq!(b.take(1, &mut held), None);
    }
}
