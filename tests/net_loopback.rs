//! The tokio adapter end to end: real TCP on loopback (and an in-memory duplex on a paused
//! clock for timers): concurrent streams, large bodies both ways, resets, ping, GOAWAY,
//! timeouts, and handles dropped at any point.

use bytes::Bytes;
use spdy3::frame::RstStatus;
use spdy3::header_block::HeaderList;
use spdy3::net::{self, Connection, Error};
use spdy3::session::{Config, OpenOptions, SessionErrorKind, StreamError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn request(path: &str) -> HeaderList {
    spdy3::http::request_headers("POST", "http", "localhost", path, [])
}

/// A server that echoes every request body back, uppercased header `x-len` = body length.
async fn echo_server(listener: TcpListener, config: Config) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let config = config.clone();
        tokio::spawn(async move {
            let (conn, driver) = net::server(tcp, config);
            tokio::spawn(driver);
            while let Some(mut stream) = conn.accept().await {
                tokio::spawn(async move {
                    let mut body = Vec::new();
                    while let Some(chunk) = stream.recv().await {
                        match chunk {
                            Ok(b) => body.extend_from_slice(&b),
                            Err(_) => return,
                        }
                    }
                    let mut h = spdy3::http::response_headers(200);
                    h.insert("x-len", body.len().to_string());
                    if stream.reply(h, false).is_ok() {
                        let _ = stream.send(Bytes::from(body), true).await;
                    }
                });
            }
        });
    }
}

async fn pair(config: Config) -> Connection {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(echo_server(listener, config.clone()));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (conn, driver) = net::client(tcp, config);
    tokio::spawn(driver);
    conn
}

fn body(n: usize, seed: u8) -> Bytes {
    (0..n)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect::<Vec<u8>>()
        .into()
}

