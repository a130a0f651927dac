//! The WebAssembly facade (feature `wasm`): one [`WasmSession`] class over
//! [`Session`] for the Node package (`js/`) and the browser page
//! (`www/`).
//!
//! Calls are batched across the boundary. [`WasmSession::input`] takes a whole socket chunk
//! and [`WasmSession::drain`] runs the call protocol of the session once: it returns the
//! bytes to send, the next timer, whether more input is wanted and every event, with the
//! data of streams whose reader wants it already read. DATA payloads large enough to be
//! worth it never enter wasm memory either way: written arrays go to the socket as they
//! are (`payloads.rs`), received ones reach the reader as subarrays of the socket's chunks
//! (`delivery.rs`); the session frames and counts placeholders of their length. Commands
//! (`request`, `respond`, `write`, …) only queue work; the caller drains once per turn of
//! its event loop.
//!
//! The result of `input`/`drain`/`timeout` is an array:
//! `[output: Uint8Array | undefined, timer: number (ms, −1 none), wantsInput: boolean,
//! ...events]`, each event an array whose first element is one of the `EV_*` codes below.
//! Headers are flat arrays `[name, value, …]`.

use std::string::String;
use std::vec::Vec;

mod convert;
mod delivery;
mod glue;
mod inspect;
mod payloads;

pub use inspect::FrameInspector;

use std::collections::BTreeSet;

use bytes::Bytes;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::frame::{RstStatus, HEAD_LEN};
use crate::header_block::HeaderList;
use crate::http;
use crate::session::{CommandError, Event, OpenOptions, Read, Role, Session};
use crate::time::Instant;
use convert::{command_error, header_list, headers_to_js, pairs_from_js};
use payloads::PayloadViews;

/// `[1, id, headers, fin, unidirectional, associatedId, priority]`: the peer opened a stream.
pub const EV_STREAM: u32 = 1;
/// `[2, id, headers, fin, status]`: the reply to our stream (`status` 0 in raw mode).
pub const EV_REPLY: u32 = 2;
/// `[3, id, headers, fin]`: HEADERS (trailers when `fin`).
pub const EV_HEADERS: u32 = 3;
/// `[4, id, Uint8Array, …]`: stream data in order, one or more arrays, already consumed
/// (its window credited).
pub const EV_DATA: u32 = 4;
/// `[5, id]`: the peer finished the stream and all its data was delivered (after the
/// headers event that carried FIN, or after the last `EV_DATA`). Exactly once per stream
/// the peer finishes.
pub const EV_END: u32 = 5;
/// `[6, id]`: a stream whose `write` took less than offered can take more.
pub const EV_WRITABLE: u32 = 6;
/// `[7, id, rstCode, initiator, code, message]`: the stream ended abnormally.
pub const EV_RESET: u32 = 7;
/// `[8, id]`: the stream is gone from the session.
pub const EV_STREAM_CLOSED: u32 = 8;
/// `[9]`: an open refused for the peer's concurrency limit may be retried.
pub const EV_CAN_OPEN: u32 = 9;
/// `[10, {maxConcurrentStreams, initialWindowSize, persist, clear, entries}]`.
pub const EV_SETTINGS: u32 = 10;
/// `[11, pingId, rttMs]`: a PING echo.
pub const EV_PONG: u32 = 11;
/// `[12, lastGoodStreamId, status]`: the peer sent GOAWAY.
pub const EV_GOAWAY: u32 = 12;
/// `[13, goawayStatus, initiator, code | null, message]`: the session is over.
pub const EV_CLOSED: u32 = 13;
/// `[14, id, count]`: the next `count` arrays given to `write` on the stream are wholly in
/// this drain's output; they may be reused once the socket has written it.
pub const EV_SENT: u32 = 14;

/// `write`'s answer for a stream the core no longer has (reset, or ended by the peer, in
/// this same turn): its end event is on its way, so the write is moot.
pub const WRITE_UNKNOWN_STREAM: i32 = -1;
/// `write`'s answer once the session has ended.
pub const WRITE_SESSION_CLOSED: i32 = -2;

