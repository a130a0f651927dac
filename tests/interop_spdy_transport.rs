//! Interop with node-spdy's protocol engine, npm `spdy-transport` 3.0.0 (SPDY31.md §17),
//! over plain TCP on loopback, in both roles: our client against its server
//! (`tests/interop/spdy_transport/server.js`) and its client (`client.js`, one scenario per
//! process) against our server. Both servers serve the same routes (listed in server.js):
//! a GET, a 10 MB POST echoed back, a Range request, server push, a reset mid-stream from
//! each side, 100 concurrent streams, and bodies far larger than small windows.
//!
//! The peer is installed by `scripts/setup.sh` (`scripts/setup_spdy_transport.sh`); without
//! `node` or the package these tests fail and say so. Every test is bounded by a timeout,
//! and the node child is killed when its handle drops (also on failure).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use spdy3::frame::RstStatus;
use spdy3::header_block::HeaderList;
use spdy3::net::{self, Connection, Error, Stream};
use spdy3::session::{Config, Initiator, OpenOptions, Stats, StreamError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, Barrier};

/// Bound on each test (they take well under a second or two each).
const TEST_TIMEOUT: Duration = Duration::from_secs(40);
/// Bound on waiting for one line or event from a peer.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Indexes into `Stats::frames_received` / `frames_sent`.
const SYN_STREAM: usize = 1;
const RST_STREAM: usize = 3;
const GOAWAY: usize = 6;
const WINDOW_UPDATE: usize = 8;
const UNKNOWN: usize = 9;

// ---------------------------------------------------------------------------------------
// The node peer.

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/spdy_transport")
}

/// The peer's directory; panics (the test fails, it is not skipped) if node or
/// spdy-transport 3.0.0 is missing.
fn require_peer() -> PathBuf {
    let dir = peer_dir();
    match std::process::Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => {}
        other => panic!(
            "`node` is not runnable ({other:?}); the spdy-transport interop tests need \
             Node.js: install it and run scripts/setup.sh"
        ),
    }
    let manifest = dir.join("node_modules/spdy-transport/package.json");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|e| {
        panic!(
            "spdy-transport is not installed ({}: {e}); run scripts/setup.sh",
            manifest.display()
        )
    });
    let json: serde_json::Value = serde_json::from_str(&text).expect("package.json is JSON");
    assert_eq!(
        json["version"],
        "3.0.0",
        "{} is not spdy-transport 3.0.0; run scripts/setup.sh",
        manifest.display()
    );
    dir
}

