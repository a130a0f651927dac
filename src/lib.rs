//! # spdy3 — SPDY/3.1 for Rust, WebAssembly and Node.js
//!
//! SPDY/3.1 multiplexes many bidirectional *streams* over one ordered byte stream (TCP,
//! usually TLS). Every frame is an 8-byte header plus a payload; control frames open,
//! answer, reset and tune streams, DATA frames carry their bytes. Header metadata travels in
//! zlib-compressed name/value blocks that share one compression context per direction for
//! the whole session, primed with a fixed dictionary. SPDY/3.1 adds a session-wide
//! flow-control window to SPDY/3's per-stream windows.
//!
//! This crate is built in layers, each usable on its own:
//!
//! ```text
//!             bytes in                        events out             bytes out
//!  socket ──► Session::handle_bytes(now) ──► poll_event()    ┌──► poll_transmit(buf) ──► socket
//!             Session::handle_timeout(now)   commands: open, │    poll_timeout() → when to call
//!                                            reply, send,    │    handle_timeout
//!                                            read, reset,  ──┘
//!                                            ping, goaway
//!
//!  session      streams, windows, settings, priorities, push, ping, goaway, timers, limits
//!  http         HTTP semantics over streams (pseudo-headers, :status reasons), optional
//!  header_block name/value blocks and the per-direction zlib contexts (SPDY dictionary)
//!  frame        the stateless codec: bytes ⇄ Frame, zero-copy DATA
//! ```
//!
//! * [`session`]: the sans-IO engine. It never does I/O and never reads a clock: bytes and
//!   time go in, bytes, events and a timer deadline come out. Its module docs give the call
//!   protocol every adapter follows, with a complete driving loop.
//! * [`frame`]: a stateless, total codec for every SPDY/3.1 frame. Decoding is push-style
//!   (bytes arrive in any chunking; "need more bytes" is a normal result) and zero-copy for
//!   DATA payloads. Errors say which spec status applies and whether they end the stream or
//!   the session.
//! * [`header_block`]: name/value blocks (parse, validate, encode) and the per-direction
//!   zlib contexts with the SPDY dictionary, on the crate's own encoder and decoder (built
//!   for many small blocks); `miniz_oxide` for the dynamic-Huffman strategies.
//! * [`http`]: the HTTP rules shared by the adapters; Kubernetes-style sessions run raw.
//! * `net` (feature `tokio`): the async adapter — `Connection`, `Driver`, `Stream`, the
//!   `http` crate mapping and the `Upgrade: SPDY/3.1` handshake.
//! * [`time`]: the millisecond [`time::Instant`] the session is driven with.
//!
//! ## Decoding a capture
//!
//! ```
//! use bytes::BytesMut;
//! use spdy3::frame::{Decoder, Frame};
//! use spdy3::header_block::{HeaderInflater, Limits};
//!
//! // One direction of a session: SETTINGS, then a SYN_STREAM for `GET /` (from the vectors).
//! let mut input = BytesMut::from(&[0x80u8, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0][..]);
//! let mut decoder = Decoder::new(Default::default());
//! let mut inflater = HeaderInflater::new();
//! while let Some(frame) = decoder.decode(&mut input).expect("valid input") {
//!     if let Some(block) = frame.header_block() {
//!         let headers = inflater.decode(block, &Limits::default()).expect("valid block");
//!         println!("{headers:?}");
//!     }
//!     println!("{frame:?}");
//! }
//! ```
//!
//! ## Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `std` (default) | `std::error::Error` for the error types |
//! | `tokio` | the tokio adapter, `net` (implies `std`) |
//! | `wasm` | the wasm-bindgen facade (implies `std`) |
//! | `testing` | dev-only helpers for tests, benches and fuzz targets (`testing::Pair`) |
//!
//! The core is `#![no_std]` with `alloc`, and builds with `--no-default-features` for
//! targets without a standard library.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod error;
pub mod frame;
pub mod header_block;
pub mod http;
#[cfg(feature = "tokio")]
pub mod net;
pub mod session;
pub mod time;
#[cfg(feature = "wasm")]
pub mod wasm;

#[cfg(feature = "testing")]
pub mod testing;

pub use error::Reaction;
pub use frame::{Frame, GoAwayStatus, RstStatus, SettingId};

/// The README's Rust examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