/// Most bytes of one stream delivered per drain; the reader asks again (`resume`) when it
/// wants more, so a JavaScript stream buffer never runs far beyond its high-water mark.
/// As much as one socket read of the Node package brings (`js/lib/reads.js`), so that a
/// read's data needs no second drain.
const READ_BUDGET: usize = 256 * 1024;

/// Input copies up to this long are read byte by byte rather than through a subarray.
const SMALL_COPY: usize = 16;

/// Most output bytes returned by one drain by default; the rest waits for the next.
const OUTPUT_BUDGET: usize = 1024 * 1024;

/// Makes the `Uint8Array`s handed to JavaScript: by the caller's `allocate(n)` when it
/// gave one (Node's `Buffer.allocUnsafe` skips zero-filling memory about to be overwritten),
/// else `new Uint8Array(n)`.
struct Allocator(Option<js_sys::Function>);

impl Allocator {
    fn array(&self, len: usize) -> Uint8Array {
        glue::allocate(self.0.as_ref(), len as u32)
    }
}

/// A SPDY/3.1 session for JavaScript: the core [`Session`] plus which streams' readers want
/// data.
#[wasm_bindgen]
pub struct WasmSession {
    session: Session,
    /// Streams whose JavaScript reader wants data (push returned true / `_read` called).
    reading: BTreeSet<u32>,
    /// Streams with data (or their end) waiting to be read.
    readable: BTreeSet<u32>,
    /// Scratch list for one stream's reads in `deliver`.
    reads: Vec<Bytes>,
    alloc: Allocator,
    /// Payloads written by JavaScript, kept there until sent.
    written: PayloadViews,
    /// Scratch list of written arrays wholly in one drain's output: `(stream, count)`.
    sent: Vec<(u32, u32)>,
    /// Scratch buffer gathering bytes that cross to JavaScript in one copy
    /// (`payloads::copy_out`).
    scratch: Vec<u8>,
    /// Received payloads left in the socket chunks that brought them, until read.
    received: PayloadViews,
    /// Output as an array of segments (held payloads uncopied) rather than one array.
    segmented: bool,
    /// Most output bytes one drain returns (option `maxOutput`, default [`OUTPUT_BUDGET`]):
    /// a small budget leaves queued frames to the session's priority scheduler until the
    /// transport takes more, as a socket's send buffer does.
    output_budget: usize,
    /// Output chunks of one drain (DATA payloads uncopied until they cross to JavaScript).
    out: Vec<Bytes>,
    /// The last `input` kept views of its chunk for readers (see `inputKept`).
    input_kept: bool,
    /// The transport cannot take more now: output stays in the session (and its send
    /// buffer pushes back on writers) until it can.
    output_paused: bool,
    /// `http` URL scheme and authority filled into requests without them.
    scheme: String,
    authority: String,
}

fn now(ms: f64) -> Instant {
    Instant(if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    })
}

#[wasm_bindgen]
impl WasmSession {
    /// A client or server session; `options` is a plain object (see `js/lib/options.js`),
    /// which may also hold `allocate(n)`, returning the `Uint8Array`s output and data are
    /// copied into.
    #[wasm_bindgen(constructor)]
    pub fn new(server: bool, options: JsValue, now_ms: f64) -> Result<WasmSession, JsValue> {
        let config = convert::config(&options)?;
        let role = if server { Role::Server } else { Role::Client };
        Ok(WasmSession {
            session: Session::new(role, config, now(now_ms)),
            reading: BTreeSet::new(),
            readable: BTreeSet::new(),
            reads: Vec::new(),
            written: PayloadViews::default(),
            sent: Vec::new(),
            scratch: Vec::new(),
            received: PayloadViews::default(),
            output_budget: convert::size(&options, "maxOutput")
                .filter(|&n| n >= 1)
                .unwrap_or(OUTPUT_BUDGET),
            segmented: convert::flag(&options, "segments").unwrap_or(false),
            alloc: Allocator(convert::prop(&options, "allocate").and_then(|f| f.dyn_into().ok())),
            out: Vec::new(),
            input_kept: false,
            output_paused: false,
            scheme: convert::text(&options, "scheme").unwrap_or_else(|| "http".into()),
            authority: convert::text(&options, "authority").unwrap_or_default(),
        })
    }

