//! The frame dump example on the sample capture and on broken input: one JSON line per
//! frame, and an error line at the byte offset where the input stops making sense.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// `cargo test` builds the examples next to the test binaries.
fn dump_exe() -> PathBuf {
    let mut p = std::env::current_exe().unwrap();
    p.pop();
    if p.ends_with("deps") {
        p.pop();
    }
    p.join("examples")
        .join(format!("frame_dump{}", std::env::consts::EXE_SUFFIX))
}

fn run(args: &[&str], stdin: &[u8]) -> (bool, Vec<serde_json::Value>) {
    let mut child = Command::new(dump_exe())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("frame_dump example is built by cargo test");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect();
    (out.status.success(), lines)
}

#[test]
fn dumps_the_sample_capture_with_headers() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/data/client-to-server.bin"
    );
    let (ok, lines) = run(&[path], b"");
    assert!(ok);
    assert_eq!(lines.len(), 18);
    assert_eq!(lines[0]["type"], "SETTINGS");
    assert_eq!(lines[0]["entries"][1]["name"], "INITIAL_WINDOW_SIZE");
    assert_eq!(lines[2]["type"], "SYN_STREAM");
    assert_eq!(lines[2]["offset"], 44);
    let headers = lines[2]["headers"].as_array().unwrap();
    assert!(headers.iter().any(|h| h[0] == ":method" && h[1] == "GET"));
}

#[test]
fn hex_input_and_error_offsets() {
    // A PING, then a PING with length 8 at offset 12: S-10, GOAWAY PROTOCOL_ERROR.
    let (ok, lines) = run(
        &["--hex"],
        b"80030006 00000004 00000001\n80030006000000080000000100000000",
    );
    assert!(!ok);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["ping_id"], 1);
    assert_eq!(lines[1]["offset"], 12);
    assert_eq!(lines[1]["rule"], "S-10");
    assert_eq!(lines[1]["reaction"], "GOAWAY PROTOCOL_ERROR");
}

#[test]
fn truncated_input_is_reported_where_it_ends() {
    let (ok, lines) = run(&[], &[0x80, 3, 0, 6, 0, 0, 0, 4, 0, 0]);
    assert!(!ok);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["offset"], 0);
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .contains("incomplete frame"));
}