/// A running node script. Dropping it kills the process.
struct Node {
    what: String,
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Node {
    fn spawn(script: &str, args: &[&str]) -> Node {
        let dir = require_peer();
        let mut child = Command::new("node")
            .arg(dir.join(script))
            .args(args)
            .current_dir(&dir)
            .stdin(Stdio::piped()) // closed when we die: the script exits
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn node {script}: {e}; run scripts/setup.sh"));
        let (tx, lines) = mpsc::unbounded_channel();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = err_lines.next_line().await {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Node {
            what: format!("node {script} {}", args.join(" ")),
            child,
            lines,
            seen: Vec::new(),
            stderr,
        }
    }

    fn context(&self) -> String {
        format!(
            "{}\n--- stdout so far:\n{}\n--- stderr:\n{}",
            self.what,
            self.seen.join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    /// The next stdout line that starts with `prefix` (earlier other lines are kept in
    /// `seen`). Panics on timeout, on end of output, or on a `FAIL` line.
    async fn line(&mut self, prefix: &str) -> String {
        loop {
            match tokio::time::timeout(STEP_TIMEOUT, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    if line.starts_with("FAIL") {
                        panic!("peer failed: {line}\n{}", self.context());
                    }
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Ok(None) => panic!("no `{prefix}` line before the end\n{}", self.context()),
                Err(_) => panic!(
                    "no `{prefix}` line within {STEP_TIMEOUT:?}\n{}",
                    self.context()
                ),
            }
        }
    }

    /// Lines printed so far that report an error (without waiting for more).
    fn errors(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen
            .iter()
            .filter(|l| l.starts_with("ERROR") || l.starts_with("FAIL"))
            .cloned()
            .collect()
    }

    /// Waits for the script to exit successfully; returns everything it printed.
    async fn finish(mut self) -> Vec<String> {
        loop {
            match tokio::time::timeout(STEP_TIMEOUT, self.lines.recv()).await {
                Ok(Some(line)) => self.seen.push(line),
                Ok(None) => break,
                Err(_) => panic!("peer did not finish\n{}", self.context()),
            }
        }
        let status = tokio::time::timeout(STEP_TIMEOUT, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("peer did not exit\n{}", self.context()))
            .expect("wait for node");
        assert!(
            status.success(),
            "peer exited with {status}\n{}",
            self.context()
        );
        std::mem::take(&mut self.seen)
    }
}

/// Runs a test body under [`TEST_TIMEOUT`]; on timeout the body (and its node child) is
/// dropped and the test fails.
async fn bounded<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("interop test timed out");
}

// ---------------------------------------------------------------------------------------
// Shared helpers.

/// Byte i is (i * 31 + seed) mod 256: `pattern` in common.js.
fn pattern(n: usize, seed: u8) -> Bytes {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

/// The resource behind `/range` on both servers.
fn resource() -> Bytes {
    pattern(1 << 20, 7)
}

fn request(method: &str, path: &str, authority: &str, extra: &[(&str, &str)]) -> HeaderList {
    spdy3::http::request_headers(method, "http", authority, path, extra.iter().copied())
}

fn open_options(fin: bool) -> OpenOptions {
    OpenOptions {
        fin,
        ..OpenOptions::default()
    }
}

async fn read_all(stream: &mut Stream) -> Result<Vec<u8>, Error> {
    let mut got = Vec::new();
    while let Some(chunk) = stream.recv().await {
        got.extend_from_slice(&chunk?);
    }
    Ok(got)
}

/// Times a complete body from spdy-transport ended with its FIN race (see
/// [`read_from_them`]) instead of FIN.
static FIN_RACES: AtomicUsize = AtomicUsize::new(0);

/// True for the reset spdy-transport sends in its FIN race.
fn is_fin_race(e: &Error) -> bool {
    matches!(
        e,
        Error::Stream(StreamError::Reset {
            status: RstStatus::INVALID_STREAM,
            initiator: Initiator::Remote,
        })
    )
}

fn note_fin_race() {
    let n = FIN_RACES.fetch_add(1, Ordering::Relaxed) + 1;
    eprintln!("note: spdy-transport ended a complete body with RST_STREAM INVALID_STREAM ({n})");
}

/// Reads a body sent by spdy-transport and asserts it is exactly `expected`.
///
/// spdy-transport forgets a stream as soon as its FIN is *queued*, answers a WINDOW_UPDATE
/// for a forgotten stream with RST_STREAM INVALID_STREAM (SPDY31.md S-60 says to ignore
/// it), and writes that RST_STREAM ahead of the queued FIN. So when our last WINDOW_UPDATE
/// crosses the end of its body, the complete body reaches us followed by that reset and
/// only then the FIN. Exactly that — the reset after every expected byte — is accepted as
/// the end; any other error fails.
async fn read_from_them(stream: &mut Stream, expected: &[u8]) {
    let mut got = Vec::new();
    while let Some(chunk) = stream.recv().await {
        match chunk {
            Ok(b) => got.extend_from_slice(&b),
            Err(e) if is_fin_race(&e) && got.len() == expected.len() => {
                note_fin_race();
                break;
            }
            Err(e) => panic!("{e} after {} of {} bytes", got.len(), expected.len()),
        }
    }
    assert_eq!(got.len(), expected.len(), "body length");
    assert!(got == expected, "body differs");
}

/// Reads exactly `n` bytes: the peer sends `n`, then waits for us.
async fn read_exactly(stream: &mut Stream, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        let chunk = stream.recv().await.expect("more data").expect("no error");
        got.extend_from_slice(&chunk);
    }
    assert_eq!(
        got.len(),
        n,
        "the peer sent more than {n} bytes before waiting"
    );
    got
}

fn assert_reset(err: Error, status: RstStatus, initiator: Initiator) {
    match err {
        Error::Stream(StreamError::Reset {
            status: s,
            initiator: i,
        }) if s == status && i == initiator => {}
        other => panic!("expected a reset {status:?} by {initiator:?}, got {other:?}"),
    }
}

/// Our session found nothing to object to: it reset no stream for a protocol error.
fn assert_clean(stats: &Stats) {
    assert_eq!(
        stats.stream_errors_sent, 0,
        "we reset streams for errors: {stats:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Our client against spdy-transport's server.

struct TheirServer {
    node: Node,
    conn: Connection,
    authority: String,
}

async fn their_server(node_args: &[&str], config: Config) -> TheirServer {
    let mut node = Node::spawn("server.js", node_args);
    let line = node.line("LISTENING ").await;
    let port: u16 = line["LISTENING ".len()..].parse().expect("a port");
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let (conn, driver) = net::client(tcp, config);
    tokio::spawn(driver);
    TheirServer {
        node,
        conn,
        authority: format!("127.0.0.1:{port}"),
    }
}

impl TheirServer {
    /// A GET whose body must be `expected`; returns the reply headers.
    async fn get(&self, path: &str, extra: &[(&str, &str)], expected: &[u8]) -> HeaderList {
        let mut s = self
            .conn
            .open(
                request("GET", path, &self.authority, extra),
                open_options(true),
            )
            .await
            .expect("open");
        let reply = s.response().await.expect("reply");
        read_from_them(&mut s, expected).await;
        reply
    }

    /// The connection still works, and the peer printed no error.
    async fn check_healthy(&mut self) {
        let reply = self.get("/hello", &[], b"hello from spdy-transport").await;
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        assert_eq!(self.node.errors(), Vec::<String>::new());
        assert_clean(&self.conn.stats());
    }
}

#[tokio::test]
async fn our_client_get_from_their_server() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        let req = http::Request::get("/hello")
            .header("x-test", "from spdy3")
            .body(None)
            .unwrap();
        let resp = net::http::send_request(&t.conn, req, "http", &t.authority)
            .await
            .expect("response");
        // spdy-transport's SYN_REPLY carries `:status: 200 OK` and `:version`.
        assert_eq!(resp.status(), 200);
        let h = resp.headers();
        assert_eq!(h["content-type"], "text/plain");
        assert_eq!(h["x-peer"], "spdy-transport");
        // What it saw of our SYN_STREAM (S-85): method, :host (as :authority), :scheme, and
        // an ordinary header.
        assert_eq!(h["x-echo-method"], "GET");
        assert_eq!(h["x-echo-authority"], t.authority.as_str());
        assert_eq!(h["x-echo-scheme"], "http");
        assert_eq!(h["x-echo-test"], "from spdy3");
        let mut stream = resp.into_body();
        read_from_them(&mut stream, b"hello from spdy-transport").await;
        drop(stream);
        // It opened with SETTINGS and WINDOW_UPDATE(0) (its 1 MiB session window).
        let stats = t.conn.stats();
        assert!(stats.frames_received[WINDOW_UPDATE] >= 1, "{stats:?}");
        t.check_healthy().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_posts_10_mb_echoed_by_their_server() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        let body = pattern(10 << 20, 1);
        let mut s = t
            .conn
            .open(
                request(
                    "POST",
                    "/echo",
                    &t.authority,
                    &[("content-length", &body.len().to_string())],
                ),
                open_options(false),
            )
            .await
            .unwrap();
        s.send(body.clone(), true).await.unwrap();
        let reply = s.response().await.unwrap();
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        assert_eq!(reply.get_str("x-len"), Some("10485760"));
        read_from_them(&mut s, &body).await;
        drop(s);
        let stats = t.conn.stats();
        assert_eq!(stats.data_sent, 10 << 20);
        assert_eq!(stats.data_received, 10 << 20);
        t.check_healthy().await;
    })
    .await;
}

#[tokio::test]
async fn our_client_range_request_to_their_server() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        let reply = t
            .get(
                "/range",
                &[("range", "bytes=1000-2999")],
                &resource()[1000..3000],
            )
            .await;
        assert_eq!(reply.get_str(":status"), Some("206 Partial Content"));
        assert_eq!(
            reply.get_str("content-range"),
            Some("bytes 1000-2999/1048576")
        );
        assert_eq!(reply.get_str("content-length"), Some("2000"));
        // Without the header: the whole resource, 1 MiB, with 200.
        let reply = t.get("/range", &[], &resource()).await;
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        t.check_healthy().await;
    })
    .await;
}

