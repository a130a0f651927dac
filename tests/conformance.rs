//! The session conformance suite: one test per session rule of the checklist in
//! ../shared/spec/SPDY31.md, named by its id, driven through a scripted peer that sends
//! exact frames and decodes exact answers. The session-level cases of invalid.json and the
//! replay of session.json are in `conformance_vectors.rs`.

use bytes::Bytes;
use spdy3::frame::*;
use spdy3::header_block::{HeaderError, HeaderList};
use spdy3::session::*;
use spdy3::testing::{encode, events, RawPeer, Sent};
use spdy3::time::{Duration, Instant};

/// A session under test and the scripted peer talking to it.
struct H {
    s: Session,
    peer: RawPeer,
    now: Instant,
}

impl H {
    fn new(role: Role, config: Config) -> H {
        let now = Instant(0);
        let mut h = H {
            s: Session::new(role, config, now),
            peer: RawPeer::new(),
            now,
        };
        let start = h.drain();
        // S-91: the first thing each side sends is a frame, SETTINGS.
        if h.s.config().send_settings_at_start {
            assert!(matches!(start[0].frame, Frame::Settings(_)), "{start:?}");
        }
        events(&mut h.s);
        h
    }
    fn server() -> H {
        H::new(Role::Server, Config::default())
    }
    fn client() -> H {
        H::new(Role::Client, Config::default())
    }
    fn send(&mut self, bytes: &[u8]) -> Vec<Sent> {
        self.peer.exchange(&mut self.s, bytes, self.now)
    }
    fn drain(&mut self) -> Vec<Sent> {
        self.peer.drain(&mut self.s, self.now)
    }
    fn events(&mut self) -> Vec<Event> {
        events(&mut self.s)
    }
    /// A client stream 1 opened through the session and its SYN_STREAM drained.
    fn open(&mut self, fin: bool) -> u32 {
        let id = self
            .s
            .open_stream(
                RawPeer::request("/"),
                OpenOptions {
                    fin,
                    ..Default::default()
                },
                self.now,
            )
            .unwrap();
        let sent = self.drain();
        assert!(matches!(sent[0].frame, Frame::SynStream(ref f) if f.stream_id == id));
        id
    }
    /// The peer (a client) opens stream `id` on a server session.
    fn peer_opens(&mut self, id: u32, fin: bool) -> Vec<Sent> {
        let b = self
            .peer
            .syn_stream(id, 0, &RawPeer::request("/"), fin, false);
        self.send(&b)
    }
}

fn rsts(sent: &[Sent]) -> Vec<(u32, RstStatus)> {
    sent.iter()
        .filter_map(|s| match s.frame {
            Frame::RstStream(r) => Some((r.stream_id, r.status)),
            _ => None,
        })
        .collect()
}

fn goaway(sent: &[Sent]) -> Option<GoAway> {
    sent.iter().find_map(|s| match s.frame {
        Frame::GoAway(g) => Some(g),
        _ => None,
    })
}

fn window_updates(sent: &[Sent]) -> Vec<(u32, u32)> {
    sent.iter()
        .filter_map(|s| match s.frame {
            Frame::WindowUpdate(w) => Some((w.stream_id, w.delta)),
            _ => None,
        })
        .collect()
}

fn data_frames(sent: &[Sent]) -> Vec<(u32, usize, bool)> {
    sent.iter()
        .filter_map(|s| match &s.frame {
            Frame::Data(d) => Some((d.stream_id, d.payload.len(), d.fin)),
            _ => None,
        })
        .collect()
}

fn closed(events: &[Event]) -> Option<SessionError> {
    events.iter().find_map(|e| match e {
        Event::Closed(e) => Some(*e),
        _ => None,
    })
}

fn assert_session_error(h: &mut H, sent: &[Sent], rule: &str) {
    let g = goaway(sent).unwrap_or_else(|| panic!("no GOAWAY in {sent:?}"));
    assert_eq!(g.status, GoAwayStatus::PROTOCOL_ERROR);
    let e = closed(&h.events()).expect("Closed event");
    assert_eq!(e.initiator, Initiator::Library);
    if let SessionErrorKind::Protocol(r) = e.kind {
        assert_eq!(r, rule);
    }
    assert!(h.s.is_closed(), "S-31: the transport is to be closed");
}

fn settings(entries: &[(SettingId, u32)]) -> Vec<u8> {
    encode(&Frame::Settings(Settings {
        clear_settings: false,
        entries: entries.iter().map(|&(id, v)| Setting::new(id, v)).collect(),
    }))
}

fn wu(stream_id: u32, delta: u32) -> Vec<u8> {
    encode(&Frame::WindowUpdate(WindowUpdate { stream_id, delta }))
}

fn rst(stream_id: u32, status: RstStatus) -> Vec<u8> {
    encode(&Frame::RstStream(RstStream { stream_id, status }))
}

fn ping(id: u32) -> Vec<u8> {
    encode(&Frame::Ping(Ping { id }))
}

// ---------------------------------------------------------------- streams

#[test]
fn s13_client_ids_are_odd_and_server_ids_even() {
    let mut c = H::client();
    assert_eq!(c.open(false), 1);
    assert_eq!(c.open(false), 3);
    let mut s = H::server();
    s.peer_opens(1, false);
    let push =
        s.s.push_stream(
            1,
            RawPeer::headers(&[(":scheme", "https"), (":host", "a"), (":path", "/x")]),
            OpenOptions::default(),
            s.now,
        )
        .unwrap();
    assert_eq!(push, 2);
}

#[test]
fn s14_ids_increase_and_exhaustion_stops_opening() {
    let mut c = H::client();
    let a = c.open(false);
    let b = c.open(false);
    assert!(b > a);
    c.s.skip_stream_ids_for_testing(0x7fff_ffff);
    assert_eq!(c.open(false), 0x7fff_ffff);
    assert_eq!(
        c.s.open_stream(RawPeer::request("/"), OpenOptions::default(), c.now),
        Err(CommandError::StreamIdsExhausted)
    );
}

#[test]
fn s15_syn_stream_id_going_down_is_a_session_error() {
    let mut h = H::server();
    h.peer_opens(3, true);
    let sent = h.peer_opens(1, true);
    assert_session_error(&mut h, &sent, "S-15");
}

#[test]
fn s16_syn_stream_reusing_a_live_id_resets_it() {
    let mut h = H::server();
    h.peer_opens(1, false);
    let sent = h.peer_opens(1, false);
    assert_eq!(rsts(&sent), [(1, RstStatus::PROTOCOL_ERROR)]);
    assert!(!h.s.is_closed());
}

#[test]
fn s17_syn_stream_with_the_receivers_parity_is_a_session_error() {
    let mut h = H::server();
    let sent = h.peer_opens(2, true);
    assert_session_error(&mut h, &sent, "S-17");
}

