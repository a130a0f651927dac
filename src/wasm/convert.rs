//! Conversions between JavaScript values and the core's types: options objects into a
//! [`Config`], flat header arrays both ways, and errors with stable `ERR_SPDY_…` codes.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::frame::GoAwayStatus;
use crate::header_block::HeaderList;
use crate::session::{
    CommandError, Config, FlowControl, Initiator, Rate, SessionError, SessionErrorKind, StreamError,
};
use crate::time::Duration;

/// A property of a plain object, if present and not `undefined`/`null`.
pub fn prop(obj: &JsValue, name: &str) -> Option<JsValue> {
    let value = Reflect::get(obj, &JsValue::from_str(name)).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

fn number(obj: &JsValue, name: &str) -> Option<f64> {
    prop(obj, name)?
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn uint(obj: &JsValue, name: &str) -> Option<u32> {
    number(obj, name).map(|n| n.min(f64::from(u32::MAX)) as u32)
}

/// A non-negative number property as a size.
pub fn size(obj: &JsValue, name: &str) -> Option<usize> {
    number(obj, name).map(|n| n as usize)
}

/// A boolean property.
pub fn flag(obj: &JsValue, name: &str) -> Option<bool> {
    prop(obj, name)?.as_bool()
}

/// A non-empty string property.
pub fn text(obj: &JsValue, name: &str) -> Option<String> {
    prop(obj, name)?.as_string().filter(|s| !s.is_empty())
}

/// A timer in milliseconds: a number sets it, `0` or `false` turns it off.
fn timer(obj: &JsValue, name: &str) -> Option<Option<Duration>> {
    let value = prop(obj, name)?;
    if value.as_bool() == Some(false) {
        return Some(None);
    }
    let ms = value.as_f64().filter(|n| n.is_finite() && *n >= 0.0)?;
    Some((ms > 0.0).then(|| Duration::from_millis(ms as u64)))
}

fn rate(obj: &JsValue, name: &str, default: Rate) -> Rate {
    match prop(obj, name) {
        Some(r) => Rate {
            max: uint(&r, "max").unwrap_or(default.max),
            per: Duration::from_millis(number(&r, "perMs").map_or(default.per.0, |n| n as u64)),
        },
        None => default,
    }
}

/// Builds a [`Config`] from the options object the JavaScript layer passes (see
/// `js/lib/options.js` for the names and their documentation). Unknown names are ignored;
/// `mode: "kubernetes"` starts from [`Config::kubernetes`].
pub fn config(options: &JsValue) -> Result<Config, JsValue> {
    let mut c = match prop(options, "mode").and_then(|m| m.as_string()).as_deref() {
        Some("kubernetes") => Config::kubernetes(),
        Some("http") | None => Config::default(),
        Some(other) => return Err(type_error(&format!("unknown mode {other:?}"))),
    };
    if let Some(mode) = prop(options, "flowControl").and_then(|m| m.as_string()) {
        c.flow_control = match mode.as_str() {
            "spdy/3.1" => FlowControl::Spdy31,
            "spdy/3" => FlowControl::Spdy3,
            "lenient" => FlowControl::Lenient,
            other => return Err(type_error(&format!("unknown flowControl {other:?}"))),
        };
    }
    if let Some(n) = uint(options, "initialWindowSize") {
        c.initial_window = n.min(crate::session::MAX_WINDOW as u32);
    }
    if let Some(n) = uint(options, "maxStreamWindow") {
        c.max_stream_window = n.min(crate::session::MAX_WINDOW as u32);
    }
    if let Some(n) = uint(options, "sessionWindowSize") {
        c.session_window = n.clamp(64 * 1024, crate::session::MAX_WINDOW as u32);
    }
    if let Some(n) = uint(options, "maxSessionWindow") {
        c.max_session_window = n.min(crate::session::MAX_WINDOW as u32);
    }
    if let Some(n) = uint(options, "maxConcurrentStreams") {
        c.max_concurrent_streams = n;
    }
    if let Some(n) = size(options, "maxDataFrame") {
        c.max_data_frame = n.clamp(1, 0x00ff_ffff);
    }
    if let Some(n) = size(options, "maxDataFrameAlone") {
        c.max_data_frame_alone = n.clamp(1, 0x00ff_ffff);
    }
    for (name, slot) in [
        ("maxBuffered", &mut c.max_buffered),
        ("maxHeldBlocks", &mut c.max_held_blocks),
        ("maxSendBuffer", &mut c.max_send_buffer),
        ("maxStreamSendBuffer", &mut c.max_stream_send_buffer),
        ("maxHeaderListSize", &mut c.header_limits.max_block),
        ("maxInflatedHeaderSize", &mut c.header_limits.max_inflated),
        ("maxHeaderPairs", &mut c.header_limits.max_pairs),
        ("maxOutstandingPings", &mut c.max_outstanding_pings),
    ] {
        if let Some(n) = size(options, name) {
            *slot = n;
        }
    }
    for (name, slot) in [
        ("http", &mut c.http),
        ("enablePush", &mut c.accept_push),
        ("sendSettingsAtStart", &mut c.send_settings_at_start),
    ] {
        if let Some(b) = flag(options, name) {
            *slot = b;
        }
    }
    if let Some(n) = uint(options, "maxControlFrame") {
        c.decoder.max_control_payload = n.max(8192);
    }
    if let Some(n) = uint(options, "compressionLevel") {
        c.compression.level = n.min(9) as u8;
    }
    if let Some(t) = prop(options, "timeouts") {
        let c = &mut c.timeouts;
        for (name, slot) in [
            ("idle", &mut c.idle),
            ("keepalive", &mut c.keepalive),
            ("ping", &mut c.ping),
            ("reply", &mut c.reply),
            ("goawayDrain", &mut c.goaway_drain),
            ("firstFrame", &mut c.first_frame),
            ("frameCompletion", &mut c.frame_completion),
        ] {
            if let Some(v) = timer(&t, name) {
                *slot = v;
            }
        }
    }
    if let Some(f) = prop(options, "floodLimits") {
        let l = &mut c.floods;
        l.ping = rate(&f, "ping", l.ping);
        l.settings = rate(&f, "settings", l.settings);
        l.reset = rate(&f, "reset", l.reset);
        l.empty_data = rate(&f, "emptyData", l.empty_data);
        l.window_update = rate(&f, "windowUpdate", l.window_update);
        l.unknown = rate(&f, "unknown", l.unknown);
    }
    Ok(c)
}

/// Header bytes as a JavaScript string: UTF-8 when valid, otherwise one char per byte.
pub fn bytes_to_string(bytes: &[u8]) -> JsValue {
    match core::str::from_utf8(bytes) {
        Ok(s) => JsValue::from_str(s),
        Err(_) => JsValue::from_str(&bytes.iter().map(|&b| char::from(b)).collect::<String>()),
    }
}

/// A header list as a flat array `[name, value, name, value, …]`; multiple values of a name
/// stay joined with NUL, as on the wire.
pub fn headers_to_js(headers: &HeaderList) -> Array {
    let out = Array::new_with_length((headers.len() * 2) as u32);
    for (i, (name, value)) in headers.iter().enumerate() {
        out.set((2 * i) as u32, bytes_to_string(name));
        out.set((2 * i + 1) as u32, bytes_to_string(value));
    }
    out
}

/// A flat array `[name, value, …]` of strings as header pairs, names lower-cased.
pub fn pairs_from_js(flat: &Array) -> Result<Vec<(String, String)>, JsValue> {
    let n = flat.length();
    if n % 2 != 0 {
        return Err(type_error("headers must be [name, value, …] pairs"));
    }
    let mut pairs = Vec::with_capacity(n as usize / 2);
    for i in (0..n).step_by(2) {
        let name = flat.get(i).as_string();
        let value = flat.get(i + 1).as_string();
        match (name, value) {
            (Some(name), Some(value)) => pairs.push((name.to_ascii_lowercase(), value)),
            _ => return Err(type_error("header names and values must be strings")),
        }
    }
    Ok(pairs)
}

/// Header pairs as a [`HeaderList`]; a repeated name gets its values NUL-joined.
pub fn header_list(pairs: &[(String, String)]) -> HeaderList {
    let mut h = HeaderList::new();
    for (name, value) in pairs {
        h.append(name, value);
    }
    h
}

/// A JavaScript `Error` with a `code` property.
pub fn error(code: &str, message: &str) -> JsValue {
    let e = js_sys::Error::new(message);
    let _ = Reflect::set(&e, &"code".into(), &code.into());
    e.unchecked_into()
}

/// A `TypeError` with code `ERR_INVALID_ARG_VALUE`.
pub fn type_error(message: &str) -> JsValue {
    let e = js_sys::TypeError::new(message);
    let _ = Reflect::set(&e, &"code".into(), &"ERR_INVALID_ARG_VALUE".into());
    e.unchecked_into()
}

/// The error a refused command throws.
pub fn command_error(e: CommandError) -> JsValue {
    let code = match e {
        CommandError::SessionClosed => "ERR_SPDY_SESSION_CLOSED",
        CommandError::GoingAway => "ERR_SPDY_GOING_AWAY",
        CommandError::ConcurrencyLimit => "ERR_SPDY_CONCURRENCY_LIMIT",
        CommandError::StreamIdsExhausted => "ERR_SPDY_STREAM_IDS_EXHAUSTED",
        CommandError::UnknownStream => "ERR_SPDY_UNKNOWN_STREAM",
        CommandError::StreamClosed => "ERR_SPDY_STREAM_CLOSED",
        CommandError::NotReplied => "ERR_SPDY_NOT_REPLIED",
        CommandError::AlreadyReplied => "ERR_SPDY_HEADERS_SENT",
        CommandError::NotAllowed => "ERR_SPDY_NOT_ALLOWED",
        CommandError::InvalidHeaders(_) => "ERR_SPDY_INVALID_HEADER",
        CommandError::MissingHeader(_) => "ERR_SPDY_MISSING_HEADER",
        CommandError::TooManyPings => "ERR_SPDY_PING_LIMIT",
    };
    error(code, &e.to_string())
}

fn initiator(i: Initiator) -> &'static str {
    match i {
        Initiator::Local => "local",
        Initiator::Library => "library",
        Initiator::Remote => "remote",
    }
}

/// A stream's abnormal end as `[rstCode, initiator, code, message]`.
pub fn stream_error(e: StreamError) -> [JsValue; 4] {
    let (who, code) = match e {
        StreamError::Reset { initiator: i, .. } => (initiator(i), "ERR_SPDY_STREAM_RESET"),
        StreamError::Refused => ("remote", "ERR_SPDY_REFUSED_STREAM"),
        StreamError::SessionClosed => ("library", "ERR_SPDY_SESSION_CLOSED"),
        StreamError::ReplyTimeout => ("library", "ERR_SPDY_TIMEOUT"),
    };
    [
        JsValue::from(e.status().map_or(0, |s| s.0)),
        JsValue::from_str(who),
        JsValue::from_str(code),
        JsValue::from_str(&e.to_string()),
    ]
}

/// A session's end as `[goawayStatus, initiator, code | null, message]`; the code is null
/// for a graceful end.
pub fn session_error(e: SessionError) -> [JsValue; 4] {
    let code = match e.kind {
        _ if e.is_graceful() => None,
        SessionErrorKind::Protocol(_) => Some("ERR_SPDY_PROTOCOL_ERROR"),
        SessionErrorKind::FlowControl => Some("ERR_SPDY_FLOW_CONTROL_ERROR"),
        SessionErrorKind::Flood(_) => Some("ERR_SPDY_FLOOD"),
        SessionErrorKind::Timeout(_) => Some("ERR_SPDY_TIMEOUT"),
        SessionErrorKind::GoAway => Some(if e.status == GoAwayStatus::INTERNAL_ERROR {
            "ERR_SPDY_INTERNAL_ERROR"
        } else {
            "ERR_SPDY_PROTOCOL_ERROR"
        }),
        SessionErrorKind::Closed => None,
        SessionErrorKind::ConnectionLost => Some("ERR_SPDY_CONNECTION_LOST"),
        SessionErrorKind::StreamIdsExhausted => Some("ERR_SPDY_STREAM_IDS_EXHAUSTED"),
    };
    [
        JsValue::from(e.status.0),
        JsValue::from_str(initiator(e.initiator)),
        code.map_or(JsValue::NULL, JsValue::from_str),
        JsValue::from_str(&e.to_string()),
    ]
}

/// A plain object from `(name, value)` pairs.
pub fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (name, value) in entries {
        let _ = Reflect::set(&o, &JsValue::from_str(name), value);
    }
    o.into()
}
