//! The positive vectors (S-48 and the framing rules S-1 … S-11, S-34, S-40, S-42 … S-46):
//! every frame of session.json, frames.json and python-zlib.json decodes to exactly its
//! recorded meaning, in every chunking, with header blocks inflated in order through one
//! context per direction; every frame re-encodes to its own bytes.

mod common;

use bytes::BytesMut;
use common::{chunkings, hex, load_vectors, unhex};
use serde_json::{json, Value};
use spdy3::frame::{Decoder, DecoderConfig, Frame, MAX_PAYLOAD_LEN};
use spdy3::header_block::{HeaderDeflater, HeaderInflater, HeaderList, Limits};

/// The meaning of a frame in the vectors' `decoded` schema, minus the header fields
/// (`headers`, `nv_block_hex`) that need the inflater.
fn describe(frame: &Frame, flags: u8, length: u32) -> Value {
    let mut v = match frame {
        Frame::Data(d) => {
            json!({"kind": "data", "stream_id": d.stream_id, "data_hex": hex(&d.payload)})
        }
        Frame::SynStream(f) => json!({"type": "SYN_STREAM", "stream_id": f.stream_id,
            "associated_stream_id": f.associated_stream_id, "priority": f.priority, "slot": f.slot,
            "header_block_hex": hex(&f.header_block)}),
        Frame::SynReply(f) => json!({"type": "SYN_REPLY", "stream_id": f.stream_id,
            "header_block_hex": hex(&f.header_block)}),
        Frame::Headers(f) => json!({"type": "HEADERS", "stream_id": f.stream_id,
            "header_block_hex": hex(&f.header_block)}),
        Frame::RstStream(f) => json!({"type": "RST_STREAM", "stream_id": f.stream_id,
            "status_code": f.status.0, "status_name": f.status.name()}),
        Frame::Settings(f) => json!({"type": "SETTINGS", "entry_count": f.entries.len(),
            "entries": f.entries.iter().map(|e| json!({"id": e.id.0, "value": e.value,
                "flags": u8::from(e.persist_value) | (u8::from(e.persisted) << 1)})).collect::<Vec<_>>()}),
        Frame::Ping(p) => json!({"type": "PING", "ping_id": p.id}),
        Frame::GoAway(g) => json!({"type": "GOAWAY", "last_good_stream_id": g.last_good_stream_id,
            "status_code": g.status.0, "status_name": g.status.name()}),
        Frame::WindowUpdate(w) => json!({"type": "WINDOW_UPDATE", "stream_id": w.stream_id,
            "delta_window_size": w.delta}),
        Frame::Unknown(u) => json!({"type": "UNKNOWN", "type_code": u.frame_type.0}),
    };
    let o = v.as_object_mut().unwrap();
    o.insert("flags".into(), json!(flags));
    o.insert("length".into(), json!(length));
    if !matches!(frame, Frame::Data(_)) {
        o.insert("kind".into(), json!("control"));
        o.insert("version".into(), json!(3));
    }
    v
}

/// The same fields picked out of a vector's `decoded` object.
fn expected(decoded: &Value, ours: &Value) -> Value {
    let mut want = serde_json::Map::new();
    for key in ours.as_object().unwrap().keys() {
        let mut val = decoded.get(key).cloned().unwrap_or(Value::Null);
        if key == "entries" {
            val = json!(val
                .as_array()
                .unwrap()
                .iter()
                .map(|e| json!({"id": e["id"],
                "value": e["value"], "flags": e["flags"]}))
                .collect::<Vec<_>>());
        }
        want.insert(key.clone(), val);
    }
    Value::Object(want)
}

struct Decoded {
    frame: Frame,
    flags: u8,
    length: u32,
}

/// Feeds `wire` in the given chunk sizes and returns every frame with its raw head fields.
fn decode_all(wire: &[u8], sizes: &[usize]) -> Vec<Decoded> {
    let config = DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        ..DecoderConfig::default()
    };
    let mut decoder = Decoder::new(config);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut at = 0;
    for &n in sizes {
        buf.extend_from_slice(&wire[at..at + n]);
        at += n;
        while let Some(frame) = decoder.decode(&mut buf).expect("vectors are valid") {
            let (_, head) = decoder.last_head().unwrap();
            out.push(Decoded {
                frame,
                flags: head.flags,
                length: head.length,
            });
        }
    }
    assert_eq!(at, wire.len());
    assert!(buf.is_empty(), "bytes left over");
    assert!(!decoder.is_mid_frame(0));
    out
}

fn headers_json(list: &HeaderList) -> Value {
    json!(list
        .iter()
        .map(|(n, v)| json!([String::from_utf8_lossy(n), String::from_utf8_lossy(v)]))
        .collect::<Vec<_>>())
}