    /// Feeds a chunk of socket bytes and drains (see the module docs for the result). Only
    /// what the session reads is copied into wasm memory: frame heads, control frames and
    /// small DATA payloads. Larger payloads stay in `chunk` and reach their reader as
    /// subarrays of it (see `delivery.rs`).
    pub fn input(&mut self, chunk: &Uint8Array, now_ms: f64) -> Array {
        let t = now(now_ms);
        self.input_kept = false;
        let len = chunk.length() as usize;
        let min_view = delivery::min_view(len);
        let min_piece = delivery::min_piece(glue::buffer_length(chunk) as usize);
        let mut heads: Option<delivery::Heads> = None;
        let mut at = 0;
        // Once the session has ended (its GOAWAY may still be queued) the rest is moot.
        while at < len && self.session.close_reason().is_none() {
            if len - at < min_piece {
                // Nothing left here can become a view: one copy for all of it.
                self.copy_input(chunk, at, len - at, t);
                break;
            }
            let Some(e) = self.session.expected_payload() else {
                // Heads and control frames: whole runs of frames read in wasm memory anyway
                // in one copy, up to the head of the next payload worth a view.
                let wanted = self.session.input_wanted();
                if !self.session.input_buffer().is_empty() {
                    let step = wanted.min(len - at);
                    self.copy_input(chunk, at, step, t);
                    at += step;
                    continue;
                }
                let heads = heads.get_or_insert_with(|| delivery::Heads::new(chunk, len));
                let (span, head) = heads.copy_span(at, min_view);
                let step = wanted.max(span).min(len - at);
                if step == HEAD_LEN {
                    // A lone DATA head: its bytes are at hand.
                    self.session.input_buffer().extend_from_slice(&head);
                    self.session.handle_input(t);
                } else {
                    self.copy_input(chunk, at, step, t);
                }
                at += step;
                continue;
            };
            let step = e.remaining.min(len - at);
            if e.frame_len >= min_view && step >= min_piece {
                // A view when the frame's payload is a fair part of the chunk, even if this
                // piece is only what the chunk holds of it (its start or its end).
                self.take_payload(chunk, at, step, t);
            } else if step < e.remaining {
                // Too little of the payload to pin the chunk for, and more to come: a copy
                // of its own, so that the decoder does not wait to buffer a piece of it.
                let copy = chunk.subarray(at as u32, (at + step) as u32).to_vec();
                self.give_payload(chunk, at, Bytes::from(copy), t);
            } else {
                self.copy_input(chunk, at, step, t);
            }
            at += step;
        }
        self.drain(now_ms)
    }

    /// Copies bytes `at..at + n` of `chunk` into the session's input and processes them.
    fn copy_input(&mut self, chunk: &Uint8Array, at: usize, n: usize, t: Instant) {
        let input = self.session.input_buffer();
        let start = input.len();
        if input.capacity() - start < n {
            input.reserve(n.max(16 * 1024));
        }
        input.resize(start + n, 0);
        let (from, to) = (at as u32, (at + n) as u32);
        if n <= SMALL_COPY {
            // A frame head, say: reading bytes one by one costs less than a subarray.
            for (i, byte) in (from..to).zip(&mut input[start..]) {
                *byte = chunk.get_index(i);
            }
        } else if from == 0 && to == chunk.length() {
            chunk.copy_to(&mut input[start..]);
        } else {
            chunk.subarray(from, to).copy_to(&mut input[start..]);
        }
        self.session.handle_input(t);
    }

    /// Gives the session bytes `at..at + n` of `chunk`, DATA payload it expects, as
    /// placeholders, and queues the range for the stream's reader.
    fn take_payload(&mut self, chunk: &Uint8Array, at: usize, n: usize, t: Instant) {
        let mut from = at;
        for piece in payloads::placeholders(n) {
            let k = piece.len();
            match self.session.handle_payload(piece, t) {
                Ok(Some(id)) => {
                    self.input_kept = true;
                    self.received
                        .hold(id, chunk, from as u32, (from + k) as u32);
                }
                Ok(None) => {}
                // The session no longer expects payload (an earlier piece ended it): the
                // rest goes the ordinary way.
                Err(_) => return self.copy_input(chunk, from, at + n - from, t),
            }
            from += k;
        }
    }

