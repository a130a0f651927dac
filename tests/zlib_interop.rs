//! Interop: header blocks from our `Compressor` inflate with CPython's zlib, through one
//! `zlib.decompressobj(zdict=DICTIONARY)` per direction, as any SPDY peer would do it.
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use spdy3::header_block::{CompressionOptions, Compressor, Strategy, DICTIONARY};

/// Inflates `blocks.bin` in order and compares with `expected.bin`; then compresses the same
/// blocks with zlib at the same level *without* the dictionary, sync-flushed per block.
/// Prints our total, zlib's total without the dictionary, and the same two for block 0 alone.
const SCRIPT: &str = r#"
import struct, sys, zlib
d = sys.argv[1]
level = int(sys.argv[2])
dictionary = open(d + "/dictionary.bin", "rb").read()
def frames(name):
    data, out, i = open(d + "/" + name, "rb").read(), [], 0
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out
blocks, expected = frames("blocks.bin"), frames("expected.bin")
assert len(blocks) == len(expected), "block count"
inflater = zlib.decompressobj(zdict=dictionary)
for i, (block, nv) in enumerate(zip(blocks, expected)):
    got = inflater.decompress(block)
    if got != nv:
        sys.exit("block %d: inflated %d bytes, expected %d" % (i, len(got), len(nv)))
    if inflater.unconsumed_tail or inflater.eof:
        sys.exit("block %d: stream state wrong" % i)
plain = zlib.compressobj(level, zlib.DEFLATED, 15)
without = [len(plain.compress(nv) + plain.flush(zlib.Z_SYNC_FLUSH)) for nv in expected]
print(sum(len(b) for b in blocks), sum(without), len(blocks[0]), without[0])
"#;

/// An uncompressed SPDY/3 name/value block.
fn nv(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = (pairs.len() as u32).to_be_bytes().to_vec();
    for (name, value) in pairs {
        out.extend_from_slice(&(name.len() as u32).to_be_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value.as_bytes());
    }
    out
}

fn realistic_blocks() -> Vec<Vec<u8>> {
    let ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    let mut blocks = Vec::new();
    for (i, path) in [
        "/",
        "/static/app.js",
        "/static/site.css",
        "/api/v1/items?page=2",
        "/favicon.ico",
    ]
    .iter()
    .enumerate()
    {
        let cookie = format!("session=abc{i}def; theme=dark");
        blocks.push(nv(&[
            (":method", if i == 3 { "POST" } else { "GET" }),
            (":path", path),
            (":version", "HTTP/1.1"),
            (":host", "www.example.com"),
            (":scheme", "https"),
            ("user-agent", ua),
            (
                "accept",
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            ),
            ("accept-encoding", "gzip, deflate, br"),
            ("accept-language", "en-US,en;q=0.5"),
            ("cookie", &cookie),
        ]));
        let length = format!("{}", 1000 + 337 * i);
        blocks.push(nv(&[
            (":status", if i == 4 { "404 Not Found" } else { "200 OK" }),
            (":version", "HTTP/1.1"),
            ("content-type", "text/html; charset=utf-8"),
            ("content-length", &length),
            ("cache-control", "private, max-age=0"),
            ("date", "Tue, 04 Mar 2025 10:00:00 GMT"),
            ("server", "spdy3-test"),
            ("set-cookie", "a=1; Path=/\0b=2; Path=/; HttpOnly"),
        ]));
    }
    blocks.push(nv(&[("grpc-status", "0"), ("x-trailer", "")]));
    blocks.push(nv(&[]));
    blocks.push(nv(&[
        (":method", "GET"),
        (":path", "/pushed.css"),
        (":host", "www.example.com"),
        (":scheme", "https"),
        (":version", "HTTP/1.1"),
    ]));
    blocks
}

/// Length-prefixed concatenation.
fn pack(items: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        out.extend_from_slice(&(item.len() as u32).to_be_bytes());
        out.extend_from_slice(item);
    }
    out
}

/// Sizes reported by the script, in bytes.
struct Sizes {
    ours: usize,
    without: usize,
    ours_first: usize,
    without_first: usize,
}

/// Runs the script.
fn python(dir: &Path, level: u8) -> Sizes {
    let output = match Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(dir)
        .arg(level.to_string())
        .output()
    {
        Ok(output) => output,
        Err(e) => panic!("cannot run python3 ({e}): this test needs python3 (with zlib) on PATH"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "python3 zlib check failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let n: Vec<usize> = stdout
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    Sizes {
        ours: n[0],
        without: n[1],
        ours_first: n[2],
        without_first: n[3],
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spdy3-zlib-interop-{}-{tag}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn python_zlib_inflates_our_blocks_with_one_context() {
    let expected = realistic_blocks();
    assert!(expected.len() >= 10);
    let mut settings = Vec::new();
    for level in 0..=9 {
        settings.push(CompressionOptions {
            level,
            strategy: Strategy::Dynamic,
        });
    }
    for strategy in [Strategy::Fixed, Strategy::HuffmanOnly, Strategy::Rle] {
        settings.push(CompressionOptions { level: 6, strategy });
    }
    for options in settings {
        let mut compressor = Compressor::new(options);
        let blocks: Vec<Vec<u8>> = expected
            .iter()
            .map(|nv| {
                let mut out = Vec::new();
                compressor.compress(nv, &mut out);
                out
            })
            .collect();
        let dir = temp_dir(&format!("{}-{:?}", options.level, options.strategy));
        fs::write(dir.join("dictionary.bin"), DICTIONARY).unwrap();
        fs::write(dir.join("blocks.bin"), pack(&blocks)).unwrap();
        fs::write(dir.join("expected.bin"), pack(&expected)).unwrap();
        let sizes = python(&dir, options.level);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(sizes.ours, blocks.iter().map(Vec::len).sum::<usize>());
        let Sizes {
            ours,
            without,
            ours_first,
            without_first,
        } = sizes;
        if options.strategy == Strategy::Dynamic && options.level > 0 {
            // The dictionary pays off most on the first block of a direction.
            assert!(
                ours_first < without_first,
                "{options:?}: first block {ours_first} B, zlib without dictionary {without_first} B"
            );
        }
        // Over the whole session, zlib's better matching at low levels can outweigh the
        // dictionary; from level 4 up (and with static blocks) ours is smaller.
        if options.level >= 4
            && options.strategy != Strategy::HuffmanOnly
            && options.strategy != Strategy::Rle
        {
            assert!(
                ours < without,
                "{options:?}: {ours} B with the dictionary, zlib without it {without} B"
            );
        }
    }
}