#[test]
fn s18_nothing_but_window_updates_and_resets_after_fin() {
    let mut h = H::client();
    let id = h.open(true);
    assert_eq!(
        h.s.send_data(id, Bytes::from_static(b"x"), false),
        Err(CommandError::StreamClosed)
    );
    assert_eq!(
        h.s.send_headers(id, HeaderList::new(), false),
        Err(CommandError::StreamClosed)
    );
    // The reply's data is consumed and a WINDOW_UPDATE may still go out.
    let b = h.peer.syn_reply(id, &RawPeer::response(), false);
    h.send(&b);
    let sent = h.send(&RawPeer::data(id, &vec![0u8; 60_000], false));
    assert!(sent.is_empty());
    while let Read::Data(_) = h.s.read(id, usize::MAX).unwrap() {}
    let sent = h.drain();
    assert!(window_updates(&sent).iter().any(|&(s, _)| s == id));
    assert!(sent
        .iter()
        .all(|s| matches!(s.frame, Frame::WindowUpdate(_))));
}

#[test]
fn s19_the_recipient_of_a_unidirectional_stream_never_sends_on_it() {
    let mut h = H::server();
    let b = h.peer.syn_stream(1, 0, &RawPeer::request("/"), false, true);
    h.send(&b);
    assert!(h.events().iter().any(|e| matches!(
        e,
        Event::StreamOpened {
            unidirectional: true,
            ..
        }
    )));
    assert_eq!(
        h.s.reply(1, RawPeer::response(), false),
        Err(CommandError::StreamClosed)
    );
    assert_eq!(
        h.s.send_data(1, Bytes::from_static(b"x"), true),
        Err(CommandError::StreamClosed)
    );
    assert!(h.drain().is_empty());
}

#[test]
fn s20_data_for_an_idle_stream_draws_invalid_stream() {
    let mut h = H::server();
    let sent = h.send(&RawPeer::data(5, b"hello", false));
    assert_eq!(rsts(&sent), [(5, RstStatus::INVALID_STREAM)]);
}

#[test]
fn s21_data_before_the_reply_draws_protocol_error() {
    let mut h = H::client();
    let id = h.open(false);
    let sent = h.send(&RawPeer::data(id, b"early", false));
    assert_eq!(rsts(&sent), [(id, RstStatus::PROTOCOL_ERROR)]);
}

#[test]
fn s22_frames_after_the_peers_fin_draw_stream_already_closed() {
    let mut h = H::server();
    h.peer_opens(1, true);
    let sent = h.send(&RawPeer::data(1, b"late", false));
    assert_eq!(rsts(&sent), [(1, RstStatus::STREAM_ALREADY_CLOSED)]);
    let mut c = H::client();
    let id = c.open(false);
    let b = c.peer.syn_reply(id, &RawPeer::response(), true);
    c.send(&b);
    let b = c
        .peer
        .headers_frame(id, &RawPeer::headers(&[("x", "1")]), false);
    assert_eq!(rsts(&c.send(&b)), [(id, RstStatus::STREAM_ALREADY_CLOSED)]);
}

#[test]
fn s23_data_on_a_closed_stream_draws_protocol_error() {
    let mut h = H::server();
    h.peer_opens(1, true);
    h.s.reply(1, RawPeer::response(), true).unwrap();
    h.drain();
    assert!(h.s.stream_ids().is_empty(), "both halves finished");
    let sent = h.send(&RawPeer::data(1, b"zombie", false));
    assert_eq!(rsts(&sent), [(1, RstStatus::PROTOCOL_ERROR)]);
}

#[test]
fn s24_a_second_reply_draws_stream_in_use() {
    let mut h = H::client();
    let id = h.open(true);
    let b = h.peer.syn_reply(id, &RawPeer::response(), false);
    assert!(rsts(&h.send(&b)).is_empty());
    let b = h.peer.syn_reply(id, &RawPeer::response(), false);
    assert_eq!(rsts(&h.send(&b)), [(id, RstStatus::STREAM_IN_USE)]);
}

#[test]
fn s25_s26_a_reset_is_never_answered_and_ends_sending() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.s.reply(1, RawPeer::response(), false).unwrap();
    h.drain();
    // Queue data, then the peer resets before it goes out.
    h.s.send_data(1, Bytes::from(vec![1u8; 1000]), false)
        .unwrap();
    let sent = h.send(&rst(1, RstStatus::CANCEL));
    assert!(
        sent.is_empty(),
        "no RST in answer (S-25) and no data after it (S-26): {sent:?}"
    );
    let ev = h.events();
    assert!(ev.contains(&Event::StreamReset {
        stream_id: 1,
        error: StreamError::Reset {
            status: RstStatus::CANCEL,
            initiator: Initiator::Remote
        }
    }));
    assert_eq!(
        h.s.send_data(1, Bytes::from_static(b"x"), false),
        Err(CommandError::UnknownStream)
    );
    assert_eq!(h.s.stats().send_buffered, 0);
}

#[test]
fn s27_status_0_is_never_sent_and_unknown_statuses_still_close() {
    let mut h = H::server();
    h.peer_opens(1, false);
    assert_eq!(h.s.reset(1, RstStatus(0)), Err(CommandError::NotAllowed));
    h.send(&rst(1, RstStatus(99)));
    assert!(h.events().contains(&Event::StreamReset {
        stream_id: 1,
        error: StreamError::Reset {
            status: RstStatus(99),
            initiator: Initiator::Remote
        }
    }));
    assert!(h.s.stream_ids().is_empty());
}

#[test]
fn s29_refusals_are_retryable() {
    let config = Config {
        max_concurrent_streams: 1,
        ..Config::default()
    };
    let mut h = H::new(Role::Server, config);
    h.peer_opens(1, false);
    let sent = h.peer_opens(3, false);
    assert_eq!(rsts(&sent), [(3, RstStatus::REFUSED_STREAM)]);
    let mut c = H::client();
    let id = c.open(false);
    c.send(&rst(id, RstStatus::REFUSED_STREAM));
    assert!(c.events().contains(&Event::StreamReset {
        stream_id: id,
        error: StreamError::Refused
    }));
}

#[test]
fn s30_an_oversized_block_is_inflated_reset_and_the_session_goes_on() {
    let mut config = Config::default();
    config.header_limits.max_block = 200;
    let mut h = H::new(Role::Server, config);
    let big = RawPeer::headers(&[
        (":method", "GET"),
        (":path", "/"),
        (":version", "HTTP/1.1"),
        (":host", "h"),
        (":scheme", "https"),
        ("x-big", &"a".repeat(500)),
    ]);
    let b = h.peer.syn_stream(1, 0, &big, true, false);
    assert_eq!(rsts(&h.send(&b)), [(1, RstStatus::FRAME_TOO_LARGE)]);
    // The context stayed in sync: the next block decodes.
    h.peer_opens(3, true);
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::StreamOpened { stream_id: 3, .. })));
    // Past the hard limit (a zlib bomb) the session ends.
    let mut config = Config::default();
    config.header_limits.max_inflated = 10_000;
    let mut h = H::new(Role::Server, config);
    let bomb = RawPeer::headers(&[("x-bomb", &"z".repeat(60_000))]);
    let b = h.peer.syn_stream(1, 0, &bomb, true, false);
    assert!(b.len() < 1000, "compresses well");
    let sent = h.send(&b);
    assert_session_error(&mut h, &sent, "S-30");
}

