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

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use bytes::{Bytes, BytesMut};
use spdy3::frame::{
    Decoder, DecoderConfig, Frame, GoAwayStatus, RstStatus, FLAG_FIN, MAX_PAYLOAD_LEN,
};
use spdy3::header_block::{CompressionOptions, HeaderInflater, HeaderList, Limits};
use spdy3::session::{
    CommandError, Config, Event, Initiator, OpenOptions, Read, Role, Session, SessionError,
    SessionErrorKind, StreamError,
};
use spdy3::testing::RawPeer;
use spdy3::time::Instant;

// ---------------------------------------------------------------------------------------
// The exchange
// ---------------------------------------------------------------------------------------

/// The streams the client opens: GET /, POST /upload, GET /big, GET /cancel.
const CLIENT_STREAMS: [u32; 4] = [1, 3, 5, 7];
/// The server's push for `/`.
const PUSH: u32 = 2;
/// The upload.
const UPLOAD: u32 = 3;
/// The response that needs a WINDOW_UPDATE and ends with trailers.
const BIG: u32 = 5;
/// The stream the client cancels as soon as its reply arrives.
const CANCELLED: u32 = 7;
/// Every stream of the exchange.
const ALL_STREAMS: [u32; 5] = [1, PUSH, UPLOAD, BIG, CANCELLED];

/// A deterministic body of `len` pseudo-random bytes, so a lost, repeated or misplaced
/// byte shows.
fn body(len: usize, seed: u64) -> Bytes {
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

fn upload_body() -> Bytes {
    body(400, 1)
}
fn html_body() -> Bytes {
    body(300, 2)
}
fn css_body() -> Bytes {
    body(150, 3)
}
fn big_body() -> Bytes {
    body(1500, 4)
}
fn cancelled_body() -> Bytes {
    body(3000, 5)
}

/// Each role's configuration. The client grants 1 KiB stream windows, so `/big` needs a
/// WINDOW_UPDATE and `/cancel` stalls; small DATA frames give several frames per body. The
/// client writes stored (level 0) header blocks and the server compressed ones (level 6),
/// so both kinds are corrupted; stored blocks also keep the many client replays cheap.
fn config(role: Role) -> Config {
    match role {
        Role::Client => Config {
            initial_window: 1024,
            max_data_frame: 128,
            compression: CompressionOptions {
                level: 0,
                ..CompressionOptions::default()
            },
            ..Config::default()
        },
        Role::Server => Config {
            max_data_frame: 256,
            ..Config::default()
        },
    }
}

fn request(path: &str, method: &str) -> HeaderList {
    let mut h = RawPeer::request(path);
    h.insert(":method", method.to_string());
    h
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

fn not_found() -> HeaderList {
    RawPeer::headers(&[(":status", "404"), (":version", "HTTP/1.1")])
}

/// A body being sent: what the session took so far, and trailers to end it with.
struct Outgoing {
    body: Bytes,
    at: usize,
    trailers: Option<HeaderList>,
}

/// The application of either end. It plays the script when it sees the events of the
/// script, and otherwise reacts generically: it reads every readable stream, answers
/// every request (404 for an unknown path) and ignores commands the session refuses, so
/// that a corrupted input never makes the application itself fail.
///
/// Client: opens the four streams and pings at once, uploads 400 bytes on stream 3,
/// cancels stream 7 when its reply arrives, and sends GOAWAY once all five streams of the
/// exchange are closed. Server: `/` gets a reply, a push (stream 2, 150 bytes) and 300
/// bytes; `/upload` gets its echo and a new SETTINGS once the upload is read; `/big` gets
/// 1500 bytes and trailers; `/cancel` gets 3000 bytes (of which 1 KiB fits the window).
struct App {
    role: Role,
    /// Streams the application knows: opened by it or announced by `StreamOpened`.
    known: BTreeSet<u32>,
    /// Server: the path of each request.
    paths: BTreeMap<u32, String>,
    /// Bytes read per stream.
    read: BTreeMap<u32, Vec<u8>>,
    /// Streams whose `Fin` was read.
    fin_read: BTreeSet<u32>,
    /// Streams with a `StreamClosed` event.
    closed: BTreeSet<u32>,
    /// Server: its pushes, on which the peer sends nothing.
    pushed: BTreeSet<u32>,
    /// Every event, in order.
    log: Vec<Event>,
    outgoing: BTreeMap<u32, Outgoing>,
    /// The client sent its GOAWAY (while the session was open).
    goaway_called: bool,
    /// Reads nothing until the connection has ended.
    lazy: bool,
    /// Anything the application found wrong (a `Fin` read twice, a failing read).
    problems: Vec<String>,
}

impl App {
    fn new(role: Role) -> App {
        App {
            role,
            known: BTreeSet::new(),
            paths: BTreeMap::new(),
            read: BTreeMap::new(),
            fin_read: BTreeSet::new(),
            closed: BTreeSet::new(),
            pushed: BTreeSet::new(),
            log: Vec::new(),
            outgoing: BTreeMap::new(),
            goaway_called: false,
            lazy: false,
            problems: Vec::new(),
        }
    }

    /// The client's opening moves.
    fn start(&mut self, s: &mut Session, now: Instant) {
        let fin = OpenOptions {
            fin: true,
            ..OpenOptions::default()
        };
        let ids = [
            s.open_stream(request("/", "GET"), fin, now),
            s.open_stream(request("/upload", "POST"), OpenOptions::default(), now),
            s.open_stream(request("/big", "GET"), fin, now),
            s.open_stream(request("/cancel", "GET"), fin, now),
        ]
        .map(|r| r.expect("a new session opens streams"));
        assert_eq!(ids, CLIENT_STREAMS);
        self.known.extend(ids);
        self.send(s, UPLOAD, upload_body(), None);
        s.ping(now).expect("a new session pings");
    }

    fn send(&mut self, s: &mut Session, id: u32, body: Bytes, trailers: Option<HeaderList>) {
        self.outgoing.insert(
            id,
            Outgoing {
                body,
                at: 0,
                trailers,
            },
        );
        self.pump(s, id);
    }

    /// Hands the session as much of a body as it takes (again on `Writable`).
    fn pump(&mut self, s: &mut Session, id: u32) {
        let Some(o) = self.outgoing.get_mut(&id) else {
            return;
        };
        let fin = o.trailers.is_none();
        match s.send_data(id, o.body.slice(o.at..), fin) {
            Ok(n) => {
                o.at += n;
                if o.at == o.body.len() {
                    let o = self.outgoing.remove(&id).expect("present");
                    if let Some(t) = o.trailers {
                        let _ = s.send_headers(id, t, true);
                    }
                }
            }
            Err(_) => {
                self.outgoing.remove(&id);
            }
        }
    }

    /// Reads everything a stream has.
    fn drain(&mut self, s: &mut Session, id: u32) {
        loop {
            match s.read(id, usize::MAX) {
                Ok(Read::Data(b)) => self.read.entry(id).or_default().extend_from_slice(&b),
                Ok(Read::Fin) => {
                    if !self.fin_read.insert(id) {
                        self.problems.push(format!("Fin read twice on stream {id}"));
                    }
                    let upload = self.paths.get(&id).map(String::as_str) == Some("/upload");
                    if self.role == Role::Server && upload {
                        let n = self.read.get(&id).map_or(0, Vec::len);
                        self.send(s, id, Bytes::from(format!("got {n} bytes")), None);
                        let _ = s.change_settings(Some(100), None);
                    }
                    return;
                }
                Ok(Read::Pending) | Err(CommandError::UnknownStream) => return,
                Err(e) => {
                    self.problems.push(format!("read {id}: {e}"));
                    return;
                }
            }
        }
    }

    /// The server's answer to a request.
    fn serve(&mut self, s: &mut Session, id: u32, headers: &HeaderList, now: Instant) {
        let path = headers.get_str(":path").unwrap_or_default().to_string();
        self.paths.insert(id, path.clone());
        let reply = |s: &mut Session| s.reply(id, RawPeer::response(), false).is_ok();
        match path.as_str() {
            "/" => {
                if reply(s) {
                    if let Ok(push) = s.push_stream(id, push_headers(), OpenOptions::default(), now)
                    {
                        self.known.insert(push);
                        self.pushed.insert(push);
                        self.send(s, push, css_body(), None);
                    }
                    self.send(s, id, html_body(), None);
                }
            }
            "/upload" => {
                reply(s);
            }
            "/big" => {
                if reply(s) {
                    let trailers = RawPeer::headers(&[("x-trailer", "end")]);
                    self.send(s, id, big_body(), Some(trailers));
                }
            }
            "/cancel" => {
                if reply(s) {
                    self.send(s, id, cancelled_body(), None);
                }
            }
            _ => {
                let _ = s.reply(id, not_found(), true);
            }
        }
    }

    /// Dispatches every pending event; returns whether there was any.
    fn react(&mut self, s: &mut Session, now: Instant) -> bool {
        let mut any = false;
        while let Some(e) = s.poll_event() {
            any = true;
            match &e {
                Event::Readable { stream_id } if !self.lazy => self.drain(s, *stream_id),
                Event::Writable { stream_id } => self.pump(s, *stream_id),
                Event::StreamOpened {
                    stream_id, headers, ..
                } => {
                    self.known.insert(*stream_id);
                    if self.role == Role::Server {
                        self.serve(s, *stream_id, headers, now);
                    }
                }
                Event::Reply { stream_id, .. }
                    if self.role == Role::Client && *stream_id == CANCELLED =>
                {
                    let _ = s.reset(CANCELLED, RstStatus::CANCEL);
                }
                Event::StreamClosed { stream_id } => {
                    self.closed.insert(*stream_id);
                }
                _ => {}
            }
            self.log.push(e);
            let all_closed = ALL_STREAMS.iter().all(|id| self.closed.contains(id));
            let open = s.close_reason().is_none();
            if self.role == Role::Client && !self.goaway_called && all_closed && open {
                self.goaway_called = true;
                s.goaway(now);
            }
        }
        any
    }
}

/// A session, its application and everything it sent.
struct Endpoint {
    s: Session,
    app: App,
    now: Instant,
    out: Vec<u8>,
    problems: Vec<String>,
}

impl Endpoint {
    fn new(role: Role) -> Endpoint {
        let now = Instant(0);
        let mut ep = Endpoint {
            s: Session::new(role, config(role), now),
            app: App::new(role),
            now,
            out: Vec::new(),
            problems: Vec::new(),
        };
        if role == Role::Client {
            ep.app.start(&mut ep.s, now);
        }
        ep
    }

    /// The call protocol after any input: dispatch events and drain the output until
    /// neither produces anything. Returns what was sent.
    fn settle(&mut self) -> Vec<u8> {
        let mut chunk = Vec::new();
        for _ in 0..1000 {
            let acted = self.app.react(&mut self.s, self.now);
            let mut wrote = 0;
            for _ in 0..100_000 {
                let n = self.s.poll_transmit(self.now, &mut chunk, usize::MAX);
                if n == 0 {
                    break;
                }
                wrote += n;
            }
            if !acted && wrote == 0 {
                self.out.extend_from_slice(&chunk);
                return chunk;
            }
        }
        self.problems
            .push("events and output never settle".to_string());
        self.out.extend_from_slice(&chunk);
        chunk
    }

    fn step(&mut self, input: &[u8]) -> Vec<u8> {
        self.s.handle_bytes(input, self.now);
        self.settle()
    }
}

/// The recorded exchange: the chunks each side sent, in order.
struct Recording {
    /// What the client sent, one chunk per step, as fed to the server.
    to_server: Vec<Vec<u8>>,
    /// What the server sent, as fed to the client (after the client's first step).
    to_client: Vec<Vec<u8>>,
}

fn recording() -> &'static Recording {
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

fn chunks_for(receiver: Role) -> &'static [Vec<u8>] {
    match receiver {
        Role::Server => &recording().to_server,
        Role::Client => &recording().to_client,
    }
}

// ---------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------

/// When the session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// While the transcript was fed.
    Input,
    /// When the clock was advanced through its timers.
    Timers,
    /// At EOF.
    Eof,
}

