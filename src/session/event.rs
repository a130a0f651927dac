//! What a session reports to its application: [`Event`]s, and the errors that end a stream
//! or the session, each saying who initiated it (DESIGN rule 5).

use core::fmt;

use crate::frame::{GoAwayStatus, RstStatus, Setting};
use crate::header_block::HeaderList;
use alloc::vec::Vec;

/// Who caused an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// The application, through a command (reset, goaway).
    Local,
    /// This library, on detecting a protocol violation, a limit or a timeout.
    Library,
    /// The peer, with a RST_STREAM or GOAWAY of its own.
    Remote,
}

/// Why a stream ended before both sides finished it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamError {
    /// A RST_STREAM with this status was sent (initiator Local or Library) or received
    /// (initiator Remote).
    Reset {
        /// The status.
        status: RstStatus,
        /// Who reset the stream.
        initiator: Initiator,
    },
    /// The peer never processed the stream (REFUSED_STREAM, or above the last-good id of
    /// its GOAWAY, S-29/S-75): it is safe to retry on another session.
    Refused,
    /// The session ended with the stream still open.
    SessionClosed,
    /// No SYN_REPLY came within [`Timeouts::reply`](super::Timeouts::reply); the stream was
    /// reset with CANCEL.
    ReplyTimeout,
}

