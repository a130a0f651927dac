//! Input blocks kept alive by unread DATA payloads. A payload is a slice of the input buffer
//! (no copy) and keeps its whole block allocated until it is read; several payloads of one
//! block pin that block only once. The session keeps payloads as slices only while the
//! blocks they pin stay within [`Config::max_held_blocks`](super::Config::max_held_blocks).

use alloc::vec::Vec;
use bytes::BytesMut;

/// Identifies the allocation behind an input buffer: its end address, which splitting
/// bytes off the front does not change.
pub(super) type BlockKey = usize;

/// The block the unread part of `input` lies in.
pub(super) fn block_key(input: &BytesMut) -> BlockKey {
    input.as_ptr() as usize + input.capacity()
}

/// Blocks pinned by unread slices, each with the number of slices pinning it.
#[derive(Debug, Default)]
pub(super) struct HeldBlocks {
    blocks: Vec<(BlockKey, u32)>,
}

impl HeldBlocks {
    /// Blocks pinned.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Counts one more slice of `block`. Returns false, counting nothing, when the block is
    /// not yet pinned and `max` blocks already are.
    pub fn hold(&mut self, block: BlockKey, max: usize) -> bool {
        if let Some((_, n)) = self.blocks.iter_mut().find(|(k, _)| *k == block) {
            *n += 1;
            return true;
        }
        if self.blocks.len() >= max {
            return false;
        }
        self.blocks.push((block, 1));
        true
    }

    /// A slice of `block` was read or dropped.
    pub fn release(&mut self, block: BlockKey) {
        if let Some(i) = self.blocks.iter().position(|(k, _)| *k == block) {
            self.blocks[i].1 -= 1;
            if self.blocks[i].1 == 0 {
                self.blocks.swap_remove(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_of_one_block_pin_it_once() {
        let mut h = HeldBlocks::default();
        assert!(h.hold(1, 2));
        assert!(h.hold(1, 2));
        assert!(h.hold(2, 2));
        assert!(!h.hold(3, 2), "a third block is over the limit");
        assert!(h.hold(2, 2), "more slices of a pinned block are free");
        assert_eq!(h.len(), 2);
        h.release(1);
        assert_eq!(h.len(), 2, "block 1 still has a slice");
        h.release(1);
        assert_eq!(h.len(), 1);
        assert!(h.hold(3, 2));
    }

    #[test]
    fn the_key_survives_splitting_the_front_off() {
        let mut b = BytesMut::with_capacity(64);
        b.extend_from_slice(&[0; 40]);
        let key = block_key(&b);
        let _front = b.split_to(25).freeze();
        assert_eq!(block_key(&b), key);
        let _rest = b.split_to(15).freeze();
        assert_eq!(block_key(&b), key);
        let other = BytesMut::with_capacity(64);
        assert_ne!(block_key(&other), key);
    }
}