// ---------------------------------------------------------------- errors

#[test]
fn s31_a_session_error_sends_goaway_with_last_good_and_closes() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.peer_opens(3, false);
    let sent = h.send(&RawPeer::data(0, b"x", false));
    let g = goaway(&sent).unwrap();
    assert_eq!(g.last_good_stream_id, 3);
    let ev = h.events();
    // Every open stream is told.
    for id in [1, 3] {
        assert!(ev.contains(&Event::StreamReset {
            stream_id: id,
            error: StreamError::SessionClosed
        }));
    }
    assert!(h.s.is_closed());
    assert!(
        h.send(&ping(1)).is_empty(),
        "nothing is processed after the end"
    );
}

#[test]
fn s32_s33_a_stream_error_keeps_the_session_and_its_compression_context() {
    let mut h = H::server();
    // Our own encoder refuses a value with two NULs in a row, so build the block by hand.
    let mut nv = Vec::new();
    for (n, v) in [(":method", "GET"), ("x", "a\0\0b")] {
        nv.extend_from_slice(&(n.len() as u32).to_be_bytes());
        nv.extend_from_slice(n.as_bytes());
        nv.extend_from_slice(&(v.len() as u32).to_be_bytes());
        nv.extend_from_slice(v.as_bytes());
    }
    let mut raw = 2u32.to_be_bytes().to_vec();
    raw.extend(nv);
    let mut z = spdy3::header_block::Compressor::new(Default::default());
    let mut block = Vec::new();
    z.compress(&raw, &mut block);
    let frame = encode(&Frame::SynStream(SynStream {
        stream_id: 1,
        associated_stream_id: 0,
        priority: 0,
        slot: 0,
        fin: true,
        unidirectional: false,
        header_block: block.into(),
    }));
    assert_eq!(rsts(&h.send(&frame)), [(1, RstStatus::PROTOCOL_ERROR)]);
    let mut good = Vec::new();
    let mut nv = 5u32.to_be_bytes().to_vec();
    for (n, v) in [
        (":method", "GET"),
        (":path", "/"),
        (":version", "HTTP/1.1"),
        (":host", "h"),
        (":scheme", "https"),
    ] {
        nv.extend_from_slice(&(n.len() as u32).to_be_bytes());
        nv.extend_from_slice(n.as_bytes());
        nv.extend_from_slice(&(v.len() as u32).to_be_bytes());
        nv.extend_from_slice(v.as_bytes());
    }
    z.compress(&nv, &mut good);
    let frame = encode(&Frame::SynStream(SynStream {
        stream_id: 3,
        associated_stream_id: 0,
        priority: 0,
        slot: 0,
        fin: true,
        unidirectional: false,
        header_block: good.into(),
    }));
    h.send(&frame);
    assert!(h
        .events()
        .iter()
        .any(|e| matches!(e, Event::StreamOpened { stream_id: 3, .. })));
    assert!(!h.s.is_closed());
}

#[test]
fn s37_s88_invalid_outgoing_headers_are_refused_before_anything_is_sent() {
    let mut h = H::client();
    let mut bad = RawPeer::request("/");
    bad.insert("connection", "close");
    assert_eq!(
        h.s.open_stream(bad, OpenOptions::default(), h.now),
        Err(CommandError::InvalidHeaders(
            HeaderError::ConnectionSpecific
        ))
    );
    let mut upper = RawPeer::request("/");
    upper.insert("X-Mixed", "v");
    let id =
        h.s.open_stream(upper, OpenOptions::default(), h.now)
            .unwrap();
    let sent = h.drain();
    let headers = sent[0].headers.as_ref().unwrap();
    assert_eq!(
        headers.get("x-mixed"),
        Some(&b"v"[..]),
        "names are sent lower case"
    );
    assert_eq!(id, 1);
}

// ---------------------------------------------------------------- frame sizes

/// DATA frames are cut to `max_data_frame` while other streams wait to send, so that they
/// take turns, and to `max_data_frame_alone` for a stream sending alone.
#[test]
fn data_frames_are_small_while_streams_take_turns_and_large_for_a_lone_stream() {
    let mut h = H::server();
    h.send(&wu(0, 1 << 20));
    for id in [1, 3] {
        h.peer_opens(id, false);
        h.s.reply(id, RawPeer::response(), false).unwrap();
    }
    h.drain();
    // Stream 1 alone: 64 KiB in one frame.
    assert_eq!(
        h.s.send_data(1, Bytes::from(vec![1u8; 65_536]), false),
        Ok(65_536)
    );
    let sent = h.drain();
    assert_eq!(data_frames(&sent), vec![(1, 65_536, false)]);
    h.send(&wu(1, 65_536));
    // Both streams with data: 16 KiB frames, alternating, until one is left alone.
    assert_eq!(
        h.s.send_data(1, Bytes::from(vec![1u8; 49_152]), false),
        Ok(49_152)
    );
    assert_eq!(
        h.s.send_data(3, Bytes::from(vec![3u8; 65_536]), false),
        Ok(65_536)
    );
    let sent = data_frames(&h.drain());
    let sizes: Vec<(u32, usize)> = sent.iter().map(|d| (d.0, d.1)).collect();
    let k = 16_384;
    assert_eq!(
        sizes,
        vec![(1, k), (3, k), (1, k), (3, k), (1, k), (3, 2 * k)],
        "turns of 16 KiB, then the rest of stream 3 in one frame"
    );
}

// ---------------------------------------------------------------- flow control

#[test]
fn s49_s50_s51_only_data_counts_and_both_windows_shrink() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.s.reply(1, RawPeer::response(), false).unwrap();
    h.drain();
    assert_eq!(h.s.stream_send_window(1), Some(65_536), "S-50 default");
    assert_eq!(h.s.stats().send_window, 65_536);
    h.s.send_headers(1, RawPeer::headers(&[("x", "1")]), false)
        .unwrap();
    h.drain();
    assert_eq!(
        h.s.stream_send_window(1),
        Some(65_536),
        "S-49 headers cost nothing"
    );
    assert_eq!(
        h.s.send_data(1, Bytes::from(vec![7u8; 100_000]), false),
        Ok(65_536)
    );
    let sent = h.drain();
    let total: usize = data_frames(&sent).iter().map(|d| d.1).sum();
    assert_eq!(total, 65_536);
    assert!(
        data_frames(&sent).iter().all(|d| d.1 <= 64 * 1024),
        "chunked to the frame limit of a lone stream"
    );
    assert_eq!(h.s.stream_send_window(1), Some(0));
    assert_eq!(h.s.stats().send_window, 0);
    assert_eq!(h.s.send_capacity(1), 0);
}

#[test]
fn s50_new_streams_start_at_the_peers_initial_window() {
    let mut h = H::server();
    h.send(&settings(&[(SettingId::INITIAL_WINDOW_SIZE, 1000)]));
    h.peer_opens(1, false);
    assert_eq!(h.s.stream_send_window(1), Some(1000));
}

