//! Session transfer benchmark: a client and a server `Session` joined in memory and driven
//! directly, on one core. Bulk DATA (one stream, 16 streams), request/response churn,
//! open/read/reset churn, and the heap held per idle stream and per session. Run with
//! `cargo bench --bench transfer [bulk|churn|reset|memory]`; figures go to BENCHMARKS.md.
//!
//! The driver follows the call protocol literally: after every input or command it drains
//! `poll_transmit`, then dispatches every event. Transmit is written straight into the
//! peer's [`Session::input_buffer`] (the one copy a socket read would make) and processed
//! with `handle_input`; the virtual clock stays at 0 (no timer fires in these scenarios).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use spdy3::header_block::{CompressionOptions, HeaderList, Strategy};
use spdy3::session::{Config, Event, OpenOptions, Rate, Read, Session};
use spdy3::RstStatus;

/// Counts live heap bytes and allocation calls.
struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn allocs() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// The virtual clock: nothing here depends on time passing.
const NOW: spdy3::time::Instant = spdy3::time::Instant(0);
/// Most bytes moved per `poll_transmit` call (one socket write).
const PUMP_MAX: usize = 64 * 1024;
const MIB: usize = 1024 * 1024;

/// Runs `pass` repeatedly for about `budget` (at least three times) and returns the best
/// (time, allocations) of a pass. With `TRANSFER_ONCE` set in the environment, each figure
/// is one pass (for profiling under callgrind).
fn best_of(budget: Duration, mut pass: impl FnMut() -> (Duration, usize)) -> (Duration, usize) {
    let start = Instant::now();
    let mut best = (Duration::MAX, 0);
    let mut runs = 0;
    let min_runs = if std::env::var_os("TRANSFER_ONCE").is_some() {
        1
    } else {
        3
    };
    while runs < min_runs || (min_runs > 1 && start.elapsed() < budget) {
        let r = pass();
        if r.0 < best.0 {
            best = r;
        }
        runs += 1;
    }
    best
}

fn gbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64() / 1e9
}

/// Moves everything `from` has to send into `to`'s input buffer (one copy, as a socket
/// read would make) and lets `to` process it. Returns the bytes moved.
fn pump(from: &mut Session, to: &mut Session) -> usize {
    let mut total = 0;
    loop {
        // Room for one write, as a socket adapter reserves its read buffer.
        // Room for one write and the frame that may cross it, as a socket adapter reserves
        // its read buffer before reading.
        to.input_buffer().reserve(PUMP_MAX + 32 * 1024);
        let n = from.poll_transmit(NOW, to.input_buffer(), PUMP_MAX);
        if n == 0 {
            return total;
        }
        total += n;
        to.handle_input(NOW);
    }
}

/// Like [`pump`], through `poll_transmit_chunks` (DATA payloads stay the sender's own
/// buffers, as for a vectored write) and `handle_bytes` per chunk.
fn pump_chunks(from: &mut Session, to: &mut Session, chunks: &mut Vec<Bytes>) -> usize {
    let mut total = 0;
    loop {
        chunks.clear();
        let n = from.poll_transmit_chunks(NOW, chunks, PUMP_MAX);
        if n == 0 {
            return total;
        }
        total += n;
        for c in chunks.iter() {
            to.handle_bytes(c, NOW);
        }
    }
}

/// Client and server with SETTINGS exchanged and their events dropped.
fn connected(client: Config, server: Config) -> (Session, Session) {
    let mut c = Session::client(client, NOW);
    let mut s = Session::server(server, NOW);
    pump(&mut c, &mut s);
    pump(&mut s, &mut c);
    while c.poll_event().is_some() {}
    while s.poll_event().is_some() {}
    (c, s)
}

/// A 5-header request (the HTTP minimum, S-85).
fn request_template() -> HeaderList {
    [
        (":method", "GET"),
        (":path", "/"),
        (":version", "HTTP/1.1"),
        (":host", "www.example.com"),
        (":scheme", "https"),
    ]
    .into_iter()
    .collect()
}

