//! SYN_REPLY (SPDY31.md §4.2) and HEADERS (§4.7): a stream id and a header block.

use bytes::{Buf, BufMut, Bytes};

use super::head::{FrameHead, HEAD_LEN, ID_MASK};
use super::{DecodeError, EncodeError, FrameType, FLAG_FIN};

macro_rules! stream_headers_frame {
    ($(#[$meta:meta])* $name:ident, $frame_type:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            /// The stream (never 0, S-28).
            pub stream_id: u32,
            /// FLAG_FIN: the sender's last frame on this stream.
            pub fin: bool,
            /// The compressed name/value block, exactly as on the wire (may be empty for
            /// HEADERS of length 4, SPDY31.md §16 item 8).
            pub header_block: Bytes,
        }

        impl $name {
            pub(super) fn parse(flags: u8, mut p: Bytes) -> Result<Self, DecodeError> {
                if p.len() < 4 {
                    return Err(DecodeError::invalid_length($frame_type, p.len()));
                }
                let stream_id = p.get_u32() & ID_MASK;
                if stream_id == 0 {
                    return Err(DecodeError::StreamIdZero { frame_type: $frame_type });
                }
                Ok($name { stream_id, fin: flags & FLAG_FIN != 0, header_block: p })
            }

            /// Writes the frame.
            pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
                let len = EncodeError::check(4 + self.header_block.len())?;
                let flags = if self.fin { FLAG_FIN } else { 0 };
                FrameHead::put_control(dst, $frame_type, flags, len);
                dst.put_u32(self.stream_id & ID_MASK);
                dst.put_slice(&self.header_block);
                Ok(())
            }

            /// Bytes the encoded frame occupies.
            pub fn encoded_len(&self) -> usize {
                HEAD_LEN + 4 + self.header_block.len()
            }
        }
    };
}

stream_headers_frame!(
    /// Accepts a bidirectional stream (at most once per stream, S-24).
    SynReply,
    FrameType::SYN_REPLY
);

stream_headers_frame!(
    /// More name/value pairs for an existing stream, before, between or after its DATA
    /// (trailers).
    Headers,
    FrameType::HEADERS
);
