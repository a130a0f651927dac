//! Whole frames of a transcript dropped, swapped or held back.

use spdy3::session::Role;

use crate::checks::assert_no_failures;
use crate::fault_expect::{check_replay, zlib_header_expect, Expect};
use crate::transcript::{in_pieces, Side};

/// Each frame of `side`'s transcript dropped, swapped with the next one, and held back to
/// the end: a name, the transcript, and what it must lead to.
fn variants(side: &Side) -> Vec<(String, Vec<u8>, Expect)> {
    let frames = &side.frames;
    let w = &side.wire;
    let blocks: Vec<usize> = frames.iter().filter_map(|f| f.block).collect();
    let mut variants = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let name = format!(
            "{:?}: frame #{i} {} at {}",
            side.receiver,
            f.name(),
            f.start
        );
        let mut dropped = w.clone();
        let frame: Vec<u8> = dropped.drain(f.start..f.end).collect();
        // Without the first header block, the next one lacks its zlib header.
        let expect = match (f.block, blocks.get(1)) {
            (Some(b), Some(&next)) if b == blocks[0] => zlib_header_expect(&w[next..next + 6]),
            _ => Expect::Generic,
        };
        let mut late = dropped.clone();
        late.extend_from_slice(&frame);
        variants.push((format!("{name} dropped"), dropped, expect));
        if let Some(g) = frames.get(i + 1) {
            let mut swapped = w[..f.start].to_vec();
            swapped.extend_from_slice(&w[g.start..g.end]);
            swapped.extend_from_slice(&frame);
            swapped.extend_from_slice(&w[g.end..]);
            let name = format!("{name} swapped with the next");
            variants.push((name, swapped, Expect::Generic));
        }
        variants.push((
            format!("{name} held back to the end"),
            late,
            Expect::Generic,
        ));
    }
    variants
}

/// Whole frames dropped (a lost write), swapped with the next one, or held back to the end
/// of the transcript (a reordering middlebox), fed whole, byte by byte and in 13-byte
/// pieces: the invariants of `check_generic` hold. A lost first header block leaves the
/// next block without its zlib header: a session error (S-47, §7.2), as S-42 makes every
/// block depend on the ones before.
#[test]
fn frames_dropped_swapped_or_held_back() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for receiver in [Role::Client, Role::Server] {
        let side = Side::new(receiver);
        for (name, wire, expect) in &variants(&side) {
            for size in [wire.len(), 1, 13] {
                runs += 1;
                if let Err(e) = check_replay(&side, &in_pieces(wire, size), expect) {
                    failures.push(format!("{name}, in pieces of {size}: {e}"));
                }
            }
        }
    }
    eprintln!("{runs} runs with frames dropped, swapped or held back");
    assert_no_failures(&failures);
}
