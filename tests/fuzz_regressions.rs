//! Replays every committed fuzz corpus entry and saved crasher (`fuzz/corpus/<target>/*`,
//! `fuzz/regressions/<target>/*`) through the fuzz targets' bodies, so plain `cargo test`
//! keeps them fixed without a nightly toolchain.

use std::path::Path;

use spdy3::session::Role;
use spdy3::testing::fuzz;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(dir)
            .join(target);
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries {
            let file = entry.unwrap().path();
            let data = std::fs::read(&file).unwrap();
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{target}: {} fails", file.display());
            n += 1;
        }
    }
    n
}

#[test]
fn frame_decode_corpus() {
    assert!(replay("frame_decode", fuzz::frame_decode) > 0);
}

#[test]
fn header_block_corpus() {
    assert!(replay("header_block", fuzz::header_block) > 0);
}

#[test]
fn header_compress_corpus() {
    assert!(replay("header_compress", fuzz::header_compress) > 0);
}

#[test]
fn session_server_corpus() {
    assert!(replay("session_server", |d| fuzz::session(Role::Server, d)) > 0);
}

#[test]
fn session_client_corpus() {
    assert!(replay("session_client", |d| fuzz::session(Role::Client, d)) > 0);
}

#[test]
fn ops_corpus() {
    assert!(replay("ops", fuzz::ops) > 0);
}