/// A 3-header response.
fn response_template() -> HeaderList {
    [
        (":status", "200 OK"),
        (":version", "HTTP/1.1"),
        ("content-type", "text/html; charset=utf-8"),
    ]
    .into_iter()
    .collect()
}

/// Request paths, built before timing.
fn paths(n: usize) -> Vec<Bytes> {
    (0..n)
        .map(|i| Bytes::from(format!("/api/v1/items/{i}?fields=name,size")))
        .collect()
}

const GET: OpenOptions = OpenOptions {
    priority: 3,
    fin: true,
    unidirectional: false,
};

/// `streams` responses of `total / streams` bytes each, server → client, with the client
/// reading as the data arrives (so windows are returned) and the server sending on
/// `Writable`. Returns (time, allocations) of the transfer itself.
fn bulk_pass(streams: usize, total: usize, src: &Bytes, chunked: bool) -> (Duration, usize) {
    let (mut c, mut s) = connected(Config::default(), Config::default());
    let template = request_template();
    let ids: Vec<u32> = (0..streams)
        .map(|_| c.open_stream(template.clone(), GET, NOW).unwrap())
        .collect();
    pump(&mut c, &mut s);
    while let Some(e) = s.poll_event() {
        if let Event::StreamOpened { stream_id, .. } = e {
            s.reply(stream_id, response_template(), false).unwrap();
        }
    }
    let per = total / streams;
    let mut left: HashMap<u32, usize> = ids.iter().map(|&id| (id, per)).collect();
    let mut writable: Vec<u32> = ids.clone();
    let mut chunks = Vec::new();
    let mut received = 0usize;
    let mut finished = 0usize;
    let mut idle_rounds = 0;
    let a0 = allocs();
    let start = Instant::now();
    while finished < streams {
        // Server application: offer data to the streams that can take it.
        for id in writable.drain(..) {
            let rest = left.get_mut(&id).unwrap();
            while *rest > 0 {
                let n = (*rest).min(src.len());
                let took = s.send_data(id, src.slice(..n), n == *rest).unwrap();
                *rest -= took;
                if took < n {
                    break; // a Writable event follows when more fits
                }
            }
        }
        let moved = if chunked {
            pump_chunks(&mut s, &mut c, &mut chunks)
        } else {
            pump(&mut s, &mut c)
        };
        // Client application: read whatever is readable.
        while let Some(e) = c.poll_event() {
            if let Event::Readable { stream_id } = e {
                loop {
                    match c.read(stream_id, usize::MAX).unwrap() {
                        Read::Data(b) => received += black_box(b).len(),
                        Read::Fin => {
                            finished += 1;
                            break;
                        }
                        Read::Pending => break,
                    }
                }
            }
        }
        let back = if chunked {
            pump_chunks(&mut c, &mut s, &mut chunks)
        } else {
            pump(&mut c, &mut s)
        };
        while let Some(e) = s.poll_event() {
            if let Event::Writable { stream_id } = e {
                writable.push(stream_id);
            }
        }
        idle_rounds = if moved + back == 0 {
            idle_rounds + 1
        } else {
            0
        };
        assert!(idle_rounds < 3, "bulk transfer stalled");
    }
    let t = start.elapsed();
    let a = allocs() - a0;
    assert_eq!(received, per * streams);
    (t, a)
}

fn bulk() {
    const TOTAL: usize = 256 * MIB;
    let src = Bytes::from(vec![0x5au8; MIB]);
    let frames = TOTAL / (16 * 1024);
    for (streams, chunked, label) in [
        (
            1,
            false,
            "1 stream, poll_transmit into the peer's input buffer",
        ),
        (1, true, "1 stream, poll_transmit_chunks + handle_bytes"),
        (
            16,
            false,
            "16 streams, poll_transmit into the peer's input buffer",
        ),
    ] {
        let (t, a) = best_of(Duration::from_secs(3), || {
            bulk_pass(streams, TOTAL, &src, chunked)
        });
        println!(
            "bulk server → client, {label}: {:.2} GB/s of payload ({} MiB in {:.0} ms, \
             {:.0} ns and {:.2} allocations per 16 KiB DATA frame)",
            gbps(TOTAL, t),
            TOTAL / MIB,
            t.as_secs_f64() * 1e3,
            t.as_nanos() as f64 / frames as f64,
            a as f64 / frames as f64
        );
    }
}

