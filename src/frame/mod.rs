//! The SPDY/3.1 frame codec: every frame type, a push-style [`Decoder`] and encoders that
//! write into a caller's [`BufMut`].
//!
//! The codec is stateless about streams and compression: header-carrying frames hold their
//! compressed block as received ([`Frame::header_block`]); inflating it is the job of
//! [`header_block`](crate::header_block), in wire order, one context per direction.

mod data;
mod decode;
mod goaway;
mod head;
mod ping;
mod rst_stream;
mod settings;
mod status;
mod syn_reply;
mod syn_stream;
mod window_update;

use bytes::{BufMut, Bytes};
use core::fmt;

pub use data::Data;
pub use decode::{DecodeError, Decoder, DecoderConfig};
pub use goaway::GoAway;
pub use head::{FrameHead, FrameKind, HEAD_LEN, ID_MASK, MAX_PAYLOAD_LEN, VERSION};
pub use ping::Ping;
pub use rst_stream::RstStream;
pub use settings::{Setting, Settings, FLAG_CLEAR_SETTINGS, FLAG_PERSISTED, FLAG_PERSIST_VALUE};
pub use status::{FrameType, GoAwayStatus, RstStatus, SettingId};
pub use syn_reply::{Headers, SynReply};
pub use syn_stream::SynStream;
pub use window_update::WindowUpdate;

/// FLAG_FIN on DATA, SYN_STREAM, SYN_REPLY and HEADERS.
pub const FLAG_FIN: u8 = 0x01;
/// FLAG_UNIDIRECTIONAL on SYN_STREAM.
pub const FLAG_UNIDIRECTIONAL: u8 = 0x02;

/// One decoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Stream content.
    Data(Data),
    /// Opens a stream.
    SynStream(SynStream),
    /// Accepts a stream.
    SynReply(SynReply),
    /// Ends a stream abnormally.
    RstStream(RstStream),
    /// Session parameters.
    Settings(Settings),
    /// Liveness and round trips.
    Ping(Ping),
    /// The session is ending.
    GoAway(GoAway),
    /// More name/value pairs for a stream.
    Headers(Headers),
    /// Raises a flow-control window.
    WindowUpdate(WindowUpdate),
    /// A control frame of a type SPDY/3.1 does not define (NOOP 5, CREDENTIAL 10, …). Its
    /// payload is skipped by the decoder (S-9); it can not be encoded (S-8).
    Unknown(UnknownFrame),
}

/// The header of a control frame whose type is not part of SPDY/3.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownFrame {
    /// The 16-bit type.
    pub frame_type: FrameType,
    /// The flags as received.
    pub flags: u8,
    /// The payload length that is being skipped.
    pub length: u32,
}

/// A frame that cannot be encoded: its payload would not fit the 24-bit length field, or it
/// is an [`UnknownFrame`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// The payload length that was asked for (0 for an unknown frame).
    pub length: usize,
}

impl EncodeError {
    fn check(len: usize) -> Result<u32, EncodeError> {
        if len > MAX_PAYLOAD_LEN as usize {
            Err(EncodeError { length: len })
        } else {
            Ok(len as u32)
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.length == 0 {
            f.write_str("unknown frame types are never sent")
        } else {
            write!(
                f,
                "frame payload of {} bytes exceeds the 24-bit length field",
                self.length
            )
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for EncodeError {}

impl Frame {
    /// The stream the frame belongs to, if it names one (GOAWAY's last-good id is not a
    /// stream; WINDOW_UPDATE's 0 means the session and is returned as `Some(0)`).
    pub fn stream_id(&self) -> Option<u32> {
        match self {
            Frame::Data(f) => Some(f.stream_id),
            Frame::SynStream(f) => Some(f.stream_id),
            Frame::SynReply(f) => Some(f.stream_id),
            Frame::RstStream(f) => Some(f.stream_id),
            Frame::Headers(f) => Some(f.stream_id),
            Frame::WindowUpdate(f) => Some(f.stream_id),
            Frame::Settings(_) | Frame::Ping(_) | Frame::GoAway(_) | Frame::Unknown(_) => None,
        }
    }

    /// The compressed header block of a SYN_STREAM, SYN_REPLY or HEADERS.
    pub fn header_block(&self) -> Option<&Bytes> {
        match self {
            Frame::SynStream(f) => Some(&f.header_block),
            Frame::SynReply(f) => Some(&f.header_block),
            Frame::Headers(f) => Some(&f.header_block),
            _ => None,
        }
    }

    /// The spec's name of the frame type (`"DATA"`, `"SYN_STREAM"`, …, `"UNKNOWN"`).
    pub fn name(&self) -> &'static str {
        match self {
            Frame::Data(_) => "DATA",
            Frame::SynStream(_) => "SYN_STREAM",
            Frame::SynReply(_) => "SYN_REPLY",
            Frame::RstStream(_) => "RST_STREAM",
            Frame::Settings(_) => "SETTINGS",
            Frame::Ping(_) => "PING",
            Frame::GoAway(_) => "GOAWAY",
            Frame::Headers(_) => "HEADERS",
            Frame::WindowUpdate(_) => "WINDOW_UPDATE",
            Frame::Unknown(_) => "UNKNOWN",
        }
    }

    /// Writes the whole frame. Only defined flags are written (S-11).
    pub fn encode(&self, dst: &mut impl BufMut) -> Result<(), EncodeError> {
        match self {
            Frame::Data(f) => f.encode(dst),
            Frame::SynStream(f) => f.encode(dst),
            Frame::SynReply(f) => f.encode(dst),
            Frame::RstStream(f) => {
                f.encode(dst);
                Ok(())
            }
            Frame::Settings(f) => f.encode(dst),
            Frame::Ping(f) => {
                f.encode(dst);
                Ok(())
            }
            Frame::GoAway(f) => {
                f.encode(dst);
                Ok(())
            }
            Frame::Headers(f) => f.encode(dst),
            Frame::WindowUpdate(f) => {
                f.encode(dst);
                Ok(())
            }
            Frame::Unknown(_) => Err(EncodeError { length: 0 }),
        }
    }

    /// Bytes the encoded frame occupies.
    pub fn encoded_len(&self) -> usize {
        match self {
            Frame::Data(f) => f.encoded_len(),
            Frame::SynStream(f) => f.encoded_len(),
            Frame::SynReply(f) => f.encoded_len(),
            Frame::RstStream(_) => RstStream::ENCODED_LEN,
            Frame::Settings(f) => f.encoded_len(),
            Frame::Ping(_) => Ping::ENCODED_LEN,
            Frame::GoAway(_) => GoAway::ENCODED_LEN,
            Frame::Headers(f) => f.encoded_len(),
            Frame::WindowUpdate(_) => WindowUpdate::ENCODED_LEN,
            Frame::Unknown(f) => HEAD_LEN + f.length as usize,
        }
    }
}

macro_rules! frame_from {
    ($($ty:ident),*) => {
        $(impl From<$ty> for Frame {
            fn from(f: $ty) -> Frame { Frame::$ty(f) }
        })*
    };
}
frame_from!(
    Data,
    SynStream,
    SynReply,
    RstStream,
    Settings,
    Ping,
    GoAway,
    Headers,
    WindowUpdate
);