#[test]
fn s52_s53_an_empty_fin_goes_out_on_a_spent_window_and_updates_raise_windows() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.s.reply(1, RawPeer::response(), false).unwrap();
    h.s.send_data(1, Bytes::from(vec![1u8; 65_536]), false)
        .unwrap();
    h.drain();
    h.s.finish(1).unwrap();
    assert_eq!(data_frames(&h.drain()), [(1, 0, true)]);
    // S-53 on another stream: stream and session updates each raise their own window.
    h.peer_opens(3, false);
    h.s.reply(3, RawPeer::response(), false).unwrap();
    assert_eq!(
        h.s.send_data(3, Bytes::from(vec![1u8; 10]), false),
        Ok(0),
        "session window spent"
    );
    h.send(&wu(0, 5));
    assert_eq!(h.s.stats().send_window, 5);
    assert_eq!(h.s.send_data(3, Bytes::from(vec![1u8; 10]), false), Ok(5));
    h.send(&wu(3, 100));
    assert_eq!(h.s.stream_send_window(3), Some(65_536 - 5 + 100));
}

#[test]
fn s55_window_overflow() {
    let mut h = H::server();
    h.peer_opens(1, false);
    let sent = h.send(&wu(1, 0x7fff_ffff));
    assert_eq!(rsts(&sent), [(1, RstStatus::FLOW_CONTROL_ERROR)]);
    let sent = h.send(&wu(0, 0x7fff_ffff));
    let g = goaway(&sent).unwrap();
    assert_eq!(g.status, GoAwayStatus::PROTOCOL_ERROR);
    assert_eq!(
        closed(&h.events()).unwrap().kind,
        SessionErrorKind::FlowControl
    );
}

#[test]
fn s56_a_smaller_initial_window_goes_negative_and_stops_data() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.s.reply(1, RawPeer::response(), false).unwrap();
    h.s.send_data(1, Bytes::from(vec![1u8; 61_440]), false)
        .unwrap();
    h.drain();
    h.send(&settings(&[(SettingId::INITIAL_WINDOW_SIZE, 16_384)]));
    assert_eq!(h.s.stream_send_window(1), Some(16_384 - 61_440));
    assert_eq!(h.s.send_data(1, Bytes::from_static(b"more"), false), Ok(0));
    h.send(&wu(1, 45_056));
    assert_eq!(h.s.stream_send_window(1), Some(0));
    assert!(data_frames(&h.drain()).is_empty());
    h.send(&wu(1, 10));
    assert_eq!(h.s.send_data(1, Bytes::from_static(b"more"), false), Ok(4));
    assert_eq!(data_frames(&h.drain()), [(1, 4, false)]);
}

#[test]
fn s57_settings_never_change_the_session_window() {
    let mut h = H::server();
    h.send(&settings(&[(SettingId::INITIAL_WINDOW_SIZE, 1 << 20)]));
    assert_eq!(h.s.stats().send_window, 65_536);
}

#[test]
fn s58_data_on_unknown_and_reset_streams_is_counted_and_returned() {
    // No initial session WINDOW_UPDATE: easier numbers.
    let config = Config {
        session_window: 65_536,
        ..Config::default()
    };
    let mut h = H::new(Role::Server, config);
    h.peer_opens(1, false);
    h.s.reset(1, RstStatus::CANCEL).unwrap();
    h.drain();
    // In flight when we reset: dropped quietly but counted.
    h.send(&RawPeer::data(1, &vec![0u8; 20_000], false));
    // Unknown stream: INVALID_STREAM, still counted.
    let sent = h.send(&RawPeer::data(9, &vec![0u8; 20_000], false));
    let updates = window_updates(&sent);
    assert_eq!(
        h.s.stats().recv_window,
        65_536,
        "all 40,000 bytes were returned: {updates:?}"
    );
    assert_eq!(
        updates
            .iter()
            .filter(|u| u.0 == 0)
            .map(|u| u.1)
            .sum::<u32>(),
        40_000
    );
}

#[test]
fn s59_data_beyond_a_window() {
    let mut config = Config {
        initial_window: 65_536,
        session_window: 65_536,
        ..Config::default()
    };
    let mut h = H::new(Role::Server, config.clone());
    h.peer_opens(1, false);
    let sent = h.send(&RawPeer::data(1, &vec![0u8; 65_537], false));
    // The session window is overrun at the same time: a session error outranks it.
    assert_eq!(goaway(&sent).unwrap().status, GoAwayStatus::PROTOCOL_ERROR);
    config.session_window = 1 << 20;
    let mut h = H::new(Role::Server, config);
    h.peer_opens(1, false);
    let sent = h.send(&RawPeer::data(1, &vec![0u8; 65_537], false));
    assert_eq!(rsts(&sent), [(1, RstStatus::FLOW_CONTROL_ERROR)]);
    assert!(!h.s.is_closed());
}

#[test]
fn s60_window_updates_on_half_closed_are_accepted_and_on_unknown_ignored() {
    let mut h = H::server();
    h.peer_opens(1, true); // half-closed (remote)
    h.send(&wu(1, 10));
    assert_eq!(h.s.stream_send_window(1), Some(65_546));
    assert!(h.send(&wu(77, 10)).is_empty());
    assert!(!h.s.is_closed());
}

#[test]
fn s61_an_initial_window_above_the_ceiling_is_a_session_error() {
    let mut h = H::client();
    let sent = h.send(&settings(&[(SettingId::INITIAL_WINDOW_SIZE, 0x8000_0000)]));
    assert_session_error(&mut h, &sent, "S-61");
}

// ---------------------------------------------------------------- settings

#[test]
fn s63_s66_our_settings_are_ascending_unique_and_without_persistence_flags() {
    let h = Session::client(Config::default(), Instant(0));
    let mut h = H {
        s: h,
        peer: RawPeer::new(),
        now: Instant(0),
    };
    let sent = h.drain();
    let Frame::Settings(s) = &sent[0].frame else {
        panic!()
    };
    let ids: Vec<u32> = s.entries.iter().map(|e| e.id.0).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    assert!(s.entries.iter().all(|e| !e.persist_value && !e.persisted));
    assert!(!s.clear_settings);
    assert_eq!(
        sent[1].frame,
        Frame::WindowUpdate(WindowUpdate {
            stream_id: 0,
            delta: (4 << 20) - 65_536
        })
    );
}

#[test]
fn s64_s65_s68_first_duplicate_wins_unknown_ignored_later_replaces() {
    let mut h = H::client();
    h.send(&settings(&[
        (SettingId::MAX_CONCURRENT_STREAMS, 10),
        (SettingId(0x1234), 5),
        (SettingId::MAX_CONCURRENT_STREAMS, 20),
    ]));
    let ev = h.events();
    let Some(Event::Settings(s)) = ev.first() else {
        panic!("{ev:?}")
    };
    assert_eq!(s.max_concurrent_streams, Some(10));
    for _ in 0..10 {
        h.open(false);
    }
    assert_eq!(
        h.s.open_stream(RawPeer::request("/"), OpenOptions::default(), h.now),
        Err(CommandError::ConcurrencyLimit)
    );
    h.send(&settings(&[(SettingId::MAX_CONCURRENT_STREAMS, 11)]));
    assert!(h.events().contains(&Event::CanOpenStreams));
    h.open(false);
}