#[tokio::test]
async fn our_client_accepts_a_push_from_their_server() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        let mut main = t
            .conn
            .open(
                request("GET", "/push", &t.authority, &[]),
                open_options(true),
            )
            .await
            .unwrap();
        // SPDY31.md §14.4: its push SYN_STREAM lacks FLAG_UNIDIRECTIONAL and carries
        // :method and :status; we take it as a push all the same.
        let mut push = t.conn.accept().await.expect("a pushed stream");
        assert_eq!(push.id() % 2, 0, "server-initiated id");
        let h = push.headers().unwrap().clone();
        assert_eq!(h.get_str(":path"), Some("/pushed.css"));
        assert_eq!(h.get_str(":host"), Some(t.authority.as_str()));
        assert_eq!(h.get_str(":scheme"), Some("https"));
        assert_eq!(h.get_str(":method"), Some("GET"));
        assert_eq!(h.get_str(":status"), Some("200"));
        assert_eq!(h.get_str("content-type"), Some("text/css"));
        assert_eq!(h.get_str("accept"), Some("text/css"));
        let reply = main.response().await.unwrap();
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        assert_eq!(reply.get_str("content-type"), Some("text/html"));
        read_from_them(&mut main, b"main page").await;
        read_from_them(&mut push, b"pushed body").await;
        drop((main, push));
        t.check_healthy().await;
    })
    .await;
}

