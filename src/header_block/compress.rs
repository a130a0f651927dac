//! The per-direction zlib contexts for header blocks, primed with the SPDY/3 dictionary
//! (SPDY31.md §7, rules S-42…S-47).
//!
//! Both directions write and check the zlib framing themselves (the 2-byte header with
//! FDICT and the DICTID; no trailer, since the stream never ends) around raw deflate:
//!
//! * [`Compressor`] writes the zlib header before the first block and sync-flushes after
//!   every block. Its deflater is the crate's fixed-Huffman encoder (`deflate.rs`, the
//!   default), `miniz_oxide`'s (the dynamic strategies; primed by compressing the
//!   dictionary with the output discarded, as it has no preset-dictionary API), or none
//!   (level 0, stored blocks).
//! * [`Decompressor`] checks the zlib header and DICTID, then raw-inflates with the
//!   crate's own decoder (`inflate.rs`, cheaper per small block) into a 32 KiB wrapping
//!   history window that starts pre-filled with the dictionary.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use miniz_oxide::deflate::core::{
    compress_to_output, CompressionStrategy, CompressorOxide, TDEFLFlush, TDEFLStatus,
};
use miniz_oxide::DataFormat;

use super::deflate::{stored_sync, FixedDeflater};
use super::inflate::{RawInflater, Stop};

/// The SPDY/3 zlib dictionary (1423 bytes).
pub const DICTIONARY: &[u8; 1423] = include_bytes!("dictionary.bin");

/// Adler-32 of [`DICTIONARY`], as carried in the zlib header (DICTID).
pub const DICTIONARY_ID: u32 = 0xE3C6_A7C2;

/// zlib CMF byte: CM 8 (deflate), CINFO 7 (32 KiB window).
const CMF: u8 = 0x78;
/// FDICT bit of the zlib FLG byte.
const FDICT: u8 = 0x20;

/// Deflate strategy for outgoing header blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// zlib's default strategy, by `miniz_oxide`: LZ77 matching, then a dynamic Huffman
    /// block (or a static one for very short input). Header blocks come out larger than
    /// with [`Fixed`](Self::Fixed): a dynamic block's code tables cost more than they
    /// save on a short block.
    Dynamic,
    /// The default: greedy LZ77 matching coded with the fixed Huffman codes, by the crate's
    /// own encoder — the smallest header blocks here, no code tables to build on either
    /// side, and about 145 KiB of state against about 320 KB for the others.
    Fixed,
    /// No matches at all: Huffman-coded literals only (the dictionary is then unused).
    HuffmanOnly,
    /// Run-length matches only (distance 1).
    Rle,
}

/// Compression settings for outgoing header blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompressionOptions {
    /// zlib level `0..=9`; larger values are treated as 9. Higher levels search longer for
    /// matches (with [`Strategy::Fixed`]: 4, 8, 32 or 128 candidates for levels 1, 2–3,
    /// 4–6 and 7–9, and from level 7 also positions inside long matches). Level 0 writes
    /// stored blocks and keeps no compressor state at all (about 145 KiB less per session
    /// with [`Strategy::Fixed`], about 300 KiB with the others).
    pub level: u8,
    /// Deflate strategy.
    pub strategy: Strategy,
}

impl Default for CompressionOptions {
    /// Level 6, [`Strategy::Fixed`].
    fn default() -> Self {
        CompressionOptions {
            level: 6,
            strategy: Strategy::Fixed,
        }
    }
}

/// The 6-byte zlib header (CMF, FLG with FDICT, DICTID) for these options. FLEVEL follows
/// zlib: 0 for levels 0–1 and for the Fixed/HuffmanOnly/Rle strategies, 1 for 2–5,
/// 2 for 6, 3 for 7–9.
fn zlib_header(options: CompressionOptions) -> [u8; 6] {
    let flevel: u8 = match (options.strategy, options.level) {
        (Strategy::Dynamic, 2..=5) => 1,
        (Strategy::Dynamic, 6) => 2,
        (Strategy::Dynamic, 7..) => 3,
        _ => 0,
    };
    let flg = (flevel << 6) | FDICT;
    let rem = ((u16::from(CMF) << 8) | u16::from(flg)) % 31;
    let flg = flg | ((31 - rem) % 31) as u8;
    let id = DICTIONARY_ID.to_be_bytes();
    [CMF, flg, id[0], id[1], id[2], id[3]]
}

