//! Transcripts: what one side sent, split into frames by the common header alone, and
//! everything the faults and their expectations derive from it.

use std::collections::BTreeSet;

use spdy3::frame::FLAG_FIN;
use spdy3::session::Role;

use crate::cut_expect::ClientModel;
use crate::exchange::CANCELLED;
use crate::record::chunks_for;
use crate::replay::{replay, summary, Summary};

pub const SYN_STREAM: u16 = 1;
pub const SYN_REPLY: u16 = 2;
pub const RST_STREAM: u16 = 3;
pub const SETTINGS: u16 = 4;
pub const PING: u16 = 6;
pub const GOAWAY: u16 = 7;
pub const HEADERS: u16 = 8;
pub const WINDOW_UPDATE: u16 = 9;

/// One frame of a transcript, by offsets.
#[derive(Clone, Debug)]
pub struct Fr {
    pub start: usize,
    pub end: usize,
    pub control: bool,
    pub ty: u16,
    pub flags: u8,
    pub len: usize,
    /// DATA: the stream; SYN_STREAM, SYN_REPLY, RST_STREAM, HEADERS, WINDOW_UPDATE: the
    /// stream (0 for the session); GOAWAY: the last-good id.
    pub id: u32,
    /// Where the header block starts, for SYN_STREAM, SYN_REPLY and HEADERS.
    pub block: Option<usize>,
}

impl Fr {
    pub fn name(&self) -> &'static str {
        if !self.control {
            return "DATA";
        }
        match self.ty {
            SYN_STREAM => "SYN_STREAM",
            SYN_REPLY => "SYN_REPLY",
            RST_STREAM => "RST_STREAM",
            SETTINGS => "SETTINGS",
            PING => "PING",
            GOAWAY => "GOAWAY",
            HEADERS => "HEADERS",
            WINDOW_UPDATE => "WINDOW_UPDATE",
            _ => "UNKNOWN",
        }
    }

    pub fn fin(&self) -> bool {
        self.flags & FLAG_FIN != 0
    }

    /// A control frame of type `ty`.
    pub fn is(&self, ty: u16) -> bool {
        self.control && self.ty == ty
    }

    /// DATA, SYN_REPLY or HEADERS: a frame sent on an existing stream.
    pub fn on_stream(&self) -> bool {
        !self.control || self.ty == SYN_REPLY || self.ty == HEADERS
    }
}

/// The big-endian 32-bit word at `at`.
pub fn u32_at(w: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([w[at], w[at + 1], w[at + 2], w[at + 3]])
}

/// Splits a transcript into frames by the common header alone (S-1, S-5).
pub fn parse_frames(w: &[u8]) -> Vec<Fr> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < w.len() {
        assert!(at + 8 <= w.len(), "partial frame header at {at}");
        let first = u32_at(w, at);
        let control = first & 0x8000_0000 != 0;
        let ty = if control { first as u16 } else { 0 };
        let len = (u32_at(w, at + 4) & 0x00ff_ffff) as usize;
        let end = at + 8 + len;
        assert!(end <= w.len(), "partial frame at {at}");
        let id = if !control {
            first & 0x7fff_ffff
        } else if matches!(
            ty,
            SYN_STREAM | SYN_REPLY | RST_STREAM | GOAWAY | HEADERS | WINDOW_UPDATE
        ) {
            u32_at(w, at + 8) & 0x7fff_ffff
        } else {
            0
        };
        let block = match ty {
            SYN_STREAM if control => Some(at + 18),
            SYN_REPLY | HEADERS if control => Some(at + 12),
            _ => None,
        };
        frames.push(Fr {
            start: at,
            end,
            control,
            ty,
            flags: w[at + 4],
            len,
            id,
            block,
        });
        at = end;
    }
    frames
}

/// `wire` in pieces of `size` bytes (the last one shorter).
pub fn in_pieces(wire: &[u8], size: usize) -> Vec<Vec<u8>> {
    wire.chunks(size.max(1)).map(<[u8]>::to_vec).collect()
}

/// The transcript fed to `receiver`, with everything derived from it.
pub struct Side {
    pub receiver: Role,
    pub wire: Vec<u8>,
    /// Where each chunk ends (cumulative; empty chunks repeat the offset).
    pub bounds: Vec<usize>,
    pub frames: Vec<Fr>,
    /// The end of the frame on which the clean replay ends: for the client the one that
    /// finishes its last stream, for the server the last (the client's GOAWAY).
    pub ends_at: usize,
    /// The receiver has ended before it reads any byte from here on (the end of the chunk
    /// in which the clean replay ends): a fault there changes nothing.
    pub quiet_from: usize,
    /// Streams the receiver's application resets itself.
    pub app_resets: BTreeSet<u32>,
    /// The clean replay, timers and EOF included.
    pub clean: Summary,
}

impl Side {
    /// The transcript fed to `receiver`; replays it once, clean.
    pub fn new(receiver: Role) -> Side {
        let chunks = chunks_for(receiver);
        let wire: Vec<u8> = chunks.concat();
        let bounds = chunks
            .iter()
            .scan(0, |at, c| {
                *at += c.len();
                Some(*at)
            })
            .collect();
        let frames = parse_frames(&wire);
        let mut side = Side {
            receiver,
            wire,
            bounds,
            frames,
            ends_at: 0,
            quiet_from: 0,
            app_resets: match receiver {
                Role::Client => BTreeSet::from([CANCELLED]),
                Role::Server => BTreeSet::new(),
            },
            clean: summary(&replay(receiver, chunks, None, true)),
        };
        side.ends_at = match receiver {
            Role::Server => side.wire.len(),
            Role::Client => ClientModel::new(&side).graceful_at,
        };
        side.quiet_from = side.chunk_end(side.ends_at);
        side
    }

    /// The end of the chunk holding the byte before `offset`.
    pub fn chunk_end(&self, offset: usize) -> usize {
        *self
            .bounds
            .iter()
            .find(|&&b| b >= offset)
            .expect("offset inside the transcript")
    }

    /// The index of the chunk holding the byte at `offset`.
    pub fn chunk_of(&self, offset: usize) -> usize {
        self.bounds
            .iter()
            .position(|&b| b > offset)
            .expect("offset inside the transcript")
    }

    /// The DATA payloads of stream `id` in complete frames before `k`.
    pub fn data_before(&self, id: u32, k: usize) -> Vec<u8> {
        self.frames
            .iter()
            .filter(|f| !f.control && f.id == id && f.end <= k)
            .flat_map(|f| self.wire[f.start + 8..f.end].iter().copied())
            .collect()
    }

    /// How many frames are complete before `k`.
    pub fn frames_before(&self, k: usize) -> u64 {
        self.frames.iter().filter(|f| f.end <= k).count() as u64
    }

    /// The end of the first frame that meets `pred`; `what` names it if there is none.
    pub fn end_of(&self, what: &str, mut pred: impl FnMut(&Fr) -> bool) -> usize {
        self.frames
            .iter()
            .find(|f| pred(f))
            .unwrap_or_else(|| panic!("the transcript has {what}"))
            .end
    }
}