#[tokio::test]
async fn their_server_resets_our_stream_mid_body() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        let mut s = t
            .conn
            .open(
                request("POST", "/reset-me", &t.authority, &[]),
                open_options(false),
            )
            .await
            .unwrap();
        let reply = s.response().await.unwrap();
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        let got = read_exactly(&mut s, 65536).await;
        assert_eq!(got, pattern(65536, 3));
        // Our "now" makes it reset the stream with INTERNAL_ERROR.
        s.send(Bytes::from_static(b"now"), false).await.unwrap();
        t.node
            .line("RESET_SENT /reset-me code=INTERNAL_ERROR")
            .await;
        let err = s.recv().await.expect("an error, not the end").unwrap_err();
        assert_reset(err, RstStatus::INTERNAL_ERROR, Initiator::Remote);
        drop(s);
        t.check_healthy().await;
        let stats = t.conn.stats();
        assert_eq!(stats.resets_received, 1, "{stats:?}");
        assert_eq!(
            stats.frames_sent[RST_STREAM], 0,
            "never answer a reset (S-25)"
        );
    })
    .await;
}

#[tokio::test]
async fn our_client_resets_an_upload_to_their_server() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        let mut s = t
            .conn
            .open(
                request("POST", "/upload-reset", &t.authority, &[]),
                open_options(false),
            )
            .await
            .unwrap();
        s.send(pattern(32768, 4), false).await.unwrap();
        let reply = s.response().await.unwrap();
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        let ack = s.recv().await.unwrap().unwrap();
        assert_eq!(ack, "ACK 32768");
        s.reset(RstStatus::CANCEL).unwrap();
        let err = s.send(Bytes::from_static(b"more"), true).await.unwrap_err();
        assert_reset(err, RstStatus::CANCEL, Initiator::Local);
        assert_eq!(
            t.node.line("RESET_SEEN").await,
            "RESET_SEEN /upload-reset code=CANCEL received=32768"
        );
        drop(s);
        t.check_healthy().await;
        // It answers our RST_STREAM with a RST_STREAM CANCEL of its own (SPDY31.md §8.5,
        // S-25 say it must not); we take it quietly and answer nothing.
        let stats = t.conn.stats();
        assert_eq!(stats.resets_received, 1, "{stats:?}");
        assert_eq!(stats.frames_sent[RST_STREAM], 1, "{stats:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_runs_100_concurrent_streams_on_their_server() {
    bounded(async {
        let mut t = their_server(&[], Config::default()).await;
        // The server answers none of them until all 100 are open.
        let mut tasks = Vec::new();
        for i in 0..100u32 {
            let conn = t.conn.clone();
            let authority = t.authority.clone();
            tasks.push(tokio::spawn(async move {
                let path = format!("/many/{i}");
                let mut s = conn
                    .open(
                        request("GET", &path, &authority, &[("x-barrier", "100")]),
                        open_options(true),
                    )
                    .await
                    .unwrap();
                let reply = s.response().await.unwrap();
                assert_eq!(reply.get_str(":status"), Some("200 OK"));
                assert_eq!(reply.get_str("x-index"), Some(i.to_string().as_str()));
                read_from_them(&mut s, &pattern(16384, i as u8)).await;
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let stats = t.conn.stats();
        assert_eq!(stats.streams, 0, "{stats:?}");
        t.check_healthy().await;
    })
    .await;
}

/// Small windows on both sides: our streams grant 16 KiB and the session 64 KiB; its
/// session and streams grant 64 KiB. A 1 MiB body streams both ways at once, and another
/// is buffered and echoed; both are far larger than any window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_client_bodies_larger_than_small_windows() {
    bounded(async {
        let config = Config {
            initial_window: 16 * 1024,
            max_stream_window: 0,
            session_window: 64 * 1024,
            max_session_window: 0,
            ..Config::default()
        };
        let mut t = their_server(&["--window", "65536"], config).await;
        let body = pattern(1 << 20, 2);
        let mut s = t
            .conn
            .open(
                request("POST", "/echo-stream", &t.authority, &[]),
                open_options(false),
            )
            .await
            .unwrap();
        let reply = s.response().await.unwrap();
        assert_eq!(reply.get_str(":status"), Some("200 OK"));
        let (mut rd, mut wr) = tokio::io::split(s);
        let send = body.clone();
        let writer = tokio::spawn(async move {
            wr.write_all(&send).await.unwrap();
            wr.shutdown().await.unwrap();
            wr
        });
        // Through AsyncRead: a reset is an io::Error (ConnectionReset) here.
        let mut got = Vec::new();
        if let Err(e) = rd.read_to_end(&mut got).await {
            let race = e.kind() == std::io::ErrorKind::ConnectionReset
                && e.to_string().contains("INVALID_STREAM")
                && got.len() == body.len();
            assert!(race, "{e} after {} bytes", got.len());
            note_fin_race();
        }
        let wr = writer.await.unwrap();
        drop(rd.unsplit(wr));
        assert!(
            got == body,
            "streamed echo differs (got {} bytes)",
            got.len()
        );

        let mut s = t
            .conn
            .open(
                request("POST", "/echo", &t.authority, &[]),
                open_options(false),
            )
            .await
            .unwrap();
        s.send(body.clone(), true).await.unwrap();
        let reply = s.response().await.unwrap();
        assert_eq!(reply.get_str("x-len"), Some("1048576"));
        read_from_them(&mut s, &body).await;
        drop(s);

        // Both sides kept granting credit: 2 MiB through 16/64 KiB windows.
        let stats = t.conn.stats();
        assert!(stats.frames_sent[WINDOW_UPDATE] >= 32, "{stats:?}");
        assert!(stats.frames_received[WINDOW_UPDATE] >= 32, "{stats:?}");
        t.check_healthy().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// spdy-transport's client against our server.

enum ServerEvent {
    Note(String),
    /// A connection ended: its final counters.
    Closed(Box<Stats>),
}

struct OurServer {
    port: u16,
    events: mpsc::UnboundedReceiver<ServerEvent>,
}

impl OurServer {
    async fn start(config: Config) -> OurServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, events) = mpsc::unbounded_channel();
        let barrier = Arc::new(Barrier::new(100));
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (conn, driver) = net::server(tcp, config.clone());
                tokio::spawn(driver);
                let tx = tx.clone();
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    while let Some(stream) = conn.accept().await {
                        let tx = tx.clone();
                        let barrier = barrier.clone();
                        tokio::spawn(async move {
                            if let Err(e) = serve(stream, &tx, &barrier).await {
                                let _ = tx.send(ServerEvent::Note(format!("ERROR {e}")));
                            }
                        });
                    }
                    let _ = tx.send(ServerEvent::Closed(Box::new(conn.stats())));
                });
            }
        });
        OurServer { port, events }
    }

    /// Runs client.js with `args` after the port; returns its output.
    async fn run_client(&self, args: &[&str]) -> Vec<String> {
        let port = self.port.to_string();
        let mut all = vec![port.as_str()];
        all.extend_from_slice(args);
        Node::spawn("client.js", &all).finish().await
    }

    async fn note(&mut self, prefix: &str) -> String {
        loop {
            match tokio::time::timeout(STEP_TIMEOUT, self.events.recv()).await {
                Ok(Some(ServerEvent::Note(n))) if n.starts_with(prefix) => return n,
                Ok(Some(ServerEvent::Note(n))) if n.starts_with("ERROR") => {
                    panic!("our server: {n}")
                }
                Ok(Some(ServerEvent::Note(_))) => {}
                Ok(Some(ServerEvent::Closed(stats))) => {
                    panic!("the connection ended before `{prefix}`: {stats:?}")
                }
                Ok(None) | Err(_) => panic!("our server reported no `{prefix}`"),
            }
        }
    }

    /// The counters of the next connection to end; fails on any error note before it.
    async fn closed(&mut self) -> Stats {
        loop {
            match tokio::time::timeout(STEP_TIMEOUT, self.events.recv()).await {
                Ok(Some(ServerEvent::Closed(stats))) => {
                    assert_clean(&stats);
                    return *stats;
                }
                Ok(Some(ServerEvent::Note(n))) => {
                    assert!(!n.starts_with("ERROR"), "our server: {n}")
                }
                Ok(None) | Err(_) => panic!("the connection did not end"),
            }
        }
    }
}