    /// Gives the session `copy`, bytes `at..` of `chunk` that are DATA payload it expects.
    fn give_payload(&mut self, chunk: &Uint8Array, at: usize, copy: Bytes, t: Instant) {
        let n = copy.len();
        if self.session.handle_payload(copy, t).is_err() {
            // As in `take_payload`.
            self.copy_input(chunk, at, n, t);
        }
    }

    /// The transport ended (EOF or error); drains.
    pub fn eof(&mut self, now_ms: f64) -> Array {
        self.session.handle_eof(now(now_ms));
        self.drain(now_ms)
    }

    /// The timer fired; drains.
    pub fn timeout(&mut self, now_ms: f64) -> Array {
        self.session.handle_timeout(now(now_ms));
        self.drain(now_ms)
    }

    /// Runs the call protocol once: events (with wanted data read), output, timer.
    pub fn drain(&mut self, now_ms: f64) -> Array {
        let result = glue::new_result();
        self.session.handle_timeout(now(now_ms));
        while let Some(event) = self.session.poll_event() {
            self.push_event(&result, event);
        }
        let pending: Vec<u32> = self
            .readable
            .iter()
            .copied()
            .filter(|id| self.reading.contains(id))
            .collect();
        for id in pending {
            self.deliver(&result, id);
        }
        // Reading may have produced events (StreamClosed after the end was read).
        while let Some(event) = self.session.poll_event() {
            self.push_event(&result, event);
        }
        if !self.output_paused {
            let n =
                self.session
                    .poll_transmit_chunks(now(now_ms), &mut self.out, self.output_budget);
            if n > 0 {
                let alloc = &self.alloc;
                let segments = payloads::segments(
                    &self.out,
                    &mut self.written,
                    &mut self.sent,
                    &mut self.scratch,
                    |len| alloc.array(len),
                );
                let output: JsValue = if self.segmented {
                    segments.into()
                } else {
                    payloads::joined(segments, |len| alloc.array(len)).into()
                };
                result.set(0, output);
                for (id, count) in self.sent.drain(..) {
                    glue::push_event3(&result, EV_SENT, id, count);
                }
            }
            self.out.clear();
        }
        let timer = self.session.poll_timeout().map_or(-1.0, |t| t.0 as f64);
        glue::set_state(&result, timer, self.session.wants_input());
        result
    }

    /// Stops (`true`) or restarts output: while the socket is full, drains return no bytes
    /// and writers meet the session's send-buffer limit.
    #[wasm_bindgen(js_name = pauseOutput)]
    pub fn pause_output(&mut self, paused: bool) {
        self.output_paused = paused;
    }

    /// True when the last `input` kept parts of its chunk, to hand readers as views. When it
    /// kept none, nothing refers to the chunk any more and its memory may be read into
    /// again.
    #[wasm_bindgen(js_name = inputKept)]
    pub fn input_kept(&self) -> bool {
        self.input_kept
    }

    /// True when more output is waiting than one drain returned.
    #[wasm_bindgen(js_name = hasPendingOutput)]
    pub fn has_pending_output(&self) -> bool {
        self.session.has_pending_output()
    }

