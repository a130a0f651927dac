//! Replays: a fresh endpoint of one role fed the other side's transcript (cut, or
//! corrupted) in chunks, then its timers, then EOF; how it ended, and what an observer
//! of it can compare with the clean replay.

use std::collections::{BTreeMap, BTreeSet};

use spdy3::frame::{Frame, GoAwayStatus};
use spdy3::session::{Event, Initiator, Role, SessionError, SessionErrorKind};

use crate::app::Endpoint;
use crate::observe::decode_output;

/// The client closed gracefully with its own GOAWAY.
pub const CLOSED: SessionError = SessionError {
    status: GoAwayStatus::OK,
    initiator: Initiator::Local,
    kind: SessionErrorKind::Closed,
};

/// The peer's GOAWAY OK ended the session.
pub const GOAWAY_RECEIVED: SessionError = SessionError {
    status: GoAwayStatus::OK,
    initiator: Initiator::Remote,
    kind: SessionErrorKind::GoAway,
};

/// The transport ended while the session was open.
pub const CONNECTION_LOST: SessionError = SessionError {
    status: GoAwayStatus::OK,
    initiator: Initiator::Remote,
    kind: SessionErrorKind::ConnectionLost,
};

/// Not one frame was whole when the first-frame timer fired.
pub const FIRST_FRAME_TIMEOUT: SessionError = SessionError {
    status: GoAwayStatus::OK,
    initiator: Initiator::Library,
    kind: SessionErrorKind::Timeout("first frame"),
};

/// A frame begun was never completed.
pub const FRAME_COMPLETION_TIMEOUT: SessionError = SessionError {
    status: GoAwayStatus::PROTOCOL_ERROR,
    initiator: Initiator::Library,
    kind: SessionErrorKind::Timeout("frame completion"),
};

/// The session error for a broken rule of the spec.
pub fn protocol_error(rule: &'static str) -> SessionError {
    SessionError {
        status: GoAwayStatus::PROTOCOL_ERROR,
        initiator: Initiator::Library,
        kind: SessionErrorKind::Protocol(rule),
    }
}

/// When the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// While the transcript was fed.
    Input,
    /// When the clock was advanced through its timers.
    Timers,
    /// At EOF.
    Eof,
}

/// One replay: the endpoint after the end, and when it ended.
pub struct Run {
    pub ep: Endpoint,
    pub ended_in: Option<Phase>,
    pub problems: Vec<String>,
}

impl Run {
    /// True if the session ended with `reason` in `phase`.
    pub fn ended_as(&self, reason: SessionError, phase: Phase) -> bool {
        self.ep.s.close_reason() == Some(reason) && self.ended_in == Some(phase)
    }

    /// A problem unless the session ended with `reason` in `phase`.
    pub fn check_ending(&self, reason: SessionError, phase: Phase) -> Option<String> {
        (!self.ended_as(reason, phase)).then(|| {
            format!(
                "ended {:?} in {:?}, expected {reason:?} in {phase:?}",
                self.ep.s.close_reason(),
                self.ended_in
            )
        })
    }

    /// The frames it sent (none if they do not decode: `check_generic` reports that).
    pub fn sent_frames(&self) -> Vec<Frame> {
        decode_output(&self.ep.out).unwrap_or_default()
    }
}

/// Feeds `chunks` (at most `cut` bytes of them) to a fresh `receiver`, then, with `timers`,
/// advances the clock through every timer the session arms (bounded), then EOF.
pub fn replay(receiver: Role, chunks: &[Vec<u8>], cut: Option<usize>, timers: bool) -> Run {
    replay_with(receiver, chunks, cut, timers, false)
}

/// [`replay`], with an application that reads nothing before the end when `lazy`.
pub fn replay_with(
    receiver: Role,
    chunks: &[Vec<u8>],
    cut: Option<usize>,
    timers: bool,
    lazy: bool,
) -> Run {
    let mut ep = Endpoint::new(receiver);
    ep.app.lazy = lazy;
    if receiver == Role::Client {
        ep.settle();
    }
    let limit = cut.unwrap_or(usize::MAX);
    let mut fed = 0;
    for chunk in chunks {
        if cut.is_some() && fed >= limit {
            break;
        }
        let n = chunk.len().min(limit - fed);
        ep.step(&chunk[..n]);
        fed += n;
    }
    let mut problems = Vec::new();
    let mut ended_in = ep.s.close_reason().map(|_| Phase::Input);
    if timers {
        let mut rounds = 0;
        while ep.s.close_reason().is_none() {
            let Some(at) = ep.s.poll_timeout() else {
                break;
            };
            rounds += 1;
            if rounds > 64 {
                problems.push(format!(
                    "timers keep firing without an end (next at {at:?})"
                ));
                break;
            }
            ep.now = ep.now.max(at);
            ep.s.handle_timeout(ep.now);
            ep.settle();
        }
        if ended_in.is_none() && ep.s.close_reason().is_some() {
            ended_in = Some(Phase::Timers);
        }
    }
    ep.s.handle_eof(ep.now);
    ep.settle();
    if lazy {
        // Now it reads whatever is still readable.
        for id in ep.app.known.clone() {
            ep.app.drain(&mut ep.s, id);
        }
        ep.settle();
    }
    if ended_in.is_none() && ep.s.close_reason().is_some() {
        ended_in = Some(Phase::Eof);
    }
    problems.append(&mut ep.problems);
    problems.extend(ep.app.problems.iter().cloned());
    Run {
        ep,
        ended_in,
        problems,
    }
}

/// What an observer of one end can see: for comparing a faulty replay with the clean one.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub reason: Option<SessionError>,
    pub ended_in: Option<Phase>,
    pub log: Vec<Event>,
    pub read: BTreeMap<u32, Vec<u8>>,
    pub fin_read: BTreeSet<u32>,
    pub out: Vec<u8>,
}

/// What an observer of `run` can see.
pub fn summary(run: &Run) -> Summary {
    Summary {
        reason: run.ep.s.close_reason(),
        ended_in: run.ended_in,
        log: run.ep.app.log.clone(),
        read: run.ep.app.read.clone(),
        fin_read: run.ep.app.fin_read.clone(),
        out: run.ep.out.clone(),
    }
}

/// Where two summaries first differ.
pub fn difference(got: &Summary, want: &Summary) -> Option<String> {
    if got.reason != want.reason || got.ended_in != want.ended_in {
        return Some(format!(
            "ended {:?} in {:?}, clean replay {:?} in {:?}",
            got.reason, got.ended_in, want.reason, want.ended_in
        ));
    }
    if got.log != want.log {
        let at = got.log.iter().zip(&want.log).position(|(a, b)| a != b);
        let at = at.unwrap_or(got.log.len().min(want.log.len()));
        return Some(format!(
            "events differ at #{at}: {:?} vs clean {:?}",
            got.log.get(at),
            want.log.get(at)
        ));
    }
    if got.read != want.read || got.fin_read != want.fin_read {
        return Some("bodies read differ from the clean replay".to_string());
    }
    if got.out != want.out {
        let at = got.out.iter().zip(&want.out).position(|(a, b)| a != b);
        return Some(format!(
            "output differs from the clean replay ({} vs {} bytes, first difference at {at:?})",
            got.out.len(),
            want.out.len()
        ));
    }
    None
}