/// Feeds all of `input` to `deflater` with a sync flush, passing the output to `sink`.
fn deflate_sync(deflater: &mut CompressorOxide, mut input: &[u8], mut sink: impl FnMut(&[u8])) {
    loop {
        let (status, consumed) = compress_to_output(deflater, input, TDEFLFlush::Sync, |chunk| {
            sink(chunk);
            true
        });
        input = input.get(consumed..).unwrap_or_default();
        match status {
            TDEFLStatus::Okay if input.is_empty() => return,
            TDEFLStatus::Okay if consumed > 0 => {}
            // With a sink that never refuses, miniz_oxide cannot fail or stall.
            _ => panic!("miniz_oxide deflate failed: {status:?}"),
        }
    }
}

/// How a [`Compressor`] writes blocks.
enum Deflater {
    /// Level 0: stored blocks, written directly, with no deflate state.
    Stored,
    /// [`Strategy::Fixed`]: the crate's own encoder (`deflate.rs`).
    Fixed(Box<FixedDeflater>),
    /// The other strategies: `miniz_oxide`.
    Miniz(Box<CompressorOxide>),
}

impl Deflater {
    /// A `miniz_oxide` deflater with the dictionary in its LZ77 window: it is compressed
    /// with a sync flush, which leaves the output byte-aligned, so discarding that output
    /// leaves no partial bits behind.
    fn miniz(level: u8, strategy: CompressionStrategy) -> Deflater {
        let mut deflater = Box::new(CompressorOxide::with_params(
            DataFormat::Raw,
            level,
            strategy,
            15,
        ));
        deflate_sync(&mut deflater, DICTIONARY, |_| {});
        Deflater::Miniz(deflater)
    }
}

/// One direction's compressor: everything this endpoint sends, for the life of the session.
pub struct Compressor {
    deflater: Deflater,
    /// The zlib header, until the first block has been written.
    header: Option<[u8; 6]>,
}

impl Compressor {
    /// Creates a compressor already primed with [`DICTIONARY`].
    pub fn new(options: CompressionOptions) -> Self {
        let options = CompressionOptions {
            level: options.level.min(9),
            ..options
        };
        let level = options.level;
        let deflater = match options.strategy {
            _ if level == 0 => Deflater::Stored,
            Strategy::Fixed => Deflater::Fixed(Box::new(FixedDeflater::new(DICTIONARY, level))),
            Strategy::Dynamic => Deflater::miniz(level, CompressionStrategy::Default),
            Strategy::HuffmanOnly => Deflater::miniz(level, CompressionStrategy::HuffmanOnly),
            Strategy::Rle => Deflater::miniz(level, CompressionStrategy::RLE),
        };
        Compressor {
            deflater,
            header: Some(zlib_header(options)),
        }
    }

    /// Compresses one uncompressed name/value block and appends the compressed bytes, ending
    /// in a sync flush (`00 00 ff ff`), to `out`. The first call also writes the 2-byte zlib
    /// header with FDICT set (FLEVEL matching the level, FCHECK correct) and the DICTID
    /// `e3 c6 a7 c2`.
    ///
    /// # Panics
    ///
    /// Only if `miniz_oxide` reports an internal error, which it does not do when writing
    /// into a growable buffer.
    pub fn compress(&mut self, nv_block: &[u8], out: &mut Vec<u8>) {
        if let Some(header) = self.header.take() {
            out.extend_from_slice(&header);
        }
        match &mut self.deflater {
            Deflater::Stored => stored_sync(nv_block, out),
            Deflater::Fixed(deflater) => deflater.compress(nv_block, out),
            Deflater::Miniz(deflater) => {
                deflate_sync(deflater, nv_block, |chunk| out.extend_from_slice(chunk))
            }
        }
    }
}

impl fmt::Debug for Compressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compressor")
            .field("started", &self.header.is_none())
            .finish_non_exhaustive()
    }
}

/// Why a header block could not be inflated. Every variant is a session error
/// (PROTOCOL_ERROR, S-45/S-47) and leaves the [`Decompressor`] unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InflateError {
    /// The first block does not start with a valid 2-byte zlib header (CM 8, CINFO ≤ 7,
    /// FCHECK), or is too short for it / for its DICTID.
    BadHeader,
    /// The zlib header names a dictionary other than the SPDY one (S-45).
    WrongDictionary {
        /// The DICTID found in the header.
        dict_id: u32,
    },
    /// The deflate data is corrupt (S-47).
    Corrupt,
    /// The deflate stream ended (a final block): SPDY streams are never finished (S-47).
    StreamEnded,
    /// The block inflates past the hard limit.
    TooLarge,
    /// An earlier error left the context unusable.
    Poisoned,
}

