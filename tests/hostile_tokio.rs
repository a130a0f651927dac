//! Hostile peers against the tokio server over loopback TCP: every attack of the threat
//! list (`TABLE` in `hostile_session.rs`, FUZZING.md) meets `net::server`, and each test
//! asserts the reaction — the session's close reason as the table states it, and the
//! GOAWAY or RST_STREAM on the wire — and that the work and memory the attack costs are
//! bounded, by counting what the server wrote, what its `Connection::stats()` say, and what
//! it allocated (a counting allocator: the tests run on tokio's current-thread runtime, so
//! the driver and the server's application run on the test's thread). Never by timing:
//! timers are configured short, every wait is bounded by [`WAIT`], and no test asserts an
//! elapsed time. `every_attack_of_the_table_is_met_here` keeps the coverage complete.
//! Run with `--nocapture` to see the measured figures.

use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use spdy3::frame::{
    Decoder, DecoderConfig, Frame, GoAwayStatus, Ping, RstStatus, RstStream, Settings,
    WindowUpdate, MAX_PAYLOAD_LEN,
};
use spdy3::header_block::{CompressionOptions, HeaderList, Strategy};
use spdy3::net::{self, Connection, Stream};
use spdy3::session::{Config, Stats};
use spdy3::testing::{encode, RawPeer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

// ------------------------------------------------------------------ counting allocator

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, Counts};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` with the counters at zero and returns what it, the driver and the server's
/// application allocated meanwhile (all on this thread).
async fn measure<T>(f: impl Future<Output = T>) -> (T, Counts) {
    counting_alloc::reset();
    let out = f.await;
    (out, counting_alloc::counts())
}

const KIB: i64 = 1024;
const MIB: i64 = 1024 * KIB;

// ------------------------------------------------------------------ the table

/// `(attack, reaction)` for every row of the Session battery's `TABLE`.
fn table() -> Vec<(&'static str, &'static str)> {
    let src = include_str!("hostile_session.rs");
    let start = src
        .find("const TABLE")
        .expect("hostile_session.rs has a TABLE");
    let body = &src[start..];
    let body = &body[..body.find("\n];").expect("the TABLE ends")];
    body.split("\n    (\n")
        .skip(1)
        .map(|row| {
            let mut quoted = row.split('"').skip(1).step_by(2);
            (quoted.next().unwrap(), quoted.next().unwrap())
        })
        .collect()
}

/// The reaction the table states for `attack`.
fn reaction_of(attack: &str) -> &'static str {
    table()
        .into_iter()
        .find(|r| r.0 == attack)
        .unwrap_or_else(|| panic!("{attack} is not in TABLE"))
        .1
}

// ------------------------------------------------------------------ the target

/// Every wait in this file is bounded by this; none comes close to it when things work.
const WAIT: Duration = Duration::from_secs(10);

/// How long the server's application holds a stream it keeps: beyond any test.
const HOLD: Duration = Duration::from_secs(60);

/// What the server's application does with each stream the peer opens.
#[derive(Clone, Copy, Debug)]
enum App {
    /// Replies `200`, sends this many bytes with FIN, then keeps the stream (never reads).
    Serve(usize),
    /// Replies `200` with FIN and drops the stream: a request served.
    Respond,
    /// Keeps the stream: never replies, never reads.
    Ignore,
    /// Reads everything the stream brings, at once, and keeps the stream.
    Read,
}

impl App {
    async fn run(self, mut s: Stream) {
        match self {
            App::Serve(body) => {
                if s.reply(spdy3::http::response_headers(200), false).is_ok() {
                    let _ = s.send(Bytes::from(vec![0u8; body]), true).await;
                }
                tokio::time::sleep(HOLD).await;
            }
            App::Respond => {
                let _ = s.reply(spdy3::http::response_headers(200), true);
            }
            App::Ignore => tokio::time::sleep(HOLD).await,
            App::Read => {
                while let Some(Ok(_)) = s.recv().await {}
                tokio::time::sleep(HOLD).await;
            }
        }
    }
}

/// The attacker's side of a loopback connection to a tokio server running `app`.
struct Attacker {
    tcp: TcpStream,
    /// The server's connection handle, for its stats and close reason.
    conn: Connection,
    decoder: Decoder,
    input: BytesMut,
    /// Every frame the server sent so far, in order.
    frames: Vec<Frame>,
    /// Bytes the server sent so far.
    bytes: usize,
    /// The server closed the connection.
    eof: bool,
    /// Id of our next PING (odd: ours are a client's).
    next_ping: u32,
}

async fn target(config: Config, app: App) -> Attacker {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let (conn, driver) = net::server(tcp, config);
        tokio::spawn(driver);
        let _ = tx.send(conn.clone());
        while let Some(s) = conn.accept().await {
            tokio::spawn(app.run(s));
        }
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    // Small frames go out at once: a PING round trip is one, not Nagle's 40 ms.
    tcp.set_nodelay(true).unwrap();
    let conn = timeout(WAIT, rx).await.unwrap().unwrap();
    Attacker {
        tcp,
        conn,
        decoder: Decoder::new(DecoderConfig {
            data_piece: MAX_PAYLOAD_LEN,
            ..Default::default()
        }),
        input: BytesMut::new(),
        frames: Vec::new(),
        bytes: 0,
        eof: false,
        next_ping: 1,
    }
}

impl Attacker {
    /// Writes `bytes`; false if the server closed the connection first.
    async fn send(&mut self, bytes: &[u8]) -> bool {
        matches!(timeout(WAIT, self.tcp.write_all(bytes)).await, Ok(Ok(())))
    }

    /// Reads one piece of what the server sends and decodes it; false at the end.
    async fn read_some(&mut self) -> bool {
        if self.eof {
            return false;
        }
        self.input.reserve(64 * 1024);
        match self.tcp.read_buf(&mut self.input).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.bytes += n;
                while let Some(f) = self
                    .decoder
                    .decode(&mut self.input)
                    .expect("the server sends valid frames")
                {
                    self.frames.push(f);
                }
                true
            }
        }
    }

    /// Reads until `done` holds for the frames received so far, the server closes, or
    /// [`WAIT`] passes; says whether `done` holds.
    async fn read_until(&mut self, done: impl Fn(&[Frame]) -> bool) -> bool {
        let _ = timeout(WAIT, async {
            while !done(&self.frames) && self.read_some().await {}
        })
        .await;
        done(&self.frames)
    }

    /// Reads until the server closes the connection.
    async fn drain(&mut self) {
        let _ = timeout(WAIT, async { while self.read_some().await {} }).await;
        assert!(self.eof, "the server kept the connection: {}", self.show());
    }

    /// Sends a PING and reads until its echo: the server has processed everything sent
    /// before it, and what it answered to that is in `frames`.
    async fn sync(&mut self) {
        let id = self.next_ping;
        self.next_ping += 2;
        self.send(&encode(&Frame::Ping(Ping { id }))).await;
        let echoed = self
            .read_until(|f| f.iter().any(|f| matches!(f, Frame::Ping(p) if p.id == id)))
            .await;
        assert!(echoed, "no echo of PING {id}: {}", self.show());
    }

    fn stats(&self) -> Stats {
        self.conn.stats()
    }

    /// The reaction as the table states it: the session's close reason, or the RST_STREAM
    /// statuses the server sent, or "no error".
    async fn reaction(&self) -> String {
        match timeout(Duration::ZERO, self.conn.closed()).await {
            Ok(net::Error::Session(e)) => e.to_string(),
            Ok(other) => other.to_string(),
            Err(_) => {
                let mut statuses: Vec<String> = Vec::new();
                for f in &self.frames {
                    if let Frame::RstStream(r) = f {
                        let s = format!("RST_STREAM {}", r.status);
                        if !statuses.contains(&s) {
                            statuses.push(s);
                        }
                    }
                }
                if statuses.is_empty() {
                    "no error".to_string()
                } else {
                    statuses.join(", ")
                }
            }
        }
    }

    /// Asserts the reaction the table states for `attack`.
    async fn assert_reaction(&self, attack: &str) {
        assert_eq!(self.reaction().await, reaction_of(attack), "{attack}");
    }

    fn goaway(&self) -> Option<GoAwayStatus> {
        self.frames.iter().find_map(|f| match f {
            Frame::GoAway(g) => Some(g.status),
            _ => None,
        })
    }

    fn count(&self, pick: impl Fn(&Frame) -> bool) -> usize {
        self.frames.iter().filter(|f| pick(f)).count()
    }

    /// The ids of the streams reset with `status`, in order.
    fn resets(&self, status: RstStatus) -> Vec<u32> {
        self.frames
            .iter()
            .filter_map(|f| match f {
                Frame::RstStream(r) if r.status == status => Some(r.stream_id),
                _ => None,
            })
            .collect()
    }

    /// What the server sent after its opening SETTINGS and session WINDOW_UPDATE.
    fn answers(&self) -> &[Frame] {
        assert!(
            matches!(self.frames.first(), Some(Frame::Settings(_)))
                && matches!(self.frames.get(1), Some(Frame::WindowUpdate(w)) if w.stream_id == 0),
            "the server opens with SETTINGS and WINDOW_UPDATE: {}",
            self.show()
        );
        &self.frames[2..]
    }

    /// A short account of the frames received, for failure messages.
    fn show(&self) -> String {
        let mut out: Vec<(String, usize)> = Vec::new();
        for f in &self.frames {
            let s = match f {
                Frame::Data(d) => format!(
                    "DATA({}, {} B, fin {})",
                    d.stream_id,
                    d.payload.len(),
                    d.fin
                ),
                Frame::SynReply(r) => format!("SYN_REPLY({})", r.stream_id),
                Frame::RstStream(r) => format!("RST_STREAM({}, {})", r.stream_id, r.status),
                Frame::GoAway(g) => format!("GOAWAY({}, {})", g.last_good_stream_id, g.status),
                Frame::WindowUpdate(w) => format!("WINDOW_UPDATE({})", w.stream_id),
                Frame::Ping(_) => "PING".to_string(),
                Frame::Settings(_) => "SETTINGS".to_string(),
                other => format!("{other:?}"),
            };
            match out.last_mut() {
                Some((last, n)) if *last == s => *n += 1,
                _ => out.push((s, 1)),
            }
        }
        let list: Vec<String> = out
            .into_iter()
            .map(|(s, n)| if n == 1 { s } else { format!("{s} ×{n}") })
            .collect();
        format!("{} B: [{}]", self.bytes, list.join(", "))
    }

    fn report(&self, attack: &str, fed: usize, counts: Option<Counts>) {
        let s = self.stats();
        eprintln!(
            "{attack}: fed {fed} B, answered {} — received by type {:?}, sent {} data B, \
             {} streams, {} B unread, {} B queued{}",
            self.show(),
            s.frames_received,
            s.data_sent,
            s.streams,
            s.recv_buffered,
            s.send_buffered,
            counts.map_or(String::new(), |c| format!(
                "; {} allocations of {} B, peak {} B live",
                c.allocations, c.bytes, c.peak
            ))
        );
    }
}

// ------------------------------------------------------------------ frames

fn ping(id: u32) -> Vec<u8> {
    encode(&Frame::Ping(Ping { id }))
}

fn wu(stream_id: u32, delta: u32) -> Vec<u8> {
    encode(&Frame::WindowUpdate(WindowUpdate { stream_id, delta }))
}

fn rst(stream_id: u32, status: RstStatus) -> Vec<u8> {
    encode(&Frame::RstStream(RstStream { stream_id, status }))
}

/// A control frame of unknown type 0xf0 with `len` bytes of payload.
fn unknown(len: usize) -> Vec<u8> {
    let mut v = vec![0x80, 3, 0, 0xf0, 0];
    v.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    v.resize(8 + len, 0xee);
    v
}

fn syn(peer: &mut RawPeer, id: u32, headers: &HeaderList, fin: bool) -> Vec<u8> {
    peer.syn_stream(id, 0, headers, fin, false)
}

/// A request whose uncompressed header block is exactly `size` bytes.
fn request_of_block_size(size: usize) -> HeaderList {
    let mut h = RawPeer::request("/");
    h.insert("x-fill", "");
    let mut block = Vec::new();
    h.encode_block(&mut block).unwrap();
    h.insert("x-fill", "f".repeat(size - block.len()));
    block.clear();
    h.encode_block(&mut block).unwrap();
    assert_eq!(block.len(), size);
    h
}

/// Short timers for the timer attacks (the defaults are 30 s and 300 s).
fn short_timers() -> Config {
    let ms = spdy3::time::Duration::from_millis;
    let mut config = Config::default();
    config.timeouts.first_frame = Some(ms(300));
    config.timeouts.frame_completion = Some(ms(300));
    config.timeouts.idle = Some(ms(300));
    config
}

// ------------------------------------------------------------------ floods

/// PING flood, SETTINGS flood, empty-DATA flood, WINDOW_UPDATE flood, unknown-type flood:
/// five times the rate limit in one burst after a request. GOAWAY PROTOCOL_ERROR; the
/// server processes exactly one frame past the limit, answers at most the allowed PINGs,
/// and writes a few KB at most whatever the size of the flood.
#[tokio::test]
async fn floods_get_goaway_and_the_work_stops_at_the_limit() {
    // (attack, one frame, frames sent, index in frames_received, limit)
    let cases: [(&str, Vec<u8>, usize, usize, u64); 5] = [
        ("PING flood", ping(1), 500, 5, 100),
        (
            "SETTINGS flood",
            encode(&Frame::Settings(Settings::default())),
            500,
            4,
            100,
        ),
        (
            "empty-DATA flood",
            RawPeer::data(1, b"", false),
            5000,
            0,
            1000,
        ),
        ("WINDOW_UPDATE flood", wu(0, 1), 50_000, 8, 10_000),
        ("unknown-type flood", unknown(0), 500, 9, 100),
    ];
    for (attack, frame, count, index, limit) in cases {
        // The application keeps the stream unanswered: no DATA of ours earns the peer
        // WINDOW_UPDATEs, so the limit is exact.
        let mut a = target(Config::default(), App::Ignore).await;
        let mut peer = RawPeer::new();
        let mut wire = syn(&mut peer, 1, &RawPeer::request("/"), false);
        wire.extend(frame.repeat(count));
        a.send(&wire).await;
        a.drain().await;
        a.report(attack, wire.len(), None);
        a.assert_reaction(attack).await;
        assert_eq!(a.goaway(), Some(GoAwayStatus::PROTOCOL_ERROR), "{attack}");
        let stats = a.stats();
        assert_eq!(
            stats.frames_received[index],
            limit + 1,
            "{attack}: the work stops at the limit"
        );
        let echoes = a.count(|f| matches!(f, Frame::Ping(_)));
        assert!(echoes as u64 <= 100, "{attack}: {echoes} PINGs answered");
        // The opening frames, ≤ 100 echoes and the GOAWAY.
        assert!(a.answers().len() <= 101, "{attack}: {}", a.show());
        assert!(a.bytes < 4096, "{attack}: {}", a.show());
    }
}

/// rapid reset: 3,000 streams opened and reset at once (HTTP/2 "Rapid Reset"). GOAWAY
/// PROTOCOL_ERROR after exactly 1,001 resets; no stream is answered, nothing is held.
#[tokio::test]
async fn rapid_reset_is_cut_off_at_the_limit() {
    let mut a = target(Config::default(), App::Ignore).await;
    let mut peer = RawPeer::new();
    let mut wire = Vec::new();
    for i in 0..3000u32 {
        let id = 1 + 2 * i;
        wire.extend(syn(&mut peer, id, &RawPeer::request("/"), false));
        wire.extend(rst(id, RstStatus::CANCEL));
    }
    a.send(&wire).await;
    a.drain().await;
    a.report("rapid reset", wire.len(), None);
    a.assert_reaction("rapid reset").await;
    assert_eq!(a.goaway(), Some(GoAwayStatus::PROTOCOL_ERROR));
    let stats = a.stats();
    assert_eq!(stats.frames_received[3], 1001, "{stats:?}");
    assert_eq!(stats.frames_received[1], 1001, "{stats:?}");
    assert_eq!(stats.streams, 0, "nothing held after the resets: {stats:?}");
    // Only the GOAWAY: the server did no work for the churned streams on the wire.
    assert_eq!(a.answers().len(), 1, "{}", a.show());
}

/// huge unknown frames: four control frames of unknown type 0xf0 with 2 MiB of payload
/// each. No reaction: they are skipped as they stream past — the server's undecoded input
/// stays below one control frame's limit and its memory below one such frame — and the
/// server still answers a PING afterwards.
#[tokio::test]
async fn huge_unknown_frames_stream_past() {
    let mut a = target(Config::default(), App::Serve(0)).await;
    let wire = unknown(2 << 20).repeat(4);
    let (most_buffered, counts) = measure(async {
        let mut most = 0;
        for piece in wire.chunks(128 * 1024) {
            assert!(
                a.send(piece).await,
                "the server stopped reading: {}",
                a.show()
            );
            tokio::task::yield_now().await; // let the driver run before sampling
            most = most.max(a.stats().input_buffered);
        }
        a.sync().await;
        most
    })
    .await;
    a.report("huge unknown frames", wire.len(), Some(counts));
    eprintln!("huge unknown frames: at most {most_buffered} B of input held");
    a.assert_reaction("huge unknown frames").await;
    assert_eq!(a.stats().frames_received[9], 4);
    assert!(
        matches!(a.answers(), [Frame::Ping(_)]),
        "only the echo: {}",
        a.show()
    );
    let control = Config::default().decoder.max_control_payload as usize;
    assert!(most_buffered <= control, "{most_buffered} B of input held");
    assert!(counts.peak < MIB, "{counts:?}");
}

// ------------------------------------------------------------------ header blocks

/// zlib bomb: one header of 8 MiB of one letter, a few KB compressed. GOAWAY
/// PROTOCOL_ERROR; inflation stops at `max_inflated`, so the server's memory stays below
/// 2 MiB while the bomb would take 8.
#[tokio::test]
async fn a_zlib_bomb_ends_the_session_without_inflating_it_all() {
    let mut a = target(Config::default(), App::Serve(0)).await;
    let wire = {
        // Dynamic codes pack a run tighter than the default fixed ones.
        let mut peer = RawPeer::with_compression(CompressionOptions {
            level: 9,
            strategy: Strategy::Dynamic,
        });
        let mut bomb = RawPeer::request("/");
        bomb.insert("x-bomb", "z".repeat(8 << 20));
        syn(&mut peer, 1, &bomb, true)
    };
    assert!(
        wire.len() < 64 * 1024,
        "fits a control frame: {}",
        wire.len()
    );
    let ((), counts) = measure(async {
        a.send(&wire).await;
        a.drain().await;
    })
    .await;
    a.report("zlib bomb", wire.len(), Some(counts));
    a.assert_reaction("zlib bomb").await;
    assert_eq!(a.goaway(), Some(GoAwayStatus::PROTOCOL_ERROR));
    assert_eq!(a.answers().len(), 1, "only the GOAWAY: {}", a.show());
    assert!(counts.peak < 2 * MIB, "{counts:?}");
    assert!(counts.bytes < 4 * MIB as u64, "{counts:?}");
}

/// maximum-size header blocks: 20 requests whose header blocks inflate to exactly
/// `max_block`, alternately to one byte more. RST_STREAM FRAME_TOO_LARGE for each block
/// over the limit, a reply to each one at it, and the session stays up; the memory held is
/// the accepted blocks' (each waits for the application), no more.
#[tokio::test]
async fn maximum_size_header_blocks_are_accepted_and_larger_ones_reset() {
    let limit = Config::default().header_limits.max_block;
    let mut a = target(Config::default(), App::Respond).await;
    let mut peer = RawPeer::new();
    let mut wire = Vec::new();
    for i in 0..20u32 {
        let size = limit + (i % 2) as usize;
        wire.extend(syn(
            &mut peer,
            1 + 2 * i,
            &request_of_block_size(size),
            true,
        ));
    }
    let (answered, counts) = measure(async {
        a.send(&wire).await;
        a.read_until(|f| {
            let replies = f.iter().filter(|f| matches!(f, Frame::SynReply(_))).count();
            let resets = f
                .iter()
                .filter(|f| matches!(f, Frame::RstStream(_)))
                .count();
            replies >= 10 && resets >= 10
        })
        .await
    })
    .await;
    a.sync().await;
    a.report("maximum-size header blocks", wire.len(), Some(counts));
    assert!(answered, "{}", a.show());
    a.assert_reaction("maximum-size header blocks").await;
    assert_eq!(a.goaway(), None);
    let over: Vec<u32> = (0..10).map(|i| 3 + 4 * i).collect();
    assert_eq!(a.resets(RstStatus::FRAME_TOO_LARGE), over);
    let mut replied: Vec<u32> = a
        .frames
        .iter()
        .filter_map(|f| match f {
            Frame::SynReply(r) => Some(r.stream_id),
            _ => None,
        })
        .collect();
    replied.sort_unstable();
    assert_eq!(replied, (0..10).map(|i| 1 + 4 * i).collect::<Vec<u32>>());
    let stats = a.stats();
    assert_eq!(stats.frames_received[1], 20, "{stats:?}");
    assert_eq!(stats.stream_errors_sent, 10, "{stats:?}");
    assert_eq!(stats.streams, 0, "every request served and gone: {stats:?}");
    // At most the ten accepted header sets at once, plus the server's buffers.
    assert!(counts.peak < 10 * limit as i64 + MIB, "{counts:?}");
}

// ------------------------------------------------------------------ the claim and the ids

/// SETTINGS claiming 2^32−1 entries: a SETTINGS frame whose count claims 2^32−1 entries in
/// a length that holds one. GOAWAY PROTOCOL_ERROR; the claim is checked against the
/// length, so nothing is allocated for it.
#[tokio::test]
async fn settings_claiming_billions_of_entries_end_the_session_unallocated() {
    let mut a = target(Config::default(), App::Serve(0)).await;
    let wire = [
        0x80, 3, 0, 4, 0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 1,
    ];
    let ((), counts) = measure(async {
        a.send(&wire).await;
        a.drain().await;
    })
    .await;
    a.report("SETTINGS claiming 2^32−1 entries", wire.len(), Some(counts));
    a.assert_reaction("SETTINGS claiming 2^32−1 entries").await;
    assert_eq!(a.goaway(), Some(GoAwayStatus::PROTOCOL_ERROR));
    assert_eq!(a.answers().len(), 1, "only the GOAWAY: {}", a.show());
    // The read buffer and the GOAWAY; the claim alone would be 32 GiB.
    assert!(counts.peak < MIB, "{counts:?}");
}

/// stream-id exhaustion: the peer opens the last stream id (2^31−1), then goes on with
/// another. GOAWAY PROTOCOL_ERROR naming the last id as the last good one; the second
/// stream is never opened.
#[tokio::test]
async fn a_stream_past_the_last_id_ends_the_session() {
    let mut a = target(Config::default(), App::Respond).await;
    let mut peer = RawPeer::new();
    let mut wire = syn(&mut peer, 0x7fff_ffff, &RawPeer::request("/"), true);
    wire.extend(syn(&mut peer, 1, &RawPeer::request("/"), true));
    a.send(&wire).await;
    a.drain().await;
    a.report("stream-id exhaustion", wire.len(), None);
    a.assert_reaction("stream-id exhaustion").await;
    let goaway = a.frames.iter().find_map(|f| match f {
        Frame::GoAway(g) => Some(*g),
        _ => None,
    });
    let goaway = goaway.unwrap_or_else(|| panic!("no GOAWAY: {}", a.show()));
    assert_eq!(goaway.status, GoAwayStatus::PROTOCOL_ERROR);
    assert_eq!(goaway.last_good_stream_id, 0x7fff_ffff);
    assert_eq!(a.stats().frames_received[1], 2);
    assert_eq!(
        a.count(|f| matches!(f, Frame::SynReply(r) if r.stream_id == 1)),
        0,
        "{}",
        a.show()
    );
}

// ------------------------------------------------------------------ streams and windows

/// concurrent-stream overrun: 300 streams opened without FIN that the application never
/// answers. The 44 past `max_concurrent_streams` (256) get RST_STREAM REFUSED_STREAM, the
/// session stays up holding exactly 256.
#[tokio::test]
async fn streams_past_the_concurrency_limit_are_refused() {
    let mut a = target(Config::default(), App::Ignore).await;
    let mut peer = RawPeer::new();
    let mut wire = Vec::new();
    for i in 0..300u32 {
        wire.extend(syn(&mut peer, 1 + 2 * i, &RawPeer::request("/"), false));
    }
    a.send(&wire).await;
    let refused = a
        .read_until(|f| {
            f.iter()
                .filter(|f| matches!(f, Frame::RstStream(_)))
                .count()
                >= 44
        })
        .await;
    a.sync().await;
    a.report("concurrent-stream overrun", wire.len(), None);
    assert!(refused, "{}", a.show());
    a.assert_reaction("concurrent-stream overrun").await;
    assert_eq!(a.goaway(), None);
    let last_44: Vec<u32> = (256..300).map(|i| 1 + 2 * i).collect();
    assert_eq!(a.resets(RstStatus::REFUSED_STREAM), last_44);
    let stats = a.stats();
    let limit = Config::default().max_concurrent_streams as usize;
    assert_eq!(stats.active_remote, limit, "{stats:?}");
    assert!(stats.streams <= limit, "{stats:?}");
    // Nothing but the resets and the echo: the held streams cost no answers.
    assert_eq!(a.answers().len(), 44 + 1, "{}", a.show());
}

/// data past the window: the application never reads stream 1; the peer sends 1 MiB on
/// it, four times the stream window. RST_STREAM FLOW_CONTROL_ERROR on stream 1, once; the
/// data buffered stays within the window, which is never reopened, and the session stays
/// up.
#[tokio::test]
async fn data_past_the_window_resets_the_stream() {
    let mut a = target(Config::default(), App::Ignore).await;
    let mut peer = RawPeer::new();
    let mut wire = syn(&mut peer, 1, &RawPeer::request("/"), false);
    wire.extend(RawPeer::data(1, &[7; 16 * 1024], false).repeat(64));
    let ((reset, most_unread), counts) = measure(async {
        // In socket-sized pieces, watching what the server holds unread after each.
        let mut most = 0;
        for piece in wire.chunks(64 * 1024) {
            assert!(
                a.send(piece).await,
                "the server stopped reading: {}",
                a.show()
            );
            tokio::task::yield_now().await; // let the driver run before sampling
            most = most.max(a.stats().recv_buffered);
        }
        let reset = a
            .read_until(|f| f.iter().any(|f| matches!(f, Frame::RstStream(_))))
            .await;
        a.sync().await;
        (reset, most)
    })
    .await;
    a.report("data past the window", wire.len(), Some(counts));
    assert!(reset, "{}", a.show());
    a.assert_reaction("data past the window").await;
    assert_eq!(a.goaway(), None);
    assert_eq!(a.resets(RstStatus::FLOW_CONTROL_ERROR), [1], "{}", a.show());
    assert_eq!(a.count(|f| matches!(f, Frame::RstStream(_))), 1);
    assert_eq!(
        a.count(|f| matches!(f, Frame::WindowUpdate(w) if w.stream_id == 1)),
        0,
        "nobody read: the stream window stays shut"
    );
    let window = Config::default().initial_window as usize;
    eprintln!("data past the window: at most {most_unread} B unread");
    assert!(most_unread <= window, "{most_unread} B unread");
    let stats = a.stats();
    assert!(stats.recv_buffered <= window, "{stats:?}");
    // The memory behind those bytes is not bounded by the window over tokio: see
    // `unread_data_in_small_reads_pins_a_read_buffer_per_read`.
    let _ = counts;
}

/// unread data pinning input blocks: the application never reads stream 1 and the peer
/// sends 90 DATA frames, each read by the server on its own (a PING round trip after each):
/// 90 tiny ones, then 90 of 2 KiB. Unread payloads are slices of the driver's read blocks,
/// and a slice keeps its block alive; the session lets slices pin at most `max_held_blocks`
/// (16) blocks and copies the rest (and every payload under 1 KiB), so the memory held is
/// the unread bytes and at most 16 read blocks, not a block per read (which was ~23 MB).
/// The driver fills a block across reads (32 KiB blocks for small reads), so here the 45
/// slices share 4 blocks (14 reads of 2 KiB fit in one).
#[tokio::test]
async fn unread_data_in_small_reads_pins_few_read_blocks() {
    // A stream window large enough for all of it: the point is memory, not windows.
    let config = Config {
        initial_window: 256 * 1024,
        ..Config::default()
    };
    let mut a = target(config, App::Ignore).await;
    let mut peer = RawPeer::new();
    a.send(&syn(&mut peer, 1, &RawPeer::request("/"), false))
        .await;
    a.sync().await;
    let tiny = RawPeer::data(1, &[7; 16], false);
    let small = RawPeer::data(1, &[7; 2048], false);
    // 2 × 45 round trips each: within the PING flood limit (100 per 10 s).
    let mut peaks = Vec::new();
    for frame in [&tiny, &small] {
        let ((), counts) = measure(async {
            for _ in 0..45 {
                a.send(frame).await;
                a.sync().await;
            }
        })
        .await;
        a.report(
            "data past the window, small reads",
            45 * frame.len(),
            Some(counts),
        );
        peaks.push(counts.peak);
    }
    assert_eq!(a.reaction().await, "no error");
    let stats = a.stats();
    assert_eq!(stats.recv_buffered, 45 * (16 + 2048), "{stats:?}");
    assert_eq!(stats.held_blocks, 4, "{stats:?}");
    // Tiny payloads are copied: a read block at most, not one per read.
    assert!(peaks[0] < 512 * KIB, "{peaks:?}");
    // 2 KiB payloads: held as slices, all of one read block.
    assert!(peaks[1] < 512 * KIB, "{peaks:?}");
}

/// zero-window hold: the peer asks for 64 MiB and opens no window beyond the 64 KiB
/// default. While it reads nothing, the server sends one window and queues no more than
/// `max_stream_send_buffer`; once it reads, still one window. Then it dribbles 1-byte
/// WINDOW_UPDATEs for the stream and the session: each pair gets exactly one 1-byte DATA
/// frame, and the server's data sent grows by exactly the bytes granted.
#[tokio::test]
async fn a_zero_window_holds_the_server_to_what_was_granted() {
    let config = Config::default();
    let mut a = target(config.clone(), App::Serve(64 << 20)).await;
    let mut peer = RawPeer::new();
    a.send(&syn(&mut peer, 1, &RawPeer::request("/big"), true))
        .await;
    // A reader that never reads: watch the server's stats until its window is spent.
    let spent = timeout(WAIT, async {
        while a.conn.stats().data_sent < 65_536 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(spent.is_ok(), "{:?}", a.stats());
    let stats = a.stats();
    assert_eq!(
        stats.data_sent, 65_536,
        "beyond the peer's window: {stats:?}"
    );
    assert!(
        stats.send_buffered <= config.max_stream_send_buffer,
        "{stats:?}"
    );
    assert!(stats.send_buffered <= config.max_send_buffer, "{stats:?}");
    // Now read: one window's worth of DATA, and nothing more after a round trip.
    let data = |f: &[Frame]| -> usize {
        f.iter()
            .map(|f| match f {
                Frame::Data(d) if d.stream_id == 1 => d.payload.len(),
                _ => 0,
            })
            .sum()
    };
    assert!(a.read_until(|f| data(f) >= 65_536).await, "{}", a.show());
    a.sync().await;
    assert_eq!(data(&a.frames), 65_536, "{}", a.show());
    assert_eq!(a.stats().data_sent, 65_536);
    let frames_before = a.count(|f| matches!(f, Frame::Data(_)));
    // The dribble: one byte more on the stream and on the session per round.
    const ROUNDS: usize = 200;
    let mut dribble = wu(1, 1);
    dribble.extend(wu(0, 1));
    for round in 1..=ROUNDS {
        assert!(a.send(&dribble).await);
        let granted = 65_536 + round;
        assert!(
            a.read_until(|f| data(f) >= granted).await,
            "round {round}: {}",
            a.show()
        );
    }
    a.sync().await;
    a.report("zero-window hold", 0, None);
    a.assert_reaction("zero-window hold").await;
    let stats = a.stats();
    assert_eq!(stats.data_sent, 65_536 + ROUNDS as u64, "{stats:?}");
    assert_eq!(data(&a.frames), 65_536 + ROUNDS);
    let dribbled: Vec<usize> = a
        .frames
        .iter()
        .filter_map(|f| match f {
            Frame::Data(d) => Some(d.payload.len()),
            _ => None,
        })
        .skip(frames_before)
        .collect();
    assert_eq!(dribbled, vec![1; ROUNDS], "one 1-byte frame per update");
    assert!(
        stats.send_buffered <= config.max_stream_send_buffer,
        "{stats:?}"
    );
}

// ------------------------------------------------------------------ timers

/// silent connection and slowloris: a peer that never sends a frame gets GOAWAY OK at the
/// first-frame timeout; one that sends a PING, then dribbles a SYN_STREAM one byte every
/// 50 ms, gets GOAWAY PROTOCOL_ERROR at the frame-completion timeout with only the PING
/// processed and echoed.
#[tokio::test]
async fn silent_connections_and_slowloris_are_timed_out() {
    // Silent: never sends a frame.
    let mut a = target(short_timers(), App::Serve(0)).await;
    a.drain().await;
    a.report("silent connection", 0, None);
    a.assert_reaction("silent connection").await;
    assert_eq!(a.goaway(), Some(GoAwayStatus::OK));
    assert_eq!(a.answers().len(), 1, "only the GOAWAY: {}", a.show());
    assert_eq!(a.stats().frames_received.iter().sum::<u64>(), 0);

    // Slowloris: the first half of a SYN_STREAM, a byte every 50 ms, until the GOAWAY.
    let mut a = target(short_timers(), App::Serve(0)).await;
    a.send(&ping(1)).await;
    let mut peer = RawPeer::new();
    let frame = syn(&mut peer, 1, &RawPeer::request("/"), true);
    let mut fed = 0;
    for b in &frame[..frame.len() / 2] {
        if a.goaway().is_some() || !a.send(&[*b]).await {
            break;
        }
        fed += 1;
        let _ = timeout(Duration::from_millis(50), a.read_some()).await;
    }
    a.drain().await;
    a.report("slowloris", 12 + fed, None);
    a.assert_reaction("slowloris").await;
    assert_eq!(a.goaway(), Some(GoAwayStatus::PROTOCOL_ERROR));
    let stats = a.stats();
    assert_eq!(
        stats.frames_received.iter().sum::<u64>(),
        1,
        "the PING: {stats:?}"
    );
    assert!(
        matches!(a.answers(), [Frame::Ping(_), Frame::GoAway(_)]),
        "the echo and the GOAWAY: {}",
        a.show()
    );
}

/// idle connection: one request served, then nothing. GOAWAY OK at the idle timeout,
/// naming the served stream as the last good one; nothing else is sent.
#[tokio::test]
async fn an_idle_connection_is_closed() {
    let mut a = target(short_timers(), App::Respond).await;
    let mut peer = RawPeer::new();
    a.send(&syn(&mut peer, 1, &RawPeer::request("/"), true))
        .await;
    a.drain().await;
    a.report("idle connection", 0, None);
    a.assert_reaction("idle connection").await;
    assert!(
        matches!(
            a.answers(),
            [Frame::SynReply(r), Frame::GoAway(g)]
                if r.stream_id == 1 && r.fin && g.status == GoAwayStatus::OK
                    && g.last_good_stream_id == 1
        ),
        "the reply and the GOAWAY: {}",
        a.show()
    );
    let stats = a.stats();
    assert_eq!(stats.frames_received.iter().sum::<u64>(), 1, "{stats:?}");
    assert_eq!(stats.streams, 0, "{stats:?}");
}

// ------------------------------------------------------------------ coverage

/// Every attack of the Session battery's TABLE is named in the doc comment of a test here.
#[test]
fn every_attack_of_the_table_is_met_here() {
    let src = include_str!("hostile_tokio.rs");
    let mut docs: Vec<String> = Vec::new();
    let mut block: Vec<&str> = Vec::new();
    for line in src.lines() {
        let line = line.trim();
        if let Some(doc) = line.strip_prefix("///") {
            block.push(doc.trim());
        } else {
            if line == "#[tokio::test]" && !block.is_empty() {
                docs.push(block.join(" "));
            }
            if !line.starts_with("#[") {
                block.clear();
            }
        }
    }
    let table = table();
    assert_eq!(table.len(), 18, "{table:?}");
    for (attack, _) in table {
        assert!(
            docs.iter().any(|d| d.contains(attack)),
            "no test here names {attack:?}"
        );
    }
}

/// How a connection falls quiet after an upload.
enum Quiet {
    /// PING round trips: small reads only.
    SmallReads,
    /// Nothing at all, for longer than the driver waits before giving blocks back (1 s).
    Silence,
}

/// Not an attack: the read buffers of a connection that falls quiet. A 4 MiB upload, read
/// at once by the application, makes the driver switch to large read blocks and keep
/// retired ones for reuse; once the connection is quiet, it must hold none of them.
async fn large_read_blocks_after_an_upload(quiet: Quiet) {
    // Windows that hold the whole upload, so the raw peer needs no WINDOW_UPDATEs.
    let config = Config {
        initial_window: 8 << 20,
        session_window: 8 << 20,
        ..Config::default()
    };
    let mut a = target(config, App::Read).await;
    let mut peer = RawPeer::new();
    let mut upload = syn(&mut peer, 1, &RawPeer::request("/upload"), false);
    let frame = RawPeer::data(1, &[7; 16 * 1024], false);
    for _ in 0..256 {
        upload.extend_from_slice(&frame);
    }
    let ((), counts) = measure(async {
        a.send(&upload).await;
        a.sync().await;
        match quiet {
            Quiet::SmallReads => {
                for _ in 0..8 {
                    a.sync().await;
                }
            }
            Quiet::Silence => tokio::time::sleep(Duration::from_millis(1500)).await,
        }
    })
    .await;
    assert_eq!(a.reaction().await, "no error");
    assert_eq!(a.stats().data_received, 256 * 16 * 1024);
    assert!(
        counts.peak >= 256 * KIB,
        "large blocks were used: {counts:?}"
    );
    assert!(
        counts.live < 128 * KIB,
        "nothing large is held once quiet: {counts:?}"
    );
}

#[tokio::test]
async fn a_connection_reading_small_again_gives_its_large_read_blocks_back() {
    large_read_blocks_after_an_upload(Quiet::SmallReads).await;
}

#[tokio::test]
async fn a_connection_silent_after_an_upload_gives_its_large_read_blocks_back() {
    large_read_blocks_after_an_upload(Quiet::Silence).await;
}
