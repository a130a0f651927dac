//! SYN_STREAM (SPDY31.md §4.1).

use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN, ID_MASK};
use super::{DecodeError, EncodeError, FrameType, FLAG_FIN, FLAG_UNIDIRECTIONAL};

/// Opens a stream: ids, priority and the compressed header block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynStream {
    /// The new stream's id (never 0).
    pub stream_id: u32,
    /// For a server push, the client stream that prompted it; otherwise 0.
    pub associated_stream_id: u32,
    /// 0 (most urgent) … 7 (least).
    pub priority: u8,
    /// The SPDY/3 CREDENTIAL slot; reserved in 3.1 (send 0, ignored on receipt).
    pub slot: u8,
    /// FLAG_FIN: the creator sends nothing more on this stream.
    pub fin: bool,
    /// FLAG_UNIDIRECTIONAL: the recipient may not send on this stream.
    pub unidirectional: bool,
    /// The compressed name/value block, exactly as on the wire.
    pub header_block: Bytes,
}

/// Fixed part of the payload before the header block.
const FIXED: usize = 10;

impl SynStream {
    pub(super) fn parse(flags: u8, mut p: Bytes) -> Result<Self, DecodeError> {
        if p.len() < FIXED {
            return Err(DecodeError::invalid_length(FrameType::SYN_STREAM, p.len()));
        }
        let stream_id = p.get_u32() & ID_MASK;
        let associated_stream_id = p.get_u32() & ID_MASK;
        let priority = p.get_u8() >> 5;
        let slot = p.get_u8();
        if stream_id == 0 {
            return Err(DecodeError::StreamIdZero {
                frame_type: FrameType::SYN_STREAM,
            });
        }
        Ok(SynStream {
            stream_id,
            associated_stream_id,
            priority,
            slot,
            fin: flags & FLAG_FIN != 0,
            unidirectional: flags & FLAG_UNIDIRECTIONAL != 0,
            header_block: p,
        })
    }

    /// Writes the frame; priorities above 7 are sent as 7.
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        let len = EncodeError::check(FIXED + self.header_block.len())?;
        let mut flags = 0;
        if self.fin {
            flags |= FLAG_FIN;
        }
        if self.unidirectional {
            flags |= FLAG_UNIDIRECTIONAL;
        }
        FrameHead::put_control(dst, FrameType::SYN_STREAM, flags, len);
        dst.put_u32(self.stream_id & ID_MASK);
        dst.put_u32(self.associated_stream_id & ID_MASK);
        dst.put_u8(self.priority.min(7) << 5);
        dst.put_u8(self.slot);
        dst.put_slice(&self.header_block);
        Ok(())
    }

    /// Bytes the encoded frame occupies.
    pub fn encoded_len(&self) -> usize {
        HEAD_LEN + FIXED + self.header_block.len()
    }
}
