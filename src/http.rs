//! HTTP over SPDY/3.1 (SPDY31.md §14), shared by every adapter and used by the session
//! when [`Config::http`](crate::session::Config::http) is on: the pseudo-headers of requests,
//! responses and pushes (S-78, S-80, S-85, S-87), connection-specific headers (S-88), status
//! reason phrases, and the `content-length` check (S-89). Kubernetes-style sessions run raw
//! and use none of it.

use alloc::format;
use alloc::string::String;
use bytes::Bytes;

use crate::header_block::{HeaderList, CONNECTION_SPECIFIC};

/// The `:version` spdy3 sends.
pub const HTTP_VERSION: &str = "HTTP/1.1";

/// The first of `:method`, `:path`, `:version`, `:host`, `:scheme` a request lacks (S-85).
pub fn missing_request_headers(h: &HeaderList) -> Option<&'static str> {
    [":method", ":path", ":version", ":host", ":scheme"]
        .into_iter()
        .find(|n| h.get(n).is_none())
}

/// The first of `:status`, `:version` a reply lacks (S-87).
pub fn missing_response_headers(h: &HeaderList) -> Option<&'static str> {
    [":status", ":version"]
        .into_iter()
        .find(|n| h.get(n).is_none())
}

/// The first of `:scheme`, `:host`, `:path` a push lacks (S-78, S-80).
pub fn missing_push_headers(h: &HeaderList) -> Option<&'static str> {
    [":scheme", ":host", ":path"]
        .into_iter()
        .find(|n| h.get(n).is_none())
}

/// A request's headers: the five pseudo-headers (S-85), then `extra` with `host` moved to
/// `:host` and connection-specific headers dropped (S-88). Names are lower-cased.
pub fn request_headers<'a>(
    method: &str,
    scheme: &str,
    authority: &str,
    path: &str,
    extra: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> HeaderList {
    let mut h = HeaderList::with_capacity(5);
    h.insert(":method", common_or_owned(method, &METHODS));
    h.insert(
        ":path",
        String::from(if path.is_empty() { "/" } else { path }),
    );
    h.insert(":version", HTTP_VERSION);
    h.insert(":host", String::from(authority));
    h.insert(":scheme", common_or_owned(scheme, &["http", "https"]));
    for (name, value) in extra {
        if name.eq_ignore_ascii_case("host") {
            h.insert(":host", String::from(value));
        } else if !is_connection_specific(name) {
            h.append(name, value);
        }
    }
    h
}

/// A response's headers: `:status` with its reason phrase (`200 OK`) and `:version`.
pub fn response_headers(status: u16) -> HeaderList {
    let mut h = HeaderList::with_capacity(2);
    h.insert(":status", status_value(status));
    h.insert(":version", HTTP_VERSION);
    h
}

/// Methods kept as static bytes in request headers rather than copied.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];

/// `value` as static bytes when it is one of `common`, else copied.
fn common_or_owned(value: &str, common: &[&'static str]) -> Bytes {
    match common.iter().find(|c| **c == value) {
        Some(c) => Bytes::from_static(c.as_bytes()),
        None => Bytes::copy_from_slice(value.as_bytes()),
    }
}

/// [`status_line`] as bytes, static for the most frequent statuses.
fn status_value(status: u16) -> Bytes {
    let common: &'static str = match status {
        200 => "200 OK",
        204 => "204 No Content",
        206 => "206 Partial Content",
        304 => "304 Not Modified",
        400 => "400 Bad Request",
        404 => "404 Not Found",
        500 => "500 Internal Server Error",
        _ => return Bytes::from(status_line(status)),
    };
    debug_assert_eq!(common, status_line(status));
    Bytes::from_static(common.as_bytes())
}

/// `"200 OK"`, `"404 Not Found"`, or just the code when it has no standard reason.
pub fn status_line(status: u16) -> String {
    match reason_phrase(status) {
        "" => format!("{status}"),
        reason => format!("{status} {reason}"),
    }
}

