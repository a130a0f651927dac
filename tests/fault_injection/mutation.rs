//! One fault in a transcript, and the transcript with it, in chunks.

use crate::transcript::Side;

/// One fault in a transcript. Offsets are into the original transcript; chunk boundaries
/// move with inserted or removed bytes, so the chunk that holds the fault grows or shrinks.
#[derive(Clone, Copy, Debug)]
pub enum Mutation {
    /// XOR one byte with a mask.
    Flip { at: usize, mask: u8 },
    /// Repeat one byte.
    Dup { at: usize },
    /// Drop one byte.
    Remove { at: usize },
    /// Repeat a whole frame right after itself.
    DupFrame { start: usize, end: usize },
}

impl Mutation {
    /// Where the fault is.
    pub fn offset(self) -> usize {
        match self {
            Mutation::Flip { at, .. } | Mutation::Dup { at } | Mutation::Remove { at } => at,
            Mutation::DupFrame { start, .. } => start,
        }
    }
}

/// The byte at `at` XORed with `mask`.
pub fn flip(at: usize, mask: u8) -> Mutation {
    Mutation::Flip { at, mask }
}

/// The byte at `at` repeated.
pub fn dup(at: usize) -> Mutation {
    Mutation::Dup { at }
}

/// The byte at `at` dropped.
pub fn del(at: usize) -> Mutation {
    Mutation::Remove { at }
}

/// The transcript with the fault, in chunks.
pub fn mutate(side: &Side, m: Mutation) -> Vec<Vec<u8>> {
    let mut w = side.wire.clone();
    let mut bounds = side.bounds.clone();
    // Moves the chunk boundaries from `from` on by `by` bytes.
    let mut shift = |from: usize, by: isize| {
        for b in bounds.iter_mut().filter(|b| **b >= from) {
            *b = (*b as isize + by) as usize;
        }
    };
    match m {
        Mutation::Flip { at, mask } => w[at] ^= mask,
        Mutation::Dup { at } => {
            w.insert(at + 1, w[at]);
            shift(at + 1, 1);
        }
        Mutation::Remove { at } => {
            w.remove(at);
            shift(at + 1, -1);
        }
        Mutation::DupFrame { start, end } => {
            let frame = w[start..end].to_vec();
            w.splice(end..end, frame);
            shift(end, (end - start) as isize);
        }
    }
    let mut chunks = Vec::new();
    let mut at = 0;
    for b in bounds {
        chunks.push(w[at..b].to_vec());
        at = b;
    }
    chunks
}
