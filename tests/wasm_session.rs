//! Session scenarios inside WebAssembly, and natively: a client and a server joined by the
//! in-memory [`Pair`] (virtual clock, hostile pipe) exchange requests and bodies, a reader
//! that stops holds its stream at a zero window while another stream completes, priorities
//! order the output, and PING, SETTINGS, RST_STREAM, GOAWAY and a malformed frame get their
//! answers. Each test runs under `cargo test` and in Node and Chromium through
//! `wasm-pack test` (scripts/test_browser.sh).

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use spdy3::frame::{Frame, GoAwayStatus, RstStatus};
use spdy3::session::{CommandError, Config, Event, Initiator, OpenOptions, Read, StreamError};
use spdy3::testing::{Chunking, Pair, RawPeer};
use spdy3::time::Duration;
use wasm_bindgen_test::wasm_bindgen_test;

const KIB: usize = 1024;

/// Both applications: the server answers `/bytes/N` with N bytes; the client reads every
/// stream it has not paused.
#[derive(Default)]
struct Apps {
    /// Server side: (sent, total) per stream being answered.
    serving: BTreeMap<u32, (usize, usize)>,
    /// Client side: bytes received per stream.
    received: BTreeMap<u32, usize>,
    /// Client side: streams whose whole response was read.
    ended: BTreeSet<u32>,
    paused: BTreeSet<u32>,
    client_log: Vec<Event>,
    server_log: Vec<Event>,
}

impl Apps {
    /// Runs the pair and both applications until nothing moves.
    fn pump(&mut self, p: &mut Pair) {
        loop {
            let moved = p.run();
            let acted = self.serve(p) | self.read(p);
            if moved == 0 && !acted {
                return;
            }
        }
    }

    fn serve(&mut self, p: &mut Pair) -> bool {
        let mut acted = false;
        for event in p.take_server_events() {
            if let Event::StreamOpened {
                stream_id, headers, ..
            } = &event
            {
                let size = headers
                    .get_str(":path")
                    .and_then(|path| path.strip_prefix("/bytes/")?.parse().ok())
                    .unwrap_or(0);
                p.server
                    .reply(*stream_id, RawPeer::response(), false)
                    .unwrap();
                self.serving.insert(*stream_id, (0, size));
                acted = true;
            }
            self.server_log.push(event);
        }
        for (&id, (sent, total)) in &mut self.serving {
            let n = p.server.send_capacity(id).min(*total - *sent);
            if *sent == *total || (n == 0 && *sent > 0) {
                if n == 0 && *sent < *total {
                    let _ = p.server.notify_writable(id);
                }
                continue;
            }
            let fin = *sent + n == *total;
            if p.server
                .send_data(id, Bytes::from(vec![b'x'; n]), fin)
                .is_ok()
            {
                *sent += n;
                acted = true;
            }
        }
        self.serving.retain(|_, (sent, total)| sent < total);
        acted
    }

    fn read(&mut self, p: &mut Pair) -> bool {
        self.client_log.extend(p.take_client_events());
        let mut acted = false;
        for id in p.client.stream_ids() {
            if self.paused.contains(&id) {
                continue;
            }
            while let Ok(r) = p.client.read(id, usize::MAX) {
                match r {
                    Read::Data(b) => *self.received.entry(id).or_default() += b.len(),
                    Read::Fin => {
                        self.ended.insert(id);
                    }
                    Read::Pending => break,
                }
                acted = true;
                if self.ended.contains(&id) {
                    break;
                }
            }
        }
        acted
    }
}

fn get(p: &mut Pair, size: usize, priority: u8) -> u32 {
    let options = OpenOptions {
        fin: true,
        priority,
        ..Default::default()
    };
    let now = p.now;
    let path = format!("/bytes/{size}");
    p.client
        .open_stream(RawPeer::request(&path), options, now)
        .unwrap()
}

