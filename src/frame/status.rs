//! Wire codes as newtypes with named constants: RST_STREAM status, GOAWAY status and
//! SETTINGS ids (SPDY31.md §5). Unknown values round-trip unchanged.

use core::fmt;

macro_rules! wire_code {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty) {
            $( $(#[$cmeta:meta])* $konst:ident = $value:expr, $desc:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$cmeta])* pub const $konst: $name = $name($value); )*

            /// The spec's name for this code (`"PROTOCOL_ERROR"`), or `None` if unknown.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($konst)), )*
                    _ => None,
                }
            }

            /// A short description of what the code means.
            pub fn description(self) -> &'static str {
                match self.0 {
                    $( $value => $desc, )*
                    _ => "unknown code",
                }
            }
        }

        impl From<$repr> for $name {
            fn from(v: $repr) -> Self { $name(v) }
        }

        impl From<$name> for $repr {
            fn from(v: $name) -> Self { v.0 }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({})", stringify!($name), self.0),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{} ({})", n, self.0),
                    None => write!(f, "unknown ({})", self.0),
                }
            }
        }
    };
}

wire_code! {
    /// A RST_STREAM status code (SPDY31.md §5.1). `0` is invalid and never sent (S-27).
    RstStatus(u32) {
        /// Generic protocol violation.
        PROTOCOL_ERROR = 1, "generic protocol violation";
        /// A frame arrived for a stream that is not active.
        INVALID_STREAM = 2, "frame for a stream that is not active";
        /// Refused before any processing; the creator may retry it.
        REFUSED_STREAM = 3, "stream refused before any processing; safe to retry";
        /// The stream's SPDY version is not supported.
        UNSUPPORTED_VERSION = 4, "unsupported SPDY version";
        /// The creator no longer needs the stream (or a client refuses a push).
        CANCEL = 5, "stream no longer needed";
        /// Local failure, not caused by the peer.
        INTERNAL_ERROR = 6, "internal error";
        /// The peer broke flow control.
        FLOW_CONTROL_ERROR = 7, "flow-control violation";
        /// A second SYN_REPLY for the stream.
        STREAM_IN_USE = 8, "stream already has a reply";
        /// A frame for a stream the peer had already half-closed.
        STREAM_ALREADY_CLOSED = 9, "frame after the peer's FIN";
        /// SPDY/3 only; deprecated in 3.1 and never sent.
        INVALID_CREDENTIALS = 10, "invalid credentials (SPDY/3, deprecated)";
        /// The frame is larger than this endpoint accepts.
        FRAME_TOO_LARGE = 11, "frame too large";
    }
}

wire_code! {
    /// A GOAWAY status code (SPDY31.md §5.2). Any code but `OK` is an error shutdown.
    GoAwayStatus(u32) {
        /// Normal shutdown.
        OK = 0, "normal shutdown";
        /// Protocol error; also used for every session error without a code of its own.
        PROTOCOL_ERROR = 1, "protocol error";
        /// Local failure.
        INTERNAL_ERROR = 2, "internal error";
    }
}

wire_code! {
    /// A SETTINGS id (SPDY31.md §5.3); 24 bits on the wire.
    SettingId(u32) {
        /// Sender's expected upload bandwidth, kB/s.
        UPLOAD_BANDWIDTH = 1, "expected upload bandwidth (kB/s)";
        /// Sender's expected download bandwidth, kB/s.
        DOWNLOAD_BANDWIDTH = 2, "expected download bandwidth (kB/s)";
        /// Sender's expected round-trip time, ms.
        ROUND_TRIP_TIME = 3, "expected round-trip time (ms)";
        /// Most streams the peer may have open that the peer initiated.
        MAX_CONCURRENT_STREAMS = 4, "maximum concurrent streams the peer may initiate";
        /// Sender's current TCP congestion window.
        CURRENT_CWND = 5, "current TCP congestion window";
        /// Retransmission rate.
        DOWNLOAD_RETRANS_RATE = 6, "download retransmission rate";
        /// Initial stream window the peer may assume.
        INITIAL_WINDOW_SIZE = 7, "initial stream flow-control window (bytes)";
        /// CREDENTIAL vector size (SPDY/3); meaningless in 3.1.
        CLIENT_CERTIFICATE_VECTOR_SIZE = 8, "client certificate vector size (SPDY/3)";
    }
}

wire_code! {
    /// A control frame type (SPDY31.md §3.2). Types 5 and 10 are named for recognition only:
    /// they are never sent (S-8) and are skipped on receipt like any unknown type (S-9).
    FrameType(u16) {
        /// Opens a stream.
        SYN_STREAM = 1, "open a stream";
        /// Accepts a stream.
        SYN_REPLY = 2, "accept a stream";
        /// Ends a stream abnormally.
        RST_STREAM = 3, "reset a stream";
        /// Session parameters.
        SETTINGS = 4, "session settings";
        /// SPDY/2 NOOP, removed in SPDY/3.
        NOOP = 5, "no-op (SPDY/2, removed)";
        /// Liveness and round-trip measurement.
        PING = 6, "ping";
        /// Stop opening streams; the session is ending.
        GOAWAY = 7, "go away";
        /// More name/value pairs for a stream.
        HEADERS = 8, "additional headers";
        /// Raise a flow-control window.
        WINDOW_UPDATE = 9, "window update";
        /// SPDY/3 CREDENTIAL, deprecated in 3.1.
        CREDENTIAL = 10, "credential (SPDY/3, deprecated)";
    }
}

impl GoAwayStatus {
    /// True for any status other than `OK`.
    pub fn is_error(self) -> bool {
        self != GoAwayStatus::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn names_and_unknowns_round_trip() {
        assert_eq!(RstStatus::FRAME_TOO_LARGE.name(), Some("FRAME_TOO_LARGE"));
        assert_eq!(RstStatus(42).name(), None);
        assert_eq!(format!("{:?}", RstStatus(42)), "RstStatus(42)");
        assert_eq!(format!("{}", GoAwayStatus::OK), "OK (0)");
        assert_eq!(SettingId::INITIAL_WINDOW_SIZE.0, 7);
        assert_eq!(u32::from(SettingId(0xabcdef)), 0xabcdef);
        assert!(GoAwayStatus(11).is_error());
        assert_eq!(RstStatus(0).description(), "unknown code");
    }
}
