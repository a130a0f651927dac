//! The proxy half of the reference pair: accepts the origin's SPDY connection on one port and
//! ordinary HTTP/1.1 clients (hyper) on another, forwarding each request as a SPDY stream
//! and streaming bodies both ways. A client that hangs up mid-body (a video player seeking)
//! drops its stream, which resets it with CANCEL at the origin.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::service::service_fn;
use spdy3::net::{self, http as spdy_http, Connection};
use spdy3::session::{Config, OpenOptions};
use tokio::net::TcpListener;

/// The origin connection in use, if one is attached.
#[derive(Clone, Default)]
pub struct Origin(Arc<Mutex<Option<Connection>>>);

impl Origin {
    /// The attached origin connection, if any.
    pub fn get(&self) -> Option<Connection> {
        self.0.lock().unwrap().clone()
    }
}

/// Accepts origin connections on `listener` (the newest one serves).
pub async fn accept_origins(listener: TcpListener, origin: Origin, config: Config) {
    while let Ok((tcp, _)) = listener.accept().await {
        let _ = tcp.set_nodelay(true);
        // The proxy asks and the origin answers: it runs the client role on this socket.
        let (conn, driver) = net::client(tcp, config.clone());
        *origin.0.lock().unwrap() = Some(conn);
        tokio::spawn(driver);
    }
}

/// Serves HTTP/1.1 clients on `listener`, forwarding to the origin.
pub async fn serve_http(listener: TcpListener, origin: Origin) {
    while let Ok((tcp, _)) = listener.accept().await {
        let origin = origin.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(tcp);
            let service = service_fn(move |req| forward(req, origin.clone()));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
}

type ProxyBody = http_body_util::Either<SpdyBody, http_body_util::Full<Bytes>>;

async fn forward(
    req: http::Request<Incoming>,
    origin: Origin,
) -> Result<http::Response<ProxyBody>, Infallible> {
    let Some(conn) = origin.get() else {
        return Ok(plain(502, "no origin connected\n"));
    };
    let authority = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let has_body = !matches!(*req.method(), http::Method::GET | http::Method::HEAD);
    let (parts, mut body) = req.into_parts();
    let head = http::Request::from_parts(parts, ());
    let headers = spdy_http::request_headers(&head, "http", &authority);
    let options = OpenOptions {
        fin: !has_body,
        ..OpenOptions::default()
    };
    let Ok(mut stream) = conn.open(headers, options).await else {
        return Ok(plain(502, "origin refused the stream\n"));
    };
    if has_body {
        // Request body: each frame waits for the origin's window.
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return Ok(plain(400, "request body failed\n"));
            };
            if let Ok(data) = frame.into_data() {
                if stream.send(data, false).await.is_err() {
                    return Ok(plain(502, "origin reset the stream\n"));
                }
            }
        }
        if stream.finish().is_err() {
            return Ok(plain(502, "origin reset the stream\n"));
        }
    }
    let Ok(head) = stream.response().await else {
        return Ok(plain(502, "no response from origin\n"));
    };
    let Ok(resp) = spdy_http::parse_response(&head) else {
        return Ok(plain(502, "invalid response from origin\n"));
    };
    let (parts, ()) = resp.into_parts();
    Ok(http::Response::from_parts(
        parts,
        http_body_util::Either::Left(SpdyBody(stream)),
    ))
}

fn plain(status: u16, text: &'static str) -> http::Response<ProxyBody> {
    http::Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(http_body_util::Either::Right(http_body_util::Full::new(
            Bytes::from_static(text.as_bytes()),
        )))
        .expect("static response")
}

/// A response body read straight from the SPDY stream (zero-copy chunks). Dropped early,
/// it resets the stream.
pub struct SpdyBody(net::Stream);

impl Body for SpdyBody {
    type Data = Bytes;
    type Error = net::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, net::Error>>> {
        self.0
            .poll_recv(cx, 256 * 1024)
            .map(|o| o.map(|r| r.map(Frame::data)))
    }
}
