//! The application of either end, and the endpoint that runs it: a session, its
//! application and everything it sent, driven by the call protocol of the sans-IO session.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use spdy3::frame::RstStatus;
use spdy3::header_block::HeaderList;
use spdy3::session::{CommandError, Event, OpenOptions, Read, Role, Session};
use spdy3::testing::RawPeer;
use spdy3::time::Instant;

use crate::exchange::{
    big_body, cancelled_body, config, css_body, html_body, not_found, push_headers, request,
    upload_body, ALL_STREAMS, CANCELLED, CLIENT_STREAMS, UPLOAD,
};

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
pub struct App {
    role: Role,
    /// Streams the application knows: opened by it or announced by `StreamOpened`.
    pub known: BTreeSet<u32>,
    /// Server: the path of each request.
    paths: BTreeMap<u32, String>,
    /// Bytes read per stream.
    pub read: BTreeMap<u32, Vec<u8>>,
    /// Streams whose `Fin` was read.
    pub fin_read: BTreeSet<u32>,
    /// Streams with a `StreamClosed` event.
    closed: BTreeSet<u32>,
    /// Server: its pushes, on which the peer sends nothing.
    pub pushed: BTreeSet<u32>,
    /// Every event, in order.
    pub log: Vec<Event>,
    /// The bodies being sent, by stream.
    outgoing: BTreeMap<u32, Outgoing>,
    /// The client sent its GOAWAY (while the session was open).
    pub goaway_called: bool,
    /// Reads nothing until the connection has ended.
    pub lazy: bool,
    /// Anything the application found wrong (a `Fin` read twice, a failing read).
    pub problems: Vec<String>,
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
    pub fn drain(&mut self, s: &mut Session, id: u32) {
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
pub struct Endpoint {
    pub s: Session,
    pub app: App,
    /// The clock: `Instant(0)` until a replay advances it through the timers.
    pub now: Instant,
    /// Everything the session sent.
    pub out: Vec<u8>,
    /// Anything the driving found wrong (events and output that never settle).
    pub problems: Vec<String>,
}

impl Endpoint {
    /// A fresh session of `role`; a client has made its opening moves (not yet sent).
    pub fn new(role: Role) -> Endpoint {
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
    pub fn settle(&mut self) -> Vec<u8> {
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

    /// Hands the session `input`, then settles. Returns what was sent.
    pub fn step(&mut self, input: &[u8]) -> Vec<u8> {
        self.s.handle_bytes(input, self.now);
        self.settle()
    }
}
