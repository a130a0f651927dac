//! A deflate encoder (RFC 1951) shaped for header blocks: greedy LZ77 matching over a
//! 32 KiB history that starts with the SPDY dictionary, coded with the fixed Huffman codes.
//!
//! A header block is short and, after the first few, mostly matches against earlier
//! blocks, so a dynamic Huffman table costs more bytes than it saves (and building one is
//! most of the work of a general-purpose deflater on such input). Fixed codes need no
//! table on either side: this encoder looks codes up in constants, and decoders do the same
//! or keep theirs built. Its state is the history (64 KiB buffer) and two hash tables
//! (80 KiB), against about 320 KB for `miniz_oxide`'s deflater.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::inflate::{DIST_BASE, DIST_EXTRA, LENGTH_BASE, LENGTH_EXTRA};

/// The deflate window: how far back a match may reach.
const WINDOW: usize = 32 * 1024;
/// The history buffer: input is appended until it is full, then the older half is dropped.
const BUFFER: usize = 2 * WINDOW;
/// Input is taken in pieces of at most this much, so at least this much history is left
/// after the buffer drops its older half.
const PIECE: usize = WINDOW / 2;
/// The largest match distance used. Within it, no later position has taken a candidate's
/// `prev` slot (`p % WINDOW`), so its chain link is still its own; the search stops at the
/// first candidate farther back.
const MAX_DISTANCE: usize = WINDOW - 1;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
const HASH_BITS: u32 = 13;
const HASH_SIZE: usize = 1 << HASH_BITS;
/// A match this long ends the search early.
const GOOD_ENOUGH: usize = 64;

/// Reverses the low `len` bits of `code` (Huffman codes are sent most significant bit first,
/// everything else least significant first).
const fn reverse(code: u16, len: u8) -> u16 {
    let mut reversed = 0;
    let mut i = 0;
    while i < len {
        reversed = (reversed << 1) | ((code >> i) & 1);
        i += 1;
    }
    reversed
}

/// The fixed literal/length code of each symbol (RFC 1951 §3.2.6), bit-reversed, with its
/// length.
const LITLEN_CODES: [(u16, u8); 288] = {
    let mut codes = [(0u16, 0u8); 288];
    let mut symbol = 0;
    while symbol < 288 {
        let (code, len) = match symbol {
            0..=143 => (0x30 + symbol as u16, 8),
            144..=255 => (0x190 + (symbol - 144) as u16, 9),
            256..=279 => ((symbol - 256) as u16, 7),
            _ => (0xc0 + (symbol - 280) as u16, 8),
        };
        codes[symbol] = (reverse(code, len), len);
        symbol += 1;
    }
    codes
};

/// The length symbol's index (symbol − 257) of every match length 3…258.
const LENGTH_INDEX: [u8; MAX_MATCH + 1] = {
    let mut table = [0u8; MAX_MATCH + 1];
    let mut index = 0;
    // In order, so that 258 ends with its own symbol (285), not 284's range.
    while index < LENGTH_BASE.len() {
        let base = LENGTH_BASE[index] as usize;
        let mut length = base;
        while length < base + (1 << LENGTH_EXTRA[index]) && length <= MAX_MATCH {
            table[length] = index as u8;
            length += 1;
        }
        index += 1;
    }
    table
};

/// The distance symbol of distance `d`: at `d − 1` for `d` ≤ 256, else at
/// `256 + ((d − 1) >> 7)` (every distance symbol above 256 covers whole multiples of 128;
/// slots 256 and 257 are never used).
const DIST_INDEX: [u8; 512] = {
    let mut table = [0u8; 512];
    let mut symbol = 0;
    while symbol < DIST_BASE.len() {
        let base = DIST_BASE[symbol] as usize;
        let mut d = base;
        while d < base + (1 << DIST_EXTRA[symbol]) {
            let at = if d <= 256 {
                d - 1
            } else {
                256 + ((d - 1) >> 7)
            };
            table[at] = symbol as u8;
            d += 1;
        }
        symbol += 1;
    }
    table
};