    fn push_event(&mut self, result: &Array, event: Event) {
        let ev = |items: &[JsValue]| -> JsValue { items.iter().collect::<Array>().into() };
        let ended_by_headers = match event {
            Event::StreamOpened { stream_id, fin, .. }
            | Event::Reply { stream_id, fin, .. }
            | Event::Headers { stream_id, fin, .. } => fin.then_some(stream_id),
            _ => None,
        };
        let item = match event {
            Event::StreamOpened {
                stream_id,
                headers,
                fin,
                unidirectional,
                associated_stream_id,
                priority,
            } => {
                self.reading.insert(stream_id);
                ev(&[
                    EV_STREAM.into(),
                    stream_id.into(),
                    headers_to_js(&headers).into(),
                    fin.into(),
                    unidirectional.into(),
                    associated_stream_id.into(),
                    priority.into(),
                ])
            }
            Event::Reply {
                stream_id,
                headers,
                fin,
            } => {
                let status = headers
                    .get(":status")
                    .and_then(http::parse_status)
                    .unwrap_or(0);
                ev(&[
                    EV_REPLY.into(),
                    stream_id.into(),
                    headers_to_js(&headers).into(),
                    fin.into(),
                    status.into(),
                ])
            }
            Event::Headers {
                stream_id,
                headers,
                fin,
            } => ev(&[
                EV_HEADERS.into(),
                stream_id.into(),
                headers_to_js(&headers).into(),
                fin.into(),
            ]),
            Event::Readable { stream_id } => {
                self.readable.insert(stream_id);
                if self.reading.contains(&stream_id) {
                    self.deliver(result, stream_id);
                }
                return;
            }
            Event::Writable { stream_id } => {
                glue::push_event2(result, EV_WRITABLE, stream_id);
                return;
            }
            Event::StreamReset { stream_id, error } => {
                // Data that came before the reset goes to a reader that wants it; the rest
                // is dropped with the stream.
                if self.reading.contains(&stream_id) {
                    self.deliver(result, stream_id);
                }
                let _ = self.session.reset(stream_id, RstStatus::CANCEL);
                self.reading.remove(&stream_id);
                self.readable.remove(&stream_id);
                self.written.forget(stream_id);
                self.received.forget(stream_id);
                let [code, who, err, msg] = convert::stream_error(error);
                ev(&[EV_RESET.into(), stream_id.into(), code, who, err, msg])
            }
            Event::StreamClosed { stream_id } => {
                self.written.forget(stream_id);
                self.received.forget(stream_id);
                self.reading.remove(&stream_id);
                self.readable.remove(&stream_id);
                glue::push_event2(result, EV_STREAM_CLOSED, stream_id);
                return;
            }
            Event::CanOpenStreams => {
                glue::push_event1(result, EV_CAN_OPEN);
                return;
            }
            Event::Settings(s) => {
                let entries: Array = s
                    .entries
                    .iter()
                    .map(|e| -> JsValue { Array::of2(&e.id.0.into(), &e.value.into()).into() })
                    .collect();
                let opt = |v: Option<u32>| v.map_or(JsValue::UNDEFINED, JsValue::from);
                let settings = convert::object(&[
                    ("maxConcurrentStreams", opt(s.max_concurrent_streams)),
                    ("initialWindowSize", opt(s.initial_window_size)),
                    ("clearPersisted", s.clear_persisted.into()),
                    ("entries", entries.into()),
                ]);
                ev(&[EV_SETTINGS.into(), settings])
            }
            Event::Pong { id, rtt } => ev(&[EV_PONG.into(), id.into(), (rtt as f64).into()]),
            Event::GoAway {
                last_good_stream_id,
                status,
            } => ev(&[
                EV_GOAWAY.into(),
                last_good_stream_id.into(),
                status.0.into(),
            ]),
            Event::Closed(e) => {
                let [status, who, code, msg] = convert::session_error(e);
                ev(&[EV_CLOSED.into(), status, who, code, msg])
            }
        };
        result.push(&item);
        if let Some(id) = ended_by_headers {
            self.end_if_drained(result, id);
        }
    }

    /// After headers with FIN: with nothing left unread the stream's end is reported now
    /// (the core reports no `Readable` for it); otherwise `deliver` reports it after the
    /// last data.
    fn end_if_drained(&mut self, result: &Array, id: u32) {
        if self.session.stream_info(id).is_none_or(|i| i.unread == 0) {
            self.reading.remove(&id);
            self.readable.remove(&id);
            glue::push_event2(result, EV_END, id);
        }
    }

