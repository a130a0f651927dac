//! Shared helpers for the integration tests: the public vectors of `../shared/vectors`,
//! hex, and a deterministic chunking generator.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// `../shared` beside the repository (CI clones the project with `shared/` beside it).
pub fn shared_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared"))
}

/// Loads one vector file by name (`"session.json"`, …).
pub fn load_vectors(name: &str) -> Value {
    let path = shared_dir().join("vectors").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("vector file is JSON")
}

/// Decodes lower-case or upper-case hex.
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A small deterministic PRNG (xorshift64*), so failures reproduce.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
}

/// The chunkings every positive vector is fed in: whole, 1 byte, 7 bytes, and random
/// splits from several seeds.
pub fn chunkings(len: usize) -> Vec<(String, Vec<usize>)> {
    let mut out = vec![
        ("whole".to_string(), vec![len.max(1)]),
        ("1-byte".to_string(), vec![1; len.max(1)]),
        ("7-byte".to_string(), {
            let mut v = vec![7; len / 7];
            if len % 7 != 0 {
                v.push(len % 7);
            }
            v
        }),
    ];
    for seed in 1..=5u64 {
        let mut rng = Rng::new(seed);
        let mut sizes = Vec::new();
        let mut left = len;
        while left > 0 {
            let n = rng.range(1, 64.min(left));
            sizes.push(n);
            left -= n;
        }
        out.push((format!("random-{seed}"), sizes));
    }
    out
}
