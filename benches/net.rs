//! The tokio adapter on loopback TCP against a raw tokio socket copy, in one run: one-stream
//! 256 MiB, 16 streams, 1 KiB request/response with 100 in flight, open / read 64 KiB /
//! reset churn, CPU seconds per GiB, allocations per request, peak RSS, and heap per idle
//! stream with 10,000 open.
//! Run with `cargo bench --bench net` (groups: `bulk` (or only one of its cases: `bulk1`,
//! `bulk16`), `rr`, `churn`, `idle`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use spdy3::net::{self, Connection};
use spdy3::session::{Config, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicIsize = AtomicIsize::new(0);

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

const MIB: usize = 1 << 20;
const CHUNK: usize = 64 * 1024;

/// Process CPU time (user + system) from /proc/self/stat, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.strip_prefix("VmHWM:")
                .map(|v| v.trim().trim_end_matches(" kB").parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

fn config() -> Config {
    let mut c = Config {
        max_concurrent_streams: 20_000,
        ..Config::default()
    };
    c.floods.reset.max = u32::MAX; // the churn group resets on purpose
    c
}

/// A connected client/server pair over loopback TCP; the server side is handed to `serve`.
async fn pair<F, Fut>(serve: F) -> Connection
where
    F: FnOnce(Connection) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let (conn, driver) = net::server(tcp, config());
        tokio::spawn(driver);
        serve(conn).await;
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (conn, driver) = net::client(tcp, config());
    tokio::spawn(driver);
    conn
}

/// The server of the bulk groups: every request gets `size` bytes.
async fn serve_bulk(conn: Connection, size: usize) {
    let chunk = Bytes::from(vec![0x5au8; CHUNK]);
    while let Some(mut s) = conn.accept().await {
        let chunk = chunk.clone();
        tokio::spawn(async move {
            s.reply(spdy3::http::response_headers(200), false).unwrap();
            let mut left = size;
            while left > 0 {
                let n = left.min(CHUNK);
                left -= n;
                if s.send(chunk.slice(..n), left == 0).await.is_err() {
                    return;
                }
            }
        });
    }
}

async fn download(conn: &Connection) -> usize {
    let req = spdy3::http::request_headers("GET", "http", "bench", "/", []);
    let mut s = conn
        .open(
            req,
            OpenOptions {
                fin: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.response().await.unwrap();
    let mut n = 0;
    while let Some(c) = s.recv().await {
        n += c.unwrap().len();
    }
    n
}

/// A raw tokio socket copy of `total` bytes; the bytes received.
async fn raw_tcp(total: usize) -> usize {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = l.accept().await.unwrap();
        let chunk = vec![0x5au8; CHUNK];
        let mut left = total;
        while left > 0 {
            let n = left.min(CHUNK);
            tcp.write_all(&chunk[..n]).await.unwrap();
            left -= n;
        }
    });
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut buf = vec![0u8; CHUNK];
    let mut n = 0;
    while n < total {
        n += tcp.read(&mut buf).await.unwrap();
    }
    n
}

/// Rounds of each case (the bulk ones interleaved with the raw copy so that all see the
/// same machine); the median round is reported.
const ROUNDS: usize = 5;

/// One case's rounds: bytes moved (or requests, or streams), wall seconds and CPU seconds
/// of each.
#[derive(Default)]
struct Runs {
    bytes: usize,
    secs: Vec<f64>,
    cpu: Vec<f64>,
}

impl Runs {
    async fn time<F: std::future::Future<Output = usize>>(&mut self, run: F) {
        let (t0, c0) = (Instant::now(), cpu_seconds());
        self.bytes = run.await;
        self.secs.push(t0.elapsed().as_secs_f64());
        self.cpu.push(cpu_seconds() - c0);
    }

    /// Amount moved per second in each round, sorted.
    fn rates(&self) -> Vec<f64> {
        let mut v: Vec<f64> = self.secs.iter().map(|s| self.bytes as f64 / s).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    /// CPU seconds of the median round by CPU.
    fn median_cpu(&self) -> f64 {
        let mut cpu = self.cpu.clone();
        cpu.sort_by(f64::total_cmp);
        cpu[cpu.len() / 2]
    }

    /// Prints the median rate of `what` (per second), its range, and the median CPU time
    /// per item in µs.
    fn report_rate(&self, label: &str, what: &str, item: &str) {
        let v = self.rates();
        println!(
            "{label}: {:.0} {what}/s (median of {} rounds, {:.0}–{:.0}; {:.1} µs CPU per {item})",
            v[v.len() / 2],
            v.len(),
            v[0],
            v[v.len() - 1],
            self.median_cpu() * 1e6 / self.bytes as f64
        );
    }

    /// Prints the median MB/s, the range, CPU per GiB (median) and the share of `baseline`.
    fn report(&self, label: &str, baseline: Option<f64>) -> f64 {
        let v: Vec<f64> = self.rates().iter().map(|r| r / 1e6).collect();
        let median = v[v.len() / 2];
        let gib = self.bytes as f64 / (1u64 << 30) as f64;
        let vs = baseline.map_or(String::new(), |b| {
            format!(", {:.0} % of raw TCP", 100.0 * median / b)
        });
        println!(
            "{label}: {median:.0} MB/s (median of {} rounds, {:.0}–{:.0}; {:.2} CPU s per GiB{vs})",
            v.len(),
            v[0],
            v[v.len() - 1],
            self.median_cpu() / gib
        );
        median
    }
}

async fn bulk(one: bool, many: bool) {
    let total = 256 * MIB;
    let single = pair(move |c| serve_bulk(c, total)).await;
    let multi = pair(move |c| serve_bulk(c, 16 * MIB)).await;
    let (mut raw, mut one_runs, mut many_runs) =
        (Runs::default(), Runs::default(), Runs::default());
    for _ in 0..ROUNDS {
        raw.time(raw_tcp(total)).await;
        if one {
            one_runs.time(download(&single)).await;
            assert_eq!(one_runs.bytes, total);
        }
        if many {
            many_runs.time(download_16(&multi)).await;
            assert_eq!(many_runs.bytes, total);
        }
    }
    let raw = raw.report("raw tokio TCP copy, 256 MiB", None);
    if one {
        one_runs.report("spdy3, one stream, 256 MiB", Some(raw));
    }
    if many {
        many_runs.report("spdy3, 16 streams × 16 MiB", Some(raw));
    }
}

/// 16 concurrent downloads; the bytes received.
async fn download_16(conn: &Connection) -> usize {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let conn = conn.clone();
            tokio::spawn(async move { download(&conn).await })
        })
        .collect();
    let mut n = 0;
    for t in tasks {
        n += t.await.unwrap();
    }
    n
}