    /// Reads up to [`READ_BUDGET`] bytes of a stream into one `EV_DATA` event (one copy
    /// into JavaScript), followed by `EV_END` when the stream's end was reached.
    fn deliver(&mut self, result: &Array, id: u32) {
        let mut budget = READ_BUDGET;
        let mut chunks = core::mem::take(&mut self.reads);
        let mut ended = false;
        while budget > 0 {
            match self.session.read(id, budget) {
                Ok(Read::Data(bytes)) => {
                    budget -= bytes.len();
                    chunks.push(bytes);
                }
                Ok(Read::Fin) => {
                    ended = true;
                    self.readable.remove(&id);
                    self.reading.remove(&id);
                    break;
                }
                Ok(Read::Pending) | Err(_) => {
                    self.readable.remove(&id);
                    break;
                }
            }
        }
        // One event for everything read: crossings to JavaScript are per event.
        if chunks.iter().any(|c| !c.is_empty()) {
            glue::push_event2(result, EV_DATA, id);
            let alloc = &self.alloc;
            delivery::append_data(
                result,
                id,
                &chunks,
                &mut self.received,
                &mut self.scratch,
                |len| alloc.array(len),
            );
        }
        chunks.clear();
        self.reads = chunks;
        if ended {
            glue::push_event2(result, EV_END, id);
        }
    }

    /// The reader of a stream wants data (its `_read` was called).
    pub fn resume(&mut self, id: u32) {
        self.reading.insert(id);
    }

    /// The reader of a stream has enough buffered (`push` returned false).
    pub fn pause(&mut self, id: u32) {
        self.reading.remove(&id);
    }

    /// Opens a stream and returns its id. In HTTP mode the headers are completed into a
    /// request (`:method` GET, `:path` /, `:version`, `:scheme`, `:host` from `:authority`,
    /// `host` or the session's authority; connection-specific headers dropped).
    pub fn request(
        &mut self,
        headers: Array,
        priority: u8,
        fin: bool,
        unidirectional: bool,
        now_ms: f64,
    ) -> Result<u32, JsValue> {
        let pairs = pairs_from_js(&headers)?;
        let list = if self.session.config().http {
            self.request_headers(&pairs)
        } else {
            header_list(&pairs)
        };
        let options = OpenOptions {
            priority: priority.min(7),
            fin,
            unidirectional,
        };
        let id = self
            .session
            .open_stream(list, options, now(now_ms))
            .map_err(command_error)?;
        if !unidirectional {
            self.reading.insert(id);
        }
        Ok(id)
    }

    fn request_headers(&self, pairs: &[(String, String)]) -> HeaderList {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let authority = get(":host")
            .or_else(|| get(":authority"))
            .unwrap_or(&self.authority);
        http::request_headers(
            get(":method").unwrap_or("GET"),
            get(":scheme").unwrap_or(&self.scheme),
            authority,
            get(":path").unwrap_or("/"),
            pairs
                .iter()
                .filter(|(n, _)| !n.starts_with(':'))
                .map(|(n, v)| (n.as_str(), v.as_str())),
        )
    }

    /// Answers a peer's stream (SYN_REPLY), or sends the response headers of our push
    /// (HEADERS). In HTTP mode `:status` (a number) becomes `"200 OK"` with `:version`, and
    /// connection-specific headers are dropped.
    pub fn respond(&mut self, id: u32, headers: Array, fin: bool) -> Result<(), JsValue> {
        let pairs = pairs_from_js(&headers)?;
        let list = if self.session.config().http {
            let status = pairs
                .iter()
                .find(|(n, _)| n == ":status")
                .and_then(|(_, v)| http::parse_status(v.trim().as_bytes()))
                .unwrap_or(200);
            let mut list = http::response_headers(status);
            for (n, v) in &pairs {
                if !n.starts_with(':') && !http::is_connection_specific(n) {
                    list.append(n, v);
                }
            }
            list
        } else {
            header_list(&pairs)
        };
        let ours = (id % 2 == 0) == (self.session.role() == Role::Server);
        if ours {
            self.session.send_headers(id, list, fin)
        } else {
            self.session.reply(id, list, fin)
        }
        .map_err(command_error)
    }