/// The numeric status of a `:status` value (`"200 OK"` → 200).
pub fn parse_status(value: &[u8]) -> Option<u16> {
    let digits = value.get(..3)?;
    if digits.iter().all(u8::is_ascii_digit) && value.get(3).is_none_or(|&b| b == b' ') {
        core::str::from_utf8(digits).ok()?.parse().ok()
    } else {
        None
    }
}

/// True for headers that must never be sent over SPDY (S-88); `host` is one in requests,
/// where it becomes `:host`.
pub fn is_connection_specific(name: &str) -> bool {
    CONNECTION_SPECIFIC
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name))
}

/// The standard reason phrase of a status code, or `""`.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// Counts a body against its `content-length` (S-89): a server answers 400 when they
/// differ; a client ignores the header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BodyLength {
    expected: Option<u64>,
    received: u64,
}

impl BodyLength {
    /// Starts counting for a message with these headers.
    pub fn new(headers: &HeaderList) -> BodyLength {
        let expected = headers
            .get_str("content-length")
            .and_then(|v| v.trim().parse().ok());
        BodyLength {
            expected,
            received: 0,
        }
    }

    /// Counts `n` body bytes; false once they exceed `content-length`.
    pub fn add(&mut self, n: usize) -> bool {
        self.received += n as u64;
        self.expected.is_none_or(|e| self.received <= e)
    }

    /// At the end of the body: true when it matched `content-length` (or there was none).
    pub fn matches(&self) -> bool {
        self.expected.is_none_or(|e| e == self.received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s85_request_headers_and_host_mapping() {
        let h = request_headers(
            "GET",
            "https",
            "a.example",
            "",
            [
                ("Host", "b.example"),
                ("Connection", "close"),
                ("Accept", "*/*"),
            ],
        );
        assert_eq!(missing_request_headers(&h), None);
        assert_eq!(h.get_str(":host"), Some("b.example"));
        assert_eq!(h.get_str(":path"), Some("/"));
        assert_eq!(h.get("connection"), None); // S-88
        assert_eq!(h.get_str("accept"), Some("*/*"));
        let mut partial = HeaderList::new();
        partial.insert(":method", "GET");
        assert_eq!(missing_request_headers(&partial), Some(":path"));
    }

    #[test]
    fn s87_status_with_reason_phrase() {
        let h = response_headers(206);
        assert_eq!(h.get_str(":status"), Some("206 Partial Content"));
        assert_eq!(missing_response_headers(&h), None);
        assert_eq!(parse_status(b"200 OK"), Some(200));
        assert_eq!(parse_status(b"404"), Some(404));
        assert_eq!(parse_status(b"20x"), None);
        assert_eq!(status_line(299), "299");
    }

    #[test]
    fn s87_the_static_status_values_are_the_status_lines() {
        for status in [100, 200, 204, 206, 299, 304, 400, 404, 500, 503, 999] {
            let h = response_headers(status);
            assert_eq!(h.get_str(":status"), Some(status_line(status).as_str()));
        }
        let h = request_headers("PROPFIND", "spdy", "a", "/", [("Range", "bytes=0-")]);
        assert_eq!(h.get_str(":method"), Some("PROPFIND"));
        assert_eq!(h.get_str(":scheme"), Some("spdy"));
        assert_eq!(h.get_str("range"), Some("bytes=0-"));
    }

    #[test]
    fn s89_content_length() {
        let mut h = HeaderList::new();
        h.insert("content-length", "5");
        let mut b = BodyLength::new(&h);
        assert!(b.add(3));
        assert!(!b.matches());
        assert!(b.add(2));
        assert!(b.matches());
        assert!(!b.add(1));
        assert!(BodyLength::new(&HeaderList::new()).matches());
    }

    #[test]
    fn s80_push_headers() {
        let mut h = HeaderList::new();
        h.insert(":scheme", "https");
        h.insert(":host", "a");
        assert_eq!(missing_push_headers(&h), Some(":path"));
    }
}
