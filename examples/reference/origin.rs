//! The origin half of the reference pair: serves a directory over SPDY on a connection it
//! dialed to the proxy. GET and HEAD with Range (206/416) and If-Modified-Since (304), PUT
//! stores a file, POST echoes its body; files stream in chunks under flow control.

use std::path::{Component, Path, PathBuf};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use spdy3::net::{self, http as spdy_http, Connection, Stream};
use spdy3::session::Config;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Chunk size for file bodies; each chunk waits for window before it is queued.
const CHUNK: usize = 64 * 1024;

/// Dials the proxy and serves `root` until the connection ends; then dials again.
pub async fn run(proxy: String, root: PathBuf, config: Config) {
    loop {
        match tokio::net::TcpStream::connect(&proxy).await {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                let (conn, driver) = net::server(tcp, config.clone());
                let driver = tokio::spawn(driver);
                serve(conn, root.clone()).await;
                let _ = driver.await;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Answers every request on one connection.
pub async fn serve(conn: Connection, root: PathBuf) {
    while let Some((req, stream)) = spdy_http::accept_request(&conn).await {
        let root = root.clone();
        tokio::spawn(async move {
            let _ = handle(req, stream, &root).await;
        });
    }
}

async fn handle(
    req: http::Request<()>,
    mut stream: Stream,
    root: &Path,
) -> Result<(), spdy3::net::Error> {
    let Some(path) = resolve(root, req.uri().path()) else {
        return text(&mut stream, 400, "bad path").await;
    };
    match req.method().as_str() {
        "GET" | "HEAD" => get(&req, stream, &path).await,
        "PUT" => {
            let body = read_body(&mut stream).await?;
            if let Some(dir) = path.parent() {
                let _ = tokio::fs::create_dir_all(dir).await;
            }
            match tokio::fs::write(&path, &body).await {
                Ok(()) => text(&mut stream, 201, &format!("stored {} bytes\n", body.len())).await,
                Err(e) => text(&mut stream, 500, &e.to_string()).await,
            }
        }
        "POST" => {
            let body = read_body(&mut stream).await?;
            let resp = http::Response::builder()
                .status(200)
                .header("content-type", "application/octet-stream")
                .header("content-length", body.len())
                .body(())
                .expect("static response");
            spdy_http::respond(&mut stream, &resp, false)?;
            stream.send(Bytes::from(body), true).await
        }
        _ => text(&mut stream, 405, "method not allowed\n").await,
    }
}

async fn get(
    req: &http::Request<()>,
    mut stream: Stream,
    path: &Path,
) -> Result<(), spdy3::net::Error> {
    let Ok(meta) = tokio::fs::metadata(path).await.filter_file() else {
        return text(&mut stream, 404, "not found\n").await;
    };
    let len = meta.len();
    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let last_modified = httpdate::fmt_http_date(modified);
    if let Some(since) = req
        .headers()
        .get("if-modified-since")
        .and_then(|v| v.to_str().ok())
    {
        if let Ok(since) = httpdate::parse_http_date(since) {
            if modified
                .duration_since(since)
                .map_or(true, |d| d < Duration::from_secs(1))
            {
                let resp = http::Response::builder()
                    .status(304)
                    .header("last-modified", &last_modified)
                    .body(())
                    .expect("static");
                return spdy_http::respond(&mut stream, &resp, true);
            }
        }
    }
    let range = req
        .headers()
        .get("range")
        .and_then(|v| v.to_str().ok())
        .map(|r| parse_range(r, len));
    let (status, start, end) = match range {
        None => (200, 0, len),
        Some(Some((s, e))) => (206, s, e),
        Some(None) => {
            let resp = http::Response::builder()
                .status(416)
                .header("content-range", format!("bytes */{len}"))
                .body(())
                .expect("static");
            return spdy_http::respond(&mut stream, &resp, true);
        }
    };
    let mut resp = http::Response::builder()
        .status(status)
        .header("content-length", end - start)
        .header("accept-ranges", "bytes")
        .header("last-modified", &last_modified)
        .header("content-type", content_type(path));
    if status == 206 {
        resp = resp.header(
            "content-range",
            format!("bytes {start}-{}/{len}", end.saturating_sub(1)),
        );
    }
    let resp = resp.body(()).expect("valid headers");
    let head_only = req.method() == http::Method::HEAD || start == end;
    spdy_http::respond(&mut stream, &resp, head_only)?;
    if head_only {
        return Ok(());
    }
    let mut file = tokio::fs::File::open(path).await?;
    file.seek(std::io::SeekFrom::Start(start)).await?;
    let mut left = end - start;
    while left > 0 {
        let mut buf = vec![0u8; CHUNK.min(left as usize)];
        file.read_exact(&mut buf).await?;
        left -= buf.len() as u64;
        // Waits while the proxy's window is spent: a slow player slows the file read.
        stream.send(Bytes::from(buf), left == 0).await?;
    }
    Ok(())
}

trait FilterFile {
    fn filter_file(self) -> std::io::Result<std::fs::Metadata>;
}

impl FilterFile for std::io::Result<std::fs::Metadata> {
    fn filter_file(self) -> std::io::Result<std::fs::Metadata> {
        self.and_then(|m| {
            if m.is_file() {
                Ok(m)
            } else {
                Err(std::io::ErrorKind::NotFound.into())
            }
        })
    }
}

async fn read_body(stream: &mut Stream) -> Result<Vec<u8>, spdy3::net::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = stream.recv().await {
        body.extend_from_slice(&chunk?);
    }
    Ok(body)
}

async fn text(stream: &mut Stream, status: u16, body: &str) -> Result<(), spdy3::net::Error> {
    let resp = http::Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .header("content-length", body.len())
        .body(())
        .expect("static response");
    spdy_http::respond(stream, &resp, false)?;
    stream
        .send(Bytes::copy_from_slice(body.as_bytes()), true)
        .await
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` → the half-open range `[start, end)`, or `None` when
/// unsatisfiable.
pub fn parse_range(header: &str, len: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.trim(), b.trim()) {
        ("", n) => {
            let n: u64 = n.parse().ok()?;
            (len.saturating_sub(n), len)
        }
        (a, "") => (a.parse().ok()?, len),
        (a, b) => (
            a.parse().ok()?,
            b.parse::<u64>().ok()?.saturating_add(1).min(len),
        ),
    };
    (start < end && start < len).then_some((start, end))
}

/// Maps a URL path into `root`, refusing `..` and absolute tricks.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let rel = Path::new(url_path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let p = root.join(rel);
    Some(if url_path.ends_with('/') || rel.as_os_str().is_empty() {
        p.join("index.html")
    } else {
        p
    })
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("mp4") => "video/mp4",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Writes a deterministic `n`-byte file in `dir` (test and demo media).
pub async fn write_sample(dir: &Path, name: &str, n: usize) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    let mut f = tokio::fs::File::create(&path).await?;
    let block: Vec<u8> = (0..65_536u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        f.write_all(&block[..k]).await?;
        left -= k;
    }
    f.flush().await?;
    Ok(path)
}