    /// Sends HEADERS (trailers when `fin`) as given.
    #[wasm_bindgen(js_name = sendHeaders)]
    pub fn send_headers(&mut self, id: u32, headers: Array, fin: bool) -> Result<(), JsValue> {
        let list = header_list(&pairs_from_js(&headers)?);
        self.session
            .send_headers(id, list, fin)
            .map_err(command_error)
    }

    /// Pushes a resource tied to the peer's stream `associated` (server only) and returns
    /// the pushed stream's id. HTTP mode needs `:scheme`, `:host` and `:path`.
    pub fn push(
        &mut self,
        associated: u32,
        headers: Array,
        priority: u8,
        now_ms: f64,
    ) -> Result<u32, JsValue> {
        let list = header_list(&pairs_from_js(&headers)?);
        let options = OpenOptions {
            priority: priority.min(7),
            fin: false,
            unidirectional: true,
        };
        self.session
            .push_stream(associated, list, options, now(now_ms))
            .map_err(command_error)
    }

    /// Queues as much of `data` as windows and the send buffer allow and returns how many
    /// bytes were taken (only those are copied in). `fin` applies when all was taken; when
    /// less was, `EV_WRITABLE` follows once more fits. A stream the core no longer has
    /// gives [`WRITE_UNKNOWN_STREAM`] or [`WRITE_SESSION_CLOSED`] instead of an exception:
    /// writes racing the peer's reset are routine for a churning client, and an exception
    /// (an `Error` with its stack) per write cost more than the rest of the write.
    pub fn write(&mut self, id: u32, data: &Uint8Array, fin: bool) -> Result<i32, JsValue> {
        match self.try_write(id, data, fin) {
            Ok(n) => Ok(n as i32),
            Err(CommandError::UnknownStream) => Ok(WRITE_UNKNOWN_STREAM),
            Err(CommandError::SessionClosed) => Ok(WRITE_SESSION_CLOSED),
            Err(e) => Err(command_error(e)),
        }
    }

    fn try_write(&mut self, id: u32, data: &Uint8Array, fin: bool) -> Result<u32, CommandError> {
        let len = data.length() as usize;
        // At most i32::MAX, so that the count never reads as one of the negative codes.
        let n = len
            .min(self.session.send_capacity(id))
            .min(i32::MAX as usize);
        if n == 0 && (len > 0 || !fin) {
            // Nothing fits (or nothing was given): never queue an empty DATA frame.
            if len > 0 {
                self.session.notify_writable(id)?;
            }
            return Ok(0);
        }
        // The bytes stay in JavaScript; the session gets placeholders of their length.
        let mut taken = 0;
        let pieces = payloads::placeholders(n);
        let count = n.div_ceil(payloads::PIECE).max(1);
        for (i, piece) in pieces.chain((n == 0).then(Bytes::new)).enumerate() {
            let last = i + 1 == count;
            match self.session.send_data(id, piece, last && fin && n == len) {
                Ok(k) => taken += k,
                Err(e) if taken == 0 => return Err(e),
                // What was queued stays queued, with its bytes held below; the next write
                // meets the error.
                Err(_) => break,
            }
        }
        self.written.hold(id, data, 0, taken as u32);
        if taken < len {
            // Asks for EV_WRITABLE; the stream took data just now, so it can wait for it.
            let _ = self.session.notify_writable(id);
        }
        Ok(taken as u32)
    }

    /// Ends our half of a stream (an empty DATA frame with FIN).
    pub fn finish(&mut self, id: u32) -> Result<(), JsValue> {
        self.session.finish(id).map_err(command_error)
    }

    /// Bytes `write` would take on the stream now.
    #[wasm_bindgen(js_name = sendCapacity)]
    pub fn send_capacity(&self, id: u32) -> u32 {
        self.session.send_capacity(id).min(u32::MAX as usize) as u32
    }

