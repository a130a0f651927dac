//! Property tests of the session under hostile input: arbitrary bytes, and valid traffic
//! with bytes flipped, cut or duplicated, in arbitrary chunkings, never panic, never
//! leave windows out of bounds, and always leave stats consistent with the streams.

mod common;

use common::{load_vectors, unhex};
use proptest::prelude::*;
use spdy3::session::{Config, Event, Read, Role, Session, MAX_WINDOW};
use spdy3::time::Instant;

/// The recorded client → server and server → client bytes of session.json.
fn recorded() -> (Vec<u8>, Vec<u8>) {
    let v = load_vectors("session.json");
    let mut c2s = Vec::new();
    let mut s2c = Vec::new();
    for seq in v["sequences"].as_array().unwrap() {
        let out = if seq["sender"] == "client" {
            &mut c2s
        } else {
            &mut s2c
        };
        for f in seq["frames"].as_array().unwrap() {
            out.extend(unhex(f["hex"].as_str().unwrap()));
        }
    }
    (c2s, s2c)
}

/// Feeds `input` in chunks, playing an application that reads everything, replies to
/// every request and pings now and then; checks invariants after every step.
fn drive(role: Role, input: &[u8], sizes: &[usize]) {
    let mut s = Session::new(role, Config::default(), Instant(0));
    if role == Role::Client {
        // A client has requests out, so replies and pushes have something to attach to.
        for path in ["/", "/a", "/b"] {
            let _ = s.open_stream(
                spdy3::testing::RawPeer::request(path),
                Default::default(),
                Instant(0),
            );
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    let mut t = 0;
    let mut closed_events = 0;
    for &n in sizes.iter().cycle() {
        if at >= input.len() {
            break;
        }
        let n = n.clamp(1, input.len() - at);
        t += 1;
        let now = Instant(t);
        s.handle_bytes(&input[at..at + n], now);
        at += n;
        while let Some(e) = s.poll_event() {
            match e {
                Event::StreamOpened {
                    stream_id,
                    unidirectional: false,
                    ..
                } if role == Role::Server => {
                    let _ = s.reply(stream_id, spdy3::testing::RawPeer::response(), false);
                    let _ = s.send_data(stream_id, bytes::Bytes::from_static(b"ok"), true);
                }
                Event::Readable { stream_id } => {
                    while let Ok(Read::Data(_)) = s.read(stream_id, 1000) {}
                }
                Event::Closed(_) => closed_events += 1,
                _ => {}
            }
        }
        if t % 7 == 0 {
            let _ = s.ping(now);
        }
        if let Some(deadline) = s.poll_timeout() {
            if deadline <= now {
                s.handle_timeout(now);
            }
        }
        out.clear();
        while s.poll_transmit(now, &mut out, 1 << 16) > 0 {}
        let stats = s.stats();
        assert!(stats.send_window <= MAX_WINDOW && stats.recv_window <= MAX_WINDOW);
        assert_eq!(stats.streams, s.stream_ids().len());
        assert!(stats.active_local + stats.active_remote <= stats.streams);
        for id in s.stream_ids() {
            assert!(s.stream_send_window(id).unwrap() <= MAX_WINDOW);
            assert!(s.stream_recv_window(id).unwrap() <= MAX_WINDOW);
        }
    }
    assert!(closed_events <= 1, "Closed is reported once");
    s.handle_eof(Instant(t + 1));
    let after: Vec<Event> = std::iter::from_fn(|| s.poll_event()).collect();
    assert!(
        after
            .iter()
            .filter(|e| matches!(e, Event::Closed(_)))
            .count()
            + closed_events
            == 1
    );
    assert!(s.is_closed());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(input in proptest::collection::vec(any::<u8>(), 0..3000),
                                   sizes in proptest::collection::vec(1usize..200, 1..8),
                                   server in any::<bool>()) {
        drive(if server { Role::Server } else { Role::Client }, &input, &sizes);
    }

    #[test]
    fn tampered_recordings_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
                                       cut in any::<prop::sample::Index>(),
                                       dup in any::<prop::sample::Index>(),
                                       sizes in proptest::collection::vec(1usize..300, 1..8),
                                       server in any::<bool>()) {
        let (c2s, s2c) = recorded();
        let mut input = if server { c2s } else { s2c };
        for (i, x) in flips {
            let i = i.index(input.len());
            input[i] ^= x;
        }
        let d = dup.index(input.len());
        let byte = input[d];
        input.insert(d, byte);
        input.truncate(cut.index(input.len() + 1).max(1));
        drive(if server { Role::Server } else { Role::Client }, &input, &sizes);
    }
}

#[test]
fn the_untampered_recordings_drive_cleanly() {
    let (c2s, s2c) = recorded();
    drive(Role::Server, &c2s, &[1, 7, 100]);
    drive(Role::Client, &s2c, &[3, 50]);
}
