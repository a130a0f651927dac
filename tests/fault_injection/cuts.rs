//! The connection cut at every byte offset of a transcript: then EOF, or a connection that
//! stays open and silent until the timers end it.

use spdy3::session::Role;

use crate::checks::{assert_no_failures, check_generic};
use crate::cut_expect::{check_cut, ClientModel, CutExpect, ServerModel};
use crate::record::chunks_for;
use crate::replay::{
    replay, replay_with, Phase, CONNECTION_LOST, FIRST_FRAME_TIMEOUT, FRAME_COMPLETION_TIMEOUT,
};
use crate::transcript::Side;

/// The receiver of `side` fed the first `k` bytes of its transcript for every `k`, then
/// EOF, each run checked against `expect(k)`. Some cuts must lose the connection, some
/// come after the receiver closed.
fn cut_everywhere(label: &str, side: &Side, expect: impl Fn(usize) -> CutExpect) {
    let chunks = chunks_for(side.receiver);
    let mut failures = Vec::new();
    let (mut lost, mut graceful) = (0, 0);
    for k in 0..=side.wire.len() {
        let want = expect(k);
        let mut run = replay_with(side.receiver, chunks, Some(k), false, want.lazy);
        check_generic(&mut run);
        if want.reason == CONNECTION_LOST {
            lost += 1;
        } else {
            graceful += 1;
        }
        let mut bad = check_cut(&run, side, &want);
        bad.append(&mut run.problems);
        if !bad.is_empty() {
            failures.push(format!("cut at {k}: {}", bad.join("; ")));
        }
    }
    eprintln!(
        "{label}: {} offsets, {lost} lost the connection, {graceful} had closed",
        side.wire.len() + 1
    );
    assert_no_failures(&failures);
    assert!(lost > 0 && graceful > 0);
}

/// The client fed the server's transcript cut at every offset; `lazy`: its application
/// reads nothing before the EOF.
fn client_cuts(lazy: bool) {
    let side = Side::new(Role::Client);
    let model = ClientModel::new(&side);
    let label = format!("client cuts (lazy reader: {lazy})");
    cut_everywhere(&label, &side, |k| model.cut(k, lazy));
}

/// The client fed the server's transcript cut at every byte offset, then EOF. Before the
/// frame that finishes its last stream, the session ends with `ConnectionLost` and sends
/// nothing more; every stream not finished is told `SessionClosed` exactly once and the
/// finished ones stay readable to the end (nothing received is lost); the scripted CANCEL
/// is reported once, and its RST_STREAM sent once. From that frame on, the client has
/// closed gracefully with its own GOAWAY (S-31, S-73: last-good = the push, S-76) and the
/// EOF changes nothing. The PING's echo gives one pong (S-69). In every case nothing leaks
/// (no stream, no buffered byte, no timer, nothing left to send).
#[test]
fn client_cut_at_every_offset_of_the_server_transcript() {
    client_cuts(false);
}

/// As above, with an application that reads nothing until the connection is gone: every
/// stream whose FIN arrived before the cut is still readable in full after the EOF and
/// ends normally; every other stream is told `SessionClosed` (its partial data is dropped
/// with it). A cut after the server's GOAWAY, with every stream finished on the wire, is
/// the server's graceful close (S-75), not a lost connection.
#[test]
fn client_cut_at_every_offset_with_a_reader_that_reads_only_after_eof() {
    client_cuts(true);
}

/// The server fed the client's transcript cut at every byte offset, then EOF. Before the
/// client's GOAWAY is complete, the session ends with `ConnectionLost` and sends nothing
/// more; each stream is finished exactly when the frames it needs arrived (its SYN_STREAM
/// with FIN, the end of the upload, the WINDOW_UPDATE for `/big`), the cancelled stream is
/// told the peer's CANCEL once the RST_STREAM arrived, every other stream `SessionClosed`
/// once; the upload read is exactly what arrived. With the whole GOAWAY, the server has
/// ended on it and answered with its own GOAWAY (S-31, S-73: last-good 7, S-75). The PING
/// is echoed once it is whole (S-70). Nothing leaks.
#[test]
fn server_cut_at_every_offset_of_the_client_transcript() {
    let side = Side::new(Role::Server);
    let model = ServerModel::new(&side);
    cut_everywhere("server cuts", &side, |k| model.cut(k));
}

/// A connection that stops in the middle of a frame and stays open (no EOF) is not held
/// forever: the frame-completion timer (30 s by default, against a peer that dribbles a
/// frame) ends the session with GOAWAY PROTOCOL_ERROR, or, when not one frame was whole
/// yet, the first-frame timer with GOAWAY OK (S-31, S-76). Every stream is told and nothing
/// leaks. Cuts at every offset inside a frame, both transcripts.
#[test]
fn a_connection_that_stops_mid_frame_is_ended_by_its_timers() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for receiver in [Role::Client, Role::Server] {
        let side = Side::new(receiver);
        let chunks = chunks_for(receiver);
        let first_end = side.frames[0].end;
        for f in &side.frames {
            for k in f.start + 1..f.end.min(side.ends_at) {
                runs += 1;
                let mut run = replay(receiver, chunks, Some(k), true);
                check_generic(&mut run);
                let want = if k < first_end {
                    FIRST_FRAME_TIMEOUT
                } else {
                    FRAME_COMPLETION_TIMEOUT
                };
                run.problems.extend(run.check_ending(want, Phase::Timers));
                if !run.problems.is_empty() {
                    failures.push(format!(
                        "{receiver:?} cut at {k} in {} at {}: {}",
                        f.name(),
                        f.start,
                        run.problems.join("; ")
                    ));
                }
            }
        }
    }
    eprintln!("{runs} connections stopped mid-frame");
    assert_no_failures(&failures);
}