/// `n` request/response pairs, `batch` in flight at a time: a 5-header request with FIN,
/// a 3-header reply with FIN. Returns (time, allocations).
fn churn_pass(
    compression: CompressionOptions,
    n: usize,
    batch: usize,
    paths: &[Bytes],
) -> (Duration, usize) {
    let config = Config {
        compression,
        ..Config::default()
    };
    let (mut c, mut s) = connected(config.clone(), config);
    let request = request_template();
    let response = response_template();
    let mut done = 0usize;
    let mut opened = 0usize;
    let a0 = allocs();
    let start = Instant::now();
    while done < n {
        while opened < n && opened - done < batch {
            let mut h = request.clone();
            h.insert(":path", paths[opened % paths.len()].clone());
            c.open_stream(h, GET, NOW).unwrap();
            opened += 1;
        }
        pump(&mut c, &mut s);
        while let Some(e) = s.poll_event() {
            if let Event::StreamOpened { stream_id, .. } = e {
                s.reply(stream_id, response.clone(), true).unwrap();
            }
        }
        pump(&mut s, &mut c);
        while let Some(e) = c.poll_event() {
            if let Event::Reply { fin: true, .. } = e {
                done += 1;
            }
        }
    }
    let t = start.elapsed();
    let a = allocs() - a0;
    assert_eq!(s.stats().streams + c.stats().streams, 0);
    (t, a)
}

fn churn() {
    const N: usize = 20_000;
    let paths = paths(N);
    let configs = [
        (
            CompressionOptions::default(),
            "level 6, default strategy (the default)",
        ),
        (
            CompressionOptions {
                level: 1,
                strategy: Strategy::Fixed,
            },
            "level 1, Strategy::Fixed",
        ),
        (
            CompressionOptions {
                level: 0,
                strategy: Strategy::Dynamic,
            },
            "level 0 (stored)",
        ),
    ];
    for (batch, budget) in [(64, 2), (1, 1)] {
        for (options, label) in configs {
            let (t, a) = best_of(Duration::from_secs(budget), || {
                churn_pass(options, N, batch, &paths)
            });
            println!(
                "churn, open + reply + FIN, {batch} in flight, {label}: {:.0} pairs/s \
                 ({:.2} µs and {:.1} allocations per pair)",
                N as f64 / t.as_secs_f64(),
                t.as_secs_f64() * 1e6 / N as f64,
                a as f64 / N as f64
            );
        }
    }
}

/// Open, reply, 64 KiB of DATA, read by the client, reset (CANCEL) by the client;
/// `batch` streams in flight. The server's RST_STREAM flood limit is lifted: this is the
/// open-then-reset pattern it exists to stop. Returns (time, allocations).
fn reset_pass(n: usize, batch: usize, body: &Bytes, paths: &[Bytes]) -> (Duration, usize) {
    let mut server = Config::default();
    server.floods.reset = Rate::new(u32::MAX, spdy3::time::Duration::from_secs(10));
    let (mut c, mut s) = connected(Config::default(), server);
    let request = request_template();
    let response = response_template();
    let mut read: HashMap<u32, usize> = HashMap::new();
    let mut to_send: HashMap<u32, usize> = HashMap::new();
    let mut writable: Vec<u32> = Vec::new();
    let mut done = 0usize;
    let mut opened = 0usize;
    let a0 = allocs();
    let start = Instant::now();
    while done < n {
        while opened < n && opened - done < batch {
            let mut h = request.clone();
            h.insert(":path", paths[opened % paths.len()].clone());
            let id = c.open_stream(h, GET, NOW).unwrap();
            read.insert(id, 0);
            opened += 1;
        }
        pump(&mut c, &mut s);
        while let Some(e) = s.poll_event() {
            match e {
                Event::StreamOpened { stream_id, .. } => {
                    s.reply(stream_id, response.clone(), false).unwrap();
                    to_send.insert(stream_id, body.len());
                    writable.push(stream_id);
                }
                Event::Writable { stream_id } => writable.push(stream_id),
                Event::StreamClosed { stream_id } => {
                    to_send.remove(&stream_id);
                }
                _ => {}
            }
        }
        for id in writable.drain(..) {
            if let Some(rest) = to_send.get_mut(&id) {
                let off = body.len() - *rest;
                *rest -= s.send_data(id, body.slice(off..), false).unwrap();
            }
        }
        pump(&mut s, &mut c);
        while let Some(e) = c.poll_event() {
            if let Event::Readable { stream_id } = e {
                let got = read.get_mut(&stream_id).unwrap();
                while let Read::Data(b) = c.read(stream_id, usize::MAX).unwrap() {
                    *got += b.len();
                }
                if *got == body.len() {
                    read.remove(&stream_id);
                    c.reset(stream_id, RstStatus::CANCEL).unwrap();
                    done += 1;
                }
            }
        }
    }
    pump(&mut c, &mut s);
    let t = start.elapsed();
    let a = allocs() - a0;
    while s.poll_event().is_some() {}
    assert_eq!(s.stats().streams + c.stats().streams, 0);
    (t, a)
}

