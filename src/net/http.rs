//! HTTP over the tokio adapter with the `http` crate's types, on top of the featureless
//! mapping in [`crate::http`]: `:method`, `:path`, `:version`, `:host`, `:scheme` and
//! `:status` (with its reason phrase) both ways.

use bytes::Bytes;

use super::{Connection, Error, Stream};
use crate::header_block::HeaderList;
use crate::session::{CommandError, OpenOptions};

/// Why a header block is not a valid HTTP message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpError(pub &'static str);

impl core::fmt::Display for HttpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "invalid HTTP message over SPDY: {}", self.0)
    }
}

impl std::error::Error for HttpError {}

/// SPDY request headers for an `http` request. The scheme and authority come from the URI,
/// or from `default_scheme` / `default_authority` for an origin-form URI (`/path`).
pub fn request_headers<B>(
    req: &http::Request<B>,
    default_scheme: &str,
    default_authority: &str,
) -> HeaderList {
    let uri = req.uri();
    let scheme = uri.scheme_str().unwrap_or(default_scheme);
    let authority = uri.authority().map_or(default_authority, |a| a.as_str());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let extra = req
        .headers()
        .iter()
        .filter_map(|(n, v)| v.to_str().ok().map(|v| (n.as_str(), v)));
    crate::http::request_headers(req.method().as_str(), scheme, authority, path, extra)
}

/// The `http` request a SPDY request's headers describe (S-85).
pub fn parse_request(headers: &HeaderList) -> Result<http::Request<()>, HttpError> {
    if let Some(missing) = crate::http::missing_request_headers(headers) {
        return Err(HttpError(missing));
    }
    let get = |n: &str| {
        headers
            .get_str(n)
            .ok_or(HttpError("non-UTF-8 pseudo-header"))
    };
    let uri = http::Uri::builder()
        .scheme(get(":scheme")?)
        .authority(get(":host")?)
        .path_and_query(get(":path")?)
        .build()
        .map_err(|_| HttpError("invalid :scheme, :host or :path"))?;
    let mut builder = http::Request::builder().method(get(":method")?).uri(uri);
    for (name, value) in headers.iter().filter(|(n, _)| !n.starts_with(b":")) {
        // Several values travel NUL-joined in one header (S-40): give each its own line.
        for v in value.split(|&b| b == 0) {
            builder = builder.header(name, v);
        }
    }
    builder
        .body(())
        .map_err(|_| HttpError("invalid header name or value"))
}

/// SPDY reply headers for an `http` response: `:status` with its reason phrase and
/// `:version`; connection-specific headers are dropped (S-88).
pub fn response_headers<B>(resp: &http::Response<B>) -> HeaderList {
    let mut h = crate::http::response_headers(resp.status().as_u16());
    for (name, value) in resp.headers() {
        if !crate::http::is_connection_specific(name.as_str()) {
            h.append(name.as_str(), value.as_bytes());
        }
    }
    h
}

/// The `http` response a SPDY reply's headers describe (S-87).
pub fn parse_response(headers: &HeaderList) -> Result<http::Response<()>, HttpError> {
    if let Some(missing) = crate::http::missing_response_headers(headers) {
        return Err(HttpError(missing));
    }
    let status = headers
        .get(":status")
        .and_then(crate::http::parse_status)
        .ok_or(HttpError("invalid :status"))?;
    let mut builder = http::Response::builder().status(status);
    for (name, value) in headers.iter().filter(|(n, _)| !n.starts_with(b":")) {
        for v in value.split(|&b| b == 0) {
            builder = builder.header(name, v);
        }
    }
    builder
        .body(())
        .map_err(|_| HttpError("invalid header name or value"))
}

/// Sends a request on a new stream and waits for the response head; the body streams from
/// the returned [`Stream`] (`recv`). `body` is sent whole; `None` sends no body (FIN on the
/// SYN_STREAM, S-86).
pub async fn send_request(
    conn: &Connection,
    req: http::Request<Option<Bytes>>,
    default_scheme: &str,
    default_authority: &str,
) -> Result<http::Response<Stream>, Error> {
    let headers = request_headers(&req, default_scheme, default_authority);
    let body = req.into_body();
    let options = OpenOptions {
        fin: body.is_none(),
        ..OpenOptions::default()
    };
    let mut stream = conn.open(headers, options).await?;
    if let Some(body) = body {
        stream.send(body, true).await?;
    }
    let head = stream.response().await?;
    let (parts, ()) = parse_response(&head)
        .map_err(|_| Error::Command(CommandError::MissingHeader(":status")))?
        .into_parts();
    Ok(http::Response::from_parts(parts, stream))
}

/// The next request on a server connection: its head, and the stream to read its body
/// from and answer on. Requests whose headers are not valid HTTP were already answered
/// with 400 by the session (S-85). `None` once the connection has ended.
pub async fn accept_request(conn: &Connection) -> Option<(http::Request<()>, Stream)> {
    loop {
        let mut stream = conn.accept().await?;
        let Some(headers) = stream.headers() else {
            continue;
        };
        match parse_request(headers) {
            Ok(req) => return Some((req, stream)),
            Err(_) => {
                let _ = stream.reply(crate::http::response_headers(400), true);
            }
        }
    }
}

/// Answers a request with `resp`'s head; `end` when there is no body.
pub fn respond<B>(stream: &mut Stream, resp: &http::Response<B>, end: bool) -> Result<(), Error> {
    stream.reply(response_headers(resp), end)
}
