//! What the application asks of a session: open, push, reply, send, read, reset, ping,
//! settings, goaway, close.

use bytes::Bytes;
use core::fmt;

use super::event::{Initiator, SessionError, SessionErrorKind};
use super::flow::MAX_WINDOW;
use super::stream::{flag, SendItem, Stream};
use super::{FlowControl, Role, Session};
use crate::frame::{Frame, GoAway, GoAwayStatus, Ping, RstStatus, Setting, SettingId, Settings};
use crate::header_block::{HeaderError, HeaderList};
use crate::http;
use crate::time::Instant;

/// Largest stream id (2^31 − 1, S-14).
const MAX_STREAM_ID: u64 = 0x7fff_ffff;

/// How a stream is opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// 0 (most urgent) … 7.
    pub priority: u8,
    /// Nothing follows the headers (FIN on the SYN_STREAM).
    pub fin: bool,
    /// The peer may not send on the stream (UNIDIRECTIONAL).
    pub unidirectional: bool,
}

/// The result of [`Session::read`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// Bytes of the stream, in order.
    Data(Bytes),
    /// The peer finished the stream; nothing more will come.
    Fin,
    /// Nothing to read now; a `Readable` event will follow when there is.
    Pending,
}

/// A command the session cannot carry out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandError {
    /// The session has ended.
    SessionClosed,
    /// A GOAWAY was sent or received: no new streams (S-74, S-75).
    GoingAway,
    /// The peer's SETTINGS_MAX_CONCURRENT_STREAMS is reached (S-67); an
    /// [`Event::CanOpenStreams`](super::Event::CanOpenStreams) follows when a stream ends.
    ConcurrencyLimit,
    /// Every stream id of ours is used (S-14): open a new session.
    StreamIdsExhausted,
    /// No such stream (never opened, or already gone).
    UnknownStream,
    /// Our half of the stream is finished (FIN queued, unidirectional, or reset).
    StreamClosed,
    /// Data or headers on a peer's stream before [`Session::reply`].
    NotReplied,
    /// The stream already has a reply (S-24).
    AlreadyReplied,
    /// Not allowed for this role or stream (reply to our own stream, push from a client,
    /// push tied to a stream that is not open, RST_STREAM status 0).
    NotAllowed,
    /// The headers cannot be sent.
    InvalidHeaders(HeaderError),
    /// A required header is missing (`:status` on a push reply, `:path` on a push, …).
    MissingHeader(&'static str),
    /// Too many of our PINGs await an echo.
    TooManyPings,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::SessionClosed => f.write_str("the session is closed"),
            CommandError::GoingAway => f.write_str("the session is going away"),
            CommandError::ConcurrencyLimit => f.write_str("the peer's stream limit is reached"),
            CommandError::StreamIdsExhausted => f.write_str("stream ids are exhausted"),
            CommandError::UnknownStream => f.write_str("no such stream"),
            CommandError::StreamClosed => f.write_str("the stream is closed for sending"),
            CommandError::NotReplied => f.write_str("the stream has no reply yet"),
            CommandError::AlreadyReplied => f.write_str("the stream already has a reply"),
            CommandError::NotAllowed => f.write_str("not allowed here"),
            CommandError::InvalidHeaders(e) => write!(f, "invalid headers: {e}"),
            CommandError::MissingHeader(h) => write!(f, "missing header {h}"),
            CommandError::TooManyPings => f.write_str("too many pings outstanding"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CommandError {}

impl Session {
    /// True when a new stream may be opened now (no GOAWAY, under the peer's limit, ids
    /// left).
    pub fn can_open(&self) -> bool {
        self.ended.is_none()
            && !self.goaway_sent
            && self.goaway_received.is_none()
            && self.next_stream_id <= MAX_STREAM_ID
            && self
                .peer_max_concurrent
                .is_none_or(|max| self.streams.active_local < max as usize)
    }

    /// The error [`open_stream`](Self::open_stream) would give now, if any, without
    /// opening anything: for callers that keep the headers until a stream can be opened.
    /// [`CommandError::ConcurrencyLimit`] promises a
    /// [`CanOpenStreams`](super::Event::CanOpenStreams) event once the peer allows more.
    pub fn check_can_open(&mut self) -> Result<(), CommandError> {
        if self.ended.is_some() {
            return Err(CommandError::SessionClosed);
        }
        if self.goaway_sent || self.goaway_received.is_some() {
            return Err(CommandError::GoingAway);
        }
        if self.next_stream_id > MAX_STREAM_ID {
            return Err(CommandError::StreamIdsExhausted);
        }
        if !self.can_open() {
            self.open_refused = true;
            return Err(CommandError::ConcurrencyLimit);
        }
        Ok(())
    }

    /// Opens a stream (SYN_STREAM) and returns its id. The SYN_STREAM goes out in id order;
    /// DATA and HEADERS may be queued behind it at once.
    pub fn open_stream(
        &mut self,
        headers: HeaderList,
        options: OpenOptions,
        now: Instant,
    ) -> Result<u32, CommandError> {
        self.check_can_open()?;
        headers
            .validate_for_send()
            .map_err(CommandError::InvalidHeaders)?;
        let id = self.take_stream_id();
        let mut s = Stream::new(
            options.priority,
            i64::from(self.peer_initial_window),
            self.config.initial_window,
        );
        if options.fin {
            s.set(flag::LOCAL_DONE);
        }
        if options.unidirectional {
            s.set(flag::REMOTE_CLOSED | flag::REPLIED | flag::FIN_READ);
        }
        s.send_queue.push_back(SendItem::Syn {
            headers,
            fin: options.fin,
            unidirectional: options.unidirectional,
            associated_stream_id: 0,
        });
        self.streams.insert(id, s, true);
        self.sched.syn.push_back(id);
        if let (Some(t), false) = (self.config.timeouts.reply, options.unidirectional) {
            self.reply_deadlines.push_back((now + t, id));
        }
        self.last_activity = now;
        Ok(id)
    }

    /// Pushes a resource tied to the peer's open stream `associated_stream_id` (server
    /// only, S-78): a unidirectional SYN_STREAM with an even id. Send its response headers
    /// in `headers` (`:status`, `:version`) or with [`send_headers`](Self::send_headers)
    /// before any DATA.
    pub fn push_stream(
        &mut self,
        associated_stream_id: u32,
        headers: HeaderList,
        options: OpenOptions,
        now: Instant,
    ) -> Result<u32, CommandError> {
        if self.role != Role::Server {
            return Err(CommandError::NotAllowed);
        }
        let associated_open = !self.is_local_id(associated_stream_id)
            && self
                .streams
                .get(associated_stream_id)
                .is_some_and(|s| !s.has(flag::LOCAL_DONE));
        if !associated_open {
            return Err(CommandError::NotAllowed);
        }
        if self.config.http {
            if let Some(missing) = http::missing_push_headers(&headers) {
                return Err(CommandError::MissingHeader(missing));
            }
        }
        self.check_can_open()?;
        headers
            .validate_for_send()
            .map_err(CommandError::InvalidHeaders)?;
        let id = self.take_stream_id();
        let mut s = Stream::new(
            options.priority,
            i64::from(self.peer_initial_window),
            self.config.initial_window,
        );
        s.set(flag::REMOTE_CLOSED | flag::REPLIED | flag::PUSH | flag::FIN_READ);
        s.associated = associated_stream_id;
        if options.fin {
            s.set(flag::LOCAL_DONE);
        }
        s.send_queue.push_back(SendItem::Syn {
            headers,
            fin: options.fin,
            unidirectional: true,
            associated_stream_id,
        });
        self.streams.insert(id, s, true);
        self.sched.syn.push_back(id);
        self.last_activity = now;
        Ok(id)
    }

    fn take_stream_id(&mut self) -> u32 {
        let id = self.next_stream_id as u32;
        self.next_stream_id += 2;
        id
    }

    /// Accepts a peer's stream (SYN_REPLY). `fin` ends our half at once.
    pub fn reply(
        &mut self,
        stream_id: u32,
        headers: HeaderList,
        fin: bool,
    ) -> Result<(), CommandError> {
        let local = self.is_local_id(stream_id);
        let s = self.writable_stream(stream_id)?;
        if local {
            return Err(CommandError::NotAllowed);
        }
        if s.has(flag::REPLIED) {
            return Err(CommandError::AlreadyReplied);
        }
        headers
            .validate_for_send()
            .map_err(CommandError::InvalidHeaders)?;
        s.set(flag::REPLIED);
        self.queue_headers(stream_id, SendItem::Reply { headers, fin }, fin);
        Ok(())
    }

    /// Sends more headers on a stream (HEADERS); with `fin`, as trailers that end our half.
    /// They go out after the stream's queued DATA.
    pub fn send_headers(
        &mut self,
        stream_id: u32,
        headers: HeaderList,
        fin: bool,
    ) -> Result<(), CommandError> {
        self.sendable_stream(stream_id)?;
        headers
            .validate_for_send()
            .map_err(CommandError::InvalidHeaders)?;
        self.queue_headers(stream_id, SendItem::Headers { headers, fin }, fin);
        Ok(())
    }

    /// Queues a checked SYN_REPLY or HEADERS behind the stream's other frames.
    fn queue_headers(&mut self, stream_id: u32, item: SendItem, fin: bool) {
        if let Some(s) = self.streams.get_mut(stream_id) {
            if fin {
                s.set(flag::LOCAL_DONE);
            }
            s.send_queue.push_back(item);
        }
        self.schedule(stream_id);
    }

    /// Queues stream data, taking as much as flow control and the send buffer allow now, and
    /// returns how much it took. When it took less than offered, a
    /// [`Writable`](super::Event::Writable) event follows once more fits. `fin` applies only
    /// if everything was taken. The bytes are sent as they are, never copied.
    pub fn send_data(
        &mut self,
        stream_id: u32,
        data: Bytes,
        fin: bool,
    ) -> Result<usize, CommandError> {
        self.sendable_stream(stream_id)?;
        let capacity = self.send_capacity(stream_id);
        let n = data.len().min(capacity);
        if n < data.len() {
            self.want_writable(stream_id);
            if n == 0 {
                return Ok(0);
            }
        }
        let fin = fin && n == data.len();
        let s = self.streams.get_mut(stream_id).expect("checked above");
        s.send_queue.push_back(SendItem::Data {
            data: data.slice(..n),
            fin,
        });
        s.send_queued += n;
        self.send_queued += n;
        if fin {
            s.set(flag::LOCAL_DONE);
        }
        self.schedule(stream_id);
        Ok(n)
    }

    /// Asks for a [`Writable`](super::Event::Writable) event once the stream can take more
    /// data: for callers that check [`send_capacity`](Self::send_capacity) before handing
    /// over bytes, so that no more than fits is ever copied. Fails as
    /// [`send_data`](Self::send_data) would on a stream that cannot take data.
    pub fn notify_writable(&mut self, stream_id: u32) -> Result<(), CommandError> {
        self.sendable_stream(stream_id)?;
        self.want_writable(stream_id);
        Ok(())
    }

    /// A stream we may send DATA or HEADERS on now: open on our side and, for the peer's
    /// streams, replied.
    fn sendable_stream(&mut self, stream_id: u32) -> Result<&mut Stream, CommandError> {
        let local = self.is_local_id(stream_id);
        let s = self.writable_stream(stream_id)?;
        if !local && !s.has(flag::REPLIED) {
            return Err(CommandError::NotReplied);
        }
        Ok(s)
    }

    /// Registers the stream for a `Writable` event (once) when capacity comes back.
    fn want_writable(&mut self, stream_id: u32) {
        if let Some(s) = self.streams.get_mut(stream_id) {
            if !s.has(flag::WANTS_WRITABLE) {
                s.set(flag::WANTS_WRITABLE);
                self.writable_waiters.push(stream_id);
            }
        }
    }

    /// Ends our half of the stream with an empty DATA frame with FIN.
    pub fn finish(&mut self, stream_id: u32) -> Result<(), CommandError> {
        self.send_data(stream_id, Bytes::new(), true).map(|_| ())
    }

    /// Bytes [`send_data`](Self::send_data) would take on the stream now.
    pub fn send_capacity(&self, stream_id: u32) -> usize {
        let Some(s) = self.streams.get(stream_id) else {
            return 0;
        };
        let buffer_room = self
            .config
            .max_send_buffer
            .saturating_sub(self.send_queued)
            .min(
                self.config
                    .max_stream_send_buffer
                    .saturating_sub(s.send_queued),
            ) as i64;
        let room = if self.flow_enforced() {
            let stream_room = s.send_window - s.send_queued as i64;
            let session_room = if self.session_flow() {
                self.send_window - self.send_queued as i64
            } else {
                i64::MAX
            };
            stream_room.min(session_room).min(buffer_room)
        } else {
            buffer_room
        };
        room.max(0) as usize
    }

    fn writable_stream(&mut self, stream_id: u32) -> Result<&mut Stream, CommandError> {
        if self.ended.is_some() {
            return Err(CommandError::SessionClosed);
        }
        let s = self
            .streams
            .get_mut(stream_id)
            .ok_or(CommandError::UnknownStream)?;
        if s.has(flag::LOCAL_DONE) {
            return Err(CommandError::StreamClosed);
        }
        Ok(s)
    }

    /// Reads up to `max` bytes (at least 1) of the stream. Consumption returns window to the peer
    /// (batched WINDOW_UPDATEs at half a window), so a stream nobody reads stops the peer.
    /// After a `Readable` event, read until `Pending` or `Fin`.
    pub fn read(&mut self, stream_id: u32, max: usize) -> Result<Read, CommandError> {
        let enforce = self.flow_enforced();
        let s = self
            .streams
            .get_mut(stream_id)
            .ok_or(CommandError::UnknownStream)?;
        let max = max.max(1);
        if let Some(chunk) = s.recv_buf.take(max, &mut self.held) {
            let n = chunk.len();
            self.unread -= n;
            if s.recv_buf.is_empty() && !s.has(flag::REMOTE_CLOSED) {
                s.clear(flag::READABLE_SENT);
            }
            let update = enforce && s.recv.consume_read(n) && !s.has(flag::REMOTE_CLOSED);
            if update {
                self.schedule_stream_update(stream_id);
            }
            self.credit_session_read(n);
            return Ok(Read::Data(chunk));
        }
        if s.has(flag::REMOTE_CLOSED) {
            s.set(flag::FIN_READ);
            self.maybe_remove(stream_id);
            return Ok(Read::Fin);
        }
        s.clear(flag::READABLE_SENT);
        Ok(Read::Pending)
    }

    /// Resets a stream (RST_STREAM) and forgets it; queued data is dropped and unread data
    /// returned to the session window.
    pub fn reset(&mut self, stream_id: u32, status: RstStatus) -> Result<(), CommandError> {
        if status.0 == 0 {
            return Err(CommandError::NotAllowed); // S-27
        }
        if self.ended.is_some() {
            return Err(CommandError::SessionClosed);
        }
        let Some(s) = self.streams.get(stream_id) else {
            return Err(CommandError::UnknownStream);
        };
        if s.has(flag::RESET) {
            // The peer reset it already (S-25): just forget its unread data.
            self.drop_stream(stream_id, None);
            return Ok(());
        }
        self.send_reset(stream_id, status, Initiator::Local);
        Ok(())
    }

    /// Sends a PING; the echo arrives as [`Event::Pong`](super::Event::Pong) with the
    /// round-trip time. Returns the ping id.
    pub fn ping(&mut self, now: Instant) -> Result<u32, CommandError> {
        if self.ended.is_some() {
            return Err(CommandError::SessionClosed);
        }
        if self.pings.len() >= self.config.max_outstanding_pings {
            return Err(CommandError::TooManyPings);
        }
        let id = self.next_ping_id;
        // Wrap within our parity (S-69): odd for clients, even for servers.
        self.next_ping_id = match id.wrapping_add(2) {
            0 | 1 if self.role == Role::Client => 1,
            0 | 1 => 2,
            next => next,
        };
        self.pings.push_back((id, now));
        self.control.push_back(Frame::Ping(Ping { id }));
        Ok(id)
    }

    /// Changes our SETTINGS: the concurrency limit for the peer and the receive window of
    /// every stream (applied to open streams as a difference, as the peer does, S-56).
    pub fn change_settings(
        &mut self,
        max_concurrent_streams: Option<u32>,
        initial_window: Option<u32>,
    ) -> Result<(), CommandError> {
        if self.ended.is_some() {
            return Err(CommandError::SessionClosed);
        }
        let mut entries = alloc::vec::Vec::new();
        if let Some(n) = max_concurrent_streams {
            self.config.max_concurrent_streams = n;
            entries.push(Setting::new(SettingId::MAX_CONCURRENT_STREAMS, n));
        }
        if let Some(w) = initial_window {
            if i64::from(w) > MAX_WINDOW {
                return Err(CommandError::NotAllowed);
            }
            let delta = i64::from(w) - i64::from(self.config.initial_window);
            self.config.initial_window = w;
            self.max_advertised_window = self.max_advertised_window.max(w);
            for s in self.streams.values_mut() {
                s.recv.available += delta;
                s.recv.resize(w);
            }
            // Credit consumed below half the old window may be past half the new one: return
            // it now, or a reader with nothing left to read would never send it (S-56).
            let due: alloc::vec::Vec<u32> = self
                .streams
                .ids()
                .filter(|&id| {
                    self.streams
                        .get(id)
                        .is_some_and(|s| s.recv.update_due() && !s.has(flag::REMOTE_CLOSED))
                })
                .collect();
            for id in due {
                self.schedule_stream_update(id);
            }
            entries.push(Setting::new(SettingId::INITIAL_WINDOW_SIZE, w));
        }
        if !self.settings_sent {
            self.queue_initial_settings();
        } else if !entries.is_empty() {
            self.control.push_back(Frame::Settings(Settings {
                clear_settings: false,
                entries,
            }));
        }
        Ok(())
    }

    /// Starts a graceful shutdown: GOAWAY OK now, no new streams either way, and the
    /// session ends once the open streams finish (or at the drain deadline). In
    /// [`FlowControl::Lenient`] mode the GOAWAY waits until no stream frame is queued (what
    /// was queued before it goes first), since spdystream reads nothing behind a GOAWAY.
    pub fn goaway(&mut self, now: Instant) {
        if self.ended.is_some() || self.goaway_sent {
            return;
        }
        self.goaway_sent = true;
        self.draining_since = Some(now);
        let goaway = GoAway {
            last_good_stream_id: self.last_good_peer_stream_id,
            status: GoAwayStatus::OK,
        };
        if self.config.flow_control == FlowControl::Lenient && !self.sched.is_idle() {
            self.deferred_goaway = Some(goaway); // sent once the queued frames are out
        } else {
            self.control.push_back(Frame::GoAway(goaway));
        }
        self.maybe_finish_draining();
    }

    /// Ends the session now: GOAWAY OK, every open stream is told.
    pub fn close(&mut self, now: Instant) {
        let _ = now;
        self.end(SessionError {
            status: GoAwayStatus::OK,
            initiator: Initiator::Local,
            kind: SessionErrorKind::Closed,
        });
    }
}
