//! How streams and the session end: stream errors, removal, window credit for data that
//! will never be read, and the end of the session (S-31, S-32).

use alloc::vec::Vec;

use super::event::{Event, Initiator, SessionError, SessionErrorKind, StreamError};
use super::stream::flag;
use super::Session;
use crate::frame::{Frame, GoAway, GoAwayStatus, RstStatus, RstStream};

impl Session {
    /// Sends RST_STREAM for a peer's error on `id` and forgets the stream (S-32).
    pub(super) fn stream_error(&mut self, id: u32, status: RstStatus) {
        self.stats.stream_errors_sent += 1;
        self.send_reset(id, status, Initiator::Library);
    }

    /// Queues RST_STREAM (at most once per recently ended id: coalesced) and drops the
    /// stream with a `StreamReset` event.
    pub(super) fn send_reset(&mut self, id: u32, status: RstStatus, initiator: Initiator) {
        let known = self.streams.contains(id);
        // A stream whose SYN_STREAM never went out is unknown to the peer: nothing to say.
        let unseen =
            self.is_local_id(id) && self.streams.get(id).is_some_and(|s| !s.has(flag::SYN_SENT));
        if (known && !unseen) || (!known && !self.streams.recently_ended(id)) {
            self.control.push_back(Frame::RstStream(RstStream {
                stream_id: id,
                status,
            }));
        }
        if known {
            self.drop_stream(id, Some(StreamError::Reset { status, initiator }));
        } else {
            self.streams.remember(id);
        }
    }

    /// Removes a stream that ends abnormally: queued frames are dropped, unread data is
    /// returned to the session window, and the application is told.
    pub(super) fn drop_stream(&mut self, id: u32, error: Option<StreamError>) {
        let local = self.is_local_id(id);
        let Some(mut s) = self.streams.remove(id, local) else {
            return;
        };
        // Frames already in flight for it are dropped quietly (SPDY31.md §8.5).
        self.streams.remember(id);
        let refused = matches!(
            error,
            Some(
                StreamError::Refused
                    | StreamError::Reset {
                        status: RstStatus::REFUSED_STREAM,
                        ..
                    }
            )
        );
        if !local {
            self.peer_stream_left(id, !refused);
        }
        self.send_queued -= s.send_queued;
        self.unread -= s.recv_buf.len();
        if self.session_flow() {
            s.credit_unread_into(&mut self.recv, &mut self.held);
            self.session_update_pending |= self.recv.session_update_due();
        } else {
            s.recv_buf.clear(&mut self.held);
        }
        if !s.has(flag::DISCARD) {
            if let Some(error) = error {
                self.events.push_back(Event::StreamReset {
                    stream_id: id,
                    error,
                });
            }
            self.events.push_back(Event::StreamClosed { stream_id: id });
        }
        self.notify_can_open();
        self.maybe_finish_draining();
    }

    /// A peer's RST_STREAM on a stream with data not yet read: the stream is over on the
    /// wire (we send nothing more on it, S-26; its queued frames are dropped) and the reset
    /// is reported at once, but the data that arrived before the reset stays readable and
    /// then reads as the end; the stream leaves once it is read. spdystream delivers such
    /// data too, and Kubernetes relies on it: the kubelet ends an exec with the status as the
    /// last DATA on the error stream, right before RST_STREAM (KUBERNETES.md §3, §5).
    pub(super) fn keep_reset_stream(&mut self, id: u32, error: StreamError) {
        let local = self.is_local_id(id);
        let Some(s) = self.streams.get_mut(id) else {
            return;
        };
        s.set(flag::LOCAL_DONE | flag::LOCAL_CLOSED | flag::REMOTE_CLOSED | flag::RESET);
        s.clear(flag::WANTS_WRITABLE);
        self.send_queued -= s.send_queued;
        s.send_queue.clear();
        s.send_queued = 0;
        self.streams.deactivate(id, local);
        // Frames still in flight for it after it leaves are dropped quietly.
        self.streams.remember(id);
        self.events.push_back(Event::StreamReset {
            stream_id: id,
            error,
        });
        self.signal_readable(id);
        self.notify_can_open();
    }

    /// Removes a stream that has nothing left for anyone.
    pub(super) fn maybe_remove(&mut self, id: u32) {
        if self.streams.get(id).is_some_and(|s| s.finished()) {
            let local = self.is_local_id(id);
            let Some(s) = self.streams.remove(id, local) else {
                return;
            };
            if !local {
                self.peer_stream_left(id, true);
            }
            if !s.has(flag::DISCARD) {
                self.events.push_back(Event::StreamClosed { stream_id: id });
            }
            self.notify_can_open();
            self.maybe_finish_draining();
        }
    }

