//! Dev-only helpers (feature `testing`) shared by tests, benches and fuzz targets: an
//! in-memory client/server [`Pair`] on a virtual clock joined by a hostile pipe, and a
//! [`RawPeer`] that writes exact frames and decodes what a session answers.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use bytes::{Bytes, BytesMut};

use crate::frame::{
    Data, Decoder, DecoderConfig, Frame, Headers, SynReply, SynStream, MAX_PAYLOAD_LEN,
};
use crate::header_block::{CompressionOptions, HeaderDeflater, HeaderInflater, HeaderList, Limits};
use crate::session::{Config, Event, Session};
use crate::time::{Duration, Instant};

/// How the pipe cuts the byte stream into deliveries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chunking {
    /// Each transmit is delivered as one piece.
    Whole,
    /// Pieces of exactly this many bytes (1 = byte by byte).
    Fixed(usize),
    /// Pieces of 1 … `max` bytes, from a seeded generator.
    Random {
        /// Largest piece.
        max: usize,
        /// Seed, so a failure reproduces.
        seed: u64,
    },
}

/// One direction of the pipe: pieces in flight with their delivery times.
#[derive(Debug, Default)]
struct Lane {
    in_flight: VecDeque<(Instant, Bytes)>,
    /// Total bytes that went through this lane.
    carried: u64,
}

/// A client and a server session joined in memory.
///
/// [`run`](Pair::run) moves bytes both ways (cut per [`Chunking`], delayed by `latency`),
/// fires due timers and collects events until nothing moves. The test plays both
/// applications between runs, with the events in `client_events` / `server_events`.
pub struct Pair {
    /// The client end.
    pub client: Session,
    /// The server end.
    pub server: Session,
    /// The virtual clock.
    pub now: Instant,
    /// How transmits are cut.
    pub chunking: Chunking,
    /// Delay of every piece.
    pub latency: Duration,
    /// Events from the client since they were last taken.
    pub client_events: Vec<Event>,
    /// Events from the server since they were last taken.
    pub server_events: Vec<Event>,
    to_server: Lane,
    to_client: Lane,
    rng: u64,
    scratch: Vec<u8>,
}

impl Pair {
    /// Both ends with the given configurations, at time 0, with a whole-piece pipe and no
    /// latency.
    pub fn new(client: Config, server: Config) -> Pair {
        let now = Instant(0);
        Pair {
            client: Session::client(client, now),
            server: Session::server(server, now),
            now,
            chunking: Chunking::Whole,
            latency: Duration::ZERO,
            client_events: Vec::new(),
            server_events: Vec::new(),
            to_server: Lane::default(),
            to_client: Lane::default(),
            rng: 0x9E37_79B9_7F4A_7C15,
            scratch: Vec::new(),
        }
    }

    /// Both ends with the default configuration.
    pub fn default_pair() -> Pair {
        Pair::new(Config::default(), Config::default())
    }

    fn next_piece(&mut self, left: usize) -> usize {
        match self.chunking {
            Chunking::Whole => left,
            Chunking::Fixed(n) => n.clamp(1, left),
            Chunking::Random { max, seed } => {
                if self.rng == 0x9E37_79B9_7F4A_7C15 {
                    self.rng ^= seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
                }
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                (1 + (self.rng % max.max(1) as u64) as usize).min(left)
            }
        }
    }

    /// Takes everything one end has to send and puts it in flight. Returns bytes moved.
    fn transmit(&mut self, from_client: bool) -> usize {
        self.scratch.clear();
        let now = self.now;
        let sender = if from_client {
            &mut self.client
        } else {
            &mut self.server
        };
        while sender.poll_transmit(now, &mut self.scratch, 1 << 20) > 0 {}
        let bytes = Bytes::from(core::mem::take(&mut self.scratch));
        let n = bytes.len();
        let mut at = 0;
        let deliver = now + self.latency;
        while at < n {
            let piece = self.next_piece(n - at);
            let lane = if from_client {
                &mut self.to_server
            } else {
                &mut self.to_client
            };
            lane.in_flight
                .push_back((deliver, bytes.slice(at..at + piece)));
            at += piece;
        }
        let lane = if from_client {
            &mut self.to_server
        } else {
            &mut self.to_client
        };
        lane.carried += n as u64;
        n
    }

