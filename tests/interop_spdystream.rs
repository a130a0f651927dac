//! Interop with moby/spdystream, the Go SPDY/3.1 library under `kubectl exec` and
//! `port-forward` (KUBERNETES.md, SPDY31.md §2.3 and §17), in both roles.
//!
//! The peer is tests/interop/spdystream/peer.go, built from Debian's
//! golang-github-docker-spdystream-dev by scripts/setup_spdystream.sh (run by
//! scripts/setup.sh) into target/interop/spdystream-peer (or `$SPDYSTREAM_PEER`). The
//! tests fail, never skip, when it is missing. Our side always runs in the compatibility
//! mode, `Config::kubernetes()` (raw streams, lenient flow control), through
//! `net::upgrade::{client, server}` where the HTTP/1.1 handshake is part of the test.
//!
//! The peer prints `PASS`/`FAIL` lines for its own checks and event lines (`STREAM`,
//! `ECHOED`, `RESET-SENT`, `RESET-RECEIVED`, `GOAWAY-RECEIVED`, ...); each test asserts
//! exact bytes on our side and the exact lines the peer printed. The `sans_io` module at the
//! end pins, frame by frame and without the peer, the engine behaviours these tests found
//! missing (data before a peer's reset, GOAWAY behind queued data, EOF after GOAWAY).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use bytes::Bytes;
use spdy3::frame::{GoAwayStatus, RstStatus};
use spdy3::header_block::HeaderList;
use spdy3::net::{self, upgrade, Connection, Error, Stream};
use spdy3::session::{
    CommandError, Config, Initiator, OpenOptions, SessionError, SessionErrorKind, StreamError,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::timeout;

/// Bound on one whole test.
const TEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on any single wait inside a test.
const STEP: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// The Go peer process.

fn peer_path() -> PathBuf {
    match std::env::var_os("SPDYSTREAM_PEER") {
        Some(p) => p.into(),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/interop/spdystream-peer"),
    }
}

/// A running peer; killed when dropped (a failing test leaves nothing behind).
struct Peer {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    log: Vec<String>,
    stderr: JoinHandle<String>,
}

impl Peer {
    fn spawn(args: &[&str]) -> Peer {
        let path = peer_path();
        assert!(
            path.is_file(),
            "the moby/spdystream peer is missing at {}: run scripts/setup.sh \
             (scripts/setup_spdystream.sh installs Go and spdystream from Debian and builds it)",
            path.display()
        );
        let mut child = Command::new(&path)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut reader = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().expect("piped stderr");
        let stderr = tokio::spawn(async move {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s).await;
            s
        });
        Peer {
            child,
            lines,
            log: Vec::new(),
            stderr,
        }
    }

    /// Waits for the first line starting with `prefix` and returns it.
    async fn line(&mut self, prefix: &str) -> String {
        loop {
            match timeout(STEP, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.log.push(line.clone());
                    if line.starts_with(prefix) {
                        return line;
                    }
                }
                Ok(None) => panic!(
                    "the peer ended before printing `{prefix}`:\n{}",
                    self.log.join("\n")
                ),
                Err(_) => panic!(
                    "no `{prefix}` from the peer in {STEP:?}:\n{}",
                    self.log.join("\n")
                ),
            }
        }
    }

    /// The server's `LISTEN` address.
    async fn listen_addr(&mut self) -> String {
        let line = self.line("LISTEN ").await;
        line["LISTEN ".len()..].to_string()
    }

    /// Waits for the peer to exit; asserts it passed its own checks and printed every line
    /// of `expected` (exactly, in any order); returns everything it printed.
    async fn finish(mut self, expected: &[&str]) -> Vec<String> {
        let status = match timeout(STEP, self.child.wait()).await {
            Ok(status) => status.expect("waiting for the peer"),
            Err(_) => panic!(
                "the peer did not exit within {STEP:?}:\n{}",
                self.log.join("\n")
            ),
        };
        while let Ok(Some(line)) = timeout(STEP, self.lines.recv()).await {
            self.log.push(line);
        }
        let stderr = timeout(STEP, &mut self.stderr)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let text = format!("{}\n--- peer stderr ---\n{stderr}", self.log.join("\n"));
        assert!(
            status.success() && self.log.last().map(String::as_str) == Some("RESULT PASS"),
            "the spdystream peer failed ({status}):\n{text}"
        );
        assert!(
            !self.log.iter().any(|l| l.starts_with("FAIL")),
            "the peer reported failures:\n{text}"
        );
        for want in expected {
            assert!(
                self.log.iter().any(|l| l == want),
                "the peer did not print `{want}`:\n{text}"
            );
        }
        self.log
    }
}

