//! GOAWAY (SPDY31.md §4.6).

use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN, ID_MASK};
use super::{DecodeError, FrameType, GoAwayStatus};

/// The session is ending: no new streams; streams above `last_good_stream_id` were not
/// processed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoAway {
    /// Highest stream id of the receiver's that the sender accepted (may be 0, S-73).
    pub last_good_stream_id: u32,
    /// Why; any code but OK is an error shutdown.
    pub status: GoAwayStatus,
}

impl GoAway {
    pub(super) fn parse(mut p: Bytes) -> Result<Self, DecodeError> {
        if p.len() != 8 {
            return Err(DecodeError::invalid_length(FrameType::GOAWAY, p.len()));
        }
        Ok(GoAway {
            last_good_stream_id: p.get_u32() & ID_MASK,
            status: GoAwayStatus(p.get_u32()),
        })
    }

    /// Writes the frame.
    pub fn encode(&self, dst: &mut impl BufMut) {
        FrameHead::put_control(dst, FrameType::GOAWAY, 0, 8);
        dst.put_u32(self.last_good_stream_id & ID_MASK);
        dst.put_u32(self.status.0);
    }

    /// Bytes the encoded frame occupies.
    pub const ENCODED_LEN: usize = HEAD_LEN + 8;
}