#[test]
fn s66_persistence_is_reported_to_clients_and_ignored_by_servers() {
    let frame = encode(&Frame::Settings(Settings {
        clear_settings: true,
        entries: vec![
            Setting {
                id: SettingId::ROUND_TRIP_TIME,
                value: 50,
                persist_value: true,
                persisted: false,
            },
            Setting {
                id: SettingId::INITIAL_WINDOW_SIZE,
                value: 1 << 20,
                persist_value: true,
                persisted: false,
            },
        ],
    }));
    let mut c = H::client();
    c.send(&frame);
    let Some(Event::Settings(s)) = c.events().into_iter().next() else {
        panic!()
    };
    assert!(s.clear_persisted);
    assert_eq!(s.persist.len(), 1, "never the initial window");
    assert_eq!(s.persist[0].id, SettingId::ROUND_TRIP_TIME);
    let mut sv = H::server();
    sv.send(&frame);
    let Some(Event::Settings(s)) = sv.events().into_iter().next() else {
        panic!()
    };
    assert!(s.persist.is_empty() && !s.clear_persisted);
}

#[test]
fn s67_concurrency_limits_both_ways() {
    let mut h = H::client();
    h.send(&settings(&[(SettingId::MAX_CONCURRENT_STREAMS, 1)]));
    let id = h.open(false);
    assert_eq!(
        h.s.open_stream(RawPeer::request("/"), OpenOptions::default(), h.now),
        Err(CommandError::ConcurrencyLimit)
    );
    h.s.reset(id, RstStatus::CANCEL).unwrap();
    assert!(h.events().contains(&Event::CanOpenStreams));
    let config = Config {
        max_concurrent_streams: 2,
        ..Config::default()
    };
    let mut s = H::new(Role::Server, config);
    s.peer_opens(1, false);
    s.peer_opens(3, false);
    assert_eq!(
        rsts(&s.peer_opens(5, false)),
        [(5, RstStatus::REFUSED_STREAM)]
    );
    // A stream whose both halves are done no longer counts, even with data unread.
    s.send(&RawPeer::data(1, b"body", true));
    s.s.reply(1, RawPeer::response(), true).unwrap();
    s.drain();
    assert!(rsts(&s.peer_opens(7, false)).is_empty());
}

// ---------------------------------------------------------------- ping

#[test]
fn s69_s70_pings_use_our_parity_and_echoes_jump_the_queue() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.s.reply(1, RawPeer::response(), false).unwrap();
    h.s.send_data(1, Bytes::from(vec![1u8; 50_000]), false)
        .unwrap();
    let id = h.s.ping(h.now).unwrap();
    assert_eq!(id % 2, 0, "server pings are even");
    let sent = h.send(&ping(7));
    assert_eq!(
        sent[0].frame,
        Frame::Ping(Ping { id: 7 }),
        "the echo goes first: {:?}",
        sent[0]
    );
    let mut c = H::client();
    assert_eq!(c.s.ping(c.now).unwrap() % 2, 1);
}

#[test]
fn s71_an_unsolicited_ping_of_our_parity_is_ignored_and_rtt_is_measured() {
    let mut h = H::server();
    assert!(h.send(&ping(2)).is_empty());
    let id = h.s.ping(h.now).unwrap();
    h.drain();
    h.now = Instant(42);
    assert!(h.send(&ping(id)).is_empty());
    assert!(h.events().contains(&Event::Pong { id, rtt: 42 }));
}

// ---------------------------------------------------------------- goaway

#[test]
fn s72_s73_s74_s77_after_our_goaway() {
    let mut h = H::server();
    h.peer_opens(1, false);
    h.peer_opens(5, false);
    h.events();
    h.s.goaway(h.now);
    let g = goaway(&h.drain()).unwrap();
    assert_eq!(
        g,
        GoAway {
            last_good_stream_id: 5,
            status: GoAwayStatus::OK
        }
    );
    // New streams are ignored entirely (S-74), unknown DATA draws nothing (S-77).
    assert!(h.peer_opens(7, false).is_empty());
    assert!(h.send(&RawPeer::data(9, b"x", false)).is_empty());
    assert!(!h
        .events()
        .iter()
        .any(|e| matches!(e, Event::StreamOpened { .. })));
    assert_eq!(
        h.s.push_stream(1, RawPeer::request("/p"), OpenOptions::default(), h.now),
        Err(CommandError::GoingAway)
    );
    // Streams at or below last-good finish, then the session ends.
    h.s.reply(1, RawPeer::response(), true).unwrap();
    h.s.reply(5, RawPeer::response(), true).unwrap();
    h.send(&RawPeer::data(1, b"", true));
    h.send(&RawPeer::data(5, b"", true));
    assert_eq!(h.s.read(1, 10), Ok(Read::Fin));
    assert_eq!(h.s.read(5, 10), Ok(Read::Fin));
    let ev = h.events();
    let e = closed(&ev).unwrap_or_else(|| panic!("{ev:?}"));
    assert!(e.is_graceful());
}

#[test]
fn s75_after_their_goaway_streams_above_last_good_are_refused() {
    let mut h = H::client();
    let a = h.open(false);
    let b = h.open(false);
    h.send(&encode(&Frame::GoAway(GoAway {
        last_good_stream_id: a,
        status: GoAwayStatus::OK,
    })));
    let ev = h.events();
    assert!(ev.contains(&Event::StreamReset {
        stream_id: b,
        error: StreamError::Refused
    }));
    assert!(!ev
        .iter()
        .any(|e| matches!(e, Event::StreamReset { stream_id, .. } if *stream_id == a)));
    assert_eq!(
        h.s.open_stream(RawPeer::request("/"), OpenOptions::default(), h.now),
        Err(CommandError::GoingAway)
    );
    // Stream a continues to its end, then the session closes.
    let r = h.peer.syn_reply(a, &RawPeer::response(), true);
    h.send(&r);
    h.s.reset(a, RstStatus::CANCEL).ok();
    let ev = h.events();
    assert!(closed(&ev).is_some(), "{ev:?}");
}

#[test]
fn s76_close_sends_goaway_first() {
    let mut h = H::client();
    h.open(false);
    h.s.close(h.now);
    let sent = h.drain();
    assert_eq!(goaway(&sent).unwrap().status, GoAwayStatus::OK);
    assert!(h.s.is_closed());
    let ev = h.events();
    assert!(ev.contains(&Event::StreamReset {
        stream_id: 1,
        error: StreamError::SessionClosed
    }));
}

// ---------------------------------------------------------------- push

fn push_headers() -> HeaderList {
    RawPeer::headers(&[
        (":scheme", "https"),
        (":host", "example.com"),
        (":path", "/style.css"),
        (":status", "200 OK"),
        (":version", "HTTP/1.1"),
    ])
}

