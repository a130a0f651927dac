//! The sans-IO SPDY/3.1 session engine.
//!
//! A [`Session`] is one endpoint of one connection: every protocol decision lives here, and
//! it never does I/O or reads a clock. The adapters (tokio, wasm/Node, tests) move bytes and
//! time in and out.
//!
//! # The call protocol
//!
//! After **any** input — [`handle_bytes`](Session::handle_bytes),
//! [`handle_timeout`](Session::handle_timeout), [`handle_eof`](Session::handle_eof) — or any
//! command (open, reply, send, read, reset, ping, settings, goaway):
//!
//! 1. drain [`poll_transmit`](Session::poll_transmit) (or
//!    [`poll_transmit_chunks`](Session::poll_transmit_chunks)) and write the bytes out;
//! 2. re-arm one timer at [`poll_timeout`](Session::poll_timeout) and call
//!    [`handle_timeout`](Session::handle_timeout) when it fires;
//! 3. dispatch every [`poll_event`](Session::poll_event);
//! 4. read from the socket only while [`wants_input`](Session::wants_input) is true;
//! 5. once [`is_closed`](Session::is_closed), close the transport.
//!
//! ```
//! use spdy3::session::{Config, Event, Session};
//! use spdy3::time::Instant;
//! use spdy3::header_block::HeaderList;
//!
//! let now = Instant(0);
//! let mut client = Session::client(Config::default(), now);
//! let mut server = Session::server(Config::default(), now);
//! let mut request = HeaderList::new();
//! for (n, v) in [(":method", "GET"), (":path", "/"), (":version", "HTTP/1.1"),
//!                (":host", "example.com"), (":scheme", "https")] {
//!     request.insert(n, v);
//! }
//! let id = client.open_stream(request, Default::default(), now).unwrap();
//!
//! // A loop that drives both ends through an in-memory pipe.
//! let mut wire = Vec::new();
//! let mut done = false;
//! while !done {
//!     wire.clear();
//!     client.poll_transmit(now, &mut wire, usize::MAX);
//!     server.handle_bytes(&wire, now);
//!     while let Some(event) = server.poll_event() {
//!         if let Event::StreamOpened { stream_id, .. } = event {
//!             let mut response = HeaderList::new();
//!             response.insert(":status", "200 OK");
//!             response.insert(":version", "HTTP/1.1");
//!             server.reply(stream_id, response, false).unwrap();
//!             server.send_data(stream_id, "hello".into(), true).unwrap();
//!         }
//!     }
//!     wire.clear();
//!     server.poll_transmit(now, &mut wire, usize::MAX);
//!     client.handle_bytes(&wire, now);
//!     while let Some(event) = client.poll_event() {
//!         if let Event::Readable { stream_id } = event {
//!             assert_eq!(stream_id, id);
//!             let body = client.read(id, usize::MAX).unwrap();
//!             assert_eq!(body, spdy3::session::Read::Data("hello".into()));
//!             done = true;
//!         }
//!     }
//! }
//! ```

mod command;
mod config;
mod event;
mod flood;
mod flow;
mod held_blocks;
mod lifecycle;
mod recv;
mod recv_buf;
mod send;
mod send_queue;
mod store;
mod stream;
mod timer;

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bytes::BytesMut;

pub use command::{CommandError, OpenOptions, Read};
pub use config::{Config, FloodLimits, FlowControl, Rate, Timeouts};
pub use event::{Event, Initiator, RemoteSettings, SessionError, SessionErrorKind, StreamError};
pub use flow::{DEFAULT_WINDOW, MAX_WINDOW};
pub use recv::ExpectedPayload;
pub use send_queue::STARVATION_LIMIT;

use crate::frame::{Decoder, Frame, GoAway};
use crate::header_block::{HeaderDeflater, HeaderInflater};
use crate::time::Instant;
use flood::RateCounter;
use flow::RecvWindow;
use send_queue::Scheduler;
use store::StreamStore;

/// Which end of the connection this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Opened the connection; odd stream ids.
    Client,
    /// Accepted it; even stream ids (pushes).
    Server,
}