async fn request_response() {
    let body = Bytes::from(vec![7u8; 1024]);
    let conn = pair(move |conn| async move {
        while let Some(mut s) = conn.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                s.reply(spdy3::http::response_headers(200), false).unwrap();
                let _ = s.send(body, true).await;
            });
        }
    })
    .await;
    const N: usize = 40_000;
    const IN_FLIGHT: usize = 100;
    let mut runs = Runs::default();
    let allocs = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..ROUNDS {
        runs.time(async {
            let tasks: Vec<_> = (0..IN_FLIGHT)
                .map(|_| {
                    let conn = conn.clone();
                    tokio::spawn(async move {
                        for _ in 0..N / IN_FLIGHT {
                            assert_eq!(download(&conn).await, 1024);
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            N
        })
        .await;
    }
    runs.report_rate(
        &format!("spdy3, 1 KiB request/response, {IN_FLIGHT} in flight"),
        "req",
        "request",
    );
    println!(
        "  allocations per request (both ends and the benchmark's tasks): {:.1}",
        (ALLOCS.load(Ordering::Relaxed) - allocs) as f64 / (ROUNDS * N) as f64
    );
}

async fn churn() {
    let conn = pair(move |c| serve_bulk(c, 8 * MIB)).await;
    const N: usize = 5_000;
    let mut runs = Runs::default();
    for _ in 0..ROUNDS {
        runs.time(churn_round(&conn, N)).await;
    }
    runs.report_rate(
        "spdy3, open / read 64 KiB / reset, 16 in flight",
        "streams",
        "stream",
    );
}

/// `n` streams opened, read for 64 KiB and reset, 16 at a time; the streams done.
async fn churn_round(conn: &Connection, n: usize) -> usize {
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let conn = conn.clone();
            tokio::spawn(async move {
                for _ in 0..n / 16 {
                    let req = spdy3::http::request_headers(
                        "GET",
                        "http",
                        "bench",
                        "/video",
                        [("range", "bytes=0-")],
                    );
                    let mut s = conn
                        .open(
                            req,
                            OpenOptions {
                                fin: true,
                                ..Default::default()
                            },
                        )
                        .await
                        .unwrap();
                    s.response().await.unwrap();
                    let mut n = 0;
                    while n < CHUNK {
                        n += s.recv().await.unwrap().unwrap().len();
                    }
                    drop(s); // RST_STREAM CANCEL
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    n / 16 * 16
}

async fn idle() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let conn = pair(move |conn| async move {
        let mut held = Vec::new();
        while let Some(mut s) = conn.accept().await {
            s.reply(spdy3::http::response_headers(200), false).unwrap();
            held.push(s);
            if held.len() == 10_000 {
                break;
            }
        }
        let _ = tx.send(());
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(held);
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let before = LIVE.load(Ordering::Relaxed);
    let mut streams = Vec::new();
    for _ in 0..10_000 {
        let req = spdy3::http::request_headers("GET", "http", "bench", "/idle", []);
        let mut s = conn.open(req, OpenOptions::default()).await.unwrap();
        if streams.len() % 1000 == 999 {
            s.response().await.unwrap();
        }
        streams.push(s);
    }
    rx.await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let grown = LIVE.load(Ordering::Relaxed) - before;
    println!(
        "heap per idle open stream, 10,000 open (client + server in one process, handles included): {} B",
        grown / 10_000
    );
    drop(streams);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let run = |g: &str| args.is_empty() || args.iter().any(|a| a == g);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        if run("bulk") || run("bulk1") || run("bulk16") {
            bulk(!run("bulk16") || run("bulk"), !run("bulk1") || run("bulk")).await;
        }
        if run("rr") {
            request_response().await;
        }
        if run("churn") {
            churn().await;
        }
        if run("idle") {
            idle().await;
        }
    });
    println!("peak RSS: {} MiB", peak_rss_kib() / 1024);
}