fn reset_churn() {
    const N: usize = 10_000;
    let paths = paths(N);
    let body = Bytes::from(vec![0xa5u8; 64 * 1024]);
    for batch in [16, 1] {
        let (t, a) = best_of(Duration::from_secs(2), || {
            reset_pass(N, batch, &body, &paths)
        });
        println!(
            "open + read 64 KiB + reset (CANCEL), {batch} in flight: {:.0} streams/s \
             ({:.2} µs and {:.1} allocations per stream; {:.2} GB/s of payload)",
            N as f64 / t.as_secs_f64(),
            t.as_secs_f64() * 1e6 / N as f64,
            a as f64 / N as f64,
            gbps(N * body.len(), t)
        );
    }
}

/// Heap growth of each side, attributed by taking a snapshot between the sender's
/// transmit and the receiver's processing.
#[derive(Default, Debug)]
struct Growth {
    client: isize,
    server: isize,
}

/// Moves `from`'s output to `to` in 16 KiB socket-sized pieces through `wire` (allocated
/// outside the measurement), dispatching `to`'s events with `on_event` after each piece.
fn deliver(
    from: &mut Session,
    to: &mut Session,
    wire: &mut Vec<u8>,
    from_growth: &mut isize,
    to_growth: &mut isize,
    mut on_event: impl FnMut(&mut Session, Event),
) {
    loop {
        wire.clear();
        let a = live();
        let n = from.poll_transmit(NOW, wire, 16 * 1024);
        let b = live();
        *from_growth += b - a;
        if n == 0 {
            return;
        }
        to.handle_bytes(wire, NOW);
        while let Some(e) = to.poll_event() {
            on_event(to, e);
        }
        *to_growth += live() - b;
    }
}

/// Builds a connected pair inside the measurement, for the per-session figure.
fn session_pair(config: &Config, wire: &mut Vec<u8>) -> (Session, Session, Growth) {
    let mut g = Growth::default();
    let a = live();
    let mut c = Session::client(config.clone(), NOW);
    let b = live();
    let mut s = Session::server(config.clone(), NOW);
    g.client += b - a;
    g.server += live() - b;
    deliver(
        &mut c,
        &mut s,
        wire,
        &mut g.client,
        &mut g.server,
        |_, _| {},
    );
    deliver(
        &mut s,
        &mut c,
        wire,
        &mut g.server,
        &mut g.client,
        |_, _| {},
    );
    (c, s, g)
}

