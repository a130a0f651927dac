//! A checker of a session's event stream: every event well-formed and in order, every
//! stream told exactly once how it ended, nothing after the session's end but the ends of
//! streams still holding data. The fuzz targets and the fault-injection tests run every
//! event through one.

use alloc::collections::BTreeMap;

use crate::session::{Event, Role};

/// What one stream has reported so far.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    reset: bool,
    closed: bool,
}

/// Follows one session's events and panics on the first that breaks a rule.
#[derive(Debug)]
pub struct EventLedger {
    role: Role,
    streams: BTreeMap<u32, Seen>,
    session_closed: bool,
}

const MAX_STREAM_ID: u32 = 0x7fff_ffff;

impl EventLedger {
    /// A ledger for a session of `role`.
    pub fn new(role: Role) -> EventLedger {
        EventLedger {
            role,
            streams: BTreeMap::new(),
            session_closed: false,
        }
    }

    /// The application opened (or pushed) `stream_id`.
    pub fn opened_locally(&mut self, stream_id: u32) {
        assert!(valid_id(stream_id), "local id {stream_id}");
        assert!(
            self.is_local(stream_id),
            "local id {stream_id} of the peer's parity"
        );
        let fresh = self.streams.insert(stream_id, Seen::default()).is_none();
        assert!(fresh, "local id {stream_id} opened twice");
    }

    /// Checks one event.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::Closed(_) => {
                assert!(!self.session_closed, "Closed twice");
                self.session_closed = true;
            }
            Event::StreamOpened {
                stream_id,
                unidirectional,
                associated_stream_id,
                priority,
                ..
            } => {
                assert!(
                    !self.session_closed,
                    "stream {stream_id} opened after Closed"
                );
                assert!(valid_id(*stream_id), "opened id {stream_id}");
                assert!(!self.is_local(*stream_id), "peer opened our id {stream_id}");
                assert!(*priority < 8, "priority {priority}");
                if self.role == Role::Client {
                    assert!(*unidirectional, "push {stream_id} not unidirectional");
                    assert!(
                        self.is_local(*associated_stream_id),
                        "push {stream_id} associated with {associated_stream_id}"
                    );
                } else {
                    assert_eq!(*associated_stream_id, 0, "request {stream_id} associated");
                }
                let fresh = self.streams.insert(*stream_id, Seen::default()).is_none();
                assert!(fresh, "stream {stream_id} opened twice");
            }
            Event::Reply { stream_id, .. }
            | Event::Headers { stream_id, .. }
            | Event::Writable { stream_id } => {
                assert!(!self.session_closed, "{event:?} after Closed");
                let seen = self.live(*stream_id, event);
                assert!(!seen.reset, "{event:?} after the stream's reset");
            }
            Event::Readable { stream_id } => {
                assert!(!self.session_closed, "{event:?} after Closed");
                self.live(*stream_id, event);
            }
            Event::StreamReset { stream_id, .. } => {
                assert!(!self.session_closed, "{event:?} after Closed");
                let seen = self.live(*stream_id, event);
                assert!(!seen.reset, "stream {stream_id} reset twice");
                seen.reset = true;
            }
            Event::StreamClosed { stream_id } => {
                self.live(*stream_id, event).closed = true;
            }
            Event::Pong { .. }
            | Event::Settings(_)
            | Event::GoAway { .. }
            | Event::CanOpenStreams => {
                assert!(!self.session_closed, "{event:?} after Closed");
            }
        }
    }

    /// Asserts the session ended and every stream it ever had was told it left.
    pub fn assert_all_ended(&self) {
        assert!(self.session_closed, "no Closed event");
        for (id, seen) in &self.streams {
            assert!(seen.closed, "stream {id} never got StreamClosed");
        }
    }

    fn live(&mut self, stream_id: u32, event: &Event) -> &mut Seen {
        let seen = self
            .streams
            .get_mut(&stream_id)
            .unwrap_or_else(|| panic!("{event:?} for a stream never opened"));
        assert!(!seen.closed, "{event:?} after StreamClosed");
        seen
    }

    fn is_local(&self, stream_id: u32) -> bool {
        (stream_id % 2 == 1) == (self.role == Role::Client)
    }
}

fn valid_id(stream_id: u32) -> bool {
    (1..=MAX_STREAM_ID).contains(&stream_id)
}
