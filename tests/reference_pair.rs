//! The reference pair (examples/origin_server.rs + examples/reverse_proxy.rs) driven by a
//! real HTTP/1.1 client (hyper): whole files byte-exact, HEAD, POST, PUT, 304, Range 206
//! and 416, and 1,000 Range requests cancelled right after their first bytes, with the
//! origin's session back to no streams and no buffered bytes afterwards.

#[allow(dead_code)] // the dial-out loop is the example binary's
#[path = "../examples/reference/origin.rs"]
mod origin;
#[path = "../examples/reference/proxy.rs"]
mod proxy;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use spdy3::net::{self, Connection};
use spdy3::session::Config;
use tokio::net::{TcpListener, TcpStream};

struct Setup {
    http: std::net::SocketAddr,
    origin: Connection,
    dir: std::path::PathBuf,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn setup() -> Setup {
    // One directory per setup: the tests of this file run at once in one process, and one
    // rewriting the sample while another reads it gave that one a half-written copy.
    static SETUPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SETUPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("spdy3-ref-{}-{n}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await.unwrap();
    tokio::fs::write(dir.join("index.html"), "<h1>hello</h1>\n")
        .await
        .unwrap();
    origin::write_sample(&dir, "video.bin", 8 << 20)
        .await
        .unwrap();
    let spdy_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (spdy, http) = (spdy_l.local_addr().unwrap(), http_l.local_addr().unwrap());
    let o = proxy::Origin::default();
    let mut config = Config::default();
    config.floods.reset.max = 100_000; // the Range churn below is deliberate
    tokio::spawn(proxy::accept_origins(spdy_l, o.clone(), config.clone()));
    tokio::spawn(proxy::serve_http(http_l, o.clone()));
    let tcp = TcpStream::connect(spdy).await.unwrap();
    let (conn, driver) = net::server(tcp, config);
    tokio::spawn(driver);
    tokio::spawn(origin::serve(conn.clone(), dir.clone()));
    // The proxy attaches the origin once it has accepted its connection.
    while o.get().is_none() {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    Setup {
        http,
        origin: conn,
        dir,
    }
}

/// One HTTP/1.1 connection from a real client.
async fn client(
    addr: std::net::SocketAddr,
) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (send, conn) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    send
}

fn req(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> http::Request<Full<Bytes>> {
    let mut b = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "demo.local");
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(Full::new(body)).unwrap()
}

/// Sends on a hyper connection once it is ready for the next request.
async fn send(
    c: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    r: http::Request<Full<Bytes>>,
) -> Result<http::Response<Incoming>, hyper::Error> {
    c.ready().await?;
    c.send_request(r).await
}

async fn body(resp: http::Response<Incoming>) -> Vec<u8> {
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_pair_serves_files_through_the_proxy() {
    let s = setup().await;
    let video = tokio::fs::read(s.dir.join("video.bin")).await.unwrap();
    let mut c = client(s.http).await;

    let r = send(&mut c, req("GET", "/", &[], Bytes::new()))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(body(r).await, b"<h1>hello</h1>\n");

    let r = send(&mut c, req("GET", "/video.bin", &[], Bytes::new()))
        .await
        .unwrap();
    assert_eq!(r.headers()["content-length"], "8388608");
    assert!(body(r).await == video, "8 MiB byte-exact");

    let r = send(&mut c, req("HEAD", "/video.bin", &[], Bytes::new()))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-length"], "8388608");
    let last_modified = r.headers()["last-modified"].to_str().unwrap().to_string();
    assert!(body(r).await.is_empty());

    let r = send(
        &mut c,
        req(
            "GET",
            "/video.bin",
            &[("if-modified-since", &last_modified)],
            Bytes::new(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 304);

    let r = send(
        &mut c,
        req(
            "GET",
            "/video.bin",
            &[("range", "bytes=1000000-1000099")],
            Bytes::new(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"],
        "bytes 1000000-1000099/8388608"
    );
    assert_eq!(body(r).await, &video[1_000_000..1_000_100]);

    let r = send(
        &mut c,
        req(
            "GET",
            "/video.bin",
            &[("range", "bytes=9000000-")],
            Bytes::new(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 416);
    assert_eq!(r.headers()["content-range"], "bytes */8388608");
    assert!(body(r).await.is_empty());

    let upload: Bytes = (0..3_000_000u32)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    let r = send(&mut c, req("POST", "/echo", &[], upload.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(body(r).await == upload, "3 MB echoed byte-exact");

    let r = send(&mut c, req("PUT", "/uploads/u.bin", &[], upload.clone()))
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(
        tokio::fs::read(s.dir.join("uploads/u.bin")).await.unwrap(),
        upload
    );

    let r = send(&mut c, req("GET", "/missing", &[], Bytes::new()))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    drop(c);
    settle(&s.origin).await;
}

/// Waits until the origin has no streams left (bounded).
async fn settle(origin: &Connection) -> spdy3::session::Stats {
    for _ in 0..500 {
        let st = origin.stats();
        if st.streams == 0 && st.send_buffered == 0 && st.recv_buffered == 0 {
            return st;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("origin did not settle: {:?}", origin.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_range_requests_cancelled_rapidly_leave_nothing_behind() {
    let s = setup().await;
    let video = tokio::fs::read(s.dir.join("video.bin")).await.unwrap();
    let baseline = settle(&s.origin).await;
    for i in 0..1000u64 {
        // A player seeks: it asks for the rest of the file from somewhere, takes the first
        // chunk, and hangs up.
        let mut c = client(s.http).await;
        let start = (i * 7919 * 997) % (8 << 20);
        let range = format!("bytes={start}-");
        let r = c
            .send_request(req("GET", "/video.bin", &[("range", &range)], Bytes::new()))
            .await
            .unwrap();
        assert_eq!(r.status(), 206);
        let mut b = r.into_body();
        let first = loop {
            match b.frame().await {
                Some(Ok(f)) => {
                    if let Ok(d) = f.into_data() {
                        if !d.is_empty() {
                            break d;
                        }
                    }
                }
                other => panic!("no data: {other:?}"),
            }
        };
        assert_eq!(
            &first[..],
            &video[start as usize..start as usize + first.len()]
        );
        drop(b);
        drop(c);
    }
    let after = settle(&s.origin).await;
    assert_eq!(after.streams, baseline.streams);
    assert!(
        after.resets_received >= 900,
        "most streams were cancelled mid-body: {after:?}"
    );
    // The session still serves.
    let mut c = client(s.http).await;
    let r = send(&mut c, req("GET", "/", &[], Bytes::new()))
        .await
        .unwrap();
    assert_eq!(body(r).await, b"<h1>hello</h1>\n");
}