impl fmt::Display for InflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InflateError::BadHeader => f.write_str("invalid zlib header"),
            InflateError::WrongDictionary { dict_id } => {
                write!(f, "wrong zlib dictionary id {dict_id:#010x}")
            }
            InflateError::Corrupt => f.write_str("corrupt deflate data"),
            InflateError::StreamEnded => f.write_str("deflate stream ended"),
            InflateError::TooLarge => f.write_str("header block inflates past the limit"),
            InflateError::Poisoned => f.write_str("header decompressor failed earlier"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for InflateError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first non-empty block, which starts with the zlib header.
    Header,
    /// Inside the deflate stream.
    Body,
    /// An error occurred.
    Poisoned,
}

/// One direction's decompressor: everything this endpoint receives, for the life of the
/// session.
pub struct Decompressor {
    /// The deflate decoder, its history starting with the dictionary.
    inflater: RawInflater,
    phase: Phase,
}

impl Decompressor {
    /// Creates a decompressor primed with [`DICTIONARY`].
    pub fn new() -> Self {
        Decompressor {
            inflater: RawInflater::new(DICTIONARY),
            phase: Phase::Header,
        }
    }

    /// Inflates one compressed header block (the bytes of one SYN_STREAM/SYN_REPLY/HEADERS
    /// frame). Appends at most `keep` inflated bytes to `out`; output beyond that is still
    /// produced (to keep the shared context in sync) but discarded. Returns the total
    /// inflated size of this block.
    ///
    /// Inflating past `hard_limit` total bytes for this block stops with
    /// [`InflateError::TooLarge`] (a zlib bomb: the session must end). Any error poisons the
    /// decompressor: every later call returns [`InflateError::Poisoned`]. On error, `out` may
    /// hold part of the block's output.
    pub fn decompress(
        &mut self,
        block: &[u8],
        out: &mut Vec<u8>,
        keep: usize,
        hard_limit: usize,
    ) -> Result<usize, InflateError> {
        if self.phase == Phase::Poisoned {
            return Err(InflateError::Poisoned);
        }
        if block.is_empty() {
            return Ok(0);
        }
        let result = self.inflate(block, out, keep, hard_limit);
        if result.is_err() {
            self.phase = Phase::Poisoned;
        }
        result
    }

    fn inflate(
        &mut self,
        block: &[u8],
        out: &mut Vec<u8>,
        keep: usize,
        hard_limit: usize,
    ) -> Result<usize, InflateError> {
        let mut input = block;
        if self.phase == Phase::Header {
            input = parse_zlib_header(block)?;
            self.phase = Phase::Body;
        }
        self.inflater
            .inflate(input, out, keep, hard_limit)
            .map_err(|stop| match stop {
                Stop::Corrupt => InflateError::Corrupt,
                Stop::Final => InflateError::StreamEnded,
                Stop::TooLarge => InflateError::TooLarge,
            })
    }
}

