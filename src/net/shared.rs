//! State shared by the driver and the handles: the session behind a mutex, with what each
//! stream's task waits for. Session events become slot updates and wake-ups here.

#[allow(unused_imports)]
use std::prelude::rust_2021::*;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use tokio::sync::oneshot;

use super::Error;
use crate::frame::GoAwayStatus;
use crate::header_block::HeaderList;
use crate::session::{Event, Initiator, Session, SessionError, SessionErrorKind};
use crate::time::Instant;

/// What one stream's handle waits for.
#[derive(Default)]
pub(crate) struct Slot {
    /// SYN_REPLY headers, once received.
    pub reply: Option<HeaderList>,
    /// HEADERS received (trailers), in order.
    pub headers: VecDeque<HeaderList>,
    /// Why the stream ended abnormally.
    pub error: Option<Error>,
    /// The session no longer has the stream.
    pub gone: bool,
    pub read_waker: Option<Waker>,
    pub write_waker: Option<Waker>,
    pub reply_waker: Option<Waker>,
}

impl Slot {
    fn wake_all(&mut self) {
        for w in [
            self.read_waker.take(),
            self.write_waker.take(),
            self.reply_waker.take(),
        ]
        .into_iter()
        .flatten()
        {
            w.wake();
        }
    }
}

/// A stream the peer opened, waiting for `accept`.
pub(crate) struct Incoming {
    pub id: u32,
    pub headers: HeaderList,
}

pub(crate) struct Inner {
    pub session: Session,
    base: tokio::time::Instant,
    pub slots: HashMap<u32, Slot>,
    pub incoming: VecDeque<Incoming>,
    pub accept_waker: Option<Waker>,
    pub driver_waker: Option<Waker>,
    pub open_wakers: Vec<Waker>,
    pub pings: HashMap<u32, oneshot::Sender<u64>>,
    pub close_wakers: Vec<Waker>,
    /// Tasks in `poll_flush`, woken when the driver has written everything out.
    pub flush_wakers: Vec<Waker>,
    /// The driver has nothing left to write (set by the driver after each round).
    pub output_idle: bool,
    /// The driver stopped reading the socket because the session wanted no input (its
    /// backpressure); a read that makes it want input again wakes the driver.
    pub input_paused: bool,
    /// Why the session ended, once it has.
    pub closed: Option<Error>,
    /// Connection and stream handles alive; at 0 the session shuts down gracefully.
    pub handles: usize,
}

pub(crate) struct Shared {
    inner: Mutex<Inner>,
}

impl Shared {
    pub fn new(session: Session, base: tokio::time::Instant) -> Arc<Shared> {
        Arc::new(Shared {
            inner: Mutex::new(Inner {
                session,
                base,
                slots: HashMap::new(),
                incoming: VecDeque::new(),
                accept_waker: None,
                driver_waker: None,
                open_wakers: Vec::new(),
                pings: HashMap::new(),
                close_wakers: Vec::new(),
                flush_wakers: Vec::new(),
                output_idle: true,
                input_paused: false,
                closed: None,
                handles: 0,
            }),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the session half-updated in a way
        // that matters more than stopping: keep going with the state as it is.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    /// The session's clock: milliseconds since the connection started, on tokio's clock
    /// (so tests can pause and advance it).
    pub fn now(&self) -> Instant {
        Instant(self.base.elapsed().as_millis() as u64)
    }

    /// The tokio instant of a session deadline.
    pub fn deadline(&self, at: Instant) -> tokio::time::Instant {
        self.base + std::time::Duration::from_millis(at.millis())
    }

    /// Commands changed what the session has to send: let the driver run.
    pub fn wake_driver(&mut self) {
        if let Some(w) = self.driver_waker.take() {
            w.wake();
        }
    }

    pub fn handle_added(&mut self) {
        self.handles += 1;
    }

    /// The last handle going away shuts the session down gracefully.
    pub fn handle_dropped(&mut self) {
        self.handles -= 1;
        if self.handles == 0 && self.closed.is_none() {
            let now = self.now();
            self.session.goaway(now);
            self.wake_driver();
        }
    }

    /// Turns session events into slot updates and wake-ups.
    pub fn dispatch(&mut self) {
        while let Some(event) = self.session.poll_event() {
            match event {
                Event::StreamOpened {
                    stream_id, headers, ..
                } => {
                    self.slots.insert(stream_id, Slot::default());
                    self.incoming.push_back(Incoming {
                        id: stream_id,
                        headers,
                    });
                    if let Some(w) = self.accept_waker.take() {
                        w.wake();
                    }
                }
                Event::Reply {
                    stream_id, headers, ..
                } => {
                    if let Some(s) = self.slots.get_mut(&stream_id) {
                        s.reply = Some(headers);
                        s.wake_all();
                    }
                }
                Event::Headers {
                    stream_id, headers, ..
                } => {
                    if let Some(s) = self.slots.get_mut(&stream_id) {
                        s.headers.push_back(headers);
                        s.wake_all();
                    }
                }
                Event::Readable { stream_id } => {
                    if let Some(w) = self
                        .slots
                        .get_mut(&stream_id)
                        .and_then(|s| s.read_waker.take())
                    {
                        w.wake();
                    }
                }
                Event::Writable { stream_id } => {
                    if let Some(w) = self
                        .slots
                        .get_mut(&stream_id)
                        .and_then(|s| s.write_waker.take())
                    {
                        w.wake();
                    }
                }
                Event::StreamReset { stream_id, error } => {
                    if let Some(s) = self.slots.get_mut(&stream_id) {
                        s.error = Some(Error::Stream(error));
                        s.wake_all();
                    }
                }
                Event::StreamClosed { stream_id } => {
                    if let Some(s) = self.slots.get_mut(&stream_id) {
                        s.gone = true;
                        s.wake_all();
                    }
                    // Incoming streams nobody accepted yet keep their slot for `accept`.
                }
                Event::CanOpenStreams | Event::GoAway { .. } => {
                    for w in self.open_wakers.drain(..) {
                        w.wake();
                    }
                }
                Event::Pong { id, rtt } => {
                    if let Some(tx) = self.pings.remove(&id) {
                        let _ = tx.send(rtt);
                    }
                }
                Event::Settings(_) => {}
                Event::Closed(e) => self.set_closed(Error::Session(e)),
            }
        }
    }

    /// The session ended: wake everyone waiting.
    pub fn set_closed(&mut self, error: Error) {
        if self.closed.is_none() {
            self.closed = Some(error);
        }
        self.pings.clear();
        for s in self.slots.values_mut() {
            s.wake_all();
        }
        for w in self
            .open_wakers
            .drain(..)
            .chain(self.close_wakers.drain(..))
            .chain(self.flush_wakers.drain(..))
            .chain(self.accept_waker.take())
        {
            w.wake();
        }
    }

    /// The driver stopped without the session ending (dropped, or a transport error).
    pub fn driver_stopped(&mut self, error: Option<Error>) {
        if self.closed.is_none() {
            let now = self.now();
            self.session.handle_eof(now);
            self.dispatch();
        }
        let fallback = Error::Session(SessionError {
            status: GoAwayStatus::OK,
            initiator: Initiator::Local,
            kind: SessionErrorKind::ConnectionLost,
        });
        self.set_closed(error.unwrap_or(fallback));
    }
}