#[wasm_bindgen_test(unsupported = test)]
fn a_request_and_its_body_cross_a_one_byte_pipe_with_latency() {
    let mut p = Pair::default_pair();
    p.chunking = Chunking::Fixed(1);
    p.latency = Duration::from_millis(3);
    let mut apps = Apps::default();
    let id = get(&mut p, 10_000, 0);
    apps.pump(&mut p);
    assert_eq!(apps.received[&id], 10_000);
    assert!(apps.ended.contains(&id));
    assert!(p.now.0 >= 6, "the reply took a round trip");
    assert_eq!((p.client.stats().streams, p.server.stats().streams), (0, 0));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_paused_reader_holds_its_window_at_zero_while_another_stream_completes() {
    let client = Config {
        initial_window: 64 * KIB as u32,
        session_window: 1024 * KIB as u32,
        ..Config::default()
    };
    let mut p = Pair::new(client, Config::default());
    p.chunking = Chunking::Random { max: 3000, seed: 7 };
    let mut apps = Apps::default();
    let (a, b) = (get(&mut p, 256 * KIB, 0), get(&mut p, 256 * KIB, 0));
    apps.paused.insert(a);
    apps.pump(&mut p);
    assert!(apps.ended.contains(&b) && apps.received[&b] == 256 * KIB);
    assert_eq!(p.client.stream_recv_window(a), Some(0));
    assert_eq!(p.server.stream_send_window(a), Some(0));
    assert_eq!(p.client.stats().recv_buffered, 64 * KIB);
    assert_eq!(p.run(), 0, "nothing moves while the reader waits");

    apps.paused.remove(&a);
    apps.pump(&mut p);
    assert_eq!(apps.received[&a], 256 * KIB);
    assert_eq!((p.client.stats().streams, p.server.stats().streams), (0, 0));
}

#[wasm_bindgen_test(unsupported = test)]
fn the_more_urgent_stream_is_sent_first() {
    let mut p = Pair::default_pair();
    let low = get(&mut p, 0, 7);
    let high = get(&mut p, 0, 0);
    p.run();
    let now = p.now;
    // Queue the low-priority body first; the scheduler still sends the urgent one first.
    for id in [low, high] {
        p.server.reply(id, RawPeer::response(), false).unwrap();
        p.server
            .send_data(id, Bytes::from(vec![0; 48 * KIB]), true)
            .unwrap();
    }
    let mut wire = Vec::new();
    while p.server.poll_transmit(now, &mut wire, usize::MAX) > 0 {}
    let order: Vec<u32> = RawPeer::new()
        .receive(&wire)
        .into_iter()
        .filter_map(|s| match s.frame {
            Frame::Data(d) => Some(d.stream_id),
            _ => None,
        })
        .collect();
    let first_low = order.iter().position(|&id| id == low).unwrap();
    assert!(order[..first_low].iter().all(|&id| id == high), "{order:?}");
    assert_eq!(first_low, order.iter().filter(|&&id| id == high).count());
}

#[wasm_bindgen_test(unsupported = test)]
fn a_ping_is_echoed_after_one_round_trip() {
    let mut p = Pair::default_pair();
    p.latency = Duration::from_millis(20);
    p.run();
    let now = p.now;
    let id = p.client.ping(now).unwrap();
    p.run();
    let pong = p.take_client_events().into_iter().find_map(|e| match e {
        Event::Pong { id, rtt } => Some((id, rtt)),
        _ => None,
    });
    assert_eq!(pong, Some((id, 40)));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_settings_change_of_the_initial_window_reaches_the_peer() {
    let mut p = Pair::default_pair();
    p.run();
    p.take_server_events();
    p.client
        .change_settings(None, Some(16 * KIB as u32))
        .unwrap();
    p.run();
    let initial = p.take_server_events().into_iter().find_map(|e| match e {
        Event::Settings(s) => s.initial_window_size,
        _ => None,
    });
    assert_eq!(initial, Some(16 * KIB as u32));
    let id = get(&mut p, 0, 0);
    p.run();
    assert_eq!(p.server.stream_send_window(id), Some(16 * KIB as i64));
}

#[wasm_bindgen_test(unsupported = test)]
fn a_reset_ends_the_stream_on_both_ends() {
    let mut p = Pair::default_pair();
    let mut apps = Apps::default();
    let id = get(&mut p, 4096 * KIB, 0);
    apps.paused.insert(id);
    apps.pump(&mut p);
    p.client.reset(id, RstStatus::CANCEL).unwrap();
    apps.pump(&mut p);
    let remote_cancel = StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator: Initiator::Remote,
    };
    assert!(apps.server_log.iter().any(
        |e| matches!(e, Event::StreamReset { stream_id, error } if *stream_id == id && *error == remote_cancel)
    ));
    assert_eq!((p.client.stats().streams, p.server.stats().streams), (0, 0));
}

#[wasm_bindgen_test(unsupported = test)]
fn goaway_refuses_new_streams_and_lets_open_ones_finish() {
    let mut p = Pair::default_pair();
    let mut apps = Apps::default();
    let id = get(&mut p, 100 * KIB, 0);
    p.run();
    let now = p.now;
    p.server.goaway(now);
    p.run();
    // The client has the GOAWAY while its stream is still waiting for the reply.
    let now = p.now;
    let refused = p
        .client
        .open_stream(RawPeer::request("/"), OpenOptions::default(), now);
    assert_eq!(refused, Err(CommandError::GoingAway));
    apps.pump(&mut p);
    assert_eq!(apps.received[&id], 100 * KIB);
    assert!(apps.client_log.iter().any(|e| matches!(
        e,
        Event::GoAway { last_good_stream_id, status: GoAwayStatus::OK } if *last_good_stream_id == id
    )));
    assert!(p.server.is_closed(), "closed once the open stream finished");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_malformed_frame_ends_the_session_with_goaway_protocol_error() {
    let mut p = Pair::default_pair();
    let mut peer = RawPeer::new();
    let now = p.now;
    // A PING whose length is 8, not 4 (S-10).
    let sent = peer.exchange(
        &mut p.server,
        &[0x80, 3, 0, 6, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0],
        now,
    );
    assert!(sent.iter().any(|s| matches!(
        &s.frame,
        Frame::GoAway(g) if g.status == GoAwayStatus::PROTOCOL_ERROR
    )));
    assert!(p.server.is_closed());
}
