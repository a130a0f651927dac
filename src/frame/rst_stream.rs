//! RST_STREAM (SPDY31.md §4.3).

use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN, ID_MASK};
use super::{DecodeError, FrameType, RstStatus};

/// Ends a stream abnormally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RstStream {
    /// The stream (never 0, S-28).
    pub stream_id: u32,
    /// Why; unknown codes are kept as received (S-27).
    pub status: RstStatus,
}

impl RstStream {
    pub(super) fn parse(mut p: Bytes) -> Result<Self, DecodeError> {
        if p.len() != 8 {
            return Err(DecodeError::invalid_length(FrameType::RST_STREAM, p.len()));
        }
        let stream_id = p.get_u32() & ID_MASK;
        if stream_id == 0 {
            return Err(DecodeError::StreamIdZero {
                frame_type: FrameType::RST_STREAM,
            });
        }
        Ok(RstStream {
            stream_id,
            status: RstStatus(p.get_u32()),
        })
    }

    /// Writes the frame.
    pub fn encode(&self, dst: &mut impl BufMut) {
        FrameHead::put_control(dst, FrameType::RST_STREAM, 0, 8);
        dst.put_u32(self.stream_id & ID_MASK);
        dst.put_u32(self.status.0);
    }

    /// Bytes the encoded frame occupies.
    pub const ENCODED_LEN: usize = HEAD_LEN + 8;
}
