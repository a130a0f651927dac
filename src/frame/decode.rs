//! The push-style frame decoder.
//!
//! The caller appends received bytes to a [`BytesMut`] (for a socket, read straight into
//! it) and calls [`Decoder::decode`] until it returns `Ok(None)`: "need more bytes" is a
//! normal result. Any chunking gives the same frames. Payloads are split off the input
//! without copying, and nothing is sized from the wire before it is checked against a limit.

use bytes::{Buf, Bytes, BytesMut};
use core::fmt;

use super::head::{FrameHead, FrameKind, HEAD_LEN, MAX_PAYLOAD_LEN, VERSION};
use super::{
    Data, Frame, FrameType, GoAway, GoAwayStatus, Headers, Ping, RstStatus, RstStream, Settings,
    SynReply, SynStream, UnknownFrame, WindowUpdate,
};
use crate::error::Reaction;

/// Frame-size limits of a [`Decoder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecoderConfig {
    /// Largest control-frame payload accepted; a larger SYN_STREAM, SETTINGS, … is a session
    /// error, since a header block that is not inflated desynchronises the session (S-30).
    /// Unknown frame types are skipped whatever their size. Default 65 536 (the spec requires
    /// at least 8192, S-6); it bounds the memory one peer can make the decoder buffer.
    pub max_control_payload: u32,
    /// Largest DATA payload accepted; a larger frame draws RST_STREAM FRAME_TOO_LARGE and is
    /// skipped without being buffered. Default: any size the length field allows, because
    /// DATA is never buffered whole (see `data_piece`) and flow control bounds it.
    pub max_data_payload: u32,
    /// A DATA frame whose payload is not all buffered yet is delivered in pieces as soon as
    /// at least this many of its bytes are buffered, so a long frame never has to be held in
    /// memory whole. Default 16 384. Set it to [`MAX_PAYLOAD_LEN`] to get whole frames only
    /// from [`Decoder::decode`] (payloads given to [`Decoder::decode_payload`] come as given).
    pub data_piece: u32,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            max_control_payload: 64 * 1024,
            max_data_payload: MAX_PAYLOAD_LEN,
            data_piece: 16 * 1024,
        }
    }
}

/// A frame the codec rejects, with the reaction the spec calls for.
///
/// Errors whose [`reaction`](Self::reaction) is a session error poison the decoder: every
/// later call returns the same error. After a stream error the decoder has consumed the
/// offending frame and goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// A control frame with a version other than 3 (S-3).
    UnsupportedVersion {
        /// The version field received.
        version: u16,
    },
    /// A control frame whose length does not fit its type (S-10).
    InvalidLength {
        /// The frame type.
        frame_type: FrameType,
        /// Its payload length.
        length: u32,
    },
    /// SYN_STREAM, SYN_REPLY, RST_STREAM or HEADERS on stream 0 (S-17, S-28).
    StreamIdZero {
        /// The frame type.
        frame_type: FrameType,
    },
    /// A DATA frame on stream 0 (S-12).
    DataStreamIdZero,
    /// A control frame larger than [`DecoderConfig::max_control_payload`].
    ControlFrameTooLarge {
        /// The frame type.
        frame_type: FrameType,
        /// Its payload length.
        length: u32,
    },
    /// A DATA frame larger than [`DecoderConfig::max_data_payload`]; its payload is skipped.
    /// The skipped bytes still count against the session window (S-58).
    DataFrameTooLarge {
        /// The stream.
        stream_id: u32,
        /// The payload length being skipped.
        length: u32,
    },
    /// WINDOW_UPDATE with delta 0 (S-54).
    ZeroWindowDelta {
        /// The stream, or 0 for the session window.
        stream_id: u32,
    },
}

impl DecodeError {
    pub(super) fn invalid_length(frame_type: FrameType, length: usize) -> DecodeError {
        DecodeError::InvalidLength {
            frame_type,
            length: length as u32,
        }
    }