/// Our server's side of the routes in server.js.
async fn serve(
    mut stream: Stream,
    events: &mpsc::UnboundedSender<ServerEvent>,
    barrier: &Barrier,
) -> Result<(), Error> {
    let h = stream.headers().expect("an accepted stream").clone();
    let method = h.get_str(":method").unwrap_or_default().to_owned();
    let path = h.get_str(":path").unwrap_or_default().to_owned();
    let note = |s: String| {
        let _ = events.send(ServerEvent::Note(s));
    };
    match (method.as_str(), path.as_str()) {
        ("GET", "/hello") => {
            let mut r = spdy3::http::response_headers(200);
            r.insert("content-type", "text/plain");
            r.insert("x-peer", "spdy3");
            r.insert("x-echo-method", method.clone());
            for (name, from) in [
                ("x-echo-authority", ":host"),
                ("x-echo-scheme", ":scheme"),
                ("x-echo-test", "x-test"),
            ] {
                r.insert(name, h.get_str(from).unwrap_or_default().to_owned());
            }
            stream.reply(r, false)?;
            stream
                .send(Bytes::from_static(b"hello from spdy3"), true)
                .await?;
        }
        ("POST", "/echo") => {
            let body = Bytes::from(read_all(&mut stream).await?);
            note(format!(
                "ECHO received={} content-length={}",
                body.len(),
                h.get_str("content-length").unwrap_or("<none>")
            ));
            let mut r = spdy3::http::response_headers(200);
            r.insert("x-len", body.len().to_string());
            stream.reply(r, false)?;
            stream.send(body, true).await?;
        }
        ("POST", "/echo-stream") => {
            stream.reply(spdy3::http::response_headers(200), false)?;
            while let Some(chunk) = stream.recv().await {
                stream.send(chunk?, false).await?;
            }
            stream.finish()?;
        }
        ("GET", "/range") => {
            let all = resource();
            let range = h
                .get_str("range")
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.split_once('-'))
                .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
            match range {
                Some((first, last)) => {
                    let last = last.min(all.len() - 1);
                    let mut r = spdy3::http::response_headers(206);
                    r.insert(
                        "content-range",
                        format!("bytes {first}-{last}/{}", all.len()),
                    );
                    r.insert("content-length", (last - first + 1).to_string());
                    stream.reply(r, false)?;
                    stream.send(all.slice(first..=last), true).await?;
                }
                None => {
                    stream.reply(spdy3::http::response_headers(200), false)?;
                    stream.send(all, true).await?;
                }
            }
        }
        ("GET", "/push") => {
            // SPDY31.md §14.4: spdy-transport's client needs :method and :status in the
            // push SYN_STREAM, besides :scheme, :host and :path.
            let mut p = spdy3::http::response_headers(200);
            p.insert(":method", "GET");
            p.insert(":path", "/pushed.css");
            p.insert(":host", h.get_str(":host").unwrap_or_default().to_owned());
            p.insert(
                ":scheme",
                h.get_str(":scheme").unwrap_or_default().to_owned(),
            );
            p.insert("content-type", "text/css");
            let mut push = stream.push(p, open_options(false))?;
            let mut r = spdy3::http::response_headers(200);
            r.insert("content-type", "text/html");
            stream.reply(r, false)?;
            push.send(Bytes::from_static(b"pushed body"), true).await?;
            stream.send(Bytes::from_static(b"main page"), true).await?;
        }
        ("POST", "/reset-me") => {
            stream.reply(spdy3::http::response_headers(200), false)?;
            stream.send(pattern(65536, 3), false).await?;
            let now = stream.recv().await.expect("the client's signal")?;
            if now != "now" {
                note(format!("ERROR /reset-me: expected \"now\", got {now:?}"));
            }
            stream.reset(RstStatus::INTERNAL_ERROR)?;
            note("RESET_SENT".into());
        }
        ("POST", "/upload-reset") => {
            stream.reply(spdy3::http::response_headers(200), false)?;
            let mut received = Vec::new();
            while received.len() < 32768 {
                let chunk = stream.recv().await.expect("32 KiB before the end")?;
                received.extend_from_slice(&chunk);
            }
            if received != pattern(32768, 4) {
                note("ERROR /upload-reset: the upload differs".into());
            }
            stream
                .send(Bytes::from(format!("ACK {}", received.len())), false)
                .await?;
            let outcome = match stream.recv().await {
                Some(Err(Error::Stream(StreamError::Reset { status, initiator }))) => {
                    format!("status={status:?} initiator={initiator:?}")
                }
                other => format!("unexpected {other:?}"),
            };
            note(format!("RESET_SEEN {outcome} received={}", received.len()));
        }
        ("GET", p) if p.starts_with("/many/") => {
            let i: u32 = p["/many/".len()..].parse().unwrap();
            barrier.wait().await;
            let mut r = spdy3::http::response_headers(200);
            r.insert("x-index", i.to_string());
            stream.reply(r, false)?;
            stream.send(pattern(16384, i as u8), true).await?;
        }
        _ => stream.reply(spdy3::http::response_headers(404), true)?,
    }
    Ok(())
}