    /// Resets a stream with a RST_STREAM status (non-zero); unknown streams are ignored.
    pub fn reset(&mut self, id: u32, status: u32) -> Result<(), JsValue> {
        let status = if status == 0 {
            RstStatus::CANCEL
        } else {
            RstStatus(status)
        };
        self.reading.remove(&id);
        self.readable.remove(&id);
        self.written.forget(id);
        self.received.forget(id);
        match self.session.reset(id, status) {
            Ok(()) | Err(CommandError::UnknownStream) => Ok(()),
            Err(crate::session::CommandError::SessionClosed) => Ok(()),
            Err(e) => Err(command_error(e)),
        }
    }

    /// Sends a PING and returns its id; the echo arrives as `EV_PONG`.
    pub fn ping(&mut self, now_ms: f64) -> Result<u32, JsValue> {
        self.session.ping(now(now_ms)).map_err(command_error)
    }

    /// Changes our SETTINGS (`maxConcurrentStreams`, `initialWindowSize`; negative = keep).
    pub fn settings(&mut self, max_concurrent: f64, initial_window: f64) -> Result<(), JsValue> {
        let opt = |n: f64| (n >= 0.0).then(|| n.min(f64::from(u32::MAX)) as u32);
        self.session
            .change_settings(opt(max_concurrent), opt(initial_window))
            .map_err(command_error)
    }

    /// Graceful shutdown: GOAWAY OK, then close once open streams finish.
    pub fn goaway(&mut self, now_ms: f64) {
        self.session.goaway(now(now_ms));
    }

    /// Ends the session now (GOAWAY OK); every open stream is told.
    pub fn close(&mut self, now_ms: f64) {
        self.session.close(now(now_ms));
    }

    /// True once the session has ended.
    #[wasm_bindgen(js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.session.is_closed()
    }

    /// True when a new stream may be opened now.
    #[wasm_bindgen(js_name = canOpen)]
    pub fn can_open(&self) -> bool {
        self.session.can_open()
    }

    /// The stream's `[sendWindow, recvWindow]`, or undefined when it is gone.
    #[wasm_bindgen(js_name = streamWindows)]
    pub fn stream_windows(&self, id: u32) -> JsValue {
        match (
            self.session.stream_send_window(id),
            self.session.stream_recv_window(id),
        ) {
            (Some(s), Some(r)) => Array::of2(&(s as f64).into(), &(r as f64).into()).into(),
            _ => JsValue::UNDEFINED,
        }
    }

    /// Counters: streams, buffered bytes, windows, frames and bytes each way.
    pub fn stats(&self) -> JsValue {
        let s = self.session.stats();
        let frames = |f: &[u64; 10]| -> JsValue {
            f.iter()
                .map(|&n| JsValue::from(n as f64))
                .collect::<Array>()
                .into()
        };
        convert::object(&[
            ("streams", (s.streams as f64).into()),
            ("activeLocal", (s.active_local as f64).into()),
            ("activeRemote", (s.active_remote as f64).into()),
            ("recvBuffered", (s.recv_buffered as f64).into()),
            ("sendBuffered", (s.send_buffered as f64).into()),
            ("inputBuffered", (s.input_buffered as f64).into()),
            ("sendWindow", (s.send_window as f64).into()),
            ("recvWindow", (s.recv_window as f64).into()),
            ("framesReceived", frames(&s.frames_received)),
            ("framesSent", frames(&s.frames_sent)),
            ("dataReceived", (s.data_received as f64).into()),
            ("dataSent", (s.data_sent as f64).into()),
        ])
    }
}

/// Validates a header name/value list as the session would before sending it; throws the
/// same error a command would.
#[wasm_bindgen(js_name = checkHeaders)]
pub fn check_headers(headers: Array) -> Result<(), JsValue> {
    header_list(&pairs_from_js(&headers)?)
        .validate_for_send()
        .map_err(|e| command_error(crate::session::CommandError::InvalidHeaders(e)))
}

/// The standard reason phrase of an HTTP status code, or `""`.
#[wasm_bindgen(js_name = reasonPhrase)]
pub fn reason_phrase(status: u16) -> String {
    http::reason_phrase(status).into()
}

/// Bytes of WebAssembly memory the module holds. Memory only grows, so a test that opens
/// and closes sessions can tell whether their memory is reused (freed) or leaked.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    f64::from(
        memory
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length(),
    )
}