/// Counters and gauges of a session, for adapters, tests and monitoring.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Streams in the session (open, half-closed, or closed with data unread).
    pub streams: usize,
    /// Active streams we opened / the peer opened.
    pub active_local: usize,
    /// Active streams the peer opened.
    pub active_remote: usize,
    /// Received bytes not yet read by the application.
    pub recv_buffered: usize,
    /// Input blocks kept alive by unread payloads held as slices of them (at most
    /// [`Config::max_held_blocks`]).
    pub held_blocks: usize,
    /// DATA bytes accepted from the application and not yet written out.
    pub send_buffered: usize,
    /// Input bytes not yet decoded.
    pub input_buffered: usize,
    /// Our session send window.
    pub send_window: i64,
    /// What the peer may still send on the session.
    pub recv_window: i64,
    /// Frames received, by type: DATA, SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING,
    /// GOAWAY, HEADERS, WINDOW_UPDATE, unknown.
    pub frames_received: [u64; 10],
    /// Frames sent, same order.
    pub frames_sent: [u64; 10],
    /// RST_STREAMs we sent for the peer's errors.
    pub stream_errors_sent: u64,
    /// RST_STREAMs received.
    pub resets_received: u64,
    /// DATA payload bytes received / sent.
    pub data_received: u64,
    /// DATA payload bytes sent.
    pub data_sent: u64,
}

/// Where one stream stands, from [`Session::stream_info`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamInfo {
    /// We will send nothing more (FIN queued or sent, unidirectional, push recipient).
    pub local_done: bool,
    /// The peer will send nothing more.
    pub remote_closed: bool,
    /// Received bytes not yet read.
    pub unread: usize,
    /// Bytes queued to send.
    pub send_queued: usize,
}

/// [`stat_index`] of DATA.
const DATA_STAT: usize = 0;

/// Index of a frame type in [`Stats::frames_received`].
fn stat_index(frame: &Frame) -> usize {
    match frame {
        Frame::Data(_) => DATA_STAT,
        Frame::SynStream(_) => 1,
        Frame::SynReply(_) => 2,
        Frame::RstStream(_) => 3,
        Frame::Settings(_) => 4,
        Frame::Ping(_) => 5,
        Frame::GoAway(_) => 6,
        Frame::Headers(_) => 7,
        Frame::WindowUpdate(_) => 8,
        Frame::Unknown(_) => 9,
    }
}

/// Flood counters, one per [`FloodLimits`] field.
#[derive(Debug, Default)]
struct Floods {
    ping: RateCounter,
    settings: RateCounter,
    reset: RateCounter,
    empty_data: RateCounter,
    window_update: RateCounter,
    /// WINDOW_UPDATEs our DATA has earned: an honest peer returns credit for the data we
    /// send (about one stream and one session update per frame at most), so those are not
    /// counted against the flood limit however fast the transfer runs.
    earned_window_updates: u32,
    unknown: RateCounter,
}

