//! Fault injection: the connection cut at every byte offset of a recorded exchange, and a
//! truncated, duplicated or bit-flipped byte (or a whole frame repeated) at chosen places.
//! Whatever happens, the session ends with a clear error, every open stream is told, nothing
//! leaks and nothing hangs; where ../shared/spec/SPDY31.md prescribes a reaction, that
//! reaction is asserted.
//!
//! How: a deterministic exchange between a client and a server session is recorded as the
//! chunks each side handed to the other. A fresh session of one role, running the same
//! application, is then fed the other side's transcript (cut, or corrupted) in the same
//! chunks. Sessions are sans-IO and deterministic, so the untouched replay reproduces the
//! recording byte for byte, and each fault is measured against that clean replay. Run with
//! `--nocapture` to see the counts.
//!
//! The exchange: `exchange` (its script), `app` (the application of either end), `record`
//! (the recording). Replaying it: `transcript` (a transcript split into frames), `replay`,
//! `observe` (what a session sent and told), `checks` (the invariants of every run). What a
//! fault must lead to: `cut_expect`, `mutation`, `fault_expect`, `targets`. The tests:
//! `record`, `cuts`, `corruption`, `frames`, `regressions`.

#[path = "../common/mod.rs"]
mod common;

mod app;
mod checks;
mod corruption;
mod cut_expect;
mod cuts;
mod exchange;
mod fault_expect;
mod frames;
mod mutation;
mod observe;
mod record;
mod regressions;
mod replay;
mod targets;
mod transcript;