    /// Delivers the pieces due by now, while the receiver wants input (backpressure).
    /// Returns bytes delivered.
    fn deliver(&mut self, to_server: bool) -> usize {
        let now = self.now;
        let mut n = 0;
        loop {
            let (lane, receiver) = if to_server {
                (&mut self.to_server, &mut self.server)
            } else {
                (&mut self.to_client, &mut self.client)
            };
            let due = lane.in_flight.front().is_some_and(|(at, _)| *at <= now);
            if !due || !(receiver.wants_input() || receiver.is_closed()) {
                return n;
            }
            let (_, piece) = lane.in_flight.pop_front().expect("front exists");
            n += piece.len();
            receiver.handle_bytes(&piece, now);
        }
    }

    fn collect_events(&mut self) -> bool {
        let mut any = false;
        while let Some(e) = self.client.poll_event() {
            self.client_events.push(e);
            any = true;
        }
        while let Some(e) = self.server.poll_event() {
            self.server_events.push(e);
            any = true;
        }
        any
    }

    /// Moves bytes and fires timers until nothing more happens without the applications
    /// acting (or the clock would have to pass the next timer). Returns bytes moved.
    pub fn run(&mut self) -> u64 {
        let mut total = 0u64;
        for _ in 0..1_000_000 {
            let mut moved = self.transmit(true) + self.transmit(false);
            moved += self.deliver(true) + self.deliver(false);
            let events = self.collect_events();
            total += moved as u64;
            if moved == 0 && !events {
                // Pieces still in flight: let the clock reach the first of them.
                let next = [
                    self.to_server.in_flight.front(),
                    self.to_client.in_flight.front(),
                ]
                .into_iter()
                .flatten()
                .map(|(at, _)| *at)
                .filter(|at| *at > self.now)
                .min();
                match next {
                    Some(at) => self.now = at,
                    None => return total,
                }
            }
        }
        panic!("the pair did not settle in a million steps");
    }

    /// Moves the clock forward by `d`, firing timers on both ends, then runs.
    pub fn advance(&mut self, d: Duration) -> u64 {
        self.now = self.now + d;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.run()
    }

    /// Cuts the connection: what is in flight is lost and both ends see EOF.
    pub fn cut(&mut self) {
        self.to_server.in_flight.clear();
        self.to_client.in_flight.clear();
        self.client.handle_eof(self.now);
        self.server.handle_eof(self.now);
        self.collect_events();
    }

    /// Takes the client's events so far.
    pub fn take_client_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.client_events)
    }

    /// Takes the server's events so far.
    pub fn take_server_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.server_events)
    }

    /// Bytes carried client → server and server → client so far.
    pub fn carried(&self) -> (u64, u64) {
        (self.to_server.carried, self.to_client.carried)
    }
}

/// A scripted peer: writes exact frames (compressing header blocks through its own
/// context) and decodes what the session under test sends back (inflating through another).
pub struct RawPeer {
    deflater: HeaderDeflater,
    inflater: HeaderInflater,
    decoder: Decoder,
    input: BytesMut,
}

/// A frame the session sent, with its header block inflated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// The frame.
    pub frame: Frame,
    /// Its headers, for SYN_STREAM, SYN_REPLY and HEADERS.
    pub headers: Option<HeaderList>,
}

impl Default for RawPeer {
    fn default() -> Self {
        Self::new()
    }
}

impl RawPeer {
    /// A fresh peer with fresh compression contexts.
    pub fn new() -> RawPeer {
        Self::with_compression(CompressionOptions::default())
    }

    /// A fresh peer compressing its header blocks with `options`.
    pub fn with_compression(options: CompressionOptions) -> RawPeer {
        RawPeer {
            deflater: HeaderDeflater::new(options),
            inflater: HeaderInflater::new(),
            decoder: Decoder::new(DecoderConfig {
                data_piece: MAX_PAYLOAD_LEN,
                ..DecoderConfig::default()
            }),
            input: BytesMut::new(),
        }
    }

    /// Headers from name/value pairs.
    pub fn headers(pairs: &[(&str, &str)]) -> HeaderList {
        pairs.iter().copied().collect()
    }

    /// A valid HTTP request for `path`.
    pub fn request(path: &str) -> HeaderList {
        Self::headers(&[
            (":method", "GET"),
            (":path", path),
            (":version", "HTTP/1.1"),
            (":host", "example.com"),
            (":scheme", "https"),
        ])
    }