/// One replay: the endpoint after the end, and when it ended.
struct Run {
    ep: Endpoint,
    ended_in: Option<Phase>,
    problems: Vec<String>,
}

/// Feeds `chunks` (at most `cut` bytes of them) to a fresh `receiver`, then, with `timers`,
/// advances the clock through every timer the session arms (bounded), then EOF.
fn replay(receiver: Role, chunks: &[Vec<u8>], cut: Option<usize>, timers: bool) -> Run {
    replay_with(receiver, chunks, cut, timers, false)
}

/// [`replay`], with an application that reads nothing before the end when `lazy`.
fn replay_with(
    receiver: Role,
    chunks: &[Vec<u8>],
    cut: Option<usize>,
    timers: bool,
    lazy: bool,
) -> Run {
    let mut ep = Endpoint::new(receiver);
    ep.app.lazy = lazy;
    if receiver == Role::Client {
        ep.settle();
    }
    let limit = cut.unwrap_or(usize::MAX);
    let mut fed = 0;
    for chunk in chunks {
        if cut.is_some() && fed >= limit {
            break;
        }
        let n = chunk.len().min(limit - fed);
        ep.step(&chunk[..n]);
        fed += n;
    }
    let mut problems = Vec::new();
    let mut ended_in = ep.s.close_reason().map(|_| Phase::Input);
    if timers {
        let mut rounds = 0;
        while ep.s.close_reason().is_none() {
            let Some(at) = ep.s.poll_timeout() else {
                break;
            };
            rounds += 1;
            if rounds > 64 {
                problems.push(format!(
                    "timers keep firing without an end (next at {at:?})"
                ));
                break;
            }
            ep.now = ep.now.max(at);
            ep.s.handle_timeout(ep.now);
            ep.settle();
        }
        if ended_in.is_none() && ep.s.close_reason().is_some() {
            ended_in = Some(Phase::Timers);
        }
    }
    ep.s.handle_eof(ep.now);
    ep.settle();
    if lazy {
        // Now it reads whatever is still readable.
        for id in ep.app.known.clone() {
            ep.app.drain(&mut ep.s, id);
        }
        ep.settle();
    }
    if ended_in.is_none() && ep.s.close_reason().is_some() {
        ended_in = Some(Phase::Eof);
    }
    problems.append(&mut ep.problems);
    problems.extend(ep.app.problems.iter().cloned());
    Run {
        ep,
        ended_in,
        problems,
    }
}

/// What an observer of one end can see: for comparing a faulty replay with the clean one.
#[derive(Clone, Debug, PartialEq)]
struct Summary {
    reason: Option<SessionError>,
    ended_in: Option<Phase>,
    log: Vec<Event>,
    read: BTreeMap<u32, Vec<u8>>,
    fin_read: BTreeSet<u32>,
    out: Vec<u8>,
}

fn summary(run: &Run) -> Summary {
    Summary {
        reason: run.ep.s.close_reason(),
        ended_in: run.ended_in,
        log: run.ep.app.log.clone(),
        read: run.ep.app.read.clone(),
        fin_read: run.ep.app.fin_read.clone(),
        out: run.ep.out.clone(),
    }
}

/// Where two summaries first differ.
fn difference(got: &Summary, want: &Summary) -> Option<String> {
    if got.reason != want.reason || got.ended_in != want.ended_in {
        return Some(format!(
            "ended {:?} in {:?}, clean replay {:?} in {:?}",
            got.reason, got.ended_in, want.reason, want.ended_in
        ));
    }
    if got.log != want.log {
        let at = got.log.iter().zip(&want.log).position(|(a, b)| a != b);
        let at = at.unwrap_or(got.log.len().min(want.log.len()));
        return Some(format!(
            "events differ at #{at}: {:?} vs clean {:?}",
            got.log.get(at),
            want.log.get(at)
        ));
    }
    if got.read != want.read || got.fin_read != want.fin_read {
        return Some("bodies read differ from the clean replay".to_string());
    }
    if got.out != want.out {
        let at = got.out.iter().zip(&want.out).position(|(a, b)| a != b);
        return Some(format!(
            "output differs from the clean replay ({} vs {} bytes, first difference at {at:?})",
            got.out.len(),
            want.out.len()
        ));
    }
    None
}

/// Decodes what a session sent, inflating header blocks in order (one context).
fn decode_output(out: &[u8]) -> Result<Vec<Frame>, String> {
    let mut decoder = Decoder::new(DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        ..DecoderConfig::default()
    });
    let mut inflater = HeaderInflater::new();
    let mut input = BytesMut::from(out);
    let mut frames = Vec::new();
    loop {
        match decoder.decode(&mut input) {
            Ok(Some(frame)) => {
                if let Some(block) = frame.header_block() {
                    inflater
                        .decode(block, &Limits::default())
                        .map_err(|e| format!("sent a bad header block: {e}"))?;
                }
                frames.push(frame);
            }
            Ok(None) => break,
            Err(e) => return Err(format!("sent an invalid frame: {e}")),
        }
    }
    if !input.is_empty() {
        return Err(format!("sent a partial frame ({} bytes)", input.len()));
    }
    Ok(frames)
}

fn rsts(frames: &[Frame]) -> Vec<(u32, RstStatus)> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::RstStream(r) => Some((r.stream_id, r.status)),
            _ => None,
        })
        .collect()
}

fn pings(frames: &[Frame]) -> Vec<u32> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Ping(p) => Some(p.id),
            _ => None,
        })
        .collect()
}

fn event_stream(e: &Event) -> Option<u32> {
    match e {
        Event::StreamOpened { stream_id, .. }
        | Event::Reply { stream_id, .. }
        | Event::Headers { stream_id, .. }
        | Event::Readable { stream_id }
        | Event::Writable { stream_id }
        | Event::StreamReset { stream_id, .. }
        | Event::StreamClosed { stream_id } => Some(*stream_id),
        _ => None,
    }
}

fn stream_resets(log: &[Event], id: u32) -> Vec<StreamError> {
    log.iter()
        .filter_map(|e| match e {
            Event::StreamReset { stream_id, error } if *stream_id == id => Some(*error),
            _ => None,
        })
        .collect()
}

/// True for a stream id of the peer of `role` (S-13).
fn peer_parity(role: Role, id: u32) -> bool {
    (id % 2 == 1) == (role == Role::Server)
}

