//! What a fault in a transcript must lead to, beyond the invariants of `check_generic`,
//! and the run that checks it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use spdy3::frame::{GoAwayStatus, RstStatus};
use spdy3::session::{Event, SessionError, StreamError};

use crate::checks::check_generic;
use crate::mutation::{mutate, Mutation};
use crate::observe::{pings, pongs, rsts, stream_resets};
use crate::replay::{
    difference, protocol_error, replay, summary, Phase, Run, Summary, FRAME_COMPLETION_TIMEOUT,
    GOAWAY_RECEIVED,
};
use crate::transcript::{
    u32_at, Fr, Side, GOAWAY, HEADERS, PING, RST_STREAM, SETTINGS, SYN_REPLY, SYN_STREAM,
    WINDOW_UPDATE,
};

/// What a fault must lead to, beyond the invariants of `check_generic`.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Nothing more than the invariants: the fault is not detectable, or the spec leaves
    /// the reaction open (misframed input, garbled but valid compressed data).
    Generic,
    /// Exactly what the clean replay shows: the fault is in bits the receiver ignores
    /// (S-7, S-11, §4.1), in a frame it must ignore (S-25), or after it ended.
    Same,
    /// A session error PROTOCOL_ERROR for this rule, while the input is fed.
    Fatal(&'static str),
    /// The frame is never completed: the frame-completion timer ends the session with
    /// GOAWAY PROTOCOL_ERROR.
    FrameCompletion,
    /// RST_STREAM on this stream with one of these statuses.
    Reset(u32, &'static [RstStatus]),
    /// Either of the above.
    FatalOrReset(&'static str, u32, &'static [RstStatus]),
    /// A flipped bit in a DATA payload: undetectable, so the clean story with that one bit
    /// of the stream's body flipped.
    DataFlip { stream: u32, pos: usize, mask: u8 },
    /// An unknown frame type was skipped (S-9).
    UnknownSkipped,
    /// The peer's RST_STREAM reports this error, whatever its status (S-27).
    PeerReset(u32, StreamError),
    /// The peer's GOAWAY reports these and ends the session with its status (S-72).
    GoAwayReceived {
        last_good: u32,
        status: GoAwayStatus,
    },
    /// A PING with the peer's parity is echoed (S-70).
    PingEcho(u32),
    /// A PING with our parity that we did not send is ignored: no echo, no pong (S-71).
    PingIgnored(u32),
    /// This many PINGs were sent (echoes, S-70).
    PingsSent(usize),
    /// No RST_STREAM is sent for this stream (an RST_STREAM is never answered, S-25).
    NoRstFor(u32),
}

/// Checks that `run` shows what `expect` demands.
pub fn check_expect(run: &Run, expect: &Expect, side: &Side) -> Result<(), String> {
    let reason = run.ep.s.close_reason();
    let frames = run.sent_frames();
    let log = &run.ep.app.log;
    let same_as = |want: &Summary| difference(&summary(run), want).map_or(Ok(()), Err);
    let session_error = |rule| run.ended_as(protocol_error(rule), Phase::Input);
    let reset = |id: u32, statuses: &[RstStatus]| {
        rsts(&frames)
            .iter()
            .any(|(i, s)| *i == id && statuses.contains(s))
    };
    let ok = match expect {
        Expect::Generic => true,
        Expect::Same => return same_as(&side.clean),
        Expect::Fatal(rule) => session_error(rule),
        Expect::FrameCompletion => run.ended_as(FRAME_COMPLETION_TIMEOUT, Phase::Timers),
        Expect::Reset(id, statuses) => reset(*id, statuses),
        Expect::FatalOrReset(rule, id, statuses) => session_error(rule) || reset(*id, statuses),
        Expect::DataFlip { stream, pos, mask } => {
            let mut want = side.clean.clone();
            match want.read.get_mut(stream).and_then(|b| b.get_mut(*pos)) {
                Some(byte) => *byte ^= mask,
                None => return Err(format!("the clean replay read no byte {pos} of {stream}")),
            }
            return same_as(&want);
        }
        Expect::UnknownSkipped => run.ep.s.stats().frames_received[9] >= 1,
        Expect::PeerReset(id, error) => stream_resets(log, *id) == [*error],
        Expect::GoAwayReceived { last_good, status } => {
            let event = Event::GoAway {
                last_good_stream_id: *last_good,
                status: *status,
            };
            let ended = SessionError {
                status: *status,
                ..GOAWAY_RECEIVED
            };
            log.contains(&event) && reason == Some(ended)
        }
        Expect::PingEcho(id) => pings(&frames).contains(id),
        Expect::PingIgnored(id) => !pings(&frames).contains(id) && pongs(log, *id) == 0,
        Expect::PingsSent(n) => pings(&frames).len() == *n,
        Expect::NoRstFor(id) => !rsts(&frames).iter().any(|(i, _)| i == id),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "expected {expect:?}; ended {reason:?} in {:?}, sent RST_STREAMs {:?}",
            run.ended_in,
            rsts(&frames)
        ))
    }
}