// ---------------------------------------------------------------------------------------
// Our side.

/// The bytes peer.go's `pattern(n, seed)` makes.
fn pattern(n: usize, seed: usize) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 7 + seed * 13 + i / 251) & 0xff) as u8)
        .collect()
}

/// kubectl's port-forward headers (spdystream lower-cases names; we send them so), plus
/// the peer's `action` controls.
fn k8s_headers(streamtype: &str, requestid: u32, extra: &[(&str, &str)]) -> HeaderList {
    let requestid = requestid.to_string();
    let mut pairs = vec![
        ("streamtype", streamtype),
        ("port", "8080"),
        ("requestid", requestid.as_str()),
    ];
    pairs.extend_from_slice(extra);
    pairs.into_iter().collect()
}

fn names(h: &HeaderList) -> Vec<String> {
    h.iter()
        .map(|(n, v)| {
            format!(
                "{}={}",
                String::from_utf8_lossy(n),
                String::from_utf8_lossy(v)
            )
        })
        .collect()
}

async fn open(conn: &Connection, headers: HeaderList) -> Stream {
    timeout(STEP, conn.open(headers, OpenOptions::default()))
        .await
        .expect("open timed out")
        .expect("open")
}

/// Reads to the end (or the error that ended the stream) and returns what arrived.
async fn read_to_end(s: &mut Stream) -> (Vec<u8>, Option<Error>) {
    let mut got = Vec::new();
    loop {
        match timeout(STEP, s.recv()).await.expect("recv timed out") {
            Some(Ok(b)) => got.extend_from_slice(&b),
            Some(Err(e)) => return (got, Some(e)),
            None => return (got, None),
        }
    }
}

/// Reads exactly `n` bytes.
async fn read_exact(s: &mut Stream, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        match timeout(STEP, s.recv()).await.expect("recv timed out") {
            Some(Ok(b)) => got.extend_from_slice(&b),
            other => panic!("stream ended after {} of {n} bytes: {other:?}", got.len()),
        }
    }
    assert_eq!(got.len(), n, "more than the {n} bytes expected");
    got
}

/// Sends `data` and FIN while reading the echo concurrently (AsyncRead/AsyncWrite halves),
/// and returns the echo.
async fn round_trip(s: Stream, data: Vec<u8>) -> Vec<u8> {
    let (mut r, mut w) = tokio::io::split(s);
    let write = async move {
        w.write_all(&data).await.expect("write");
        w.shutdown().await.expect("FIN");
        w
    };
    let read = async move {
        let mut got = Vec::new();
        r.read_to_end(&mut got).await.expect("read the echo");
        (r, got)
    };
    let (_w, (_r, got)) = timeout(STEP, async { tokio::join!(write, read) })
        .await
        .expect("round trip timed out");
    got
}

/// Our server's echo of one accepted stream: empty SYN_REPLY (as Kubernetes), every chunk
/// sent back as it arrives, FIN after the peer's FIN. Returns everything received.
async fn echo(mut s: Stream) -> Result<Vec<u8>, (Vec<u8>, Error)> {
    s.reply(HeaderList::new(), false)
        .map_err(|e| (Vec::new(), e))?;
    let mut got = Vec::new();
    while let Some(chunk) = timeout(STEP, s.recv()).await.expect("recv timed out") {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => return Err((got, e)),
        };
        got.extend_from_slice(&chunk);
        if let Err(e) = s.send(chunk, false).await {
            return Err((got, e));
        }
    }
    s.send(Bytes::new(), true)
        .await
        .map_err(|e| (got.clone(), e))?;
    Ok(got)
}

async fn accept(conn: &Connection) -> Stream {
    timeout(STEP, conn.accept())
        .await
        .expect("accept timed out")
        .expect("the session ended before a stream came")
}

async fn closed(conn: &Connection) -> Error {
    timeout(STEP, conn.closed())
        .await
        .expect("the session did not end")
}

/// Asserts how the session ended (always GOAWAY status OK here).
fn assert_ended(e: Error, initiator: Initiator, kind: SessionErrorKind) {
    let want = SessionError {
        status: GoAwayStatus::OK,
        initiator,
        kind,
    };
    match e {
        Error::Session(got) => assert_eq!(got, want, "{got}"),
        other => panic!("expected the session to end ({want}), got {other:?}"),
    }
}