    /// What the receiver must do: GOAWAY PROTOCOL_ERROR for framing errors, RST_STREAM for
    /// the stream-scoped ones.
    pub fn reaction(self) -> Reaction {
        match self {
            DecodeError::DataFrameTooLarge { stream_id, .. } => Reaction::ResetStream {
                stream_id,
                status: RstStatus::FRAME_TOO_LARGE,
            },
            DecodeError::ZeroWindowDelta { stream_id } if stream_id != 0 => Reaction::ResetStream {
                stream_id,
                status: RstStatus::PROTOCOL_ERROR,
            },
            _ => Reaction::CloseSession(GoAwayStatus::PROTOCOL_ERROR),
        }
    }

    /// True when the error ends the session.
    pub fn is_session_error(self) -> bool {
        self.reaction().is_session_error()
    }

    /// The checklist rule of SPDY31.md that the error enforces.
    pub fn rule(self) -> &'static str {
        match self {
            DecodeError::UnsupportedVersion { .. } => "S-3",
            DecodeError::InvalidLength { .. } => "S-10",
            DecodeError::StreamIdZero { frame_type } if frame_type == FrameType::SYN_STREAM => {
                "S-17"
            }
            DecodeError::StreamIdZero { .. } => "S-28",
            DecodeError::DataStreamIdZero => "S-12",
            DecodeError::ControlFrameTooLarge { .. } | DecodeError::DataFrameTooLarge { .. } => {
                "S-30"
            }
            DecodeError::ZeroWindowDelta { .. } => "S-54",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::UnsupportedVersion { version } => {
                write!(f, "control frame with unsupported version {version}")
            }
            DecodeError::InvalidLength { frame_type, length } => {
                write!(f, "{frame_type:?} frame with invalid length {length}")
            }
            DecodeError::StreamIdZero { frame_type } => write!(f, "{frame_type:?} on stream 0"),
            DecodeError::DataStreamIdZero => f.write_str("DATA frame on stream 0"),
            DecodeError::ControlFrameTooLarge { frame_type, length } => {
                write!(
                    f,
                    "{frame_type:?} frame of {length} bytes exceeds the control-frame limit"
                )
            }
            DecodeError::DataFrameTooLarge { stream_id, length } => write!(
                f,
                "DATA frame of {length} bytes on stream {stream_id} exceeds the data-frame limit"
            ),
            DecodeError::ZeroWindowDelta { stream_id } => {
                write!(f, "WINDOW_UPDATE with delta 0 for stream {stream_id}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

#[derive(Clone, Copy, Debug)]
enum State {
    /// Waiting for the next 8-byte header.
    Head,
    /// Inside a DATA frame whose header is consumed.
    Data {
        stream_id: u32,
        fin: bool,
        remaining: usize,
    },
    /// Discarding the payload of an unknown or rejected frame.
    Skip { remaining: usize },
    /// A session error happened; the input can no longer be framed.
    Failed(DecodeError),
}

/// The incremental frame decoder for one direction of a session.
#[derive(Clone, Debug)]
pub struct Decoder {
    config: DecoderConfig,
    state: State,
    /// Bytes consumed from the start of the input.
    position: u64,
    /// Offset and header of the most recent frame started.
    last_head: Option<(u64, FrameHead)>,
}

impl Decoder {
    /// A decoder with the given limits.
    pub fn new(config: DecoderConfig) -> Self {
        Decoder {
            config,
            state: State::Head,
            position: 0,
            last_head: None,
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Bytes consumed since the decoder was created.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Byte offset and header of the most recent frame whose header was read: for tools that
    /// show raw flags and offsets, and for locating an error in the input.
    pub fn last_head(&self) -> Option<(u64, FrameHead)> {
        self.last_head
    }

    /// True when a frame has started but not ended: `buffered` bytes are waiting in the
    /// input, or a frame's payload is still being delivered or skipped. Used by the session
    /// to time out a peer that sends a frame byte by byte.
    pub fn is_mid_frame(&self, buffered: usize) -> bool {
        match self.state {
            State::Head => buffered > 0,
            State::Data { .. } | State::Skip { .. } => true,
            State::Failed(_) => false,
        }
    }

    /// Bytes still to come of the DATA payload under way; 0 outside a DATA payload.
    pub fn payload_remaining(&self) -> usize {
        match self.state {
            State::Data { remaining, .. } => remaining,
            _ => 0,
        }
    }

    /// How many bytes beyond `buffered` (the undecoded input) [`decode`](Self::decode) needs
    /// before it can go on: the rest of a frame head, of a control frame or of a DATA piece,
    /// or what remains to skip; at least 1 (and only 1 once the decoder has failed: it
    /// takes nothing more). An adapter that copies received bytes into the input only as
    /// far as needed uses it to keep DATA payloads out of the input (see
    /// [`decode_payload`](Self::decode_payload)). A control frame's length is the one on
    /// the wire, before [`decode`](Self::decode) checks it against the limit: copy no more
    /// than what was received.
    pub fn wanted(&self, buffered: &[u8]) -> usize {
        let need = match self.state {
            State::Head if buffered.len() < HEAD_LEN => HEAD_LEN,
            State::Head => {
                let mut raw = [0u8; HEAD_LEN];
                raw.copy_from_slice(&buffered[..HEAD_LEN]);
                let head = FrameHead::parse(&raw);
                match head.kind {
                    FrameKind::Control { .. } => HEAD_LEN + head.length as usize,
                    FrameKind::Data { .. } => HEAD_LEN,
                }
            }
            State::Data { remaining, .. } => remaining.min(self.config.data_piece.max(1) as usize),
            State::Skip { remaining } => remaining,
            State::Failed(_) => 0,
        };
        need.saturating_sub(buffered.len()).max(1)
    }

    /// Decodes `payload` as the next bytes of the DATA payload under way when the caller
    /// holds them apart from the input: they become a piece of that frame as given, neither
    /// copied nor read. Only valid while nothing is buffered before them; `None` (and
    /// nothing consumed) when no DATA payload is under way, `payload` is empty or it is
    /// longer than [`payload_remaining`](Self::payload_remaining).
    pub fn decode_payload(&mut self, payload: Bytes) -> Option<Data> {
        let State::Data {
            stream_id,
            fin,
            remaining,
        } = self.state
        else {
            return None;
        };
        if payload.is_empty() || payload.len() > remaining {
            return None;
        }
        let last = self.advance_data(stream_id, fin, remaining, payload.len());
        Some(Data {
            stream_id,
            fin: fin && last,
            payload,
        })
    }

    /// Moves past `take` bytes of a DATA payload with `remaining` left; true when that ends
    /// the frame.
    fn advance_data(&mut self, stream_id: u32, fin: bool, remaining: usize, take: usize) -> bool {
        self.position += take as u64;
        let last = take == remaining;
        self.state = if last {
            State::Head
        } else {
            State::Data {
                stream_id,
                fin,
                remaining: remaining - take,
            }
        };
        last
    }

    /// Decodes the next frame from the front of `src`, consuming its bytes.
    ///
    /// Returns `Ok(None)` when `src` holds no complete frame yet (append more and call
    /// again), `Ok(Some(frame))` for each frame, and `Err` for a rejected frame; see
    /// [`DecodeError::reaction`].
    pub fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
        loop {
            match self.state {
                State::Failed(e) => return Err(e),
                State::Skip { remaining } => {
                    let n = remaining.min(src.len());
                    self.consume(src, n);
                    if n < remaining {
                        self.state = State::Skip {
                            remaining: remaining - n,
                        };
                        return Ok(None);
                    }
                    self.state = State::Head;
                }
                State::Data {
                    stream_id,
                    fin,
                    remaining,
                } => return Ok(self.data_piece(src, stream_id, fin, remaining)),
                State::Head => {
                    if src.len() < HEAD_LEN {
                        return Ok(None);
                    }
                    let mut raw = [0u8; HEAD_LEN];
                    raw.copy_from_slice(&src[..HEAD_LEN]);
                    let head = FrameHead::parse(&raw);
                    self.last_head = Some((self.position, head));
                    match head.kind {
                        FrameKind::Data { stream_id } => self.start_data(src, head, stream_id)?,
                        FrameKind::Control {
                            version,
                            frame_type,
                        } => {
                            return self.control(src, head, version, frame_type);
                        }
                    }
                }
            }
        }
    }

    fn consume(&mut self, src: &mut BytesMut, n: usize) {
        src.advance(n);
        self.position += n as u64;
    }

    fn fail(&mut self, e: DecodeError) -> DecodeError {
        self.state = State::Failed(e);
        e
    }

    fn start_data(
        &mut self,
        src: &mut BytesMut,
        head: FrameHead,
        stream_id: u32,
    ) -> Result<(), DecodeError> {
        if stream_id == 0 {
            return Err(self.fail(DecodeError::DataStreamIdZero));
        }
        self.consume(src, HEAD_LEN);
        let remaining = head.length as usize;
        if head.length > self.config.max_data_payload {
            self.state = State::Skip { remaining };
            return Err(DecodeError::DataFrameTooLarge {
                stream_id,
                length: head.length,
            });
        }
        self.state = State::Data {
            stream_id,
            fin: head.flags & super::FLAG_FIN != 0,
            remaining,
        };
        Ok(())
    }

    fn data_piece(
        &mut self,
        src: &mut BytesMut,
        stream_id: u32,
        fin: bool,
        remaining: usize,
    ) -> Option<Frame> {
        let avail = src.len();
        let (take, last) = if avail >= remaining {
            (remaining, true)
        } else if avail >= (self.config.data_piece as usize).max(1) {
            (avail, false)
        } else {
            return None;
        };
        let payload = src.split_to(take).freeze();
        self.advance_data(stream_id, fin, remaining, take);
        Some(Frame::Data(Data {
            stream_id,
            fin: fin && last,
            payload,
        }))
    }

    fn control(
        &mut self,
        src: &mut BytesMut,
        head: FrameHead,
        version: u16,
        frame_type: FrameType,
    ) -> Result<Option<Frame>, DecodeError> {
        if version != VERSION {
            return Err(self.fail(DecodeError::UnsupportedVersion { version }));
        }
        let length = head.length as usize;
        if !is_defined(frame_type) {
            self.consume(src, HEAD_LEN);
            self.state = State::Skip { remaining: length };
            return Ok(Some(Frame::Unknown(UnknownFrame {
                frame_type,
                flags: head.flags,
                length: head.length,
            })));
        }
        if head.length > self.config.max_control_payload {
            return Err(self.fail(DecodeError::ControlFrameTooLarge {
                frame_type,
                length: head.length,
            }));
        }
        let total = HEAD_LEN + length;
        if src.len() < total {
            src.reserve(total - src.len());
            return Ok(None);
        }
        self.consume(src, HEAD_LEN);
        let payload = src.split_to(length).freeze();
        self.position += length as u64;
        let flags = head.flags;
        let parsed = match frame_type {
            FrameType::SYN_STREAM => SynStream::parse(flags, payload).map(Frame::SynStream),
            FrameType::SYN_REPLY => SynReply::parse(flags, payload).map(Frame::SynReply),
            FrameType::RST_STREAM => RstStream::parse(payload).map(Frame::RstStream),
            FrameType::SETTINGS => Settings::parse(flags, payload).map(Frame::Settings),
            FrameType::PING => Ping::parse(payload).map(Frame::Ping),
            FrameType::GOAWAY => GoAway::parse(payload).map(Frame::GoAway),
            FrameType::HEADERS => Headers::parse(flags, payload).map(Frame::Headers),
            _ => WindowUpdate::parse(payload).map(Frame::WindowUpdate),
        };
        match parsed {
            Ok(frame) => Ok(Some(frame)),
            Err(e) if e.is_session_error() => Err(self.fail(e)),
            Err(e) => Err(e),
        }
    }
}

/// The control types SPDY/3.1 defines (1–4, 6–9).
fn is_defined(t: FrameType) -> bool {
    matches!(t.0, 1..=4 | 6..=9)
}