/// The invariants every replay must meet, faulty or not (S-27, S-31, S-73, S-76, and the
/// issue's "ends with a clear error, every open stream is told, nothing leaks, nothing
/// hangs"). Problems are added to `run.problems`.
fn check_generic(run: &mut Run) {
    let mut bad = Vec::new();
    let role = run.ep.s.role();
    let s = &mut run.ep.s;
    let app = &run.ep.app;
    let Some(reason) = s.close_reason() else {
        run.problems
            .push("the session never ended, even after EOF".to_string());
        return;
    };
    if !s.is_closed() {
        bad.push("ended but not closed after the output was drained".to_string());
    }
    // One `Closed`, matching the reason; after it only streams kept readable leave.
    let closes: Vec<SessionError> = app
        .log
        .iter()
        .filter_map(|e| match e {
            Event::Closed(r) => Some(*r),
            _ => None,
        })
        .collect();
    if closes != [reason] {
        bad.push(format!("Closed events {closes:?} for reason {reason:?}"));
    }
    if let Some(i) = app.log.iter().position(|e| matches!(e, Event::Closed(_))) {
        for e in &app.log[i + 1..] {
            if !matches!(e, Event::StreamClosed { .. }) {
                bad.push(format!("{e:?} after Closed"));
            }
        }
    }
    // Every stream is told exactly once, and nothing follows its end.
    let mut ids = app.known.clone();
    ids.extend(app.log.iter().filter_map(event_stream));
    for id in ids {
        let events: Vec<&Event> = app
            .log
            .iter()
            .filter(|e| event_stream(e) == Some(id))
            .collect();
        let closed = events
            .iter()
            .filter(|e| matches!(e, Event::StreamClosed { .. }))
            .count();
        let resets = stream_resets(&app.log, id);
        if closed > 1 || (app.known.contains(&id) && closed != 1) {
            bad.push(format!("stream {id}: {closed} StreamClosed events"));
        }
        if resets.len() > 1 {
            bad.push(format!("stream {id}: several resets {resets:?}"));
        }
        if let Some(i) = events
            .iter()
            .position(|e| matches!(e, Event::StreamClosed { .. }))
        {
            if i + 1 != events.len() {
                bad.push(format!(
                    "stream {id}: {:?} after StreamClosed",
                    events[i + 1]
                ));
            }
        }
        let peer_finished = app.fin_read.contains(&id)
            || app.pushed.contains(&id)
            || events.iter().any(|e| {
                matches!(
                    e,
                    Event::StreamOpened { fin: true, .. }
                        | Event::Reply { fin: true, .. }
                        | Event::Headers { fin: true, .. }
                )
            });
        if app.known.contains(&id) && resets.is_empty() && !peer_finished {
            bad.push(format!(
                "stream {id} closed without a reset and without the peer's FIN"
            ));
        }
    }
    // Nothing left: no timer, no input wanted, nothing to send, no event, no state.
    if let Some(t) = s.poll_timeout() {
        bad.push(format!("a timer is still armed after close: {t:?}"));
    }
    if s.wants_input() {
        bad.push("still wants input after close".to_string());
    }
    let mut more = Vec::new();
    if s.poll_transmit(run.ep.now, &mut more, usize::MAX) != 0 {
        bad.push(format!("{} more bytes to send after the drain", more.len()));
    }
    if let Some(e) = s.poll_event() {
        bad.push(format!("event left after close: {e:?}"));
    }
    let st = s.stats();
    let leaks = [
        ("streams", st.streams),
        ("active_local", st.active_local),
        ("active_remote", st.active_remote),
        ("recv_buffered", st.recv_buffered),
        ("send_buffered", st.send_buffered),
        ("input_buffered", st.input_buffered),
    ];
    for (what, n) in leaks {
        if n != 0 {
            bad.push(format!("leak: {what} = {n} ({:?})", s.stream_ids()));
        }
    }
    // What it sent decodes, and its GOAWAY and RST_STREAMs agree with what it reported.
    match decode_output(&run.ep.out) {
        Err(e) => bad.push(e),
        Ok(frames) => {
            let goaways: Vec<(usize, spdy3::frame::GoAway)> = frames
                .iter()
                .enumerate()
                .filter_map(|(i, f)| match f {
                    Frame::GoAway(g) => Some((i, *g)),
                    _ => None,
                })
                .collect();
            if run.ended_in == Some(Phase::Eof) {
                // The transport is gone: only a GOAWAY the application sent before went out.
                if goaways.len() != usize::from(app.goaway_called) {
                    bad.push(format!("GOAWAYs {goaways:?} sent, yet it ended at EOF"));
                }
            } else if let [(i, g)] = goaways[..] {
                let status = if reason.initiator == Initiator::Remote {
                    GoAwayStatus::OK
                } else {
                    reason.status
                };
                if g.status != status {
                    bad.push(format!("GOAWAY status {:?} for {reason:?}", g.status));
                }
                if i + 1 != frames.len() {
                    bad.push(format!("{:?} sent after GOAWAY", frames[i + 1]));
                }
                let opened = app
                    .log
                    .iter()
                    .filter_map(|e| match e {
                        Event::StreamOpened { stream_id, .. } => Some(*stream_id),
                        _ => None,
                    })
                    .max()
                    .unwrap_or(0);
                let lg = g.last_good_stream_id;
                if lg < opened || (lg != 0 && !peer_parity(role, lg)) {
                    bad.push(format!(
                        "GOAWAY last-good {lg}, peer streams up to {opened}"
                    ));
                }
            } else {
                bad.push(format!(
                    "GOAWAYs sent {goaways:?} for {reason:?} (S-31, S-76)"
                ));
            }
            let sent = rsts(&frames);
            for &(id, status) in &sent {
                if status.0 == 0 {
                    bad.push(format!("RST_STREAM status 0 on {id} (S-27)"));
                }
                if !app.known.contains(&id) {
                    continue;
                }
                match stream_resets(&app.log, id)[..] {
                    // A late answer to a frame on a stream that had completed.
                    [] => {}
                    [StreamError::Reset {
                        status: st,
                        initiator,
                    }] if st == status && initiator != Initiator::Remote => {}
                    [StreamError::ReplyTimeout] if status == RstStatus::CANCEL => {}
                    ref other => bad.push(format!(
                        "RST_STREAM ({id}, {status:?}) sent, stream told {other:?} (S-25)"
                    )),
                }
            }
            for e in &app.log {
                if let Event::StreamReset {
                    stream_id,
                    error:
                        StreamError::Reset {
                            status,
                            initiator: Initiator::Local | Initiator::Library,
                        },
                } = e
                {
                    if !sent.contains(&(*stream_id, *status)) {
                        bad.push(format!(
                            "stream {stream_id} reset with {status:?} but no RST_STREAM sent"
                        ));
                    }
                }
            }
        }
    }
    run.problems.extend(bad);
}

// ---------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------

const SYN_STREAM: u16 = 1;
const SYN_REPLY: u16 = 2;
const RST_STREAM: u16 = 3;
const SETTINGS: u16 = 4;
const PING: u16 = 6;
const GOAWAY: u16 = 7;
const HEADERS: u16 = 8;
const WINDOW_UPDATE: u16 = 9;

/// One frame of a transcript, by offsets.
#[derive(Clone, Debug)]
struct Fr {
    start: usize,
    end: usize,
    control: bool,
    ty: u16,
    flags: u8,
    len: usize,
    /// DATA: the stream; SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE: the
    /// stream (0 for the session); GOAWAY: the last-good id.
    id: u32,
    /// Where the header block starts, for SYN_STREAM, SYN_REPLY and HEADERS.
    block: Option<usize>,
}

impl Fr {
    fn name(&self) -> &'static str {
        if !self.control {
            return "DATA";
        }
        match self.ty {
            SYN_STREAM => "SYN_STREAM",
            SYN_REPLY => "SYN_REPLY",
            RST_STREAM => "RST_STREAM",
            SETTINGS => "SETTINGS",
            PING => "PING",
            GOAWAY => "GOAWAY",
            HEADERS => "HEADERS",
            WINDOW_UPDATE => "WINDOW_UPDATE",
            _ => "UNKNOWN",
        }
    }
    fn fin(&self) -> bool {
        self.flags & FLAG_FIN != 0
    }
    fn is(&self, ty: u16) -> bool {
        self.control && self.ty == ty
    }
    /// DATA, SYN_REPLY or HEADERS: a frame sent on an existing stream.
    fn on_stream(&self) -> bool {
        !self.control || self.ty == SYN_REPLY || self.ty == HEADERS
    }
}

fn u32_at(w: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([w[at], w[at + 1], w[at + 2], w[at + 3]])
}

/// Splits a transcript into frames by the common header alone (S-1, S-5).
fn parse_frames(w: &[u8]) -> Vec<Fr> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < w.len() {
        assert!(at + 8 <= w.len(), "partial frame header at {at}");
        let first = u32_at(w, at);
        let control = first & 0x8000_0000 != 0;
        let ty = if control { first as u16 } else { 0 };
        let len = (u32_at(w, at + 4) & 0x00ff_ffff) as usize;
        let end = at + 8 + len;
        assert!(end <= w.len(), "partial frame at {at}");
        let id = if !control {
            first & 0x7fff_ffff
        } else if matches!(
            ty,
            SYN_STREAM | SYN_REPLY | RST_STREAM | GOAWAY | HEADERS | WINDOW_UPDATE
        ) {
            u32_at(w, at + 8) & 0x7fff_ffff
        } else {
            0
        };
        let block = match ty {
            SYN_STREAM if control => Some(at + 18),
            SYN_REPLY | HEADERS if control => Some(at + 12),
            _ => None,
        };
        frames.push(Fr {
            start: at,
            end,
            control,
            ty,
            flags: w[at + 4],
            len,
            id,
            block,
        });
        at = end;
    }
    frames
}