fn dist_symbol(distance: usize) -> usize {
    let at = if distance <= 256 {
        distance - 1
    } else {
        256 + ((distance - 1) >> 7)
    };
    usize::from(DIST_INDEX[at])
}

/// An LSB-first bit writer appending whole 32-bit words to `out`.
struct Bits<'o> {
    out: &'o mut Vec<u8>,
    acc: u64,
    count: u32,
}

impl Bits<'_> {
    /// Appends the low `n` (≤ 32) bits of `value`.
    #[inline]
    fn put(&mut self, value: u32, n: u32) {
        self.acc |= u64::from(value) << self.count;
        self.count += n;
        if self.count >= 32 {
            self.out.extend_from_slice(&(self.acc as u32).to_le_bytes());
            self.acc >>= 32;
            self.count -= 32;
        }
    }

    /// Writes what is buffered, the last byte padded with zero bits.
    fn align(&mut self) {
        while self.count > 0 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.count = self.count.saturating_sub(8);
        }
    }

    #[inline]
    fn literal(&mut self, byte: u8) {
        let (code, len) = LITLEN_CODES[usize::from(byte)];
        self.put(u32::from(code), u32::from(len));
    }

    fn matched(&mut self, length: usize, distance: usize) {
        let index = usize::from(LENGTH_INDEX[length]);
        let (code, len) = LITLEN_CODES[257 + index];
        self.put(u32::from(code), u32::from(len));
        self.put(
            (length - usize::from(LENGTH_BASE[index])) as u32,
            u32::from(LENGTH_EXTRA[index]),
        );
        let symbol = dist_symbol(distance);
        self.put(u32::from(reverse(symbol as u16, 5)), 5);
        self.put(
            (distance - usize::from(DIST_BASE[symbol])) as u32,
            u32::from(DIST_EXTRA[symbol]),
        );
    }
}

/// The sync flush at a block boundary: an empty stored block, its header bits padded to a
/// byte.
const SYNC_FLUSH: [u8; 5] = [0, 0, 0, 0xff, 0xff];

/// Writes `input` as non-final stored blocks (each byte-aligned, as blocks here start)
/// followed by the sync flush: level 0, and input the fixed codes would expand.
pub(super) fn stored_sync(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(input.len() + 5 * (input.len() / 0xffff + 2));
    for chunk in input.chunks(0xffff) {
        let len = chunk.len() as u16;
        out.push(0); // BFINAL 0, BTYPE 00, padding
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&SYNC_FLUSH);
}

