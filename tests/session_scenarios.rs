//! Scenario tests of the session engine under load and abuse: thousands of concurrent
//! streams, open / read / reset churn, stalled readers, SETTINGS shrinking windows
//! mid-transfer, GOAWAY during heavy traffic, and the connection cut at every byte
//! offset of a recorded exchange. Every test asserts behaviour (bytes, events, stats,
//! windows), never timing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bytes::Bytes;
use spdy3::frame::{GoAwayStatus, RstStatus};
use spdy3::header_block::{CompressionOptions, HeaderList};
use spdy3::session::*;
use spdy3::testing::{events, Pair, RawPeer};
use spdy3::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A deterministic "file" of `len` pseudo-random bytes (xorshift), so any misplaced,
/// duplicated or lost slice is caught.
fn file(len: usize, seed: u64) -> Bytes {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    Bytes::from(v)
}

/// A GET request for `path` with extra headers.
fn request(path: &str, extra: &[(&str, &str)]) -> HeaderList {
    let mut h = RawPeer::request(path);
    for (n, v) in extra {
        h.insert(*n, v.to_string());
    }
    h
}

fn fin() -> OpenOptions {
    OpenOptions {
        fin: true,
        ..Default::default()
    }
}

fn open() -> OpenOptions {
    OpenOptions::default()
}

/// Reads everything the stream has now; returns the bytes and whether `Fin` was read.
fn read_all(s: &mut Session, id: u32) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        match s.read(id, usize::MAX) {
            Ok(Read::Data(b)) => out.extend_from_slice(&b),
            Ok(Read::Fin) => return (out, true),
            Ok(Read::Pending) => return (out, false),
            Err(e) => panic!("read {id}: {e}"),
        }
    }
}

/// Asserts two byte strings are equal, reporting lengths and the first difference rather
/// than megabytes of bytes.
#[track_caller]
fn assert_bytes(got: &[u8], want: &[u8], what: &str) {
    if got != want {
        let at = got.iter().zip(want).position(|(a, b)| a != b);
        panic!(
            "{what}: {} bytes, expected {}; first difference at {at:?}",
            got.len(),
            want.len()
        );
    }
}

fn closed_count(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, Event::Closed(_)))
        .count()
}

/// Asserts that a session holds no stream and no byte of stream data.
fn assert_empty(s: &Session, who: &str) {
    let st = s.stats();
    assert_eq!(st.streams, 0, "{who}: streams left {:?}", s.stream_ids());
    assert_eq!(st.active_local, 0, "{who}: active_local");
    assert_eq!(st.active_remote, 0, "{who}: active_remote");
    assert_eq!(st.recv_buffered, 0, "{who}: recv_buffered");
    assert_eq!(st.send_buffered, 0, "{who}: send_buffered");
}

/// Frame counters in `Stats::frames_*` order.
const SYN_STREAM: usize = 1;
const SYN_REPLY: usize = 2;
const RST_STREAM: usize = 3;
const GOAWAY: usize = 6;

/// One end's application, for the Pair tests: answers requests with registered bodies
/// (server), sends bodies as flow control allows (resuming on `Writable`), reads every
/// readable stream except paused ones, and logs every other event.
#[derive(Default)]
struct App {
    /// Server: the response body of each path.
    respond: HashMap<String, Bytes>,
    /// Bodies being sent: the body and how much of it the session took.
    outgoing: HashMap<u32, (Bytes, usize)>,
    /// Bytes read per stream.
    incoming: BTreeMap<u32, Vec<u8>>,
    /// Streams whose `Fin` was read.
    finished: BTreeSet<u32>,
    /// Streams the application does not read.
    paused: BTreeSet<u32>,
    /// Every event but `Readable` and `Writable`.
    log: Vec<Event>,
}

impl App {
    fn server(respond: &[(&str, &Bytes)]) -> App {
        App {
            respond: respond
                .iter()
                .map(|(path, body)| (path.to_string(), (*body).clone()))
                .collect(),
            ..App::default()
        }
    }

    /// Starts sending `body` on `id`, FIN at its end.
    fn send(&mut self, s: &mut Session, id: u32, body: Bytes) {
        self.outgoing.insert(id, (body, 0));
        self.push(s, id);
    }

    fn push(&mut self, s: &mut Session, id: u32) {
        let Some((body, at)) = self.outgoing.get_mut(&id) else {
            return;
        };
        match s.send_data(id, body.slice(*at..), true) {
            Ok(n) => {
                *at += n;
                if *at == body.len() {
                    self.outgoing.remove(&id);
                }
            }
            Err(_) => {
                self.outgoing.remove(&id);
            }
        }
    }

    /// Reads what `id` has, unless it is paused.
    fn drain(&mut self, s: &mut Session, id: u32) {
        if self.paused.contains(&id) {
            return;
        }
        let (bytes, fin) = read_all(s, id);
        self.incoming
            .entry(id)
            .or_default()
            .extend_from_slice(&bytes);
        if fin {
            assert!(self.finished.insert(id), "Fin read twice on {id}");
        }
    }

    fn handle(&mut self, s: &mut Session, events: Vec<Event>) {
        for e in events {
            match &e {
                Event::Readable { stream_id } => self.drain(s, *stream_id),
                Event::Writable { stream_id } => self.push(s, *stream_id),
                Event::StreamOpened {
                    stream_id, headers, ..
                } => {
                    let path = headers.get_str(":path").unwrap_or_default();
                    if let Some(body) = self.respond.get(path).cloned() {
                        s.reply(*stream_id, RawPeer::response(), false).unwrap();
                        self.send(s, *stream_id, body);
                    }
                    self.log.push(e);
                }
                _ => self.log.push(e),
            }
        }
    }
}

/// Runs the pair and both applications until nothing happens any more.
fn pump(p: &mut Pair, client: &mut App, server: &mut App) {
    loop {
        p.run();
        let (ce, se) = (p.take_client_events(), p.take_server_events());
        if ce.is_empty() && se.is_empty() {
            return;
        }
        client.handle(&mut p.client, ce);
        server.handle(&mut p.server, se);
    }
}