#[test]
fn s78_a_push_is_even_unidirectional_and_tied_to_an_open_stream() {
    let mut h = H::server();
    h.peer_opens(1, true);
    let id =
        h.s.push_stream(1, push_headers(), OpenOptions::default(), h.now)
            .unwrap();
    h.s.send_data(id, Bytes::from_static(b"body{}"), true)
        .unwrap();
    h.s.reply(1, RawPeer::response(), false).unwrap();
    let sent = h.drain();
    let Frame::SynStream(s) = &sent[0].frame else {
        panic!("{sent:?}")
    };
    assert_eq!(
        (s.stream_id, s.associated_stream_id, s.unidirectional),
        (2, 1, true)
    );
    assert_eq!(data_frames(&sent), [(2, 6, true)]);
    // Not from a client, not on our own or a finished stream, and never without a URL.
    let mut c = H::client();
    let cid = c.open(false);
    assert_eq!(
        c.s.push_stream(cid, push_headers(), OpenOptions::default(), c.now),
        Err(CommandError::NotAllowed)
    );
    h.s.send_data(1, Bytes::new(), true).unwrap();
    assert_eq!(
        h.s.push_stream(1, push_headers(), OpenOptions::default(), h.now),
        Err(CommandError::NotAllowed)
    );
    h.peer_opens(3, false);
    assert_eq!(
        h.s.push_stream(
            3,
            RawPeer::headers(&[(":scheme", "https")]),
            OpenOptions::default(),
            h.now
        ),
        Err(CommandError::MissingHeader(":host"))
    );
}

#[test]
fn s79_s80_s81_push_validation_on_the_client() {
    let mut h = H::client();
    let id = h.open(false);
    let b = h.peer.syn_stream(2, 0, &push_headers(), false, true);
    let sent = h.send(&b);
    assert_session_error(&mut h, &sent, "S-79");

    let mut h = H::client();
    let id2 = h.open(false);
    assert_eq!(id, id2);
    let b = h.peer.syn_stream(
        2,
        id,
        &RawPeer::headers(&[(":scheme", "https"), (":host", "a")]),
        false,
        true,
    );
    assert_eq!(rsts(&h.send(&b)), [(2, RstStatus::PROTOCOL_ERROR)], "S-80");
    let b = h.peer.syn_stream(4, 99, &push_headers(), false, true);
    assert_eq!(rsts(&h.send(&b)), [(4, RstStatus::PROTOCOL_ERROR)], "S-81");
    // A good push (spdy-transport style, without UNIDIRECTIONAL) is one-way anyway.
    let b = h.peer.syn_stream(6, id, &push_headers(), false, false);
    assert!(rsts(&h.send(&b)).is_empty());
    assert!(h.events().iter().any(|e| matches!(
        e,
        Event::StreamOpened {
            stream_id: 6,
            associated_stream_id: 1,
            unidirectional: true,
            ..
        }
    )));
    assert_eq!(
        h.s.send_data(6, Bytes::from_static(b"x"), false),
        Err(CommandError::StreamClosed),
        "S-84"
    );
}

#[test]
fn s82_cancelling_the_associated_stream_cancels_its_pushes() {
    let mut h = H::server();
    h.peer_opens(1, false);
    let push =
        h.s.push_stream(1, push_headers(), OpenOptions::default(), h.now)
            .unwrap();
    h.drain();
    h.s.send_data(push, Bytes::from(vec![0u8; 1000]), false)
        .unwrap();
    let sent = h.send(&rst(1, RstStatus::CANCEL));
    assert!(
        data_frames(&sent).is_empty(),
        "nothing more on the cancelled push"
    );
    assert!(h.events().contains(&Event::StreamReset {
        stream_id: push,
        error: StreamError::Reset {
            status: RstStatus::CANCEL,
            initiator: Initiator::Remote
        }
    }));
}

#[test]
fn s83_later_headers_on_a_push_may_not_repeat_or_carry_the_url() {
    let mut h = H::client();
    let id = h.open(false);
    let b = h.peer.syn_stream(
        2,
        id,
        &RawPeer::headers(&[(":scheme", "https"), (":host", "a"), (":path", "/x")]),
        false,
        true,
    );
    h.send(&b);
    let b = h
        .peer
        .headers_frame(2, &RawPeer::headers(&[(":status", "200 OK")]), false);
    assert!(rsts(&h.send(&b)).is_empty());
    let b = h
        .peer
        .headers_frame(2, &RawPeer::headers(&[(":status", "200 OK")]), false);
    assert_eq!(rsts(&h.send(&b)), [(2, RstStatus::PROTOCOL_ERROR)]);
    let b = h.peer.syn_stream(
        4,
        id,
        &RawPeer::headers(&[(":scheme", "https"), (":host", "a"), (":path", "/y")]),
        false,
        true,
    );
    h.send(&b);
    let b = h
        .peer
        .headers_frame(4, &RawPeer::headers(&[(":path", "/z")]), false);
    assert_eq!(rsts(&h.send(&b)), [(4, RstStatus::PROTOCOL_ERROR)]);
}

// ---------------------------------------------------------------- HTTP layer

#[test]
fn s85_a_request_without_pseudo_headers_gets_400() {
    let mut h = H::server();
    let b = h
        .peer
        .syn_stream(1, 0, &RawPeer::headers(&[(":method", "GET")]), true, false);
    let sent = h.send(&b);
    let Frame::SynReply(r) = &sent[0].frame else {
        panic!("{sent:?}")
    };
    assert!(r.fin);
    assert_eq!(
        sent[0].headers.as_ref().unwrap().get_str(":status"),
        Some("400 Bad Request")
    );
    // The application never hears of the stream: no event names it, not even its end.
    assert_eq!(h.events(), []);
    assert!(h.s.stream_ids().is_empty());
    // Nor of what follows on it: a body (S-85's stream is not open to the application), a
    // HEADERS, a reset.
    let b = h
        .peer
        .syn_stream(3, 0, &RawPeer::headers(&[(":method", "GET")]), false, false);
    h.send(&b);
    h.send(&RawPeer::data(3, b"body", false));
    let b = h
        .peer
        .headers_frame(3, &RawPeer::headers(&[("x", "y")]), false);
    h.send(&b);
    h.send(&rst(3, RstStatus::CANCEL));
    assert_eq!(h.events(), []);
    assert!(!h.s.is_closed());
    // Raw sessions (Kubernetes) take any headers.
    let mut raw = H::new(
        Role::Server,
        Config {
            http: false,
            ..Config::default()
        },
    );
    let b = raw.peer.syn_stream(
        1,
        0,
        &RawPeer::headers(&[("streamtype", "stdout")]),
        false,
        false,
    );
    assert!(raw.send(&b).is_empty());
    assert!(raw
        .events()
        .iter()
        .any(|e| matches!(e, Event::StreamOpened { .. })));
}

