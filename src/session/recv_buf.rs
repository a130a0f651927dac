//! One stream's received data not yet read. DATA payloads arrive as slices of the session's
//! input buffer (no copy); a slice held unread keeps its whole input block alive, so a peer
//! whose data nobody reads could pin blocks far larger than the data itself (one byte per
//! block). The buffer keeps a payload as a slice only while the session holds few slices
//! unread ([`Config::max_held_slices`](super::Config::max_held_slices)) and the payload is
//! not tiny; other payloads are copied, coalesced into one owned tail. Memory pinned by
//! unread data is then at most that many input blocks beside the unread bytes themselves.

use alloc::collections::VecDeque;
use bytes::{Bytes, BytesMut};

/// Payloads shorter than this are always copied: copying them costs less than the block
/// they could pin, and they would use up the session's slice allowance.
pub(super) const MIN_SLICE: usize = 1024;

/// Smallest allocation for the copied tail, so small payloads coalesce.
const TAIL_STEP: usize = 4 * 1024;

/// Received data of one stream, in order.
#[derive(Debug, Default)]
pub(super) struct RecvBuf {
    /// Pieces in order; `true` marks a slice of the input buffer.
    chunks: VecDeque<(Bytes, bool)>,
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

    /// Appends a payload: kept as it is when `may_slice` (the session's allowance has room)
    /// and it is at least [`MIN_SLICE`] long, else copied. Returns true when kept as a slice.
    pub fn push(&mut self, payload: Bytes, may_slice: bool) -> bool {
        self.len += payload.len();
        if may_slice && payload.len() >= MIN_SLICE {
            self.freeze_tail();
            self.chunks.push_back((payload, true));
            return true;
        }
        if self.tail.capacity() - self.tail.len() < payload.len() {
            self.tail.reserve(payload.len().max(TAIL_STEP));
        }
        self.tail.extend_from_slice(&payload);
        false
    }

    /// Takes up to `max` (≥ 1) bytes from the front. Returns them and whether a slice of the
    /// input buffer was wholly released.
    pub fn take(&mut self, max: usize) -> Option<(Bytes, bool)> {
        if let Some((front, _)) = self.chunks.front_mut() {
            if front.len() > max {
                let out = front.split_to(max);
                self.len -= max;
                return Some((out, false));
            }
            let (out, slice) = self.chunks.pop_front().expect("front exists");
            self.len -= out.len();
            return Some((out, slice));
        }
        if self.tail.is_empty() {
            return None;
        }
        let n = self.tail.len().min(max);
        self.len -= n;
        Some((self.tail.split_to(n).freeze(), false))
    }

    /// Drops everything. Returns the number of slices released.
    pub fn clear(&mut self) -> usize {
        let slices = self.slices();
        self.chunks.clear();
        self.tail = BytesMut::new();
        self.len = 0;
        slices
    }

    /// Slices of the input buffer held.
    pub fn slices(&self) -> usize {
        self.chunks.iter().filter(|(_, slice)| *slice).count()
    }

    fn freeze_tail(&mut self) {
        if !self.tail.is_empty() {
            let copied = self.tail.split().freeze();
            self.chunks.push_back((copied, false));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_kept_across_slices_and_copies() {
        let mut b = RecvBuf::default();
        assert!(!b.push(Bytes::from_static(b"ab"), true), "tiny: copied");
        assert!(b.push(Bytes::from(alloc::vec![b'c'; MIN_SLICE]), true));
        assert!(!b.push(Bytes::from(alloc::vec![b'd'; MIN_SLICE]), false));
        assert!(!b.push(Bytes::from_static(b"e"), true));
        assert_eq!(b.len(), 3 + 2 * MIN_SLICE);
        assert_eq!(b.slices(), 1);
        let mut all = alloc::vec::Vec::new();
        let mut released = 0;
        while let Some((bytes, slice)) = b.take(700) {
            all.extend_from_slice(&bytes);
            released += usize::from(slice);
        }
        assert_eq!(
            released, 1,
            "the slice counts as released when its last part leaves"
        );
        let mut want = b"ab".to_vec();
        want.extend(alloc::vec![b'c'; MIN_SLICE]);
        want.extend(alloc::vec![b'd'; MIN_SLICE]);
        want.push(b'e');
        assert_eq!(all, want);
        assert!(b.is_empty());
    }

    #[test]
    fn a_whole_slice_taken_is_reported_released() {
        let mut b = RecvBuf::default();
        b.push(Bytes::from(alloc::vec![1; 2000]), true);
        assert_eq!(b.take(5000).map(|(x, s)| (x.len(), s)), Some((2000, true)));
        b.push(Bytes::from(alloc::vec![1; 2000]), true);
        assert_eq!(b.clear(), 1);
        assert_eq!(b.take(1), None);
    }
}