/// Stream resets in a log.
fn resets(log: &[Event]) -> Vec<(u32, StreamError)> {
    log.iter()
        .filter_map(|e| match e {
            Event::StreamReset { stream_id, error } => Some((*stream_id, *error)),
            _ => None,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// 10,000 concurrent streams
// ---------------------------------------------------------------------------------------

#[test]
fn ten_thousand_concurrent_streams_on_one_session() {
    const N: u32 = 10_000;
    let config = Config {
        max_concurrent_streams: N,
        ..Config::default()
    };
    let mut p = Pair::new(config.clone(), config);
    p.run(); // SETTINGS both ways: the client learns the limit and the session window.
    p.take_client_events();
    p.take_server_events();
    let now = p.now;
    // Every request carries a small body naming its stream, then FIN.
    let mut ids = Vec::new();
    for i in 0..N {
        let id = p
            .client
            .open_stream(request(&format!("/item/{i}"), &[]), open(), now)
            .unwrap();
        let body = Bytes::from(format!("upload {i} on {id}"));
        assert_eq!(
            p.client.send_data(id, body.clone(), true).unwrap(),
            body.len()
        );
        ids.push(id);
    }
    assert_eq!(
        ids,
        (0..N).map(|i| 1 + 2 * i).collect::<Vec<_>>(),
        "S-13/S-14"
    );
    assert!(!p.client.can_open(), "the peer's limit of {N} is reached");
    assert_eq!(
        p.client
            .open_stream(request("/one-too-many", &[]), fin(), now),
        Err(CommandError::ConcurrencyLimit)
    );
    p.run();

    // The server has every stream at once, each with its body.
    assert_eq!(p.server.stats().streams, N as usize);
    assert_eq!(p.server.stats().active_remote, N as usize);
    assert_eq!(p.client.stats().active_local, N as usize);
    let mut opened = BTreeMap::new();
    for e in p.take_server_events() {
        match e {
            Event::StreamOpened {
                stream_id,
                headers,
                fin: false,
                ..
            } => {
                let path = headers.get_str(":path").unwrap().to_string();
                assert!(opened.insert(stream_id, path).is_none());
            }
            Event::Readable { .. } | Event::Settings(_) => {}
            other => panic!("server: unexpected {other:?}"),
        }
    }
    assert_eq!(opened.len(), N as usize);
    for (i, (&id, path)) in opened.iter().enumerate() {
        assert_eq!(path, &format!("/item/{i}"));
        let (body, fin) = read_all(&mut p.server, id);
        assert!(fin);
        assert_eq!(body, format!("upload {i} on {id}").as_bytes());
        p.server.reply(id, RawPeer::response(), false).unwrap();
        let body = Bytes::from(format!("response {i} for {id}: {}", "x".repeat(i % 50)));
        assert_eq!(
            p.server.send_data(id, body.clone(), true).unwrap(),
            body.len()
        );
    }
    // Still all open: the client has not read its responses yet.
    assert_eq!(p.server.stats().streams, N as usize);
    p.run();

    let mut replies = 0;
    let mut readable = BTreeSet::new();
    for e in p.take_client_events() {
        match e {
            Event::Reply { .. } => replies += 1,
            Event::Readable { stream_id } => {
                readable.insert(stream_id);
            }
            Event::CanOpenStreams => {}
            other => panic!("client: unexpected {other:?}"),
        }
    }
    assert_eq!(replies, N);
    assert_eq!(readable.len(), N as usize);
    for (i, &id) in ids.iter().enumerate() {
        let (body, fin) = read_all(&mut p.client, id);
        assert!(fin);
        let expected = format!("response {i} for {id}: {}", "x".repeat(i % 50));
        assert_eq!(body, expected.as_bytes());
    }
    p.run();
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
    for s in [&p.client, &p.server] {
        assert_eq!(s.stats().frames_sent[RST_STREAM], 0);
        assert_eq!(s.stats().frames_received[RST_STREAM], 0);
        assert!(!s.is_closed());
    }
    assert_eq!(p.client.stats().frames_sent[SYN_STREAM], u64::from(N));
    assert_eq!(p.server.stats().frames_sent[SYN_REPLY], u64::from(N));
    assert!(p.client.can_open());
}

// ---------------------------------------------------------------------------------------
// Range-request churn: open / read 64 KiB / reset
// ---------------------------------------------------------------------------------------

const RANGE: usize = 64 * 1024;

/// The video-player pattern, both applications: the client asks for a range of a file,
/// reads exactly 64 KiB of the answer and resets the stream with CANCEL; the server
/// answers every range with the whole rest of the file, as flow control allows.
struct Churn {
    media: Bytes,
    request: HeaderList,
    reply: HeaderList,
    /// Server: where each stream's answer continues.
    next_offset: HashMap<u32, usize>,
    /// Client resets the server saw.
    server_resets: u64,
    /// The GOAWAY the client received, if any.
    client_goaway: Option<GoAwayStatus>,
    cycles_done: usize,
}

impl Churn {
    fn new(media: Bytes) -> Churn {
        Churn {
            media,
            request: request("/video.mp4", &[]),
            reply: RawPeer::headers(&[
                (":status", "206 Partial Content"),
                (":version", "HTTP/1.1"),
            ]),
            next_offset: HashMap::new(),
            server_resets: 0,
            client_goaway: None,
            cycles_done: 0,
        }
    }

    /// Runs `cycles` cycles, `batch` streams at a time, moving the clock `tick` after each
    /// batch. Stops early once the client's session ends.
    fn run(&mut self, p: &mut Pair, cycles: usize, batch: usize, tick: Duration) {
        while self.cycles_done < cycles {
            let n = batch.min(cycles - self.cycles_done);
            let Some(wanted) = self.open(p, n) else {
                return;
            };
            // The server answers until it has nothing more to do (a full send buffer
            // makes it wait for `Writable`).
            loop {
                p.run();
                let events = p.take_server_events();
                if events.is_empty() {
                    break;
                }
                self.serve(p, events);
            }
            if !self.client_events(p, wanted.len()) {
                return;
            }
            for (id, offset) in wanted {
                let got = read_exact(&mut p.client, id, RANGE);
                assert!(got[..] == self.media[offset..offset + RANGE], "stream {id}");
                // The stream window (64 KiB) is exactly what arrived.
                assert_eq!(p.client.read(id, 1).unwrap(), Read::Pending);
                assert_eq!(p.client.stream_recv_window(id), Some(0));
                p.client.reset(id, RstStatus::CANCEL).unwrap();
            }
            // Everything the client had for them is gone the moment it resets.
            let st = p.client.stats();
            assert_eq!((st.streams, st.recv_buffered), (0, 0));
            p.now = p.now + tick;
        }
        // The last resets reach the server.
        p.run();
        let events = p.take_server_events();
        self.serve(p, events);
        assert!(
            self.next_offset.is_empty(),
            "the server app saw every stream end"
        );
    }

    /// The client opens `n` range requests; `None` once its session is over.
    fn open(&mut self, p: &mut Pair, n: usize) -> Option<Vec<(u32, usize)>> {
        let mut wanted = Vec::new();
        for _ in 0..n {
            let offset = (self.cycles_done * 7919) % (self.media.len() - 2 * RANGE);
            let mut headers = self.request.clone();
            headers.insert("range", format!("bytes={offset}-"));
            match p.client.open_stream(headers, fin(), p.now) {
                Ok(id) => wanted.push((id, offset)),
                Err(CommandError::SessionClosed | CommandError::GoingAway) => return None,
                Err(e) => panic!("open: {e}"),
            }
            self.cycles_done += 1;
        }
        Some(wanted)
    }

    fn serve(&mut self, p: &mut Pair, events: Vec<Event>) {
        for e in events {
            match e {
                Event::StreamOpened {
                    stream_id,
                    headers,
                    fin: true,
                    ..
                } if p.server.close_reason().is_none() => {
                    let range = headers.get_str("range").unwrap();
                    let offset: usize = range["bytes=".len()..range.len() - 1].parse().unwrap();
                    p.server
                        .reply(stream_id, self.reply.clone(), false)
                        .unwrap();
                    let rest = self.media.slice(offset..);
                    let n = p.server.send_data(stream_id, rest.clone(), true).unwrap();
                    assert!(n < rest.len(), "flow control limits the answer");
                    self.next_offset.insert(stream_id, offset + n);
                }
                Event::Writable { stream_id } => {
                    let at = self.next_offset[&stream_id];
                    let rest = self.media.slice(at..);
                    *self.next_offset.get_mut(&stream_id).unwrap() +=
                        p.server.send_data(stream_id, rest, true).unwrap();
                }
                Event::StreamReset {
                    stream_id,
                    error:
                        StreamError::Reset {
                            status: RstStatus::CANCEL,
                            initiator: Initiator::Remote,
                        },
                } => {
                    self.server_resets += 1;
                    assert!(self.next_offset.contains_key(&stream_id));
                }
                Event::StreamReset {
                    error: StreamError::SessionClosed,
                    ..
                } => {}
                Event::StreamClosed { stream_id } => {
                    assert!(self.next_offset.remove(&stream_id).is_some());
                }
                Event::Settings(_) | Event::Closed(_) => {}
                other => panic!("server: unexpected {other:?}"),
            }
        }
    }

    /// Checks the client's events: a 206 reply per stream, its own resets. False once the
    /// client's session is over.
    fn client_events(&mut self, p: &mut Pair, opened: usize) -> bool {
        let mut replied = 0;
        for e in p.take_client_events() {
            match e {
                Event::Reply { headers, fin, .. } => {
                    assert_eq!(headers.get_str(":status"), Some("206 Partial Content"));
                    assert!(!fin);
                    replied += 1;
                }
                Event::StreamReset {
                    error:
                        StreamError::Reset {
                            status: RstStatus::CANCEL,
                            initiator: Initiator::Local,
                        }
                        | StreamError::SessionClosed
                        | StreamError::Refused,
                    ..
                }
                | Event::Readable { .. }
                | Event::Settings(_)
                | Event::CanOpenStreams
                | Event::StreamClosed { .. }
                | Event::Closed(_) => {}
                Event::GoAway { status, .. } => self.client_goaway = Some(status),
                other => panic!("client: unexpected {other:?}"),
            }
        }
        if p.client.close_reason().is_some() {
            return false;
        }
        assert_eq!(replied, opened);
        true
    }
}

fn churn_configs() -> (Config, Config) {
    // 64 KiB stream windows (the SPDY default): a range answer is exactly one window.
    // Stored header blocks keep the 200,000 header blocks cheap in debug builds.
    let compression = CompressionOptions {
        level: 0,
        ..CompressionOptions::default()
    };
    let client = Config {
        initial_window: RANGE as u32,
        compression,
        ..Config::default()
    };
    // 32 KiB DATA frames: two per answer.
    let server = Config {
        compression,
        max_data_frame: 32 * 1024,
        max_data_frame_alone: 32 * 1024,
        ..Config::default()
    };
    (client, server)
}

#[test]
fn range_request_churn_100k_open_read_reset_leaves_nothing_behind() {
    const CYCLES: usize = 100_000;
    let (client, mut server) = churn_configs();
    // 1000 range requests per second is legitimate: allow twice that many resets.
    server.floods.reset = Rate::new(2_000, Duration::from_secs(1));
    let mut p = Pair::new(client, server);
    p.run();
    let mut churn = Churn::new(file(4 << 20, 7));
    // 8 streams at a time, 8 cycles per 8 ms: 1000 per virtual second.
    churn.run(&mut p, CYCLES, 8, Duration::from_millis(8));
    assert_eq!(churn.cycles_done, CYCLES);
    assert_eq!(churn.server_resets, CYCLES as u64);
    assert!(p.client.close_reason().is_none() && p.server.close_reason().is_none());
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
    let (c, s) = (p.client.stats(), p.server.stats());
    assert_eq!(c.frames_sent[SYN_STREAM], CYCLES as u64);
    assert_eq!(c.frames_sent[RST_STREAM], CYCLES as u64);
    assert_eq!(s.resets_received, CYCLES as u64);
    assert_eq!(
        s.frames_sent[RST_STREAM], 0,
        "a reset is never answered (S-25)"
    );
    assert_eq!(s.frames_sent[GOAWAY], 0);
    assert_eq!(c.data_received, (CYCLES * RANGE) as u64);
    assert_eq!(s.data_sent, (CYCLES * RANGE) as u64);
    // Both ends agree on the session window, and the client gave back what it read.
    assert_eq!(c.recv_window, s.send_window);
    assert!(s.send_window >= i64::from(Config::default().session_window) / 2);
    // The session still works after the churn.
    let id = p
        .client
        .open_stream(request("/after", &[]), fin(), p.now)
        .unwrap();
    p.run();
    assert!(p
        .take_server_events()
        .iter()
        .any(|e| matches!(e, Event::StreamOpened { stream_id, .. } if *stream_id == id)));
}

#[test]
fn range_request_churn_with_default_limits_is_not_a_reset_flood() {
    let (client, server) = churn_configs();
    assert_eq!(
        server.floods.reset,
        Rate::new(1000, Duration::from_secs(10))
    );
    let mut p = Pair::new(client, server);
    p.run();
    let mut churn = Churn::new(file(1 << 20, 8));
    // 5 000 resets at one instant of virtual time, five times the reset flood limit: each
    // cancels a stream whose data the client received, so none counts (the limit is for
    // Rapid Reset, streams reset before they yield anything; see conformance.rs).
    churn.run(&mut p, 5_000, 8, Duration::ZERO);
    assert_eq!(churn.cycles_done, 5_000);
    assert_eq!(p.server.stats().resets_received, 5_000);
    assert_eq!(churn.client_goaway, None);
    assert!(!p.server.is_closed());
    assert_eq!(p.server.stats().frames_sent[GOAWAY], 0);
}

#[test]
fn resetting_before_any_data_is_still_a_reset_flood() {
    let (client, server) = churn_configs();
    let mut p = Pair::new(client, server);
    p.run();
    // Open and reset at once, before the server answers: Rapid Reset.
    let mut closed_after = None;
    for i in 0..2_000 {
        let Ok(id) = p.client.open_stream(request("/", &[]), fin(), p.now) else {
            break;
        };
        p.run();
        p.client.reset(id, RstStatus::CANCEL).unwrap();
        p.run();
        if p.server.is_closed() {
            closed_after = Some(i + 1);
            break;
        }
    }
    assert_eq!(closed_after, Some(1001));
    assert_eq!(
        p.server.close_reason().map(|e| e.kind),
        Some(SessionErrorKind::Flood("RST_STREAM"))
    );
}

// ---------------------------------------------------------------------------------------
// A reader that stops reading
// ---------------------------------------------------------------------------------------

/// The client opens one GET per path, without body.
fn get_all(p: &mut Pair, paths: &[&str]) -> Vec<u32> {
    let now = p.now;
    paths
        .iter()
        .map(|path| {
            p.client
                .open_stream(request(path, &[]), fin(), now)
                .unwrap()
        })
        .collect()
}

#[test]
fn a_stalled_reader_holds_its_stream_at_zero_window_while_others_flow() {
    let mb = 1 << 20;
    let bodies = [file(3 * mb, 1), file(3 * mb, 2), file(3 * mb, 3)];
    let mut p = Pair::default_pair();
    let mut server = App::server(&[("/a", &bodies[0]), ("/b", &bodies[1]), ("/c", &bodies[2])]);
    let mut client = App::default();
    let ids = get_all(&mut p, &["/a", "/b", "/c"]);
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    client.paused.insert(a);
    pump(&mut p, &mut client, &mut server);

    // The others finished, byte for byte, three times their window each.
    assert_eq!(client.finished, BTreeSet::from([b, c]));
    assert_bytes(&client.incoming[&b], &bodies[1], "/b");
    assert_bytes(&client.incoming[&c], &bodies[2], "/c");
    // The stalled stream sits at a zero window on both ends with exactly one window
    // (the default initial window) buffered, and the rest of its body still with the
    // server app.
    let window = Config::default().initial_window as usize;
    assert_eq!(p.client.stream_recv_window(a), Some(0));
    assert_eq!(p.server.stream_send_window(a), Some(0));
    assert_eq!(p.client.stats().recv_buffered, window);
    assert_eq!(p.client.stats().streams, 1);
    assert_eq!(server.outgoing[&a].1, window);
    assert_eq!(p.server.send_capacity(a), 0);
    assert_eq!(p.server.stats().send_buffered, 0);
    // Both ends agree on the session window; it lacks the stalled window and at most the
    // credit not yet due for return (under half the session window).
    assert_eq!(p.client.stats().recv_window, p.server.stats().send_window);
    let session = i64::from(Config::default().session_window);
    assert!(p.server.stats().send_window > session - window as i64 - session / 2);
    // Nothing moves while the reader waits: no spinning, no WINDOW_UPDATE for it.
    assert_eq!(p.run(), 0);
    assert!(resets(&client.log).is_empty() && resets(&server.log).is_empty());

    // The reader comes back: the rest flows and the stream completes.
    client.paused.remove(&a);
    client.drain(&mut p.client, a);
    pump(&mut p, &mut client, &mut server);
    assert!(client.finished.contains(&a));
    assert_bytes(&client.incoming[&a], &bodies[0], "/a");
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
}

#[test]
fn the_session_window_grows_for_an_application_that_keeps_up() {
    // 32 MiB read as it arrives: the session window doubles from 4 MiB once 8 MiB were
    // consumed and again after 16 MiB more, to its 16 MiB limit, and no further.
    let body = file(32 << 20, 5);
    let mut p = Pair::default_pair();
    let mut server = App::server(&[("/big", &body)]);
    let mut client = App::default();
    let ids = get_all(&mut p, &["/big"]);
    pump(&mut p, &mut client, &mut server);
    assert_bytes(&client.incoming[&ids[0]], &body, "/big");
    let start = i64::from(Config::default().session_window);
    let limit = i64::from(Config::default().max_session_window);
    let window = p.client.stats().recv_window;
    assert!(
        window > start * 2 && window <= limit,
        "session window {window}"
    );
    assert_eq!(window, p.server.stats().send_window, "both ends agree");
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
}

#[test]
fn stalled_readers_holding_most_of_the_session_window_do_not_stop_the_others() {
    // Three readers stop with a full 1 MiB stream window each: 3 MiB of the 4 MiB session
    // window is unread. The fourth stream must still complete.
    let mb = 1 << 20;
    let bodies: Vec<Bytes> = (0..4).map(|i| file(2 * mb, 10 + i)).collect();
    let client_config = Config {
        initial_window: mb as u32,
        max_stream_window: 0,
        ..Config::default()
    };
    let mut p = Pair::new(client_config, Config::default());
    let mut server = App::server(&[
        ("/a", &bodies[0]),
        ("/b", &bodies[1]),
        ("/c", &bodies[2]),
        ("/d", &bodies[3]),
    ]);
    let mut client = App::default();
    let ids = get_all(&mut p, &["/a", "/b", "/c", "/d"]);
    client.paused.extend(&ids[..3]);
    pump(&mut p, &mut client, &mut server);
    assert_eq!(
        client.finished,
        BTreeSet::from([ids[3]]),
        "server still has {} bytes of /d",
        server
            .outgoing
            .get(&ids[3])
            .map_or(0, |(b, at)| b.len() - at)
    );
    assert_bytes(&client.incoming[&ids[3]], &bodies[3], "/d");
    // The stalled ones hold their full windows, on both ends.
    for &id in &ids[..3] {
        assert_eq!(p.client.stream_recv_window(id), Some(0));
        assert_eq!(p.server.stream_send_window(id), Some(0));
    }
    assert_eq!(p.client.stats().recv_buffered, 3 * mb);
    assert_eq!(p.client.stats().recv_window, p.server.stats().send_window);
    // They resume and complete.
    for &id in &ids[..3] {
        client.paused.remove(&id);
        client.drain(&mut p.client, id);
    }
    pump(&mut p, &mut client, &mut server);
    for (id, body) in ids.iter().zip(&bodies) {
        assert_bytes(&client.incoming[id], body, "resumed");
    }
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
}

// ---------------------------------------------------------------------------------------
// SETTINGS shrinking the window mid-transfer
// ---------------------------------------------------------------------------------------

/// Moves everything `from` has to send into `to`.
fn deliver(from: &mut Session, to: &mut Session, now: Instant) -> usize {
    let mut wire = Vec::new();
    while from.poll_transmit(now, &mut wire, usize::MAX) > 0 {}
    to.handle_bytes(&wire, now);
    wire.len()
}

const K: usize = 1024;

/// Reads exactly `n` bytes of `id`, which must be there.
fn read_exact(s: &mut Session, id: u32, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < n {
        match s.read(id, n - out.len()).unwrap() {
            Read::Data(b) => out.extend_from_slice(&b),
            other => panic!("stream {id}: {other:?} after {} bytes", out.len()),
        }
    }
    out
}

/// A client with 256 KiB stream windows and a server; the client asks for `body`, the
/// server takes one window of it (256 KiB) and writes 112 KiB (7 frames) to the client.
/// Returns the sessions, the stream id and what the server application took.
fn shrink_setup(body: &Bytes) -> (Session, Session, u32, usize) {
    let now = Instant(0);
    // Fixed windows (no growth), so each step's window is exact.
    let config = Config {
        initial_window: 256 * K as u32,
        max_stream_window: 0,
        ..Config::default()
    };
    let mut c = Session::client(config, now);
    // 16 KiB frames even for this lone stream.
    let server = Config {
        max_data_frame_alone: 16 * K,
        ..Config::default()
    };
    let mut s = Session::server(server, now);
    deliver(&mut c, &mut s, now);
    deliver(&mut s, &mut c, now);
    let id = c.open_stream(request("/big", &[]), fin(), now).unwrap();
    deliver(&mut c, &mut s, now);
    events(&mut s);
    events(&mut c);
    s.reply(id, RawPeer::response(), false).unwrap();
    let taken = s.send_data(id, body.clone(), true).unwrap();
    assert_eq!(taken, 256 * K, "one stream window");
    let mut wire = Vec::new();
    s.poll_transmit(now, &mut wire, 100 * K);
    c.handle_bytes(&wire, now);
    assert_eq!(c.stats().recv_buffered, 112 * K);
    assert_eq!(s.stats().send_buffered, 144 * K);
    (c, s, id, taken)
}

/// Finishes the transfer of `body` (the server app resuming on `Writable`), checking that
/// no more than `window` bytes ever arrive unread; returns what the client read.
fn finish_transfer(
    c: &mut Session,
    s: &mut Session,
    id: u32,
    body: &Bytes,
    mut taken: usize,
    window: usize,
) -> Vec<u8> {
    let now = Instant(0);
    let mut got = Vec::new();
    for _ in 0..10_000 {
        let (bytes, fin) = read_all(c, id);
        got.extend_from_slice(&bytes);
        if fin {
            return got;
        }
        deliver(c, s, now);
        for e in events(s) {
            if e == (Event::Writable { stream_id: id }) {
                taken += s.send_data(id, body.slice(taken..), true).unwrap();
            }
        }
        deliver(s, c, now);
        assert!(
            c.stats().recv_buffered <= window,
            "more than a window arrived"
        );
    }
    panic!("the transfer stalled after {} bytes", got.len());
}

#[test]
fn s56_settings_shrinking_the_window_mid_transfer() {
    let now = Instant(0);
    let body = file(2 << 20, 21);
    let (mut c, mut s, id, taken) = shrink_setup(&body);
    let session_window = s.stats().send_window;
    // The client shrinks every stream window from 256 KiB to 16 KiB, with 112 KiB
    // unread and 144 KiB still owed: its view of the window drops to 16 - 256 + 144.
    c.change_settings(None, Some(16 * K as u32)).unwrap();
    assert_eq!(c.stream_recv_window(id), Some(-96 * K as i64));
    deliver(&mut c, &mut s, now);
    // S-56: the server shifts the stream's send window by the same difference, below zero.
    assert_eq!(s.stream_send_window(id), Some(-96 * K as i64));
    // S-57: the session window does not move.
    assert_eq!(s.stats().send_window, session_window);
    // No DATA while the window is not positive: the 144 KiB stay queued.
    assert_eq!(deliver(&mut s, &mut c, now), 0);
    assert_eq!(s.stats().send_buffered, 144 * K);
    assert_eq!(s.send_capacity(id), 0);

    // Reading 50 KiB returns them: both ends at -46 KiB, still nothing flows.
    let mut got = read_exact(&mut c, id, 50 * K);
    deliver(&mut c, &mut s, now);
    assert_eq!(c.stream_recv_window(id), Some(-46 * K as i64));
    assert_eq!(s.stream_send_window(id), Some(-46 * K as i64));
    assert_eq!(deliver(&mut s, &mut c, now), 0);

    // Reading the other 62 KiB brings the window to 16 KiB: exactly that much flows.
    got.extend(read_exact(&mut c, id, 62 * K));
    assert_eq!(c.read(id, 1).unwrap(), Read::Pending);
    deliver(&mut c, &mut s, now);
    assert_eq!(s.stream_send_window(id), Some(16 * K as i64));
    assert_eq!(deliver(&mut s, &mut c, now), 8 + 16 * K);
    assert_eq!(c.stats().recv_buffered, 16 * K);
    assert_eq!(s.stream_send_window(id), Some(0));
    assert_eq!(c.stream_recv_window(id), Some(0));

    // The rest flows 16 KiB at a time and arrives intact.
    got.extend(finish_transfer(&mut c, &mut s, id, &body, taken, 16 * K));
    assert_bytes(&got, &body, "body");
    for x in [&c, &s] {
        assert_eq!(x.stats().frames_sent[RST_STREAM], 0);
        assert_empty(x, "after the transfer");
    }
    // S-50: a new stream starts at the new window on both ends.
    let id = c.open_stream(request("/next", &[]), fin(), now).unwrap();
    deliver(&mut c, &mut s, now);
    assert_eq!(c.stream_recv_window(id), Some(16 * K as i64));
    assert_eq!(s.stream_send_window(id), Some(16 * K as i64));
}

#[test]
fn s56_a_shrink_after_everything_was_read_still_returns_the_consumed_credit() {
    let now = Instant(0);
    let body = file(1 << 20, 22);
    let (mut c, mut s, id, taken) = shrink_setup(&body);
    // The reader drained all 112 KiB: less than half the old window, so no WINDOW_UPDATE
    // was due yet. Then it shrinks to 16 KiB: the window drops to -96 KiB on both ends.
    let mut got = read_exact(&mut c, id, 112 * K);
    c.change_settings(None, Some(16 * K as u32)).unwrap();
    // The 112 KiB consumed are now far more than half the new window: they go back at
    // once (otherwise nothing would ever move again: the reader has nothing left to read).
    deliver(&mut c, &mut s, now);
    assert_eq!(s.stream_send_window(id), Some(16 * K as i64));
    assert_eq!(c.stream_recv_window(id), Some(16 * K as i64));
    assert_eq!(deliver(&mut s, &mut c, now), 8 + 16 * K);
    got.extend(finish_transfer(&mut c, &mut s, id, &body, taken, 16 * K));
    assert_bytes(&got, &body, "body");
}

#[test]
fn s56_a_shrink_racing_data_in_flight_is_tolerated_and_the_stream_completes() {
    // SPDY/3.1 has no SETTINGS acknowledgement: data the server sent against the old
    // window may arrive after the client lowered it. SPDY31.md §10.4 lets the receiver
    // either reset such streams or accept the data; this engine accepts anything within the
    // largest window it ever advertised, so lowering a window never breaks a transfer.
    let now = Instant(0);
    let body = file(1 << 20, 23);
    let (mut c, mut s, id, taken) = shrink_setup(&body);
    let mut in_flight = Vec::new();
    while s.poll_transmit(now, &mut in_flight, usize::MAX) > 0 {}
    assert_eq!(s.stats().send_buffered, 0);
    c.change_settings(None, Some(16 * K as u32)).unwrap();
    assert_eq!(c.stream_recv_window(id), Some(-96 * K as i64));
    c.handle_bytes(&in_flight, now); // 144 KiB more: 240 KiB over the new window
    let ev = events(&mut c);
    assert!(
        !ev.iter().any(|e| matches!(e, Event::StreamReset { .. })),
        "{ev:?}"
    );
    assert_eq!(c.stream_recv_window(id), Some(-240 * K as i64));
    assert_eq!(c.stats().recv_buffered, 256 * K);
    let got = finish_transfer(&mut c, &mut s, id, &body, taken, 256 * K);
    assert_bytes(&got, &body, "body");
    assert!(c.close_reason().is_none() && s.close_reason().is_none());
    assert_empty(&c, "client");
    assert_empty(&s, "server");
}

// ---------------------------------------------------------------------------------------
// GOAWAY during heavy traffic
// ---------------------------------------------------------------------------------------

/// `n` POSTs, each uploading a body and downloading a bigger one; returns the stream ids
/// with their upload and download bodies, after one round of traffic (mid-transfer).
fn heavy_traffic(
    p: &mut Pair,
    client: &mut App,
    server: &mut App,
    n: u64,
) -> Vec<(u32, Bytes, Bytes)> {
    let now = p.now;
    let mut streams = Vec::new();
    for i in 0..n {
        let path = format!("/heavy/{i}");
        let up = file(1536 << 10, 100 + i);
        let down = file(2 << 20, 200 + i);
        server.respond.insert(path.clone(), down.clone());
        let id = p
            .client
            .open_stream(request(&path, &[(":method", "POST")]), open(), now)
            .unwrap();
        client.send(&mut p.client, id, up.clone());
        streams.push((id, up, down));
    }
    // Two rounds: the requests arrive, the server starts answering, windows fill.
    for _ in 0..2 {
        p.run();
        let (ce, se) = (p.take_client_events(), p.take_server_events());
        client.handle(&mut p.client, ce);
        server.handle(&mut p.server, se);
    }
    assert!(client.finished.is_empty() && server.finished.is_empty());
    assert!(!server.outgoing.is_empty() && !client.outgoing.is_empty());
    assert!(p.client.stats().data_received > 0 && p.server.stats().data_received > 0);
    streams
}

#[test]
fn s74_s75_graceful_goaway_during_heavy_traffic_finishes_accepted_streams_and_refuses_new_ones() {
    let mut p = Pair::default_pair();
    let (mut client, mut server) = (App::default(), App::default());
    let streams = heavy_traffic(&mut p, &mut client, &mut server, 12);
    let last_accepted = streams.last().unwrap().0;
    // The server says GOAWAY while the client opens more streams: they cross on the wire.
    let now = p.now;
    p.server.goaway(now);
    let late: Vec<u32> = (0..4)
        .map(|i| {
            p.client
                .open_stream(request(&format!("/late/{i}"), &[]), fin(), now)
                .unwrap()
        })
        .collect();
    assert!(!p.server.can_open());
    pump(&mut p, &mut client, &mut server);

    // S-75: the client hears last-good = the last stream the server accepted; the late
    // streams were never processed (retryable), the others carried on.
    let goaways: Vec<_> = client
        .log
        .iter()
        .filter_map(|e| match e {
            Event::GoAway {
                last_good_stream_id,
                status,
            } => Some((*last_good_stream_id, *status)),
            _ => None,
        })
        .collect();
    assert_eq!(goaways, [(last_accepted, GoAwayStatus::OK)]);
    let refused: Vec<u32> = resets(&client.log)
        .into_iter()
        .map(|(id, e)| {
            assert_eq!(e, StreamError::Refused, "stream {id}");
            id
        })
        .collect();
    assert_eq!(refused, late);
    // S-74: their SYN_STREAMs reached the server after its GOAWAY and were ignored: no
    // event, no reply, no reset.
    assert_eq!(
        p.server.stats().frames_received[SYN_STREAM],
        (streams.len() + late.len()) as u64
    );
    assert!(!server.log.iter().any(|e| matches!(
        e,
        Event::StreamOpened { stream_id, .. } if late.contains(stream_id)
    )));
    assert!(resets(&server.log).is_empty());
    for s in [&p.client, &p.server] {
        assert_eq!(s.stats().frames_sent[RST_STREAM], 0);
    }
    // Every accepted stream finished both ways, byte for byte.
    for (id, up, down) in &streams {
        assert_bytes(&client.incoming[id], down, "download");
        assert_bytes(&server.incoming[id], up, "upload");
        assert!(client.finished.contains(id) && server.finished.contains(id));
    }
    // Then both ends closed, gracefully, each once, with nothing left.
    assert_eq!(
        p.server.close_reason(),
        Some(SessionError {
            status: GoAwayStatus::OK,
            initiator: Initiator::Local,
            kind: SessionErrorKind::Closed,
        })
    );
    assert_eq!(
        p.client.close_reason(),
        Some(SessionError {
            status: GoAwayStatus::OK,
            initiator: Initiator::Remote,
            kind: SessionErrorKind::GoAway,
        })
    );
    assert_eq!(closed_count(&client.log), 1);
    assert_eq!(closed_count(&server.log), 1);
    assert_eq!(p.server.stats().frames_sent[GOAWAY], 1);
    assert!(p.client.is_closed() && p.server.is_closed());
    assert_eq!(
        p.client.open_stream(request("/after", &[]), fin(), p.now),
        Err(CommandError::SessionClosed)
    );
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
}

#[test]
fn an_abrupt_close_during_heavy_traffic_ends_every_stream_on_both_ends() {
    let mut p = Pair::default_pair();
    let (mut client, mut server) = (App::default(), App::default());
    let streams = heavy_traffic(&mut p, &mut client, &mut server, 12);
    let now = p.now;
    p.server.close(now);
    // The server tells its application at once: every stream ended with the session.
    let se = p.take_server_events();
    server.handle(&mut p.server, se);
    pump(&mut p, &mut client, &mut server);
    // The GOAWAY reached the client; then the transport goes.
    assert!(client.log.iter().any(|e| matches!(
        e,
        Event::GoAway {
            status: GoAwayStatus::OK,
            ..
        }
    )));
    assert!(p.server.is_closed());
    p.cut();
    let (ce, se) = (p.take_client_events(), p.take_server_events());
    client.handle(&mut p.client, ce);
    server.handle(&mut p.server, se);

    let ids: BTreeSet<u32> = streams.iter().map(|s| s.0).collect();
    for (who, app) in [("client", &client), ("server", &server)] {
        let reset: BTreeMap<u32, StreamError> = resets(&app.log).into_iter().collect();
        assert_eq!(reset.keys().copied().collect::<BTreeSet<_>>(), ids, "{who}");
        assert!(
            reset.values().all(|e| *e == StreamError::SessionClosed),
            "{who}: {reset:?}"
        );
        let closed = app
            .log
            .iter()
            .filter(|e| matches!(e, Event::StreamClosed { .. }))
            .count();
        assert_eq!(closed, ids.len(), "{who}");
        assert_eq!(closed_count(&app.log), 1, "{who}");
        // What did arrive is a prefix of what was sent.
        assert!(app.finished.is_empty(), "{who}");
    }
    for (id, up, down) in &streams {
        let got = client.incoming.get(id).map_or(&[][..], |v| &v[..]);
        assert!(got.len() < down.len() && down.starts_with(got));
        let got = server.incoming.get(id).map_or(&[][..], |v| &v[..]);
        assert!(got.len() < up.len() && up.starts_with(got));
    }
    assert_eq!(
        p.server.close_reason().map(|e| (e.initiator, e.kind)),
        Some((Initiator::Local, SessionErrorKind::Closed))
    );
    assert_eq!(
        p.client.close_reason().map(|e| (e.initiator, e.kind)),
        Some((Initiator::Remote, SessionErrorKind::ConnectionLost))
    );
    assert_empty(&p.client, "client");
    assert_empty(&p.server, "server");
}

// ---------------------------------------------------------------------------------------
// The connection cut at every byte offset of a recorded exchange
// ---------------------------------------------------------------------------------------

/// The bodies of the recorded exchange.
struct Script {
    html: Bytes,
    css: Bytes,
    upload: Bytes,
    echo: Bytes,
    big: Bytes,
    cancelled: Bytes,
}

impl Script {
    fn new() -> Script {
        Script {
            html: file(300, 31),
            css: file(200, 32),
            upload: file(1000, 33),
            echo: Bytes::from_static(b"got 1000 bytes"),
            big: file(1800, 34),
            cancelled: file(1200, 35),
        }
    }
}

/// One end of the recorded exchange: its session, every event, and what it read.
struct Peer {
    s: Session,
    log: Vec<Event>,
    /// Streams the application knows: opened by it or announced by `StreamOpened`.
    known: BTreeSet<u32>,
    read: BTreeMap<u32, Vec<u8>>,
    fin_read: BTreeSet<u32>,
}

impl Peer {
    fn new(s: Session) -> Peer {
        Peer {
            s,
            log: Vec::new(),
            known: BTreeSet::new(),
            read: BTreeMap::new(),
            fin_read: BTreeSet::new(),
        }
    }

    /// Takes the next event, reading readable streams on the way (ignoring streams that
    /// are gone: the application may have reset them itself).
    fn next_event(&mut self) -> Option<Event> {
        let e = self.s.poll_event()?;
        if let Event::Readable { stream_id } = e {
            loop {
                match self.s.read(stream_id, usize::MAX) {
                    Ok(Read::Data(b)) => self.read.entry(stream_id).or_default().extend(&b[..]),
                    Ok(Read::Fin) => {
                        assert!(self.fin_read.insert(stream_id));
                        break;
                    }
                    Ok(Read::Pending) | Err(CommandError::UnknownStream) => break,
                    Err(e) => panic!("read {stream_id}: {e}"),
                }
            }
        }
        if let Event::StreamOpened { stream_id, .. } = e {
            self.known.insert(stream_id);
        }
        self.log.push(e.clone());
        Some(e)
    }
}

fn exchange_config() -> Config {
    Config {
        max_data_frame: 512,
        // Stored header blocks: a fresh session needs no priming of a compressor, which keeps
        // thousands of replays cheap in debug builds. Header frames are still cut anywhere.
        compression: CompressionOptions {
            level: 0,
            ..CompressionOptions::default()
        },
        ..Config::default()
    }
}

fn push_headers() -> HeaderList {
    RawPeer::headers(&[
        (":status", "200 OK"),
        (":version", "HTTP/1.1"),
        (":scheme", "https"),
        (":host", "example.com"),
        (":path", "/style.css"),
    ])
}

/// The client's part: four requests (a GET, an upload with trailers, a big GET with
/// trailers in reply, a GET it cancels on reply) and a ping; GOAWAY once all is done.
fn client_start(c: &mut Peer, sc: &Script, now: Instant) {
    let ids = [
        c.s.open_stream(request("/", &[]), fin(), now).unwrap(),
        c.s.open_stream(request("/upload", &[(":method", "POST")]), open(), now)
            .unwrap(),
        c.s.open_stream(request("/big", &[]), fin(), now).unwrap(),
        c.s.open_stream(request("/cancel", &[]), fin(), now)
            .unwrap(),
    ];
    assert_eq!(ids, [1, 3, 5, 7]);
    c.known.extend(ids);
    assert_eq!(c.s.send_data(3, sc.upload.clone(), false), Ok(1000));
    c.s.send_headers(3, RawPeer::headers(&[("x-upload", "done")]), true)
        .unwrap();
    c.s.ping(now).unwrap();
}

fn client_react(c: &mut Peer, now: Instant) {
    while let Some(e) = c.next_event() {
        match e {
            Event::Reply { stream_id: 7, .. } => {
                let _ = c.s.reset(7, RstStatus::CANCEL);
            }
            Event::StreamClosed { .. } => {
                let all = [1, 2, 3, 5, 7].iter().all(|id| {
                    c.log
                        .iter()
                        .any(|e| matches!(e, Event::StreamClosed { stream_id } if stream_id == id))
                });
                if all {
                    c.s.goaway(now);
                }
            }
            _ => {}
        }
    }
}

/// The server's part: answers `/` with a push and a body, echoes the upload once its
/// trailers came (and then ends `/` with an empty FIN), sends `/big` with trailers, and
/// `/cancel` in full.
fn server_react(s: &mut Peer, sc: &Script, now: Instant) {
    while let Some(e) = s.next_event() {
        if s.s.close_reason().is_some() {
            continue;
        }
        match e {
            Event::StreamOpened {
                stream_id, headers, ..
            } => {
                let id = stream_id;
                s.s.reply(id, RawPeer::response(), false).unwrap();
                match headers.get_str(":path").unwrap() {
                    "/" => {
                        let push = s.s.push_stream(id, push_headers(), open(), now).unwrap();
                        s.known.insert(push);
                        assert_eq!(s.s.send_data(push, sc.css.clone(), true), Ok(200));
                        assert_eq!(s.s.send_data(id, sc.html.clone(), false), Ok(300));
                        // Its end (an empty DATA with FIN) follows once the upload is in.
                    }
                    "/upload" => {}
                    "/big" => {
                        assert_eq!(s.s.send_data(id, sc.big.clone(), false), Ok(1800));
                        let trailers = RawPeer::headers(&[("x-trailer", "end")]);
                        s.s.send_headers(id, trailers, true).unwrap();
                    }
                    "/cancel" => {
                        assert_eq!(s.s.send_data(id, sc.cancelled.clone(), true), Ok(1200));
                    }
                    other => panic!("{other}"),
                }
            }
            Event::Headers {
                stream_id: 3,
                fin: true,
                ..
            } => {
                s.s.finish(1).unwrap();
                assert_eq!(s.s.send_data(3, sc.echo.clone(), false), Ok(14));
                s.s.send_headers(3, RawPeer::headers(&[("x-echo", "1")]), true)
                    .unwrap();
            }
            _ => {}
        }
    }
}

/// Runs the exchange, delivering at most `cut` bytes (both directions together, in wire
/// order) before both ends see EOF. Returns both ends and the bytes delivered.
fn run_exchange(sc: &Script, cut: Option<usize>) -> (Peer, Peer, usize) {
    let now = Instant(0);
    let mut c = Peer::new(Session::client(exchange_config(), now));
    let mut s = Peer::new(Session::server(exchange_config(), now));
    client_start(&mut c, sc, now);
    let budget = cut.unwrap_or(usize::MAX);
    let mut delivered = 0;
    let mut wire = Vec::new();
    'run: loop {
        let mut moved = false;
        for to_server in [true, false] {
            let (from, to) = if to_server {
                (&mut c.s, &mut s.s)
            } else {
                (&mut s.s, &mut c.s)
            };
            wire.clear();
            while from.poll_transmit(now, &mut wire, usize::MAX) > 0 {}
            let n = wire.len().min(budget - delivered);
            if n > 0 {
                to.handle_bytes(&wire[..n], now);
                delivered += n;
                moved = true;
            }
            if n < wire.len() || (delivered == budget && cut.is_some()) {
                break 'run;
            }
        }
        client_react(&mut c, now);
        server_react(&mut s, sc, now);
        if !moved {
            break;
        }
    }
    if cut.is_some() {
        c.s.handle_eof(now);
        s.s.handle_eof(now);
        // The applications see the rest, reading what stayed readable.
        client_react(&mut c, now);
        server_react(&mut s, sc, now);
    }
    (c, s, delivered)
}

/// Checks one end after the exchange: one `Closed`; every stream it knew ended exactly once,
/// either completed (read in full) or with an allowed reset; nothing left behind.
fn check_end(p: &mut Peer, expected: &BTreeMap<u32, Bytes>, cancel: StreamError, k: usize) {
    let who = format!("{:?} cut at {k}", p.s.role());
    assert_eq!(closed_count(&p.log), 1, "{who}: {:?}", p.log);
    for &id in &p.known {
        let closes = p
            .log
            .iter()
            .filter(|e| matches!(e, Event::StreamClosed { stream_id } if *stream_id == id))
            .count();
        assert_eq!(closes, 1, "{who}: stream {id} closed {closes} times");
        let errors: Vec<StreamError> = resets(&p.log)
            .into_iter()
            .filter(|(i, _)| *i == id)
            .map(|(_, e)| e)
            .collect();
        let body = p.read.get(&id).map_or(&[][..], |v| &v[..]);
        let want = expected.get(&id).map_or(&[][..], |v| &v[..]);
        match errors[..] {
            [] => {
                // Completed: everything arrived and was read.
                if id != 7 {
                    assert!(
                        body == want,
                        "{who}: stream {id} completed with {} of {} bytes",
                        body.len(),
                        want.len()
                    );
                }
            }
            [StreamError::SessionClosed] => {
                assert!(want.starts_with(body), "{who}: stream {id} corrupt");
            }
            [e] if id == 7 && e == cancel => {}
            _ => panic!("{who}: stream {id}: {errors:?}"),
        }
    }
    // No state leaks: no stream, no buffered byte, no timer, nothing to send.
    assert_empty(&p.s, &who);
    assert!(p.s.is_closed(), "{who}");
    assert_eq!(p.s.poll_timeout(), None, "{who}");
    assert!(!p.s.wants_input(), "{who}");
    let mut out = Vec::new();
    assert_eq!(
        p.s.poll_transmit(Instant(0), &mut out, usize::MAX),
        0,
        "{who}"
    );
    assert!(p.s.poll_event().is_none());
}

#[test]
fn the_recorded_exchange_completes_cleanly() {
    let sc = Script::new();
    let (mut c, mut s, total) = run_exchange(&sc, None);
    assert!(total > 3000 && total < 8000, "{total} bytes");
    let client_bodies = BTreeMap::from([
        (1, sc.html.clone()),
        (2, sc.css.clone()),
        (3, sc.echo.clone()),
        (5, sc.big.clone()),
    ]);
    let server_bodies = BTreeMap::from([(3, sc.upload.clone())]);
    assert_eq!(c.known, BTreeSet::from([1, 2, 3, 5, 7]));
    assert_eq!(s.known, BTreeSet::from([1, 2, 3, 5, 7]));
    // Only the scripted cancel; trailers both ways; a pong; then a graceful close.
    assert_eq!(
        resets(&c.log),
        [(
            7,
            StreamError::Reset {
                status: RstStatus::CANCEL,
                initiator: Initiator::Local
            }
        )]
    );
    assert!(c.log.iter().any(|e| matches!(e, Event::Pong { .. })));
    assert!(c.log.iter().any(
        |e| matches!(e, Event::Headers { stream_id: 5, fin: true, headers } if headers.get_str("x-trailer") == Some("end"))
    ));
    assert!(s.log.iter().any(
        |e| matches!(e, Event::Headers { stream_id: 3, fin: true, headers } if headers.get_str("x-upload") == Some("done"))
    ));
    assert_eq!(
        c.s.close_reason().map(|e| e.kind),
        Some(SessionErrorKind::Closed)
    );
    assert_eq!(
        s.s.close_reason().map(|e| e.kind),
        Some(SessionErrorKind::GoAway)
    );
    let cancel = StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator: Initiator::Local,
    };
    check_end(&mut c, &client_bodies, cancel, total);
    let cancel = StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator: Initiator::Remote,
    };
    check_end(&mut s, &server_bodies, cancel, total);
}