fn check_sequence(seq: &Value) -> usize {
    let name = seq["name"].as_str().unwrap();
    let frames = seq["frames"].as_array().unwrap();
    let wire: Vec<u8> = frames
        .iter()
        .flat_map(|f| unhex(f["hex"].as_str().unwrap()))
        .collect();
    let mut checked = 0;
    for (label, sizes) in chunkings(wire.len()) {
        let got = decode_all(&wire, &sizes);
        assert_eq!(got.len(), frames.len(), "{name} ({label}): frame count");
        // One inflater per direction, fed in wire order (S-42, S-48).
        let mut inflater = HeaderInflater::new();
        for (g, want) in got.iter().zip(frames) {
            let decoded = &want["decoded"];
            let ours = describe(&g.frame, g.flags, g.length);
            assert_eq!(
                ours,
                expected(decoded, &ours),
                "{name} ({label}) frame {}",
                want["index"]
            );
            if let Some(block) = g.frame.header_block() {
                let list = inflater
                    .decode(block, &Limits::default())
                    .expect("block inflates");
                assert_eq!(
                    headers_json(&list),
                    decoded["headers"],
                    "{name} frame {}",
                    want["index"]
                );
                let mut nv = Vec::new();
                list.encode_block(&mut nv).unwrap();
                assert_eq!(hex(&nv), decoded["nv_block_hex"].as_str().unwrap());
            }
            // Re-encoding reproduces the bytes exactly (the compressed block is carried).
            let mut re = Vec::new();
            g.frame.encode(&mut re).unwrap();
            assert_eq!(hex(&re), want["hex"].as_str().unwrap(), "{name} re-encode");
            assert_eq!(g.frame.encoded_len(), re.len());
            checked += 1;
        }
    }
    checked
}

fn check_file(file: &str) -> usize {
    let v = load_vectors(file);
    v["sequences"]
        .as_array()
        .unwrap()
        .iter()
        .map(check_sequence)
        .sum()
}

#[test]
fn s48_session_json_decodes_in_every_chunking() {
    assert_eq!(check_file("session.json"), 38 * 8);
}

#[test]
fn frames_json_decodes_in_every_chunking() {
    assert_eq!(check_file("frames.json"), 37 * 8);
}

#[test]
fn s46_python_zlib_json_decodes_in_every_chunking() {
    assert_eq!(check_file("python-zlib.json"), 15 * 8);
}

/// S-43, S-44: the first block of every sequence starts with a zlib header + DICTID and
/// every block ends with a sync flush — in the vectors and in our own output.
#[test]
fn s43_s44_block_framing_of_vectors_and_of_our_output() {
    for file in ["session.json", "python-zlib.json"] {
        for seq in load_vectors(file)["sequences"].as_array().unwrap() {
            let blocks: Vec<String> = seq["frames"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|f| f["decoded"]["header_block_hex"].as_str().map(String::from))
                .collect();
            if let Some(first) = blocks.first() {
                assert_eq!(&first[4..12], "e3c6a7c2");
            }
            assert!(blocks.iter().all(|b| b.ends_with("0000ffff")));
        }
    }
    let mut deflater = HeaderDeflater::default();
    let mut list = HeaderList::new();
    list.insert(":method", "GET");
    list.insert(":path", "/");
    let first = deflater.encode_to_bytes(&list).unwrap();
    let second = deflater.encode_to_bytes(&list).unwrap();
    assert_eq!(&first[2..6], &[0xe3, 0xc6, 0xa7, 0xc2]);
    assert_eq!((u16::from(first[0]) << 8 | u16::from(first[1])) % 31, 0);
    assert_eq!(first[1] & 0x20, 0x20, "FDICT");
    assert!(first.ends_with(&[0, 0, 0xff, 0xff]) && second.ends_with(&[0, 0, 0xff, 0xff]));
    assert!(
        second.len() < first.len(),
        "the second block refers back to the first"
    );
}

/// Our deflater's output for every vector header list inflates back to the same list
/// (compressor output differs from the producers', the name/value blocks must not).
#[test]
fn s42_our_deflater_round_trips_every_vector_header_list() {
    for file in ["session.json", "python-zlib.json"] {
        for seq in load_vectors(file)["sequences"].as_array().unwrap() {
            let mut deflater = HeaderDeflater::default();
            let mut inflater = HeaderInflater::new();
            for f in seq["frames"].as_array().unwrap() {
                let Some(headers) = f["decoded"]["headers"].as_array() else {
                    continue;
                };
                let list: HeaderList = headers
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap().to_string(),
                            p[1].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                let block = deflater.encode_to_bytes(&list).unwrap();
                let back = inflater.decode(&block, &Limits::default()).unwrap();
                assert_eq!(back, list);
            }
        }
    }
}

/// S-34, S-35, S-40: the uncompressed block layout (counts and lengths are 32-bit), empty
/// values and NUL-joined multiple values; and what goes on the wire is the compressed form.
#[test]
fn s34_s35_s40_block_layout_empty_and_multiple_values() {
    let mut list = HeaderList::new();
    list.append("set-cookie", "a=1");
    list.append("set-cookie", "b=2");
    list.insert("x-empty", "");
    let mut nv = Vec::new();
    list.encode_block(&mut nv).unwrap();
    let mut want = 2u32.to_be_bytes().to_vec();
    for (n, v) in [(&b"set-cookie"[..], &b"a=1\0b=2"[..]), (b"x-empty", b"")] {
        want.extend((n.len() as u32).to_be_bytes());
        want.extend(n);
        want.extend((v.len() as u32).to_be_bytes());
        want.extend(v);
    }
    assert_eq!(nv, want);
    let block = HeaderDeflater::default().encode_to_bytes(&list).unwrap();
    assert!(
        !block.windows(nv.len()).any(|w| w == &nv[..]),
        "S-35: only the compressed form is sent"
    );
    let back = HeaderInflater::new()
        .decode(&block, &Limits::default())
        .unwrap();
    assert_eq!(
        back.get_all("set-cookie").collect::<Vec<_>>(),
        [&b"a=1"[..], b"b=2"]
    );
    assert_eq!(back.get("x-empty"), Some(&b""[..]));
}
