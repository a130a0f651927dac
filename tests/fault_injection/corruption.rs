//! Corrupted transcripts: one fault at a time, aimed at the fields of every frame, or
//! swept over every byte.

use std::collections::BTreeMap;

use spdy3::session::Role;

use crate::checks::assert_no_failures;
use crate::common;
use crate::fault_expect::{Case, Expect};
use crate::mutation::{del, dup, flip, Mutation};
use crate::targets::targeted_cases;
use crate::transcript::Side;

/// The endings of a batch of faults, tallied by kind, and the faults that went wrong.
struct Outcome {
    ends: BTreeMap<String, usize>,
    failures: Vec<String>,
}

/// Runs each case on `side`.
fn run_all(side: &Side, cases: &[Case]) -> Outcome {
    let mut outcome = Outcome {
        ends: BTreeMap::new(),
        failures: Vec::new(),
    };
    for case in cases {
        match case.run(side) {
            Ok(ending) => *outcome.ends.entry(ending).or_default() += 1,
            Err(e) => {
                let at = case.m.offset();
                let near = &side.wire[at.saturating_sub(4)..(at + 8).min(side.wire.len())];
                let excerpt = common::hex(near);
                let (label, m) = (&case.label, case.m);
                outcome
                    .failures
                    .push(format!("{label} {m:?} [..{excerpt}..]: {e}"));
            }
        }
    }
    outcome
}

/// The faults of [`targeted_cases`] in the transcript fed to `receiver`.
fn corrupt_at_chosen_places(receiver: Role) {
    let side = Side::new(receiver);
    let cases = targeted_cases(&side);
    let precise = cases
        .iter()
        .filter(|c| !matches!(c.expect, Expect::Generic))
        .count();
    let Outcome { ends, failures } = run_all(&side, &cases);
    eprintln!(
        "{receiver:?} fed a corrupted transcript: {} faults in {} frames, {precise} with a \
         prescribed reaction; endings {ends:?}",
        cases.len(),
        side.frames.len()
    );
    assert_no_failures(&failures);
}

/// The client fed the server's transcript with one fault at a time, aimed at every frame:
/// control bit, version, type, flags, length, ids and their reserved bits, the zlib header
/// and first deflate byte of the header blocks, PING ids, a DATA payload; each byte flipped,
/// repeated or dropped, and each frame repeated. Then the clock runs through every timer
/// and the connection ends. Prescribed reactions: S-3, S-7, S-9, S-10, S-11, S-12, S-16,
/// S-17, S-20, S-22, S-23, S-24, S-28, S-30, S-45, S-47, S-61, S-69, S-70, S-71, S-79;
/// faults after the client ended change nothing.
#[test]
fn corrupted_server_transcript_at_chosen_places() {
    corrupt_at_chosen_places(Role::Client);
}

/// The server fed the client's transcript with one fault at a time, as above. Prescribed
/// reactions: S-3, S-7, S-9, S-10, S-11, S-12, S-16, S-17, S-20, S-22, S-23, S-25, S-27,
/// S-30, S-45, S-47, S-61, S-66, S-69, S-70, S-71, S-72, and the frame-completion timer for
/// a frame that never ends.
#[test]
fn corrupted_client_transcript_at_chosen_places() {
    corrupt_at_chosen_places(Role::Server);
}

/// Faults applied at every offset of a transcript.
type Fault = (&'static str, fn(usize) -> Mutation);

const FLIPS: [Fault; 2] = [
    ("bit 0x01 flipped", |at| flip(at, 0x01)),
    ("bit 0x80 flipped", |at| flip(at, 0x80)),
];

const REPEATS_AND_DROPS: [Fault; 2] = [("byte repeated", dup), ("byte dropped", del)];

/// Each fault at every offset of the transcript fed to `receiver`: whatever the byte, the
/// session ends within bounded timers, every stream is told, nothing leaks, and what it
/// sends decodes and agrees with how it ended. A fault after the receiver ended changes
/// nothing.
fn sweep(receiver: Role, faults: &[Fault]) {
    let side = Side::new(receiver);
    let mut cases = Vec::new();
    for at in 0..side.wire.len() {
        for (what, fault) in faults {
            let label = format!("{what} at {at}");
            cases.push(Case::new(&side, label, fault(at), Expect::Generic));
        }
    }
    let Outcome { ends, failures } = run_all(&side, &cases);
    eprintln!(
        "{receiver:?}: {} faults over {} bytes; endings {ends:?}",
        cases.len(),
        side.wire.len()
    );
    assert_no_failures(&failures);
}

/// A bit flipped at every byte of the server's transcript (two masks: the low and the high
/// bit), fed to the client (S-31 and the invariants of `check_generic`).
#[test]
fn bit_flips_at_every_offset_of_the_server_transcript() {
    sweep(Role::Client, &FLIPS);
}

/// Every byte of the client's transcript flipped (two masks), repeated or dropped, fed to
/// the server (S-31 and the invariants of `check_generic`).
#[test]
fn every_byte_of_the_client_transcript_flipped_repeated_or_dropped() {
    sweep(Role::Server, &[FLIPS, REPEATS_AND_DROPS].concat());
}
