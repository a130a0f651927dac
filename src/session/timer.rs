//! Timers, computed from the session's state and the times it was given: idle, keepalive,
//! ping, reply, GOAWAY drain, first frame and frame completion (see
//! [`Timeouts`](super::Timeouts)).

use super::event::{Initiator, SessionError, SessionErrorKind, StreamError};
use super::stream::flag;
use super::Session;
use crate::frame::{Frame, GoAwayStatus, RstStatus, RstStream};
use crate::time::Instant;

impl Session {
    /// When [`handle_timeout`](Self::handle_timeout) must next be called, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.ended.is_some() {
            return None;
        }
        let t = &self.config.timeouts;
        let candidates = [
            t.idle
                .filter(|_| self.streams.is_empty())
                .map(|d| self.last_activity + d),
            t.keepalive
                .map(|d| self.last_recv.max(self.last_keepalive) + d),
            t.ping
                .and_then(|d| self.pings.front().map(|&(_, sent)| sent + d)),
            t.reply.and(self.reply_deadlines.front().map(|&(at, _)| at)),
            t.goaway_drain
                .and_then(|d| self.draining_since.map(|since| since + d)),
            t.first_frame
                .filter(|_| !self.got_first_frame)
                .map(|d| self.started + d),
            t.frame_completion
                .and_then(|d| self.mid_frame_since.map(|since| since + d)),
        ];
        candidates.into_iter().flatten().min()
    }

    /// Acts on every timer that is due at `now`. Then follow the call protocol.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ended.is_some() {
            return;
        }
        let t = self.config.timeouts;
        let due =
            |d: Option<crate::time::Duration>, since: Instant| d.is_some_and(|d| now >= since + d);
        if !self.got_first_frame && due(t.first_frame, self.started) {
            return self.timeout("first frame", GoAwayStatus::OK);
        }
        if let Some(since) = self.mid_frame_since {
            if due(t.frame_completion, since) {
                return self.timeout("frame completion", GoAwayStatus::PROTOCOL_ERROR);
            }
        }
        if let Some(&(_, sent)) = self.pings.front() {
            if due(t.ping, sent) {
                return self.timeout("ping", GoAwayStatus::OK);
            }
        }
        if let Some(since) = self.draining_since {
            if due(t.goaway_drain, since) {
                return self.end(SessionError {
                    status: GoAwayStatus::OK,
                    initiator: Initiator::Local,
                    kind: SessionErrorKind::Timeout("goaway drain"),
                });
            }
        }
        if self.streams.is_empty() && due(t.idle, self.last_activity) {
            return self.timeout("idle", GoAwayStatus::OK);
        }
        if due(t.keepalive, self.last_recv.max(self.last_keepalive)) {
            self.last_keepalive = now;
            let _ = self.ping(now);
        }
        while let Some(&(at, id)) = self.reply_deadlines.front() {
            if now < at {
                break;
            }
            self.reply_deadlines.pop_front();
            let waiting = self.streams.get(id).is_some_and(|s| !s.has(flag::REPLIED));
            if waiting {
                self.control.push_back(Frame::RstStream(RstStream {
                    stream_id: id,
                    status: RstStatus::CANCEL,
                }));
                self.drop_stream(id, Some(StreamError::ReplyTimeout));
            }
        }
    }

    fn timeout(&mut self, kind: &'static str, status: GoAwayStatus) {
        self.end(SessionError {
            status,
            initiator: Initiator::Library,
            kind: SessionErrorKind::Timeout(kind),
        });
    }
}
