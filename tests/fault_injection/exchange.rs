//! The scripted exchange: its streams, their bodies, each role's configuration and the
//! header blocks the application sends.

use bytes::Bytes;
use spdy3::header_block::{CompressionOptions, HeaderList};
use spdy3::session::{Config, Role};
use spdy3::testing::RawPeer;

/// The streams the client opens: GET /, POST /upload, GET /big, GET /cancel.
pub const CLIENT_STREAMS: [u32; 4] = [1, 3, 5, 7];
/// The server's push for `/`.
pub const PUSH: u32 = 2;
/// The upload.
pub const UPLOAD: u32 = 3;
/// The response that needs a WINDOW_UPDATE and ends with trailers.
pub const BIG: u32 = 5;
/// The stream the client cancels as soon as its reply arrives.
pub const CANCELLED: u32 = 7;
/// Every stream of the exchange.
pub const ALL_STREAMS: [u32; 5] = [1, PUSH, UPLOAD, BIG, CANCELLED];

/// A deterministic body of `len` pseudo-random bytes, so a lost, repeated or misplaced
/// byte shows.
fn body(len: usize, seed: u64) -> Bytes {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    Bytes::from(v)
}

/// What the client uploads on [`UPLOAD`].
pub fn upload_body() -> Bytes {
    body(400, 1)
}

/// The response to `/`.
pub fn html_body() -> Bytes {
    body(300, 2)
}

/// The pushed `/style.css`.
pub fn css_body() -> Bytes {
    body(150, 3)
}

/// The response to `/big`.
pub fn big_body() -> Bytes {
    body(1500, 4)
}

/// The response to `/cancel`.
pub fn cancelled_body() -> Bytes {
    body(3000, 5)
}

/// Each role's configuration. The client grants 1 KiB stream windows, so `/big` needs a
/// WINDOW_UPDATE and `/cancel` stalls; small DATA frames give several frames per body. The
/// client writes stored (level 0) header blocks and the server compressed ones (level 6),
/// so both kinds are corrupted; stored blocks also keep the many client replays cheap.
pub fn config(role: Role) -> Config {
    match role {
        Role::Client => Config {
            initial_window: 1024,
            max_data_frame: 128,
            max_data_frame_alone: 128,
            compression: CompressionOptions {
                level: 0,
                ..CompressionOptions::default()
            },
            ..Config::default()
        },
        Role::Server => Config {
            max_data_frame: 256,
            max_data_frame_alone: 256,
            ..Config::default()
        },
    }
}

/// A request for `path` with `method`.
pub fn request(path: &str, method: &str) -> HeaderList {
    let mut h = RawPeer::request(path);
    h.insert(":method", method.to_string());
    h
}

/// The headers of the server's push for `/`.
pub fn push_headers() -> HeaderList {
    RawPeer::headers(&[
        (":status", "200 OK"),
        (":version", "HTTP/1.1"),
        (":scheme", "https"),
        (":host", "example.com"),
        (":path", "/style.css"),
    ])
}

/// The reply to a request for an unknown path.
pub fn not_found() -> HeaderList {
    RawPeer::headers(&[(":status", "404"), (":version", "HTTP/1.1")])
}