#[test]
fn s86_a_request_without_body_has_fin_on_its_syn_stream() {
    let mut h = H::client();
    h.s.open_stream(
        RawPeer::request("/"),
        OpenOptions {
            fin: true,
            ..Default::default()
        },
        h.now,
    )
    .unwrap();
    let Frame::SynStream(s) = &h.drain()[0].frame else {
        panic!()
    };
    assert!(s.fin);
}

#[test]
fn s87_a_reply_without_status_is_reset() {
    let mut h = H::client();
    let id = h.open(false);
    let b = h
        .peer
        .syn_reply(id, &RawPeer::headers(&[(":version", "HTTP/1.1")]), false);
    assert_eq!(rsts(&h.send(&b)), [(id, RstStatus::PROTOCOL_ERROR)]);
}

// ---------------------------------------------------------------- transport

#[test]
fn s90_spdy3_mode_has_no_session_window() {
    let config = Config {
        flow_control: FlowControl::Spdy3,
        ..Config::default()
    };
    let mut h = H::new(Role::Server, config);
    h.peer_opens(1, false);
    h.s.reply(1, RawPeer::response(), false).unwrap();
    // More than the 64 KiB session window of 3.1, within the stream window.
    h.send(&settings(&[(SettingId::INITIAL_WINDOW_SIZE, 200_000)]));
    h.peer_opens(3, false);
    h.s.reply(3, RawPeer::response(), false).unwrap();
    assert_eq!(
        h.s.send_data(3, Bytes::from(vec![0u8; 150_000]), false),
        Ok(150_000)
    );
    let sent = h.drain();
    assert!(window_updates(&sent).iter().all(|w| w.0 != 0));
    let sent = h.send(&RawPeer::data(1, &vec![0u8; 70_000], false));
    assert!(goaway(&sent).is_none(), "no session window is enforced");
}

#[test]
fn s91_a_silent_server_speaks_only_after_the_clients_first_frame() {
    let config = Config {
        send_settings_at_start: false,
        ..Config::kubernetes()
    };
    let mut s = Session::server(config, Instant(0));
    let mut peer = RawPeer::new();
    assert!(peer.drain(&mut s, Instant(0)).is_empty());
    let b = peer.syn_stream(
        1,
        0,
        &RawPeer::headers(&[("streamtype", "data")]),
        false,
        false,
    );
    let sent = peer.exchange(&mut s, &b, Instant(1));
    assert!(matches!(sent[0].frame, Frame::Settings(_)), "{sent:?}");
}

// ---------------------------------------------------------------- timers and limits

#[test]
fn timers_idle_ping_first_frame_and_frame_completion() {
    // First frame.
    let mut h = H::server();
    let t = h.s.poll_timeout().unwrap();
    h.s.handle_timeout(t);
    assert!(matches!(
        closed(&h.events()).unwrap().kind,
        SessionErrorKind::Timeout("first frame")
    ));
    // Frame completion: a frame dribbled byte by byte.
    let mut h = H::server();
    h.send(&ping(1));
    h.send(&[0x80]);
    h.now = Instant(29_000);
    h.send(&[0x03]);
    let t = h.s.poll_timeout().unwrap();
    assert_eq!(
        t,
        Instant(30_000),
        "counted from the start of the frame, not the last byte"
    );
    h.s.handle_timeout(t);
    let sent = h.drain();
    assert_eq!(goaway(&sent).unwrap().status, GoAwayStatus::PROTOCOL_ERROR);
    // Ping timeout.
    let mut h = H::client();
    h.send(&ping(2));
    h.s.ping(h.now).unwrap();
    h.s.handle_timeout(Instant(30_000));
    assert!(matches!(
        closed(&h.events()).unwrap().kind,
        SessionErrorKind::Timeout("ping")
    ));
    // Idle: no streams for 5 minutes.
    let mut h = H::client();
    h.send(&ping(2));
    h.drain();
    assert_eq!(h.s.poll_timeout(), Some(Instant(300_000)));
    h.s.handle_timeout(Instant(300_000));
    assert!(matches!(
        closed(&h.events()).unwrap().kind,
        SessionErrorKind::Timeout("idle")
    ));
}

#[test]
fn timers_reply_keepalive_and_goaway_drain() {
    let mut config = Config::default();
    config.timeouts.reply = Some(Duration::from_secs(5));
    config.timeouts.keepalive = Some(Duration::from_secs(10));
    let mut h = H::new(Role::Client, config);
    let id = h.open(false);
    h.s.handle_timeout(Instant(5_000));
    assert_eq!(rsts(&h.drain()), [(id, RstStatus::CANCEL)]);
    assert!(h.events().contains(&Event::StreamReset {
        stream_id: id,
        error: StreamError::ReplyTimeout
    }));
    h.s.handle_timeout(Instant(10_000));
    assert!(
        h.drain().iter().any(|s| matches!(s.frame, Frame::Ping(_))),
        "keepalive"
    );
    let mut h = H::server();
    h.peer_opens(1, false);
    h.s.goaway(h.now);
    h.s.handle_timeout(Instant(30_000));
    let ev = h.events();
    assert!(ev.contains(&Event::StreamReset {
        stream_id: 1,
        error: StreamError::SessionClosed
    }));
    assert!(matches!(
        closed(&ev).unwrap().kind,
        SessionErrorKind::Timeout("goaway drain")
    ));
}

#[test]
fn floods_end_the_session_with_goaway() {
    type Make = fn() -> Vec<u8>;
    let cases: [(&str, Make, u32); 5] = [
        ("PING", || ping(1), 100),
        ("SETTINGS", || settings(&[]), 100),
        ("WINDOW_UPDATE", || wu(0, 1), 10_000),
        ("empty DATA", || RawPeer::data(1, b"", false), 1000),
        ("unknown frame", || vec![0x80, 3, 0xf0, 0, 0, 0, 0, 0], 100),
    ];
    for (kind, make, limit) in cases {
        let mut h = H::server();
        h.peer_opens(1, false);
        let one = make();
        let burst: Vec<u8> = (0..=limit).flat_map(|_| one.clone()).collect();
        let sent = h.send(&burst);
        assert_eq!(
            goaway(&sent).map(|g| g.status),
            Some(GoAwayStatus::PROTOCOL_ERROR),
            "{kind}"
        );
        assert_eq!(
            closed(&h.events()).unwrap().kind,
            SessionErrorKind::Flood(kind)
        );
        // The same count spread over time is fine.
        let mut h = H::server();
        h.peer_opens(1, false);
        for i in 0..=limit {
            h.now = Instant(u64::from(i) * 10_001 / u64::from(limit));
            h.send(&one);
        }
        assert!(!h.s.is_closed(), "{kind} at the allowed rate");
    }
}

