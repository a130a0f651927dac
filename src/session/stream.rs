//! One stream's state: its two halves, windows, received data waiting to be read, and the
//! frames waiting to be sent, in order (SPDY31.md §8).

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bytes::Bytes;

use super::flow::RecvWindow;
use super::recv_buf::RecvBuf;
use crate::header_block::HeaderList;

/// A frame a stream waits to send. Items leave in order, so trailing HEADERS never overtake
/// the stream's DATA.
#[derive(Debug)]
pub(super) enum SendItem {
    /// SYN_STREAM, sent through the session's id-ordered queue.
    Syn {
        headers: HeaderList,
        fin: bool,
        unidirectional: bool,
        associated_stream_id: u32,
    },
    Reply {
        headers: HeaderList,
        fin: bool,
    },
    Headers {
        headers: HeaderList,
        fin: bool,
    },
    Data {
        data: Bytes,
        fin: bool,
    },
}

/// Stream flags.
pub(super) mod flag {
    /// We will send nothing more: FIN queued, or we may not send at all.
    pub const LOCAL_DONE: u16 = 1 << 0;
    /// Our FIN (or our last frame) has been written out, or we never send.
    pub const LOCAL_CLOSED: u16 = 1 << 1;
    /// The peer sends nothing more: FIN received, or it may not send.
    pub const REMOTE_CLOSED: u16 = 1 << 2;
    /// SYN_REPLY sent (peer's stream) or received (our stream).
    pub const REPLIED: u16 = 1 << 3;
    /// A server push (ours or the peer's).
    pub const PUSH: u16 = 1 << 4;
    /// In a scheduler queue.
    pub const QUEUED: u16 = 1 << 5;
    /// The application was refused send capacity and waits for `Writable`.
    pub const WANTS_WRITABLE: u16 = 1 << 6;
    /// `Readable` was reported and the application has not drained the stream since.
    pub const READABLE_SENT: u16 = 1 << 7;
    /// The application has read the end of the stream.
    pub const FIN_READ: u16 = 1 << 8;
    /// Its SYN_STREAM has been written out (our streams).
    pub const SYN_SENT: u16 = 1 << 9;
    /// The application never sees the stream (a request that got an automatic 400): no
    /// event names it, and received data is consumed at once.
    pub const DISCARD: u16 = 1 << 10;
    /// Counted against a concurrency limit (open or half-closed on the wire).
    pub const ACTIVE: u16 = 1 << 11;
    /// A WINDOW_UPDATE for it is due at the next transmit.
    pub const UPDATE_PENDING: u16 = 1 << 12;
    /// The peer reset it while data was unread: that data stays readable, the stream is
    /// otherwise over (see `Session::keep_reset_stream`).
    pub const RESET: u16 = 1 << 13;
    /// We have written DATA with a payload on it: a peer's reset of it ends work the peer
    /// asked for and received, not a Rapid-Reset cycle.
    pub const DATA_SENT: u16 = 1 << 14;
}

/// One stream.
#[derive(Debug)]
pub(super) struct Stream {
    pub priority: u8,
    pub flags: u16,
    /// Bytes we may still send (may be negative after a SETTINGS change, S-56).
    pub send_window: i64,
    pub recv: RecvWindow,
    /// Received data not yet read.
    pub recv_buf: RecvBuf,
    /// Frames waiting to be sent.
    pub send_queue: VecDeque<SendItem>,
    /// DATA bytes in `send_queue`.
    pub send_queued: usize,
    /// For a push, the stream it belongs to; otherwise 0.
    pub associated: u32,
    /// Header names seen on a pushed stream we received (S-83); `None` elsewhere.
    pub push_names: Option<Vec<Bytes>>,
}

impl Stream {
    pub fn new(priority: u8, send_window: i64, recv_window: u32) -> Self {
        Stream {
            priority: priority.min(7),
            flags: flag::ACTIVE,
            send_window,
            recv: RecvWindow::new(recv_window),
            recv_buf: RecvBuf::default(),
            send_queue: VecDeque::new(),
            send_queued: 0,
            associated: 0,
            push_names: None,
        }
    }

    pub fn has(&self, f: u16) -> bool {
        self.flags & f != 0
    }

    pub fn set(&mut self, f: u16) {
        self.flags |= f;
    }

    pub fn clear(&mut self, f: u16) {
        self.flags &= !f;
    }

    /// True when the wire is done with the stream in both directions.
    pub fn wire_closed(&self) -> bool {
        self.has(flag::LOCAL_CLOSED) && self.has(flag::REMOTE_CLOSED)
    }

    /// True when nothing is left for anyone: the stream can leave the session.
    pub fn finished(&self) -> bool {
        self.wire_closed()
            && self.send_queue.is_empty()
            && self.recv_buf.is_empty()
            && (self.has(flag::FIN_READ) || self.has(flag::DISCARD))
    }

    /// Whether the head of the send queue could go out now, given the session window.
    pub fn head_sendable(&self, session_window: i64, enforce: bool) -> Sendable {
        match self.send_queue.front() {
            None => Sendable::Nothing,
            Some(SendItem::Syn { .. }) => Sendable::Nothing,
            Some(SendItem::Data { data, .. }) if !data.is_empty() && enforce => {
                if self.send_window <= 0 {
                    Sendable::StreamBlocked
                } else if session_window <= 0 {
                    Sendable::SessionBlocked
                } else {
                    Sendable::Yes
                }
            }
            Some(_) => Sendable::Yes,
        }
    }
}

/// What stops a stream's next frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sendable {
    Yes,
    Nothing,
    StreamBlocked,
    SessionBlocked,
}