/// Replays `chunks` into a fresh receiver of `side` with its timers, and checks the
/// invariants and `expect`. Returns how the session ended, or what went wrong (a panic
/// included).
pub fn check_replay(side: &Side, chunks: &[Vec<u8>], expect: &Expect) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut run = replay(side.receiver, chunks, None, true);
        check_generic(&mut run);
        if let Err(e) = check_expect(&run, expect, side) {
            run.problems.push(e);
        }
        let ending = match run.ep.s.close_reason() {
            Some(r) => format!("{:?}", r.kind),
            None => "never".to_string(),
        };
        (ending, run.problems)
    }));
    match outcome {
        Ok((ending, problems)) if problems.is_empty() => Ok(ending),
        Ok((_, problems)) => Err(problems.join("; ")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("PANIC: {msg}"))
        }
    }
}

/// One fault in a transcript and what it must lead to.
pub struct Case {
    pub label: String,
    pub m: Mutation,
    pub expect: Expect,
}

impl Case {
    /// A fault and what it must lead to; a fault where the receiver has ended before it
    /// reads (from `side.quiet_from` on) changes nothing.
    pub fn new(side: &Side, label: String, m: Mutation, expect: Expect) -> Case {
        let expect = if m.offset() >= side.quiet_from {
            Expect::Same
        } else {
            expect
        };
        Case { label, m, expect }
    }

    /// Runs the fault: see [`check_replay`].
    pub fn run(&self, side: &Side) -> Result<String, String> {
        check_replay(side, &mutate(side, self.m), &self.expect)
    }
}

/// RFC 1950 header of the first block (§7.2): an invalid header is S-47, a dictionary
/// other than the SPDY one S-45.
pub fn zlib_header_expect(h: &[u8]) -> Expect {
    let (cmf, flg) = (h[0], h[1]);
    let check = ((u16::from(cmf) << 8) | u16::from(flg)) % 31;
    if cmf & 0x0f != 8 || cmf >> 4 > 7 || check != 0 {
        Expect::Fatal("S-47")
    } else if flg & 0x20 != 0 && h[2..6] != [0xe3, 0xc6, 0xa7, 0xc2] {
        Expect::Fatal("S-45")
    } else {
        Expect::Generic
    }
}

/// What control frame `f` of `side` must draw with its type changed to `ty` (S-9, S-10).
pub fn type_expect(side: &Side, f: &Fr, ty: u16) -> Expect {
    let count = (f.len >= 4).then(|| u32_at(&side.wire, f.start + 8) as usize);
    let bad_length = match ty {
        SYN_STREAM => f.len < 10,
        SYN_REPLY | HEADERS => f.len < 4,
        RST_STREAM | GOAWAY | WINDOW_UPDATE => f.len != 8,
        PING => f.len != 4,
        SETTINGS => count.is_none_or(|n| 4 + 8 * n != f.len),
        _ => return Expect::UnknownSkipped,
    };
    if bad_length {
        Expect::Fatal("S-10")
    } else {
        Expect::Generic
    }
}
