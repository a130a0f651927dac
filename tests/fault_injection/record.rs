//! The recorded exchange: a client and a server session, each running the scripted
//! application, connected to each other; the chunks each handed the other are the
//! transcripts every fault is applied to.

use std::sync::OnceLock;

use spdy3::session::{Initiator, Role};

use crate::app::{App, Endpoint};
use crate::checks::check_generic;
use crate::exchange::{
    big_body, css_body, html_body, upload_body, ALL_STREAMS, BIG, CANCELLED, PUSH, UPLOAD,
};
use crate::observe::{cancelled_by, pongs, stream_resets};
use crate::replay::{replay, summary, Phase, CLOSED, GOAWAY_RECEIVED};
use crate::transcript::{in_pieces, parse_frames, Fr, Side};

/// The recorded exchange: the chunks each side sent, in order.
pub struct Recording {
    /// What the client sent, one chunk per step, as fed to the server.
    pub to_server: Vec<Vec<u8>>,
    /// What the server sent, as fed to the client (after the client's first step).
    pub to_client: Vec<Vec<u8>>,
}

/// The exchange, recorded once.
pub fn recording() -> &'static Recording {
    static RECORDING: OnceLock<Recording> = OnceLock::new();
    RECORDING.get_or_init(|| {
        let mut c = Endpoint::new(Role::Client);
        let mut s = Endpoint::new(Role::Server);
        let mut to_server = Vec::new();
        let mut to_client = Vec::new();
        let mut from_client = c.settle();
        for _ in 0..100 {
            let from_server = s.step(&from_client);
            let next = c.step(&from_server);
            let quiet = from_server.is_empty() && next.is_empty();
            to_server.push(std::mem::replace(&mut from_client, next));
            to_client.push(from_server);
            if quiet {
                break;
            }
        }
        assert!(c.s.is_closed() && s.s.is_closed(), "the exchange ends");
        assert!(c.problems.is_empty() && s.problems.is_empty());
        Recording {
            to_server,
            to_client,
        }
    })
}

/// The chunks fed to `receiver`: what the other side sent.
pub fn chunks_for(receiver: Role) -> &'static [Vec<u8>] {
    match receiver {
        Role::Server => &recording().to_server,
        Role::Client => &recording().to_client,
    }
}

/// The recording holds every frame type the faults are aimed at, and the exchange is
/// deterministic: a fresh session of either role fed the other side's chunks sends exactly
/// what it sent in the recording (header compression in wire order, one context per
/// direction, S-42), whatever the chunking of its input (S-1). Both ends finish cleanly:
/// the client closes with its own GOAWAY (S-76), the server on receiving it (S-75).
#[test]
fn the_recorded_exchange_replays_byte_for_byte() {
    check_frame_types(recording());
    for receiver in [Role::Server, Role::Client] {
        let chunks = chunks_for(receiver);
        let mut run = replay(receiver, chunks, None, false);
        // Byte for byte: what it sent in the recording is the other side's chunks.
        let sender = match receiver {
            Role::Server => Role::Client,
            Role::Client => Role::Server,
        };
        assert!(
            run.ep.out == chunks_for(sender).concat(),
            "{receiver:?}: replay output differs"
        );
        check_generic(&mut run);
        assert!(run.problems.is_empty(), "{receiver:?}: {:?}", run.problems);
        let want = match receiver {
            Role::Client => CLOSED,
            Role::Server => GOAWAY_RECEIVED,
        };
        assert_eq!(run.ep.s.close_reason(), Some(want));
        assert_eq!(run.ended_in, Some(Phase::Input));
        check_what_was_read(receiver, &run.ep.app);
        // Any chunking of the bytes it reads before it ends gives the same story (the
        // output may be cut differently). Not the client's whole transcript in one read:
        // it ends with the server's answer to the client's GOAWAY, which cannot arrive
        // before the client sent it.
        let clean = summary(&run);
        let side = Side::new(receiver);
        let wire = &side.wire[..side.quiet_from];
        for size in [1, 7, wire.len()] {
            let mut other = replay(receiver, &in_pieces(wire, size), None, false);
            check_generic(&mut other);
            assert!(other.problems.is_empty(), "{size}: {:?}", other.problems);
            let got = summary(&other);
            assert_eq!(got.reason, clean.reason, "{receiver:?} in chunks of {size}");
            assert_eq!(got.read, clean.read, "{receiver:?} in chunks of {size}");
            for id in ALL_STREAMS {
                assert_eq!(
                    stream_resets(&got.log, id),
                    stream_resets(&clean.log, id),
                    "{receiver:?} in chunks of {size}, stream {id}"
                );
            }
        }
    }
}

/// Every frame type the faults are aimed at is in the recording, several times where
/// the faults need it.
fn check_frame_types(rec: &Recording) {
    let client_wire = rec.to_server.concat();
    let server_wire = rec.to_client.concat();
    eprintln!(
        "recording: client→server {} bytes in {} chunks, server→client {} bytes in {} chunks",
        client_wire.len(),
        rec.to_server.len(),
        server_wire.len(),
        rec.to_client.len()
    );
    assert!(client_wire.len() < 2000 && server_wire.len() < 8000);
    let names = |w: &[u8]| -> Vec<&'static str> { parse_frames(w).iter().map(Fr::name).collect() };
    let (cn, sn) = (names(&client_wire), names(&server_wire));
    let common = [
        "SETTINGS",
        "WINDOW_UPDATE",
        "SYN_STREAM",
        "DATA",
        "PING",
        "GOAWAY",
    ];
    for (names, own) in [(&cn, &["RST_STREAM"][..]), (&sn, &["SYN_REPLY", "HEADERS"])] {
        for w in common.iter().chain(own) {
            assert!(names.contains(w), "{w} missing from {names:?}");
        }
    }
    let count = |names: &[&str], name: &str| names.iter().filter(|n| **n == name).count();
    assert_eq!(count(&cn, "SYN_STREAM"), 4);
    assert!(count(&cn, "DATA") >= 4, "{cn:?}");
    assert!(count(&sn, "DATA") >= 10, "{sn:?}");
    assert!(count(&sn, "SETTINGS") >= 2, "{sn:?}");
    assert_eq!(cn.last(), Some(&"GOAWAY"));
}

/// What each end read and was told in the clean replay: every body whole, the CANCEL of
/// stream 7 on both ends, the pong of the client's PING.
fn check_what_was_read(receiver: Role, app: &App) {
    match receiver {
        Role::Client => {
            assert_eq!(app.read[&1], html_body());
            assert_eq!(app.read[&PUSH], css_body());
            assert_eq!(app.read[&UPLOAD], b"got 400 bytes");
            assert_eq!(app.read[&BIG], big_body());
            assert!(!app.read.contains_key(&CANCELLED));
            assert_eq!(
                stream_resets(&app.log, CANCELLED),
                [cancelled_by(Initiator::Local)]
            );
            assert!(pongs(&app.log, 1) > 0);
        }
        Role::Server => {
            assert_eq!(app.read[&UPLOAD], upload_body());
            assert_eq!(
                stream_resets(&app.log, CANCELLED),
                [cancelled_by(Initiator::Remote)]
            );
        }
    }
}