/// One endpoint of a SPDY/3.1 session. See the [module docs](self) for the call protocol.
///
/// `Session` is `Send` and holds no global state.
pub struct Session {
    role: Role,
    config: Config,
    decoder: Decoder,
    input: BytesMut,
    inflater: HeaderInflater,
    deflater: HeaderDeflater,
    streams: StreamStore,
    sched: Scheduler,
    /// Control frames that go before anything else (PING echoes, S-70).
    urgent: VecDeque<Frame>,
    /// Other session control frames (SETTINGS, RST_STREAM, GOAWAY, WINDOW_UPDATE).
    control: VecDeque<Frame>,
    events: VecDeque<Event>,
    /// Encoding buffer for frames on their way out.
    scratch: BytesMut,
    /// Compressed header block scratch.
    block: Vec<u8>,
    /// Next stream id of ours; above 2^31 − 1 when exhausted (S-14).
    next_stream_id: u64,
    /// Highest stream id the peer opened (S-15, S-20/S-23).
    last_peer_stream_id: u32,
    /// Highest peer stream accepted, for GOAWAY (S-73).
    last_good_peer_stream_id: u32,
    /// Highest peer stream that left the session after being processed (not refused).
    highest_processed_peer: u32,
    /// Session send window (S-51).
    send_window: i64,
    /// Session receive window.
    recv: RecvWindow,
    session_update_pending: bool,
    /// Streams with a WINDOW_UPDATE due.
    window_updates: Vec<u32>,
    /// Streams refused send capacity, waiting for `Writable`.
    writable_waiters: Vec<u32>,
    /// Frames went out since waiters were last checked.
    writable_dirty: bool,
    /// DATA bytes queued in all streams.
    send_queued: usize,
    /// Received DATA bytes of all streams not yet read.
    unread: usize,
    /// Input blocks pinned by unread payloads (see `recv_buf`).
    held: held_blocks::HeldBlocks,
    /// The largest stream window we ever advertised (or the 64 KiB default): data the peer
    /// sent against it before seeing a smaller one is tolerated (SPDY31.md §10.4).
    max_advertised_window: u32,
    /// The peer's SETTINGS_INITIAL_WINDOW_SIZE (S-50, S-56).
    peer_initial_window: u32,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS (S-67).
    peer_max_concurrent: Option<u32>,
    settings_sent: bool,
    next_ping_id: u32,
    /// Our pings awaiting an echo, with the time they were issued.
    pings: VecDeque<(u32, Instant)>,
    goaway_sent: bool,
    goaway_received: Option<u32>,
    /// Our graceful GOAWAY went out at this time; the session ends when streams do.
    draining_since: Option<Instant>,
    /// In [`FlowControl::Lenient`] mode our graceful GOAWAY waits here until the stream
    /// frames queued before it are out: spdystream stops reading at a GOAWAY, so DATA behind
    /// it would be lost (KUBERNETES.md §3).
    deferred_goaway: Option<GoAway>,
    /// The session has ended (the `Closed` event is out); only transmit remains.
    ended: Option<SessionError>,
    /// The transport is gone: nothing more can be sent.
    transport_closed: bool,
    started: Instant,
    last_recv: Instant,
    last_activity: Instant,
    got_first_frame: bool,
    mid_frame_since: Option<Instant>,
    /// When the last keepalive PING went out.
    last_keepalive: Instant,
    /// Deadlines for SYN_REPLY, in the order streams were opened.
    reply_deadlines: VecDeque<(Instant, u32)>,
    floods: Floods,
    open_refused: bool,
    stats: Stats,
}

impl Session {
    /// A client session (odd stream ids) started at `now`.
    pub fn client(config: Config, now: Instant) -> Session {
        Session::new(Role::Client, config, now)
    }

    /// A server session (even stream ids) started at `now`.
    pub fn server(config: Config, now: Instant) -> Session {
        Session::new(Role::Server, config, now)
    }

    /// A session for `role`.
    pub fn new(role: Role, config: Config, now: Instant) -> Session {
        let mut s = Session {
            role,
            decoder: Decoder::new(config.decoder),
            input: BytesMut::new(),
            inflater: HeaderInflater::new(),
            deflater: HeaderDeflater::new(config.compression),
            streams: StreamStore::default(),
            sched: Scheduler::default(),
            urgent: VecDeque::new(),
            control: VecDeque::new(),
            events: VecDeque::new(),
            scratch: BytesMut::new(),
            block: Vec::new(),
            next_stream_id: match role {
                Role::Client => 1,
                Role::Server => 2,
            },
            last_peer_stream_id: 0,
            last_good_peer_stream_id: 0,
            highest_processed_peer: 0,
            send_window: i64::from(DEFAULT_WINDOW),
            recv: RecvWindow::new(DEFAULT_WINDOW),
            session_update_pending: false,
            window_updates: Vec::new(),
            writable_waiters: Vec::new(),
            writable_dirty: false,
            send_queued: 0,
            unread: 0,
            held: held_blocks::HeldBlocks::default(),
            max_advertised_window: DEFAULT_WINDOW.max(config.initial_window),
            peer_initial_window: DEFAULT_WINDOW,
            peer_max_concurrent: None,
            settings_sent: false,
            next_ping_id: match role {
                Role::Client => 1,
                Role::Server => 2,
            },
            pings: VecDeque::new(),
            goaway_sent: false,
            goaway_received: None,
            draining_since: None,
            deferred_goaway: None,
            ended: None,
            transport_closed: false,
            started: now,
            last_recv: now,
            last_activity: now,
            got_first_frame: false,
            mid_frame_since: None,
            last_keepalive: now,
            reply_deadlines: VecDeque::new(),
            floods: Floods::default(),
            open_refused: false,
            stats: Stats::default(),
            config,
        };
        if s.config.send_settings_at_start {
            s.queue_initial_settings();
        }
        s
    }