#[tokio::test]
async fn their_client_gets_from_our_server() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        let out = server.run_client(&["get"]).await;
        let authority = format!("127.0.0.1:{}", server.port);
        assert_eq!(
            out,
            [
                format!(
                    "RESPONSE status=200 content-type=text/plain x-peer=spdy3 \
                     x-echo-method=GET x-echo-authority={authority} x-echo-scheme=https \
                     x-echo-test=from spdy-transport"
                ),
                "BODY hello from spdy3".into(),
                "DONE".into(),
            ]
        );
        let stats = server.closed().await;
        // Its X_FORWARDED_FOR frame (type 0xF000) was skipped as an unknown type (S-9),
        // and it ended with GOAWAY.
        assert_eq!(stats.frames_received[UNKNOWN], 1, "{stats:?}");
        assert_eq!(stats.frames_received[GOAWAY], 1, "{stats:?}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn their_client_posts_10_mb_echoed_by_our_server() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        let out = server.run_client(&["post-echo", "--len", "10485760"]).await;
        assert_eq!(
            out,
            [
                "ECHO status=200 x-len=10485760 len=10485760 mismatch=-1",
                "DONE"
            ]
        );
        assert_eq!(
            server.note("ECHO").await,
            "ECHO received=10485760 content-length=10485760"
        );
        let stats = server.closed().await;
        assert_eq!(stats.data_received, 10 << 20);
        assert_eq!(stats.data_sent, 10 << 20);
    })
    .await;
}