    /// A `200 OK` reply.
    pub fn response() -> HeaderList {
        Self::headers(&[(":status", "200 OK"), (":version", "HTTP/1.1")])
    }

    fn block(&mut self, headers: &HeaderList) -> Bytes {
        self.deflater
            .encode_to_bytes(headers)
            .expect("valid test headers")
    }

    /// SYN_STREAM bytes.
    pub fn syn_stream(
        &mut self,
        stream_id: u32,
        associated: u32,
        headers: &HeaderList,
        fin: bool,
        unidirectional: bool,
    ) -> Vec<u8> {
        let header_block = self.block(headers);
        encode(&Frame::SynStream(SynStream {
            stream_id,
            associated_stream_id: associated,
            priority: 0,
            slot: 0,
            fin,
            unidirectional,
            header_block,
        }))
    }

    /// SYN_REPLY bytes.
    pub fn syn_reply(&mut self, stream_id: u32, headers: &HeaderList, fin: bool) -> Vec<u8> {
        let header_block = self.block(headers);
        encode(&Frame::SynReply(SynReply {
            stream_id,
            fin,
            header_block,
        }))
    }

    /// HEADERS bytes.
    pub fn headers_frame(&mut self, stream_id: u32, headers: &HeaderList, fin: bool) -> Vec<u8> {
        let header_block = self.block(headers);
        encode(&Frame::Headers(Headers {
            stream_id,
            fin,
            header_block,
        }))
    }

    /// DATA bytes.
    pub fn data(stream_id: u32, payload: &[u8], fin: bool) -> Vec<u8> {
        encode(&Frame::Data(Data {
            stream_id,
            fin,
            payload: Bytes::copy_from_slice(payload),
        }))
    }

    /// Decodes bytes the session sent; header blocks are inflated in order.
    pub fn receive(&mut self, bytes: &[u8]) -> Vec<Sent> {
        self.input.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(frame) = self
            .decoder
            .decode(&mut self.input)
            .expect("the session sends valid frames")
        {
            let headers = frame.header_block().map(|b| {
                self.inflater
                    .decode(b, &Limits::default())
                    .expect("the session's blocks inflate")
            });
            out.push(Sent { frame, headers });
        }
        out
    }

    /// Feeds `bytes` to `session`, then drains and decodes everything it sends.
    pub fn exchange(&mut self, session: &mut Session, bytes: &[u8], now: Instant) -> Vec<Sent> {
        session.handle_bytes(bytes, now);
        self.drain(session, now)
    }

    /// Drains and decodes everything `session` has to send.
    pub fn drain(&mut self, session: &mut Session, now: Instant) -> Vec<Sent> {
        let mut wire = Vec::new();
        while session.poll_transmit(now, &mut wire, usize::MAX) > 0 {}
        self.receive(&wire)
    }
}

/// Encodes one frame.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let mut v = Vec::new();
    frame.encode(&mut v).expect("test frames fit");
    v
}

/// All events a session has pending.
pub fn events(session: &mut Session) -> Vec<Event> {
    core::iter::from_fn(|| session.poll_event()).collect()
}

/// Feeds `chunk` to `session` as an adapter that keeps DATA payloads apart from the input
/// buffer does (the Node package's way): at least [`Session::input_wanted`] bytes, and up
/// to `greedy` more, into the input buffer; each payload the session expects through
/// [`Session::handle_payload`], as a copy. Panics if the session refuses a payload it
/// said it expected while it goes on.
pub fn feed_payloads_apart(session: &mut Session, chunk: &[u8], greedy: usize, now: Instant) {
    let mut at = 0;
    while at < chunk.len() && session.close_reason().is_none() {
        if let Some(e) = session.expected_payload() {
            assert!(e.frame_len >= e.remaining, "{e:?}");
            let n = e.remaining.min(chunk.len() - at);
            let taken = session.handle_payload(Bytes::copy_from_slice(&chunk[at..at + n]), now);
            // Refused only when the buffered start of the payload ended the session.
            assert!(
                taken.is_ok() || session.close_reason().is_some(),
                "{n} of {e:?}: {taken:?}"
            );
            at += n;
        } else {
            let n = session.input_wanted().max(greedy).min(chunk.len() - at);
            session.input_buffer().extend_from_slice(&chunk[at..at + n]);
            session.handle_input(now);
            at += n;
        }
    }
}

pub mod fuzz;
mod ledger;

pub use ledger::EventLedger;