/// The transcript fed to `receiver`, with everything derived from it.
struct Side {
    receiver: Role,
    wire: Vec<u8>,
    /// Where each chunk ends (cumulative; empty chunks repeat the offset).
    bounds: Vec<usize>,
    frames: Vec<Fr>,
    /// The receiver has ended before it reads any byte from here on (the end of the chunk
    /// in which the clean replay ends): a fault there changes nothing.
    quiet_from: usize,
    /// Streams the receiver's application resets itself.
    app_resets: BTreeSet<u32>,
    clean: Summary,
}

impl Side {
    fn new(receiver: Role) -> Side {
        let chunks = chunks_for(receiver);
        let wire: Vec<u8> = chunks.concat();
        let bounds = chunks
            .iter()
            .scan(0, |at, c| {
                *at += c.len();
                Some(*at)
            })
            .collect();
        let frames = parse_frames(&wire);
        let mut side = Side {
            receiver,
            wire,
            bounds,
            frames,
            quiet_from: 0,
            app_resets: BTreeSet::new(),
            clean: summary(&replay(receiver, chunks, None, true)),
        };
        side.quiet_from = match receiver {
            Role::Server => side.wire.len(),
            Role::Client => side.chunk_end(ClientModel::new(&side).graceful_at),
        };
        if receiver == Role::Client {
            side.app_resets.insert(CANCELLED);
        }
        side
    }

    /// The end of the chunk holding the byte before `offset`.
    fn chunk_end(&self, offset: usize) -> usize {
        *self
            .bounds
            .iter()
            .find(|&&b| b >= offset)
            .expect("offset inside the transcript")
    }

    fn chunk_of(&self, offset: usize) -> usize {
        self.bounds
            .iter()
            .position(|&b| b > offset)
            .expect("offset inside the transcript")
    }

    /// The DATA payloads of stream `id` in complete frames before `k`.
    fn data_before(&self, id: u32, k: usize) -> Vec<u8> {
        self.frames
            .iter()
            .filter(|f| !f.control && f.id == id && f.end <= k)
            .flat_map(|f| self.wire[f.start + 8..f.end].iter().copied())
            .collect()
    }

    fn frames_before(&self, k: usize) -> u64 {
        self.frames.iter().filter(|f| f.end <= k).count() as u64
    }

    fn end_of(&self, what: &str, mut pred: impl FnMut(&Fr) -> bool) -> usize {
        self.frames
            .iter()
            .find(|f| pred(f))
            .unwrap_or_else(|| panic!("the transcript has {what}"))
            .end
    }
}

/// What a client fed the first `k` bytes of the server's transcript must show.
struct ClientModel {
    /// The end of the frame that finishes each stream: its FIN, or for stream 7 the reply
    /// the client answers with CANCEL.
    done_at: BTreeMap<u32, usize>,
    push_at: usize,
    pong_at: usize,
    /// The end of the last of those frames: the client then sends GOAWAY and ends.
    graceful_at: usize,
}

impl ClientModel {
    fn new(side: &Side) -> ClientModel {
        let mut done_at = BTreeMap::new();
        for id in [1, PUSH, UPLOAD, BIG] {
            let end = side.end_of("every FIN", |f| {
                f.id == id && f.fin() && (f.on_stream() || f.is(SYN_STREAM))
            });
            done_at.insert(id, end);
        }
        let reply = side.end_of("the reply to /cancel", |f| {
            f.is(SYN_REPLY) && f.id == CANCELLED
        });
        done_at.insert(CANCELLED, reply);
        ClientModel {
            graceful_at: *done_at.values().max().expect("streams"),
            done_at,
            push_at: side.end_of("the push", |f| f.is(SYN_STREAM) && f.id == PUSH),
            pong_at: side.end_of("the PING echo", |f| f.is(PING)),
        }
    }
}

/// What a server fed the first `k` bytes of the client's transcript must show.
struct ServerModel {
    syn_at: BTreeMap<u32, usize>,
    upload_fin_at: usize,
    /// The WINDOW_UPDATE that lets the rest of `/big` go.
    big_window_at: usize,
    cancel_at: usize,
    ping_at: usize,
    goaway_at: usize,
}

