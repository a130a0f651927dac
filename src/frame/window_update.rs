//! WINDOW_UPDATE (SPDY31.md §4.8).

use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN, ID_MASK};
use super::{DecodeError, FrameType};

/// Raises a stream's send window, or the session's when `stream_id` is 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowUpdate {
    /// The stream, or 0 for the session window.
    pub stream_id: u32,
    /// The increase, 1 … 2^31 − 1.
    pub delta: u32,
}

impl WindowUpdate {
    pub(super) fn parse(mut p: Bytes) -> Result<Self, DecodeError> {
        if p.len() != 8 {
            return Err(DecodeError::invalid_length(
                FrameType::WINDOW_UPDATE,
                p.len(),
            ));
        }
        let stream_id = p.get_u32() & ID_MASK;
        let delta = p.get_u32() & ID_MASK;
        if delta == 0 {
            return Err(DecodeError::ZeroWindowDelta { stream_id });
        }
        Ok(WindowUpdate { stream_id, delta })
    }

    /// Writes the frame.
    pub fn encode(&self, dst: &mut impl BufMut) {
        FrameHead::put_control(dst, FrameType::WINDOW_UPDATE, 0, 8);
        dst.put_u32(self.stream_id & ID_MASK);
        dst.put_u32(self.delta & ID_MASK);
    }

    /// Bytes the encoded frame occupies.
    pub const ENCODED_LEN: usize = HEAD_LEN + 8;
}