fn assert_reset_by_peer(e: Option<Error>) {
    match e {
        Some(Error::Stream(StreamError::Reset {
            status,
            initiator: Initiator::Remote,
        })) if status == RstStatus::CANCEL => {}
        other => panic!("expected RST_STREAM CANCEL from the peer, got {other:?}"),
    }
}

async fn bounded<F: std::future::Future<Output = ()>>(f: F) {
    timeout(TEST_TIMEOUT, f).await.expect("test timed out");
}

/// A TCP listener for the Go client and its address.
async fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap().to_string();
    (l, addr)
}

async fn accept_tcp(l: &TcpListener) -> TcpStream {
    let (tcp, _) = timeout(STEP, l.accept())
        .await
        .expect("the Go client did not connect")
        .unwrap();
    tcp
}

// ---------------------------------------------------------------------------------------
// spdystream as the server, we are the client.

/// Plain TCP: a port-forward stream echoed, our PING answered, then our graceful GOAWAY
/// (last-good 0: a client has seen no server streams) closes both ends.
#[tokio::test]
async fn go_server_echo_ping_and_our_goaway() {
    bounded(async {
        let mut peer = Peer::spawn(&["server"]);
        let tcp = TcpStream::connect(peer.listen_addr().await).await.unwrap();
        let (conn, driver) = net::client(tcp, Config::kubernetes());
        let driver = tokio::spawn(driver);

        let mut s = open(&conn, k8s_headers("data", 0, &[])).await;
        assert_eq!(s.id(), 1);
        let reply = timeout(STEP, s.response()).await.unwrap().unwrap();
        assert!(reply.iter().next().is_none(), "{:?}", names(&reply));
        s.send(Bytes::from_static(b"hello spdystream"), true)
            .await
            .unwrap();
        let (got, err) = read_to_end(&mut s).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, b"hello spdystream");
        drop(s);

        timeout(STEP, conn.ping()).await.unwrap().expect("ping");

        conn.goaway();
        assert_ended(
            closed(&conn).await,
            Initiator::Local,
            SessionErrorKind::Closed,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&[
            "STREAM id=1 streamtype=data port=8080 requestid=0 action=",
            "ECHOED id=1 bytes=16",
            "GOAWAY-RECEIVED last=0",
            "SERVER-DONE",
        ])
        .await;
    })
    .await;
}

/// The Kubernetes handshake to spdystream's side, then a port-forward pair: the error stream
/// FINned at once (as kubectl does) and read to its empty end, and 1 MiB each way on the
/// data stream at the same time. spdystream never sends WINDOW_UPDATE: a sender honouring
/// the 64 KiB window would stall here.
#[tokio::test]
async fn go_server_upgrade_port_forward_one_mib_each_way() {
    bounded(async {
        let mut peer = Peer::spawn(&["server", "-upgrade", "-protocols", "portforward.k8s.io"]);
        let addr = peer.listen_addr().await;
        let tcp = TcpStream::connect(&addr).await.unwrap();
        let up = upgrade::client(
            tcp,
            &addr,
            "/api/v1/namespaces/default/pods/web-0/portforward",
            &["portforward.k8s.io"],
            &[("User-Agent", "spdy3-interop")],
            Config::kubernetes(),
        )
        .await
        .expect("upgrade");
        assert_eq!(up.protocol, "portforward.k8s.io");
        let conn = up.connection;
        let driver = tokio::spawn(up.driver);

        let mut error = open(&conn, k8s_headers("error", 0, &[])).await;
        timeout(STEP, error.response()).await.unwrap().unwrap();
        error.finish().unwrap();
        let mut data = open(&conn, k8s_headers("data", 0, &[])).await;
        timeout(STEP, data.response()).await.unwrap().unwrap();

        let payload = pattern(1 << 20, 11);
        let got = round_trip(data, payload.clone()).await;
        assert_eq!(got.len(), payload.len());
        assert!(got == payload, "the 1 MiB echo differs");
        let (rest, err) = read_to_end(&mut error).await;
        assert!(rest.is_empty() && err.is_none(), "{rest:?} {err:?}");
        drop(error);

        conn.goaway();
        assert_ended(
            closed(&conn).await,
            Initiator::Local,
            SessionErrorKind::Closed,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&[
            "PASS upgrade method=POST path=/api/v1/namespaces/default/pods/web-0/portforward \
             offered=portforward.k8s.io protocol=portforward.k8s.io",
            "STREAM id=1 streamtype=error port=8080 requestid=0 action=",
            "STREAM id=3 streamtype=data port=8080 requestid=0 action=",
            "ECHOED id=1 bytes=0",
            "ECHOED id=3 bytes=1048576",
        ])
        .await;
    })
    .await;
}