    /// This endpoint's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The next event, if any. Dispatch them all after every input and command.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// False while the session holds as much unprocessed input, unread data or unsent
    /// output as it should: stop reading the socket until it is true again (input
    /// backpressure, DESIGN rule 2).
    pub fn wants_input(&self) -> bool {
        if self.ended.is_some() {
            return false;
        }
        // With a session window the windows bound unread data; without one (SPDY/3,
        // lenient) `max_buffered` does.
        let unread_ok = self.session_flow() || self.unread <= self.config.max_buffered;
        let pending_control = self.urgent.len() + self.control.len();
        unread_ok
            && self.input.len() <= self.config.decoder.max_control_payload as usize + 8
            && pending_control < 1024
    }

    /// True once the session is over and everything it had to send was taken by
    /// `poll_transmit`: close the transport.
    pub fn is_closed(&self) -> bool {
        self.ended.is_some() && (self.transport_closed || !self.has_pending_output())
    }

    /// Why the session ended, once it has.
    pub fn close_reason(&self) -> Option<SessionError> {
        self.ended
    }

    /// A snapshot of the counters and gauges.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.streams = self.streams.len();
        s.active_local = self.streams.active_local;
        s.active_remote = self.streams.active_remote;
        s.recv_buffered = self.unread;
        s.held_blocks = self.held.len();
        s.send_buffered = self.send_queued;
        s.input_buffered = self.input.len();
        s.send_window = self.send_window;
        s.recv_window = self.recv.available;
        s
    }

    /// Ids of the streams in the session, ascending.
    pub fn stream_ids(&self) -> Vec<u32> {
        self.streams.ids().collect()
    }

    /// Where a stream stands, if it is still in the session.
    pub fn stream_info(&self, stream_id: u32) -> Option<StreamInfo> {
        self.streams.get(stream_id).map(|s| StreamInfo {
            local_done: s.has(stream::flag::LOCAL_DONE),
            remote_closed: s.has(stream::flag::REMOTE_CLOSED),
            unread: s.recv_buf.len(),
            send_queued: s.send_queued,
        })
    }

    /// The stream's send window (what we may still send), if the stream exists.
    pub fn stream_send_window(&self, stream_id: u32) -> Option<i64> {
        self.streams.get(stream_id).map(|s| s.send_window)
    }

    /// What the peer may still send on the stream, if it exists.
    pub fn stream_recv_window(&self, stream_id: u32) -> Option<i64> {
        self.streams.get(stream_id).map(|s| s.recv.available)
    }

    /// Jumps the next stream id of ours forward, to test id exhaustion (S-14) without
    /// opening a billion streams. Dev-only.
    #[cfg(feature = "testing")]
    pub fn skip_stream_ids_for_testing(&mut self, next: u32) {
        if u64::from(next) > self.next_stream_id && self.is_local_id(next) {
            self.next_stream_id = u64::from(next);
        }
    }

    /// Whether a stream id is ours (by parity).
    fn is_local_id(&self, id: u32) -> bool {
        (id % 2 == 1) == (self.role == Role::Client)
    }

    fn flow_enforced(&self) -> bool {
        self.config.flow_control != FlowControl::Lenient
    }

    fn session_flow(&self) -> bool {
        self.config.flow_control == FlowControl::Spdy31
    }
}

// `Session` crosses threads in the tokio adapter.
const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Session>();
};
