//! The codec and header compression inside WebAssembly, and natively: the positive vectors
//! decode to their recorded meaning in every chunking and re-encode to their own bytes,
//! header blocks inflate in order through one context per direction (S-48) and round-trip
//! through our deflater, and the codec's invalid cases get the reaction the vector names.
//!
//! Each test runs under `cargo test` and, through `wasm-pack test --node` and
//! `--headless --chrome` (scripts/test_browser.sh), in Node and in Chromium. WebAssembly
//! cannot read files, so the vectors are embedded from `../shared`.

mod common;

use bytes::BytesMut;
use common::{chunkings, unhex};
use serde_json::Value;
use spdy3::frame::{Decoder, DecoderConfig, Frame, MAX_PAYLOAD_LEN};
use spdy3::header_block::{HeaderDeflater, HeaderInflater, HeaderList, Limits, DICTIONARY};
use spdy3::Reaction;
use wasm_bindgen_test::wasm_bindgen_test;

const SESSION: &str = include_str!("../../shared/vectors/session.json");
const FRAMES: &str = include_str!("../../shared/vectors/frames.json");
const PYTHON_ZLIB: &str = include_str!("../../shared/vectors/python-zlib.json");
const INVALID: &str = include_str!("../../shared/vectors/invalid.json");
const SPEC_DICTIONARY: &[u8] = include_bytes!("../../shared/spec/dictionary.bin");

fn vectors(text: &str) -> Value {
    serde_json::from_str(text).expect("vector file is JSON")
}

/// A frame as decoded, with its header block inflated.
struct Got {
    frame: Frame,
    flags: u8,
    length: u32,
    headers: Option<HeaderList>,
}

/// Decodes `wire` fed in pieces of `sizes`, inflating through one context.
fn decode(wire: &[u8], sizes: &[usize]) -> Vec<Got> {
    let mut decoder = Decoder::new(DecoderConfig {
        data_piece: MAX_PAYLOAD_LEN,
        ..DecoderConfig::default()
    });
    let mut inflater = HeaderInflater::new();
    let (mut buf, mut at, mut out) = (BytesMut::new(), 0, Vec::new());
    for &n in sizes {
        buf.extend_from_slice(&wire[at..at + n]);
        at += n;
        while let Some(frame) = decoder.decode(&mut buf).expect("vectors are valid") {
            let (_, head) = decoder.last_head().unwrap();
            let headers = frame.header_block().map(|b| {
                inflater
                    .decode(b, &Limits::default())
                    .expect("block inflates")
            });
            out.push(Got {
                frame,
                flags: head.flags,
                length: head.length,
                headers,
            });
        }
    }
    assert_eq!(at, wire.len());
    assert!(buf.is_empty() && !decoder.is_mid_frame(0));
    out
}

/// Checks every sequence of a positive vector file in every chunking; returns frames seen.
fn check_sequences(file: &str) -> usize {
    let mut frames_checked = 0;
    for seq in vectors(file)["sequences"].as_array().unwrap() {
        let frames = seq["frames"].as_array().unwrap();
        let wire: Vec<u8> = frames
            .iter()
            .flat_map(|f| unhex(f["hex"].as_str().unwrap()))
            .collect();
        for (chunking, sizes) in chunkings(wire.len()) {
            let got = decode(&wire, &sizes);
            let what = format!("{} ({chunking})", seq["name"]);
            assert_eq!(got.len(), frames.len(), "{what}");
            for (g, f) in got.iter().zip(frames) {
                check_frame(g, f, &what);
            }
        }
        frames_checked += frames.len();
    }
    frames_checked
}

fn check_frame(g: &Got, f: &Value, what: &str) {
    let d = &f["decoded"];
    let what = format!("{what} frame {}", f["index"]);
    let name = d["type"].as_str().unwrap_or("DATA");
    assert_eq!(g.frame.name(), name, "{what}");
    assert_eq!(u64::from(g.flags), d["flags"].as_u64().unwrap(), "{what}");
    assert_eq!(u64::from(g.length), d["length"].as_u64().unwrap(), "{what}");
    if let (Some(id), Some(want)) = (g.frame.stream_id(), d["stream_id"].as_u64()) {
        assert_eq!(u64::from(id), want, "{what}");
    }
    if let Some(list) = &g.headers {
        let want: Vec<(String, String)> = serde_json::from_value(d["headers"].clone()).unwrap();
        let have: Vec<(String, String)> = list
            .iter()
            .map(|(n, v)| {
                let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
                (s(n), s(v))
            })
            .collect();
        assert_eq!(have, want, "{what}");
    }
    let mut encoded = Vec::new();
    g.frame.encode(&mut encoded).unwrap();
    assert_eq!(encoded, unhex(f["hex"].as_str().unwrap()), "{what}");
}

#[wasm_bindgen_test(unsupported = test)]
fn session_vectors_decode_in_every_chunking_and_re_encode() {
    assert_eq!(check_sequences(SESSION), 38);
}

#[wasm_bindgen_test(unsupported = test)]
fn standalone_frame_vectors_decode_and_re_encode() {
    assert_eq!(check_sequences(FRAMES), 37);
}

#[wasm_bindgen_test(unsupported = test)]
fn independent_zlib_vectors_inflate_through_one_context() {
    assert_eq!(check_sequences(PYTHON_ZLIB), 15);
}

