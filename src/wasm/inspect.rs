//! [`FrameInspector`]: the decoder behind the browser page's frame table and frame log.
//!
//! It takes the bytes one endpoint sent, in pieces of any size, and returns one plain
//! object per frame, with header blocks inflated in wire order through one context, as the
//! receiver would (the approach of `examples/frame_dump.rs`). A row is
//! `{offset, type, flags, stream, length, summary, headers, error}`: `stream` is undefined
//! for frames without one, `headers` a flat `[name, value, …]` array for SYN_STREAM,
//! SYN_REPLY and HEADERS, and `error` (`{message, rule, reaction}`) is set on the row of the
//! frame the codec rejected, pinned to that frame's byte offset. After a session error
//! nothing more is decoded, as a receiver would stop reading.

use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use bytes::BytesMut;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::convert::{headers_to_js, object};
use crate::frame::{Decoder, DecoderConfig, FrameHead, FrameKind, MAX_PAYLOAD_LEN};
use crate::frame::{Frame, FLAG_FIN, FLAG_UNIDIRECTIONAL};
use crate::header_block::{HeaderInflater, Limits};
use crate::Reaction;

/// Decodes one direction of a session into table rows (see the module docs).
#[wasm_bindgen]
pub struct FrameInspector {
    decoder: Decoder,
    inflater: HeaderInflater,
    input: BytesMut,
    /// A session error was found: the rest of the input cannot be framed.
    stopped: bool,
}

impl Default for FrameInspector {
    fn default() -> Self {
        Self::new()
    }
}

#[wasm_bindgen]
impl FrameInspector {
    /// A fresh inspector (fresh decoder and header context) for one direction.
    #[wasm_bindgen(constructor)]
    pub fn new() -> FrameInspector {
        // Inspecting accepts any size the length field allows and shows DATA whole.
        let config = DecoderConfig {
            data_piece: MAX_PAYLOAD_LEN,
            max_control_payload: MAX_PAYLOAD_LEN,
            ..DecoderConfig::default()
        };
        FrameInspector {
            decoder: Decoder::new(config),
            inflater: HeaderInflater::new(),
            input: BytesMut::new(),
            stopped: false,
        }
    }

    /// Feeds the next bytes and returns a row for every frame they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Array {
        let rows = Array::new();
        if !self.stopped {
            self.input.extend_from_slice(bytes);
        }
        while !self.stopped {
            match self.decoder.decode(&mut self.input) {
                Ok(Some(frame)) => {
                    rows.push(&self.frame_row(&frame));
                }
                Ok(None) => break,
                Err(e) => {
                    let error = error(&e.to_string(), e.rule(), Some(e.reaction()));
                    rows.push(&self.head_row(error));
                    self.stopped = e.is_session_error();
                }
            }
        }
        rows
    }

    /// The input ended: returns an error row if it stops inside a frame.
    pub fn end(&mut self) -> Array {
        let rows = Array::new();
        if self.stopped || !self.decoder.is_mid_frame(self.input.len()) {
            return rows;
        }
        let offset = self.decoder.position();
        let message = format!(
            "input ends with {} bytes of an incomplete frame",
            self.input.len()
        );
        let row = object(&[
            ("offset", (offset as f64).into()),
            ("type", "?".into()),
            ("flags", 0.into()),
            ("length", (self.input.len() as f64).into()),
            ("summary", "".into()),
            ("error", error(&message, "", None)),
        ]);
        rows.push(&row);
        rows
    }

    /// Bytes decoded so far (the offset of the next frame).
    #[wasm_bindgen(getter)]
    pub fn position(&self) -> f64 {
        self.decoder.position() as f64
    }
}