#[tokio::test]
async fn their_client_range_request_to_our_server() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        let out = server.run_client(&["range"]).await;
        assert_eq!(
            out,
            [
                "RANGE status=206 content-range=bytes 1000-2999/1048576 content-length=2000 \
                 len=2000 mismatch=-1",
                "DONE"
            ]
        );
        server.closed().await;
    })
    .await;
}

#[tokio::test]
async fn our_server_pushes_to_their_client() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        let out = server.run_client(&["push"]).await;
        assert_eq!(out.len(), 3, "{out:?}");
        assert!(
            out.contains(
                &"PUSH path=/pushed.css method=GET status=200 content-type=text/css \
                  body=pushed body"
                    .to_owned()
            ),
            "{out:?}"
        );
        assert!(
            out.contains(&"RESPONSE status=200 body=main page".to_owned()),
            "{out:?}"
        );
        assert_eq!(out[2], "DONE");
        let stats = server.closed().await;
        assert_eq!(stats.frames_received[RST_STREAM], 0, "{stats:?}");
    })
    .await;
}

#[tokio::test]
async fn our_server_resets_their_stream_mid_body() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        let out = server.run_client(&["reset-by-server"]).await;
        assert_eq!(
            out,
            [
                "RESET status=200 code=INTERNAL_ERROR received=65536 mismatch=-1",
                "DONE"
            ]
        );
        server.note("RESET_SENT").await;
        let stats = server.closed().await;
        // Its client answers our reset with RST_STREAM CANCEL (against S-25); we do not
        // answer that.
        assert_eq!(stats.frames_sent[RST_STREAM], 1, "{stats:?}");
        assert_eq!(stats.resets_received, 1, "{stats:?}");
    })
    .await;
}