#[test]
fn the_connection_cut_at_every_byte_offset_ends_every_stream_and_leaks_nothing() {
    let sc = Script::new();
    let (_, _, total) = run_exchange(&sc, None);
    let client_bodies = BTreeMap::from([
        (1, sc.html.clone()),
        (2, sc.css.clone()),
        (3, sc.echo.clone()),
        (5, sc.big.clone()),
    ]);
    let server_bodies = BTreeMap::from([(3, sc.upload.clone())]);
    let client_cancel = StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator: Initiator::Local,
    };
    let server_cancel = StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator: Initiator::Remote,
    };
    let mut lost = [0usize; 2];
    let mut kept_readable = 0;
    for k in 0..=total {
        let (mut c, mut s, delivered) = run_exchange(&sc, Some(k));
        assert_eq!(delivered, k);
        check_end(&mut c, &client_bodies, client_cancel, k);
        check_end(&mut s, &server_bodies, server_cancel, k);
        for (i, p) in [&c, &s].into_iter().enumerate() {
            if p.s.close_reason().map(|e| e.kind) == Some(SessionErrorKind::ConnectionLost) {
                lost[i] += 1;
            }
        }
        // Streams complete at the cut stayed readable through the EOF.
        kept_readable += c
            .log
            .iter()
            .skip_while(|e| !matches!(e, Event::Closed(_)))
            .filter(|e| matches!(e, Event::StreamClosed { .. }))
            .count();
    }
    // The cut mattered: most cuts lose the connection mid-exchange on both ends, and some
    // leave fully received streams to read after the EOF.
    assert!(
        lost[0] > total / 2 && lost[1] > total / 2,
        "{lost:?} of {total}"
    );
    assert!(kept_readable > 0);
}