#[wasm_bindgen_test(unsupported = test)]
fn the_embedded_dictionary_is_the_spec_dictionary() {
    assert_eq!(&DICTIONARY[..], SPEC_DICTIONARY);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in SPEC_DICTIONARY {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    assert_eq!((b << 16) | a, 0xE3C6_A7C2);
}

#[wasm_bindgen_test(unsupported = test)]
fn header_blocks_round_trip_through_one_context_each_way() {
    let mut deflater = HeaderDeflater::default();
    let mut inflater = HeaderInflater::new();
    let long = "v".repeat(3000);
    let lists: Vec<HeaderList> = vec![
        [(":method", "GET"), (":path", "/"), (":version", "HTTP/1.1")]
            .into_iter()
            .collect(),
        [
            ("accept", "text/html"),
            ("cookie", "a=1\0b=2"),
            ("x-empty", ""),
        ]
        .into_iter()
        .collect(),
        [("x-long", long.as_str())].into_iter().collect(),
        HeaderList::new(),
        [(":method", "GET"), (":path", "/"), (":version", "HTTP/1.1")]
            .into_iter()
            .collect(),
    ];
    let mut sizes = Vec::new();
    for (i, list) in lists.iter().enumerate() {
        let block = deflater.encode_to_bytes(list).unwrap();
        if i == 0 {
            // zlib header with FDICT (FLEVEL 0: the default fixed codes), then the
            // dictionary id.
            assert_eq!(&block[..6], &[0x78, 0x20, 0xe3, 0xc6, 0xa7, 0xc2]);
        }
        assert!(block.ends_with(&[0, 0, 0xff, 0xff]), "sync flush");
        assert_eq!(&inflater.decode(&block, &Limits::default()).unwrap(), list);
        sizes.push(block.len());
    }
    // The repeated request costs a few bytes: the context is shared across blocks.
    assert!(sizes[4] < sizes[0] / 2, "{sizes:?}");
}

#[wasm_bindgen_test(unsupported = test)]
fn a_zlib_bomb_ends_the_session_and_an_oversized_block_resets_the_stream() {
    let mut deflater = HeaderDeflater::default();
    let mut inflater = HeaderInflater::new();
    let big = "a".repeat(100 * 1024);
    let block = deflater
        .encode_to_bytes(&[("x-big", big.as_str())].into_iter().collect())
        .unwrap();
    let e = inflater.decode(&block, &Limits::default()).unwrap_err();
    assert_eq!(
        (e.rule(), e.reaction(1).is_session_error()),
        ("S-30", false)
    );
    let bomb = Limits {
        max_inflated: 64 * 1024,
        ..Limits::default()
    };
    let block = deflater
        .encode_to_bytes(&[("x-big", big.as_str())].into_iter().collect())
        .unwrap();
    let e = inflater.decode(&block, &bomb).unwrap_err();
    assert_eq!((e.rule(), e.reaction(1).is_session_error()), ("S-30", true));
}

/// The invalid cases the codec alone rejects (the rest need session state; see
/// tests/invalid_vectors.rs and tests/conformance_vectors.rs).
const CODEC_REJECTS: &[&str] = &[
    "control-version-2",
    "rst-stream-length-12",
    "ping-length-8",
    "settings-length-not-4-plus-8n",
    "data-on-stream-0",
    "syn-stream-id-0",
    "rst-stream-on-stream-0",
    "header-zero-length-name",
    "header-uppercase-name",
    "header-duplicate-name",
    "header-value-leading-nul",
    "header-value-double-nul",
    "header-count-overruns-block",
    "header-block-wrong-dictionary",
    "header-block-not-zlib",
    "stream-error-keeps-context",
    "window-update-delta-0",
];

#[wasm_bindgen_test(unsupported = test)]
fn invalid_inputs_get_the_reaction_and_rule_the_vector_names() {
    let mut checked = 0;
    for case in vectors(INVALID)["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !CODEC_REJECTS.contains(&name) {
            continue;
        }
        let expect = &case["expect"];
        let frames = case["frames_hex"].as_array().unwrap();
        let at = expect["at"]
            .as_u64()
            .map_or(frames.len() - 1, |a| a as usize);
        let mut decoder = Decoder::new(DecoderConfig::default());
        let mut inflater = HeaderInflater::new();
        let mut buf = BytesMut::new();
        for (i, hex) in frames.iter().enumerate() {
            buf.extend_from_slice(&unhex(hex.as_str().unwrap()));
            let rejected = match decoder.decode(&mut buf) {
                Err(e) => Some((e.reaction(), e.rule())),
                Ok(Some(frame)) => frame.header_block().and_then(|b| {
                    let id = frame.stream_id().unwrap();
                    let e = inflater.decode(b, &Limits::default()).err()?;
                    Some((e.reaction(id), e.rule()))
                }),
                Ok(None) => panic!("{name}: a whole frame was given"),
            };
            if i != at {
                assert_eq!(rejected, None, "{name} frame {i}");
                continue;
            }
            let (reaction, rule) = rejected.unwrap_or_else(|| panic!("{name}: accepted"));
            // S-33 is about what follows (stream 3's block decodes: checked above).
            if expect["rule"] != "S-33" {
                assert_eq!(rule, expect["rule"].as_str().unwrap(), "{name}");
            }
            let code = expect["code"].as_str().unwrap();
            match (expect["outcome"].as_str().unwrap(), reaction) {
                ("session_error", Reaction::CloseSession(s)) => {
                    assert_eq!(s.name(), Some(code), "{name}")
                }
                ("stream_error", Reaction::ResetStream { stream_id, status }) => {
                    assert_eq!(status.name(), Some(code), "{name}");
                    assert_eq!(u64::from(stream_id), expect["stream_id"].as_u64().unwrap());
                }
                (want, got) => panic!("{name}: expected {want}, got {got:?}"),
            }
        }
        checked += 1;
    }
    assert_eq!(checked, CODEC_REJECTS.len());
}