impl FrameInspector {
    fn frame_row(&mut self, frame: &Frame) -> JsValue {
        let (offset, head) = self.decoder.last_head().expect("a frame has a head");
        let mut fields = vec![
            ("offset", JsValue::from(offset as f64)),
            ("type", type_name(head).into()),
            ("flags", head.flags.into()),
            ("length", head.length.into()),
            ("summary", summary(frame, head.flags).into()),
        ];
        if let Some(id) = frame.stream_id() {
            fields.push(("stream", id.into()));
        }
        if let Some(block) = frame.header_block() {
            // Inflated even when the frame is then rejected, so the context stays in sync.
            match self.inflater.decode(block, &Limits::default()) {
                Ok(list) => fields.push(("headers", headers_to_js(&list).into())),
                Err(e) => {
                    let reaction = e.reaction(frame.stream_id().unwrap_or(0));
                    fields.push(("error", error(&e.to_string(), e.rule(), Some(reaction))));
                    self.stopped = reaction.is_session_error();
                }
            }
        }
        object(&fields)
    }

    /// The row of a frame the decoder rejected from its head alone.
    fn head_row(&self, error: JsValue) -> JsValue {
        let Some((offset, head)) = self.decoder.last_head() else {
            return object(&[("offset", 0.into()), ("type", "?".into()), ("error", error)]);
        };
        let mut fields = vec![
            ("offset", JsValue::from(offset as f64)),
            ("type", type_name(head).into()),
            ("flags", head.flags.into()),
            ("length", head.length.into()),
            ("summary", "".into()),
            ("error", error),
        ];
        if let FrameKind::Data { stream_id } = head.kind {
            fields.push(("stream", stream_id.into()));
        }
        object(&fields)
    }
}

/// The error object of a row; `reaction` is none for input that merely ends early.
fn error(message: &str, rule: &str, reaction: Option<Reaction>) -> JsValue {
    let reaction = match reaction {
        Some(Reaction::CloseSession(s)) => format!("GOAWAY {s:?}"),
        Some(Reaction::ResetStream { stream_id, status }) => {
            format!("RST_STREAM {stream_id} {status:?}")
        }
        None => String::new(),
    };
    object(&[
        ("message", message.into()),
        ("rule", rule.into()),
        ("reaction", reaction.into()),
    ])
}

/// The type of a frame from its head: `DATA`, a control type's name, or `type N`.
fn type_name(head: FrameHead) -> String {
    match head.kind {
        FrameKind::Data { .. } => "DATA".into(),
        FrameKind::Control { frame_type, .. } => match frame_type.name() {
            Some(name) => name.into(),
            None => format!("type {}", frame_type.0),
        },
    }
}

/// One line on what the frame says besides its headers.
fn summary(frame: &Frame, flags: u8) -> String {
    let mut words = Vec::new();
    if flags & FLAG_FIN != 0 && !matches!(frame, Frame::Settings(_) | Frame::Unknown(_)) {
        words.push("FIN".to_string());
    }
    match frame {
        Frame::Data(d) => words.push(preview(&d.payload)),
        Frame::SynStream(s) => {
            if s.unidirectional || flags & FLAG_UNIDIRECTIONAL != 0 {
                words.push("UNIDIRECTIONAL".into());
            }
            words.push(format!("priority {}", s.priority));
            if s.associated_stream_id != 0 {
                words.push(format!("associated {}", s.associated_stream_id));
            }
        }
        Frame::RstStream(r) => words.push(format!("{:?}", r.status)),
        Frame::GoAway(g) => words.push(format!(
            "last good {} {:?}",
            g.last_good_stream_id, g.status
        )),
        Frame::Ping(p) => words.push(format!("id {}", p.id)),
        Frame::WindowUpdate(w) => words.push(format!("+{}", w.delta)),
        Frame::Settings(s) => {
            if s.clear_settings {
                words.push("CLEAR".into());
            }
            for e in &s.entries {
                let persist = if e.persist_value { " (persist)" } else { "" };
                words.push(format!("{:?}={}{persist}", e.id, e.value));
            }
        }
        Frame::Unknown(u) => words.push(format!("type {} skipped", u.frame_type.0)),
        Frame::SynReply(_) | Frame::Headers(_) => {}
    }
    words.join(" · ")
}

/// A DATA payload in brief: its size and its first bytes as text (other bytes as `.`).
fn preview(payload: &[u8]) -> String {
    let shown: String = payload
        .iter()
        .take(32)
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let more = if payload.len() > 32 { "…" } else { "" };
    format!("{} bytes “{shown}{more}”", payload.len())
}