#[test]
fn a_fin_alone_after_the_data_was_read_stays_readable_through_eof() {
    // The server ends stream 1 with an empty DATA + FIN after the client read its data;
    // the connection drops before the client reads the end. Stream 3 never got its FIN.
    let now = Instant(0);
    let mut c = Session::client(Config::default(), now);
    let mut server = RawPeer::new();
    let one = c.open_stream(request("/", &[]), fin(), now).unwrap();
    let three = c.open_stream(request("/slow", &[]), fin(), now).unwrap();
    server.drain(&mut c, now);
    let mut b = server.syn_reply(one, &RawPeer::response(), false);
    b.extend(server.syn_reply(three, &RawPeer::response(), false));
    b.extend(RawPeer::data(one, b"hello", false));
    b.extend(RawPeer::data(three, b"partial", false));
    c.handle_bytes(&b, now);
    events(&mut c);
    assert_eq!(read_all(&mut c, one), (b"hello".to_vec(), false));
    assert_eq!(read_all(&mut c, three), (b"partial".to_vec(), false));
    c.handle_bytes(&RawPeer::data(one, b"", true), now);
    c.handle_eof(now);
    let lost = SessionError {
        status: GoAwayStatus::OK,
        initiator: Initiator::Remote,
        kind: SessionErrorKind::ConnectionLost,
    };
    assert_eq!(
        events(&mut c),
        [
            Event::Readable { stream_id: one },
            Event::StreamReset {
                stream_id: three,
                error: StreamError::SessionClosed
            },
            Event::StreamClosed { stream_id: three },
            Event::Closed(lost),
        ]
    );
    assert_eq!(c.stream_ids(), [one]);
    assert_eq!(c.read(one, 100), Ok(Read::Fin));
    assert_eq!(events(&mut c), [Event::StreamClosed { stream_id: one }]);
    assert_empty(&c, "client");
    assert!(c.is_closed());
}

