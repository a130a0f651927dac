//! The faults aimed at each frame of a transcript, field by field, with the reaction each
//! must draw: here what all frames share, DATA frames and the frame repeated; the fields
//! of control frames in `control`.

mod control;

use spdy3::frame::RstStatus;
use spdy3::session::Role;

use crate::fault_expect::{Case, Expect};
use crate::mutation::{del, dup, flip, Mutation};
use crate::transcript::{
    Fr, Side, GOAWAY, HEADERS, PING, RST_STREAM, SETTINGS, SYN_REPLY, SYN_STREAM, WINDOW_UPDATE,
};

/// What a frame on a half-closed (S-22) or closed (S-23) stream may draw.
const CLOSED_STATUSES: &[RstStatus] =
    &[RstStatus::STREAM_ALREADY_CLOSED, RstStatus::PROTOCOL_ERROR];

/// The faults aimed at each frame of a transcript, with the reaction each must draw.
pub fn targeted_cases(side: &Side) -> Vec<Case> {
    let first_block = side.frames.iter().position(|f| f.block.is_some());
    let mut cases = Vec::new();
    for (i, f) in side.frames.iter().enumerate() {
        let mut target = Target {
            side,
            i,
            f,
            cases: &mut cases,
        };
        if f.control {
            target.control_header();
            target.control_fields();
            if let Some(b) = f.block {
                target.header_block(b, Some(i) == first_block);
            }
        } else {
            target.data_frame();
        }
        target.repeated();
    }
    cases
}

/// One frame of a transcript, and the list the faults aimed at it are added to.
struct Target<'a> {
    side: &'a Side,
    /// The frame's index in the transcript.
    i: usize,
    f: &'a Fr,
    cases: &'a mut Vec<Case>,
}

impl Target<'_> {
    fn add(&mut self, label: &str, m: Mutation, expect: Expect) {
        let f = self.f;
        let label = format!("frame #{} {} at {}: {label}", self.i, f.name(), f.start);
        self.cases.push(Case::new(self.side, label, m, expect));
    }

    /// The byte at `at` repeated, then dropped: misframed input, no prescribed reaction.
    fn garble(&mut self, what: &str, at: usize) {
        self.add(&format!("{what} repeated"), dup(at), Expect::Generic);
        self.add(&format!("{what} dropped"), del(at), Expect::Generic);
    }

    /// The flags byte: the undefined flag 0x80 (S-11), the flag 0x01 (`label`, drawing
    /// `expect`), the byte repeated and dropped.
    fn flags(&mut self, label: &str, expect: Expect) {
        let o = self.f.start;
        self.add(
            "undefined flag 0x80 (S-11)",
            flip(o + 4, 0x80),
            Expect::Same,
        );
        self.add(label, flip(o + 4, 1), expect);
        self.garble("flags byte", o + 4);
    }

    /// The low bit of the length (`label`), the last length byte repeated and dropped. A
    /// frame made longer than the rest of the transcript is never completed; a control
    /// frame of fixed length with another length is S-10.
    fn length(&mut self, label: &str) {
        let (side, f) = (self.side, self.f);
        let new_len = f.len ^ 1;
        let short_of_bytes = new_len > f.len && f.start + 8 + new_len > side.wire.len();
        let fixed_length = matches!(f.ty, RST_STREAM | SETTINGS | PING | GOAWAY | WINDOW_UPDATE);
        let expect = if short_of_bytes {
            Expect::FrameCompletion
        } else if f.control && fixed_length {
            Expect::Fatal("S-10")
        } else {
            Expect::Generic
        };
        self.add(label, flip(f.start + 7, 1), expect);
        self.garble("length byte", f.start + 7);
    }

    /// A FIN added where the stream has more frames in the same read: they arrive on a
    /// half-closed (S-22) or closed (S-23) stream.
    fn fin_added(&self) -> Expect {
        let (side, f) = (self.side, self.f);
        if f.fin() || side.app_resets.contains(&f.id) {
            return Expect::Generic;
        }
        let chunk = side.chunk_of(f.start);
        let more = side.frames.iter().any(|g| {
            g.start >= f.end && g.on_stream() && g.id == f.id && side.chunk_of(g.start) == chunk
        });
        if more {
            Expect::Reset(f.id, CLOSED_STATUSES)
        } else {
            Expect::Generic
        }
    }

    /// A DATA frame: control bit, stream id (S-12), flags, length, and the first and the
    /// middle byte of its payload.
    fn data_frame(&mut self) {
        let (side, f, o) = (self.side, self.f, self.f.start);
        let w = &side.wire;
        // DATA on stream 0 is a session error (S-12).
        let s12 = |id: u32| {
            if id == 0 {
                Expect::Fatal("S-12")
            } else {
                Expect::Generic
            }
        };
        self.add(
            "control bit set: version 0 (S-3)",
            flip(o, 0x80),
            Expect::Fatal("S-3"),
        );
        let repeated = u32::from_be_bytes([w[o], w[o], w[o + 1], w[o + 2]]);
        self.add("first byte repeated (S-12)", dup(o), s12(repeated));
        self.add("first byte dropped", del(o), Expect::Generic);
        self.add("stream id ^ 1 (S-12)", flip(o + 3, 1), s12(f.id ^ 1));
        self.garble("stream id byte", o + 3);
        self.flags("FIN flipped (S-22, S-23)", self.fin_added());
        self.length("length ± 1");
        if f.len == 0 {
            return;
        }
        let before = side.data_before(f.id, o).len();
        for (what, at) in [("first", o + 8), ("middle", o + 8 + f.len / 2)] {
            let e = if side.app_resets.contains(&f.id) {
                Expect::Same
            } else {
                Expect::DataFlip {
                    stream: f.id,
                    pos: before + at - o - 8,
                    mask: 1,
                }
            };
            self.add(&format!("{what} payload byte flipped"), flip(at, 1), e);
            self.add(
                &format!("{what} payload byte repeated"),
                dup(at),
                Expect::Generic,
            );
            let e = if f.end == w.len() {
                Expect::FrameCompletion
            } else {
                Expect::Generic
            };
            self.add(&format!("{what} payload byte dropped"), del(at), e);
        }
    }

    /// The whole frame twice.
    fn repeated(&mut self) {
        let (side, f) = (self.side, self.f);
        // A repeated header block is inflated against a context that moved on: it may
        // break the context (S-47) before the stream rules apply.
        let (rule, expect) = if !f.control {
            if f.fin() && !side.app_resets.contains(&f.id) {
                ("S-22, S-23", Expect::Reset(f.id, CLOSED_STATUSES))
            } else {
                ("undetectable", Expect::Generic)
            }
        } else {
            match f.ty {
                SYN_STREAM => (
                    "S-16",
                    Expect::FatalOrReset("S-47", f.id, &[RstStatus::PROTOCOL_ERROR]),
                ),
                SYN_REPLY => (
                    "S-24",
                    Expect::FatalOrReset("S-47", f.id, &[RstStatus::STREAM_IN_USE]),
                ),
                HEADERS if f.fin() => (
                    "S-22, S-23",
                    Expect::FatalOrReset("S-47", f.id, CLOSED_STATUSES),
                ),
                RST_STREAM => ("S-25", Expect::Same),
                GOAWAY => ("ended at the first", Expect::Same),
                PING if side.receiver == Role::Server => ("S-70", Expect::PingsSent(2)),
                PING => ("S-71", Expect::Same),
                _ => ("", Expect::Generic),
            }
        };
        let span = Mutation::DupFrame {
            start: f.start,
            end: f.end,
        };
        self.add(&format!("frame repeated ({rule})"), span, expect);
    }
}
