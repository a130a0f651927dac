//! Prints every frame of one direction of a SPDY/3.1 session as a JSON line.
//!
//! ```text
//! cargo run --example frame_dump -- [--hex] [FILE | -]
//! ```
//!
//! The input is the raw bytes one endpoint sent (a file, or stdin with `-` or no argument);
//! `--hex` reads hex text instead (whitespace ignored). Each frame gives one line with its
//! byte offset, type, flags, stream ids, lengths and decoded headers (inflated in order
//! through one context, as the receiver would). Where the input stops making sense, a line
//! with `"error"` gives the offset, the rule broken and the reaction a receiver sends.

use std::io::Read;
use std::process::ExitCode;

use bytes::BytesMut;
use spdy3::frame::{Decoder, DecoderConfig, Frame, MAX_PAYLOAD_LEN};
use spdy3::header_block::{HeaderInflater, HeaderList, Limits};
use spdy3::Reaction;

fn main() -> ExitCode {
    let mut hex = false;
    let mut path = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--hex" => hex = true,
            "-h" | "--help" => {
                println!("usage: frame_dump [--hex] [FILE | -]");
                return ExitCode::SUCCESS;
            }
            _ => path = Some(arg),
        }
    }
    let raw = match read_input(path.as_deref()) {
        Ok(raw) => raw,
        Err(e) => {
            eprintln!("frame_dump: {e}");
            return ExitCode::from(2);
        }
    };
    let input = if hex {
        match parse_hex(&raw) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("frame_dump: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        raw
    };
    if dump(&input) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn read_input(path: Option<&str>) -> std::io::Result<Vec<u8>> {
    match path {
        None | Some("-") => {
            let mut v = Vec::new();
            std::io::stdin().read_to_end(&mut v)?;
            Ok(v)
        }
        Some(p) => std::fs::read(p),
    }
}

fn parse_hex(text: &[u8]) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    if digits.len() % 2 != 0 {
        return Err("hex input has an odd number of digits".into());
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| format!("invalid hex at digit {}", 2 * i))
        })
        .collect()
}

/// Decodes and prints everything; false when the input has an error.
fn dump(input: &[u8]) -> bool {
    let config = DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        max_control_payload: MAX_PAYLOAD_LEN,
        ..DecoderConfig::default()
    };
    let mut decoder = Decoder::new(config);
    let mut inflater = HeaderInflater::new();
    let mut buf = BytesMut::from(input);
    let mut clean = true;
    loop {
        match decoder.decode(&mut buf) {
            Ok(Some(frame)) => {
                let (offset, head) = decoder.last_head().expect("a frame has a head");
                let mut line = format!(
                    "{{\"offset\":{offset},\"type\":\"{}\",\"flags\":{},\"length\":{}",
                    frame.name(),
                    head.flags,
                    head.length
                );
                fields(&frame, &mut line);
                if let Some(block) = frame.header_block() {
                    match inflater.decode(block, &Limits::default()) {
                        Ok(list) => headers(&list, &mut line),
                        Err(e) => {
                            clean = false;
                            let stream = frame.stream_id().unwrap_or(0);
                            line += &error_fields(&e.to_string(), e.rule(), e.reaction(stream));
                            if e.reaction(stream).is_session_error() {
                                emit(&format!("{line}}}"));
                                return false;
                            }
                        }
                    }
                }
                emit(&format!("{line}}}"));
            }
            Ok(None) => break,
            Err(e) => {
                clean = false;
                let offset = decoder.last_head().map_or(0, |(o, _)| o);
                emit(&format!(
                    "{{\"offset\":{offset}{}}}",
                    error_fields(&e.to_string(), e.rule(), e.reaction())
                ));
                if e.is_session_error() {
                    return false;
                }
            }
        }
    }
    if decoder.is_mid_frame(buf.len()) {
        let offset = decoder.position();
        let expected = match decoder.last_head() {
            Some((o, h)) if o + 8 <= offset => format!(
                ", inside a frame of {} payload bytes that started at {o}",
                h.length
            ),
            _ => String::new(),
        };
        emit(&format!(
            "{{\"offset\":{offset},\"error\":{}}}",
            json_str(
                format!(
                    "input ends with {} bytes of an incomplete frame{expected}",
                    buf.len()
                )
                .as_bytes()
            )
        ));
        clean = false;
    }
    clean
}

