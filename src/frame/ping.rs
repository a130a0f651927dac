//! PING (SPDY31.md §4.5).

use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN};
use super::{DecodeError, FrameType};

/// A ping or its echo. Clients use odd ids, servers even ids (S-69).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ping {
    /// The 32-bit ping id.
    pub id: u32,
}

impl Ping {
    pub(super) fn parse(mut p: Bytes) -> Result<Self, DecodeError> {
        if p.len() != 4 {
            return Err(DecodeError::invalid_length(FrameType::PING, p.len()));
        }
        Ok(Ping { id: p.get_u32() })
    }

    /// Writes the frame.
    pub fn encode(&self, dst: &mut impl BufMut) {
        FrameHead::put_control(dst, FrameType::PING, 0, 4);
        dst.put_u32(self.id);
    }

    /// Bytes the encoded frame occupies.
    pub const ENCODED_LEN: usize = HEAD_LEN + 4;
}