async fn echo(conn: &Connection, data: Bytes) -> Result<Vec<u8>, Error> {
    let mut s = conn.open(request("/echo"), OpenOptions::default()).await?;
    let send = data.clone();
    s.send(send, true).await?;
    let reply = s.response().await?;
    assert_eq!(reply.get_str(":status"), Some("200 OK"));
    assert_eq!(
        reply.get_str("x-len"),
        Some(data.len().to_string().as_str())
    );
    let mut got = Vec::new();
    while let Some(chunk) = s.recv().await {
        got.extend_from_slice(&chunk?);
    }
    Ok(got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_both_ways_and_many_concurrent_streams() {
    let conn = pair(Config::default()).await;
    // 10 MB each way on one stream: far beyond every window.
    let big = body(10 << 20, 1);
    assert_eq!(echo(&conn, big.clone()).await.unwrap(), &big[..]);
    // 200 concurrent streams of 64 KiB.
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move {
            let data = body(64 << 10, i as u8);
            assert_eq!(echo(&conn, data.clone()).await.unwrap(), &data[..]);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rtt = conn.ping().await.unwrap();
    assert!(rtt < std::time::Duration::from_secs(5));
    let stats = conn.stats();
    assert_eq!(stats.streams, 0);
    assert_eq!(stats.send_buffered, 0);
}

#[tokio::test]
async fn async_read_and_write_and_a_reset_mid_stream() {
    let conn = pair(Config::default()).await;
    let mut s = conn
        .open(request("/rw"), OpenOptions::default())
        .await
        .unwrap();
    s.write_all(b"hello over AsyncWrite").await.unwrap();
    s.shutdown().await.unwrap();
    s.response().await.unwrap();
    let mut got = String::new();
    s.read_to_string(&mut got).await.unwrap();
    assert_eq!(got, "hello over AsyncWrite");
    // A stream reset by us mid-body: the reset is local and further sends fail.
    let mut s = conn
        .open(request("/reset"), OpenOptions::default())
        .await
        .unwrap();
    s.send(body(100_000, 3), false).await.unwrap();
    s.reset(RstStatus::CANCEL).unwrap();
    let err = s.send(Bytes::from_static(b"more"), true).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Stream(StreamError::Reset {
                status: RstStatus::CANCEL,
                ..
            })
        ),
        "{err}"
    );
    // The connection is fine afterwards.
    assert_eq!(
        echo(&conn, body(1000, 4)).await.unwrap(),
        &body(1000, 4)[..]
    );
}

#[tokio::test]
async fn goaway_lets_open_streams_finish_then_the_driver_completes() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let (conn, driver) = net::server(tcp, Config::default());
        let driver = tokio::spawn(driver);
        let mut s = conn.accept().await.unwrap();
        conn.goaway();
        // The accepted stream still completes.
        s.reply(spdy3::http::response_headers(200), false).unwrap();
        s.send(Bytes::from_static(b"last words"), true)
            .await
            .unwrap();
        while s.recv().await.is_some() {}
        drop(s);
        let why = conn.closed().await;
        assert!(matches!(why, Error::Session(e) if e.is_graceful()), "{why}");
        driver.await.unwrap().unwrap();
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (conn, driver) = net::client(tcp, Config::default());
    let driver = tokio::spawn(driver);
    let mut s = conn
        .open(
            request("/"),
            OpenOptions {
                fin: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.response().await.unwrap();
    assert_eq!(s.recv().await.unwrap().unwrap(), "last words");
    assert!(s.recv().await.is_none());
    drop(s);
    // No new streams after the peer's GOAWAY.
    assert!(conn
        .open(request("/late"), OpenOptions::default())
        .await
        .is_err());
    server.await.unwrap();
    driver.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_on_a_paused_clock_and_dropped_handles_end_the_session() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let mut config = Config::default();
    config.timeouts.idle = Some(spdy3::time::Duration::from_secs(60));
    let (client, client_driver) = net::client(a, config.clone());
    let (server, server_driver) = net::server(b, config);
    let client_driver = tokio::spawn(client_driver);
    let server_driver = tokio::spawn(server_driver);
    // One exchange, then silence: the idle timer closes the session after 60 s.
    client.ping().await.unwrap();
    let why = client.closed().await;
    assert!(
        matches!(why, Error::Session(ref e) if e.kind == SessionErrorKind::Timeout("idle"))
            || matches!(why, Error::Session(ref e) if e.kind == SessionErrorKind::GoAway),
        "{why}"
    );
    client_driver.await.unwrap().unwrap();
    server_driver.await.unwrap().unwrap();
    drop(server);

    // Dropping every handle shuts a session down gracefully, and both drivers finish.
    let (a, b) = tokio::io::duplex(64 * 1024);
    let (client, client_driver) = net::client(a, Config::default());
    let (server, server_driver) = net::server(b, Config::default());
    let client_driver = tokio::spawn(client_driver);
    let server_driver = tokio::spawn(server_driver);
    let s = client
        .open(request("/x"), OpenOptions::default())
        .await
        .unwrap();
    let accepted = server.accept().await.unwrap();
    drop(s); // resets the stream
    drop(accepted);
    drop(client);
    client_driver.await.unwrap().unwrap();
    server_driver.await.unwrap().unwrap();
    assert!(server.accept().await.is_none());
}

#[tokio::test]
async fn flush_waits_until_queued_data_is_written_so_a_reset_loses_nothing() {
    let (a, b) = tokio::io::duplex(1 << 20);
    let (client, client_driver) = net::client(a, Config::default());
    let (server, server_driver) = net::server(b, Config::default());
    tokio::spawn(client_driver);
    tokio::spawn(server_driver);
    let mut s = client
        .open(request("/f"), OpenOptions::default())
        .await
        .unwrap();
    s.send(body(60_000, 9), false).await.unwrap();
    s.flush().await.unwrap();
    // Everything queued went out before the reset: the server reads all of it.
    s.reset(RstStatus::CANCEL).unwrap();
    let mut accepted = server.accept().await.unwrap();
    let mut n = 0;
    while let Some(Ok(chunk)) = accepted.recv().await {
        n += chunk.len();
    }
    assert_eq!(n, 60_000);
}

/// A server that answers every stream with `size` bytes, in 64 KiB sends.
async fn sending_server(listener: TcpListener, config: Config, size: usize) {
    let Ok((tcp, _)) = listener.accept().await else {
        return;
    };
    let (conn, driver) = net::server(tcp, config);
    tokio::spawn(driver);
    while let Some(mut stream) = conn.accept().await {
        tokio::spawn(async move {
            let headers = spdy3::http::response_headers(200);
            if stream.reply(headers, false).is_err() {
                return;
            }
            let chunk = body(64 << 10, 7);
            for i in 0..size / chunk.len() {
                let last = i + 1 == size / chunk.len();
                if stream.send(chunk.clone(), last).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// Opens one stream to a `sending_server`; reads `prompt` bytes as they come, then waits
/// (reading nothing) until the client holds more than `hold` bytes unread, then reads the
/// rest. Returns the bytes read; bounded in time.
async fn read_with_a_pause(config: Config, size: usize, prompt: usize, hold: usize) -> usize {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(sending_server(listener, config.clone(), size));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (conn, driver) = net::client(tcp, config);
    tokio::spawn(driver);
    let mut s = conn
        .open(
            request("/"),
            OpenOptions {
                fin: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.response().await.unwrap();
    let wait = std::time::Duration::from_secs(20);
    tokio::time::timeout(wait, async {
        let mut got = 0;
        while got < prompt {
            got += s.recv().await.unwrap().unwrap().len();
        }
        while conn.stats().recv_buffered <= hold {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        while let Some(chunk) = s.recv().await {
            got += chunk.unwrap().len();
        }
        got
    })
    .await
    .expect("the transfer stalled")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_paused_for_unread_data_resumes_when_the_application_reads() {
    // Lenient flow control (Kubernetes): no windows, so the session stops reading the
    // socket above `max_buffered` unread; reading must restart the driver at once.
    let config = Config {
        max_buffered: 64 << 10,
        ..Config::kubernetes()
    };
    let got = read_with_a_pause(config, 4 << 20, 0, 64 << 10).await;
    assert_eq!(got, 4 << 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grown_windows_let_unread_data_pass_max_buffered_without_stalling() {
    // SPDY/3.1: after 40 MiB read promptly the windows have grown to 16 MiB; a pause then
    // lets more than `max_buffered` (4 MiB) arrive unread. The windows bound it, not a
    // stop of the socket that nothing would lift.
    let got = read_with_a_pause(Config::default(), 64 << 20, 40 << 20, 5 << 20).await;
    assert_eq!(got, 64 << 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_the_last_stream_to_its_end_completes_a_draining_session() {
    // A scripted server answers stream 1 with 3 bytes and FIN, then reads and ignores
    // everything (no GOAWAY back, no close). The client sends GOAWAY, then reads its one
    // stream to the end: that ends the session, which must close with no further socket
    // activity to wake the driver.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut peer = spdy3::testing::RawPeer::new();
        // Read until the client's SYN_STREAM has arrived (it follows its SETTINGS).
        loop {
            let n = tcp.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            let frames = peer.receive(&buf[..n]);
            if frames
                .iter()
                .any(|f| matches!(f.frame, spdy3::frame::Frame::SynStream(_)))
            {
                break;
            }
        }
        let mut answer = peer.syn_reply(1, &spdy3::testing::RawPeer::response(), false);
        answer.extend(spdy3::testing::RawPeer::data(1, b"abc", true));
        tcp.write_all(&answer).await.unwrap();
        while tcp.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (conn, driver) = net::client(tcp, Config::default());
    let driver = tokio::spawn(driver);
    let wait = std::time::Duration::from_secs(5);
    let opts = OpenOptions {
        fin: true,
        ..Default::default()
    };
    let mut s = tokio::time::timeout(wait, async {
        let mut s = conn.open(request("/"), opts).await.unwrap();
        s.response().await.unwrap();
        while conn.stats().recv_buffered < 3 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        s
    })
    .await
    .expect("the answer arrived");
    conn.goaway();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let mut got = 0;
    while let Some(chunk) = s.recv().await {
        got += chunk.unwrap().len();
    }
    assert_eq!(got, 3);
    tokio::time::timeout(wait, conn.closed())
        .await
        .expect("the session ended");
    tokio::time::timeout(wait, driver)
        .await
        .expect("the driver finished")
        .unwrap()
        .unwrap();
}