/// Prints one line; a closed stdout (`| head`) ends the program quietly.
fn emit(line: &str) {
    use std::io::Write;
    if writeln!(std::io::stdout().lock(), "{line}").is_err() {
        std::process::exit(0);
    }
}

fn fields(frame: &Frame, line: &mut String) {
    use std::fmt::Write;
    match frame {
        Frame::Data(d) => {
            let _ = write!(line, ",\"stream_id\":{},\"fin\":{}", d.stream_id, d.fin);
            let shown = &d.payload[..d.payload.len().min(64)];
            let _ = write!(line, ",\"data\":{}", json_str(shown));
            if shown.len() < d.payload.len() {
                line.push_str(",\"data_truncated\":true");
            }
        }
        Frame::SynStream(s) => {
            let _ = write!(
                line,
                ",\"stream_id\":{},\"associated_stream_id\":{},\"priority\":{},\"slot\":{},\"fin\":{},\"unidirectional\":{},\"header_block_length\":{}",
                s.stream_id, s.associated_stream_id, s.priority, s.slot, s.fin, s.unidirectional, s.header_block.len()
            );
        }
        Frame::SynReply(r) => {
            let _ = write!(
                line,
                ",\"stream_id\":{},\"fin\":{},\"header_block_length\":{}",
                r.stream_id,
                r.fin,
                r.header_block.len()
            );
        }
        Frame::Headers(h) => {
            let _ = write!(
                line,
                ",\"stream_id\":{},\"fin\":{},\"header_block_length\":{}",
                h.stream_id,
                h.fin,
                h.header_block.len()
            );
        }
        Frame::RstStream(r) => {
            let _ = write!(
                line,
                ",\"stream_id\":{},\"status\":{},\"status_name\":\"{:?}\"",
                r.stream_id, r.status.0, r.status
            );
        }
        Frame::Settings(s) => {
            let _ = write!(
                line,
                ",\"clear_settings\":{},\"entries\":[",
                s.clear_settings
            );
            for (i, e) in s.entries.iter().enumerate() {
                let sep = if i > 0 { "," } else { "" };
                let _ = write!(
                    line,
                    "{sep}{{\"id\":{},\"name\":\"{:?}\",\"value\":{},\"persist_value\":{},\"persisted\":{}}}",
                    e.id.0, e.id, e.value, e.persist_value, e.persisted
                );
            }
            line.push(']');
        }
        Frame::Ping(p) => {
            let _ = write!(line, ",\"ping_id\":{}", p.id);
        }
        Frame::GoAway(g) => {
            let _ = write!(
                line,
                ",\"last_good_stream_id\":{},\"status\":{},\"status_name\":\"{:?}\"",
                g.last_good_stream_id, g.status.0, g.status
            );
        }
        Frame::WindowUpdate(w) => {
            let _ = write!(line, ",\"stream_id\":{},\"delta\":{}", w.stream_id, w.delta);
        }
        Frame::Unknown(u) => {
            let _ = write!(line, ",\"type_code\":{},\"skipped\":true", u.frame_type.0);
        }
    }
}

fn headers(list: &HeaderList, line: &mut String) {
    line.push_str(",\"headers\":[");
    for (i, (n, v)) in list.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&format!("[{},{}]", json_str(n), json_str(v)));
    }
    line.push(']');
}

fn error_fields(message: &str, rule: &str, reaction: Reaction) -> String {
    let reaction = match reaction {
        Reaction::CloseSession(s) => format!("GOAWAY {s:?}"),
        Reaction::ResetStream { stream_id, status } => format!("RST_STREAM {stream_id} {status:?}"),
    };
    format!(
        ",\"error\":{},\"rule\":\"{rule}\",\"reaction\":\"{reaction}\"",
        json_str(message.as_bytes())
    )
}

/// A JSON string of arbitrary bytes: printable ASCII as is, other bytes as \u00XX.
fn json_str(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() + 2);
    s.push('"');
    for &c in b {
        match c {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\u{c:04x}")),
        }
    }
    s.push('"');
    s
}