/// Length of the common prefix of `a` and `b`, at most `max` (both at least `max` long).
#[inline]
fn common_prefix(a: &[u8], b: &[u8], max: usize) -> usize {
    let mut n = 0;
    while n + 8 <= max {
        let x = u64::from_le_bytes(a[n..n + 8].try_into().expect("8 bytes"))
            ^ u64::from_le_bytes(b[n..n + 8].try_into().expect("8 bytes"));
        if x != 0 {
            return n + (x.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    while n < max && a[n] == b[n] {
        n += 1;
    }
    n
}

/// The encoder's state: the history and its hash chains.
pub(super) struct FixedDeflater {
    /// History and current input; positions below are indices into it.
    buf: Box<[u8; BUFFER]>,
    len: usize,
    /// The latest position with each 3-byte hash (0 doubles as "none": every candidate is
    /// checked byte by byte).
    head: Box<[u16; HASH_SIZE]>,
    /// The previous position with the same hash as the position `p % WINDOW`.
    prev: Box<[u16; WINDOW]>,
    /// Most candidates a search looks at.
    max_chain: usize,
    /// Longest match whose inner positions are recorded. A header block that repeats an
    /// earlier one is a few long matches; recording their inside (every byte) was half of
    /// the encoding time and made blocks no smaller here. Later matches then refer to the
    /// earlier copy.
    max_insert: usize,
}

impl FixedDeflater {
    /// An encoder whose history starts with `preset` (at most one window), searching more
    /// candidates per position at higher `level`s (1…9).
    pub(super) fn new(preset: &[u8], level: u8) -> Self {
        let mut deflater = FixedDeflater {
            buf: Box::new([0; BUFFER]),
            len: 0,
            head: Box::new([0; HASH_SIZE]),
            prev: Box::new([0; WINDOW]),
            max_chain: match level {
                0..=1 => 4,
                2..=3 => 8,
                4..=6 => 32,
                _ => 128,
            },
            max_insert: if level >= 7 { MAX_MATCH } else { 16 },
        };
        let preset = &preset[preset.len().saturating_sub(WINDOW)..];
        deflater.buf[..preset.len()].copy_from_slice(preset);
        deflater.len = preset.len();
        for p in 0..preset.len().saturating_sub(MIN_MATCH - 1) {
            deflater.insert(p);
        }
        deflater
    }

    /// Compresses `input` as one non-final fixed-Huffman block (none for empty input)
    /// followed by a sync flush (an empty stored block, `00 00 ff ff` after alignment),
    /// appended to `out`. Input the fixed codes would expand (bytes 144–255 cost 9 bits)
    /// goes out as stored blocks instead; the history is the same either way.
    pub(super) fn compress(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if input.is_empty() {
            out.extend_from_slice(&SYNC_FLUSH);
            return;
        }
        let start = out.len();
        out.reserve(input.len() + input.len() / 8 + 16);
        let mut bits = Bits {
            out: &mut *out,
            acc: 0,
            count: 0,
        };
        bits.put(0b010, 3); // BFINAL 0, BTYPE 01 (fixed codes)
        for piece in input.chunks(PIECE) {
            self.make_room(piece.len());
            let at = self.len;
            self.buf[at..at + piece.len()].copy_from_slice(piece);
            self.len += piece.len();
            self.encode(at, &mut bits);
        }
        bits.put(0, 7); // end of block (symbol 256)
        bits.put(0, 3); // the flush's stored block header, right after
        bits.align();
        out.extend_from_slice(&SYNC_FLUSH[1..]);
        // Stored blocks cost 5 bytes per 65,535 of input.
        let stored = input.len() + 5 * input.len().div_ceil(0xffff) + SYNC_FLUSH.len();
        if out.len() - start > stored {
            out.truncate(start);
            stored_sync(input, out);
        }
    }

    /// Drops the older half of the buffer if `n` more bytes do not fit.
    fn make_room(&mut self, n: usize) {
        if self.len + n <= BUFFER {
            return;
        }
        self.buf.copy_within(WINDOW..self.len, 0);
        self.len -= WINDOW;
        // A shift by a whole window keeps `prev`'s slots; positions before the new start
        // become 0, which is only ever a candidate to check.
        for entry in self.head.iter_mut().chain(self.prev.iter_mut()) {
            *entry = entry.saturating_sub(WINDOW as u16);
        }
    }

    /// Encodes `buf[start..len]`, matching against everything before it and itself.
    fn encode(&mut self, start: usize, bits: &mut Bits<'_>) {
        let end = self.len;
        let mut p = start;
        while p < end {
            let (length, distance) = if p + MIN_MATCH <= end {
                let h = self.hash(p);
                let found = self.longest_match(p, end, h);
                self.insert_hashed(p, h);
                found
            } else {
                (0, 0)
            };
            if length >= MIN_MATCH {
                bits.matched(length, distance);
                if length <= self.max_insert {
                    for q in p + 1..(p + length).min(end.saturating_sub(MIN_MATCH - 1)) {
                        self.insert(q);
                    }
                }
                p += length;
            } else {
                bits.literal(self.buf[p]);
                p += 1;
            }
        }
    }

    #[inline]
    fn hash(&self, p: usize) -> usize {
        let v = u32::from(self.buf[p])
            | u32::from(self.buf[p + 1]) << 8
            | u32::from(self.buf[p + 2]) << 16;
        (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
    }

    /// Records position `p` (with 3 bytes after it) as the latest with its hash. The last
    /// two positions of each piece are not recorded (they have no 3 bytes yet).
    #[inline]
    fn insert(&mut self, p: usize) {
        self.insert_hashed(p, self.hash(p));
    }

    /// [`insert`](Self::insert) with the hash of `p` already at hand.
    #[inline]
    fn insert_hashed(&mut self, p: usize, h: usize) {
        self.prev[p % WINDOW] = self.head[h];
        self.head[h] = p as u16;
    }

    /// The longest earlier match for the bytes at `p` (up to `end`, with
    /// `p + MIN_MATCH <= end`; `h` their hash): (length, distance), length 0 when there is
    /// none of at least 3 bytes.
    fn longest_match(&self, p: usize, end: usize, h: usize) -> (usize, usize) {
        let max = (end - p).min(MAX_MATCH);
        let mut best = (0, 0);
        let mut candidate = usize::from(self.head[h]);
        for _ in 0..self.max_chain {
            if candidate >= p || p - candidate > MAX_DISTANCE {
                break;
            }
            // Only a candidate that also matches at the current best length can beat it
            // (`best.0 < max` here: the search stops once a match reaches `max`).
            let probe = best.0;
            if self.buf[candidate + probe] == self.buf[p + probe] {
                let length = common_prefix(&self.buf[candidate..], &self.buf[p..end], max);
                if length > best.0 {
                    best = (length, p - candidate);
                    if length >= max.min(GOOD_ENOUGH) {
                        break;
                    }
                }
            }
            let next = usize::from(self.prev[candidate % WINDOW]);
            if next >= candidate {
                break;
            }
            candidate = next;
        }
        best
    }
}

#[cfg(test)]
mod tests {
    //! The encoder's output through `miniz_oxide`'s decoder (an independent one) and this
    //! crate's: repeats of every length at distances across the window, the history
    //! buffer's slides, the stored fallback.

    use super::*;
    use crate::header_block::inflate::RawInflater;
    use alloc::vec;
    use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;

    /// Deterministic bytes: runs, repeats at every distance scale, and noise.
    fn sample(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed | 1;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let r = next();
            let n = (3 + (r >> 8) % 300) as usize;
            let n = n.min(len - out.len());
            match r % 4 {
                0 if !out.is_empty() => {
                    let back = 1 + (next() as usize) % out.len().min(40_000);
                    let from = out.len() - back;
                    for i in 0..n {
                        out.push(out[from + i]);
                    }
                }
                1 => out.extend(core::iter::repeat_n(r as u8, n)),
                _ => out.extend((0..n).map(|_| next() as u8 % 16 + b'a')),
            }
        }
        out
    }

    fn miniz_inflate(stream: &[u8], expected_len: usize) -> Vec<u8> {
        let mut d = DecompressorOxide::new();
        let mut out = vec![0u8; expected_len + 1];
        let flags = inflate_flags::TINFL_FLAG_HAS_MORE_INPUT
            | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        let (status, used, produced) = decompress(&mut d, stream, &mut out, 0, flags);
        assert_eq!(status, TINFLStatus::NeedsMoreInput);
        assert_eq!(used, stream.len());
        out.truncate(produced);
        out
    }

    #[test]
    fn decodes_with_miniz_and_with_the_crate() {
        for level in [1, 6, 9] {
            let blocks: Vec<Vec<u8>> = [0, 1, 2, 700, 40_000, 70_000, 300, 100_000, 5]
                .iter()
                .enumerate()
                .map(|(i, &len)| sample(i as u64 * 77 + u64::from(level), len))
                .collect();
            let mut deflater = FixedDeflater::new(&[], level);
            let mut stream = Vec::new();
            let mut inflater = RawInflater::new(&[]);
            for (i, block) in blocks.iter().enumerate() {
                let start = stream.len();
                deflater.compress(block, &mut stream);
                assert!(stream.ends_with(&[0, 0, 0xff, 0xff]), "block {i}");
                let mut out = Vec::new();
                let n = inflater
                    .inflate(&stream[start..], &mut out, usize::MAX, usize::MAX)
                    .unwrap();
                assert!(n == block.len() && out == *block, "level {level} block {i}");
            }
            let all = blocks.concat();
            assert!(miniz_inflate(&stream, all.len()) == all, "level {level}");
        }
    }

    #[test]
    fn every_length_and_distance() {
        // Repeats of every length 3..=258 at distances spread over the whole window.
        let noise = sample(5, 33_000);
        let mut input = noise.clone();
        for (i, length) in (MIN_MATCH..=MAX_MATCH).enumerate() {
            let distance = 1 + (i * 127) % MAX_DISTANCE;
            let from = input.len() - distance;
            for k in 0..length {
                input.push(input[from + k]);
            }
            input.extend_from_slice(&noise[i * 7..i * 7 + 5]);
        }
        let mut stream = Vec::new();
        FixedDeflater::new(&[], 9).compress(&input, &mut stream);
        assert!(miniz_inflate(&stream, input.len()) == input);
    }

    #[test]
    fn preset_and_repeats_make_blocks_small() {
        let block = b"\x00\x00\x00\x03\x00\x00\x00\x07:method\x00\x00\x00\x03GET".repeat(20);
        let mut with_preset = FixedDeflater::new(b":method", 6);
        let mut first = Vec::new();
        with_preset.compress(&block, &mut first);
        assert!(first.len() < 40, "{}", first.len());
        let mut second = Vec::new();
        with_preset.compress(&block, &mut second);
        // One match of 258, two more, the block frame and the sync flush.
        assert!(second.len() <= 14, "{}", second.len());
        let mut inflater = RawInflater::new(b":method");
        let mut out = Vec::new();
        inflater
            .inflate(&[first, second].concat(), &mut out, usize::MAX, usize::MAX)
            .unwrap();
        assert!(out == [&block[..], &block[..]].concat());
    }

    #[test]
    fn expanding_input_goes_out_stored() {
        // Bytes 144–255 cost 9 bits each in the fixed code, and noise has no matches.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let noise: Vec<u8> = (0..5_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8 | 0x80
            })
            .collect();
        let mut deflater = FixedDeflater::new(&[], 6);
        let mut stream = Vec::new();
        deflater.compress(&noise, &mut stream);
        assert_eq!(
            stream.len(),
            noise.len() + 5 + 5,
            "one stored block and the flush"
        );
        assert_eq!(stream[0], 0, "stored block header");
        // The history still holds the block: a repeat is a match.
        let start = stream.len();
        deflater.compress(&noise[..1_000], &mut stream);
        assert!(stream.len() - start < 30, "{}", stream.len() - start);
        assert!(miniz_inflate(&stream, 6_000) == [&noise[..], &noise[..1_000]].concat());
    }

    #[test]
    fn tables() {
        assert_eq!(LENGTH_INDEX[3], 0);
        assert_eq!(LENGTH_INDEX[10], 7);
        assert_eq!(LENGTH_INDEX[11], 8);
        assert_eq!(LENGTH_INDEX[257], 27);
        assert_eq!(LENGTH_INDEX[258], 28);
        for (d, symbol) in [(1, 0), (4, 3), (5, 4), (256, 15), (257, 16), (24_577, 29)] {
            assert_eq!(dist_symbol(d), symbol, "distance {d}");
        }
        assert_eq!(dist_symbol(32_768), 29);
        assert_eq!(LITLEN_CODES[0], (reverse(0x30, 8), 8));
        assert_eq!(LITLEN_CODES[256], (0, 7));
        assert_eq!(LITLEN_CODES[287].1, 8);
    }
}