    /// Keeps GOAWAY's last-good id (S-73) right when a peer stream leaves: a refused stream
    /// was never processed, so it stops counting (SPDY31.md §13).
    fn peer_stream_left(&mut self, id: u32, processed: bool) {
        if processed {
            self.highest_processed_peer = self.highest_processed_peer.max(id);
        } else if id == self.last_good_peer_stream_id {
            let live = self
                .streams
                .ids()
                .filter(|&i| !self.is_local_id(i))
                .max()
                .unwrap_or(0);
            self.last_good_peer_stream_id = live.max(self.highest_processed_peer);
        }
    }

    /// Counts `n` bytes as consumed on the session window (data that is read, or that no
    /// stream will ever read, S-58).
    pub(super) fn credit_session(&mut self, n: usize) {
        if self.session_flow() && n > 0 {
            self.recv.consume(n);
            self.session_update_pending |= self.recv.session_update_due();
        }
    }

    /// Like [`credit_session`](Self::credit_session) for data the application read: it
    /// also counts towards growing the session window.
    pub(super) fn credit_session_read(&mut self, n: usize) {
        if self.session_flow() && n > 0 {
            self.recv.consume_read(n);
            self.session_update_pending |= self.recv.session_update_due();
        }
    }

    /// Tells an application refused for the concurrency limit that it may open again.
    pub(super) fn notify_can_open(&mut self) {
        if self.open_refused && self.can_open() {
            self.open_refused = false;
            self.events.push_back(Event::CanOpenStreams);
        }
    }

    /// S-82: a client's CANCEL of a stream cancels the pushes tied to it.
    pub(super) fn cancel_pushes_of(&mut self, associated: u32) {
        let pushes: Vec<u32> = self
            .streams
            .ids()
            .filter(|&id| {
                self.streams
                    .get(id)
                    .is_some_and(|s| s.has(flag::PUSH) && s.associated == associated)
            })
            .collect();
        for id in pushes {
            self.drop_stream(
                id,
                Some(StreamError::Reset {
                    status: RstStatus::CANCEL,
                    initiator: Initiator::Remote,
                }),
            );
        }
    }

    /// After a GOAWAY either way, the session ends once the last stream does.
    pub(super) fn maybe_finish_draining(&mut self) {
        if self.ended.is_some() || !self.streams.is_empty() {
            return;
        }
        if self.draining_since.is_some() {
            self.end(SessionError {
                status: GoAwayStatus::OK,
                initiator: Initiator::Local,
                kind: SessionErrorKind::Closed,
            });
        } else if self.goaway_received.is_some() {
            self.end(SessionError {
                status: GoAwayStatus::OK,
                initiator: Initiator::Remote,
                kind: SessionErrorKind::GoAway,
            });
        }
    }

    /// Ends the session: GOAWAY goes out unless already sent (S-31, S-76), every stream still
    /// open is told, and `Closed` is reported. Streams whose data all arrived stay readable.
    pub(super) fn end(&mut self, error: SessionError) {
        if self.ended.is_some() {
            return;
        }
        self.ended = Some(error);
        // Nothing queued for streams goes out any more.
        self.sched = Default::default();
        self.urgent.clear();
        if let Some(goaway) = self.deferred_goaway.take() {
            self.control.push_back(Frame::GoAway(goaway));
        }
        if !self.goaway_sent && !self.transport_closed {
            self.goaway_sent = true;
            let status = if error.initiator == Initiator::Remote {
                GoAwayStatus::OK
            } else {
                error.status
            };
            self.control.push_back(Frame::GoAway(GoAway {
                last_good_stream_id: self.last_good_peer_stream_id,
                status,
            }));
        }
        let ids: Vec<u32> = self.streams.ids().collect();
        for id in ids {
            // Also a stream whose FIN came alone (empty DATA) after its data was read: only
            // `Read::Fin` is left, and it is as complete as one with data unread.
            let keep = self.streams.get(id).is_some_and(|s| {
                s.has(flag::REMOTE_CLOSED)
                    && (!s.recv_buf.is_empty() || !s.has(flag::FIN_READ))
                    && !s.has(flag::DISCARD)
            });
            if keep {
                if let Some(s) = self.streams.get_mut(id) {
                    s.set(flag::LOCAL_DONE | flag::LOCAL_CLOSED);
                    self.send_queued -= s.send_queued;
                    s.send_queue.clear();
                    s.send_queued = 0;
                }
            } else {
                self.drop_stream(id, Some(StreamError::SessionClosed));
            }
        }
        self.events.push_back(Event::Closed(error));
    }
}