impl ServerModel {
    fn new(side: &Side) -> ServerModel {
        let syn_at = CLIENT_STREAMS
            .iter()
            .map(|&id| {
                let end = side.end_of("every SYN_STREAM", |f| f.is(SYN_STREAM) && f.id == id);
                (id, end)
            })
            .collect();
        // The first 1 KiB of /big fits the window; the rest waits for credit.
        let missing = big_body().len() as u32 - 1024;
        let mut credit = 0;
        let big_window_at = side.end_of("the WINDOW_UPDATE for /big", |f| {
            if f.is(WINDOW_UPDATE) && f.id == BIG {
                credit += u32_at(&side.wire, f.start + 12) & 0x7fff_ffff;
            }
            credit >= missing
        });
        ServerModel {
            syn_at,
            upload_fin_at: side.end_of("the end of the upload", |f| {
                !f.control && f.id == UPLOAD && f.fin()
            }),
            big_window_at,
            cancel_at: side.end_of("the CANCEL", |f| f.is(RST_STREAM) && f.id == CANCELLED),
            ping_at: side.end_of("the PING", |f| f.is(PING)),
            goaway_at: side.end_of("the GOAWAY", |f| f.is(GOAWAY)),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The recorded exchange
// ---------------------------------------------------------------------------------------

/// The recording holds every frame type the faults are aimed at, and the exchange is
/// deterministic: a fresh session of either role fed the other side's chunks sends exactly
/// what it sent in the recording (header compression in wire order, one context per
/// direction, S-42), whatever the chunking of its input (S-1). Both ends finish cleanly:
/// the client closes with its own GOAWAY (S-76), the server on receiving it (S-75).
#[test]
fn the_recorded_exchange_replays_byte_for_byte() {
    let rec = recording();
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
    for (names, want) in [
        (
            &cn,
            &[
                "SETTINGS",
                "WINDOW_UPDATE",
                "SYN_STREAM",
                "DATA",
                "PING",
                "RST_STREAM",
                "GOAWAY",
            ][..],
        ),
        (
            &sn,
            &[
                "SETTINGS",
                "WINDOW_UPDATE",
                "SYN_STREAM",
                "SYN_REPLY",
                "HEADERS",
                "DATA",
                "PING",
                "GOAWAY",
            ][..],
        ),
    ] {
        for w in want {
            assert!(names.contains(w), "{w} missing from {names:?}");
        }
    }
    assert_eq!(cn.iter().filter(|n| **n == "SYN_STREAM").count(), 4);
    assert!(cn.iter().filter(|n| **n == "DATA").count() >= 4, "{cn:?}");
    assert!(sn.iter().filter(|n| **n == "DATA").count() >= 10, "{sn:?}");
    assert!(
        sn.iter().filter(|n| **n == "SETTINGS").count() >= 2,
        "{sn:?}"
    );
    assert_eq!(cn.last(), Some(&"GOAWAY"));

    for receiver in [Role::Server, Role::Client] {
        let chunks = chunks_for(receiver);
        let mut run = replay(receiver, chunks, None, false);
        // Byte for byte: what it sent in the recording is the other side's chunks.
        let sent: Vec<u8> = chunks_for(match receiver {
            Role::Server => Role::Client,
            Role::Client => Role::Server,
        })
        .concat();
        assert!(run.ep.out == sent, "{receiver:?}: replay output differs");
        check_generic(&mut run);
        assert!(run.problems.is_empty(), "{receiver:?}: {:?}", run.problems);
        let want = match receiver {
            Role::Client => SessionError {
                status: GoAwayStatus::OK,
                initiator: Initiator::Local,
                kind: SessionErrorKind::Closed,
            },
            Role::Server => SessionError {
                status: GoAwayStatus::OK,
                initiator: Initiator::Remote,
                kind: SessionErrorKind::GoAway,
            },
        };
        assert_eq!(run.ep.s.close_reason(), Some(want));
        assert_eq!(run.ended_in, Some(Phase::Input));
        let app = &run.ep.app;
        match receiver {
            Role::Client => {
                assert_eq!(app.read[&1], html_body());
                assert_eq!(app.read[&PUSH], css_body());
                assert_eq!(app.read[&UPLOAD], b"got 400 bytes");
                assert_eq!(app.read[&BIG], big_body());
                assert!(!app.read.contains_key(&CANCELLED));
                assert_eq!(
                    stream_resets(&app.log, CANCELLED),
                    [StreamError::Reset {
                        status: RstStatus::CANCEL,
                        initiator: Initiator::Local
                    }]
                );
                assert!(app
                    .log
                    .iter()
                    .any(|e| matches!(e, Event::Pong { id: 1, .. })));
            }
            Role::Server => {
                assert_eq!(app.read[&UPLOAD], upload_body());
                assert_eq!(
                    stream_resets(&app.log, CANCELLED),
                    [StreamError::Reset {
                        status: RstStatus::CANCEL,
                        initiator: Initiator::Remote
                    }]
                );
            }
        }
        // Any chunking of the bytes it reads before it ends gives the same story (the
        // output may be cut differently). Not the client's whole transcript in one read:
        // it ends with the server's answer to the client's GOAWAY, which cannot arrive
        // before the client sent it.
        let clean = summary(&run);
        let side = Side::new(receiver);
        let wire = side.wire[..side.quiet_from].to_vec();
        for size in [1, 7, wire.len()] {
            let rechunked: Vec<Vec<u8>> = wire.chunks(size).map(<[u8]>::to_vec).collect();
            let mut other = replay(receiver, &rechunked, None, false);
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

// ---------------------------------------------------------------------------------------
// The connection cut at every byte offset
// ---------------------------------------------------------------------------------------

/// What one end must show after a cut at `k`.
struct CutExpect {
    k: usize,
    reason: SessionError,
    ended_in: Phase,
    /// Each stream the application knows, and the error it is told (`None`: it finished).
    fates: BTreeMap<u32, Option<StreamError>>,
    /// Every frame that ends before this offset was processed, no other.
    processed_to: usize,
    /// The application read nothing before the EOF.
    lazy: bool,
}

/// Checks what one end shows after a cut: the close reason, each stream's fate and body,
/// the frames processed.
fn check_cut(run: &Run, side: &Side, want: &CutExpect) -> Vec<String> {
    let CutExpect {
        k,
        reason,
        ended_in,
        ref fates,
        processed_to,
        lazy,
    } = *want;
    let mut bad = Vec::new();
    let app = &run.ep.app;
    if run.ep.s.close_reason() != Some(reason) || run.ended_in != Some(ended_in) {
        bad.push(format!(
            "ended {:?} in {:?}, expected {reason:?} in {ended_in:?}",
            run.ep.s.close_reason(),
            run.ended_in
        ));
    }
    let known: BTreeSet<u32> = fates.keys().copied().collect();
    if app.known != known {
        bad.push(format!("knows streams {:?}, expected {known:?}", app.known));
    }
    for (&id, fate) in fates {
        let resets = stream_resets(&app.log, id);
        let want: Vec<StreamError> = fate.iter().copied().collect();
        if resets != want {
            bad.push(format!("stream {id}: told {resets:?}, expected {want:?}"));
        }
        // Nothing lost: every byte that arrived whole was read (also after EOF), and no
        // other byte. A lazy reader gets the streams that were complete.
        let want = if side.app_resets.contains(&id) || (lazy && fate.is_some()) {
            Vec::new()
        } else {
            side.data_before(id, k)
        };
        let got = app.read.get(&id).cloned().unwrap_or_default();
        if got != want {
            bad.push(format!(
                "stream {id}: read {} bytes, {} arrived",
                got.len(),
                want.len()
            ));
        }
    }
    let received: u64 = run.ep.s.stats().frames_received.iter().sum();
    if received != side.frames_before(processed_to) {
        bad.push(format!(
            "{received} frames received, {} complete before the end",
            side.frames_before(processed_to)
        ));
    }
    bad
}

/// The client fed the first `k` bytes of the server's transcript for every `k`, then EOF.
/// `lazy`: its application reads nothing before the EOF.
fn client_cuts(lazy: bool) {
    let side = Side::new(Role::Client);
    let model = ClientModel::new(&side);
    let chunks = chunks_for(Role::Client);
    let graceful_chunk_end = side.chunk_end(model.graceful_at);
    let server_goaway_at = side.end_of("the server's GOAWAY", |f| f.is(GOAWAY));
    let mut failures = Vec::new();
    let (mut lost, mut graceful) = (0, 0);
    for k in 0..=side.wire.len() {
        let mut run = replay_with(Role::Client, chunks, Some(k), false, lazy);
        check_generic(&mut run);
        // The eager client closes as soon as its last stream is done; the lazy one has
        // nothing done before it reads, and ends at EOF: after the server's GOAWAY with
        // every stream finished on the wire, that is the server's graceful close.
        let done = if lazy {
            k >= server_goaway_at
        } else {
            k >= model.graceful_at
        };
        let (reason, phase, processed_to) = match (done, lazy) {
            (true, false) => {
                let r = SessionError {
                    status: GoAwayStatus::OK,
                    initiator: Initiator::Local,
                    kind: SessionErrorKind::Closed,
                };
                (r, Phase::Input, k.min(graceful_chunk_end))
            }
            (true, true) => {
                let r = SessionError {
                    status: GoAwayStatus::OK,
                    initiator: Initiator::Remote,
                    kind: SessionErrorKind::GoAway,
                };
                (r, Phase::Eof, k)
            }
            (false, _) => {
                let r = SessionError {
                    status: GoAwayStatus::OK,
                    initiator: Initiator::Remote,
                    kind: SessionErrorKind::ConnectionLost,
                };
                (r, Phase::Eof, k)
            }
        };
        if done {
            graceful += 1;
        } else {
            lost += 1;
        }
        let mut fates = BTreeMap::new();
        for (&id, &at) in &model.done_at {
            if id == PUSH && k < model.push_at {
                continue;
            }
            let fate = if k < at {
                Some(StreamError::SessionClosed)
            } else if id == CANCELLED {
                Some(StreamError::Reset {
                    status: RstStatus::CANCEL,
                    initiator: Initiator::Local,
                })
            } else {
                None
            };
            fates.insert(id, fate);
        }
        let want = CutExpect {
            k,
            reason,
            ended_in: phase,
            fates,
            processed_to,
            lazy,
        };
        let mut bad = check_cut(&run, &side, &want);
        let frames = decode_output(&run.ep.out).unwrap_or_default();
        let want_rsts = if k >= model.done_at[&CANCELLED] {
            vec![(CANCELLED, RstStatus::CANCEL)]
        } else {
            vec![]
        };
        if rsts(&frames) != want_rsts {
            bad.push(format!("sent RST_STREAMs {:?}", rsts(&frames)));
        }
        let goaway = frames.iter().find_map(|f| match f {
            Frame::GoAway(g) => Some(*g),
            _ => None,
        });
        let want_goaway = (done && !lazy).then_some(PUSH);
        if goaway.map(|g| g.last_good_stream_id) != want_goaway {
            bad.push(format!(
                "GOAWAY {goaway:?}, expected last-good {want_goaway:?} (S-73)"
            ));
        }
        let pongs = run
            .ep
            .app
            .log
            .iter()
            .filter(|e| matches!(e, Event::Pong { id: 1, .. }))
            .count();
        if pongs != usize::from(k >= model.pong_at) {
            bad.push(format!("{pongs} pongs"));
        }
        bad.append(&mut run.problems);
        if !bad.is_empty() {
            failures.push(format!("cut at {k}: {}", bad.join("; ")));
        }
    }
    eprintln!(
        "client cuts (lazy reader: {lazy}): {} offsets, {lost} lost the connection, \
         {graceful} had closed",
        side.wire.len() + 1
    );
    assert!(failures.is_empty(), "{}", report(&failures));
    assert!(lost > 0 && graceful > 0);
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
    let chunks = chunks_for(Role::Server);
    let mut failures = Vec::new();
    let (mut lost, mut graceful) = (0, 0);
    for k in 0..=side.wire.len() {
        let mut run = replay(Role::Server, chunks, Some(k), false);
        check_generic(&mut run);
        let done = k >= model.goaway_at;
        let reason = SessionError {
            status: GoAwayStatus::OK,
            initiator: Initiator::Remote,
            kind: if done {
                graceful += 1;
                SessionErrorKind::GoAway
            } else {
                lost += 1;
                SessionErrorKind::ConnectionLost
            },
        };
        let phase = if done { Phase::Input } else { Phase::Eof };
        let mut fates = BTreeMap::new();
        for (&id, &at) in &model.syn_at {
            if k < at {
                continue;
            }
            let finished = match id {
                UPLOAD => k >= model.upload_fin_at,
                BIG => k >= model.big_window_at,
                CANCELLED => false,
                _ => true,
            };
            let fate = if id == CANCELLED && k >= model.cancel_at {
                Some(StreamError::Reset {
                    status: RstStatus::CANCEL,
                    initiator: Initiator::Remote,
                })
            } else if finished {
                None
            } else {
                Some(StreamError::SessionClosed)
            };
            fates.insert(id, fate);
            if id == 1 {
                fates.insert(PUSH, None);
            }
        }
        let want = CutExpect {
            k,
            reason,
            ended_in: phase,
            fates,
            processed_to: k,
            lazy: false,
        };
        let mut bad = check_cut(&run, &side, &want);
        let frames = decode_output(&run.ep.out).unwrap_or_default();
        if !rsts(&frames).is_empty() {
            bad.push(format!("sent RST_STREAMs {:?}", rsts(&frames)));
        }
        let echoes = pings(&frames).iter().filter(|&&id| id == 1).count();
        if echoes != usize::from(k >= model.ping_at) {
            bad.push(format!("{echoes} PING echoes (S-70)"));
        }
        let goaway = frames.iter().find_map(|f| match f {
            Frame::GoAway(g) => Some(*g),
            _ => None,
        });
        if done && goaway.map(|g| g.last_good_stream_id) != Some(CANCELLED) {
            bad.push(format!("GOAWAY {goaway:?}, expected last-good 7 (S-73)"));
        }
        bad.append(&mut run.problems);
        if !bad.is_empty() {
            failures.push(format!("cut at {k}: {}", bad.join("; ")));
        }
    }
    eprintln!(
        "server cuts: {} offsets, {lost} lost the connection, {graceful} had closed",
        side.wire.len() + 1
    );
    assert!(failures.is_empty(), "{}", report(&failures));
    assert!(lost > 0 && graceful > 0);
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
        let ends_at = match receiver {
            Role::Client => ClientModel::new(&side).graceful_at,
            Role::Server => side.wire.len(),
        };
        let first_end = side.frames[0].end;
        for f in &side.frames {
            for k in f.start + 1..f.end.min(ends_at) {
                runs += 1;
                let mut run = replay(receiver, chunks, Some(k), true);
                check_generic(&mut run);
                let want = if k < first_end {
                    SessionError {
                        status: GoAwayStatus::OK,
                        initiator: Initiator::Library,
                        kind: SessionErrorKind::Timeout("first frame"),
                    }
                } else {
                    SessionError {
                        status: GoAwayStatus::PROTOCOL_ERROR,
                        initiator: Initiator::Library,
                        kind: SessionErrorKind::Timeout("frame completion"),
                    }
                };
                if run.ep.s.close_reason() != Some(want) || run.ended_in != Some(Phase::Timers) {
                    run.problems.push(format!(
                        "ended {:?} in {:?}, expected {want:?} at a timer",
                        run.ep.s.close_reason(),
                        run.ended_in
                    ));
                }
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
    assert!(failures.is_empty(), "{}", report(&failures));
}

// ---------------------------------------------------------------------------------------
// Corruption
// ---------------------------------------------------------------------------------------

/// One fault in a transcript. Offsets are into the original transcript; chunk boundaries
/// move with inserted or removed bytes, so the chunk that holds the fault grows or shrinks.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    /// XOR one byte with a mask.
    Flip { at: usize, mask: u8 },
    /// Repeat one byte.
    Dup { at: usize },
    /// Drop one byte.
    Remove { at: usize },
    /// Repeat a whole frame right after itself.
    DupFrame { start: usize, end: usize },
}

impl Mutation {
    fn offset(self) -> usize {
        match self {
            Mutation::Flip { at, .. } | Mutation::Dup { at } | Mutation::Remove { at } => at,
            Mutation::DupFrame { start, .. } => start,
        }
    }
}

/// The transcript with the fault, in chunks.
fn mutate(side: &Side, m: Mutation) -> Vec<Vec<u8>> {
    let mut w = side.wire.clone();
    let mut bounds = side.bounds.clone();
    match m {
        Mutation::Flip { at, mask } => w[at] ^= mask,
        Mutation::Dup { at } => {
            w.insert(at + 1, w[at]);
            bounds.iter_mut().filter(|b| **b > at).for_each(|b| *b += 1);
        }
        Mutation::Remove { at } => {
            w.remove(at);
            bounds.iter_mut().filter(|b| **b > at).for_each(|b| *b -= 1);
        }
        Mutation::DupFrame { start, end } => {
            let frame = w[start..end].to_vec();
            w.splice(end..end, frame);
            let n = end - start;
            bounds
                .iter_mut()
                .filter(|b| **b >= end)
                .for_each(|b| *b += n);
        }
    }
    let mut chunks = Vec::new();
    let mut at = 0;
    for b in bounds {
        chunks.push(w[at..b].to_vec());
        at = b;
    }
    chunks
}

/// What a fault must lead to, beyond the invariants of `check_generic`.
#[derive(Clone, Debug)]
enum Expect {
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
    Reset(u32, Vec<RstStatus>),
    /// Either of the above.
    FatalOrReset(&'static str, u32, Vec<RstStatus>),
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

fn check_expect(run: &Run, expect: &Expect, side: &Side) -> Result<(), String> {
    let reason = run.ep.s.close_reason();
    let frames = decode_output(&run.ep.out).unwrap_or_default();
    let session_error = |rule: &str| {
        let ok = matches!(
            reason,
            Some(SessionError {
                status: GoAwayStatus::PROTOCOL_ERROR,
                initiator: Initiator::Library,
                kind: SessionErrorKind::Protocol(r),
            }) if r == rule
        );
        ok && run.ended_in == Some(Phase::Input)
    };
    let reset = |id: u32, statuses: &[RstStatus]| {
        rsts(&frames)
            .iter()
            .any(|(i, s)| *i == id && statuses.contains(s))
    };
    let ok = match expect {
        Expect::Generic => true,
        Expect::Same => match difference(&summary(run), &side.clean) {
            None => true,
            Some(d) => return Err(d),
        },
        Expect::Fatal(rule) => session_error(rule),
        Expect::FrameCompletion => {
            reason
                == Some(SessionError {
                    status: GoAwayStatus::PROTOCOL_ERROR,
                    initiator: Initiator::Library,
                    kind: SessionErrorKind::Timeout("frame completion"),
                })
                && run.ended_in == Some(Phase::Timers)
        }
        Expect::Reset(id, statuses) => reset(*id, statuses),
        Expect::FatalOrReset(rule, id, statuses) => session_error(rule) || reset(*id, statuses),
        Expect::DataFlip { stream, pos, mask } => {
            let mut want = side.clean.clone();
            match want.read.get_mut(stream).and_then(|b| b.get_mut(*pos)) {
                Some(byte) => *byte ^= mask,
                None => return Err(format!("the clean replay read no byte {pos} of {stream}")),
            }
            match difference(&summary(run), &want) {
                None => true,
                Some(d) => return Err(d),
            }
        }
        Expect::UnknownSkipped => run.ep.s.stats().frames_received[9] >= 1,
        Expect::PeerReset(id, error) => stream_resets(&run.ep.app.log, *id) == [*error],
        Expect::GoAwayReceived { last_good, status } => {
            let event = Event::GoAway {
                last_good_stream_id: *last_good,
                status: *status,
            };
            run.ep.app.log.contains(&event)
                && reason
                    == Some(SessionError {
                        status: *status,
                        initiator: Initiator::Remote,
                        kind: SessionErrorKind::GoAway,
                    })
        }
        Expect::PingEcho(id) => pings(&frames).contains(id),
        Expect::PingIgnored(id) => {
            let pong = run
                .ep
                .app
                .log
                .iter()
                .any(|e| matches!(e, Event::Pong { id: p, .. } if p == id));
            !pings(&frames).contains(id) && !pong
        }
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

/// One targeted fault and what it must lead to.
struct Case {
    label: String,
    m: Mutation,
    expect: Expect,
}

/// Runs one fault; returns how the session ended, or what went wrong (a panic included).
fn run_case(side: &Side, m: Mutation, expect: &Expect) -> Result<String, String> {
    run_chunks(side, &mutate(side, m), expect)
}

fn run_chunks(side: &Side, chunks: &[Vec<u8>], expect: &Expect) -> Result<String, String> {
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

/// RFC 1950 header of the first block (§7.2): an invalid header is S-47, a dictionary
/// other than the SPDY one S-45.
fn zlib_header_expect(h: &[u8]) -> Expect {
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

/// What a control frame of type `ty` with this payload must draw (S-9, S-10).
fn type_expect(side: &Side, f: &Fr, ty: u16) -> Expect {
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

fn fixed_length(ty: u16) -> bool {
    matches!(ty, RST_STREAM | SETTINGS | PING | GOAWAY | WINDOW_UPDATE)
}

fn flip(at: usize, mask: u8) -> Mutation {
    Mutation::Flip { at, mask }
}

fn dup(at: usize) -> Mutation {
    Mutation::Dup { at }
}

fn del(at: usize) -> Mutation {
    Mutation::Remove { at }
}

/// The faults aimed at each frame of a transcript, with the reaction each must draw.
fn targeted_cases(side: &Side) -> Vec<Case> {
    use Mutation::DupFrame;
    let w = &side.wire;
    let first_block = side.frames.iter().position(|f| f.block.is_some());
    let receiver = side.receiver;
    let mut cases = Vec::new();
    for (i, f) in side.frames.iter().enumerate() {
        let o = f.start;
        let mut add = |label: &str, m: Mutation, expect: Expect| {
            let expect = if m.offset() >= side.quiet_from {
                Expect::Same
            } else {
                expect
            };
            cases.push(Case {
                label: format!("frame #{i} {} at {o}: {label}", f.name()),
                m,
                expect,
            });
        };
        // A FIN added where the stream has more frames in the same read: they arrive on a
        // half-closed (S-22) or closed (S-23) stream.
        let fin_added = if f.fin() || side.app_resets.contains(&f.id) {
            Expect::Generic
        } else {
            let chunk = side.chunk_of(o);
            let more = side.frames.iter().any(|g| {
                g.start >= f.end && g.on_stream() && g.id == f.id && side.chunk_of(g.start) == chunk
            });
            if more {
                let statuses = vec![RstStatus::STREAM_ALREADY_CLOSED, RstStatus::PROTOCOL_ERROR];
                Expect::Reset(f.id, statuses)
            } else {
                Expect::Generic
            }
        };
        let new_len = f.len ^ 1;
        let short_of_bytes = new_len > f.len && o + 8 + new_len > w.len();
        let length_expect = if short_of_bytes {
            Expect::FrameCompletion
        } else if f.control && fixed_length(f.ty) {
            Expect::Fatal("S-10")
        } else {
            Expect::Generic
        };
        if f.control {
            let as_data = u32_at(w, o) & 0x7fff_ffff;
            add(
                "control bit cleared: DATA on an idle stream (S-20)",
                flip(o, 0x80),
                Expect::Reset(as_data, vec![RstStatus::INVALID_STREAM]),
            );
            add(
                "first byte repeated: version 0x80 (S-3)",
                dup(o),
                Expect::Fatal("S-3"),
            );
            add("first byte dropped", del(o), Expect::Generic);
            add("version 2 (S-3)", flip(o + 1, 1), Expect::Fatal("S-3"));
            add(
                "version byte repeated: type 0x03xx (S-9)",
                dup(o + 1),
                Expect::UnknownSkipped,
            );
            add(
                "version byte dropped: version 0 (S-3)",
                del(o + 1),
                Expect::Fatal("S-3"),
            );
            add(
                "type bit 0 (S-9, S-10)",
                flip(o + 3, 1),
                type_expect(side, f, f.ty ^ 1),
            );
            add("type byte repeated", dup(o + 3), Expect::Generic);
            add("type byte dropped", del(o + 3), Expect::Generic);
            add(
                "undefined flag 0x80 (S-11)",
                flip(o + 4, 0x80),
                Expect::Same,
            );
            let flag1 = match f.ty {
                SYN_STREAM | SYN_REPLY | HEADERS => fin_added.clone(),
                // CLEAR_SETTINGS from a client: a server ignores it (S-66).
                SETTINGS if receiver == Role::Server => Expect::Same,
                SETTINGS => Expect::Generic,
                // 0x01 is undefined on the other control frames (S-11).
                _ => Expect::Same,
            };
            add("flag 0x01 (S-11, S-22, S-66)", flip(o + 4, 1), flag1);
            add("flags byte repeated", dup(o + 4), Expect::Generic);
            add("flags byte dropped", del(o + 4), Expect::Generic);
            add(
                "length + 65536: too large (S-30)",
                flip(o + 5, 1),
                Expect::Fatal("S-30"),
            );
            add("length ± 1 (S-10)", flip(o + 7, 1), length_expect);
            add("length byte repeated", dup(o + 7), Expect::Generic);
            add("length byte dropped", del(o + 7), Expect::Generic);
            if matches!(
                f.ty,
                SYN_STREAM | SYN_REPLY | RST_STREAM | HEADERS | WINDOW_UPDATE | GOAWAY
            ) {
                add(
                    "reserved bit of the id (S-7)",
                    flip(o + 8, 0x80),
                    Expect::Same,
                );
                add("id byte repeated", dup(o + 11), Expect::Generic);
                add("id byte dropped", del(o + 11), Expect::Generic);
            }
            let other = f.id ^ 1;
            match f.ty {
                SYN_STREAM => {
                    // Id 0 or one of the receiver's own ids (S-17).
                    add(
                        "stream id ^ 1 (S-17)",
                        flip(o + 11, 1),
                        Expect::Fatal("S-17"),
                    );
                    add(
                        "reserved bit of the associated id (S-7)",
                        flip(o + 12, 0x80),
                        Expect::Same,
                    );
                    let assoc = u32_at(w, o + 12) & 0x7fff_ffff;
                    let assoc_expect = if receiver == Role::Client && assoc ^ 1 == 0 {
                        Expect::Fatal("S-79")
                    } else {
                        Expect::Generic
                    };
                    add("associated id ^ 1 (S-79)", flip(o + 15, 1), assoc_expect);
                    add("unused priority bits (§4.1)", flip(o + 16, 1), Expect::Same);
                    add("slot (§4.1)", flip(o + 17, 1), Expect::Same);
                }
                SYN_REPLY | HEADERS => {
                    let e = if other == 0 {
                        Expect::Fatal("S-28")
                    } else {
                        let statuses = vec![RstStatus::INVALID_STREAM, RstStatus::PROTOCOL_ERROR];
                        Expect::Reset(other, statuses)
                    };
                    add("stream id ^ 1 (S-20, S-23, S-28)", flip(o + 11, 1), e);
                }
                RST_STREAM => {
                    add(
                        "stream id ^ 1 (S-25)",
                        flip(o + 11, 1),
                        Expect::NoRstFor(other),
                    );
                    let status = u32_at(w, o + 12) ^ 1;
                    let effective = stream_resets(&side.clean.log, f.id).iter().any(|e| {
                        matches!(
                            e,
                            StreamError::Reset {
                                initiator: Initiator::Remote,
                                ..
                            }
                        )
                    });
                    let e = if !effective {
                        Expect::Generic
                    } else if status == RstStatus::REFUSED_STREAM.0 {
                        Expect::PeerReset(f.id, StreamError::Refused)
                    } else {
                        let error = StreamError::Reset {
                            status: RstStatus(status),
                            initiator: Initiator::Remote,
                        };
                        Expect::PeerReset(f.id, error)
                    };
                    add("status ^ 1 (S-27)", flip(o + 15, 1), e);
                }
                SETTINGS => {
                    add(
                        "entry count ^ 1 (S-10)",
                        flip(o + 11, 1),
                        Expect::Fatal("S-10"),
                    );
                    add("entry count byte repeated", dup(o + 11), Expect::Generic);
                    add("entry count byte dropped", del(o + 11), Expect::Generic);
                    let count = u32_at(w, o + 8) as usize;
                    for k in 0..count {
                        let entry = o + 12 + 8 * k;
                        if u32_at(w, entry) & 0x00ff_ffff == 7 {
                            add(
                                "INITIAL_WINDOW_SIZE ≥ 2^31 (S-61)",
                                flip(entry + 4, 0x80),
                                Expect::Fatal("S-61"),
                            );
                        }
                    }
                }
                PING => {
                    let id = u32_at(w, o + 8) ^ 1;
                    let e = if peer_parity(receiver, id) {
                        Expect::PingEcho(id)
                    } else {
                        Expect::PingIgnored(id)
                    };
                    add("ping id ^ 1 (S-69, S-70, S-71)", flip(o + 11, 1), e);
                }
                GOAWAY => {
                    let status = GoAwayStatus(u32_at(w, o + 12));
                    add(
                        "last-good id ^ 1 (S-72)",
                        flip(o + 11, 1),
                        Expect::GoAwayReceived {
                            last_good: other,
                            status,
                        },
                    );
                    add(
                        "status ^ 1 (S-72)",
                        flip(o + 15, 1),
                        Expect::GoAwayReceived {
                            last_good: f.id,
                            status: GoAwayStatus(status.0 ^ 1),
                        },
                    );
                }
                WINDOW_UPDATE => {
                    add("stream id ^ 1", flip(o + 11, 1), Expect::Generic);
                    add(
                        "reserved bit of the delta (S-7)",
                        flip(o + 12, 0x80),
                        Expect::Same,
                    );
                    add("delta ± 1", flip(o + 15, 1), Expect::Generic);
                    add("delta byte repeated", dup(o + 15), Expect::Generic);
                    add("delta byte dropped", del(o + 15), Expect::Generic);
                }
                _ => {}
            }
            if let Some(b) = f.block {
                if Some(i) == first_block {
                    for m in [flip(b, 1), dup(b), del(b)] {
                        let mutated: Vec<u8> = mutate(side, m).concat();
                        let e = zlib_header_expect(&mutated[b..b + 6]);
                        add("zlib header CMF (S-47)", m, e);
                    }
                    add("zlib DICTID (S-45)", flip(b + 2, 1), Expect::Fatal("S-45"));
                    add(
                        "BFINAL in the first deflate byte (S-47)",
                        flip(b + 6, 1),
                        Expect::Fatal("S-47"),
                    );
                } else {
                    add(
                        "BFINAL in the first deflate byte (S-47)",
                        flip(b, 1),
                        Expect::Fatal("S-47"),
                    );
                    add("first block byte repeated", dup(b), Expect::Generic);
                    add("first block byte dropped", del(b), Expect::Generic);
                }
                let mid = b + (f.end - b) / 2;
                add("middle block byte flipped", flip(mid, 1), Expect::Generic);
                add("middle block byte repeated", dup(mid), Expect::Generic);
                add("middle block byte dropped", del(mid), Expect::Generic);
            }
        } else {
            add(
                "control bit set: version 0 (S-3)",
                flip(o, 0x80),
                Expect::Fatal("S-3"),
            );
            let repeated = u32::from_be_bytes([w[o], w[o], w[o + 1], w[o + 2]]);
            let e = if repeated == 0 {
                Expect::Fatal("S-12")
            } else {
                Expect::Generic
            };
            add("first byte repeated (S-12)", dup(o), e);
            add("first byte dropped", del(o), Expect::Generic);
            let e = if f.id ^ 1 == 0 {
                Expect::Fatal("S-12")
            } else {
                Expect::Generic
            };
            add("stream id ^ 1 (S-12)", flip(o + 3, 1), e);
            add("stream id byte repeated", dup(o + 3), Expect::Generic);
            add("stream id byte dropped", del(o + 3), Expect::Generic);
            add(
                "undefined flag 0x80 (S-11)",
                flip(o + 4, 0x80),
                Expect::Same,
            );
            add(
                "FIN flipped (S-22, S-23)",
                flip(o + 4, 1),
                fin_added.clone(),
            );
            add("flags byte repeated", dup(o + 4), Expect::Generic);
            add("flags byte dropped", del(o + 4), Expect::Generic);
            add("length ± 1", flip(o + 7, 1), length_expect);
            add("length byte repeated", dup(o + 7), Expect::Generic);
            add("length byte dropped", del(o + 7), Expect::Generic);
            if f.len > 0 {
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
                    add(&format!("{what} payload byte flipped"), flip(at, 1), e);
                    add(
                        &format!("{what} payload byte repeated"),
                        dup(at),
                        Expect::Generic,
                    );
                    let e = if f.end == w.len() {
                        Expect::FrameCompletion
                    } else {
                        Expect::Generic
                    };
                    add(&format!("{what} payload byte dropped"), del(at), e);
                }
            }
        }
        // The whole frame twice.
        let closed_statuses = vec![RstStatus::STREAM_ALREADY_CLOSED, RstStatus::PROTOCOL_ERROR];
        // A repeated header block is inflated against a context that moved on: it may
        // break the context (S-47) before the stream rules apply.
        let (rule, repeated) = if !f.control {
            if f.fin() && !side.app_resets.contains(&f.id) {
                ("S-22, S-23", Expect::Reset(f.id, closed_statuses))
            } else {
                ("undetectable", Expect::Generic)
            }
        } else {
            match f.ty {
                SYN_STREAM => (
                    "S-16",
                    Expect::FatalOrReset("S-47", f.id, vec![RstStatus::PROTOCOL_ERROR]),
                ),
                SYN_REPLY => (
                    "S-24",
                    Expect::FatalOrReset("S-47", f.id, vec![RstStatus::STREAM_IN_USE]),
                ),
                HEADERS if f.fin() => (
                    "S-22, S-23",
                    Expect::FatalOrReset("S-47", f.id, closed_statuses),
                ),
                RST_STREAM => ("S-25", Expect::Same),
                GOAWAY => ("ended at the first", Expect::Same),
                PING if receiver == Role::Server => ("S-70", Expect::PingsSent(2)),
                PING => ("S-71", Expect::Same),
                _ => ("", Expect::Generic),
            }
        };
        let span = DupFrame {
            start: o,
            end: f.end,
        };
        add(&format!("frame repeated ({rule})"), span, repeated);
    }
    cases
}

/// Formats the first failures.
fn report(failures: &[String]) -> String {
    let shown: Vec<&str> = failures.iter().take(25).map(String::as_str).collect();
    format!(
        "{} failures; first ones:\n{}",
        failures.len(),
        shown.join("\n")
    )
}

fn corrupt_at_chosen_places(receiver: Role) {
    let side = Side::new(receiver);
    let cases = targeted_cases(&side);
    let mut failures = Vec::new();
    let mut precise = 0;
    let mut ends: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        if !matches!(case.expect, Expect::Generic) {
            precise += 1;
        }
        match run_case(&side, case.m, &case.expect) {
            Ok(ending) => *ends.entry(ending).or_default() += 1,
            Err(e) => {
                let at = case.m.offset();
                let excerpt =
                    common::hex(&side.wire[at.saturating_sub(4)..(at + 8).min(side.wire.len())]);
                failures.push(format!("{} {:?} [..{excerpt}..]: {e}", case.label, case.m));
            }
        }
    }
    eprintln!(
        "{receiver:?} fed a corrupted transcript: {} faults in {} frames, {precise} with a \
         prescribed reaction; endings {ends:?}",
        cases.len(),
        side.frames.len()
    );
    assert!(failures.is_empty(), "{}", report(&failures));
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
    ("bit 0x01 flipped", |at| Mutation::Flip { at, mask: 0x01 }),
    ("bit 0x80 flipped", |at| Mutation::Flip { at, mask: 0x80 }),
];

const REPEATS_AND_DROPS: [Fault; 2] = [
    ("byte repeated", |at| Mutation::Dup { at }),
    ("byte dropped", |at| Mutation::Remove { at }),
];

/// Each fault at every offset of the transcript fed to `receiver`: whatever the byte, the
/// session ends within bounded timers, every stream is told, nothing leaks, and what it
/// sends decodes and agrees with how it ended. A fault after the receiver ended changes
/// nothing.
fn sweep(receiver: Role, faults: &[Fault]) {
    let side = Side::new(receiver);
    let mut failures = Vec::new();
    let mut ends: BTreeMap<String, usize> = BTreeMap::new();
    let mut runs = 0;
    for at in 0..side.wire.len() {
        for (what, fault) in faults {
            runs += 1;
            let expect = if at >= side.quiet_from {
                Expect::Same
            } else {
                Expect::Generic
            };
            match run_case(&side, fault(at), &expect) {
                Ok(ending) => *ends.entry(ending).or_default() += 1,
                Err(e) => failures.push(format!("{what} at {at}: {e}")),
            }
        }
    }
    eprintln!(
        "{receiver:?}: {runs} faults over {} bytes; endings {ends:?}",
        side.wire.len()
    );
    assert!(failures.is_empty(), "{}", report(&failures));
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

/// Whole frames dropped (a lost write), swapped with the next one, or held back to the end
/// of the transcript (a reordering middlebox), fed whole, byte by byte and in 13-byte
/// pieces: the invariants of `check_generic` hold. A lost first header block leaves the
/// next block without its zlib header: a session error (S-47, §7.2), as S-42 makes every
/// block depend on the ones before.
#[test]
fn frames_dropped_swapped_or_held_back() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for receiver in [Role::Client, Role::Server] {
        let side = Side::new(receiver);
        let frames = &side.frames;
        let w = &side.wire;
        let blocks: Vec<usize> = frames.iter().filter_map(|f| f.block).collect();
        let mut variants: Vec<(String, Vec<u8>, Expect)> = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let name = format!("{receiver:?}: frame #{i} {} at {}", f.name(), f.start);
            let mut dropped = w.clone();
            dropped.drain(f.start..f.end);
            let expect = match (f.block, blocks.get(1)) {
                (Some(b), Some(&next)) if b == blocks[0] => zlib_header_expect(&w[next..next + 6]),
                _ => Expect::Generic,
            };
            variants.push((format!("{name} dropped"), dropped, expect));
            if let Some(g) = frames.get(i + 1) {
                let mut swapped = w[..f.start].to_vec();
                swapped.extend_from_slice(&w[g.start..g.end]);
                swapped.extend_from_slice(&w[f.start..f.end]);
                swapped.extend_from_slice(&w[g.end..]);
                variants.push((
                    format!("{name} swapped with the next"),
                    swapped,
                    Expect::Generic,
                ));
            }
            let mut late = w.clone();
            let frame: Vec<u8> = late.drain(f.start..f.end).collect();
            late.extend_from_slice(&frame);
            variants.push((
                format!("{name} held back to the end"),
                late,
                Expect::Generic,
            ));
        }
        for (name, wire, expect) in &variants {
            for size in [wire.len(), 1, 13] {
                runs += 1;
                let chunks: Vec<Vec<u8>> = wire.chunks(size.max(1)).map(<[u8]>::to_vec).collect();
                if let Err(e) = run_chunks(&side, &chunks, expect) {
                    failures.push(format!("{name}, in pieces of {size}: {e}"));
                }
            }
        }
    }
    eprintln!("{runs} runs with frames dropped, swapped or held back");
    assert!(failures.is_empty(), "{}", report(&failures));
}

// ---------------------------------------------------------------------------------------
// Engine bugs found
// ---------------------------------------------------------------------------------------

/// Found by splicing a RST_STREAM into the server's transcript ahead of more DATA for the
/// same stream. A stream the peer reset while its data was unread is kept so that the data
/// stays readable (`Event::StreamReset`: "read returns it, then Fin"). A DATA (or HEADERS)
/// frame the peer sends on it afterwards must be dropped quietly: after a RST_STREAM is
/// received nothing more is sent on the stream (S-26), the application was told once, and
/// the data received before the reset stays readable. (The engine used to treat the late
/// frame as one on a half-closed stream, S-22: RST_STREAM STREAM_ALREADY_CLOSED, a second
/// `StreamReset`, and the unread data dropped.)
#[test]
fn a_frame_after_the_peers_reset_of_a_stream_with_unread_data_is_dropped_quietly() {
    use spdy3::frame::RstStream;
    use spdy3::testing::{encode, events};
    let now = Instant(0);
    let mut client = Session::client(Config::default(), now);
    let mut server = RawPeer::new();
    let fin = OpenOptions {
        fin: true,
        ..OpenOptions::default()
    };
    let id = client.open_stream(RawPeer::request("/"), fin, now).unwrap();
    server.drain(&mut client, now);
    events(&mut client);
    // The reply, some data, then the server resets the stream before it is read.
    let mut wire = server.syn_reply(id, &RawPeer::response(), false);
    wire.extend(RawPeer::data(id, b"abc", false));
    wire.extend(encode(&Frame::RstStream(RstStream {
        stream_id: id,
        status: RstStatus::CANCEL,
    })));
    assert!(server.exchange(&mut client, &wire, now).is_empty());
    let told = StreamError::Reset {
        status: RstStatus::CANCEL,
        initiator: Initiator::Remote,
    };
    assert!(events(&mut client).contains(&Event::StreamReset {
        stream_id: id,
        error: told
    }));
    // A late DATA on the reset stream.
    let answer = server.exchange(&mut client, &RawPeer::data(id, b"def", false), now);
    assert!(
        answer.is_empty(),
        "S-26: nothing is sent on a reset stream: {answer:?}"
    );
    let later = events(&mut client);
    assert!(
        !later.iter().any(|e| matches!(e, Event::StreamReset { .. })),
        "the stream was told twice: {later:?}"
    );
    // The data that came before the reset is still there, then the end.
    assert_eq!(
        client.read(id, usize::MAX),
        Ok(Read::Data(Bytes::from_static(b"abc")))
    );
    assert_eq!(client.read(id, usize::MAX), Ok(Read::Fin));
}
