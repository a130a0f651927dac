//! The hostile-peer battery against a server `Session`: a scripted peer runs each attack of
//! the threat list at two sizes, the second ten times the first. Each test asserts the
//! reaction (GOAWAY, RST_STREAM, or a limit that holds) and that the work and memory the
//! attack costs are bounded — by counting the bytes and frames the session answers, the
//! frames it processed and the allocations it made (a counting allocator, per thread), never
//! by timing. The tokio server meets the attacks over loopback in `hostile_tokio.rs`, the
//! Node server in `js/test/hostile.test.js`. FUZZING.md's table states every attack's
//! reaction and bound; `the_table_in_fuzzing_md_states_every_reaction` keeps it true.
//! Run with `--nocapture` to see the measured figures.

use bytes::Bytes;
use spdy3::frame::*;
use spdy3::header_block::{CompressionOptions, HeaderList, Strategy};
use spdy3::session::*;
use spdy3::testing::{encode, RawPeer, Sent};
use spdy3::time::{Duration, Instant};

// ------------------------------------------------------------------ counting allocator

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{Counting, Counts};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` with the counters at zero and returns what it allocated.
fn measure(f: impl FnOnce()) -> Counts {
    counting_alloc::reset();
    f();
    counting_alloc::counts()
}

// ------------------------------------------------------------------ the target

/// Bytes handed to the session per call, as a socket read would.
const CHUNK: usize = 16 * 1024;
const KIB: i64 = 1024;

/// What the server application does with the peer's streams.
#[derive(Clone, Copy, PartialEq, Eq)]
enum App {
    /// Takes events and does nothing: never replies, never reads.
    Ignore,
    /// Replies `200` with FIN to every stream and reads everything.
    ReplyAndRead,
    /// Replies `200` and sends this many bytes on every stream, as fast as it is let.
    Serve(usize),
    /// Reads every stream but stream 1, replies to none.
    ReadAllButOne,
}

/// A server session under attack, driven as an adapter drives it.
struct Target {
    s: Session,
    now: Instant,
    app: App,
    /// Everything the session answered during the attack, preallocated so that collecting
    /// it allocates nothing.
    wire: Vec<u8>,
    /// Bytes the application still has to send, per stream (for `App::Serve`).
    to_send: Vec<(u32, usize)>,
    body: Bytes,
    reason: Option<SessionError>,
}

/// The result of one run of an attack.
struct Outcome {
    fed: usize,
    answer: Vec<Sent>,
    answer_bytes: usize,
    stats: Stats,
    counts: Counts,
    reason: Option<SessionError>,
}

impl Target {
    fn new(config: Config, app: App) -> Target {
        let now = Instant(0);
        let mut s = Session::server(config, now);
        let mut start = Vec::new();
        while s.poll_transmit(now, &mut start, usize::MAX) > 0 {}
        Target {
            s,
            now,
            app,
            wire: Vec::with_capacity(4 << 20),
            to_send: Vec::new(),
            body: Bytes::from(vec![0x5a; 256 * 1024]),
            reason: None,
        }
    }

    /// Feeds `bytes` in socket-sized reads, pumping after each; reads after the session
    /// ended are offered too (they must cost nothing).
    fn feed(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(CHUNK) {
            self.s.handle_bytes(chunk, self.now);
            self.pump();
        }
    }

    /// Moves the clock to each timer in turn, at most `limit` times or until `until`.
    fn run_timers(&mut self, until: Instant, limit: usize) {
        for _ in 0..limit {
            match self.s.poll_timeout() {
                Some(at) if at <= until => {
                    self.now = at;
                    self.s.handle_timeout(at);
                    self.pump();
                }
                _ => return,
            }
        }
    }

    /// Drains output and lets the application handle every event.
    fn pump(&mut self) {
        loop {
            while self.s.poll_transmit(self.now, &mut self.wire, usize::MAX) > 0 {}
            let Some(event) = self.s.poll_event() else {
                return;
            };
            self.on_event(event);
        }
    }

    fn on_event(&mut self, event: Event) {
        match (event, self.app) {
            (Event::Closed(e), _) => self.reason = Some(e),
            (Event::StreamOpened { stream_id, .. }, App::ReplyAndRead) => {
                let _ = self.s.reply(stream_id, RawPeer::response(), true);
            }
            (Event::Readable { stream_id }, App::ReadAllButOne) if stream_id != 1 => {
                while let Ok(Read::Data(_)) = self.s.read(stream_id, usize::MAX) {}
            }
            (Event::Readable { stream_id }, App::ReplyAndRead) => {
                while let Ok(Read::Data(_)) = self.s.read(stream_id, usize::MAX) {}
            }
            (Event::StreamOpened { stream_id, .. }, App::Serve(len)) => {
                let _ = self.s.reply(stream_id, RawPeer::response(), false);
                self.to_send.push((stream_id, len));
                self.send_more(stream_id);
            }
            (Event::Writable { stream_id }, App::Serve(_)) => self.send_more(stream_id),
            _ => {}
        }
    }

    fn send_more(&mut self, stream_id: u32) {
        let Some(slot) = self.to_send.iter_mut().find(|(id, _)| *id == stream_id) else {
            return;
        };
        while slot.1 > 0 {
            let piece = self.body.slice(..slot.1.min(self.body.len()));
            let fin = piece.len() == slot.1;
            match self.s.send_data(stream_id, piece, fin) {
                Ok(0) | Err(_) => return,
                Ok(n) => slot.1 -= n,
            }
        }
    }

    /// Runs `attack` under the counting allocator and decodes what the session answered.
    fn outcome(mut self, fed: usize, attack: impl FnOnce(&mut Target)) -> Outcome {
        let counts = measure(|| attack(&mut self));
        let answer_bytes = self.wire.len();
        let answer = RawPeer::new().receive(&self.wire);
        Outcome {
            fed,
            answer,
            answer_bytes,
            stats: self.s.stats(),
            counts,
            reason: self.reason.or(self.s.close_reason()),
        }
    }
}

impl Outcome {
    /// The reaction as FUZZING.md's table states it: the session error, or the RST_STREAM
    /// statuses sent, or "no error".
    fn reaction(&self) -> String {
        if let Some(e) = self.reason {
            return e.to_string();
        }
        let mut statuses: Vec<String> = Vec::new();
        for sent in &self.answer {
            if let Frame::RstStream(r) = sent.frame {
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

    fn frames(&self, pick: impl Fn(&Frame) -> bool) -> usize {
        self.answer.iter().filter(|s| pick(&s.frame)).count()
    }

    fn processed(&self) -> u64 {
        self.stats.frames_received.iter().sum()
    }

    fn report(&self, name: &str, scale: u32) {
        eprintln!(
            "{name} ×{scale}: fed {} B, answered {} B in {} frames, processed {} frames, \
             {} allocations of {} B, peak {} B live — {}",
            self.fed,
            self.answer_bytes,
            self.answer.len(),
            self.processed(),
            self.counts.allocations,
            self.counts.bytes,
            self.counts.peak,
            self.reaction()
        );
    }
}

/// Runs an attack at sizes 1 and 10, checks the reaction against the table, and returns
/// both outcomes for the attack's own bounds.
fn run_at_two_sizes(name: &str, attack: impl Fn(u32) -> Outcome) -> (Outcome, Outcome) {
    let row = TABLE
        .iter()
        .find(|r| r.0 == name)
        .unwrap_or_else(|| panic!("{name} is not in TABLE"));
    let small = attack(1);
    let big = attack(10);
    small.report(name, 1);
    big.report(name, 10);
    assert_eq!(small.reaction(), row.1, "{name} ×1");
    assert_eq!(big.reaction(), row.1, "{name} ×10");
    (small, big)
}

/// An attack that ends the session costs the same at ten times the size: the work stops
/// at the limit.
fn assert_stops_at_the_limit(small: &Outcome, big: &Outcome) {
    assert_eq!(big.processed(), small.processed());
    assert_eq!(big.answer_bytes, small.answer_bytes);
    assert_eq!(big.counts.allocations, small.counts.allocations);
    assert_eq!(big.counts.peak, small.counts.peak);
}

/// Every attack with the reaction it gets and the bound that holds, as in FUZZING.md.
const TABLE: &[(&str, &str, &str)] = &[
    (
        "PING flood",
        "PING flood; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "≤ 100 PINGs answered per 10 s; work stops at the limit",
    ),
    (
        "SETTINGS flood",
        "SETTINGS flood; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "≤ 100 SETTINGS per 10 s; work stops at the limit",
    ),
    (
        "rapid reset",
        "RST_STREAM flood; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "≤ 1,000 streams reset before any DATA per 10 s; one stream held at a time",
    ),
    (
        "empty-DATA flood",
        "empty DATA flood; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "≤ 1,000 empty DATA frames per 10 s",
    ),
    (
        "WINDOW_UPDATE flood",
        "WINDOW_UPDATE flood; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "≤ 10,000 unearned WINDOW_UPDATEs per 10 s",
    ),
    (
        "unknown-type flood",
        "unknown frame flood; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "≤ 100 unknown frames per 10 s",
    ),
    (
        "huge unknown frames",
        "no error",
        "skipped as they stream past: memory independent of their size (S-9)",
    ),
    (
        "zlib bomb",
        "protocol error (S-30); GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "inflation stops at 1 MiB (`max_inflated`)",
    ),
    (
        "maximum-size header blocks",
        "RST_STREAM FRAME_TOO_LARGE (11)",
        "blocks ≤ 64 KiB (`max_block`) accepted, larger ones reset; header sets awaiting the application ≤ 256 × 64 KiB (`max_concurrent_streams` × `max_block`)",
    ),
    (
        "SETTINGS claiming 2^32−1 entries",
        "protocol error (S-10); GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "the count is checked against the length: no allocation for the claim",
    ),
    (
        "stream-id exhaustion",
        "protocol error (S-15); GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "a peer past the last id cannot open more streams",
    ),
    (
        "concurrent-stream overrun",
        "RST_STREAM REFUSED_STREAM (3)",
        "≤ 256 streams held (`max_concurrent_streams`), the rest refused",
    ),
    (
        "data past the window",
        "RST_STREAM FLOW_CONTROL_ERROR (7)",
        "≤ 64 KiB buffered for a stream nobody reads (the stream window, S-57)",
    ),
    (
        "unread data pinning input blocks",
        "no error",
        "unread payloads kept as slices pin ≤ 16 input blocks (`max_held_blocks`), the rest and every payload < 1 KiB copied",
    ),
    (
        "zero-window hold",
        "no error",
        "≤ one window sent and ≤ 512 KiB queued per stream (`max_stream_send_buffer`); 1-byte updates get 1-byte frames",
    ),
    (
        "silent connection",
        "first frame timeout; GOAWAY OK (0), initiated by Library",
        "closed 30 s after connecting (`timeouts.first_frame`)",
    ),
    (
        "idle connection",
        "idle timeout; GOAWAY OK (0), initiated by Library",
        "closed after 300 s without streams (`timeouts.idle`)",
    ),
    (
        "slowloris",
        "frame completion timeout; GOAWAY PROTOCOL_ERROR (1), initiated by Library",
        "a frame must complete within 30 s (`timeouts.frame_completion`)",
    ),
];

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

fn empty_settings() -> Vec<u8> {
    encode(&Frame::Settings(Settings {
        clear_settings: false,
        entries: Vec::new(),
    }))
}

/// A control frame of unknown type 0xf0 with `len` bytes of payload.
fn unknown(len: usize) -> Vec<u8> {
    let mut v = vec![0x80, 3, 0, 0xf0, 0];
    v.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    v.resize(8 + len, 0xee);
    v
}

fn repeat(frame: &[u8], n: usize) -> Vec<u8> {
    frame.repeat(n)
}

/// Runs `bytes` against a fresh default server with `app`.
fn attack_with(app: App, bytes: Vec<u8>) -> Outcome {
    let t = Target::new(Config::default(), app);
    t.outcome(bytes.len(), |t| t.feed(&bytes))
}

fn syn(peer: &mut RawPeer, id: u32, headers: &HeaderList, fin: bool) -> Vec<u8> {
    peer.syn_stream(id, 0, headers, fin, false)
}

// ------------------------------------------------------------------ floods

fn flood(scale: u32, one: &[u8], count: usize, app: App, prefix: Vec<u8>) -> Outcome {
    let mut bytes = prefix;
    bytes.extend(repeat(one, count * scale as usize));
    attack_with(app, bytes)
}

#[test]
fn ping_flood() {
    let (small, big) = run_at_two_sizes("PING flood", |scale| {
        flood(scale, &ping(1), 1000, App::Ignore, Vec::new())
    });
    // Echoes queued before the flood was seen are dropped with the session.
    assert!(small.frames(|f| matches!(f, Frame::Ping(_))) <= 100);
    assert_stops_at_the_limit(&small, &big);
    assert!(small.counts.peak < 64 * KIB, "{:?}", small.counts);
}

#[test]
fn settings_flood() {
    let (small, big) = run_at_two_sizes("SETTINGS flood", |scale| {
        flood(scale, &empty_settings(), 1000, App::Ignore, Vec::new())
    });
    assert_eq!(small.stats.frames_received[4], 101);
    assert_stops_at_the_limit(&small, &big);
    assert!(small.counts.peak < 64 * KIB, "{:?}", small.counts);
}

#[test]
fn rapid_reset() {
    let (small, big) = run_at_two_sizes("rapid reset", |scale| {
        let mut peer = RawPeer::new();
        let mut bytes = Vec::new();
        for i in 0..2000 * scale {
            let id = 1 + 2 * i;
            bytes.extend(syn(&mut peer, id, &RawPeer::request("/"), false));
            bytes.extend(rst(id, RstStatus::CANCEL));
        }
        attack_with(App::Ignore, bytes)
    });
    assert_eq!(small.stats.frames_received[3], 1001);
    assert_eq!(small.stats.streams, 0, "nothing held after the resets");
    assert_stops_at_the_limit(&small, &big);
    // A thousand streams came and went; what stays live is the input buffer, the
    // inflater's working set and the events of one 16 KiB read (about 400 SYN_STREAM +
    // RST_STREAM pairs fit one), not a thousand streams.
    assert!(small.counts.peak < 384 * KIB, "{:?}", small.counts);
}

#[test]
fn empty_data_flood() {
    let (small, big) = run_at_two_sizes("empty-DATA flood", |scale| {
        let mut peer = RawPeer::new();
        let open = syn(&mut peer, 1, &RawPeer::request("/"), false);
        flood(
            scale,
            &RawPeer::data(1, b"", false),
            2000,
            App::Ignore,
            open,
        )
    });
    assert_eq!(small.stats.frames_received[0], 1001);
    assert_stops_at_the_limit(&small, &big);
}

#[test]
fn window_update_flood() {
    let (small, big) = run_at_two_sizes("WINDOW_UPDATE flood", |scale| {
        flood(scale, &wu(0, 1), 20_000, App::Ignore, Vec::new())
    });
    assert_eq!(small.stats.frames_received[8], 10_001);
    assert_eq!(small.answer.len(), 1, "only the GOAWAY: {:?}", small.answer);
    assert_stops_at_the_limit(&small, &big);
    assert!(small.counts.peak < 64 * KIB, "{:?}", small.counts);
}

#[test]
fn unknown_type_flood() {
    let (small, big) = run_at_two_sizes("unknown-type flood", |scale| {
        flood(scale, &unknown(0), 200, App::Ignore, Vec::new())
    });
    assert_eq!(small.stats.frames_received[9], 101);
    assert_stops_at_the_limit(&small, &big);
}

#[test]
fn huge_unknown_frames() {
    // 4 and 40 frames of 2 MiB each (8 and 80 MiB): skipped, not buffered.
    let (small, big) = run_at_two_sizes("huge unknown frames", |scale| {
        flood(scale, &unknown(2 << 20), 4, App::Ignore, Vec::new())
    });
    assert_eq!(big.stats.frames_received[9], 40);
    assert_eq!(big.answer_bytes, 0);
    assert!(small.counts.peak < 128 * KIB, "{:?}", small.counts);
    assert!(
        big.counts.peak <= small.counts.peak,
        "{:?} vs {:?}",
        big.counts,
        small.counts
    );
    assert!(big.stats.input_buffered <= CHUNK);
}

// ------------------------------------------------------------------ header blocks

#[test]
fn zlib_bomb() {
    // One header of 4 or 40 MiB of one letter: a few KB compressed, a control frame below
    // the 64 KiB limit either way.
    let (small, big) = run_at_two_sizes("zlib bomb", |scale| {
        // Dynamic codes pack a run tighter than the default fixed ones.
        let mut peer = RawPeer::with_compression(CompressionOptions {
            level: 9,
            strategy: Strategy::Dynamic,
        });
        let mut bomb = RawPeer::request("/");
        bomb.insert("x-bomb", "z".repeat(4 << 20).repeat(scale as usize));
        let bytes = syn(&mut peer, 1, &bomb, true);
        assert!(bytes.len() < 64 * 1024, "{}", bytes.len());
        attack_with(App::Ignore, bytes)
    });
    for o in [&small, &big] {
        assert!(o.counts.peak < 2 * 1024 * KIB, "{:?}", o.counts);
        assert!(o.counts.bytes < 4 * 1024 * 1024, "{:?}", o.counts);
    }
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

#[test]
fn maximum_size_header_blocks() {
    // 10 and 100 streams, alternately at the limit and one byte over it.
    let limit = Config::default().header_limits.max_block;
    let (small, big) = run_at_two_sizes("maximum-size header blocks", |scale| {
        let mut peer = RawPeer::new();
        let mut bytes = Vec::new();
        for i in 0..10 * scale {
            let size = limit + (i % 2) as usize;
            bytes.extend(syn(
                &mut peer,
                1 + 2 * i,
                &request_of_block_size(size),
                true,
            ));
        }
        attack_with(App::ReplyAndRead, bytes)
    });
    for (o, n) in [(&small, 10), (&big, 100)] {
        let too_large = o.frames(|f| {
            matches!(f, Frame::RstStream(r) if r.status == RstStatus::FRAME_TOO_LARGE && r.stream_id % 4 == 3)
        });
        assert_eq!(too_large, n / 2, "every block over the limit is reset");
        assert_eq!(o.frames(|f| matches!(f, Frame::SynReply(_))), n / 2);
    }
    // Such a block compresses to ~200 bytes, so one large read holds hundreds, and every
    // accepted one waits for the application as an event: memory follows the streams
    // accepted per read, which the concurrency limit caps. 600 in one read: 256 accepted.
    let mut peer = RawPeer::new();
    let mut bytes = Vec::new();
    for i in 0..600 {
        bytes.extend(syn(
            &mut peer,
            1 + 2 * i,
            &request_of_block_size(limit),
            true,
        ));
    }
    let t = Target::new(Config::default(), App::ReplyAndRead);
    let o = t.outcome(bytes.len(), |t| {
        t.s.handle_bytes(&bytes, t.now);
        t.pump();
    });
    o.report("maximum-size header blocks, 600 in one read", 1);
    assert_eq!(o.frames(|f| matches!(f, Frame::SynReply(_))), 256);
    assert_eq!(
        o.frames(|f| matches!(f, Frame::RstStream(r) if r.status == RstStatus::REFUSED_STREAM)),
        600 - 256
    );
    let cap = 256 * limit as i64;
    assert!(o.counts.peak < cap + 1024 * KIB, "{:?}", o.counts);
    assert!(
        o.counts.peak > cap / 2,
        "the scenario reaches the cap: {:?}",
        o.counts
    );
}

#[test]
fn settings_claiming_billions_of_entries() {
    let (small, big) = run_at_two_sizes("SETTINGS claiming 2^32−1 entries", |scale| {
        // The count claims 2^32−1 entries, the length holds one (twice at the larger
        // size: the second is never read).
        let one = [
            0x80, 3, 0, 4, 0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 1,
        ];
        attack_with(App::Ignore, repeat(&one, scale as usize))
    });
    assert_eq!(small.answer.len(), 1, "{:?}", small.answer);
    // The input buffer's first block and the GOAWAY: nothing for the claimed entries.
    assert!(
        small.counts.bytes < (CHUNK + 1024) as u64,
        "{:?}",
        small.counts
    );
    assert_stops_at_the_limit(&small, &big);
}

#[test]
fn stream_id_exhaustion() {
    let (small, big) = run_at_two_sizes("stream-id exhaustion", |scale| {
        let mut peer = RawPeer::new();
        let mut bytes = syn(&mut peer, 0x7fff_ffff, &RawPeer::request("/"), true);
        for i in 0..scale {
            bytes.extend(syn(&mut peer, 1 + 2 * i, &RawPeer::request("/"), true));
        }
        attack_with(App::ReplyAndRead, bytes)
    });
    assert_eq!(small.stats.frames_received[1], 2);
    assert_stops_at_the_limit(&small, &big);
}

// ------------------------------------------------------------------ streams and windows

#[test]
fn concurrent_stream_overrun() {
    // 1,000 and 10,000 streams opened and never answered.
    let (small, big) = run_at_two_sizes("concurrent-stream overrun", |scale| {
        let mut peer = RawPeer::new();
        let mut bytes = Vec::new();
        for i in 0..1000 * scale {
            bytes.extend(syn(&mut peer, 1 + 2 * i, &RawPeer::request("/"), true));
        }
        attack_with(App::Ignore, bytes)
    });
    for (o, n) in [(&small, 1000), (&big, 10_000)] {
        assert_eq!(o.stats.streams, 256);
        assert_eq!(
            o.frames(|f| matches!(f, Frame::RstStream(r) if r.status == RstStatus::REFUSED_STREAM)),
            n - 256
        );
    }
    // The refused streams cost nothing that stays: the peak is the 256 held streams.
    assert!(
        big.counts.peak <= small.counts.peak + 64 * KIB,
        "{:?} vs {:?}",
        big.counts,
        small.counts
    );
}

#[test]
fn data_past_the_window() {
    // Nobody reads stream 1; the peer sends 1 or 10 MiB into its 64 KiB window.
    let (small, big) = run_at_two_sizes("data past the window", |scale| {
        let mut peer = RawPeer::new();
        let mut bytes = syn(&mut peer, 1, &RawPeer::request("/"), false);
        let frame = RawPeer::data(1, &[7; 16 * 1024], false);
        bytes.extend(repeat(&frame, 64 * scale as usize));
        attack_with(App::Ignore, bytes)
    });
    let window = Config::default().initial_window as usize;
    for o in [&small, &big] {
        assert_eq!(
            o.frames(|f| matches!(f, Frame::RstStream(r) if r.stream_id == 1)),
            1
        );
        // The window's data lives in the input buffer's blocks (received DATA is sliced
        // from them, not copied): about twice the window at the peak.
        assert!(o.counts.peak < 3 * window as i64, "{:?}", o.counts);
    }
    assert!(
        big.counts.peak <= small.counts.peak + 32 * KIB,
        "{:?} vs {:?}",
        big.counts,
        small.counts
    );
}

#[test]
fn unread_data_pinning_input_blocks() {
    // Each read carries 1 KiB for stream 1, which nobody reads, and 15 KiB for stream 3,
    // which is read at once: 24 and 240 reads. Were every unread payload a slice, each
    // would keep its read's whole input block alive.
    let (small, big) = run_at_two_sizes("unread data pinning input blocks", |scale| {
        let mut peer = RawPeer::new();
        let mut open = syn(&mut peer, 1, &RawPeer::request("/"), false);
        open.extend(syn(&mut peer, 3, &RawPeer::request("/"), false));
        let mut round = RawPeer::data(1, &[1; 1024], false);
        round.extend(RawPeer::data(3, &[3; 15 * 1024], false));
        let rounds = 24 * scale as usize;
        // A stream window large enough for all of it: the point is memory, not windows.
        let config = Config {
            initial_window: 256 * 1024,
            ..Config::default()
        };
        let t = Target::new(config, App::ReadAllButOne);
        t.outcome(open.len() + rounds * round.len(), |t| {
            t.feed(&open);
            for _ in 0..rounds {
                t.s.handle_bytes(&round, t.now);
                t.pump();
            }
        })
    });
    for (o, rounds) in [(&small, 24), (&big, 240)] {
        assert_eq!(o.stats.recv_buffered, rounds * 1024);
        assert_eq!(o.stats.held_blocks, rounds.min(16));
    }
    // The unread bytes, copied, and 16 pinned blocks at most.
    assert!(
        big.counts.peak < 240 * KIB + 16 * 64 * KIB,
        "{:?} vs {:?}",
        big.counts,
        small.counts
    );
}

#[test]
fn zero_window_hold() {
    // The peer asks for 64 MiB, never opens its 64 KiB windows, then dribbles 1,000 or
    // 10,000 one-byte WINDOW_UPDATEs for the stream and the session.
    let (small, big) = run_at_two_sizes("zero-window hold", |scale| {
        let mut peer = RawPeer::new();
        let open = syn(&mut peer, 1, &RawPeer::request("/big"), true);
        let n = 1000 * scale as usize;
        let t = Target::new(Config::default(), App::Serve(64 << 20));
        // One byte more on the stream and on the session per update pair.
        let mut dribble = wu(1, 1);
        dribble.extend(wu(0, 1));
        t.outcome(open.len() + n * dribble.len(), |t| {
            t.feed(&open);
            for _ in 0..n {
                t.feed(&dribble);
            }
        })
    });
    let queued = Config::default().max_stream_send_buffer;
    for (o, n) in [(&small, 1000u64), (&big, 10_000)] {
        assert_eq!(
            o.stats.data_sent,
            65_536 + n,
            "one window, then a byte per update"
        );
        assert!(o.stats.send_buffered <= queued, "{:?}", o.stats);
        let data = o.frames(|f| matches!(f, Frame::Data(_)));
        assert_eq!(
            data as u64,
            1 + n,
            "the window in one frame, then one per update"
        );
    }
    assert!(
        big.counts.peak <= small.counts.peak + 16 * KIB,
        "{:?} vs {:?}",
        big.counts,
        small.counts
    );
}

// ------------------------------------------------------------------ timers

fn timed(scale: u32, before: Vec<u8>, dribble: Option<(Vec<u8>, u64)>) -> Outcome {
    let t = Target::new(Config::default(), App::ReplyAndRead);
    let fed = before.len();
    t.outcome(fed, |t| {
        t.feed(&before);
        if let Some((bytes, every_ms)) = &dribble {
            for b in bytes.iter().take(4 * scale as usize) {
                t.run_timers(t.now + Duration::from_millis(*every_ms), 100);
                t.now = t.now + Duration::from_millis(*every_ms);
                t.s.handle_timeout(t.now);
                t.feed(&[*b]);
            }
        }
        t.run_timers(Instant(u64::MAX / 2), 100);
    })
}

#[test]
fn silent_connection() {
    let (small, _) = run_at_two_sizes("silent connection", |scale| {
        let o = timed(scale, Vec::new(), None);
        assert_eq!(o.answer.len(), 1, "only the GOAWAY: {:?}", o.answer);
        o
    });
    assert_eq!(small.reason.unwrap().initiator, Initiator::Library);
}

#[test]
fn idle_connection() {
    run_at_two_sizes("idle connection", |scale| {
        let mut peer = RawPeer::new();
        let mut bytes = Vec::new();
        for i in 0..scale {
            bytes.extend(syn(&mut peer, 1 + 2 * i, &RawPeer::request("/"), true));
        }
        let o = timed(scale, bytes, None);
        assert_eq!(
            o.frames(|f| matches!(f, Frame::SynReply(_))),
            scale as usize
        );
        o
    });
}

#[test]
fn slowloris() {
    // A PING, then a SYN_STREAM one byte every 10 s: the frame never completes in 30 s.
    let (small, big) = run_at_two_sizes("slowloris", |scale| {
        let mut peer = RawPeer::new();
        let frame = syn(&mut peer, 1, &RawPeer::request("/"), true);
        timed(scale, ping(1), Some((frame, 10_000)))
    });
    for o in [&small, &big] {
        assert_eq!(o.processed(), 1, "the PING");
        assert_eq!(o.frames(|f| matches!(f, Frame::Ping(_))), 1);
        assert_eq!(
            o.answer.len(),
            2,
            "the PING's echo and the GOAWAY: {:?}",
            o.answer
        );
    }
}

// ------------------------------------------------------------------ the table

#[test]
fn the_table_in_fuzzing_md_states_every_reaction() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/FUZZING.md"))
        .expect("FUZZING.md");
    for (name, reaction, bound) in TABLE {
        let row = format!("| {name} | {reaction} | {bound} |");
        assert!(doc.contains(&row), "FUZZING.md lacks the row\n{row}");
    }
}