/// Eight streams opened at once, each echoing its own 100 KiB (spdystream hands frames to 5
/// worker queues by stream id), and a stream whose SYN_REPLY and HEADERS carry headers, with
/// our HEADERS frame echoed back.
#[tokio::test]
async fn go_server_concurrent_streams_and_headers() {
    bounded(async {
        let mut peer = Peer::spawn(&["server"]);
        let tcp = TcpStream::connect(peer.listen_addr().await).await.unwrap();
        let (conn, driver) = net::client(tcp, Config::kubernetes());
        let driver = tokio::spawn(driver);

        let mut tasks = Vec::new();
        for i in 0..8u32 {
            let conn = conn.clone();
            tasks.push(tokio::spawn(async move {
                let kind = if i % 2 == 0 { "error" } else { "data" };
                let s = open(&conn, k8s_headers(kind, i / 2, &[])).await;
                let want = pattern(100 * 1024 + i as usize, i as usize);
                let got = round_trip(s, want.clone()).await;
                assert!(
                    got == want,
                    "stream {i}: echo differs ({} bytes)",
                    got.len()
                );
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }

        let mut s = open(&conn, k8s_headers("data", 9, &[("action", "headers")])).await;
        let reply = timeout(STEP, s.response()).await.unwrap().unwrap();
        assert_eq!(reply.get_str("x-streamtype"), Some("data"));
        assert_eq!(reply.get_str("x-port"), Some("8080"));
        assert_eq!(reply.get_str("x-requestid"), Some("9"));
        assert_eq!(reply.iter().count(), 3, "{:?}", names(&reply));
        let h = next_headers(&mut s).await;
        assert_eq!(names(&h), ["x-phase=after-reply"]);
        s.send_headers([("x-ask", "42")].into_iter().collect(), false)
            .unwrap();
        let h = next_headers(&mut s).await;
        assert_eq!(names(&h), ["x-ask=42"]);
        s.send(Bytes::from_static(b"with headers"), true)
            .await
            .unwrap();
        let (got, err) = read_to_end(&mut s).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, b"with headers");
        drop(s);

        conn.goaway();
        assert_ended(
            closed(&conn).await,
            Initiator::Local,
            SessionErrorKind::Closed,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        let mut expected = Vec::new();
        for i in 0..8u32 {
            expected.push(format!("ECHOED id={} bytes={}", 2 * i + 1, 100 * 1024 + i));
        }
        expected.push("STREAM id=17 streamtype=data port=8080 requestid=9 action=headers".into());
        expected.push("ECHOED id=17 bytes=12".into());
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        let log = peer.finish(&expected).await;
        // Ids were taken in the order the opens ran; each was opened once.
        for i in 0..8u32 {
            let id = 2 * i + 1;
            assert_eq!(
                log.iter()
                    .filter(|l| l.starts_with(&format!("STREAM id={id} ")))
                    .count(),
                1
            );
        }
    })
    .await;
}

/// HEADERS frames received so far, waiting up to `STEP` for the next.
async fn next_headers(s: &mut Stream) -> HeaderList {
    let deadline = tokio::time::Instant::now() + STEP;
    loop {
        if let Some(h) = s.take_headers() {
            return h;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no HEADERS frame in {STEP:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Resets both ways: spdystream rejects a stream (RST_STREAM CANCEL, no SYN_REPLY), resets
/// one after echoing 1000 bytes, gets our RST_STREAM after 2000 echoed bytes, and the
/// session still carries a stream afterwards.
#[tokio::test]
async fn go_server_resets_both_ways() {
    bounded(async {
        let mut peer = Peer::spawn(&["server"]);
        let tcp = TcpStream::connect(peer.listen_addr().await).await.unwrap();
        let (conn, driver) = net::client(tcp, Config::kubernetes());
        let driver = tokio::spawn(driver);

        // Rejected: the SYN_REPLY never comes.
        let mut s = open(&conn, k8s_headers("data", 0, &[("action", "reject")])).await;
        let e = timeout(STEP, s.response()).await.unwrap().err();
        assert_reset_by_peer(e);
        drop(s);

        // Reset by them after 1000 of our 5000 bytes were echoed.
        let mut s = open(
            &conn,
            k8s_headers(
                "data",
                1,
                &[("action", "reset-after"), ("reset-after", "1000")],
            ),
        )
        .await;
        timeout(STEP, s.response()).await.unwrap().unwrap();
        s.send(Bytes::from(pattern(5000, 1)), false).await.unwrap();
        let (got, err) = read_to_end(&mut s).await;
        assert_reset_by_peer(err);
        assert_eq!(got, pattern(1000, 1));
        drop(s);

        // Reset by us after 2000 echoed bytes.
        let mut s = open(&conn, k8s_headers("data", 2, &[])).await;
        timeout(STEP, s.response()).await.unwrap().unwrap();
        s.send(Bytes::from(pattern(2000, 2)), false).await.unwrap();
        assert_eq!(read_exact(&mut s, 2000).await, pattern(2000, 2));
        s.reset(RstStatus::CANCEL).unwrap();
        drop(s);

        // The session is unharmed.
        let mut s = open(&conn, k8s_headers("data", 3, &[])).await;
        s.send(Bytes::from_static(b"alive"), true).await.unwrap();
        let (got, err) = read_to_end(&mut s).await;
        assert!(err.is_none(), "{err:?}");
        assert_eq!(got, b"alive");
        drop(s);

        conn.goaway();
        assert_ended(
            closed(&conn).await,
            Initiator::Local,
            SessionErrorKind::Closed,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&[
            "REJECTED id=1",
            "RESET-SENT id=3 after=1000",
            "RESET-RECEIVED id=5 after=2000",
            "ECHOED id=7 bytes=5",
        ])
        .await;
    })
    .await;
}

/// spdystream sends GOAWAY (last-good 1) right after replying to stream 1: we open nothing
/// more, stream 1 still runs to its end (200 KiB echoed), then the connection closes.
#[tokio::test]
async fn go_server_goaway_theirs_lets_the_open_stream_finish() {
    bounded(async {
        let mut peer = Peer::spawn(&["server"]);
        let tcp = TcpStream::connect(peer.listen_addr().await).await.unwrap();
        let (conn, driver) = net::client(tcp, Config::kubernetes());
        let driver = tokio::spawn(driver);

        let mut s = open(&conn, k8s_headers("data", 0, &[("action", "goaway")])).await;
        timeout(STEP, s.response()).await.unwrap().unwrap();
        let want = pattern(200 * 1024, 4);
        s.send(Bytes::copy_from_slice(&want[..100 * 1024]), false)
            .await
            .unwrap();
        // The GOAWAY was written before any echo byte: it has arrived by now.
        let first = read_exact(&mut s, 100 * 1024).await;
        match conn
            .open(k8s_headers("data", 1, &[]), OpenOptions::default())
            .await
        {
            Err(Error::Command(CommandError::GoingAway)) => {}
            Err(other) => panic!("open after GOAWAY: {other:?}"),
            Ok(s) => panic!("opened stream {} after GOAWAY", s.id()),
        }
        s.send(Bytes::copy_from_slice(&want[100 * 1024..]), true)
            .await
            .unwrap();
        let (rest, err) = read_to_end(&mut s).await;
        assert!(err.is_none(), "{err:?}");
        assert!([first, rest].concat() == want, "the echo differs");
        drop(s);

        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::GoAway,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&["GOAWAY-SENT", "ECHOED id=1 bytes=204800", "SERVER-DONE"])
            .await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// spdystream as the client, we are the server.

/// The Kubernetes handshake from spdystream's side (one protocol line and one comma list,
/// as client-go may send), a port-forward stream echoed, spdystream's PING answered, and
/// its GOAWAY (last-good 0) ending our session.
#[tokio::test]
async fn go_client_upgrade_echo_ping_and_their_goaway() {
    bounded(async {
        let (l, addr) = listener().await;
        let peer = Peer::spawn(&[
            "client",
            "-addr",
            &addr,
            "-scenario",
            "echo",
            "-upgrade",
            "-offer",
            "v5.channel.k8s.io|v4.channel.k8s.io, v3.channel.k8s.io",
            "-expect-protocol",
            "v4.channel.k8s.io",
        ]);
        let up = upgrade::server(
            accept_tcp(&l).await,
            &["v4.channel.k8s.io", "channel.k8s.io"],
            Config::kubernetes(),
        )
        .await
        .expect("upgrade");
        assert_eq!(up.protocol, "v4.channel.k8s.io");
        let conn = up.connection;
        let driver = tokio::spawn(up.driver);

        let s = accept(&conn).await;
        assert_eq!(s.id(), 1);
        let mut got = names(s.headers().unwrap());
        got.sort();
        assert_eq!(got, ["port=8080", "requestid=0", "streamtype=data"]);
        assert_eq!(echo(s).await.unwrap(), b"hello from spdystream");

        assert!(timeout(STEP, conn.accept()).await.unwrap().is_none());
        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::GoAway,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&[
            "PASS upgrade protocol=v4.channel.k8s.io",
            "PASS echo id=1 bytes=21",
            "PASS ping",
            "PASS closed",
        ])
        .await;
    })
    .await;
}

/// 1 MiB each way on one stream, written by spdystream in 32 KiB DATA frames without
/// looking at any window: our lenient receiver takes it and our sender does not wait for
/// WINDOW_UPDATEs that never come.
#[tokio::test]
async fn go_client_one_mib_each_way() {
    bounded(async {
        let (l, addr) = listener().await;
        let peer = Peer::spawn(&[
            "client",
            "-addr",
            &addr,
            "-scenario",
            "big",
            "-size",
            "1048576",
        ]);
        let (conn, driver) = net::server(accept_tcp(&l).await, Config::kubernetes());
        let driver = tokio::spawn(driver);
        let s = accept(&conn).await;
        let got = echo(s).await.unwrap();
        assert_eq!(got.len(), 1 << 20);
        assert!(got == pattern(1 << 20, 1), "the received 1 MiB differs");
        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::GoAway,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&["PASS big id=1 bytes=1048576", "PASS closed"])
            .await;
    })
    .await;
}

/// Four kubectl-style port-forward pairs (error, data; request ids 0..3), then all eight
/// streams echo 64 KiB + i at once.
#[tokio::test]
async fn go_client_concurrent_port_forward_pairs() {
    bounded(async {
        let (l, addr) = listener().await;
        let size = 64 * 1024;
        let peer = Peer::spawn(&[
            "client",
            "-addr",
            &addr,
            "-scenario",
            "concurrent",
            "-pairs",
            "4",
            "-size",
            &size.to_string(),
        ]);
        let (conn, driver) = net::server(accept_tcp(&l).await, Config::kubernetes());
        let driver = tokio::spawn(driver);
        let mut tasks = Vec::new();
        for i in 0..8usize {
            let s = accept(&conn).await;
            let id = s.id() as usize;
            assert_eq!(id, 2 * i + 1);
            let h = s.headers().unwrap();
            assert_eq!(
                h.get_str("streamtype"),
                Some(if i % 2 == 0 { "error" } else { "data" })
            );
            assert_eq!(h.get_str("requestid"), Some((i / 2).to_string().as_str()));
            assert_eq!(h.get_str("port"), Some("8080"));
            tasks.push(tokio::spawn(async move {
                let got = echo(s).await.unwrap();
                assert!(
                    got == pattern(size + i, id),
                    "stream {id}: received bytes differ ({} bytes)",
                    got.len()
                );
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::GoAway,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        let expected: Vec<String> = (0..8)
            .map(|i| format!("PASS stream id={} bytes={}", 2 * i + 1, size + i))
            .collect();
        let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        expected.push("PASS closed");
        peer.finish(&expected).await;
    })
    .await;
}

/// Resets both ways with spdystream as the client: we reject stream 1 before replying (its
/// creation fails with "stream reset", as kubectl sees from the kubelet), reset stream 3
/// after echoing 1000 bytes, get its RST_STREAM CANCEL on stream 5 after 2000 bytes, and
/// stream 7 still echoes.
#[tokio::test]
async fn go_client_resets_both_ways() {
    bounded(async {
        let (l, addr) = listener().await;
        let peer = Peer::spawn(&["client", "-addr", &addr, "-scenario", "resets"]);
        let (conn, driver) = net::server(accept_tcp(&l).await, Config::kubernetes());
        let driver = tokio::spawn(driver);

        let mut s = accept(&conn).await;
        assert_eq!(s.id(), 1);
        s.reset(RstStatus::CANCEL).unwrap();
        drop(s);

        let mut s = accept(&conn).await;
        assert_eq!(s.id(), 3);
        s.reply(HeaderList::new(), false).unwrap();
        let got = read_exact_at_least(&mut s, 1000).await;
        assert_eq!(&got[..1000], &pattern(1000, 3)[..]);
        s.send(Bytes::copy_from_slice(&got[..1000]), false)
            .await
            .unwrap();
        // `send` resolves once the data is queued, and a reset drops what is still queued:
        // a PING round trip makes sure the DATA left first (the PING and the DATA go out in
        // the same write, PING first).
        timeout(STEP, conn.ping()).await.unwrap().expect("ping");
        s.reset(RstStatus::CANCEL).unwrap();
        drop(s);

        let s = accept(&conn).await;
        assert_eq!(s.id(), 5);
        let (got, e) = echo(s).await.expect_err("spdystream resets stream 5");
        assert_eq!(got, pattern(2000, 5));
        assert_reset_by_peer(Some(e));

        let s = accept(&conn).await;
        assert_eq!(s.id(), 7);
        assert_eq!(echo(s).await.unwrap(), b"still alive after resets");

        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::GoAway,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&[
            "PASS rejected stream reset before reply",
            "PASS reset by server after 1000 bytes",
            "PASS reset sent id=5 after 2000 bytes",
            "PASS echo after resets id=7",
            "PASS closed",
        ])
        .await;
    })
    .await;
}

/// Reads until at least `n` bytes arrived (spdystream may put more in the same frame).
async fn read_exact_at_least(s: &mut Stream, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < n {
        match timeout(STEP, s.recv()).await.expect("recv timed out") {
            Some(Ok(b)) => got.extend_from_slice(&b),
            other => panic!("stream ended after {} of {n} bytes: {other:?}", got.len()),
        }
    }
    got
}

/// spdystream (client) sends GOAWAY halfway through a 200 KiB stream: we keep serving that
/// stream to its end, then the peer closes the socket and our session ends.
#[tokio::test]
async fn go_client_goaway_theirs_mid_stream() {
    bounded(async {
        let (l, addr) = listener().await;
        let peer = Peer::spawn(&[
            "client",
            "-addr",
            &addr,
            "-scenario",
            "goaway-theirs",
            "-size",
            "204800",
        ]);
        let (conn, driver) = net::server(accept_tcp(&l).await, Config::kubernetes());
        let driver = tokio::spawn(driver);
        let s = accept(&conn).await;
        let got = echo(s).await.unwrap();
        assert!(got == pattern(204_800, 7), "the received bytes differ");
        assert!(timeout(STEP, conn.accept()).await.unwrap().is_none());
        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::GoAway,
        );
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&[
            "GOAWAY-SENT",
            "PASS stream completed after our GOAWAY bytes=204800",
            "PASS closed",
        ])
        .await;
    })
    .await;
}

/// Our graceful GOAWAY while spdystream's stream 1 is open: it reports last-good 1, stops
/// reading at once and closes the socket (it does not drain); our session ends promptly
/// instead of waiting for the drain deadline.
#[tokio::test]
async fn go_client_goaway_ours_with_a_stream_open() {
    bounded(async {
        let (l, addr) = listener().await;
        let peer = Peer::spawn(&["client", "-addr", &addr, "-scenario", "goaway-ours"]);
        let (conn, driver) = net::server(accept_tcp(&l).await, Config::kubernetes());
        let driver = tokio::spawn(driver);
        let mut s = accept(&conn).await;
        s.reply(HeaderList::new(), false).unwrap();
        let got = read_exact(&mut s, 13).await;
        assert_eq!(got, b"before goaway");
        s.send(Bytes::from(got), false).await.unwrap();
        conn.goaway();
        let (rest, err) = read_to_end(&mut s).await;
        assert!(rest.is_empty(), "{rest:?}");
        assert!(
            matches!(err, Some(Error::Stream(StreamError::SessionClosed))),
            "{err:?}"
        );
        // spdystream stops reading at our GOAWAY and closes the socket with its stream open.
        assert_ended(
            closed(&conn).await,
            Initiator::Remote,
            SessionErrorKind::ConnectionLost,
        );
        drop(s);
        timeout(STEP, driver).await.unwrap().unwrap().unwrap();
        peer.finish(&["PASS goaway received last-good=1", "PASS connection ended"])
            .await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// The engine behaviours the tests above rely on, checked frame by frame without the peer
// (they run, and pin the behaviour, even where Go is not installed).

mod sans_io {
    use super::*;
    use spdy3::frame::{Frame, GoAway, RstStream};
    use spdy3::session::{Event, Read, Session};
    use spdy3::testing::{encode, events, RawPeer};
    use spdy3::time::Instant;

    const NOW: Instant = Instant(0);

    /// The kubelet's end of an exec: the status DATA and then RST_STREAM CANCEL on the error
    /// stream, arriving together. The status stays readable (spdystream delivers it too),
    /// the read then ends, and we answer nothing (S-25).
    #[test]
    fn data_that_arrived_before_a_peer_reset_stays_readable() {
        let mut c = Session::client(Config::kubernetes(), NOW);
        let mut peer = RawPeer::new();
        let id = c
            .open_stream(k8s_headers("error", 0, &[]), OpenOptions::default(), NOW)
            .unwrap();
        peer.drain(&mut c, NOW);
        let mut wire = peer.syn_reply(id, &HeaderList::new(), false);
        wire.extend(RawPeer::data(id, b"{\"status\":\"Success\"}", false));
        wire.extend(encode(&Frame::RstStream(RstStream {
            stream_id: id,
            status: RstStatus::CANCEL,
        })));
        wire.extend(encode(&Frame::RstStream(RstStream {
            stream_id: id,
            status: RstStatus::CANCEL,
        })));
        let sent = peer.exchange(&mut c, &wire, NOW);
        assert!(
            !sent.iter().any(|s| matches!(s.frame, Frame::RstStream(_))),
            "{sent:?}"
        );
        let reset = Event::StreamReset {
            stream_id: id,
            error: StreamError::Reset {
                status: RstStatus::CANCEL,
                initiator: Initiator::Remote,
            },
        };
        let ev = events(&mut c);
        assert_eq!(ev.iter().filter(|e| **e == reset).count(), 1, "{ev:?}");
        assert!(
            !ev.contains(&Event::StreamClosed { stream_id: id }),
            "{ev:?}"
        );
        match c.read(id, usize::MAX) {
            Ok(Read::Data(b)) => assert_eq!(&b[..], b"{\"status\":\"Success\"}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(c.read(id, usize::MAX), Ok(Read::Fin)));
        assert_eq!(events(&mut c), [Event::StreamClosed { stream_id: id }]);
        assert!(c.stream_ids().is_empty());
        assert!(peer.drain(&mut c, NOW).is_empty());
    }

    /// In lenient (spdystream) mode a graceful GOAWAY goes out behind the DATA queued before
    /// it: spdystream stops reading at a GOAWAY.
    #[test]
    fn lenient_goaway_follows_the_data_queued_before_it() {
        let mut s = Session::server(Config::kubernetes(), NOW);
        let mut peer = RawPeer::new();
        let syn = peer.syn_stream(1, 0, &k8s_headers("error", 0, &[]), false, false);
        peer.exchange(&mut s, &syn, NOW);
        events(&mut s);
        s.reply(1, HeaderList::new(), false).unwrap();
        s.send_data(1, Bytes::from_static(b"last words"), false)
            .unwrap();
        s.goaway(NOW);
        let kinds: Vec<&'static str> = peer
            .drain(&mut s, NOW)
            .iter()
            .map(|f| match &f.frame {
                Frame::SynReply(_) => "SYN_REPLY",
                Frame::Data(d) if &d.payload[..] == b"last words" => "DATA",
                Frame::GoAway(GoAway {
                    last_good_stream_id: 1,
                    status: GoAwayStatus::OK,
                }) => "GOAWAY",
                Frame::Settings(_) => "SETTINGS",
                other => panic!("unexpected {other:?}"),
            })
            .filter(|k| *k != "SETTINGS")
            .collect();
        assert_eq!(kinds, ["SYN_REPLY", "DATA", "GOAWAY"]);
    }

    /// spdystream closes the socket right behind its GOAWAY and last frames; with every
    /// stream finished on the wire (its end not yet read) that is a graceful end, not a lost
    /// connection, and the data stays readable.
    #[test]
    fn eof_after_their_goaway_with_streams_done_is_graceful() {
        let mut c = Session::client(Config::kubernetes(), NOW);
        let mut peer = RawPeer::new();
        let id = c
            .open_stream(
                k8s_headers("data", 0, &[]),
                OpenOptions {
                    fin: true,
                    ..Default::default()
                },
                NOW,
            )
            .unwrap();
        peer.drain(&mut c, NOW);
        let mut wire = peer.syn_reply(id, &HeaderList::new(), false);
        wire.extend(encode(&Frame::GoAway(GoAway {
            last_good_stream_id: id,
            status: GoAwayStatus::OK,
        })));
        wire.extend(RawPeer::data(id, b"bye", true));
        c.handle_bytes(&wire, NOW);
        c.handle_eof(NOW);
        assert_eq!(
            c.close_reason(),
            Some(SessionError {
                status: GoAwayStatus::OK,
                initiator: Initiator::Remote,
                kind: SessionErrorKind::GoAway,
            })
        );
        match c.read(id, usize::MAX) {
            Ok(Read::Data(b)) => assert_eq!(&b[..], b"bye"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(c.read(id, usize::MAX), Ok(Read::Fin)));
    }
}