// ---------------------------------------------------------------------------------------
// Priorities under load
// ---------------------------------------------------------------------------------------

#[test]
fn a_busy_stream_leaves_send_buffer_room_so_priority_decides_what_goes_first() {
    let mb = 1 << 20;
    // A client window larger than a stream's share, so that the share is what binds.
    let client = Config {
        initial_window: 2 * mb as u32,
        ..Config::default()
    };
    assert!(Config::default().max_stream_send_buffer < mb);
    let mut p = Pair::new(client, Config::default());
    let now = p.now;
    let with_priority = |priority| OpenOptions {
        priority,
        fin: true,
        ..Default::default()
    };
    // The least urgent stream asks first.
    let lo = p
        .client
        .open_stream(request("/lo", &[]), with_priority(7), now)
        .unwrap();
    let hi = p
        .client
        .open_stream(request("/hi", &[]), with_priority(0), now)
        .unwrap();
    p.run();
    p.take_server_events();
    let body = file(mb, 3);
    let limit = Config::default().max_stream_send_buffer;
    for id in [lo, hi] {
        p.server.reply(id, RawPeer::response(), false).unwrap();
        // One stream can hold only its share of the session's send buffer.
        assert_eq!(p.server.send_data(id, body.clone(), true), Ok(limit));
    }
    // Both are queued: the scheduler sends the urgent one's DATA first; the waiting stream
    // gets a frame only from the starvation guard.
    let mut wire = Vec::new();
    p.server.poll_transmit(now, &mut wire, 256 * 1024); // sixteen frames or so
    let mut decoder = spdy3::frame::Decoder::new(spdy3::frame::DecoderConfig::default());
    let mut input = bytes::BytesMut::from(&wire[..]);
    let mut order = Vec::new();
    while let Ok(Some(frame)) = decoder.decode(&mut input) {
        if let spdy3::Frame::Data(d) = frame {
            order.push(d.stream_id);
        }
    }
    let count = |id| order.iter().filter(|&&s| s == id).count();
    assert_eq!(order[0], hi, "{order:?}");
    assert_eq!(count(lo), 1, "{order:?}");
    assert!(count(hi) >= STARVATION_LIMIT as usize, "{order:?}");
    // Without the per-stream share, /lo (asked first) would have filled the whole buffer
    // and nothing of /hi could have been queued at all.
    assert!(limit < Config::default().max_send_buffer);
}
