//! Hostile peers against the tokio server over loopback: each attack gets its reaction (a
//! GOAWAY, a reset, or a limit) and the server's work stays bounded — asserted from what
//! the server wrote and from its session stats, never from timing.

use std::time::Duration;

use bytes::Bytes;
use spdy3::frame::{
    Decoder, DecoderConfig, Frame, GoAwayStatus, Ping, RstStatus, RstStream, Settings,
    WindowUpdate, MAX_PAYLOAD_LEN,
};
use spdy3::net::{self, Connection};
use spdy3::session::Config;
use spdy3::testing::{encode, RawPeer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A server on loopback that answers every request with `body` and keeps its handle for
/// stats; returns the attacker's socket.
async fn target(
    config: Config,
    body: usize,
) -> (TcpStream, tokio::sync::oneshot::Receiver<Connection>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (tcp, _) = l.accept().await.unwrap();
        let (conn, driver) = net::server(tcp, config);
        tokio::spawn(driver);
        let _ = tx.send(conn.clone());
        while let Some(mut s) = conn.accept().await {
            tokio::spawn(async move {
                if s.reply(spdy3::http::response_headers(200), false).is_ok() {
                    let _ = s.send(Bytes::from(vec![0u8; body]), true).await;
                }
                // Keep the stream (a slow reader on the other side holds it).
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    (TcpStream::connect(addr).await.unwrap(), rx)
}

/// Reads what the server sends until it closes (or `limit` passes); returns the frames.
async fn drain(tcp: &mut TcpStream, limit: Duration) -> (Vec<Frame>, usize) {
    let mut decoder = Decoder::new(DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        ..Default::default()
    });
    let mut buf = bytes::BytesMut::new();
    let mut frames = Vec::new();
    let mut total = 0;
    let _ = tokio::time::timeout(limit, async {
        loop {
            let mut chunk = [0u8; 65536];
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    total += n;
                    buf.extend_from_slice(&chunk[..n]);
                    while let Ok(Some(f)) = decoder.decode(&mut buf) {
                        frames.push(f);
                    }
                }
            }
        }
    })
    .await;
    (frames, total)
}

fn goaway_status(frames: &[Frame]) -> Option<GoAwayStatus> {
    frames.iter().find_map(|f| match f {
        Frame::GoAway(g) => Some(g.status),
        _ => None,
    })
}

async fn flood(frame: Vec<u8>, count: usize) -> (Vec<Frame>, usize) {
    let (mut tcp, _conn) = target(Config::default(), 0).await;
    let mut peer = RawPeer::new();
    let mut wire = peer.syn_stream(1, 0, &RawPeer::request("/"), false, false);
    for _ in 0..count {
        wire.extend_from_slice(&frame);
    }
    let _ = tcp.write_all(&wire).await;
    drain(&mut tcp, Duration::from_secs(10)).await
}

#[tokio::test]
async fn floods_get_goaway_and_bounded_answers() {
    let cases: [(&str, Vec<u8>, usize); 5] = [
        ("PING", encode(&Frame::Ping(Ping { id: 1 })), 5000),
        (
            "SETTINGS",
            encode(&Frame::Settings(Settings::default())),
            5000,
        ),
        (
            "WINDOW_UPDATE",
            encode(&Frame::WindowUpdate(WindowUpdate {
                stream_id: 0,
                delta: 1,
            })),
            50_000,
        ),
        ("empty DATA", RawPeer::data(1, b"", false), 5000),
        ("unknown type", vec![0x80, 3, 0xf0, 0, 0, 0, 0, 0], 5000),
    ];
    for (kind, frame, count) in cases {
        let (frames, bytes) = flood(frame, count).await;
        assert_eq!(
            goaway_status(&frames),
            Some(GoAwayStatus::PROTOCOL_ERROR),
            "{kind}"
        );
        // Bounded work: at most one echo per allowed PING (100 per 10 s) plus setup frames.
        assert!(
            frames.len() <= 110,
            "{kind}: {} frames answered",
            frames.len()
        );
        assert!(bytes < 4096, "{kind}: {bytes} bytes answered");
    }
}

#[tokio::test]
async fn rapid_reset_is_cut_off_at_the_limit() {
    let (mut tcp, _conn) = target(Config::default(), 1 << 20).await;
    let mut peer = RawPeer::new();
    let mut wire = Vec::new();
    for i in 0..3000u32 {
        let id = 1 + 2 * i;
        wire.extend(peer.syn_stream(id, 0, &RawPeer::request("/"), true, false));
        wire.extend(encode(&Frame::RstStream(RstStream {
            stream_id: id,
            status: RstStatus::CANCEL,
        })));
    }
    let _ = tcp.write_all(&wire).await;
    let (frames, _) = drain(&mut tcp, Duration::from_secs(10)).await;
    assert_eq!(goaway_status(&frames), Some(GoAwayStatus::PROTOCOL_ERROR));
    // Data the server managed to send is bounded by what the streams' windows allowed
    // before the resets: at most 1,001 replies' worth of frames, never 3,000 streams.
    let replies = frames
        .iter()
        .filter(|f| matches!(f, Frame::SynReply(_)))
        .count();
    assert!(replies <= 1001, "{replies}");
}

#[tokio::test]
async fn a_zlib_bomb_header_ends_the_session_without_inflating_it_all() {
    let (mut tcp, _conn) = target(Config::default(), 0).await;
    let mut peer = RawPeer::new();
    let mut bomb = RawPeer::request("/");
    bomb.insert("x-bomb", "z".repeat(8 << 20)); // 8 MiB of one letter: a few KB compressed
    let wire = peer.syn_stream(1, 0, &bomb, true, false);
    assert!(
        wire.len() < 64 * 1024,
        "fits a control frame: {}",
        wire.len()
    );
    let _ = tcp.write_all(&wire).await;
    let (frames, _) = drain(&mut tcp, Duration::from_secs(10)).await;
    assert_eq!(goaway_status(&frames), Some(GoAwayStatus::PROTOCOL_ERROR));
}

#[tokio::test]
async fn settings_claiming_billions_of_entries_and_an_exhausted_id_space() {
    let (mut tcp, _conn) = target(Config::default(), 0).await;
    let _ = tcp
        .write_all(&[
            0x80, 3, 0, 4, 0, 0, 0, 12, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 1,
        ])
        .await;
    let (frames, _) = drain(&mut tcp, Duration::from_secs(10)).await;
    assert_eq!(goaway_status(&frames), Some(GoAwayStatus::PROTOCOL_ERROR));
    // The peer uses the last stream id, then tries to go on: S-15.
    let (mut tcp, _conn) = target(Config::default(), 0).await;
    let mut peer = RawPeer::new();
    let mut wire = peer.syn_stream(0x7fff_ffff, 0, &RawPeer::request("/"), true, false);
    wire.extend(peer.syn_stream(1, 0, &RawPeer::request("/"), true, false));
    let _ = tcp.write_all(&wire).await;
    let (frames, _) = drain(&mut tcp, Duration::from_secs(10)).await;
    assert_eq!(goaway_status(&frames), Some(GoAwayStatus::PROTOCOL_ERROR));
}

#[tokio::test]
async fn slowloris_and_silent_peers_are_timed_out() {
    let mut config = Config::default();
    config.timeouts.first_frame = Some(spdy3::time::Duration::from_millis(300));
    config.timeouts.frame_completion = Some(spdy3::time::Duration::from_millis(300));
    // Silent: never sends a frame.
    let (mut tcp, _conn) = target(config.clone(), 0).await;
    let (frames, _) = drain(&mut tcp, Duration::from_secs(10)).await;
    assert_eq!(goaway_status(&frames), Some(GoAwayStatus::OK), "{frames:?}");
    // Slowloris: a frame dribbled one byte every 100 ms.
    let (mut tcp, _conn) = target(config, 0).await;
    let ping = encode(&Frame::Ping(Ping { id: 1 }));
    tcp.write_all(&ping).await.unwrap();
    let mut peer = RawPeer::new();
    let syn = peer.syn_stream(1, 0, &RawPeer::request("/"), true, false);
    let writer = async {
        for b in &syn {
            if tcp.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tcp
    };
    let mut tcp = tokio::time::timeout(Duration::from_secs(30), writer)
        .await
        .unwrap();
    let (frames, _) = drain(&mut tcp, Duration::from_secs(10)).await;
    assert_eq!(
        goaway_status(&frames),
        Some(GoAwayStatus::PROTOCOL_ERROR),
        "{frames:?}"
    );
}

#[tokio::test]
async fn a_reader_that_never_reads_holds_the_server_to_one_window() {
    // The attacker requests a 64 MiB body and reads nothing (and sends no SETTINGS, so its
    // windows are the 64 KiB default): the server sends one window and then holds, with its
    // send buffer within the configured bound.
    let (mut tcp, conn) = target(Config::default(), 64 << 20).await;
    let mut peer = RawPeer::new();
    tcp.write_all(&peer.syn_stream(1, 0, &RawPeer::request("/big"), true, false))
        .await
        .unwrap();
    let conn = conn.await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stats = conn.stats();
    assert!(
        stats.data_sent <= 65_536,
        "sent {} beyond the peer's window",
        stats.data_sent
    );
    assert!(
        stats.send_buffered <= Config::default().max_send_buffer,
        "{stats:?}"
    );
    drop(tcp);
}