#[test]
fn window_updates_earned_by_our_data_are_not_a_flood() {
    // A fast honest transfer: one stream and one session WINDOW_UPDATE per DATA frame we
    // send, 12 000 of them at one instant, above the 10 000 the flood limit allows unearned.
    let config = Config {
        max_data_frame: 16,
        ..Config::default()
    };
    let mut h = H::new(Role::Server, config);
    h.peer_opens(1, false);
    h.s.reply(
        1,
        RawPeer::headers(&[(":status", "200"), (":version", "HTTP/1.1")]),
        false,
    )
    .unwrap();
    h.drain();
    for _ in 0..6000 {
        assert_eq!(
            h.s.send_data(1, Bytes::from_static(&[7; 16]), false),
            Ok(16)
        );
        let sent = h.drain();
        assert_eq!(data_frames(&sent), vec![(1, 16, false)]);
        let mut back = wu(1, 16);
        back.extend(wu(0, 16));
        let sent = h.send(&back);
        assert!(goaway(&sent).is_none());
    }
    assert!(!h.s.is_closed());
    // Unearned updates still count.
    let burst: Vec<u8> = (0..=10_000).flat_map(|_| wu(0, 1)).collect();
    let sent = h.send(&burst);
    assert_eq!(
        goaway(&sent).map(|g| g.status),
        Some(GoAwayStatus::PROTOCOL_ERROR)
    );
}

#[test]
fn rapid_reset_is_stopped_by_the_reset_flood_limit() {
    let mut h = H::server();
    let mut closed_at = None;
    for i in 0..2000u32 {
        let id = 1 + 2 * i;
        let mut b = h
            .peer
            .syn_stream(id, 0, &RawPeer::request("/"), false, false);
        b.extend(rst(id, RstStatus::CANCEL));
        let sent = h.send(&b);
        if goaway(&sent).is_some() {
            closed_at = Some(i);
            break;
        }
    }
    assert_eq!(closed_at, Some(1000));
    assert_eq!(
        closed(&h.events()).unwrap().kind,
        SessionErrorKind::Flood("RST_STREAM")
    );
}

#[test]
fn input_backpressure_when_unread_data_piles_up_in_lenient_mode() {
    let mut config = Config::kubernetes();
    config.send_settings_at_start = true;
    config.max_buffered = 100_000;
    let mut h = H::new(Role::Server, config);
    let b = h.peer.syn_stream(
        1,
        0,
        &RawPeer::headers(&[("streamtype", "stdin")]),
        false,
        false,
    );
    h.send(&b);
    assert!(h.s.wants_input());
    // spdystream ignores windows: far more than 64 KiB arrives, tolerated.
    let sent = h.send(&RawPeer::data(1, &vec![0u8; 150_000], false));
    assert!(rsts(&sent).is_empty() && goaway(&sent).is_none());
    assert!(!h.s.wants_input(), "stop reading the socket");
    while let Ok(Read::Data(_)) = h.s.read(1, 1 << 20) {}
    assert!(h.s.wants_input());
}

#[test]
fn s8_only_defined_frame_types_are_ever_sent() {
    // A busy exchange through the in-memory pair: every frame either side writes is DATA or
    // a control frame of type 1–4 or 6–9.
    let mut p = spdy3::testing::Pair::default_pair();
    let now = p.now;
    let id = p
        .client
        .open_stream(RawPeer::request("/"), OpenOptions::default(), now)
        .unwrap();
    p.client
        .send_data(id, Bytes::from(vec![1u8; 70_000]), false)
        .unwrap();
    p.client.ping(now).unwrap();
    p.run();
    p.server.reply(id, RawPeer::response(), false).unwrap();
    p.server
        .push_stream(id, push_headers(), OpenOptions::default(), now)
        .unwrap();
    p.server
        .send_headers(id, RawPeer::headers(&[("x-trailer", "1")]), true)
        .unwrap();
    p.client.reset(id, RstStatus::CANCEL).unwrap();
    p.server.goaway(now);
    p.run();
    for session in [&p.client, &p.server] {
        let sent = session.stats().frames_sent;
        assert_eq!(sent[9], 0, "no unknown types");
        assert!(sent.iter().sum::<u64>() > 5);
    }
    assert!(Frame::Unknown(UnknownFrame {
        frame_type: FrameType::NOOP,
        flags: 0,
        length: 0
    })
    .encode(&mut Vec::new())
    .is_err());
}

#[test]
fn s84_a_client_never_sends_on_a_pushed_stream() {
    let mut h = H::client();
    let id = h.open(false);
    let b = h.peer.syn_stream(2, id, &push_headers(), false, true);
    h.send(&b);
    assert_eq!(
        h.s.reply(2, RawPeer::response(), false),
        Err(CommandError::StreamClosed)
    );
    assert_eq!(
        h.s.send_headers(2, RawPeer::headers(&[("x", "1")]), false),
        Err(CommandError::StreamClosed)
    );
    assert_eq!(
        h.s.send_data(2, Bytes::from_static(b"x"), true),
        Err(CommandError::StreamClosed)
    );
    // Refusing it is allowed: RST_STREAM CANCEL.
    h.s.reset(2, RstStatus::CANCEL).unwrap();
    assert_eq!(rsts(&h.drain()), [(2, RstStatus::CANCEL)]);
}

#[test]
fn s26_a_stream_the_peer_reset_with_data_unread_takes_no_second_reset() {
    // Server side: the peer resets stream 1 after 2000 bytes nobody has read yet, then
    // sends a WINDOW_UPDATE that would overflow it and reuses its id.
    let mut h = H::server();
    h.peer_opens(1, false);
    h.send(&RawPeer::data(1, &[5; 2000], false));
    h.events();
    let mut late = rst(1, RstStatus::CANCEL);
    late.extend(wu(1, 0x7fff_ffff));
    let sent = h.send(&late);
    assert!(
        rsts(&sent).is_empty(),
        "nothing is sent on it (S-26): {sent:?}"
    );
    let resets: Vec<_> = h
        .events()
        .into_iter()
        .filter(|e| matches!(e, Event::StreamReset { .. }))
        .collect();
    assert_eq!(resets.len(), 1, "told once: {resets:?}");
    match h.s.read(1, 4096) {
        Ok(Read::Data(b)) => assert_eq!(b.len(), 2000),
        other => panic!("the unread data is kept: {other:?}"),
    }
    // Its id coming round again is an id going down (S-15), not a live id's reuse.
    let b = h.peer.syn_stream(1, 0, &RawPeer::request("/"), true, false);
    let sent = h.send(&b);
    assert_session_error(&mut h, &sent, "S-15");

    // Client side: a GOAWAY naming an earlier last-good id does not turn a stream the
    // peer answered and reset into a refused one (which would invite a retry).
    let mut c = H::client();
    let id = c.open(true);
    let b = c.peer.syn_reply(id, &RawPeer::response(), false);
    c.send(&b);
    c.send(&RawPeer::data(id, b"abc", false));
    c.send(&rst(id, RstStatus::CANCEL));
    c.events();
    c.send(&encode(&Frame::GoAway(GoAway {
        last_good_stream_id: 0,
        status: GoAwayStatus::OK,
    })));
    assert!(
        !c.events().iter().any(|e| matches!(
            e,
            Event::StreamReset {
                error: StreamError::Refused,
                ..
            }
        )),
        "not refused"
    );
    assert!(matches!(c.s.read(id, 16), Ok(Read::Data(_))));
}
