//! The `Upgrade: SPDY/3.1` handshake both ways, with SPDY bytes pipelined right behind the
//! HTTP heads, negotiation of `X-Stream-Protocol-Version`, and the refusals.

use bytes::Bytes;
use spdy3::frame::{Frame, Ping};
use spdy3::net::upgrade::{self, UpgradeError};
use spdy3::session::{Config, OpenOptions};
use spdy3::testing::{encode, RawPeer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn our_client_and_our_server_negotiate_and_run_raw_streams() {
    let (a, b) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(async move {
        let up = upgrade::server(
            b,
            &["v4.channel.k8s.io", "channel.k8s.io"],
            Config::kubernetes(),
        )
        .await
        .unwrap();
        assert_eq!(up.protocol, "v4.channel.k8s.io");
        tokio::spawn(up.driver);
        let mut s = up.connection.accept().await.unwrap();
        assert_eq!(s.headers().unwrap().get_str("streamtype"), Some("stdout"));
        s.reply(RawPeer::headers(&[]), false).unwrap();
        // spdystream-style: far more than 64 KiB with no regard for windows.
        s.send(Bytes::from(vec![7u8; 300_000]), true).await.unwrap();
        up.connection.closed().await;
    });
    let up = upgrade::client(
        a,
        "apiserver:6443",
        "/api/v1/namespaces/default/pods/web-0/exec?command=sh",
        &["v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io"],
        &[("User-Agent", "spdy3-test")],
        Config::kubernetes(),
    )
    .await
    .unwrap();
    assert_eq!(up.protocol, "v4.channel.k8s.io");
    tokio::spawn(up.driver);
    let mut s = up
        .connection
        .open(
            RawPeer::headers(&[("streamtype", "stdout")]),
            OpenOptions {
                fin: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.response().await.unwrap();
    let mut n = 0;
    while let Some(chunk) = s.recv().await {
        n += chunk.unwrap().len();
    }
    assert_eq!(n, 300_000);
    drop(s);
    up.connection.close();
    server.await.unwrap();
}

#[tokio::test]
async fn the_server_takes_frames_pipelined_behind_the_request() {
    let (mut a, b) = tokio::io::duplex(1 << 16);
    let server = tokio::spawn(async move {
        let up = upgrade::server(b, &["portforward.k8s.io"], Config::kubernetes())
            .await
            .unwrap();
        tokio::spawn(up.driver);
        let s = up.connection.accept().await.unwrap();
        assert_eq!(s.headers().unwrap().get_str("port"), Some("8080"));
        up.connection.close();
    });
    let mut peer = RawPeer::new();
    let mut wire = b"POST /portforward HTTP/1.1\r\nHost: k\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n".to_vec();
    wire.extend(peer.syn_stream(
        1,
        0,
        &RawPeer::headers(&[("streamtype", "data"), ("port", "8080")]),
        false,
        false,
    ));
    a.write_all(&wire).await.unwrap(); // one write: the frame rides behind the head
    let mut got = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), a.read_to_end(&mut got)).await;
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
        "{text}"
    );
    assert!(text.contains("X-Stream-Protocol-Version: portforward.k8s.io\r\n"));
    server.await.unwrap();
}

#[tokio::test]
async fn the_client_takes_frames_that_arrive_with_the_101() {
    let (a, mut b) = tokio::io::duplex(1 << 16);
    let fake_server = tokio::spawn(async move {
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            b.read_exact(&mut byte).await.unwrap();
            head.push(byte[0]);
        }
        let text = String::from_utf8(head).unwrap();
        // Every offered protocol on its own line, most preferred first.
        assert!(text.contains("X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io\r\n"), "{text}");
        let mut wire = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nDate: Mon, 23 Nov 2026 20:12:07 GMT\r\n\r\n".to_vec();
        wire.extend(encode(&Frame::Ping(Ping { id: 2 })));
        b.write_all(&wire).await.unwrap();
        // Our client answers the pipelined PING.
        let mut echo = Vec::new();
        while echo.len() < 12
            || !echo
                .windows(12)
                .any(|w| w == encode(&Frame::Ping(Ping { id: 2 })).as_slice())
        {
            let mut buf = [0u8; 256];
            let n = b.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed before echoing");
            echo.extend_from_slice(&buf[..n]);
        }
    });
    let up = upgrade::client(
        a,
        "h",
        "/exec",
        &["v4.channel.k8s.io", "channel.k8s.io"],
        &[],
        Config::kubernetes(),
    )
    .await
    .unwrap();
    assert_eq!(up.protocol, "v4.channel.k8s.io");
    let driver = tokio::spawn(up.driver);
    fake_server.await.unwrap();
    up.connection.close();
    let _ = driver.await;
}

#[tokio::test]
async fn refusals_answer_400_and_403() {
    for (request, expect_status, expect_error) in [
        ("POST / HTTP/1.1\r\nHost: h\r\n\r\n", "400", "NotAnUpgrade"),
        ("POST / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n", "400", "NoProtocol"),
        ("POST / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: spdy/3.1\r\nX-Stream-Protocol-Version: v9, v8\r\n\r\n", "403", "NoCommonProtocol"),
    ] {
        let (mut a, b) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(async move { upgrade::server(b, &["v4.channel.k8s.io"], Config::kubernetes()).await.err() });
        a.write_all(request.as_bytes()).await.unwrap();
        let mut got = String::new();
        a.read_to_string(&mut got).await.unwrap();
        assert!(got.starts_with(&format!("HTTP/1.1 {expect_status} ")), "{got}");
        let err = server.await.unwrap().unwrap();
        assert_eq!(format!("{err:?}"), expect_error);
        if expect_status == "403" {
            assert!(got.contains("X-Accepted-Stream-Protocol-Versions: v4.channel.k8s.io\r\n"));
            assert!(matches!(err, UpgradeError::NoCommonProtocol));
        }
    }
}