fn memory() {
    let mut wire = Vec::with_capacity(MIB);
    for (label, compression) in [
        ("level 6 (default)", CompressionOptions::default()),
        (
            "level 1 Fixed",
            CompressionOptions {
                level: 1,
                strategy: Strategy::Fixed,
            },
        ),
        (
            "level 0",
            CompressionOptions {
                level: 0,
                strategy: Strategy::Dynamic,
            },
        ),
    ] {
        let config = Config {
            compression,
            ..Config::default()
        };
        let (mut c, mut s, mut g) = session_pair(&config, &mut wire);
        println!(
            "session, {label}, after the SETTINGS exchange: client {} B, server {} B",
            g.client, g.server
        );
        // One request/response, so both compression contexts have done their first block.
        let path = paths(1);
        let a = live();
        let mut h = request_template();
        h.insert(":path", path[0].clone());
        c.open_stream(h, GET, NOW).unwrap();
        g.client += live() - a;
        let response = response_template();
        deliver(
            &mut c,
            &mut s,
            &mut wire,
            &mut g.client,
            &mut g.server,
            |s, e| {
                if let Event::StreamOpened { stream_id, .. } = e {
                    s.reply(stream_id, response.clone(), true).unwrap();
                }
            },
        );
        drop(response);
        deliver(
            &mut s,
            &mut c,
            &mut wire,
            &mut g.server,
            &mut g.client,
            |_, _| {},
        );
        assert_eq!(c.stats().streams + s.stats().streams, 0);
        println!(
            "session, {label}, after one request/response: client {} B, server {} B",
            g.client, g.server
        );
    }

    const STREAMS: usize = 10_000;
    let config = Config {
        max_concurrent_streams: STREAMS as u32,
        ..Config::default()
    };
    let (mut c, mut s, _) = session_pair(&config, &mut wire);
    // Warm both header contexts and buffers with one full exchange first.
    let response = response_template();
    let mut g = Growth::default();
    c.open_stream(request_template(), GET, NOW).unwrap();
    deliver(
        &mut c,
        &mut s,
        &mut wire,
        &mut g.client,
        &mut g.server,
        |s, e| {
            if let Event::StreamOpened { stream_id, .. } = e {
                s.reply(stream_id, response.clone(), true).unwrap();
            }
        },
    );
    deliver(
        &mut s,
        &mut c,
        &mut wire,
        &mut g.server,
        &mut g.client,
        |_, _| {},
    );
    let paths = paths(STREAMS);
    let mut g = Growth::default();
    let open = OpenOptions { fin: false, ..GET };
    for path in &paths {
        // The request is built inside the measurement: the session frees it once sent.
        let a = live();
        let mut h = request_template();
        h.insert(":path", path.clone());
        c.open_stream(h, open, NOW).unwrap();
        g.client += live() - a;
        // Deliver as the application would, a few streams at a time.
        if c.stats().streams % 64 == 0 {
            deliver(
                &mut c,
                &mut s,
                &mut wire,
                &mut g.client,
                &mut g.server,
                |s, e| {
                    if let Event::StreamOpened { stream_id, .. } = e {
                        s.reply(stream_id, response.clone(), false).unwrap();
                    }
                },
            );
            deliver(
                &mut s,
                &mut c,
                &mut wire,
                &mut g.server,
                &mut g.client,
                |_, _| {},
            );
        }
    }
    deliver(
        &mut c,
        &mut s,
        &mut wire,
        &mut g.client,
        &mut g.server,
        |s, e| {
            if let Event::StreamOpened { stream_id, .. } = e {
                s.reply(stream_id, response.clone(), false).unwrap();
            }
        },
    );
    deliver(
        &mut s,
        &mut c,
        &mut wire,
        &mut g.server,
        &mut g.client,
        |_, _| {},
    );
    assert_eq!(c.stats().active_local, STREAMS);
    assert_eq!(s.stats().active_remote, STREAMS);
    println!(
        "idle open streams ({STREAMS}, SYN_STREAM and SYN_REPLY exchanged, no data): \
         client {:.0} B/stream, server {:.0} B/stream",
        g.client as f64 / STREAMS as f64,
        g.server as f64 / STREAMS as f64
    );
}

/// `cargo bench --bench transfer [bulk|churn|reset|memory]` runs one group; no argument
/// runs all.
fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let run = |group: &str| args.is_empty() || args.iter().any(|a| a == group);
    if run("bulk") {
        bulk();
    }
    if run("churn") {
        churn();
    }
    if run("reset") {
        reset_churn();
    }
    if run("memory") {
        memory();
    }
}
