//! The malformed inputs of ../shared/vectors/invalid.json that are codec matters: each
//! gets the reaction the vector names. The cases that need session state (stream tables,
//! windows, GOAWAY, push) are listed for the session engine, which checks every case in
//! `conformance_vectors.rs`; this test fails if a case is in neither list.

mod common;

use bytes::BytesMut;
use common::{load_vectors, unhex};
use serde_json::Value;
use spdy3::frame::{Decoder, Frame, GoAwayStatus, RstStatus, SettingId};
use spdy3::header_block::{HeaderInflater, Limits};
use spdy3::Reaction;

/// What the codec layer makes of one received frame.
#[derive(Debug, PartialEq)]
enum Outcome {
    Accepted(Frame),
    Ignored,
    Rejected(Reaction),
}

/// Decodes each frame of a case in order, through one decoder and one inflater, as a
/// receiver's codec layer does.
fn run_codec(frames_hex: &[Value]) -> Vec<Outcome> {
    let mut decoder = Decoder::new(Default::default());
    let mut inflater = HeaderInflater::new();
    let mut buf = BytesMut::new();
    let mut outcomes = Vec::new();
    for h in frames_hex {
        buf.extend_from_slice(&unhex(h.as_str().unwrap()));
        let outcome = match decoder.decode(&mut buf) {
            Ok(Some(Frame::Unknown(_))) => Outcome::Ignored,
            Ok(Some(frame)) => match frame.header_block() {
                Some(block) => match inflater.decode(block, &Limits::default()) {
                    Ok(_) => Outcome::Accepted(frame),
                    Err(e) => Outcome::Rejected(e.reaction(frame.stream_id().unwrap())),
                },
                None => Outcome::Accepted(frame),
            },
            Ok(None) => panic!("a whole frame was given"),
            Err(e) => Outcome::Rejected(e.reaction()),
        };
        // Whatever follows an unknown frame is its own frame (the skip consumed exactly).
        if outcomes.last() == Some(&Outcome::Ignored) {
            assert!(!matches!(outcome, Outcome::Ignored));
        }
        outcomes.push(outcome);
    }
    outcomes
}

const CODEC_CASES: &[&str] = &[
    "control-version-2",
    "unknown-type-credential-10",
    "unknown-type-noop-5",
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
    "settings-duplicate-id-first-wins",
];

/// Session-level cases, checked in `conformance_vectors.rs`.
const SESSION_CASES: &[&str] = &[
    "syn-stream-id-goes-down",
    "syn-stream-duplicate-id",
    "syn-stream-even-id-from-client",
    "data-on-idle-stream",
    "data-before-syn-reply",
    "data-after-fin",
    "syn-reply-twice",
    "window-update-stream-overflow",
    "window-update-session-overflow",
    "settings-initial-window-too-big",
    "ping-own-parity-unsolicited",
    "syn-stream-after-goaway-sent",
    "push-associated-0",
    "push-missing-path",
];

fn expected_reaction(expect: &Value) -> Reaction {
    let code = expect["code"].as_str().unwrap();
    match expect["outcome"].as_str().unwrap() {
        "session_error" => {
            assert_eq!(
                code, "PROTOCOL_ERROR",
                "the project sends only status 1 for errors"
            );
            Reaction::CloseSession(GoAwayStatus::PROTOCOL_ERROR)
        }
        "stream_error" => {
            let status = (1..=11)
                .map(RstStatus)
                .find(|s| s.name() == Some(code))
                .expect("known RST_STREAM code");
            Reaction::ResetStream {
                stream_id: expect["stream_id"].as_u64().unwrap() as u32,
                status,
            }
        }
        other => panic!("not a rejection: {other}"),
    }
}

#[test]
fn every_invalid_case_is_covered_by_the_codec_or_listed_for_the_session() {
    let v = load_vectors("invalid.json");
    let names: Vec<&str> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for n in &names {
        assert!(
            CODEC_CASES.contains(n) ^ SESSION_CASES.contains(n),
            "case {n} must be in exactly one list"
        );
    }
    assert_eq!(names.len(), CODEC_CASES.len() + SESSION_CASES.len());
}

#[test]
fn codec_cases_get_the_reaction_the_vector_names() {
    let v = load_vectors("invalid.json");
    let mut checked = 0;
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !CODEC_CASES.contains(&name) {
            continue;
        }
        let frames = case["frames_hex"].as_array().unwrap();
        let expect = &case["expect"];
        let at = expect["at"]
            .as_u64()
            .map_or(frames.len() - 1, |a| a as usize);
        let outcomes = run_codec(frames);
        let got = &outcomes[at];
        match expect["outcome"].as_str().unwrap() {
            "ignore" => {
                assert_eq!(got, &Outcome::Ignored, "{name}");
                // S-9: the frame after the skipped one decodes (the PING that gets echoed).
                assert!(
                    matches!(outcomes[at + 1], Outcome::Accepted(Frame::Ping(_))),
                    "{name}"
                );
            }
            "accept" => {
                let Outcome::Accepted(Frame::Settings(s)) = got else {
                    panic!("{name}: {got:?}")
                };
                // S-64: the first of duplicate ids wins.
                assert_eq!(s.get(SettingId::MAX_CONCURRENT_STREAMS), Some(10), "{name}");
            }
            _ => {
                assert_eq!(got, &Outcome::Rejected(expected_reaction(expect)), "{name}");
                // Frames before the rejected one were fine.
                assert!(
                    outcomes[..at]
                        .iter()
                        .all(|o| matches!(o, Outcome::Accepted(_))),
                    "{name}"
                );
                if name == "stream-error-keeps-context" {
                    // S-33: the rejected block went through the inflater, so stream 3's decodes.
                    assert!(
                        matches!(&outcomes[1], Outcome::Accepted(Frame::SynStream(s)) if s.stream_id == 3)
                    );
                }
            }
        }
        checked += 1;
    }
    assert_eq!(checked, CODEC_CASES.len());
}
