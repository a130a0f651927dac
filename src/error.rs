//! How a protocol error is answered.
//!
//! SPDY has two kinds of error (SPDY31.md §9): a *session error* ends the whole
//! connection with GOAWAY (S-31), a *stream error* ends one stream with RST_STREAM and the
//! session keeps working (S-32). Every error type of this crate says which one applies
//! through [`Reaction`], decided where the error is found.

use crate::frame::{GoAwayStatus, RstStatus};

/// The answer a protocol error calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reaction {
    /// Session error: send GOAWAY with this status, then close the transport (S-31).
    CloseSession(GoAwayStatus),
    /// Stream error: send RST_STREAM with this status on the stream; the session goes on
    /// (S-32).
    ResetStream {
        /// The stream to reset.
        stream_id: u32,
        /// The RST_STREAM status to send.
        status: RstStatus,
    },
}

impl Reaction {
    /// True when the error ends the whole session.
    pub fn is_session_error(self) -> bool {
        matches!(self, Reaction::CloseSession(_))
    }
}