impl Default for Decompressor {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Decompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decompressor")
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

/// Checks the zlib header (and DICTID, if FDICT is set) at the start of the first block and
/// returns the deflate bytes after it.
fn parse_zlib_header(block: &[u8]) -> Result<&[u8], InflateError> {
    let [cmf, flg, rest @ ..] = block else {
        return Err(InflateError::BadHeader);
    };
    let check = ((u16::from(*cmf) << 8) | u16::from(*flg)) % 31;
    if cmf & 0x0f != 8 || cmf >> 4 > 7 || check != 0 {
        return Err(InflateError::BadHeader);
    }
    if flg & FDICT == 0 {
        return Ok(rest);
    }
    let [a, b, c, d, rest @ ..] = rest else {
        return Err(InflateError::BadHeader);
    };
    let dict_id = u32::from_be_bytes([*a, *b, *c, *d]);
    if dict_id != DICTIONARY_ID {
        return Err(InflateError::WrongDictionary { dict_id });
    }
    Ok(rest)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use alloc::format;
    use alloc::vec;
    use miniz_oxide::deflate::{compress_to_vec, compress_to_vec_zlib};

    const STRATEGIES: [Strategy; 4] = [
        Strategy::Dynamic,
        Strategy::Fixed,
        Strategy::HuffmanOnly,
        Strategy::Rle,
    ];
    const NO_LIMIT: usize = usize::MAX;

    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &byte in data {
            a = (a + u32::from(byte)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    /// An uncompressed SPDY/3 name/value block.
    fn nv(pairs: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&(pairs.len() as u32).to_be_bytes());
        for (name, value) in pairs {
            out.extend_from_slice(&(name.len() as u32).to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(value.len() as u32).to_be_bytes());
            out.extend_from_slice(value);
        }
        out
    }

    fn request(id: u32, path: &str) -> Vec<u8> {
        let path = format!("{path}?id={id}");
        nv(&[
            (":method", b"GET"),
            (":path", path.as_bytes()),
            (":version", b"HTTP/1.1"),
            (":host", b"example.com:8443"),
            (":scheme", b"https"),
            (
                "user-agent",
                b"Mozilla/5.0 (X11; Linux x86_64) spdy3-test/0.1",
            ),
            ("accept", b"text/html,application/xhtml+xml,*/*;q=0.8"),
            ("accept-encoding", b"gzip, deflate"),
            ("accept-language", b"en-US,en;q=0.5"),
        ])
    }

    fn response(id: u32) -> Vec<u8> {
        let len = format!("{}", id * 1234);
        nv(&[
            (":status", b"200 OK"),
            (":version", b"HTTP/1.1"),
            ("content-type", b"text/html; charset=utf-8"),
            ("content-length", len.as_bytes()),
            ("set-cookie", b"a=1\0b=2"),
            ("date", b"Wed, 01 Jan 2025 00:00:00 GMT"),
        ])
    }

    /// Deterministic pseudo-random bytes.
    fn noise(seed: u32, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect()
    }

    /// ≥ 20 varied blocks, together well over the 32 KiB window (exercises wrapping).
    fn blocks() -> Vec<Vec<u8>> {
        let mut blocks = Vec::new();
        for i in 0..10u32 {
            blocks.push(request(2 * i + 1, "/index.html"));
            blocks.push(response(2 * i + 1));
        }
        blocks.push(nv(&[]));
        blocks.push(Vec::new());
        blocks.push(nv(&[("x-big", &vec![b'a'; 40_000])]));
        blocks.push(nv(&[("x-noise", &noise(7, 3_000))]));
        blocks.push(noise(9, 70_000));
        blocks.push(request(99, "/after/the/big/ones"));
        blocks
    }

    fn is_valid_first_block(block: &[u8]) -> bool {
        block.len() >= 6
            && block[0] & 0x0f == 8
            && block[0] >> 4 <= 7
            && ((u16::from(block[0]) << 8) | u16::from(block[1])) % 31 == 0
            && block[1] & FDICT != 0
            && block[2..6] == [0xe3, 0xc6, 0xa7, 0xc2]
    }

    fn round_trip(options: CompressionOptions) {
        let mut compressor = Compressor::new(options);
        let mut decompressor = Decompressor::new();
        for (i, nv_block) in blocks().iter().enumerate() {
            let mut wire = Vec::new();
            compressor.compress(nv_block, &mut wire);
            assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "{options:?} block {i}");
            if i == 0 {
                assert!(
                    is_valid_first_block(&wire),
                    "{options:?}: {:02x?}",
                    &wire[..6]
                );
                assert_eq!(wire[0], 0x78);
                let flevel = wire[1] >> 6;
                let expected = match (options.strategy, options.level) {
                    (Strategy::Dynamic, 2..=5) => 1,
                    (Strategy::Dynamic, 6) => 2,
                    (Strategy::Dynamic, 7..) => 3,
                    _ => 0,
                };
                assert_eq!(flevel, expected, "{options:?}");
            }
            let mut out = Vec::new();
            let n = decompressor
                .decompress(&wire, &mut out, NO_LIMIT, NO_LIMIT)
                .unwrap_or_else(|e| panic!("{options:?} block {i}: {e}"));
            assert_eq!(n, nv_block.len(), "{options:?} block {i}");
            assert!(out == *nv_block, "{options:?} block {i}: output differs");
        }
    }

    /// Raw deflate of `blocks` with the same settings but no dictionary, sync-flushed.
    fn raw_without_dictionary(blocks: &[&[u8]], level: u8) -> usize {
        let mut d =
            CompressorOxide::with_params(DataFormat::Raw, level, CompressionStrategy::Default, 15);
        let mut out = Vec::new();
        for block in blocks {
            deflate_sync(&mut d, block, |c| out.extend_from_slice(c));
        }
        out.len()
    }

    fn first_block() -> (Compressor, Vec<u8>) {
        let mut compressor = Compressor::new(CompressionOptions::default());
        let mut wire = Vec::new();
        compressor.compress(&request(1, "/"), &mut wire);
        (compressor, wire)
    }

    #[test]
    fn dictionary_length_and_id() {
        assert_eq!(DICTIONARY.len(), 1423);
        assert_eq!(adler32(DICTIONARY), DICTIONARY_ID);
    }

    #[test]
    fn round_trip_every_level_and_strategy() {
        for level in 0..=9 {
            for strategy in STRATEGIES {
                round_trip(CompressionOptions { level, strategy });
            }
        }
        round_trip(CompressionOptions {
            level: 200,
            strategy: Strategy::Dynamic,
        });
    }

    #[test]
    fn default_options() {
        let options = CompressionOptions::default();
        assert_eq!((options.level, options.strategy), (6, Strategy::Fixed));
        assert_eq!(zlib_header(options), [0x78, 0x20, 0xe3, 0xc6, 0xa7, 0xc2]);
        let options = CompressionOptions {
            level: 6,
            strategy: Strategy::Dynamic,
        };
        assert_eq!(zlib_header(options), [0x78, 0xbb, 0xe3, 0xc6, 0xa7, 0xc2]);
        let options = CompressionOptions {
            level: 9,
            ..options
        };
        assert_eq!(zlib_header(options)[..2], [0x78, 0xf9]);
    }

    #[test]
    fn dictionary_makes_blocks_smaller() {
        let req = request(1, "/index.html");
        for level in [1, 6, 9] {
            let mut compressor = Compressor::new(CompressionOptions {
                level,
                strategy: Strategy::Dynamic,
            });
            let mut wire = Vec::new();
            compressor.compress(&req, &mut wire);
            let with_dict = wire.len() - 6;
            let without = raw_without_dictionary(&[&req], level);
            assert!(
                with_dict < without,
                "level {level}: {with_dict} >= {without}"
            );
            // A second, similar request refers back to the first one.
            wire.clear();
            compressor.compress(&request(3, "/index.html"), &mut wire);
            assert!(wire.len() < 60, "level {level}: {}", wire.len());
        }
    }

    #[test]
    fn empty_input_and_block_split_across_calls() {
        let mut d = Decompressor::new();
        let mut out = Vec::new();
        assert_eq!(d.decompress(&[], &mut out, NO_LIMIT, NO_LIMIT), Ok(0));
        let (mut c, wire) = first_block();
        assert_eq!(d.decompress(&[], &mut out, NO_LIMIT, 0), Ok(0));
        let (head, tail) = wire.split_at(9);
        let n = d.decompress(head, &mut out, NO_LIMIT, NO_LIMIT).unwrap();
        let m = d.decompress(tail, &mut out, NO_LIMIT, NO_LIMIT).unwrap();
        assert_eq!(n + m, out.len());
        assert_eq!(out, request(1, "/"));
        // Empty name/value input still gives a sync-flushed block.
        let mut wire = Vec::new();
        c.compress(&[], &mut wire);
        assert_eq!(wire, [0, 0, 0, 0xff, 0xff]);
        assert_eq!(d.decompress(&wire, &mut out, NO_LIMIT, NO_LIMIT), Ok(0));
    }

    #[test]
    fn keep_truncates_but_context_survives() {
        let (mut c, wire) = first_block();
        let mut d = Decompressor::new();
        let mut out = vec![1, 2, 3];
        let n = d.decompress(&wire, &mut out, 10, NO_LIMIT).unwrap();
        assert_eq!(n, request(1, "/").len());
        assert_eq!(out[3..], request(1, "/")[..10]);
        assert_eq!(out.len(), 13);
        let mut wire = Vec::new();
        c.compress(&request(3, "/"), &mut wire);
        out.clear();
        assert_eq!(
            d.decompress(&wire, &mut out, 0, NO_LIMIT),
            Ok(request(3, "/").len())
        );
        assert!(out.is_empty());
        wire.clear();
        c.compress(&request(5, "/"), &mut wire);
        d.decompress(&wire, &mut out, NO_LIMIT, NO_LIMIT).unwrap();
        assert_eq!(out, request(5, "/"));
    }

    #[test]
    fn hard_limit_then_poisoned() {
        let (_, wire) = first_block();
        let len = request(1, "/").len();
        let mut out = Vec::new();
        assert_eq!(
            Decompressor::new().decompress(&wire, &mut out, 0, len),
            Ok(len)
        );
        let mut d = Decompressor::new();
        assert_eq!(
            d.decompress(&wire, &mut out, NO_LIMIT, len - 1),
            Err(InflateError::TooLarge)
        );
        assert_eq!(
            d.decompress(&wire, &mut out, NO_LIMIT, NO_LIMIT),
            Err(InflateError::Poisoned)
        );
        assert_eq!(
            d.decompress(&[], &mut out, 0, 0),
            Err(InflateError::Poisoned)
        );
    }

    #[test]
    fn zlib_bomb_stops_at_hard_limit() {
        // Dynamic codes pack 10 MiB of zeros tighter than the fixed ones.
        let mut c = Compressor::new(CompressionOptions {
            level: 6,
            strategy: Strategy::Dynamic,
        });
        let mut bomb = Vec::new();
        c.compress(&vec![0u8; 10 << 20], &mut bomb);
        assert!(bomb.len() < 20_000, "{}", bomb.len());
        let mut d = Decompressor::new();
        let mut out = Vec::new();
        assert_eq!(
            d.decompress(&bomb, &mut out, 4096, 1 << 20),
            Err(InflateError::TooLarge)
        );
        assert_eq!(out.len(), 4096);
        assert!(out.capacity() <= 8192, "{}", out.capacity());
    }

    #[test]
    fn bad_headers() {
        let mut out = Vec::new();
        let mut check = |block: &[u8], expected: InflateError| {
            let mut d = Decompressor::new();
            assert_eq!(
                d.decompress(block, &mut out, NO_LIMIT, NO_LIMIT),
                Err(expected)
            );
            assert_eq!(
                d.decompress(block, &mut out, NO_LIMIT, NO_LIMIT),
                Err(InflateError::Poisoned)
            );
        };
        check(b"\x78", InflateError::BadHeader);
        check(b"\x78\xbb\xe3\xc6\xa7", InflateError::BadHeader);
        check(b"\x78\xbc\xe3\xc6\xa7\xc2", InflateError::BadHeader); // FCHECK
        check(b"\x79\xba\xe3\xc6\xa7\xc2", InflateError::BadHeader); // CM 9
        check(b"\x88\x98\xe3\xc6\xa7\xc2", InflateError::BadHeader); // CINFO 8
        check(b"hello, not zlib at all", InflateError::BadHeader);
        check(
            b"\x78\xbb\x01\x02\x03\x04\x00",
            InflateError::WrongDictionary {
                dict_id: 0x0102_0304,
            },
        );
        check(
            b"\x78\xbb\xe3\xc6\xa7\xc2\xff\xff\xff",
            InflateError::Corrupt,
        );
        // A stored block whose LEN/NLEN do not match.
        check(
            b"\x78\xbb\xe3\xc6\xa7\xc2\x00\x00\x00\x00\x00",
            InflateError::Corrupt,
        );
        // A complete zlib stream without FDICT ends with a final block.
        check(&compress_to_vec_zlib(b"abc", 6), InflateError::StreamEnded);
    }

    #[test]
    fn final_block_is_stream_end() {
        let (_, wire) = first_block();
        let mut d = Decompressor::new();
        let mut out = Vec::new();
        d.decompress(&wire, &mut out, NO_LIMIT, NO_LIMIT).unwrap();
        let last = compress_to_vec(b"hello", 6);
        assert_eq!(last[0] & 1, 1, "BFINAL");
        assert_eq!(
            d.decompress(&last, &mut out, NO_LIMIT, NO_LIMIT),
            Err(InflateError::StreamEnded)
        );
        assert_eq!(
            d.decompress(&wire[6..], &mut out, NO_LIMIT, NO_LIMIT),
            Err(InflateError::Poisoned)
        );
    }

    #[test]
    fn stream_without_fdict_decodes() {
        let mut z =
            CompressorOxide::with_params(DataFormat::Zlib, 6, CompressionStrategy::Default, 15);
        let mut d = Decompressor::new();
        for (i, block) in blocks().iter().enumerate() {
            let mut wire = Vec::new();
            deflate_sync(&mut z, block, |c| wire.extend_from_slice(c));
            if i == 0 {
                assert_eq!(wire[1] & FDICT, 0);
            }
            let mut out = Vec::new();
            d.decompress(&wire, &mut out, NO_LIMIT, NO_LIMIT).unwrap();
            assert!(out == *block, "block {i}");
        }
    }

    #[test]
    fn display() {
        let e = InflateError::WrongDictionary {
            dict_id: 0x0102_0304,
        };
        assert_eq!(format!("{e}"), "wrong zlib dictionary id 0x01020304");
        assert_eq!(
            format!("{}", InflateError::TooLarge),
            "header block inflates past the limit"
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod vectors {
        use super::*;
        use serde_json::Value;
        use std::fs;

        fn load(name: &str) -> Value {
            let path = format!("{}/../shared/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
            let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            serde_json::from_str(&text).unwrap()
        }

        fn hex(s: &str) -> Vec<u8> {
            (0..s.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                .collect()
        }

        /// The header block of a SYN_STREAM, SYN_REPLY or HEADERS frame.
        fn header_block(frame: &[u8]) -> Option<&[u8]> {
            match (
                frame[0] & 0x80 != 0,
                u16::from_be_bytes([frame[2], frame[3]]),
            ) {
                (true, 1) => Some(&frame[18..]),
                (true, 2 | 8) => Some(&frame[12..]),
                _ => None,
            }
        }

        #[test]
        fn dictionary_matches_shared_copy() {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/dictionary.bin");
            assert_eq!(fs::read(path).unwrap(), DICTIONARY);
        }

        #[test]
        fn positive_sequences_decode() {
            let mut checked = 0;
            for file in ["session.json", "python-zlib.json", "frames.json"] {
                for seq in load(file)["sequences"].as_array().unwrap() {
                    let name = seq["name"].as_str().unwrap();
                    let mut d = Decompressor::new();
                    for frame in seq["frames"].as_array().unwrap() {
                        let decoded = &frame["decoded"];
                        let Some(block) = decoded["header_block_hex"].as_str() else {
                            continue;
                        };
                        let block = hex(block);
                        let frame_bytes = hex(frame["hex"].as_str().unwrap());
                        assert_eq!(header_block(&frame_bytes), Some(&block[..]));
                        if d.phase == Phase::Header {
                            assert!(is_valid_first_block(&block), "{name}");
                        }
                        assert!(block.ends_with(&[0, 0, 0xff, 0xff]), "{name}");
                        let expected = hex(decoded["nv_block_hex"].as_str().unwrap());
                        let mut out = Vec::new();
                        let n = d
                            .decompress(&block, &mut out, NO_LIMIT, NO_LIMIT)
                            .unwrap_or_else(|e| panic!("{name} frame {}: {e}", frame["index"]));
                        assert_eq!(n, expected.len());
                        assert!(out == expected, "{name} frame {}", frame["index"]);
                        checked += 1;
                    }
                }
            }
            assert_eq!(checked, 6 + 7 + 3 + 6 + 2, "header blocks checked");
        }

        #[test]
        fn invalid_cases() {
            let cases = load("invalid.json");
            let expect: [(&str, &[Result<(), InflateError>]); 3] = [
                (
                    "header-block-wrong-dictionary",
                    &[Err(InflateError::WrongDictionary {
                        dict_id: 0x67db_08e9,
                    })],
                ),
                ("header-block-not-zlib", &[Err(InflateError::BadHeader)]),
                ("stream-error-keeps-context", &[Ok(()), Ok(())]),
            ];
            for (name, results) in expect {
                let case = cases["cases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["name"] == name)
                    .unwrap_or_else(|| panic!("{name} missing"));
                let mut d = Decompressor::new();
                let frames = case["frames_hex"].as_array().unwrap();
                assert_eq!(frames.len(), results.len(), "{name}");
                for (frame, expected) in frames.iter().zip(results) {
                    let frame = hex(frame.as_str().unwrap());
                    let mut out = Vec::new();
                    let got = d
                        .decompress(header_block(&frame).unwrap(), &mut out, 1 << 20, 1 << 20)
                        .map(|_| ());
                    assert_eq!(got, *expected, "{name}");
                }
            }
        }
    }
}
