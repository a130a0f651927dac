//! The 8-byte common frame header (SPDY31.md §3.1).

use bytes::BufMut;

use super::FrameType;

/// Size of the common frame header.
pub const HEAD_LEN: usize = 8;
/// Largest payload the 24-bit length field can express (2^24 − 1).
pub const MAX_PAYLOAD_LEN: u32 = 0x00ff_ffff;
/// The protocol version carried by every control frame (SPDY/3 and 3.1 alike).
pub const VERSION: u16 = 3;
/// Mask for 31-bit stream ids and window deltas; the top bit is reserved (S-7).
pub const ID_MASK: u32 = 0x7fff_ffff;

/// What the first four bytes of a frame say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// A control frame (control bit set).
    Control {
        /// The 15-bit version field.
        version: u16,
        /// The 16-bit type field.
        frame_type: FrameType,
    },
    /// A DATA frame (control bit clear).
    Data {
        /// The 31-bit stream id.
        stream_id: u32,
    },
}

/// A parsed common header: kind, flags and payload length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHead {
    /// Control or data, with the fields of the first word.
    pub kind: FrameKind,
    /// The 8-bit flags, exactly as received.
    pub flags: u8,
    /// The 24-bit payload length (excludes these 8 bytes).
    pub length: u32,
}

impl FrameHead {
    /// Parses the 8 header bytes. Every bit pattern is a valid head.
    pub fn parse(b: &[u8; HEAD_LEN]) -> FrameHead {
        let w = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let kind = if w & 0x8000_0000 != 0 {
            FrameKind::Control {
                version: ((w >> 16) & 0x7fff) as u16,
                frame_type: FrameType(w as u16),
            }
        } else {
            FrameKind::Data { stream_id: w }
        };
        FrameHead {
            kind,
            flags: b[4],
            length: u32::from_be_bytes([0, b[5], b[6], b[7]]),
        }
    }

    /// Writes a version-3 control frame header.
    pub(crate) fn put_control(dst: &mut impl BufMut, frame_type: FrameType, flags: u8, len: u32) {
        dst.put_u32(0x8000_0000 | (u32::from(VERSION) << 16) | u32::from(frame_type.0));
        dst.put_u32((u32::from(flags) << 24) | len);
    }

    /// Writes a DATA frame header.
    pub(crate) fn put_data(dst: &mut impl BufMut, stream_id: u32, flags: u8, len: u32) {
        dst.put_u32(stream_id & ID_MASK);
        dst.put_u32((u32::from(flags) << 24) | len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s1_s2_control_head_fields() {
        let h = FrameHead::parse(&[0x80, 0x03, 0x00, 0x09, 0xa5, 0x01, 0x02, 0x03]);
        assert_eq!(
            h.kind,
            FrameKind::Control {
                version: 3,
                frame_type: FrameType::WINDOW_UPDATE
            }
        );
        assert_eq!(h.flags, 0xa5);
        assert_eq!(h.length, 0x010203);
    }

    #[test]
    fn s4_data_head_fields() {
        let h = FrameHead::parse(&[0x7f, 0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff]);
        assert_eq!(
            h.kind,
            FrameKind::Data {
                stream_id: 0x7fff_ffff
            }
        );
        assert_eq!(h.length, MAX_PAYLOAD_LEN);
    }

    #[test]
    fn s2_put_control_writes_version_3() {
        let mut v = alloc::vec::Vec::new();
        FrameHead::put_control(&mut v, FrameType::PING, 0, 4);
        assert_eq!(v, [0x80, 0x03, 0x00, 0x06, 0, 0, 0, 4]);
    }
}