#[tokio::test]
async fn their_client_resets_an_upload_to_our_server() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        let out = server.run_client(&["reset-by-client"]).await;
        assert_eq!(
            out,
            [
                "ABORTING ack=ACK 32768",
                "AFTER status=200 body=hello from spdy3",
                "DONE"
            ]
        );
        assert_eq!(
            server.note("RESET_SEEN").await,
            "RESET_SEEN status=CANCEL initiator=Remote received=32768"
        );
        let stats = server.closed().await;
        assert_eq!(stats.resets_received, 1, "{stats:?}");
        assert_eq!(
            stats.frames_sent[RST_STREAM], 0,
            "never answer a reset (S-25)"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn their_client_runs_100_concurrent_streams_on_our_server() {
    bounded(async {
        let mut server = OurServer::start(Config::default()).await;
        // Our server holds every answer at a barrier until all 100 streams are open.
        let out = server.run_client(&["concurrent", "--n", "100"]).await;
        assert_eq!(out, ["CONCURRENT ok=100", "DONE"]);
        let stats = server.closed().await;
        assert_eq!(
            stats.frames_received[SYN_STREAM], 100,
            "SYN_STREAMs: {stats:?}"
        );
    })
    .await;
}

/// Small windows on both sides (ours 16 KiB per stream and 64 KiB for the session, its
/// 64 KiB): 1 MiB streamed both ways at once, and 1 MiB buffered and echoed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn their_client_bodies_larger_than_small_windows() {
    bounded(async {
        // Fixed windows: no growth for readers that keep up.
        let config = Config {
            initial_window: 16 * 1024,
            max_stream_window: 0,
            session_window: 64 * 1024,
            max_session_window: 0,
            ..Config::default()
        };
        let mut server = OurServer::start(config).await;
        let out = server
            .run_client(&["echo-stream", "--len", "1048576", "--window", "65536"])
            .await;
        assert_eq!(
            out,
            ["ECHO-STREAM status=200 len=1048576 mismatch=-1", "DONE"]
        );
        let stats = server.closed().await;
        assert!(stats.frames_sent[WINDOW_UPDATE] >= 32, "{stats:?}");
        assert!(stats.frames_received[WINDOW_UPDATE] >= 16, "{stats:?}");

        let out = server
            .run_client(&["post-echo", "--len", "1048576", "--window", "65536"])
            .await;
        assert_eq!(
            out,
            [
                "ECHO status=200 x-len=1048576 len=1048576 mismatch=-1",
                "DONE"
            ]
        );
        server.note("ECHO received=1048576").await;
        server.closed().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// A deterministic replay of a race seen against spdy-transport.

/// spdy-transport forgets a stream once both sides have finished, and answers a
/// WINDOW_UPDATE for it with RST_STREAM INVALID_STREAM (SPDY31.md S-60 says to ignore it).
/// When our WINDOW_UPDATE crosses its FIN, that reset arrives after the FIN, for a stream
/// whose response is complete but partly unread: it must not turn the response into an
/// error. (Seen in `our_client_range_request_to_their_server`, which reads 1 MiB through a
/// 1 MiB window. When the reset overtakes a FIN still queued on its side, nothing on the
/// wire says the body was complete: see [`read_from_them`].)
#[test]
fn reset_after_both_fins_leaves_a_complete_response_readable() {
    use spdy3::frame::{Frame, RstStream};
    use spdy3::session::{Event, Read, Role, Session};
    use spdy3::testing::{encode, events, RawPeer};
    use spdy3::time::Instant;

    let now = Instant(0);
    let config = Config {
        initial_window: 1 << 20,
        ..Config::default()
    };
    let mut client = Session::new(Role::Client, config, now);
    let mut peer = RawPeer::new();
    let id = client
        .open_stream(RawPeer::request("/range"), open_options(true), now)
        .unwrap();
    peer.drain(&mut client, now);
    // 600 KiB in 8 KiB frames, as spdy-transport sends them; we read it all, which is more
    // than half the 1 MiB stream window: a WINDOW_UPDATE goes out.
    let body = pattern(600 << 10, 9);
    let mut wire = peer.syn_reply(id, &RawPeer::response(), false);
    for chunk in body.chunks(8192) {
        wire.extend(RawPeer::data(id, chunk, false));
    }
    peer.exchange(&mut client, &wire, now);
    let mut got = Vec::new();
    while let Ok(Read::Data(b)) = client.read(id, usize::MAX) {
        got.extend_from_slice(&b);
    }
    let sent = peer.drain(&mut client, now);
    assert!(
        sent.iter()
            .any(|s| matches!(s.frame, Frame::WindowUpdate(w) if w.stream_id == id)),
        "{sent:?}"
    );
    // Its last bytes and FIN cross our WINDOW_UPDATE; its answer to that is the reset.
    let tail = pattern(100, 10);
    let mut wire = RawPeer::data(id, &tail, false);
    wire.extend(RawPeer::data(id, &[], true));
    wire.extend(encode(&Frame::RstStream(RstStream {
        stream_id: id,
        status: RstStatus::INVALID_STREAM,
    })));
    let sent = peer.exchange(&mut client, &wire, now);
    assert!(
        !sent.iter().any(|s| matches!(s.frame, Frame::RstStream(_))),
        "never answer a RST_STREAM (S-25): {sent:?}"
    );
    let evs = events(&mut client);
    assert!(
        !evs.iter().any(|e| matches!(e, Event::StreamReset { .. })),
        "{evs:?}"
    );
    loop {
        match client.read(id, usize::MAX) {
            Ok(Read::Data(b)) => got.extend_from_slice(&b),
            Ok(Read::Fin) => break,
            other => panic!("expected the rest of the body, then its end: {other:?}"),
        }
    }
    assert_eq!(got.len(), body.len() + tail.len());
    assert!(got[..body.len()] == body[..] && got[body.len()..] == tail[..]);
    assert_eq!(client.stats().streams, 0);
}