impl StreamError {
    /// The RST_STREAM status involved, if any.
    pub fn status(self) -> Option<RstStatus> {
        match self {
            StreamError::Reset { status, .. } => Some(status),
            StreamError::Refused => Some(RstStatus::REFUSED_STREAM),
            StreamError::ReplyTimeout => Some(RstStatus::CANCEL),
            StreamError::SessionClosed => None,
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Reset { status, initiator } => {
                write!(f, "stream reset ({status}) by {initiator:?}")
            }
            StreamError::Refused => f.write_str("stream refused by the peer (safe to retry)"),
            StreamError::SessionClosed => f.write_str("session closed with the stream open"),
            StreamError::ReplyTimeout => f.write_str("no reply in time"),
        }
    }
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionErrorKind {
    /// The peer broke a rule of SPDY31.md (the rule id, e.g. `"S-15"`).
    Protocol(&'static str),
    /// The peer overran the session window (S-59) or overflowed it (S-55).
    FlowControl,
    /// The peer exceeded a flood limit (the kind: `"ping"`, `"settings"`, …).
    Flood(&'static str),
    /// A timer expired (`"idle"`, `"ping"`, `"first frame"`, `"frame completion"`,
    /// `"goaway drain"`).
    Timeout(&'static str),
    /// The peer sent GOAWAY.
    GoAway,
    /// The application closed the session.
    Closed,
    /// The transport ended (EOF or error) while the session was open.
    ConnectionLost,
    /// All stream ids of ours are used up (S-14).
    StreamIdsExhausted,
}

/// A session ending: its GOAWAY status, who initiated it and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionError {
    /// The GOAWAY status sent or received (`OK` for a normal close).
    pub status: GoAwayStatus,
    /// Who ended the session.
    pub initiator: Initiator,
    /// Why.
    pub kind: SessionErrorKind,
}

impl SessionError {
    /// True for a normal shutdown (GOAWAY OK from either side, or an idle close).
    pub fn is_graceful(&self) -> bool {
        !self.status.is_error() && self.kind != SessionErrorKind::ConnectionLost
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SessionErrorKind::Protocol(rule) => write!(f, "protocol error ({rule})")?,
            SessionErrorKind::FlowControl => f.write_str("flow-control error")?,
            SessionErrorKind::Flood(kind) => write!(f, "{kind} flood")?,
            SessionErrorKind::Timeout(kind) => write!(f, "{kind} timeout")?,
            SessionErrorKind::GoAway => f.write_str("peer sent GOAWAY")?,
            SessionErrorKind::Closed => f.write_str("closed")?,
            SessionErrorKind::ConnectionLost => f.write_str("connection lost")?,
            SessionErrorKind::StreamIdsExhausted => f.write_str("stream ids exhausted")?,
        }
        write!(
            f,
            "; GOAWAY {}, initiated by {:?}",
            self.status, self.initiator
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SessionError {}

#[cfg(feature = "std")]
impl std::error::Error for StreamError {}

/// Settings the peer sent, after the receive rules (first of duplicates wins, unknown ids
/// ignored, S-64/S-65).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSettings {
    /// SETTINGS_MAX_CONCURRENT_STREAMS, if the frame had it.
    pub max_concurrent_streams: Option<u32>,
    /// SETTINGS_INITIAL_WINDOW_SIZE, if the frame had it.
    pub initial_window_size: Option<u32>,
    /// Entries a server asked the client to persist (PERSIST_VALUE), for the client to send
    /// back with PERSISTED on a later session. Never the initial window. Empty on servers
    /// (S-66).
    pub persist: Vec<Setting>,
    /// The server asked the client to drop its persisted settings (CLEAR_SETTINGS).
    pub clear_persisted: bool,
    /// Every entry as received.
    pub entries: Vec<Setting>,
}

/// Something the application should know, from [`Session::poll_event`](super::Session::poll_event).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The peer opened a stream (a request, or on a client, a server push).
    StreamOpened {
        /// The new stream.
        stream_id: u32,
        /// Its headers.
        headers: HeaderList,
        /// The peer sends nothing more (FIN on the SYN_STREAM).
        fin: bool,
        /// We may not send on it (UNIDIRECTIONAL, or a push).
        unidirectional: bool,
        /// For a push, the stream that prompted it; otherwise 0.
        associated_stream_id: u32,
        /// 0 (most urgent) … 7.
        priority: u8,
    },
    /// The peer accepted a stream we opened (SYN_REPLY).
    Reply {
        /// The stream.
        stream_id: u32,
        /// The reply headers.
        headers: HeaderList,
        /// The peer sends nothing more.
        fin: bool,
    },
    /// More headers arrived on a stream (HEADERS; trailers when `fin`).
    Headers {
        /// The stream.
        stream_id: u32,
        /// The headers.
        headers: HeaderList,
        /// The peer sends nothing more.
        fin: bool,
    },
    /// A stream has data or its end to read with [`Session::read`](super::Session::read).
    /// Sent when the stream goes from nothing to read to something to read.
    Readable {
        /// The stream.
        stream_id: u32,
    },
    /// A stream whose [`send_data`](super::Session::send_data) accepted less than offered
    /// can take more.
    Writable {
        /// The stream.
        stream_id: u32,
    },
    /// A stream ended abnormally; nothing more is sent or received on it. Data that arrived
    /// before a peer's RST_STREAM and is still unread stays readable: `read` returns it, then
    /// `Fin`, and the stream leaves (`StreamClosed`) once read.
    StreamReset {
        /// The stream.
        stream_id: u32,
        /// Why.
        error: StreamError,
    },
    /// A stream is gone from the session: both sides finished it and its data was read, or
    /// it was reset. Its id is never reused.
    StreamClosed {
        /// The stream.
        stream_id: u32,
    },
    /// An open refused for the peer's concurrency limit can be retried.
    CanOpenStreams,
    /// The peer sent SETTINGS.
    Settings(RemoteSettings),
    /// The echo of one of our PINGs.
    Pong {
        /// The ping id.
        id: u32,
        /// Milliseconds from [`Session::ping`](super::Session::ping) to the echo.
        rtt: u64,
    },
    /// The peer sent GOAWAY: no new streams; ours above `last_good_stream_id` were refused.
    GoAway {
        /// Highest of our streams the peer processed.
        last_good_stream_id: u32,
        /// The status (0 OK, others errors).
        status: GoAwayStatus,
    },
    /// The session is over. Write out what [`poll_transmit`](super::Session::poll_transmit)
    /// still has, then close the transport.
    Closed(SessionError),
}
